//! Collection failures as data. A collector never turns an error into a silent PASS or FAIL:
//! the error is stored on the resource (`Collected<T>`) and the rule reports UNKNOWN with the
//! reason. The types live in [`crate::collected`], below collectors and rules; this module
//! classifies the SDK's failures into them.
//!
//! A reason is a classification, never bytes: [`sdk_error`] turns any failed SDK call into one
//! short sentence (the action, and access denied / throttled after N attempts / the service's
//! error code and a capped, cleaned message / endpoint unreachable / answer unreadable with its
//! HTTP status and size). No response body, header or SDK `Debug` text is ever kept.

use std::error::Error as StdError;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use crate::collected::{CollectError, CollectErrorKind, Collected};

use super::guard::UnreadableAnswer;
use crate::collected::clean_service_text;

/// The longest service-supplied message a reason keeps, in characters.
pub const MAX_SERVICE_MESSAGE: usize = 160;

/// How many attempts the SDK makes before a throttled call is given up (set by
/// [`super::aws::load_sdk_config`]; the SDK's standard 3 otherwise). Read only to word a reason.
static MAX_ATTEMPTS: AtomicU32 = AtomicU32::new(3);

/// Records the configured number of attempts, for "throttled after N attempts".
pub fn set_max_attempts(attempts: u32) {
    MAX_ATTEMPTS.store(attempts.max(1), Ordering::Relaxed);
}

fn max_attempts() -> u32 {
    MAX_ATTEMPTS.load(Ordering::Relaxed)
}

impl CollectError {
    /// Classify an error code returned by an AWS service. The code and message are service
    /// text: control characters are removed and the message is capped.
    pub fn from_code(action: &str, code: Option<&str>, message: Option<&str>) -> Self {
        let kind = match code {
            Some(c) if is_access_denied(c) => CollectErrorKind::AccessDenied,
            Some(c) if is_throttling(c) => CollectErrorKind::Throttled,
            _ => CollectErrorKind::Api,
        };
        let code = code.map(|c| clean_service_text(c, 64));
        let message = message.map(|m| clean_service_text(m, MAX_SERVICE_MESSAGE)).filter(|m| !m.is_empty());
        let message = match (kind, code, message) {
            (CollectErrorKind::Throttled, Some(c), _) => format!("{c} after {} attempts", max_attempts()),
            (_, Some(c), Some(m)) => format!("{c}: {m}"),
            (_, Some(c), None) => c,
            (_, None, Some(m)) => m,
            (_, None, None) => "no error code returned".to_string(),
        };
        Self { kind, action: action.to_string(), message }
    }

    /// The answer to `action` could not be read: only its HTTP status and size are told.
    pub fn unreadable(action: &str, status: u16, bytes: usize) -> Self {
        Self::new(
            CollectErrorKind::Unreadable,
            action,
            format!("the answer could not be read (HTTP {status}, {bytes} bytes)"),
        )
    }

    /// The service's error code, when this error carries one (`Code: message` or `Code after N
    /// attempts`).
    pub fn code(&self) -> Option<&str> {
        match self.kind {
            CollectErrorKind::AccessDenied | CollectErrorKind::Throttled | CollectErrorKind::Api => {
                let end = self.message.find([':', ' ']).unwrap_or(self.message.len());
                Some(&self.message[..end]).filter(|c| !c.is_empty())
            }
            _ => None,
        }
    }
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "AllAccessDisabled"
            | "UnauthorizedAccess"
            | "AuthorizationErrorException"
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
            | "RequestThrottledException"
            | "ProvisionedThroughputExceededException"
            | "BandwidthLimitExceeded"
            | "EC2ThrottledException"
    )
}

/// Classify a failed SDK call as a `CollectError` for `action`:
/// - a service error with a code: [`CollectError::from_code`] (access denied, throttled after N
///   attempts, or the code and a capped, cleaned message);
/// - a service error without a code, an answer that could not be deserialised, or one the
///   response guard ([`super::guard`]) found cut short or not well-formed: unreadable, with the
///   HTTP status and body size (never the body);
/// - a timeout or a failed dispatch (connection refused or reset, DNS, TLS): unreachable, with
///   which of those it was;
/// - a request that could not be built: said so.
///
/// Every collector and publisher uses this one classification; no SDK `Debug` or `Display`
/// text, header or body reaches the reason.
pub fn sdk_error<E>(action: &str, err: &SdkError<E, HttpResponse>) -> CollectError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(ctx) => match err.code() {
            Some(code) => CollectError::from_code(action, Some(code), err.message()),
            None => answer_unreadable(action, ctx.raw()),
        },
        SdkError::ResponseError(ctx) => answer_unreadable(action, ctx.raw()),
        SdkError::TimeoutError(_) => {
            CollectError::new(CollectErrorKind::Unreachable, action, "the endpoint did not answer in time (timeout)")
        }
        SdkError::DispatchFailure(failure) => {
            if let Some(unreadable) = find_source::<UnreadableAnswer>(err) {
                return CollectError::unreadable(action, unreadable.status, unreadable.bytes);
            }
            let how = match failure.as_connector_error() {
                Some(c) if c.is_timeout() => "timeout",
                Some(c) if c.is_io() => "connection refused, reset or dropped",
                Some(c) if c.is_user() => "the request was refused before sending",
                _ => "DNS, TLS or connection failure",
            };
            CollectError::new(
                CollectErrorKind::Unreachable,
                action,
                format!("the endpoint could not be reached ({how})"),
            )
        }
        SdkError::ConstructionFailure(_) => {
            CollectError::new(CollectErrorKind::Api, action, "the request could not be built from its parameters")
        }
        _ => CollectError::new(CollectErrorKind::Api, action, "the call failed for an unclassified reason"),
    }
}

/// The answer's status and size as an unreadable-answer error: the guard's own finding when it
/// stopped the answer, else what the raw response says.
fn answer_unreadable(action: &str, raw: &HttpResponse) -> CollectError {
    let bytes = raw.body().bytes().map(<[u8]>::len).unwrap_or(0);
    CollectError::unreadable(action, raw.status().as_u16(), bytes)
}

/// The first error of type `T` in `err`'s source chain.
fn find_source<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        next = e.source();
    }
    None
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
