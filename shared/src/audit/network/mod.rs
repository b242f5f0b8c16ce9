//! The network audit: the `ec2.*` rules over every security group and VPC of the scanned
//! region.
//!
//! A full scan lists groups and VPCs (with flow logs, endpoints and the Lambda functions using
//! them) and evaluates the group rules on each group and the VPC rules on each VPC; its summary
//! lets the publisher archive findings of groups and VPCs that are gone. A Config change event
//! for `AWS::EC2::SecurityGroup` or `AWS::EC2::VPC` re-reads and re-evaluates that one
//! resource; a deleted one gets NOT_APPLICABLE for its rules, so its findings are archived. A
//! listing that fails gives one UNKNOWN per affected rule on the account, and no summary
//! (nothing is archived on the strength of a failed listing).
pub mod collector;

use self::collector::{NetworkCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::{evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::network::{NetworkInventory, SecurityGroup, Vpc};
use crate::rules::network::{SECURITY_GROUP_RULES, VPC_RULES};

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The EC2 network audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "network",
    function: "network-audit",
    title: "EC2 network",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName {
                finding_type: "AwsEc2SecurityGroup",
                config_type: "AWS::EC2::SecurityGroup",
                id: ConfigId::ResourceId,
            },
            ConfigName { finding_type: "AwsEc2Vpc", config_type: "AWS::EC2::VPC", id: ConfigId::ResourceId },
        ],
        api_calls: &[],
        mode: "resource",
    },
    rules: || [metas(SECURITY_GROUP_RULES), metas(VPC_RULES)].concat(),
    change_rules: || [metas(SECURITY_GROUP_RULES), metas(VPC_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[ReadGrant {
        sid: "DescribeNetworkAndListFunctions",
        why: "EC2 Describe* and lambda:ListFunctions allow only '*'",
        actions: &[
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
            "ec2:DescribeFlowLogs",
            "ec2:DescribeVpcEndpoints",
            "lambda:ListFunctions",
        ],
        scope: GrantScope::Any,
    }],
    // EC2: every API has its own token bucket; non-mutating actions refill at 20 per second
    // (<https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>).
    api_rates: &[("ec2:*", 20)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 512, timeout_seconds: 900, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(NetworkCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The EC2 network audit over its real collector.
struct Runner(NetworkCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

pub const SECURITY_GROUP_TYPE: &str = "AWS::EC2::SecurityGroup";
pub const VPC_TYPE: &str = "AWS::EC2::VPC";

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &[SECURITY_GROUP_TYPE, VPC_TYPE];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

fn ec2_ref(resource_type: &str, kind: &str, id: &str, region: &str, ctx: &ScanContext) -> ResourceRef {
    let arn = crate::resources::network::ec2_arn(kind, id, region, &ctx.account);
    ResourceRef::new(resource_type, id, Some(arn), &ctx.account, region)
}

fn group_ref(id: &str, region: &str, ctx: &ScanContext) -> ResourceRef {
    ec2_ref("AwsEc2SecurityGroup", "security-group", id, region, ctx)
}

fn vpc_ref(id: &str, region: &str, ctx: &ScanContext) -> ResourceRef {
    ec2_ref("AwsEc2Vpc", "vpc", id, region, ctx)
}

impl Resource for SecurityGroup {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        group_ref(&self.id, &self.region, ctx)
    }
}

impl Resource for Vpc {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        vpc_ref(&self.id, &self.region, ctx)
    }
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &NetworkInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut findings =
        super::evaluate_listing(SECURITY_GROUP_RULES, &inventory.security_groups, "security groups", ctx);
    findings.extend(super::evaluate_listing(VPC_RULES, &inventory.vpcs, "VPCs", ctx));
    findings
}

/// The report of a full scan over a collected inventory: findings, and a summary when both
/// listings succeeded.
pub fn report_full(inventory: &NetworkInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let complete = inventory.security_groups.is_ok() && inventory.vpcs.is_ok();
    AuditReport::full_scan(AUDIT.name, findings, complete.then(rule_ids), ctx)
}

/// A full scan of the region.
pub async fn scan_all(collector: &NetworkCollector, ctx: &ScanContext) -> AuditReport {
    report_full(&collector.collect_all().await, ctx)
}

/// The id a change event names: Config's `resourceId` (`sg-...`, `vpc-...`), or the last part
/// of its ARN.
fn changed_id(changed: &ChangedResource) -> String {
    let id = changed.resource_id.trim();
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// Re-evaluate the group or VPC a Config change event names. One that no longer exists gets
/// NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &NetworkCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    let id = changed_id(changed);
    let findings = if changed.resource_type == VPC_TYPE {
        match collector.collect_vpc(&id).await {
            Ok(Some(vpc)) => evaluate_all(VPC_RULES, std::slice::from_ref(&vpc), ctx),
            Ok(None) => deleted(changed, ctx),
            Err(e) => {
                let outcome = Outcome::unknown(format!("could not read the VPC: {e}"));
                same_outcome_for_all(VPC_RULES, &vpc_ref(&id, &changed.region, ctx), &outcome, ctx)
            }
        }
    } else {
        match collector.collect_security_group(&id).await {
            Ok(Some(group)) => evaluate_all(SECURITY_GROUP_RULES, std::slice::from_ref(&group), ctx),
            Ok(None) => deleted(changed, ctx),
            Err(e) => {
                let outcome = Outcome::unknown(format!("could not read the security group: {e}"));
                same_outcome_for_all(SECURITY_GROUP_RULES, &group_ref(&id, &changed.region, ctx), &outcome, ctx)
            }
        }
    };
    AuditReport { findings, summary: None }
}

/// NOT_APPLICABLE for every rule of the resource's kind: it is gone, so its findings are
/// archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let id = changed_id(changed);
    if changed.resource_type == VPC_TYPE {
        let outcome = Outcome::not_applicable("the VPC no longer exists");
        same_outcome_for_all(VPC_RULES, &vpc_ref(&id, &changed.region, ctx), &outcome, ctx)
    } else {
        let outcome = Outcome::not_applicable("the security group no longer exists");
        same_outcome_for_all(SECURITY_GROUP_RULES, &group_ref(&id, &changed.region, ctx), &outcome, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::network::denied;

    fn change(resource_type: &str, id: &str) -> ChangedResource {
        ChangedResource { deleted: true, ..ChangedResource::fixture(resource_type, id) }
    }

    fn inventory() -> NetworkInventory {
        NetworkInventory {
            security_groups: Ok(vec![SecurityGroup::fixture("sg-a"), SecurityGroup::fixture("sg-b")]),
            vpcs: Ok(vec![Vpc::fixture("vpc-a")]),
        }
    }

    #[test]
    fn a_full_scan_evaluates_group_rules_on_groups_and_vpc_rules_on_vpcs() {
        let ctx = ScanContext::fixture();
        let report = report_full(&inventory(), &ctx);
        assert_eq!(report.findings.len(), 2 * SECURITY_GROUP_RULES.len() + VPC_RULES.len());
        let summary = report.summary.expect("complete listings have a summary");
        assert_eq!(summary.audit, "network");
        assert_eq!(summary.rule_ids.len(), 5);
        let vpc_findings: Vec<&Finding> =
            report.findings.iter().filter(|f| f.resource.resource_type == "AwsEc2Vpc").collect();
        assert_eq!(vpc_findings.len(), VPC_RULES.len());
        assert!(vpc_findings.iter().all(|f| f.rule_id.starts_with("ec2.vpc-")));
        assert!(report
            .findings
            .iter()
            .any(|f| f.resource.arn.as_deref() == Some("arn:aws:ec2:us-east-1:123456789012:security-group/sg-b")));
    }

    #[test]
    fn a_failed_listing_is_unknown_on_the_account_without_a_summary() {
        let ctx = ScanContext::fixture();
        let inv = NetworkInventory { security_groups: Err(denied("ec2:DescribeSecurityGroups")), ..inventory() };
        let report = report_full(&inv, &ctx);
        assert!(report.summary.is_none(), "no archive sweep on a failed listing");
        let unknown: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
        assert_eq!(unknown.len(), SECURITY_GROUP_RULES.len());
        assert!(unknown
            .iter()
            .all(|f| f.resource.resource_type == "AwsAccount" && f.reason.contains("ec2:DescribeSecurityGroups")));
        assert_eq!(report.findings.len(), SECURITY_GROUP_RULES.len() + VPC_RULES.len(), "the VPCs are still evaluated");

        let inv = NetworkInventory { vpcs: Err(denied("ec2:DescribeVpcs")), ..inventory() };
        let report = report_full(&inv, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.iter().filter(|f| f.status == Status::Unknown).count(), VPC_RULES.len());
    }

    #[test]
    fn deleted_resources_are_not_applicable_under_the_same_finding_ids() {
        let ctx = ScanContext::fixture();
        let full = report_full(&inventory(), &ctx).findings;
        for (kind, id, n) in
            [(SECURITY_GROUP_TYPE, "sg-a", SECURITY_GROUP_RULES.len()), (VPC_TYPE, "vpc-a", VPC_RULES.len())]
        {
            let gone = deleted(&change(kind, id), &ctx);
            assert_eq!(gone.len(), n, "{kind}");
            assert!(gone.iter().all(|f| f.status == Status::NotApplicable));
            let full_ids: Vec<String> = full.iter().map(|f| f.id()).collect();
            assert!(
                gone.iter().all(|f| full_ids.contains(&f.id())),
                "{kind}: the NOT_APPLICABLE findings replace the full scan's"
            );
        }
    }

    #[test]
    fn a_change_event_names_the_resource_by_id_or_arn() {
        assert_eq!(changed_id(&change(VPC_TYPE, "vpc-1")), "vpc-1");
        assert_eq!(changed_id(&change(SECURITY_GROUP_TYPE, "arn:aws:ec2:us-east-1:1:security-group/sg-9")), "sg-9");
    }
}
