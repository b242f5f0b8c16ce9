//! The rule `lambda.vpc-multi-az`; its documentation is on [`VpcMultiAz`].

use std::collections::BTreeSet;

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct VpcMultiAz;
    id: "lambda.vpc-multi-az",
    title: "VPC-attached Lambda function spans at least two Availability Zones",
    severity: Medium,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.5")],
    seeds: ["002"],
    what_it_checks: "A function attached to a VPC has subnets in at least two distinct\n\
        Availability Zones, as EC2 reports them for its subnets (`ec2:DescribeSubnets`). A function\n\
        outside a VPC (or with an empty subnet list) is NOT_APPLICABLE. When EC2 did not report the\n\
        zone of some subnet (deleted, or not visible to the audit role), the known subnets are\n\
        counted first: two zones among them already pass, since the missing ones can only add\n\
        zones; otherwise the result is UNKNOWN naming the missing subnets rather than a guess. When\n\
        the subnets could not be described at all, UNKNOWN with the error.",
    why_it_matters: "Lambda places the function's network interfaces only in the configured\n\
        subnets; with one zone, an outage of that zone stops every invocation, which is the failure\n\
        the service's own multi-AZ design otherwise hides.",
    example: "`--vpc-config SubnetIds=subnet-a` with `subnet-a` in `us-east-1a` only.",
    remediation: "Add subnets from at least two Availability Zones to the function's VPC configuration (aws lambda update-function-configuration --vpc-config SubnetIds=...).\n\
        \n\
        Add a private subnet in a second Availability Zone of the same VPC to the\n\
        function's `SubnetIds` (`aws lambda update-function-configuration --vpc-config ...`).",
    references: "",
}

impl Rule for VpcMultiAz {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        let Some(vpc) = function.vpc.as_ref().filter(|v| !v.subnet_ids.is_empty()) else {
            return Outcome::not_applicable("the function is not attached to a VPC");
        };
        let azs = known!(vpc.subnet_azs);
        let zones: BTreeSet<&str> = vpc.subnet_ids.iter().filter_map(|s| azs.get(s)).map(String::as_str).collect();
        let missing: Vec<&str> = vpc.subnet_ids.iter().filter(|s| !azs.contains_key(*s)).map(String::as_str).collect();
        let zone_list = zones.iter().copied().collect::<Vec<_>>().join(", ");
        if zones.len() >= 2 {
            return Outcome::pass(format!(
                "the function's subnets span {} Availability Zones ({zone_list})",
                zones.len()
            ));
        }
        if !missing.is_empty() {
            return Outcome::unknown(format!(
                "could not evaluate: EC2 reported no Availability Zone for subnet(s) {}",
                missing.join(", ")
            ));
        }
        Outcome::fail(format!("all of the function's subnets are in one Availability Zone ({zone_list})"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::VpcAttachment;

    fn in_subnets(subnets: &[&str], azs: &[(&str, &str)]) -> LambdaFunction {
        LambdaFunction {
            vpc: Some(VpcAttachment {
                vpc_id: Some("vpc-1".into()),
                subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
                security_group_ids: vec!["sg-1".into()],
                subnet_azs: Ok(azs.iter().map(|(s, a)| (s.to_string(), a.to_string())).collect::<BTreeMap<_, _>>()),
            }),
            ..LambdaFunction::fixture("f")
        }
    }

    #[test]
    fn table() {
        let two = [("subnet-a", "us-east-1a"), ("subnet-b", "us-east-1b")];
        let cases: Vec<(LambdaFunction, Status, &str)> = vec![
            (LambdaFunction::fixture("f"), Status::NotApplicable, "not attached"),
            (in_subnets(&[], &[]), Status::NotApplicable, "not attached"),
            (
                in_subnets(&["subnet-a", "subnet-b"], &two),
                Status::Pass,
                "2 Availability Zones (us-east-1a, us-east-1b)",
            ),
            (in_subnets(&["subnet-a"], &two), Status::Fail, "one Availability Zone (us-east-1a)"),
            (
                in_subnets(&["subnet-a", "subnet-c"], &[("subnet-a", "us-east-1a"), ("subnet-c", "us-east-1a")]),
                Status::Fail,
                "one Availability Zone",
            ),
            (in_subnets(&["subnet-a", "subnet-x"], &two), Status::Unknown, "subnet(s) subnet-x"),
            (in_subnets(&["subnet-a", "subnet-b", "subnet-x"], &two), Status::Pass, "2 Availability Zones"),
        ];
        for (f, want, reason_has) in cases {
            let o = VpcMultiAz.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{:?}: {}", f.vpc, o.reason);
            assert!(o.reason.contains(reason_has), "{:?}: {}", f.vpc, o.reason);
        }
    }

    #[test]
    fn unknown_when_subnets_could_not_be_described() {
        let mut f = in_subnets(&["subnet-a"], &[]);
        if let Some(vpc) = f.vpc.as_mut() {
            vpc.subnet_azs = Err(LambdaFunction::denied("ec2:DescribeSubnets"));
        }
        let o = VpcMultiAz.evaluate(&f, &ScanContext::fixture());
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("ec2:DescribeSubnets"), "{}", o.reason);
    }
}
