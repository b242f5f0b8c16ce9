//! Hub-and-spoke: a central security account's functions audit member accounts by assuming a
//! read-only audit role that each member's ztscan stack creates (template parameter
//! `HubAccountId`). The role trusts only the hub account's ztscan roles, and only with the
//! agreed `sts:ExternalId` (the confused-deputy guard).
//!
//! The settings (`MEMBER_ACCOUNT_IDS`, `MEMBER_ROLE_NAME`, `MEMBER_EXTERNAL_ID`) are read by
//! [`crate::settings::MemberAccounts`]; the external id is never logged or printed (errors name
//! the variable only). This module turns them into assumed-role SDK configurations.
//!
//! The assumed-role credentials are fetched lazily, on a member's first request, and refreshed
//! by the SDK before they expire. A member whose role cannot be assumed makes that member's
//! rules UNKNOWN with the STS error (the collectors see it as a failed call), never a PASS.

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_sts::config::SharedCredentialsProvider;

use crate::settings::MemberAccounts;

/// The IAM action a hub function needs for its members (granted only in hub mode).
pub const IAM_ACTIONS: &[&str] = &["sts:AssumeRole"];

impl MemberAccounts {
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
