//! The messages audits put on the findings queue and `publish-findings` consumes. Kept in one
//! place so both sides agree on the wire format.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Finding;

/// One SQS message body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueMessage {
    /// A chunk of findings from one audit run.
    Findings { audit: String, findings: Vec<Finding> },
    /// Sent once at the end of a full scan. The publisher archives the ACTIVE findings of
    /// exactly these rules, in this account, that this scan did not refresh (their resource
    /// is gone). Never sent for a single-resource (change event) scan, nor when the listing
    /// was incomplete.
    ScanComplete(ScanSummary),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// The audit that ran (`s3`, `iam`, ...).
    pub audit: String,
    pub account: String,
    /// Every rule the audit ran: the archive scope.
    pub rule_ids: Vec<String>,
    /// Findings this scan produced carry `observed_at >= started_at`.
    pub started_at: DateTime<Utc>,
    pub finding_count: usize,
}

/// SQS's limit on one message body is 256 KiB; chunks stay under this to leave room.
pub const MAX_MESSAGE_BYTES: usize = 200 * 1024;

/// A body that could not be read as a `QueueMessage`. Its text says what was wrong and where,
/// never the body's values (a finding's fields, or whatever a sender put there).
#[derive(Debug, thiserror::Error)]
#[error("findings message is not valid: {}", crate::events::describe_json_error(.0))]
pub struct MessageError(#[from] serde_json::Error);

impl QueueMessage {
    pub fn parse(body: &str) -> Result<Self, MessageError> {
        Ok(serde_json::from_str(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_message_is_described_without_its_values() {
        let planted = "sk_live_0123456789abcdefSECRET";
        for body in [
            format!(r#"{{"kind":"findings","audit":"s3","findings":"{planted}"}}"#),
            format!(r#"{{"kind":"{planted}"}}"#),
            format!(r#"{{"kind":"findings","audit":["{planted}"]"#),
            format!("{planted} not json"),
        ] {
            let e = QueueMessage::parse(&body).expect_err("not a message").to_string();
            assert!(!e.contains(planted), "{e}");
            assert!(e.len() < 200, "{e}");
        }
        let e = QueueMessage::parse(r#"{"kind":"findings","audit":"s3"}"#).unwrap_err().to_string();
        assert!(e.contains("missing field `findings`"), "{e}");
    }
}
