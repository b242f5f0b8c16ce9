//! Who the credentials belong to: the account id, from STS `GetCallerIdentity` (which needs no
//! IAM permission).

use aws_config::SdkConfig;
use aws_sdk_sts::error::ProvideErrorMetadata;

use super::error::{CollectError, CollectErrorKind};

/// The account id of the caller.
pub async fn caller_account(sdk: &SdkConfig) -> Result<String, CollectError> {
    let client = aws_sdk_sts::Client::new(sdk);
    match client.get_caller_identity().send().await {
        Ok(out) => out.account().map(str::to_string).ok_or_else(|| {
            CollectError::new(CollectErrorKind::Api, "sts:GetCallerIdentity", "no account in the response")
        }),
        Err(e) => Err(match e.code() {
            Some(code) => CollectError::from_code("sts:GetCallerIdentity", Some(code), e.message()),
            None => CollectError::new(
                CollectErrorKind::Api,
                "sts:GetCallerIdentity",
                aws_sdk_sts::error::DisplayErrorContext(&e).to_string(),
            ),
        }),
    }
}
