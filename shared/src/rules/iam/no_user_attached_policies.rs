//! The rule `iam.no-user-attached-policies`; its documentation is on [`NoUserAttachedPolicies`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamUser;
use crate::rules::Rule;

rule! {
    pub struct NoUserAttachedPolicies;
    id: "iam.no-user-attached-policies",
    title: "IAM users receive permissions only through groups or roles",
    severity: Low,
    resource_type: "AwsIamUser",
    trigger: Change,
    mappings: [Fsbp("IAM.2"), Cis("1.15")],
    seeds: ["004"],
    what_it_checks: "An IAM user has no inline policies and no attached managed policies, so\n\
        that it receives permissions only through groups (or by assuming roles). Both lists come\n\
        from the authorization-details listing itself, so there is no partial-read case and no\n\
        UNKNOWN outcome here: when that listing fails, the IAM audit reports every user rule UNKNOWN\n\
        at account level instead of evaluating users.",
    why_it_matters: "Permissions attached to individual users drift: each user ends up with\n\
        a one-off set nobody reviews, and removing someone's access means finding every policy on\n\
        them. Granting through groups keeps access reviewable by role.",
    example: "User `ci` with the inline policy `deploy` and `AmazonS3FullAccess` attached\n\
        fails, naming both.",
    remediation: "Move the user's inline and attached policies to a group (or a role the user assumes) and remove them from the user.\n\
        \n\
        Create a group (or a role) with the needed policies, add the user to it,\n\
        then delete the user's inline policies and detach its managed policies.",
    references: "",
}

impl Rule for NoUserAttachedPolicies {
    type Resource = IamUser;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, user: &IamUser, _ctx: &ScanContext) -> Outcome {
        let mut found: Vec<String> = Vec::new();
        if !user.inline_policy_names.is_empty() {
            found.push(format!("inline policies {}", user.inline_policy_names.join(", ")));
        }
        if !user.attached_policies.is_empty() {
            let arns: Vec<&str> = user.attached_policies.iter().map(|p| p.arn.as_str()).collect();
            found.push(format!("attached policies {}", arns.join(", ")));
        }
        if found.is_empty() {
            Outcome::pass("the user has no inline or attached policies")
        } else {
            Outcome::fail(format!("the user has {}", found.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::iam::AttachedPolicy;

    fn s3_full() -> AttachedPolicy {
        AttachedPolicy { arn: "arn:aws:iam::aws:policy/AmazonS3FullAccess".into(), name: "AmazonS3FullAccess".into() }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamUser, Status, &str)> = vec![
            ("nothing on the user", IamUser::fixture("a"), Status::Pass, "the user has no inline or attached policies"),
            (
                "permissions through a group",
                IamUser { group_names: vec!["developers".into()], ..IamUser::fixture("a") },
                Status::Pass,
                "the user has no inline or attached policies",
            ),
            (
                "inline policy",
                IamUser { inline_policy_names: vec!["deploy".into()], ..IamUser::fixture("a") },
                Status::Fail,
                "the user has inline policies deploy",
            ),
            (
                "attached policy",
                IamUser { attached_policies: vec![s3_full()], ..IamUser::fixture("a") },
                Status::Fail,
                "the user has attached policies arn:aws:iam::aws:policy/AmazonS3FullAccess",
            ),
            (
                "both",
                IamUser {
                    inline_policy_names: vec!["a".into(), "b".into()],
                    attached_policies: vec![s3_full()],
                    ..IamUser::fixture("a")
                },
                Status::Fail,
                "the user has inline policies a, b; attached policies arn:aws:iam::aws:policy/AmazonS3FullAccess",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, u, want, reason) in cases {
            let o = NoUserAttachedPolicies.evaluate(&u, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert_eq!(o.reason, reason, "{name}");
        }
    }
}
