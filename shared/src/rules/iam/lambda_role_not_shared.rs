//! The rule `iam.lambda-role-not-shared`; its documentation is on [`LambdaRoleNotShared`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamRole;
use crate::rules::Rule;

use super::lambda_role_has_permissions_boundary::execution_role;

rule! {
    pub struct LambdaRoleNotShared;
    id: "iam.lambda-role-not-shared",
    title: "Each Lambda execution role is used by exactly one function",
    severity: Medium,
    resource_type: "AwsIamRole",
    trigger: Periodic,
    mappings: [],
    seeds: ["004"],
    what_it_checks: "Each Lambda execution role is the execution role of exactly one\n\
        function in the scanned region (from `lambda:ListFunctions`). Two or more functions: FAIL,\n\
        naming them. No function: NOT_APPLICABLE, because a role no function in this region uses\n\
        is not shared (it may serve a function in another region, or be left over; unused roles\n\
        are the business of `iam.no-unused-permissions`). Roles that are not execution roles and\n\
        service-linked roles are NOT_APPLICABLE; a failed function listing is UNKNOWN.",
    why_it_matters: "A shared role holds the union of every function's permissions, so each\n\
        function can do what any of them may: a compromise of the least important function\n\
        reaches the data of the most important one, and no policy can be tightened without\n\
        checking every user of the role.",
    example: "`orders-api` and `reports-nightly` both run as `app-role`: the nightly job can\n\
        write orders.",
    remediation: "Give every Lambda function its own execution role that grants only what that function needs.\n\
        \n\
        Give each function its own role holding only what that function uses\n\
        (SAM creates one per function when `Role` is omitted and `Policies` is used).",
    references: "AWS Lambda Developer Guide, \"Defining Lambda function\n\
        permissions with an execution role\".",
}

impl Rule for LambdaRoleNotShared {
    type Resource = IamRole;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, role: &IamRole, _ctx: &ScanContext) -> Outcome {
        if role.is_service_linked() {
            return Outcome::not_applicable("service-linked roles are owned by AWS");
        }
        // A function that uses the role settles it; otherwise the trust policy decides.
        let functions = known!(role.lambda_functions);
        if functions.is_empty() {
            return match execution_role(role) {
                Err(unknown) => unknown,
                Ok(false) => Outcome::not_applicable("not a Lambda execution role"),
                Ok(true) => {
                    Outcome::not_applicable("no Lambda function in the scanned region uses this execution role")
                }
            };
        }
        let mut names: Vec<&str> = functions.iter().map(|arn| function_name(arn)).collect();
        names.sort_unstable();
        names.dedup();
        match names.as_slice() {
            [one] => Outcome::pass(format!("only function {one} uses this role")),
            many => Outcome::fail(format!("{} functions share this role: {}", many.len(), many.join(", "))),
        }
    }
}

/// The function name in a function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`,
/// optionally with a `:<qualifier>`), or the input when it is not such an ARN.
fn function_name(arn: &str) -> &str {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] if !name.is_empty() => name,
        _ => arn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    fn using(functions: &[&str]) -> IamRole {
        IamRole { lambda_functions: Ok(functions.iter().map(|f| f.to_string()).collect()), ..IamRole::fixture("r") }
    }

    fn arn(name: &str) -> String {
        format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
    }

    #[test]
    fn table() {
        let (a, b, c) = (arn("a"), arn("b"), arn("c"));
        let ec2 = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
        let denied = CollectError::new(CollectErrorKind::Throttled, "lambda:ListFunctions", "slow down");
        let cases: Vec<(&str, IamRole, Status, &str)> = vec![
            ("one function", using(&[&a]), Status::Pass, "only function a uses this role"),
            ("same function listed twice", using(&[&a, &a]), Status::Pass, "only function a"),
            ("two functions", using(&[&b, &a]), Status::Fail, "2 functions share this role: a, b"),
            ("three functions", using(&[&a, &b, &c]), Status::Fail, "3 functions share this role: a, b, c"),
            ("no function", using(&[]), Status::NotApplicable, "no Lambda function"),
            (
                "not an execution role",
                IamRole { trust_policy: Ok(ec2), ..using(&[]) },
                Status::NotApplicable,
                "not a Lambda execution role",
            ),
            (
                "listing failed",
                IamRole { lambda_functions: Err(denied), ..IamRole::fixture("r") },
                Status::Unknown,
                "lambda:ListFunctions",
            ),
            (
                "service-linked",
                IamRole { path: "/aws-service-role/x.amazonaws.com/".into(), ..using(&[&a, &b]) },
                Status::NotApplicable,
                "service-linked",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, role, want, needle) in cases {
            let o = LambdaRoleNotShared.evaluate(&role, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn function_names_come_from_arns() {
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f"), "f");
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live"), "f");
        assert_eq!(function_name("not-an-arn"), "not-an-arn");
    }
}
