//! The IAM audit as an [`AuditPort`]: a full scan of the account's IAM, or one role, user or
//! managed policy from a Config change event, or NOT_APPLICABLE for a deleted one. The event
//! handling, settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{iam as iam_audit, AuditReport};
use ztscan::collect::iam::IamCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The IAM audit over the real collector.
pub struct IamAudit {
    collector: IamCollector,
    sdk: aws_config::SdkConfig,
}

impl IamAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: IamCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for IamAudit {
    const AUDIT: &'static str = iam_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = iam_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "resource";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        iam_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        iam_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: iam_audit::deleted(changed, ctx), summary: None }
    }
}
