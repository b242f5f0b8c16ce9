//! Collection failures as data. A collector never turns an error into a silent PASS or FAIL:
//! the error is stored on the resource (`Collected<T>`) and the rule reports UNKNOWN with the
//! reason. The types live in [`crate::collected`], below collectors and rules; this module
//! classifies the SDK's failures into them.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use crate::collected::{CollectError, CollectErrorKind, Collected};

impl CollectError {
    /// Classify an error code returned by an AWS service.
    pub fn from_code(action: &str, code: Option<&str>, message: Option<&str>) -> Self {
        let kind = match code {
            Some(c) if is_access_denied(c) => CollectErrorKind::AccessDenied,
            Some(c) if is_throttling(c) => CollectErrorKind::Throttled,
            _ => CollectErrorKind::Api,
        };
        let message = match (code, message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => "no error code returned".to_string(),
        };
        Self { kind, action: action.to_string(), message }
    }
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthorizationError" | "AllAccessDisabled"
    )
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "SlowDown"
            | "RequestThrottled"
    )
}

/// Classify a failed SDK call as a `CollectError` for `action`: a service error with a code goes
/// through [`CollectError::from_code`] (AccessDenied, throttling, other); anything else
/// (dispatch, timeout, a response that could not be read) is an API error with the SDK's full
/// error context. Every collector uses this one classification.
pub fn sdk_error<E>(action: &str, err: &SdkError<E, HttpResponse>) -> CollectError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(_) if err.code().is_some() => CollectError::from_code(action, err.code(), err.message()),
        other => CollectError::new(CollectErrorKind::Api, action, DisplayErrorContext(other).to_string()),
    }
}

/// An SDK result as a `Collected` fact: the output, or the classified error ([`sdk_error`]).
pub fn required<T, E>(action: &str, result: Result<T, SdkError<E, HttpResponse>>) -> Collected<T>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    result.map_err(|e| sdk_error(action, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(
            CollectError::from_code("s3:GetBucketPolicy", Some("AccessDenied"), None).kind,
            CollectErrorKind::AccessDenied
        );
        assert_eq!(
            CollectError::from_code("s3:ListBuckets", Some("SlowDown"), Some("x")).kind,
            CollectErrorKind::Throttled
        );
        let e = CollectError::from_code("s3:GetBucketTagging", Some("InternalError"), Some("boom"));
        assert_eq!(e.kind, CollectErrorKind::Api);
        assert_eq!(e.to_string(), "API error on s3:GetBucketTagging: InternalError: boom");
    }
}
