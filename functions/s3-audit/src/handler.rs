//! The S3 audit as an [`AuditPort`]: a full scan, one bucket from a Config change event, or a
//! deleted bucket. The event handling, settings and queueing are shared (`ztscan::lambda`).

use std::sync::Arc;

use ztscan::audit::{s3 as s3_audit, AuditReport};
use ztscan::collect::s3::S3Collector;
use ztscan::collect::CollectError;
use ztscan::events::ChangedResource;
use ztscan::lambda::AuditPort;
use ztscan::{ScanConfig, ScanContext};

/// The S3 audit over the real collector.
pub struct S3Audit {
    collector: Arc<S3Collector>,
    sdk: aws_config::SdkConfig,
}

impl S3Audit {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: Arc::new(S3Collector::new(sdk, config.concurrency, config.page_size)), sdk: sdk.clone() }
    }
}

impl AuditPort for S3Audit {
    const AUDIT: &'static str = s3_audit::AUDIT;
    const CHANGE_TYPES: &'static [&'static str] = &["AWS::S3::Bucket"];
    const CHANGE_MODE: &'static str = "bucket";

    async fn caller_account(&self) -> Result<String, CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        s3_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        s3_audit::scan_bucket(&self.collector, &changed.resource_id, &changed.region, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: s3_audit::deleted_bucket(&changed.resource_id, &changed.region, ctx), summary: None }
    }
}
