//! The rule `iam.lambda-role-has-permissions-boundary`; its documentation is on [`LambdaRoleHasPermissionsBoundary`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamRole;
use crate::rules::Rule;

rule! {
    pub struct LambdaRoleHasPermissionsBoundary;
    id: "iam.lambda-role-has-permissions-boundary",
    title: "Lambda execution roles have a permissions boundary",
    severity: High,
    resource_type: "AwsIamRole",
    trigger: Change,
    mappings: [],
    seeds: ["000", "002"],
    what_it_checks: "Every Lambda execution role has a permissions boundary. A role is an\n\
        execution role when its trust policy lets `lambda.amazonaws.com` assume it or when a\n\
        function in the scanned region uses it (`IamRole::is_lambda_execution_role`). Other roles\n\
        and service-linked roles are NOT_APPLICABLE. When the trust policy could not be read and no\n\
        function is known to use the role, the rule cannot tell and reports UNKNOWN.",
    why_it_matters: "A boundary caps what the function's role can ever be granted: if the\n\
        function's code or a deployer that may edit the role's policies is compromised, the\n\
        attacker cannot attach more than the boundary allows (for example `iam:*` or access to\n\
        other teams' data). Boundaries are what let a platform team delegate role creation to\n\
        function owners safely.",
    example: "A role trusted by `lambda.amazonaws.com` with only an inline policy and no\n\
        `PermissionsBoundary` fails.",
    remediation: "Attach a permissions boundary policy to every Lambda execution role (iam put-role-permissions-boundary, or PermissionsBoundary in the template).\n\
        \n\
        `aws iam put-role-permissions-boundary --role-name <role>\n\
        --permissions-boundary <boundary policy arn>`, or set `PermissionsBoundary` on the role in\n\
        the template (SAM: `PermissionsBoundary` on the function).",
    references: "IAM User Guide, \"Permissions boundaries for IAM\n\
        entities\".",
}

/// Whether `role` is a Lambda execution role, for the three `iam.lambda-role-*` rules.
///
/// `Ok(true)` when the trust policy lets Lambda assume it or a function uses it; `Ok(false)`
/// when the trust policy was read and does not trust Lambda (Lambda cannot use a role it
/// cannot assume, so a failed function listing does not matter then); `Err(outcome)` with an
/// UNKNOWN outcome when the trust policy could not be read and no function is known to use
/// the role.
pub(super) fn execution_role(role: &IamRole) -> Result<bool, Outcome> {
    if role.is_lambda_execution_role() {
        return Ok(true);
    }
    match &role.trust_policy {
        Ok(_) => Ok(false),
        Err(e) => Err(Outcome::unknown(format!(
            "could not tell whether this is a Lambda execution role: the trust policy could not be read ({e})"
        ))),
    }
}

impl Rule for LambdaRoleHasPermissionsBoundary {
    type Resource = IamRole;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, role: &IamRole, _ctx: &ScanContext) -> Outcome {
        if role.is_service_linked() {
            return Outcome::not_applicable("service-linked roles are owned by AWS and cannot carry a boundary");
        }
        match execution_role(role) {
            Err(unknown) => return unknown,
            Ok(false) => return Outcome::not_applicable("not a Lambda execution role"),
            Ok(true) => {}
        }
        match &role.permissions_boundary {
            Some(arn) if !arn.trim().is_empty() => Outcome::pass(format!("the role's permissions boundary is {arn}")),
            _ => Outcome::fail("the Lambda execution role has no permissions boundary"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/boundary";

    fn trusted_by(service: &str) -> IamRole {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
        .unwrap();
        IamRole { trust_policy: Ok(doc), ..IamRole::fixture("r") }
    }

    fn denied() -> CollectError {
        CollectError::new(CollectErrorKind::AccessDenied, "iam:GetAccountAuthorizationDetails", "no")
    }

    #[test]
    fn table() {
        let with_boundary = |mut r: IamRole| {
            r.permissions_boundary = Some(BOUNDARY.into());
            r
        };
        let used_by_function = |mut r: IamRole| {
            r.lambda_functions = Ok(vec!["arn:aws:lambda:us-east-1:123456789012:function:f".into()]);
            r
        };
        let cases: Vec<(&str, IamRole, Status)> = vec![
            ("lambda role with boundary", with_boundary(IamRole::fixture("r")), Status::Pass),
            ("lambda role without boundary", IamRole::fixture("r"), Status::Fail),
            (
                "empty boundary string",
                IamRole { permissions_boundary: Some(" ".into()), ..IamRole::fixture("r") },
                Status::Fail,
            ),
            ("used by a function, trusted by ec2", used_by_function(trusted_by("ec2.amazonaws.com")), Status::Fail),
            ("ec2 role", trusted_by("ec2.amazonaws.com"), Status::NotApplicable),
            ("mixed-case lambda principal", trusted_by("Lambda.AmazonAWS.com"), Status::Fail),
            (
                "service-linked",
                IamRole { path: "/aws-service-role/lambda.amazonaws.com/".into(), ..IamRole::fixture("r") },
                Status::NotApplicable,
            ),
            (
                "trust policy unreadable",
                IamRole { trust_policy: Err(denied()), ..IamRole::fixture("r") },
                Status::Unknown,
            ),
            (
                "trust policy unreadable but a function uses it",
                used_by_function(IamRole { trust_policy: Err(denied()), ..IamRole::fixture("r") }),
                Status::Fail,
            ),
            (
                "ec2 role, function listing failed",
                IamRole { lambda_functions: Err(denied()), ..trusted_by("ec2.amazonaws.com") },
                Status::NotApplicable,
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, role, want) in cases {
            let o = LambdaRoleHasPermissionsBoundary.evaluate(&role, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
        }
    }

    #[test]
    fn reasons_name_the_boundary_or_the_error() {
        let ctx = ScanContext::fixture();
        let r = IamRole { permissions_boundary: Some(BOUNDARY.into()), ..IamRole::fixture("r") };
        assert!(LambdaRoleHasPermissionsBoundary.evaluate(&r, &ctx).reason.contains(BOUNDARY));
        let r = IamRole { trust_policy: Err(denied()), ..IamRole::fixture("r") };
        let o = LambdaRoleHasPermissionsBoundary.evaluate(&r, &ctx);
        assert!(o.reason.contains("iam:GetAccountAuthorizationDetails"), "{}", o.reason);
    }
}
