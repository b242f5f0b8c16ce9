//! IAM rules, grouped by the resource kind they evaluate (see `resources::iam`): policies
//! (customer-managed and inline), identities (a role or user with every policy that grants it
//! permissions), roles, users and the account.

use crate::resources::iam::{IamAccount, IamIdentity, IamPolicy, IamRole, IamUser};

use super::Rule;

mod no_admin_policy;
mod no_notaction_allow;
mod no_privilege_escalation;
mod no_service_wildcard_actions;
mod no_wildcard_resource_for_write;
pub mod privesc;
pub mod privesc_eval;

pub use no_admin_policy::NoAdminPolicy;
pub use no_notaction_allow::NoNotActionAllow;
pub use no_privilege_escalation::NoPrivilegeEscalation;
pub use no_service_wildcard_actions::NoServiceWildcardActions;
pub use no_wildcard_resource_for_write::NoWildcardResourceForWrite;

mod access_keys_rotated;
mod lambda_role_has_permissions_boundary;
mod lambda_role_no_broad_managed_policy;
mod lambda_role_not_shared;
mod no_unused_permissions;
mod no_user_attached_policies;
mod password_policy_strong;
mod root_mfa_and_no_keys;
mod trust_policy_restricts_principals;
mod users_have_mfa;

pub use access_keys_rotated::AccessKeysRotated;
pub use lambda_role_has_permissions_boundary::LambdaRoleHasPermissionsBoundary;
pub use lambda_role_no_broad_managed_policy::LambdaRoleNoBroadManagedPolicy;
pub use lambda_role_not_shared::LambdaRoleNotShared;
pub use no_unused_permissions::NoUnusedPermissions;
pub use no_user_attached_policies::NoUserAttachedPolicies;
pub use password_policy_strong::PasswordPolicyStrong;
pub use root_mfa_and_no_keys::RootMfaAndNoKeys;
pub use trust_policy_restricts_principals::TrustPolicyRestrictsPrincipals;
pub use users_have_mfa::UsersHaveMfa;

/// Rules evaluated once per customer-managed or inline policy.
pub static POLICY_RULES: &[&dyn Rule<Resource = IamPolicy>] =
    &[&NoAdminPolicy, &NoServiceWildcardActions, &NoWildcardResourceForWrite, &NoNotActionAllow];

/// Rules evaluated once per role or user over all the policies that grant it permissions.
pub static IDENTITY_RULES: &[&dyn Rule<Resource = IamIdentity>] = &[&NoPrivilegeEscalation];

/// Rules evaluated once per role.
pub static ROLE_RULES: &[&dyn Rule<Resource = IamRole>] = &[
    &LambdaRoleHasPermissionsBoundary,
    &LambdaRoleNotShared,
    &LambdaRoleNoBroadManagedPolicy,
    &TrustPolicyRestrictsPrincipals,
    &NoUnusedPermissions,
];

/// Rules evaluated once per user.
pub static USER_RULES: &[&dyn Rule<Resource = IamUser>] = &[&UsersHaveMfa, &AccessKeysRotated, &NoUserAttachedPolicies];

/// Rules evaluated once per account.
pub static ACCOUNT_RULES: &[&dyn Rule<Resource = IamAccount>] = &[&RootMfaAndNoKeys, &PasswordPolicyStrong];

/// What every per-policy rule's tests check the same way.
#[cfg(test)]
pub(crate) mod policy_rule_tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::context::ScanContext;
    use crate::model::Status;
    use crate::resources::iam::{aws_managed_fixture, doc_fixture, inline_fixture, managed_fixture, OwnerKind};

    /// A case: its name, the statements (JSON objects, comma-separated), the expected status and
    /// a fragment the reason must contain.
    pub(crate) type Case<'a> = (&'a str, &'a str, Status, &'a str);

    /// Each case over a customer-managed policy holding its statements.
    pub(crate) fn run_table(rule: &dyn Rule<Resource = IamPolicy>, cases: &[Case]) {
        for (name, statements, want, needle) in cases {
            let o = rule.evaluate(&managed_fixture("p", &doc_fixture(statements)), &ScanContext::fixture());
            assert_eq!(o.status, *want, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    /// With `failing`, statements the rule fails: the same statements fail in an inline policy
    /// of a role, a user and a group; they are NOT_APPLICABLE in an AWS-managed policy (judged
    /// where it is attached); and a document that could not be read is UNKNOWN naming the
    /// failed action, never PASS.
    pub(crate) fn check_scope(rule: &dyn Rule<Resource = IamPolicy>, failing: &str) {
        let ctx = ScanContext::fixture();
        let doc = doc_fixture(failing);
        assert_eq!(rule.evaluate(&managed_fixture("p", &doc), &ctx).status, Status::Fail, "{failing}");
        for owner in [OwnerKind::Role, OwnerKind::User, OwnerKind::Group] {
            let o = rule.evaluate(&inline_fixture(owner, "o", "inline", &doc), &ctx);
            assert_eq!(o.status, Status::Fail, "inline: {}", o.reason);
        }
        let o = rule.evaluate(&aws_managed_fixture("AdministratorAccess", &doc), &ctx);
        assert_eq!(o.status, Status::NotApplicable, "AWS-managed: {}", o.reason);
        for kind in [CollectErrorKind::AccessDenied, CollectErrorKind::Throttled, CollectErrorKind::Malformed] {
            let mut p = managed_fixture("p", &doc);
            p.document = Err(CollectError::new(kind, "iam:GetAccountAuthorizationDetails", "from the test"));
            let o = rule.evaluate(&p, &ctx);
            assert_eq!(o.status, Status::Unknown, "{kind:?}: {}", o.reason);
            assert!(o.reason.contains("iam:GetAccountAuthorizationDetails"), "{}", o.reason);
        }
    }
}
