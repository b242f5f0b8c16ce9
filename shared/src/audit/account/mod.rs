//! The account audit: the `account.*` rules over every enabled region of the account.
//!
//! A full scan lists the regions (or takes `account_regions`), reads each region's baseline
//! and KMS keys, and gives one finding per (regional rule, region) and one per
//! customer-managed KMS key. A regional finding's resource is the account (`AwsAccount`,
//! `arn:<partition>:::<account>`) *in the region judged*: its `region` is that region, so the
//! ASFF `Region` is the region judged and the deterministic finding id
//! (`ztscan/<account>/<region>/<rule>/<hash>`) differs per region.
//!
//! Its summary (the archive sweep) is sent only when the regions and every region's KMS keys
//! were listed: a regional control always gets a finding per region (UNKNOWN when its reads
//! failed), so its ids stay fresh, but a key listing that failed would otherwise archive that
//! region's key findings.
//!
//! A Config change event re-checks one region: an `AWS::KMS::Key` re-reads that key only
//! (gone: NOT_APPLICABLE under the same finding id); a trail, detector, hub or analyzer
//! (changed or deleted; deleting a trail is exactly what must be re-judged) re-reads the six
//! regional controls of the event's region.
pub mod collector;

use self::collector::{key_arn, AccountCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::{account_ref, evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::account::{AccountInventory, KmsKey, RegionBaseline};
use crate::rules::account::{KEY_RULES, REGION_RULES};

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The account baseline audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "account",
    function: "account-audit",
    title: "account baseline",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsKmsKey", config_type: "AWS::KMS::Key", id: ConfigId::ResourceId },
        ],
        api_calls: &[],
        mode: "region",
    },
    rules: || [metas(REGION_RULES), metas(KEY_RULES)].concat(),
    change_rules: || [metas(REGION_RULES), metas(KEY_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ReadAccountBaseline",
            why: "without the key reads: these actions either have no resource type or are read in every region, so they allow only '*'",
            actions: &["ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "guardduty:ListDetectors", "guardduty:GetDetector", "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "securityhub:DescribeHub", "access-analyzer:ListAnalyzers", "inspector2:BatchGetAccountStatus", "kms:ListKeys"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadKeyRotation",
            why: "audit::account::collector::KMS_KEY_ACTIONS: this account's keys, in any region",
            actions: &["kms:DescribeKey", "kms:GetKeyRotationStatus"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"),
        },
    ],
    // CloudTrail, GuardDuty, Config, Access Analyzer, Inspector, KMS and Security Hub publish no
    // per-API read rate a scan could reach: the shared 10 per second per operation
    // (`collect::pace::SHARED_RATES`; Security Hub's own rates are shared with the publisher).
    api_rates: &[],
    schedule: Schedule::Daily,
    deployment: Deployment { memory_mb: 512, timeout_seconds: 900, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(AccountCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted,
};

/// The account baseline audit over its real collector.
struct Runner(AccountCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

pub const KMS_KEY_TYPE: &str = "AWS::KMS::Key";

/// The Config resource types a change event may name. `AWS::Config::ConfigurationRecorder`
/// is left out on purpose: a recorder that stops cannot record its own change, and Inspector
/// has no Config type; both are judged by the daily scan.
pub const CHANGE_TYPES: &[&str] = &[
    "AWS::CloudTrail::Trail",
    "AWS::GuardDuty::Detector",
    "AWS::SecurityHub::Hub",
    "AWS::AccessAnalyzer::Analyzer",
    KMS_KEY_TYPE,
];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// The account as judged in `region`: the finding's region is the region judged.
pub fn region_ref(region: &str, ctx: &ScanContext) -> ResourceRef {
    let arn = format!("arn:{}:::{}", crate::context::partition_for(region), ctx.account);
    ResourceRef::new("AwsAccount", &ctx.account, Some(arn), &ctx.account, region)
}

fn key_ref(id: &str, arn: &str, region: &str, ctx: &ScanContext) -> ResourceRef {
    ResourceRef::new("AwsKmsKey", id, Some(arn.to_string()), &ctx.account, region)
}

impl Resource for RegionBaseline {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        region_ref(&self.region, ctx)
    }
}

impl Resource for KmsKey {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        key_ref(&self.id, &self.arn, &self.region, ctx)
    }
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &AccountInventory, ctx: &ScanContext) -> Vec<Finding> {
    let regions = match &inventory.regions {
        Ok(r) => r,
        Err(e) => {
            let outcome = Outcome::unknown(format!("could not list the account's regions: {e}"));
            let account = account_ref(&ctx.account, ctx);
            let mut out = same_outcome_for_all(REGION_RULES, &account, &outcome, ctx);
            out.extend(same_outcome_for_all(KEY_RULES, &account, &outcome, ctx));
            return out;
        }
    };
    let mut findings = Vec::new();
    for r in regions {
        findings.extend(evaluate_all(REGION_RULES, std::slice::from_ref(&r.baseline), ctx));
        findings.extend(match &r.keys {
            Ok(keys) => evaluate_all(KEY_RULES, keys, ctx),
            Err(e) => {
                let outcome = Outcome::unknown(format!("could not list the KMS keys of {}: {e}", r.baseline.region));
                same_outcome_for_all(KEY_RULES, &region_ref(&r.baseline.region, ctx), &outcome, ctx)
            }
        });
    }
    findings
}

/// The report of a full scan: findings, and a summary when the regions and every region's
/// keys were listed.
pub fn report_full(inventory: &AccountInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let complete = inventory.regions.as_ref().is_ok_and(|rs| rs.iter().all(|r| r.keys.is_ok()));
    AuditReport::full_scan(AUDIT.name, findings, complete.then(rule_ids), ctx)
}

/// A full scan of every region.
pub async fn scan_all(collector: &AccountCollector, ctx: &ScanContext) -> AuditReport {
    report_full(&collector.collect_all(&ctx.account).await, ctx)
}

/// The key a change event names: Config's `resourceId` (the key id), or the last part of its
/// ARN.
fn changed_key_id(changed: &ChangedResource) -> String {
    let id = changed.resource_id.trim();
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// True when a change event re-reads the region even though the resource was deleted: every
/// type but a KMS key (a deleted trail or detector changes the region's verdict).
pub fn rescans_deleted(changed: &ChangedResource) -> bool {
    changed.resource_type != KMS_KEY_TYPE
}

/// Re-evaluate what a Config change event concerns: the key, or the event region's regional
/// controls.
pub async fn scan_changed(collector: &AccountCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    let findings = if changed.resource_type == KMS_KEY_TYPE {
        let id = changed_key_id(changed);
        match collector.collect_key(&changed.region, &ctx.account, &id).await {
            Some(key) => evaluate_all(KEY_RULES, std::slice::from_ref(&key), ctx),
            None => deleted(changed, ctx),
        }
    } else {
        let baseline = collector.baseline(&changed.region, &ctx.account).await;
        evaluate_all(REGION_RULES, std::slice::from_ref(&baseline), ctx)
    };
    AuditReport { findings, summary: None }
}

/// NOT_APPLICABLE for a deleted KMS key, under the full scan's finding id. Other deleted
/// types are re-read by [`scan_changed`] ([`rescans_deleted`]), so they give nothing here.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    if changed.resource_type != KMS_KEY_TYPE {
        return Vec::new();
    }
    let id = changed_key_id(changed);
    let arn = changed
        .arn
        .clone()
        .filter(|a| a.starts_with("arn:"))
        .unwrap_or_else(|| key_arn(&changed.region, &ctx.account, &id));
    let outcome = Outcome::not_applicable("the KMS key no longer exists");
    same_outcome_for_all(KEY_RULES, &key_ref(&id, &arn, &changed.region, ctx), &outcome, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::account::{denied, RegionInventory};

    fn inventory() -> AccountInventory {
        let west_key = KmsKey {
            arn: "arn:aws:kms:eu-west-1:123456789012:key/k-west".into(),
            region: "eu-west-1".into(),
            rotation: Ok(Some(false)),
            ..KmsKey::fixture("k-west")
        };
        AccountInventory {
            regions: Ok(vec![
                RegionInventory {
                    baseline: RegionBaseline::fixture("us-east-1"),
                    keys: Ok(vec![KmsKey::fixture("k-east")]),
                },
                RegionInventory { baseline: RegionBaseline::empty("eu-west-1"), keys: Ok(vec![west_key]) },
            ]),
        }
    }

    fn change(resource_type: &str, id: &str, region: &str, deleted: bool) -> ChangedResource {
        ChangedResource { region: region.into(), deleted, ..ChangedResource::fixture(resource_type, id) }
    }

    #[test]
    fn a_full_scan_gives_one_finding_per_rule_and_region_with_distinct_ids() {
        let ctx = ScanContext::fixture();
        let report = report_full(&inventory(), &ctx);
        assert_eq!(report.findings.len(), 2 * REGION_RULES.len() + 2);
        let summary = report.summary.expect("complete listings have a summary");
        assert_eq!(summary.audit, "account");
        assert_eq!(summary.rule_ids.len(), 7);
        for rule in REGION_RULES {
            let per_rule: Vec<&Finding> = report.findings.iter().filter(|f| f.rule_id == rule.meta().id).collect();
            assert_eq!(per_rule.len(), 2, "{}", rule.meta().id);
            let east = per_rule.iter().find(|f| f.resource.region == "us-east-1").expect("us-east-1 finding");
            let west = per_rule.iter().find(|f| f.resource.region == "eu-west-1").expect("eu-west-1 finding");
            assert_eq!(east.status, Status::Pass, "{}: {}", rule.meta().id, east.reason);
            assert_eq!(west.status, Status::Fail, "{}: {}", rule.meta().id, west.reason);
            assert_ne!(east.id(), west.id(), "{}: one finding id per region", rule.meta().id);
            assert!(west.id().contains("/eu-west-1/"), "{}", west.id());
            let asff = crate::render::asff::to_asff(
                west,
                "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
                None,
                crate::render::asff::Before::New,
            );
            assert_eq!(asff.resources[0].region, "eu-west-1", "the ASFF region is the region judged");
        }
        let keys: Vec<&Finding> =
            report.findings.iter().filter(|f| f.rule_id == "account.kms-rotation-enabled").collect();
        assert_eq!(keys.len(), 2);
        let west = keys.iter().find(|f| f.resource.id == "k-west").expect("k-west finding");
        assert_eq!(west.status, Status::Fail);
        assert_eq!(west.resource.region, "eu-west-1");
        assert_eq!(west.resource.resource_type, "AwsKmsKey");
    }

    #[test]
    fn a_failed_region_listing_is_unknown_without_a_summary() {
        let ctx = ScanContext::fixture();
        let inv = AccountInventory { regions: Err(denied("ec2:DescribeRegions")) };
        let report = report_full(&inv, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.len(), 7);
        assert!(report
            .findings
            .iter()
            .all(|f| f.status == Status::Unknown && f.reason.contains("ec2:DescribeRegions")));
    }

    #[test]
    fn a_failed_key_listing_is_unknown_for_that_region_and_stops_the_archive_sweep() {
        let ctx = ScanContext::fixture();
        let mut inv = inventory();
        if let Ok(regions) = &mut inv.regions {
            regions[1].keys = Err(denied("kms:ListKeys"));
        }
        let report = report_full(&inv, &ctx);
        assert!(report.summary.is_none(), "no archive sweep when a region's keys could not be listed");
        let unknown: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].resource.region, "eu-west-1");
        assert!(unknown[0].reason.contains("kms:ListKeys"));
    }

    #[test]
    fn a_deleted_key_is_not_applicable_under_the_full_scans_id() {
        let ctx = ScanContext::fixture();
        let full = report_full(&inventory(), &ctx).findings;
        let gone = deleted(&change(KMS_KEY_TYPE, "k-west", "eu-west-1", true), &ctx);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].status, Status::NotApplicable);
        assert!(full.iter().any(|f| f.id() == gone[0].id()), "the NOT_APPLICABLE finding replaces the full scan's");
        assert!(deleted(&change("AWS::CloudTrail::Trail", "t", "eu-west-1", true), &ctx).is_empty());
        assert!(rescans_deleted(&change("AWS::CloudTrail::Trail", "t", "eu-west-1", true)));
        assert!(!rescans_deleted(&change(KMS_KEY_TYPE, "k", "eu-west-1", true)));
        assert_eq!(
            changed_key_id(&change(KMS_KEY_TYPE, "arn:aws:kms:eu-west-1:123456789012:key/k-9", "eu-west-1", false)),
            "k-9"
        );
    }
}
