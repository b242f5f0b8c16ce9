//! What collectors hand to rules, below both: a [`Resource`] findings can be about, and
//! collection failures as data. A collector never turns an error into a silent PASS or FAIL: the
//! error is stored on the resource (`Collected<T>`), and the rule reports UNKNOWN with the reason
//! ([`known!`](crate::known)). `collect::error` classifies the SDK's failures into these types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::context::ScanContext;
use crate::model::ResourceRef;

/// A collected resource that findings can be about.
pub trait Resource {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef;
}

/// The account itself, as a finding's resource (ASFF type `AwsAccount`).
pub fn account_ref(account: &str, ctx: &ScanContext) -> ResourceRef {
    ResourceRef {
        resource_type: "AwsAccount".into(),
        id: account.to_string(),
        arn: Some(format!("arn:{}:::{account}", ctx.partition)),
        account: account.to_string(),
        region: ctx.region.clone(),
        partition: ctx.partition.clone(),
    }
}

/// Why a piece of configuration could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectErrorKind {
    /// The audit role may not call the action.
    AccessDenied,
    /// Throttled past the SDK's retries.
    Throttled,
    /// The service answered with another error code.
    Api,
    /// The service answered, but the document it returned could not be read (e.g. a bucket
    /// policy that is not JSON).
    Malformed,
    /// The endpoint could not be reached: timeout, connection refused or reset, DNS, TLS.
    Unreachable,
    /// The answer itself could not be read: cut short, not well-formed, or an error without a
    /// code. Only its HTTP status and size are kept.
    Unreadable,
}

impl CollectErrorKind {
    /// The kind in a few words, as reasons print it.
    pub fn label(self) -> &'static str {
        match self {
            CollectErrorKind::AccessDenied => "access denied",
            CollectErrorKind::Throttled => "throttled past retries",
            CollectErrorKind::Api => "API error",
            CollectErrorKind::Malformed => "malformed document",
            CollectErrorKind::Unreachable => "endpoint unreachable",
            CollectErrorKind::Unreadable => "unreadable answer",
        }
    }
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
        write!(f, "{} on {}: {}", self.kind.label(), self.action, self.message)
    }
}

impl CollectError {
    pub fn new(kind: CollectErrorKind, action: &str, message: impl Into<String>) -> Self {
        Self { kind, action: action.to_string(), message: message.into() }
    }
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

/// Service-supplied text made fit for a reason: control characters (newlines, escapes) become
/// spaces, runs of spaces collapse, and it is cut to `max` characters with an ellipsis.
pub fn clean_service_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if chars == max {
            out.push('…');
            return out.trim_end().to_string();
        }
        out.push(c);
        chars += 1;
    }
    out.trim_end().to_string()
}
