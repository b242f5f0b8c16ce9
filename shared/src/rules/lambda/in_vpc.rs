//! The rule `lambda.in-vpc`; its documentation is on [`InVpc`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct InVpc;
    id: "lambda.in-vpc",
    title: "Lambda function is attached to a VPC (when required)",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.3")],
    seeds: ["002", "003"],
    what_it_checks: "The function is attached to a VPC (`VpcConfig` with subnets). The\n\
        control is opt-in: a function that reaches no private resource gains nothing from a VPC and\n\
        pays for it in ENIs, NAT and cold-start complexity, so with the default configuration the\n\
        rule is NOT_APPLICABLE and says how to turn it on (`require_lambda_vpc: true`). When it is\n\
        on, a function without a VPC attachment fails. Nothing here is collected separately, so the\n\
        rule has no UNKNOWN outcome.",
    why_it_matters: "In a VPC, the function's network egress goes through security groups,\n\
        NACLs, VPC endpoints and flow logs you control; outside one it reaches the internet directly\n\
        and cannot be confined to private endpoints.",
    example: "With `require_lambda_vpc: true`, a function created without `--vpc-config`.",
    remediation: "Attach the function to private subnets in at least two Availability Zones with a security group (aws lambda update-function-configuration --vpc-config), adding VPC endpoints for the services it calls.\n\
        \n\
        `aws lambda update-function-configuration --function-name f --vpc-config\n\
        SubnetIds=<private subnets in two AZs>,SecurityGroupIds=<sg>`, with VPC endpoints (or NAT)\n\
        for the AWS services it calls; or leave `require_lambda_vpc` off for accounts whose\n\
        functions reach no private resources.",
    references: "",
}

impl Rule for InVpc {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, ctx: &ScanContext) -> Outcome {
        if !ctx.config.require_lambda_vpc {
            return Outcome::not_applicable(
                "VPC attachment is not required (opt in with require_lambda_vpc: true in the scan configuration)",
            );
        }
        match &function.vpc {
            Some(vpc) if !vpc.subnet_ids.is_empty() => Outcome::pass(format!(
                "the function is attached to {} ({} subnet(s))",
                vpc.vpc_id.as_deref().unwrap_or("a VPC"),
                vpc.subnet_ids.len()
            )),
            _ => Outcome::fail("the function is not attached to a VPC"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::VpcAttachment;

    fn ctx(required: bool) -> ScanContext {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).require_lambda_vpc = required;
        ctx
    }

    fn attached(subnets: &[&str]) -> Option<VpcAttachment> {
        Some(VpcAttachment {
            vpc_id: Some("vpc-0abc".into()),
            subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
            security_group_ids: vec!["sg-1".into()],
            subnet_azs: Ok(BTreeMap::new()),
        })
    }

    #[test]
    fn table() {
        let cases: Vec<(bool, Option<VpcAttachment>, Status, &str)> = vec![
            (false, None, Status::NotApplicable, "require_lambda_vpc: true"),
            (false, attached(&["subnet-a"]), Status::NotApplicable, "not required"),
            (true, None, Status::Fail, "not attached"),
            (true, attached(&[]), Status::Fail, "not attached"),
            (true, attached(&["subnet-a", "subnet-b"]), Status::Pass, "vpc-0abc (2 subnet(s))"),
        ];
        for (required, vpc, want, reason_has) in cases {
            let f = LambdaFunction { vpc: vpc.clone(), ..LambdaFunction::fixture("f") };
            let o = InVpc.evaluate(&f, &ctx(required));
            assert_eq!(o.status, want, "{required} {vpc:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{required} {vpc:?}: {}", o.reason);
        }
    }
}
