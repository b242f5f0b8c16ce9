//! The rule `iam.lambda-role-no-broad-managed-policy`; its documentation is on [`LambdaRoleNoBroadManagedPolicy`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::{AttachedPolicy, IamRole};
use crate::rules::Rule;

use super::lambda_role_has_permissions_boundary::execution_role;

rule! {
    pub struct LambdaRoleNoBroadManagedPolicy;
    id: "iam.lambda-role-no-broad-managed-policy",
    title: "Lambda execution roles carry no broad AWS-managed policy",
    severity: Medium,
    resource_type: "AwsIamRole",
    trigger: Change,
    mappings: [],
    seeds: ["001"],
    what_it_checks: "No Lambda execution role has a broad AWS-managed policy attached:\n\
        `AWSLambdaBasicExecutionRole` (logs on every log group), `AWSLambdaExecute` (logs plus\n\
        `s3:GetObject`/`s3:PutObject` on every bucket), any `*FullAccess` policy,\n\
        `PowerUserAccess`, and `AdministratorAccess` with its variants (`AdministratorAccess-Amplify`,\n\
        ...). A policy is AWS-managed when its ARN is `arn:<partition>:iam::aws:policy/...` (any\n\
        path, such as `service-role/` or `job-function/`); a customer-managed policy that happens to\n\
        have the same name is the customer's own and is judged by the policy rules instead. Roles\n\
        that are not execution roles and service-linked roles are NOT_APPLICABLE.",
    why_it_matters: "AWS-managed policies are written for every customer, so they grant\n\
        every resource of a kind (`Resource: \"*\"`) and change when AWS updates them. A function\n\
        needs a few actions on a few resources; anything more is what an attacker gets through a\n\
        code-injection bug.",
    example: "An execution role with `arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess` can\n\
        delete every table in the account.",
    remediation: "Detach broad AWS-managed policies from Lambda execution roles and grant the function only the actions it uses on its own resources.\n\
        \n\
        Detach the managed policy and add a policy scoped to the function's own\n\
        resources, e.g. `logs:CreateLogStream`/`logs:PutLogEvents` on the function's log group and\n\
        `dynamodb:GetItem` on its one table.",
    references: "IAM User Guide, \"Get started with AWS managed policies and move\n\
        toward least-privilege permissions\".",
}

/// AWS-managed policy names that are broad wherever they are attached to a function.
pub const BROAD_POLICY_NAMES: &[&str] = &["AWSLambdaBasicExecutionRole", "AWSLambdaExecute", "PowerUserAccess"];

/// True when `policy` is an AWS-managed policy this rule counts as broad.
pub fn is_broad_aws_managed(policy: &AttachedPolicy) -> bool {
    if !policy.is_aws_managed() {
        return false;
    }
    // The name is the last segment of the ARN, whatever the path.
    let name = policy.arn.rsplit('/').next().unwrap_or(&policy.name);
    BROAD_POLICY_NAMES.contains(&name) || name.ends_with("FullAccess") || name.starts_with("AdministratorAccess")
}

impl Rule for LambdaRoleNoBroadManagedPolicy {
    type Resource = IamRole;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, role: &IamRole, _ctx: &ScanContext) -> Outcome {
        if role.is_service_linked() {
            return Outcome::not_applicable("service-linked roles are owned by AWS");
        }
        match execution_role(role) {
            Err(unknown) => return unknown,
            Ok(false) => return Outcome::not_applicable("not a Lambda execution role"),
            Ok(true) => {}
        }
        let broad: Vec<&str> =
            role.attached_policies.iter().filter(|p| is_broad_aws_managed(p)).map(|p| p.arn.as_str()).collect();
        if broad.is_empty() {
            Outcome::pass("no broad AWS-managed policy is attached")
        } else {
            Outcome::fail(format!("broad AWS-managed policies attached: {}", broad.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    fn attached(arns: &[&str]) -> IamRole {
        let attached_policies = arns
            .iter()
            .map(|arn| AttachedPolicy {
                arn: arn.to_string(),
                name: arn.rsplit('/').next().unwrap_or_default().to_string(),
            })
            .collect();
        IamRole { attached_policies, ..IamRole::fixture("r") }
    }

    #[test]
    fn broad_policy_table() {
        let cases = [
            ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", true),
            ("arn:aws:iam::aws:policy/AWSLambdaExecute", true),
            ("arn:aws:iam::aws:policy/AmazonS3FullAccess", true),
            ("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess", true),
            ("arn:aws:iam::aws:policy/PowerUserAccess", true),
            ("arn:aws:iam::aws:policy/AdministratorAccess", true),
            ("arn:aws:iam::aws:policy/AdministratorAccess-Amplify", true),
            ("arn:aws:iam::aws:policy/job-function/SystemAdministrator", false),
            ("arn:aws-cn:iam::aws:policy/AmazonSQSFullAccess", true),
            ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", true),
            ("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", false),
            ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", false),
            ("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", false),
            // Customer-managed policies with the same names are not AWS-managed.
            ("arn:aws:iam::123456789012:policy/AdministratorAccess", false),
            ("arn:aws:iam::123456789012:policy/service-role/AWSLambdaBasicExecutionRole", false),
            ("arn:aws:iam::123456789012:policy/MyFullAccess", false),
        ];
        for (arn, want) in cases {
            let p = AttachedPolicy { arn: arn.into(), name: arn.rsplit('/').next().unwrap_or_default().into() };
            assert_eq!(is_broad_aws_managed(&p), want, "{arn}");
        }
    }

    #[test]
    fn evaluation_table() {
        let ec2 = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
        let denied = CollectError::new(CollectErrorKind::AccessDenied, "iam:GetAccountAuthorizationDetails", "no");
        let cases: Vec<(&str, IamRole, Status)> = vec![
            ("nothing attached", attached(&[]), Status::Pass),
            ("narrow AWS policy", attached(&["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]), Status::Pass),
            ("customer policy", attached(&["arn:aws:iam::123456789012:policy/AdministratorAccess"]), Status::Pass),
            (
                "basic execution role",
                attached(&["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]),
                Status::Fail,
            ),
            ("full access", attached(&["arn:aws:iam::aws:policy/AmazonS3FullAccess"]), Status::Fail),
            (
                "ec2 role with admin",
                IamRole { trust_policy: Ok(ec2), ..attached(&["arn:aws:iam::aws:policy/AdministratorAccess"]) },
                Status::NotApplicable,
            ),
            (
                "service-linked",
                IamRole {
                    path: "/aws-service-role/x.amazonaws.com/".into(),
                    ..attached(&["arn:aws:iam::aws:policy/AdministratorAccess"])
                },
                Status::NotApplicable,
            ),
            (
                "trust policy unreadable",
                IamRole { trust_policy: Err(denied), ..attached(&["arn:aws:iam::aws:policy/AdministratorAccess"]) },
                Status::Unknown,
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, role, want) in cases {
            let o = LambdaRoleNoBroadManagedPolicy.evaluate(&role, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
        }
    }

    #[test]
    fn fails_naming_every_broad_policy() {
        let r = attached(&[
            "arn:aws:iam::aws:policy/AmazonS3FullAccess",
            "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
            "arn:aws:iam::aws:policy/PowerUserAccess",
        ]);
        let o = LambdaRoleNoBroadManagedPolicy.evaluate(&r, &ScanContext::fixture());
        assert_eq!(
            o.reason,
            "broad AWS-managed policies attached: arn:aws:iam::aws:policy/AmazonS3FullAccess, arn:aws:iam::aws:policy/PowerUserAccess"
        );
    }
}
