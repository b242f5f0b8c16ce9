//! The S3 audit: the account-level Block Public Access setting plus every bucket rule.
pub mod collector;

use self::collector::{resolve_replication_regions, S3Collector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::{evaluate_all, same_outcome_for_all};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::s3::S3Inventory;
use crate::rules::s3::{ACCOUNT_RULES, BUCKET_RULES};

use super::{
    metas, AuditReport, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule,
};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The S3 audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "s3",
    function: "s3-audit",
    title: "S3",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: &["AWS::S3::Bucket"],
        config_names: &[ConfigName {
            finding_type: "AwsS3Bucket",
            config_type: "AWS::S3::Bucket",
            id: ConfigId::ResourceId,
        }],
        api_calls: &[],
        mode: "bucket",
    },
    rules: || [metas(ACCOUNT_RULES), metas(BUCKET_RULES)].concat(),
    change_rules: || metas(BUCKET_RULES),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ReadS3AccountConfiguration",
            why: "account-level calls (no resource-level scoping exists)",
            actions: &["s3:ListAllMyBuckets", "s3:GetAccountPublicAccessBlock"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadS3BucketConfiguration",
            why: "per-bucket calls",
            actions: &[
                "s3:GetBucketLocation",
                "s3:GetBucketTagging",
                "s3:GetBucketPublicAccessBlock",
                "s3:GetBucketPolicy",
                "s3:GetBucketAcl",
                "s3:GetEncryptionConfiguration",
                "s3:GetBucketVersioning",
                "s3:GetReplicationConfiguration",
                "s3:GetBucketOwnershipControls",
                "s3:GetBucketLogging",
            ],
            scope: GrantScope::Arn("arn:${AWS::Partition}:s3:::*"),
        },
    ],
    // S3 bucket-configuration reads and S3 Control publish no per-API read rate a scan could
    // reach: 50 per second per operation for S3, 10 for S3 Control.
    api_rates: &[("s3:*", 50), ("s3control:*", 10)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 2 },
    connect: |sdk, config, progress| {
        let mut collector = S3Collector::new(sdk, config.concurrency, config.page_size);
        if let Some(progress) = progress {
            collector = collector.with_progress(progress);
        }
        Box::new(Runner(collector))
    },
    deleted: |changed, ctx| deleted_bucket(&changed.resource_id, &changed.region, ctx),
    rescans_deleted: |_| false,
};

/// The S3 audit over its real collector.
struct Runner(S3Collector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_bucket(&self.0, &changed.resource_id, &changed.region, ctx))
    }
}

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &S3Inventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut findings = evaluate_all(ACCOUNT_RULES, std::slice::from_ref(&inventory.account), ctx);
    findings.extend(super::evaluate_listing(BUCKET_RULES, &inventory.buckets, "buckets", ctx));
    findings
}

/// NOT_APPLICABLE for every bucket rule: the bucket is gone, so its findings are archived.
pub fn deleted_bucket(name: &str, region: &str, ctx: &ScanContext) -> Vec<Finding> {
    same_outcome_for_all(
        BUCKET_RULES,
        &bucket_ref(name, region, ctx),
        &Outcome::not_applicable("the bucket no longer exists"),
        ctx,
    )
}

/// The resource reference of a bucket known only by name and region.
fn bucket_ref(name: &str, region: &str, ctx: &ScanContext) -> ResourceRef {
    ResourceRef::new("AwsS3Bucket", name, Some(self::collector::bucket_arn(name, region)), &ctx.account, region)
}

/// A full scan of the account.
pub async fn scan_all(collector: &S3Collector, ctx: &ScanContext) -> AuditReport {
    let mut inventory = collector.collect_all(&ctx.account).await;
    if let Ok(buckets) = &mut inventory.buckets {
        resolve_replication_regions(buckets);
    }
    let findings = evaluate(&inventory, ctx);
    AuditReport::full_scan(AUDIT.name, findings, inventory.buckets.is_ok().then(rule_ids), ctx)
}

/// Re-evaluate one bucket (a Config change event). A bucket that no longer exists gets
/// NOT_APPLICABLE findings; a bucket whose existence could not be checked gets UNKNOWN.
pub async fn scan_bucket(collector: &S3Collector, name: &str, region_hint: &str, ctx: &ScanContext) -> AuditReport {
    let findings = match collector.collect_one(&ctx.account, name).await {
        Ok(Some(bucket)) => evaluate_all(BUCKET_RULES, std::slice::from_ref(&bucket), ctx),
        Ok(None) => deleted_bucket(name, region_hint, ctx),
        Err(e) => {
            let outcome = Outcome::unknown(format!("could not read the bucket: {e}"));
            same_outcome_for_all(BUCKET_RULES, &bucket_ref(name, region_hint, ctx), &outcome, ctx)
        }
    };
    AuditReport { findings, summary: None }
}
