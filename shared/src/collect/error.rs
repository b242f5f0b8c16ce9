//! Collection failures as data. A collector never turns an error into a silent PASS or FAIL:
//! the error is stored on the resource (`Collected<T>`) and the rule reports UNKNOWN with the
//! reason.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a piece of configuration could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectErrorKind {
    /// The audit role may not call the action.
    AccessDenied,
    /// Throttled past the SDK's retries.
    Throttled,
    /// The service answered with another error, or could not be reached.
    Api,
    /// The service answered, but the document it returned could not be read (e.g. a bucket
    /// policy that is not JSON).
    Malformed,
}

/// A failed read of one aspect of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct CollectError {
    pub kind: CollectErrorKind,
    /// The IAM action that failed, e.g. `s3:GetBucketPolicy`.
    pub action: String,
    pub message: String,
}

impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            CollectErrorKind::AccessDenied => "access denied",
            CollectErrorKind::Throttled => "throttled past retries",
            CollectErrorKind::Api => "API error",
            CollectErrorKind::Malformed => "malformed document",
        };
        write!(f, "{kind} on {}: {}", self.action, self.message)
    }
}

impl CollectError {
    pub fn new(kind: CollectErrorKind, action: &str, message: impl Into<String>) -> Self {
        Self { kind, action: action.to_string(), message: message.into() }
    }

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

/// A collected fact, or why it could not be collected.
pub type Collected<T> = Result<T, CollectError>;

/// Unwraps a `Collected` inside a rule, returning an UNKNOWN outcome with the reason when the
/// fact could not be collected.
#[macro_export]
macro_rules! known {
    ($collected:expr) => {
        match &$collected {
            Ok(v) => v,
            Err(e) => return $crate::model::Outcome::unknown(format!("could not evaluate: {e}")),
        }
    };
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
