//! Hub-and-spoke: a central security account's functions audit member accounts by assuming a
//! read-only audit role that each member's ztscan stack creates (template parameter
//! `HubAccountId`). The role trusts only the hub account's ztscan roles, and only with the
//! agreed `sts:ExternalId` (the confused-deputy guard).
//!
//! Configuration comes from the environment:
//! - `MEMBER_ACCOUNT_IDS`: the member account ids (comma- or space-separated; empty: no
//!   members, the function audits its own account only);
//! - `MEMBER_ROLE_NAME`: the role to assume in each member (default [`DEFAULT_ROLE_NAME`]);
//! - `MEMBER_EXTERNAL_ID`: the external id, required with members. It is never logged or
//!   printed (errors name the variable only).
//!
//! The assumed-role credentials are fetched lazily, on a member's first request, and refreshed
//! by the SDK before they expire. A member whose role cannot be assumed makes that member's
//! rules UNKNOWN with the STS error (the collectors see it as a failed call), never a PASS.

use std::fmt;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_sts::config::SharedCredentialsProvider;

/// The IAM action a hub function needs for its members (granted only in hub mode).
pub const IAM_ACTIONS: &[&str] = &["sts:AssumeRole"];

/// The member role's name when `MEMBER_ROLE_NAME` is not set.
pub const DEFAULT_ROLE_NAME: &str = "ztscan-member-audit";

/// A bad hub-and-spoke setting, naming the variable (never the external id's value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembersError {
    #[error("MEMBER_ACCOUNT_IDS: {0:?} is not a 12-digit account id")]
    BadAccount(String),
    #[error("MEMBER_ROLE_NAME: {0:?} is not an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)")]
    BadRoleName(String),
    #[error("MEMBER_EXTERNAL_ID must be set (2-1224 characters of A-Z a-z 0-9 + = , . @ : / _ -) when MEMBER_ACCOUNT_IDS is")]
    BadExternalId,
}

/// The member accounts a hub function audits besides its own.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MemberAccounts {
    pub accounts: Vec<String>,
    pub role_name: String,
    external_id: String,
}

impl fmt::Debug for MemberAccounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemberAccounts")
            .field("accounts", &self.accounts)
            .field("role_name", &self.role_name)
            .field("external_id", &"[redacted]")
            .finish()
    }
}

fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b))
}

impl MemberAccounts {
    /// From any variable lookup (the environment in Lambda, a map in tests). `own_account`,
    /// if listed, is dropped: the function audits it with its own role anyway.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>, own_account: Option<&str>) -> Result<Self, MembersError> {
        let mut accounts = Vec::new();
        for id in var("MEMBER_ACCOUNT_IDS").unwrap_or_default().split([',', ' ', '\n', '\t']).map(str::trim) {
            if id.is_empty() || Some(id) == own_account || accounts.iter().any(|a| a == id) {
                continue;
            }
            if !valid_account(id) {
                return Err(MembersError::BadAccount(id.to_string()));
            }
            accounts.push(id.to_string());
        }
        if accounts.is_empty() {
            return Ok(Self::default());
        }
        let role_name = var("MEMBER_ROLE_NAME")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_ROLE_NAME.into());
        if !valid_role_name(&role_name) {
            return Err(MembersError::BadRoleName(role_name));
        }
        let external_id = var("MEMBER_EXTERNAL_ID").map(|v| v.trim().to_string()).unwrap_or_default();
        if !valid_external_id(&external_id) {
            return Err(MembersError::BadExternalId);
        }
        Ok(Self { accounts, role_name, external_id })
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The ARN of the member role in `account`.
    pub fn role_arn(&self, partition: &str, account: &str) -> String {
        format!("arn:{partition}:iam::{account}:role/{}", self.role_name)
    }

    /// SDK configuration acting as the member role in `account`: the base configuration
    /// (region, endpoint, retries, HTTP client) with assumed-role credentials, asked for with
    /// the external id and a session name that says who is asking.
    pub async fn sdk_config_for(&self, base: &SdkConfig, partition: &str, account: &str) -> SdkConfig {
        let provider = AssumeRoleProvider::builder(self.role_arn(partition, account))
            .external_id(self.external_id.clone())
            .session_name("ztscan-hub-audit")
            .configure(base)
            .build()
            .await;
        base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn no_members_by_default() {
        let m = MemberAccounts::from_lookup(lookup(&[]), Some("123456789012")).unwrap();
        assert!(m.is_empty());
        let m = MemberAccounts::from_lookup(lookup(&[("MEMBER_ACCOUNT_IDS", " , ")]), None).unwrap();
        assert!(m.is_empty());
    }

    #[test]
    fn members_are_parsed_deduplicated_and_exclude_the_own_account() {
        let m = MemberAccounts::from_lookup(
            lookup(&[
                ("MEMBER_ACCOUNT_IDS", "222222222222, 333333333333 222222222222,123456789012"),
                ("MEMBER_EXTERNAL_ID", "ztscan-7f3a9c"),
            ]),
            Some("123456789012"),
        )
        .unwrap();
        assert_eq!(m.accounts, vec!["222222222222", "333333333333"]);
        assert_eq!(m.role_name, DEFAULT_ROLE_NAME);
        assert_eq!(m.role_arn("aws", "222222222222"), "arn:aws:iam::222222222222:role/ztscan-member-audit");
    }

    #[test]
    fn bad_settings_name_the_variable_and_never_the_external_id() {
        let e = MemberAccounts::from_lookup(
            lookup(&[("MEMBER_ACCOUNT_IDS", "22222222222x"), ("MEMBER_EXTERNAL_ID", "abc")]),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("MEMBER_ACCOUNT_IDS") && e.to_string().contains("22222222222x"), "{e}");
        let e = MemberAccounts::from_lookup(lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222")]), None).unwrap_err();
        assert_eq!(e, MembersError::BadExternalId);
        let e = MemberAccounts::from_lookup(
            lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222"), ("MEMBER_EXTERNAL_ID", "has space secret-ish")]),
            None,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("secret-ish"), "{e}");
        let e = MemberAccounts::from_lookup(
            lookup(&[
                ("MEMBER_ACCOUNT_IDS", "222222222222"),
                ("MEMBER_EXTERNAL_ID", "ok-id"),
                ("MEMBER_ROLE_NAME", "bad/role"),
            ]),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("MEMBER_ROLE_NAME"), "{e}");
    }

    #[test]
    fn debug_output_redacts_the_external_id() {
        let m = MemberAccounts::from_lookup(
            lookup(&[("MEMBER_ACCOUNT_IDS", "222222222222"), ("MEMBER_EXTERNAL_ID", "do-not-print-me")]),
            None,
        )
        .unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("do-not-print-me") && shown.contains("[redacted]"), "{shown}");
    }
}
