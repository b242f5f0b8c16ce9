//! The account audit as an [`AuditPort`]: a full scan of every enabled region, or one region
//! (or one KMS key) from a Config change event. A deleted trail, detector, hub or analyzer
//! re-reads its region; a deleted key gets NOT_APPLICABLE. The event handling, settings and
//! queueing are shared (`ztscan::lambda`).

use ztscan::audit::{account as account_audit, AuditReport};
use ztscan::collect::account::AccountCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The account audit over the real collector.
pub struct AccountAudit {
    collector: AccountCollector,
    sdk: aws_config::SdkConfig,
}

impl AccountAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: AccountCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for AccountAudit {
    const AUDIT: &'static str = account_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = account_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "region";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        account_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        account_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: account_audit::deleted(changed, ctx), summary: None }
    }
    fn rescans_deleted(&self, changed: &ChangedResource) -> bool {
        account_audit::rescans_deleted(changed)
    }
}
