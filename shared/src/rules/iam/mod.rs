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
