//! The Secrets Manager audit as an [`AuditPort`]: a full scan of the region's secrets, one
//! secret from a Config change event, or NOT_APPLICABLE for a deleted one. The event handling,
//! settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{secretsmanager as secrets_audit, AuditReport};
use ztscan::collect::secretsmanager::SecretsCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The Secrets Manager audit over the real collector.
pub struct SecretsAudit {
    collector: SecretsCollector,
    sdk: aws_config::SdkConfig,
}

impl SecretsAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: SecretsCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for SecretsAudit {
    const AUDIT: &'static str = secrets_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = secrets_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "secret";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        secrets_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        secrets_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: secrets_audit::deleted(changed, ctx), summary: None }
    }
}
