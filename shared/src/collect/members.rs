//! Hub-and-spoke: a central security account's functions audit member accounts by assuming a
//! role that each member's ztscan stack creates (template parameter `HubAccountId`): the
//! read-only `<member stack>-member-audit` for the audit functions and
//! `<member stack>-member-publish` (Security Hub import only) for publish-findings. Each role
//! trusts only the hub stack's own function roles, by exact ARN, and only with the agreed
//! `sts:ExternalId` (the confused-deputy guard).
//!
//! The settings (`MEMBER_ACCOUNT_IDS`, `MEMBER_ROLE_NAME`, `MEMBER_EXTERNAL_ID_SECRET_ID`) are
//! read by [`crate::settings::MemberAccounts`]. The external id is not among them: it lives in
//! Secrets Manager, `secret_store::member_external_id` reads it once, at cold start, into an
//! [`ExternalId`] that no log, error or `Debug` output can show (a read failure is an error
//! naming the secret and the AWS error code, never the value), and [`MemberAccounts::access`]
//! pairs it with the function's session policy.
//!
//! Every session a hub function opens in a member carries an inline session policy allowing only
//! that function's own actions ([`session_policy`]: an audit's collector reads, the publisher's
//! Security Hub import), so a session's permissions are the intersection of the member role's and
//! the function's. The policy is the hub code's own restraint; what IAM enforces in the member is
//! the split of the roles (an audit role cannot assume the import role).
//!
//! The assumed-role credentials are fetched lazily, on a member's first request, and refreshed
//! by the SDK before they expire. A member whose role cannot be assumed makes that member's
//! rules UNKNOWN with the STS error (the collectors see it as a failed call), never a PASS.

use std::collections::BTreeSet;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_sts::config::SharedCredentialsProvider;

use crate::settings::{valid_external_id, MemberAccounts};

/// The IAM action a hub function needs for its members (granted only in hub mode), besides
/// `secretsmanager:GetSecretValue` on the external id's secret (`secret_store::IAM_ACTIONS`).
pub const IAM_ACTIONS: &[&str] = &["sts:AssumeRole"];

/// The most characters STS accepts in an inline session policy (`AssumeRole`'s `Policy`).
pub const MAX_SESSION_POLICY_CHARS: usize = 2048;

/// The `sts:ExternalId` a hub presents to its members. `Debug` prints `[redacted]`; the value is
/// only reachable inside this module, where the AssumeRole request is built.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    /// The external id in `value` (surrounding whitespace ignored), if STS would accept it:
    /// 2 to 1224 of A-Z a-z 0-9 and `+=,.@:/_-`.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        valid_external_id(value).then(|| Self(value.to_string()))
    }
}

impl std::fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExternalId([redacted])")
    }
}

/// Why a hub function cannot act in its members. Names the function, never the external id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberAccessError {
    #[error("MEMBER_ACCOUNT_IDS is set but no external id was read (MEMBER_EXTERNAL_ID_SECRET_ID)")]
    NoExternalId,
    #[error(
        "{function}'s member session policy has {chars} characters, more than STS accepts ({MAX_SESSION_POLICY_CHARS})"
    )]
    SessionPolicyTooLong { function: String, chars: usize },
}

/// The inline session policy of a hub function's member sessions: one statement allowing
/// exactly `actions` (sorted, deduplicated), as compact JSON. `Resource` is `*`: the member
/// role's own statements already scope each action, and a session gets the intersection.
pub fn session_policy(actions: &[&str]) -> String {
    let actions: BTreeSet<&str> = actions.iter().copied().collect();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "OwnActions", "Effect": "Allow", "Action": actions, "Resource": "*" }],
    })
    .to_string()
}

/// What a hub function needs to act in its member accounts: the member role, the external id
/// read from Secrets Manager, and the function's session name and policy.
#[derive(Debug)]
pub struct MemberAccess {
    /// The member account ids (empty: this function audits its own account only).
    pub accounts: Vec<String>,
    role_name: String,
    external_id: Option<ExternalId>,
    session_name: String,
    session_policy: String,
}

impl MemberAccounts {
    /// The function `function`'s access to its members: the external id (read at cold start by
    /// `secret_store::member_external_id`; required with members) and sessions limited to
    /// `actions`.
    pub fn access(
        &self,
        external_id: Option<ExternalId>,
        function: &str,
        actions: &[&str],
    ) -> Result<MemberAccess, MemberAccessError> {
        let session_policy = session_policy(actions);
        if session_policy.len() > MAX_SESSION_POLICY_CHARS {
            return Err(MemberAccessError::SessionPolicyTooLong {
                function: function.to_string(),
                chars: session_policy.len(),
            });
        }
        if !self.is_empty() && external_id.is_none() {
            return Err(MemberAccessError::NoExternalId);
        }
        Ok(MemberAccess {
            accounts: self.accounts.clone(),
            role_name: self.role_name.clone(),
            external_id,
            session_name: format!("ztscan-{function}"),
            session_policy,
        })
    }
}

impl MemberAccess {
    /// The ARN of the member role in `account`.
    pub fn role_arn(&self, partition: &str, account: &str) -> String {
        format!("arn:{partition}:iam::{account}:role/{}", self.role_name)
    }

    /// The session policy every member session of this function carries.
    pub fn session_policy(&self) -> &str {
        &self.session_policy
    }

    /// SDK configuration acting as the member role in `account`: the base configuration
    /// (region, endpoint, retries, HTTP client) with assumed-role credentials, asked for with
    /// the external id, a session name that says which function asks, and the session policy.
    pub async fn sdk_config_for(&self, base: &SdkConfig, partition: &str, account: &str) -> SdkConfig {
        let mut provider = AssumeRoleProvider::builder(self.role_arn(partition, account))
            .session_name(self.session_name.clone())
            .policy(self.session_policy.clone());
        if let Some(ExternalId(id)) = &self.external_id {
            provider = provider.external_id(id.clone());
        }
        let provider = provider.configure(base).build().await;
        base.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sts::config::Credentials;
    use aws_smithy_http_client::test_util::capture_request;

    use super::*;
    use crate::audit::AUDITS;

    const MEMBER: &str = "222222222222";
    const EXTERNAL_ID: &str = "ztscan-unit-7f3a9c";

    fn members() -> MemberAccounts {
        MemberAccounts {
            accounts: vec![MEMBER.to_string()],
            role_name: "ztscan-member-audit".into(),
            external_id_secret_id: "ztscan/member-external-id".into(),
        }
    }

    fn external_id() -> Option<ExternalId> {
        ExternalId::parse(EXTERNAL_ID)
    }

    fn actions_of(policy: &str) -> Vec<String> {
        let doc: serde_json::Value = serde_json::from_str(policy).expect("the session policy is JSON");
        let statements = doc["Statement"].as_array().expect("statements");
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["Effect"], "Allow");
        assert_eq!(statements[0]["Resource"], "*");
        statements[0]["Action"].as_array().expect("actions").iter().map(|a| a.as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn each_audit_s_session_policy_allows_exactly_its_collector_s_actions_within_sts_s_limit() {
        for audit in AUDITS {
            let policy = session_policy(audit.collector_actions);
            assert!(
                policy.len() <= MAX_SESSION_POLICY_CHARS,
                "{}: {} characters (limit {MAX_SESSION_POLICY_CHARS})",
                audit.function,
                policy.len()
            );
            let mut want: Vec<String> = audit.collector_actions.iter().map(|a| a.to_string()).collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(actions_of(&policy), want, "{}", audit.function);
            // No audit may import findings, and no action is a pattern.
            for action in actions_of(&policy) {
                assert!(!action.starts_with("securityhub:BatchImport"), "{}: {action}", audit.function);
                assert!(!action.contains('*'), "{}: {action}", audit.function);
            }
        }
        let publisher = session_policy(crate::publish::securityhub::IAM_ACTIONS);
        assert_eq!(actions_of(&publisher), ["securityhub:BatchImportFindings", "securityhub:GetFindings"]);
    }

    #[test]
    fn the_external_id_is_checked_and_never_shown() {
        assert_eq!(ExternalId::parse(" ztscan-unit-7f3a9c\n"), external_id());
        assert_eq!(ExternalId::parse("has spaces inside"), None);
        assert_eq!(ExternalId::parse("x"), None);
        let access = members().access(external_id(), "s3-audit", &["s3:ListAllMyBuckets"]).expect("access");
        let shown = format!("{access:?}");
        assert!(!shown.contains(EXTERNAL_ID) && shown.contains("[redacted]"), "{shown}");
        // Members need the external id; without members none is needed.
        assert_eq!(members().access(None, "s3-audit", &[]).unwrap_err(), MemberAccessError::NoExternalId);
        assert!(MemberAccounts::default().access(None, "s3-audit", &[]).is_ok());
    }

    #[test]
    fn a_session_policy_over_the_limit_is_refused() {
        let many: Vec<String> = (0..200).map(|i| format!("service:SomeLongActionName{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = members().access(external_id(), "big-audit", &many).unwrap_err();
        assert!(matches!(e, MemberAccessError::SessionPolicyTooLong { chars, .. } if chars > MAX_SESSION_POLICY_CHARS));
        assert!(e.to_string().contains("big-audit"), "{e}");
    }

    /// The AssumeRole request itself, as sent to STS: the member role, the external id, the
    /// function's session name and its session policy.
    #[tokio::test]
    async fn the_assume_role_request_carries_the_external_id_and_the_function_s_session_policy() {
        let audit = crate::audit::by_function("iam-audit").expect("the iam audit");
        let access = members().access(external_id(), audit.function, audit.collector_actions).expect("access");
        let (http, request) = capture_request(None);
        let base = SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDTEST",
                "test-secret",
                None,
                None,
                "test",
            )))
            .http_client(http)
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
            .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let member = access.sdk_config_for(&base, "aws", MEMBER).await;
        // Any call in the member first asks STS for the role's credentials. The captured answer
        // is empty, so the call fails; the AssumeRole request is what matters.
        let _ = aws_sdk_sts::Client::new(&member).get_caller_identity().send().await;
        let sent = request.expect_request();
        let body = std::str::from_utf8(sent.body().bytes().expect("a buffered body")).expect("form text").to_string();
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(field("Action"), Some("AssumeRole"));
        assert_eq!(field("RoleArn"), Some("arn:aws:iam::222222222222:role/ztscan-member-audit"));
        assert_eq!(field("ExternalId"), Some(EXTERNAL_ID));
        assert_eq!(field("RoleSessionName"), Some("ztscan-iam-audit"));
        let policy = field("Policy").expect("the request carries a session policy");
        assert_eq!(policy, access.session_policy());
        let mut want: Vec<&str> = audit.collector_actions.to_vec();
        want.sort_unstable();
        want.dedup();
        assert_eq!(actions_of(policy), want);
    }
}
