//! The rule `ec2.default-sg-restricts-all`; its documentation is on [`DefaultSgRestrictsAll`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::network::{SecurityGroup, SgRule};
use crate::rules::Rule;

rule! {
    pub struct DefaultSgRestrictsAll;
    id: "ec2.default-sg-restricts-all",
    title: "VPC default security group allows no traffic",
    severity: Medium,
    resource_type: "AwsEc2SecurityGroup",
    trigger: Change,
    mappings: [Fsbp("EC2.2")],
    seeds: ["003"],
    what_it_checks: "The group named `default` of each VPC has no ingress and no egress\n\
        rule. Other groups are NOT_APPLICABLE. A failing result names how many rules of each\n\
        direction remain and where they lead. The group's rules are collected with the group, so\n\
        there is no UNKNOWN outcome.",
    why_it_matters: "Every resource launched without an explicit group lands in the default\n\
        group; as created by AWS it lets members talk to each other and reach anywhere, so a\n\
        forgotten ENI silently gets that access. An empty default group makes \"no group chosen\"\n\
        mean \"no traffic\".",
    example: "A new VPC's default group, untouched: ingress from itself, egress to\n\
        `0.0.0.0/0`.",
    remediation: "Move resources to purpose-built security groups, then revoke every ingress and egress rule of the VPC's default security group (aws ec2 revoke-security-group-ingress / revoke-security-group-egress).\n\
        \n\
        Move resources to purpose-built groups, then `aws ec2\n\
        revoke-security-group-ingress` and `revoke-security-group-egress` for every rule of the\n\
        default group (it cannot be deleted).",
    references: "",
}

fn describe(rules: &[SgRule]) -> String {
    let shown: Vec<String> = rules
        .iter()
        .map(|r| {
            let peers: Vec<&str> = r.peers.iter().map(|p| p.describe()).collect();
            format!("{} {}", r.describe_ports(), peers.join(", "))
        })
        .collect();
    shown.join("; ")
}

impl Rule for DefaultSgRestrictsAll {
    type Resource = SecurityGroup;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, group: &SecurityGroup, _ctx: &ScanContext) -> Outcome {
        if group.name != "default" {
            return Outcome::not_applicable(format!("{} is not a VPC's default security group", group.id));
        }
        let mut problems = Vec::new();
        if !group.ingress.is_empty() {
            problems.push(format!("{} ingress rule(s) ({})", group.ingress.len(), describe(&group.ingress)));
        }
        if !group.egress.is_empty() {
            problems.push(format!("{} egress rule(s) ({})", group.egress.len(), describe(&group.egress)));
        }
        let vpc = group.vpc_id.as_deref().unwrap_or("its VPC");
        if problems.is_empty() {
            Outcome::pass(format!("the default security group {} of {vpc} has no rules", group.id))
        } else {
            Outcome::fail(format!("the default security group {} of {vpc} has {}", group.id, problems.join(" and ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::network::rule;

    #[test]
    fn table() {
        let none = i32::MIN;
        type Case<'a> = (&'a str, Vec<SgRule>, Vec<SgRule>, Status, &'a str);
        let cases: Vec<Case> = vec![
            ("default", vec![], vec![], Status::Pass, "has no rules"),
            (
                "default",
                vec![rule("-1", none, none, &["sg-1"])],
                vec![rule("-1", none, none, &["0.0.0.0/0"])],
                Status::Fail,
                "1 ingress rule(s) (all traffic sg-1) and 1 egress rule(s) (all traffic 0.0.0.0/0)",
            ),
            (
                "default",
                vec![],
                vec![rule("tcp", 443, 443, &["::/0"])],
                Status::Fail,
                "1 egress rule(s) (tcp 443 ::/0)",
            ),
            ("default", vec![rule("tcp", 22, 22, &["10.0.0.0/8"])], vec![], Status::Fail, "1 ingress rule(s)"),
            ("web", vec![rule("-1", none, none, &["0.0.0.0/0"])], vec![], Status::NotApplicable, "not a VPC's default"),
            ("Default", vec![], vec![], Status::NotApplicable, "not a VPC's default"),
        ];
        for (name, ingress, egress, want, reason_has) in cases {
            let g = SecurityGroup { name: name.into(), ingress, egress, ..SecurityGroup::fixture("sg-d") };
            let o = DefaultSgRestrictsAll.evaluate(&g, &ScanContext::fixture());
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{name}: {}", o.reason);
        }
    }
}
