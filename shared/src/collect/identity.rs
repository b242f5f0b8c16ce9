//! Who the credentials belong to: the account id, from STS `GetCallerIdentity` (which needs no
//! IAM permission).

use aws_config::SdkConfig;

use super::error::{sdk_error, CollectError, CollectErrorKind};

const GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";

/// The account id of the caller. A failure is classified like every other read
/// ([`sdk_error`]): never the SDK's error text.
pub async fn caller_account(sdk: &SdkConfig) -> Result<String, CollectError> {
    let client = aws_sdk_sts::Client::new(sdk);
    match client.get_caller_identity().send().await {
        Ok(out) => out.account().map(str::to_string).ok_or_else(|| {
            CollectError::new(CollectErrorKind::Malformed, GET_CALLER_IDENTITY, "no account in the response")
        }),
        Err(e) => Err(sdk_error(GET_CALLER_IDENTITY, &e)),
    }
}
