//! The Secrets Manager audit: every `secretsmanager.*` rule over each secret of the scanned
//! region. A full scan lists every secret (`ListSecrets`) and reads each resource policy; a
//! Config change event for `AWS::SecretsManager::Secret` re-reads only that secret
//! (`DescribeSecret`). A secret that is gone, or scheduled for deletion, gets NOT_APPLICABLE
//! for every rule, so the publisher archives its findings.
pub mod collector;

use self::collector::{SecretsCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::same_outcome_for_all;
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::secretsmanager::{region_of_arn, SecretsInventory};
use crate::rules::secretsmanager::SECRET_RULES;

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The Secrets Manager audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "secretsmanager",
    function: "secrets-audit",
    title: "Secrets Manager",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsSecretsManagerSecret", config_type: "AWS::SecretsManager::Secret", id: ConfigId::Arn },
        ],
        api_calls: &[],
        mode: "secret",
    },
    rules: || metas(SECRET_RULES),
    change_rules: || metas(SECRET_RULES),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ListSecrets",
            why: "the listing has no resource-level scoping",
            actions: &["secretsmanager:ListSecrets"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadSecretMetadata",
            why: "metadata and resource policies of this account's secrets in this region. Never secretsmanager:GetSecretValue: the audit cannot read a secret's value",
            actions: &["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*"),
        },
    ],
    // Secrets Manager: 100 per second for `ListSecrets`, 50 for the combined resource-policy
    // APIs (`GetResourcePolicy`), 10,000 for `DescribeSecret` (paced at 100 here)
    // (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>).
    api_rates: &[("secretsmanager:ListSecrets", 100), ("secretsmanager:GetResourcePolicy", 50), ("secretsmanager:*", 100)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(SecretsCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The Secrets Manager audit over its real collector.
struct Runner(SecretsCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &["AWS::SecretsManager::Secret"];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Evaluate a collected inventory (pure). A failed listing makes every rule UNKNOWN on the
/// account.
pub fn evaluate(inventory: &SecretsInventory, ctx: &ScanContext) -> Vec<Finding> {
    super::evaluate_listing(SECRET_RULES, &inventory.secrets, "secrets", ctx)
}

/// A full scan of the region: the summary (which lets the publisher archive findings of
/// vanished secrets) only when the listing succeeded.
pub async fn scan_all(collector: &SecretsCollector, ctx: &ScanContext) -> AuditReport {
    let inventory = collector.collect_all().await;
    report_full(&inventory, ctx)
}

/// The report of a full scan over a collected inventory.
pub fn report_full(inventory: &SecretsInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    AuditReport::full_scan(AUDIT.name, findings, inventory.secrets.is_ok().then(rule_ids), ctx)
}

/// Re-evaluate the one secret a Config change event names (Config's `resourceId` for a
/// secret is its ARN). A secret that no longer exists (or is scheduled for deletion) gets
/// NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &SecretsCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let read = collector.collect_one(changed.arn_or_name()).await;
    super::rescanned(SECRET_RULES, read, "secret", &changed_ref(changed, ctx), &gone(), ctx)
}

fn gone() -> Outcome {
    Outcome::not_applicable("the secret no longer exists or is scheduled for deletion")
}

/// The resource reference of a secret known only from the event. The ARN is what a full scan
/// uses too, so the finding ids match.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let arn =
        if changed.resource_id.starts_with("arn:") { Some(changed.resource_id.clone()) } else { changed.arn.clone() };
    let region = arn.as_deref().and_then(region_of_arn).unwrap_or(&changed.region).to_string();
    let name = changed.resource_name.clone().unwrap_or_else(|| changed.resource_id.clone());
    ResourceRef::new("AwsSecretsManagerSecret", name, arn, changed.account.as_deref().unwrap_or(&ctx.account), &region)
}

/// NOT_APPLICABLE for every rule of a secret that is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    same_outcome_for_all(SECRET_RULES, &changed_ref(changed, ctx), &gone(), ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::error::{CollectError, CollectErrorKind};
    use crate::engine::Resource;
    use crate::model::Status;
    use crate::resources::secretsmanager::Secret;

    fn changed(deleted: bool) -> ChangedResource {
        ChangedResource {
            resource_type: CHANGE_TYPES[0].into(),
            resource_id: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
            resource_name: Some("db".into()),
            region: "eu-west-1".into(),
            account: Some("123456789012".into()),
            arn: None,
            deleted,
        }
    }

    #[test]
    fn a_full_scan_reports_every_rule_per_secret_and_asks_for_a_sweep() {
        let ctx = ScanContext::fixture();
        let inv = SecretsInventory { secrets: Ok(vec![Secret::fixture("a"), Secret::fixture("b")]) };
        let report = report_full(&inv, &ctx);
        assert_eq!(report.findings.len(), 2 * SECRET_RULES.len());
        assert!(report.findings.iter().all(|f| f.status == Status::Pass));
        let summary = report.summary.expect("a complete listing asks for an archive sweep");
        assert_eq!(summary.rule_ids, rule_ids());
        assert_eq!(summary.audit, "secretsmanager");
    }

    #[test]
    fn a_failed_listing_is_unknown_on_the_account_without_a_sweep() {
        let ctx = ScanContext::fixture();
        let e =
            CollectError::new(CollectErrorKind::AccessDenied, "secretsmanager:ListSecrets", "AccessDeniedException");
        let report = report_full(&SecretsInventory { secrets: Err(e) }, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.len(), SECRET_RULES.len());
        for f in &report.findings {
            assert_eq!(f.status, Status::Unknown);
            assert!(f.reason.contains("access denied on secretsmanager:ListSecrets"), "{}", f.reason);
            assert_eq!(f.resource.resource_type, "AwsAccount");
        }
    }

    #[test]
    fn a_deleted_secret_is_not_applicable_under_the_same_finding_id() {
        let ctx = ScanContext::fixture();
        let findings = deleted(&changed(true), &ctx);
        assert_eq!(findings.len(), SECRET_RULES.len());
        assert!(findings.iter().all(|f| f.status == Status::NotApplicable));
        let live = Secret {
            arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
            name: "db".into(),
            region: "eu-west-1".into(),
            ..Secret::default()
        };
        assert_eq!(findings[0].resource, live.resource_ref(&ctx), "same resource, so the same finding id");
    }

    #[test]
    fn the_secret_id_is_the_arn_config_gives() {
        assert_eq!(changed(false).arn_or_name(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf");
        let by_name = ChangedResource { resource_id: "db".into(), ..changed(false) };
        assert_eq!(by_name.arn_or_name(), "db");
    }

    #[test]
    fn the_sample_events_are_secret_changes_named_by_arn() {
        use crate::events::{parse_trigger, AuditTrigger};
        let samples = [
            (include_str!("../../../../events/config-change-secretsmanager-secret.json"), false),
            (include_str!("../../../../events/config-change-secretsmanager-secret-deleted.json"), true),
        ];
        for (text, is_deleted) in samples {
            let event: serde_json::Value = serde_json::from_str(text).expect("sample event is JSON");
            let Ok(AuditTrigger::ResourceChange(c)) = parse_trigger(&event, CHANGE_TYPES) else {
                panic!("not a change event")
            };
            assert_eq!(c.deleted, is_deleted);
            assert_eq!(c.arn_or_name(), "arn:aws:secretsmanager:us-east-1:123456789012:secret:zt-public-secret-AbCdEf");
        }
    }
}
