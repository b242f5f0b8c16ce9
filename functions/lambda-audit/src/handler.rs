//! The Lambda audit as an [`AuditPort`]: a full scan of the region's functions, or one
//! function from a Config change event, or NOT_APPLICABLE for a deleted one. The event
//! handling, settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{lambda as lambda_audit, AuditReport};
use ztscan::collect::lambda::LambdaCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The Lambda audit over the real collector.
pub struct LambdaAudit {
    collector: LambdaCollector,
    sdk: aws_config::SdkConfig,
}

impl LambdaAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: LambdaCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for LambdaAudit {
    const AUDIT: &'static str = lambda_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = lambda_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "function";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        lambda_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        lambda_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: lambda_audit::deleted(changed, ctx), summary: None }
    }
}
