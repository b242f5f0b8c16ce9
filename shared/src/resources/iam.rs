//! Plain structs describing IAM as the collector saw it: the account's roles, users, groups
//! and policies (from one paginated `GetAccountAuthorizationDetails` listing), the credential
//! report, the password policy, the account summary, Access Advisor data and which Lambda
//! functions use which role. Rules read only these; SDK types never leave the collectors (`audit/<name>/collector.rs`).
//!
//! Rules are evaluated over five resource kinds:
//! - [`IamPolicy`]: one customer-managed policy, or one inline policy of a role, user or group
//!   (`iam.no-admin-policy`, `iam.no-service-wildcard-actions`,
//!   `iam.no-wildcard-resource-for-write`, `iam.no-notaction-allow`);
//! - [`IamIdentity`]: a role or user with every policy that grants it permissions, its groups'
//!   included (`iam.no-privilege-escalation`);
//! - [`IamRole`] (trust policy, boundary, Lambda use, Access Advisor);
//! - [`IamUser`] (credential report row, MFA, keys, attached policies);
//! - [`IamAccount`] (root, password policy).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::policy::PolicyDocument;

/// Who owns an inline policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Role,
    User,
    Group,
}

impl OwnerKind {
    /// The ASFF resource type of the owner (`AwsIamRole`, `AwsIamUser`, `AwsIamGroup`).
    pub fn asff_type(self) -> &'static str {
        match self {
            OwnerKind::Role => "AwsIamRole",
            OwnerKind::User => "AwsIamUser",
            OwnerKind::Group => "AwsIamGroup",
        }
    }
}

/// Where a policy document lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyKind {
    /// A managed policy; `aws_managed` for AWS's own (`arn:aws:iam::aws:policy/...`).
    Managed { arn: String, aws_managed: bool },
    /// An inline policy embedded in a role, user or group.
    Inline { owner: OwnerKind, owner_arn: String, owner_name: String },
}

/// One policy document: a managed policy's default version, or an inline policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamPolicy {
    pub kind: PolicyKind,
    pub name: String,
    /// The parsed document (URL-decoded), or why it could not be read or parsed.
    pub document: Collected<PolicyDocument>,
    /// For managed policies: how many identities it is attached to.
    pub attachment_count: Option<u32>,
}

impl IamPolicy {
    /// A stable label for reasons and finding resources: the managed policy's ARN, or
    /// `<owner arn>/inline-policy/<name>`.
    pub fn label(&self) -> String {
        match &self.kind {
            PolicyKind::Managed { arn, .. } => arn.clone(),
            PolicyKind::Inline { owner_arn, .. } => format!("{owner_arn}/inline-policy/{}", self.name),
        }
    }

    pub fn is_aws_managed(&self) -> bool {
        matches!(self.kind, PolicyKind::Managed { aws_managed: true, .. })
    }

    /// Customer-managed or inline: the policies the customer wrote (the per-policy rules check
    /// only these; AWS-managed policies are judged where they are attached).
    pub fn is_customer_policy(&self) -> bool {
        !self.is_aws_managed()
    }
}

/// A managed policy attached to an identity, by ARN and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub arn: String,
    pub name: String,
}

impl AttachedPolicy {
    pub fn is_aws_managed(&self) -> bool {
        self.arn.contains(":iam::aws:policy/")
    }
}

/// A role or user together with every policy document that grants it permissions: its inline
/// policies, its attached managed policies and, for a user, its groups' inline and attached
/// policies. The permissions boundary is kept apart: it limits, it does not grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamIdentity {
    pub kind: OwnerKind,
    pub arn: String,
    pub name: String,
    pub policies: Vec<IamPolicy>,
    /// The boundary policy document, when one is set and could be resolved.
    pub permissions_boundary: Option<Collected<PolicyDocument>>,
}

/// Access Advisor: when the role last used one service namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLastAccessed {
    /// The service namespace, e.g. `s3`, `dynamodb`.
    pub namespace: String,
    pub service_name: String,
    /// `None`: never used within the tracking period.
    pub last_authenticated: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub role_id: String,
    pub create_date: Option<DateTime<Utc>>,
    /// The assume-role (trust) policy.
    pub trust_policy: Collected<PolicyDocument>,
    pub inline_policy_names: Vec<String>,
    pub attached_policies: Vec<AttachedPolicy>,
    /// The ARN of the permissions boundary policy, `None` when there is none.
    pub permissions_boundary: Option<String>,
    pub last_used: Option<DateTime<Utc>>,
    pub tags: BTreeMap<String, String>,
    /// ARNs of the Lambda functions whose execution role this is (from `lambda:ListFunctions`
    /// across the scanned region).
    pub lambda_functions: Collected<Vec<String>>,
    /// Access Advisor data; `Ok(None)` when it was not requested (e.g. for a service-linked
    /// role).
    pub service_last_accessed: Collected<Option<Vec<ServiceLastAccessed>>>,
}

impl IamRole {
    /// True when the trust policy lets the Lambda service assume the role, or a function uses
    /// it: a Lambda execution role.
    pub fn is_lambda_execution_role(&self) -> bool {
        let trusted_by_lambda = self.trust_policy.as_ref().is_ok_and(|doc| {
            doc.statements.iter().any(|s| {
                s.effect == crate::policy::Effect::Allow
                    && s.principal.as_ref().is_some_and(|p| {
                        p.values("Service").iter().any(|v| v.eq_ignore_ascii_case("lambda.amazonaws.com"))
                    })
            })
        });
        trusted_by_lambda || self.lambda_functions.as_ref().is_ok_and(|f| !f.is_empty())
    }

    /// Service-linked roles (`/aws-service-role/`) are owned by AWS and cannot be changed.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }

    /// A role with an empty trust policy, for tests.
    pub fn fixture(name: &str) -> Self {
        Self {
            arn: format!("arn:aws:iam::123456789012:role/{name}"),
            name: name.to_string(),
            path: "/".into(),
            role_id: format!("AROA{}", name.to_ascii_uppercase()),
            create_date: None,
            trust_policy: PolicyDocument::parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .map_err(|e| CollectError::new(CollectErrorKind::Malformed, "iam:GetAccountAuthorizationDetails", e.to_string())),
            inline_policy_names: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: None,
            last_used: None,
            tags: BTreeMap::new(),
            lambda_functions: Ok(Vec::new()),
            service_last_accessed: Ok(None),
        }
    }
}

/// One access key, from the credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyInfo {
    /// 1 or 2 (the credential report's column pair).
    pub slot: u8,
    pub active: bool,
    pub last_rotated: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
}

/// A user's row of the credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub password_enabled: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    pub mfa_active: bool,
    pub access_keys: Vec<AccessKeyInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUser {
    pub arn: String,
    pub name: String,
    pub user_id: String,
    pub create_date: Option<DateTime<Utc>>,
    pub inline_policy_names: Vec<String>,
    pub attached_policies: Vec<AttachedPolicy>,
    pub group_names: Vec<String>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// From the credential report; an error when the report could not be generated or read,
    /// `Ok(None)` when the report has no row for the user (created after the report).
    pub credentials: Collected<Option<Credentials>>,
    /// The policies the user holds, directly or through its groups (as its [`IamIdentity`]
    /// holds them), each document read or the reason it could not be: `iam.users-have-mfa`
    /// judges from them whether the user is an administrator.
    pub policies: Vec<IamPolicy>,
}

impl IamUser {
    pub fn fixture(name: &str) -> Self {
        Self {
            arn: format!("arn:aws:iam::123456789012:user/{name}"),
            name: name.to_string(),
            user_id: format!("AIDA{}", name.to_ascii_uppercase()),
            create_date: None,
            inline_policy_names: Vec::new(),
            attached_policies: Vec::new(),
            group_names: Vec::new(),
            permissions_boundary: None,
            tags: BTreeMap::new(),
            credentials: Ok(Some(Credentials {
                password_enabled: false,
                password_last_used: None,
                mfa_active: false,
                access_keys: Vec::new(),
            })),
            policies: Vec::new(),
        }
    }
}

/// The account password policy (`GetAccountPasswordPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change_password: bool,
    pub max_password_age: Option<u32>,
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: bool,
}

/// The root user, from `GetAccountSummary` and the credential report's `<root_account>` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootUser {
    /// `AccountMFAEnabled` from the account summary.
    pub mfa_enabled: bool,
    /// `AccountAccessKeysPresent` from the account summary.
    pub access_keys_present: bool,
}

/// Account-level IAM settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamAccount {
    pub account: String,
    pub root: Collected<RootUser>,
    /// `Ok(None)`: no password policy is set (IAM's defaults apply).
    pub password_policy: Collected<Option<PasswordPolicy>>,
}

impl IamAccount {
    pub fn fixture() -> Self {
        Self {
            account: "123456789012".into(),
            root: Ok(RootUser { mfa_enabled: true, access_keys_present: false }),
            password_policy: Ok(Some(PasswordPolicy {
                minimum_password_length: 14,
                require_symbols: true,
                require_numbers: true,
                require_uppercase: true,
                require_lowercase: true,
                allow_users_to_change_password: true,
                max_password_age: Some(90),
                password_reuse_prevention: Some(24),
                hard_expiry: false,
            })),
        }
    }
}

/// Everything one IAM collection saw. When the authorization-details listing itself failed,
/// `listing` holds the error and the vectors are empty: the audit then reports UNKNOWN rather
/// than an empty PASS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamInventory {
    pub account: IamAccount,
    pub listing: Collected<()>,
    /// Customer-managed policies, inline policies of every role, user and group, and the
    /// AWS-managed policies that are attached to something.
    pub policies: Vec<IamPolicy>,
    pub roles: Vec<IamRole>,
    pub users: Vec<IamUser>,
    /// Roles and users with the policies that grant them permissions.
    pub identities: Vec<IamIdentity>,
}

/// Helper for fixtures: a policy from JSON text, panicking on a bad fixture.
#[cfg(test)]
pub fn policy_fixture(kind: PolicyKind, name: &str, json: &str) -> IamPolicy {
    IamPolicy {
        kind,
        name: name.to_string(),
        document: Ok(PolicyDocument::parse(json).expect("fixture policy parses")),
        attachment_count: Some(1),
    }
}

/// A customer-managed policy fixture.
#[cfg(test)]
pub fn managed_fixture(name: &str, json: &str) -> IamPolicy {
    policy_fixture(
        PolicyKind::Managed { arn: format!("arn:aws:iam::123456789012:policy/{name}"), aws_managed: false },
        name,
        json,
    )
}

/// A policy document around `statements` (statement objects, comma-separated), for fixtures.
#[cfg(test)]
pub fn doc_fixture(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// An inline policy fixture of a role, user or group named `owner_name`.
#[cfg(test)]
pub fn inline_fixture(owner: OwnerKind, owner_name: &str, name: &str, json: &str) -> IamPolicy {
    let kind = match owner {
        OwnerKind::Role => "role",
        OwnerKind::User => "user",
        OwnerKind::Group => "group",
    };
    policy_fixture(
        PolicyKind::Inline {
            owner,
            owner_arn: format!("arn:aws:iam::123456789012:{kind}/{owner_name}"),
            owner_name: owner_name.to_string(),
        },
        name,
        json,
    )
}

/// An AWS-managed policy fixture (`arn:aws:iam::aws:policy/<name>`).
#[cfg(test)]
pub fn aws_managed_fixture(name: &str, json: &str) -> IamPolicy {
    policy_fixture(
        PolicyKind::Managed { arn: format!("arn:aws:iam::aws:policy/{name}"), aws_managed: true },
        name,
        json,
    )
}
