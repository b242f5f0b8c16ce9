//! The rule `ec2.vpc-has-private-endpoints`; its documentation is on [`VpcHasPrivateEndpoints`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::network::Vpc;
use crate::rules::Rule;

rule! {
    pub struct VpcHasPrivateEndpoints;
    id: "ec2.vpc-has-private-endpoints",
    title: "VPCs hosting Lambda functions have endpoints for the services they call",
    severity: Low,
    resource_type: "AwsEc2Vpc",
    trigger: Change,
    mappings: [],
    seeds: ["003"],
    what_it_checks: "A VPC hosting Lambda functions (a function's `VpcConfig` names one of\n\
        its security groups) has a usable VPC endpoint for every service in `vpc_endpoint_services`\n\
        (by default `s3` and `secretsmanager`), matched on the last part of the endpoint's service\n\
        name (`com.amazonaws.<region>.s3`); endpoints being deleted, deleted, rejected or failed do\n\
        not count. VPCs hosting no function are NOT_APPLICABLE. A failing result names the missing\n\
        services and the functions. When the functions or the endpoints could not be listed,\n\
        UNKNOWN with the error.",
    why_it_matters: "Without endpoints, functions reach S3 and Secrets Manager through a NAT\n\
        gateway and the internet, so their egress cannot be closed and endpoint policies cannot\n\
        restrict which buckets and secrets they touch.",
    example: "Functions in a private VPC reading secrets through a NAT gateway.",
    remediation: "Create VPC endpoints for the services the functions call (aws ec2 create-vpc-endpoint --service-name com.amazonaws.<region>.s3 / .secretsmanager ...), then restrict egress.\n\
        \n\
        `aws ec2 create-vpc-endpoint --vpc-id vpc-... --service-name\n\
        com.amazonaws.<region>.s3 --route-table-ids ...` (gateway) and `--vpc-endpoint-type\n\
        Interface --service-name com.amazonaws.<region>.secretsmanager --subnet-ids ...\n\
        --security-group-ids ...`, then tighten egress.",
    references: "No FSBP control (peer practice: private service access).",
}

impl Rule for VpcHasPrivateEndpoints {
    type Resource = Vpc;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, vpc: &Vpc, ctx: &ScanContext) -> Outcome {
        let functions = known!(vpc.lambda_functions);
        if functions.is_empty() {
            return Outcome::not_applicable(format!("{} hosts no Lambda function", vpc.id));
        }
        let endpoints = known!(vpc.endpoints);
        let used_by = if functions.len() > 3 {
            format!("{} and {} more", functions[..3].join(", "), functions.len() - 3)
        } else {
            functions.join(", ")
        };
        let missing: Vec<&str> = ctx
            .config
            .vpc_endpoint_services
            .iter()
            .filter(|svc| !endpoints.iter().any(|e| e.usable() && e.short_service().eq_ignore_ascii_case(svc)))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Outcome::pass(format!(
                "{} (hosting {used_by}) has endpoints for {}",
                vpc.id,
                ctx.config.vpc_endpoint_services.join(", ")
            ))
        } else {
            Outcome::fail(format!("{} (hosting {used_by}) has no VPC endpoint for {}", vpc.id, missing.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::network::{denied, VpcEndpoint};

    fn ep(service: &str, state: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: format!("vpce-{service}"),
            service_name: format!("com.amazonaws.us-east-1.{service}"),
            state: Some(state.into()),
        }
    }

    #[test]
    fn table() {
        let f = |names: &[&str]| -> Collected<Vec<String>> { Ok(names.iter().map(|n| n.to_string()).collect()) };
        let both = Ok(vec![ep("s3", "available"), ep("secretsmanager", "available")]);
        type Case<'a> = (Collected<Vec<String>>, Collected<Vec<VpcEndpoint>>, Status, &'a str);
        let cases: Vec<Case> = vec![
            (f(&[]), Ok(vec![]), Status::NotApplicable, "hosts no Lambda function"),
            (f(&["fn-a"]), both.clone(), Status::Pass, "(hosting fn-a) has endpoints for s3, secretsmanager"),
            (f(&["fn-a"]), Ok(vec![]), Status::Fail, "no VPC endpoint for s3, secretsmanager"),
            (f(&["fn-a"]), Ok(vec![ep("s3", "available")]), Status::Fail, "no VPC endpoint for secretsmanager"),
            (
                f(&["fn-a"]),
                Ok(vec![ep("s3", "deleted"), ep("secretsmanager", "pendingAcceptance")]),
                Status::Fail,
                "for s3",
            ),
            (
                f(&["fn-a"]),
                Ok(vec![ep("s3-outposts", "available"), ep("secretsmanager", "available")]),
                Status::Fail,
                "for s3",
            ),
            (Err(denied("lambda:ListFunctions")), both.clone(), Status::Unknown, "lambda:ListFunctions"),
            (f(&["fn-a"]), Err(denied("ec2:DescribeVpcEndpoints")), Status::Unknown, "ec2:DescribeVpcEndpoints"),
            (f(&[]), Err(denied("ec2:DescribeVpcEndpoints")), Status::NotApplicable, "hosts no Lambda"),
        ];
        for (lambda_functions, endpoints, want, reason_has) in cases {
            let v = Vpc { lambda_functions, endpoints: endpoints.clone(), ..Vpc::fixture("vpc-1") };
            let o = VpcHasPrivateEndpoints.evaluate(&v, &ScanContext::fixture());
            assert_eq!(o.status, want, "{endpoints:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{endpoints:?}: {}", o.reason);
        }
    }

    #[test]
    fn the_service_list_is_configuration() {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).vpc_endpoint_services = vec!["dynamodb".into()];
        let v = Vpc { lambda_functions: Ok(vec!["fn".into()]), ..Vpc::fixture("vpc-1") };
        let o = VpcHasPrivateEndpoints.evaluate(&v, &ctx);
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert!(o.reason.contains("for dynamodb"), "{}", o.reason);
    }
}
