//! The messaging audit as an [`AuditPort`]: a full scan of the region's SNS topics, SQS queues
//! and EventBridge event buses, one of them from a Config change event, or NOT_APPLICABLE for
//! a deleted one. The event handling, settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{messaging as messaging_audit, AuditReport};
use ztscan::collect::messaging::MessagingCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The messaging audit over the real collector.
pub struct MessagingAudit {
    collector: MessagingCollector,
    sdk: aws_config::SdkConfig,
}

impl MessagingAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: MessagingCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for MessagingAudit {
    const AUDIT: &'static str = messaging_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = messaging_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "resource";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        messaging_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        messaging_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: messaging_audit::deleted(changed, ctx), summary: None }
    }
}
