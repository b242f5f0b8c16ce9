//! IAM rules, grouped by the resource kind they evaluate (see `resources::iam`): policies
//! (customer-managed and inline), identities (a role or user with every policy that grants it
//! permissions), roles, users and the account.

use crate::resources::iam::{IamAccount, IamIdentity, IamPolicy, IamRole, IamUser};

use super::Rule;

mod no_admin_policy;
mod no_notaction_allow;
mod no_privilege_escalation;
mod no_service_wildcard_actions;
pub mod privesc;

pub use no_admin_policy::NoAdminPolicy;
pub use no_notaction_allow::NoNotActionAllow;
pub use no_privilege_escalation::NoPrivilegeEscalation;
pub use no_service_wildcard_actions::NoServiceWildcardActions;

/// Rules evaluated once per customer-managed or inline policy.
pub static POLICY_RULES: &[&dyn Rule<Resource = IamPolicy>] =
    &[&NoAdminPolicy, &NoServiceWildcardActions, &NoNotActionAllow];

/// Rules evaluated once per role or user over all the policies that grant it permissions.
pub static IDENTITY_RULES: &[&dyn Rule<Resource = IamIdentity>] = &[&NoPrivilegeEscalation];

/// Rules evaluated once per role.
pub static ROLE_RULES: &[&dyn Rule<Resource = IamRole>] = &[];

/// Rules evaluated once per user.
pub static USER_RULES: &[&dyn Rule<Resource = IamUser>] = &[];

/// Rules evaluated once per account.
pub static ACCOUNT_RULES: &[&dyn Rule<Resource = IamAccount>] = &[];
