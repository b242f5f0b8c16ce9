//! The rule `ec2.lambda-egress-restricted`; its documentation is on [`LambdaEgressRestricted`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::network::SecurityGroup;
use crate::rules::Rule;

rule! {
    pub struct LambdaEgressRestricted;
    id: "ec2.lambda-egress-restricted",
    title: "Security groups of Lambda functions do not allow all egress to the internet",
    severity: Low,
    resource_type: "AwsEc2SecurityGroup",
    trigger: Change,
    mappings: [],
    seeds: ["004"],
    what_it_checks: "A security group that some Lambda function's `VpcConfig` names does not\n\
        allow all egress to the internet: no egress rule with protocol `-1` (all traffic), or\n\
        TCP/UDP over every port, to `0.0.0.0/0` or `::/0`. Egress to specific ports (say 443) or to\n\
        private CIDRs, groups and prefix lists passes. Groups no function uses are NOT_APPLICABLE.\n\
        When the functions could not be listed (`lambda:ListFunctions`), UNKNOWN with the error.",
    why_it_matters: "A compromised function with unrestricted egress can send whatever it\n\
        can read anywhere; limiting egress to the endpoints and ports it needs makes exfiltration\n\
        and command-and-control much harder, and VPC endpoints make it unnecessary.",
    example: "A function in `zt-fn-sg`, whose egress is AWS's default \"all traffic to\n\
        0.0.0.0/0\".",
    remediation: "Revoke the all-traffic egress rule to 0.0.0.0/0 / ::/0 (aws ec2 revoke-security-group-egress) and allow only the destinations and ports the functions need, preferably VPC endpoints.\n\
        \n\
        `aws ec2 revoke-security-group-egress` for the all-traffic rule, then\n\
        allow only what the function needs (443 to VPC endpoints' prefix lists or groups, the\n\
        database's group on its port).",
    references: "No FSBP control (peer practice: least-privilege egress).",
}

impl Rule for LambdaEgressRestricted {
    type Resource = SecurityGroup;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, group: &SecurityGroup, _ctx: &ScanContext) -> Outcome {
        let functions = known!(group.lambda_functions);
        if functions.is_empty() {
            return Outcome::not_applicable(format!("no Lambda function uses {}", group.id));
        }
        let used_by = if functions.len() > 3 {
            format!("{} and {} more", functions[..3].join(", "), functions.len() - 3)
        } else {
            functions.join(", ")
        };
        let open: Vec<String> = group
            .egress
            .iter()
            .filter(|r| r.covers_all_ports())
            .filter_map(|r| {
                let world: Vec<&str> = r.world_peers().map(|p| p.describe()).collect();
                (!world.is_empty()).then(|| format!("{} to {}", r.describe_ports(), world.join(", ")))
            })
            .collect();
        if open.is_empty() {
            Outcome::pass(format!("{} (used by {used_by}) does not allow all egress to the internet", group.id))
        } else {
            Outcome::fail(format!("{} (used by {used_by}) allows egress {}", group.id, open.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::network::{denied, rule, SgRule};

    #[test]
    fn table() {
        let none = i32::MIN;
        let users = |names: &[&str]| -> Collected<Vec<String>> { Ok(names.iter().map(|n| n.to_string()).collect()) };
        type Case<'a> = (Collected<Vec<String>>, Vec<SgRule>, Status, &'a str);
        let cases: Vec<Case> = vec![
            (
                users(&[]),
                vec![rule("-1", none, none, &["0.0.0.0/0"])],
                Status::NotApplicable,
                "no Lambda function uses sg-l",
            ),
            (
                users(&["fn-a"]),
                vec![rule("-1", none, none, &["0.0.0.0/0"])],
                Status::Fail,
                "(used by fn-a) allows egress all traffic to 0.0.0.0/0",
            ),
            (users(&["fn-a"]), vec![rule("-1", -1, -1, &["::/0"])], Status::Fail, "all traffic to ::/0"),
            (users(&["fn-a"]), vec![rule("tcp", 0, 65535, &["0.0.0.0/0"])], Status::Fail, "tcp 0-65535 to 0.0.0.0/0"),
            (
                users(&["fn-a", "fn-b"]),
                vec![rule("tcp", 443, 443, &["0.0.0.0/0"])],
                Status::Pass,
                "(used by fn-a, fn-b)",
            ),
            (users(&["fn-a"]), vec![rule("-1", none, none, &["10.0.0.0/8", "pl-s3"])], Status::Pass, "does not allow"),
            (users(&["fn-a"]), vec![], Status::Pass, "does not allow"),
            (users(&["a", "b", "c", "d", "e"]), vec![], Status::Pass, "a, b, c and 2 more"),
            (Err(denied("lambda:ListFunctions")), vec![], Status::Unknown, "lambda:ListFunctions"),
        ];
        for (lambda_functions, egress, want, reason_has) in cases {
            let g = SecurityGroup { lambda_functions, egress: egress.clone(), ..SecurityGroup::fixture("sg-l") };
            let o = LambdaEgressRestricted.evaluate(&g, &ScanContext::fixture());
            assert_eq!(o.status, want, "{egress:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{egress:?}: {}", o.reason);
        }
    }
}
