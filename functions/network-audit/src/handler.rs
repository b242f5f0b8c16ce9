//! The network audit as an [`AuditPort`]: a full scan of the region's security groups and
//! VPCs, or one group or VPC from a Config change event, or NOT_APPLICABLE for a deleted one.
//! The event handling, settings and queueing are shared (`ztscan::lambda`).

use ztscan::audit::{network as network_audit, AuditReport};
use ztscan::collect::network::NetworkCollector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The network audit over the real collector.
pub struct NetworkAudit {
    collector: NetworkCollector,
    sdk: aws_config::SdkConfig,
}

impl NetworkAudit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: NetworkCollector::new(sdk, config), sdk: sdk.clone() }
    }
}

impl AuditPort for NetworkAudit {
    const AUDIT: &'static str = network_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = network_audit::CHANGE_TYPES;
    const CHANGE_MODE: &'static str = "resource";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        network_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        network_audit::scan_changed(&self.collector, changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: network_audit::deleted(changed, ctx), summary: None }
    }
}
