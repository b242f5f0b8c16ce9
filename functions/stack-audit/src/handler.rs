//! The CloudFormation audit as an [`AuditPort`]: a full scan of the region's stacks, one stack
//! from a Config change event, or NOT_APPLICABLE for a deleted one. The event handling,
//! settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{cloudformation as stack_audit, AuditReport};
use ztscan::collect::cloudformation::StackCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The CloudFormation audit over the real collector.
pub struct StackAudit {
    collector: StackCollector,
    sdk: aws_config::SdkConfig,
}

impl StackAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: StackCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for StackAudit {
    const AUDIT: &'static str = stack_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = stack_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "stack";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        stack_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        stack_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: stack_audit::deleted(changed, ctx), summary: None }
    }
}
