//! The CloudFormation audit: every `cloudformation.*` rule over each live stack of the scanned
//! region. A full scan lists the stacks (`DescribeStacks`) and reads each template summary; a
//! Config change event for `AWS::CloudFormation::Stack` re-reads only that stack
//! (`DescribeStacks(StackName=<id>)`). A stack that is gone (or `DELETE_COMPLETE`) gets
//! NOT_APPLICABLE for every rule under the same finding ids, so the publisher archives its
//! findings. A listing that fails gives one UNKNOWN per rule on the account and no summary.
pub mod collector;

use self::collector::{StackCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::same_outcome_for_all;
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::cloudformation::{name_of_arn, region_of_arn, StackInventory};
use crate::rules::cloudformation::STACK_RULES;

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The CloudFormation stack audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "cloudformation",
    function: "stack-audit",
    title: "CloudFormation stack",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsCloudFormationStack", config_type: "AWS::CloudFormation::Stack", id: ConfigId::Arn },
        ],
        api_calls: &[],
        mode: "stack",
    },
    rules: || metas(STACK_RULES),
    change_rules: || metas(STACK_RULES),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ListStacks",
            why: "DescribeStacks without a StackName lists every stack and is authorised as ListStacks + DescribeStacks on '*' (API reference), so these two cannot be scoped to stack ARNs",
            actions: &["cloudformation:ListStacks", "cloudformation:DescribeStacks"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadTemplateSummaries",
            why: "template summaries (parameter declarations) of this account's stacks in this region. Never GetTemplate, never a write",
            actions: &["cloudformation:GetTemplateSummary"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*/*"),
        },
    ],
    // CloudFormation publishes no read rate, and its unpublished one is low: 10 per second per
    // operation.
    api_rates: &[("cloudformation:*", 10)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(StackCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The CloudFormation stack audit over its real collector.
struct Runner(StackCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &["AWS::CloudFormation::Stack"];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Evaluate a collected inventory (pure). A failed listing makes every rule UNKNOWN on the
/// account.
pub fn evaluate(inventory: &StackInventory, ctx: &ScanContext) -> Vec<Finding> {
    super::evaluate_listing(STACK_RULES, &inventory.stacks, "stacks", ctx)
}

/// The report of a full scan over a collected inventory: the summary (which lets the publisher
/// archive findings of vanished stacks) only when the listing succeeded.
pub fn report_full(inventory: &StackInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    AuditReport::full_scan(AUDIT.name, findings, inventory.stacks.is_ok().then(rule_ids), ctx)
}

/// A full scan of the region.
pub async fn scan_all(collector: &StackCollector, ctx: &ScanContext) -> AuditReport {
    report_full(&collector.collect_all().await, ctx)
}

/// Re-evaluate the one stack a Config change event names (Config's `resourceId` for a stack
/// is its stack id, an ARN). A stack that no longer exists (or was never created) gets
/// NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &StackCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let read = collector.collect_one(changed.arn_or_name()).await;
    super::rescanned(STACK_RULES, read, "stack", &changed_ref(changed, ctx), &gone(), ctx)
}

fn gone() -> Outcome {
    Outcome::not_applicable("the stack no longer exists (deleted, or never created from its change set)")
}

/// The resource reference of a stack known only from the event. The stack id (ARN) is what a
/// full scan uses too, so the finding ids match.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let id = changed.arn_or_name();
    let arn = id.starts_with("arn:").then(|| id.to_string());
    let region = arn.as_deref().and_then(region_of_arn).unwrap_or(&changed.region).to_string();
    let name = changed
        .resource_name
        .clone()
        .or_else(|| arn.as_deref().and_then(name_of_arn).map(str::to_string))
        .unwrap_or_else(|| changed.resource_id.clone());
    ResourceRef::new("AwsCloudFormationStack", name, arn, changed.account.as_deref().unwrap_or(&ctx.account), &region)
}

/// NOT_APPLICABLE for every rule of a stack that is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    same_outcome_for_all(STACK_RULES, &changed_ref(changed, ctx), &gone(), ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::error::{CollectError, CollectErrorKind};
    use crate::engine::Resource;
    use crate::model::Status;
    use crate::resources::cloudformation::Stack;

    const ID: &str = "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/0a1b2c3d";

    fn changed(deleted: bool) -> ChangedResource {
        ChangedResource {
            resource_type: CHANGE_TYPES[0].into(),
            resource_id: ID.into(),
            resource_name: Some("app".into()),
            region: "eu-west-1".into(),
            account: Some("123456789012".into()),
            arn: None,
            deleted,
        }
    }

    #[test]
    fn a_full_scan_reports_every_rule_per_stack_and_asks_for_a_sweep() {
        let ctx = ScanContext::fixture();
        let inv = StackInventory { stacks: Ok(vec![Stack::fixture("a"), Stack::fixture("b")]) };
        let report = report_full(&inv, &ctx);
        assert_eq!(report.findings.len(), 2 * STACK_RULES.len());
        assert!(report.findings.iter().all(|f| f.status == Status::Pass));
        assert!(report.findings.iter().all(|f| f.resource.resource_type == "AwsCloudFormationStack"));
        let summary = report.summary.expect("a complete listing asks for an archive sweep");
        assert_eq!(summary.rule_ids, rule_ids());
        assert_eq!(summary.audit, "cloudformation");
    }

    #[test]
    fn a_failed_listing_is_unknown_on_the_account_without_a_sweep() {
        let ctx = ScanContext::fixture();
        let e = CollectError::new(CollectErrorKind::AccessDenied, "cloudformation:DescribeStacks", "AccessDenied");
        let report = report_full(&StackInventory { stacks: Err(e) }, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.len(), STACK_RULES.len());
        for f in &report.findings {
            assert_eq!(f.status, Status::Unknown);
            assert!(f.reason.contains("access denied on cloudformation:DescribeStacks"), "{}", f.reason);
            assert_eq!(f.resource.resource_type, "AwsAccount");
        }
    }

    #[test]
    fn a_deleted_stack_is_not_applicable_under_the_same_finding_id() {
        let ctx = ScanContext::fixture();
        let findings = deleted(&changed(true), &ctx);
        assert_eq!(findings.len(), STACK_RULES.len());
        assert!(findings.iter().all(|f| f.status == Status::NotApplicable));
        let live = Stack { id: ID.into(), name: "app".into(), region: "eu-west-1".into(), ..Stack::default() };
        assert_eq!(findings[0].resource, live.resource_ref(&ctx), "same resource, so the same finding id");
        let unnamed = ChangedResource { resource_name: None, ..changed(true) };
        assert_eq!(deleted(&unnamed, &ctx)[0].resource, live.resource_ref(&ctx), "the name comes from the id");
    }

    #[test]
    fn the_stack_id_is_the_arn_config_gives() {
        assert_eq!(changed(false).arn_or_name(), ID);
        let by_name = ChangedResource { resource_id: "app".into(), ..changed(false) };
        assert_eq!(by_name.arn_or_name(), "app");
    }

    #[test]
    fn the_sample_events_are_stack_changes_named_by_stack_id() {
        use crate::events::{parse_trigger, AuditTrigger};
        let samples = [
            (include_str!("../../../../events/config-change-cloudformation-stack.json"), false),
            (include_str!("../../../../events/config-change-cloudformation-stack-deleted.json"), true),
        ];
        for (text, is_deleted) in samples {
            let event: serde_json::Value = serde_json::from_str(text).expect("sample event is JSON");
            let Ok(AuditTrigger::ResourceChange(c)) = parse_trigger(&event, CHANGE_TYPES) else {
                panic!("not a change event")
            };
            assert_eq!(c.deleted, is_deleted);
            assert_eq!(
                c.arn_or_name(),
                "arn:aws:cloudformation:us-east-1:123456789012:stack/zt-stack-open/5e6f7a80-c6d1-11f0-9a4b-0a1b2c3d4e5f"
            );
        }
    }
}
