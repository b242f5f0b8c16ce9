//! The findings queue, from the audits' side: findings are cut into `QueueMessage` bodies
//! under [`MAX_MESSAGE_BYTES`], sent with `SendMessageBatch`, and entries SQS lists as
//! `Failed` are retried. Anything still not accepted is an error, so the audit Lambda fails
//! and is retried: nothing is dropped silently.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use aws_sdk_sqs::error::{BuildError, SdkError};
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use tracing::warn;

use crate::model::Finding;
use crate::pipeline::{QueueMessage, MAX_MESSAGE_BYTES};

/// What an audit needs to put findings on the queue (`SendMessageBatch` is authorised by
/// `sqs:SendMessage`).
pub const SEND_ACTIONS: &[&str] = &["sqs:SendMessage"];
/// What `publish-findings` needs to consume the queue through its event source mapping.
pub const CONSUME_ACTIONS: &[&str] = &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

/// SQS takes at most 10 entries per `SendMessageBatch` ...
pub const MAX_BATCH_ENTRIES: usize = 10;
/// ... and at most 256 KiB for the bodies of the whole batch.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// `ScanComplete` is delayed so that, on a standard (unordered) queue, the findings chunks of
/// the same scan are consumed before it archives what the scan did not refresh.
pub const SCAN_COMPLETE_DELAY_SECONDS: i32 = 60;
/// Attempts per batch, counting the first, for entries SQS reports as `Failed`.
const MAX_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Why findings could not be put on the queue.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("could not serialise a queue message: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("finding {finding_id} serialises to a {size}-byte message, over the {max}-byte limit")]
    FindingTooLarge { finding_id: String, size: usize, max: usize },
    #[error("a {kind} message serialises to {size} bytes, over the {max}-byte limit")]
    MessageTooLarge { kind: &'static str, size: usize, max: usize },
    #[error("could not build a SendMessageBatch entry: {0}")]
    Build(#[from] BuildError),
    #[error("{}", crate::collect::error::sdk_error("sqs:SendMessageBatch", .0))]
    Send(#[source] Box<SdkError<SendMessageBatchError>>),
    #[error("SQS did not accept {count} message(s) after {attempts} attempt(s): {errors}")]
    NotAccepted { count: usize, attempts: u32, errors: String },
}

/// Port: where an audit sends its findings.
///
/// Declared with `impl Future + Send` (native, no `async-trait`) so callers can spawn the
/// future; implementations simply write `async fn send`.
pub trait FindingsQueue {
    fn send(&self, msgs: Vec<QueueMessage>) -> impl Future<Output = Result<(), PublishError>> + Send;
}

/// One SQS message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    pub delay_seconds: i32,
}

/// Serialise `msgs` into bodies of at most `max_bytes` bytes each, splitting a `Findings`
/// message into as many messages as it needs. `ScanComplete` messages come last, delayed.
/// Empty `Findings` messages are dropped.
pub fn message_bodies(msgs: Vec<QueueMessage>, max_bytes: usize) -> Result<Vec<OutgoingMessage>, PublishError> {
    let mut findings = Vec::new();
    let mut completions = Vec::new();
    for msg in msgs {
        match msg {
            QueueMessage::Findings { audit, findings: list } => {
                for body in split_findings(&audit, list, max_bytes)? {
                    findings.push(OutgoingMessage { body, delay_seconds: 0 });
                }
            }
            complete @ QueueMessage::ScanComplete(_) => {
                let body = serde_json::to_string(&complete)?;
                if body.len() > max_bytes {
                    return Err(PublishError::MessageTooLarge {
                        kind: "scan_complete",
                        size: body.len(),
                        max: max_bytes,
                    });
                }
                completions.push(OutgoingMessage { body, delay_seconds: SCAN_COMPLETE_DELAY_SECONDS });
            }
        }
    }
    findings.extend(completions);
    Ok(findings)
}

/// Group messages, in order, into `SendMessageBatch` requests: at most
/// [`MAX_BATCH_ENTRIES`] entries and [`MAX_BATCH_BYTES`] of bodies each.
pub fn batches(msgs: Vec<OutgoingMessage>) -> Vec<Vec<OutgoingMessage>> {
    let mut out: Vec<Vec<OutgoingMessage>> = Vec::new();
    let mut current: Vec<OutgoingMessage> = Vec::new();
    let mut bytes = 0;
    for msg in msgs {
        if !current.is_empty() && (current.len() == MAX_BATCH_ENTRIES || bytes + msg.body.len() > MAX_BATCH_BYTES) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += msg.body.len();
        current.push(msg);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Split one audit's findings into `Findings` bodies of at most `max_bytes` each. Sizes are
/// exact: a compact JSON array is `[` + elements joined by `,` + `]`.
fn split_findings(audit: &str, findings: Vec<Finding>, max_bytes: usize) -> Result<Vec<String>, PublishError> {
    let envelope = serde_json::to_string(&findings_message(audit, Vec::new()))?.len();
    let mut bodies = Vec::new();
    let mut chunk: Vec<Finding> = Vec::new();
    let mut size = envelope;
    for finding in findings {
        let len = serde_json::to_string(&finding)?.len();
        if envelope + len > max_bytes {
            return Err(PublishError::FindingTooLarge {
                finding_id: finding.id(),
                size: envelope + len,
                max: max_bytes,
            });
        }
        let comma = usize::from(!chunk.is_empty());
        if size + comma + len > max_bytes {
            bodies.push(serde_json::to_string(&findings_message(audit, std::mem::take(&mut chunk)))?);
            size = envelope;
        }
        size += usize::from(!chunk.is_empty()) + len;
        chunk.push(finding);
    }
    if !chunk.is_empty() {
        bodies.push(serde_json::to_string(&findings_message(audit, chunk))?);
    }
    match bodies.iter().find(|b| b.len() > max_bytes) {
        Some(b) => Err(PublishError::MessageTooLarge { kind: "findings", size: b.len(), max: max_bytes }),
        None => Ok(bodies),
    }
}

fn findings_message(audit: &str, findings: Vec<Finding>) -> QueueMessage {
    QueueMessage::Findings { audit: audit.to_string(), findings }
}

/// [`FindingsQueue`] over SQS.
#[derive(Debug, Clone)]
pub struct SqsFindingsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    first_backoff: Duration,
    completion_delay: i32,
}

impl SqsFindingsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
            first_backoff: FIRST_BACKOFF,
            completion_delay: SCAN_COMPLETE_DELAY_SECONDS,
        }
    }

    /// How long `ScanComplete` waits on the queue (0-900 s; SQS's limit), instead of
    /// [`SCAN_COMPLETE_DELAY_SECONDS`].
    pub fn with_completion_delay(mut self, seconds: i32) -> Self {
        self.completion_delay = seconds.clamp(0, 900);
        self
    }

    /// The wait before the first retry of `Failed` entries (doubled on each retry).
    pub fn with_first_backoff(mut self, first_backoff: Duration) -> Self {
        self.first_backoff = first_backoff;
        self
    }

    async fn send_batch(&self, batch: Vec<OutgoingMessage>) -> Result<(), PublishError> {
        let mut pending: Vec<(String, OutgoingMessage)> =
            batch.into_iter().enumerate().map(|(i, m)| (i.to_string(), m)).collect();
        let mut attempt = 1;
        loop {
            let entries = pending
                .iter()
                .map(|(id, m)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(id)
                        .message_body(&m.body)
                        .set_delay_seconds((m.delay_seconds > 0).then_some(m.delay_seconds))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| PublishError::Send(Box::new(e)))?;
            let failed = out.failed();
            if failed.is_empty() {
                return Ok(());
            }
            let errors = failed
                .iter()
                .map(|e| {
                    format!(
                        "entry {}: {}{}",
                        e.id(),
                        e.code(),
                        e.message().map(|m| format!(" ({m})")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            // A sender fault (e.g. an invalid body) fails the same way on every attempt.
            if attempt >= MAX_ATTEMPTS || failed.iter().any(|e| e.sender_fault()) {
                return Err(PublishError::NotAccepted { count: failed.len(), attempts: attempt, errors });
            }
            warn!(attempt, failed = failed.len(), %errors, "SQS did not accept some findings messages; retrying them");
            let failed_ids: HashSet<&str> = failed.iter().map(|e| e.id()).collect();
            pending.retain(|(id, _)| failed_ids.contains(id.as_str()));
            tokio::time::sleep(self.first_backoff * 2u32.pow(attempt - 1)).await;
            attempt += 1;
        }
    }
}

impl FindingsQueue for SqsFindingsQueue {
    async fn send(&self, msgs: Vec<QueueMessage>) -> Result<(), PublishError> {
        let mut bodies = message_bodies(msgs, MAX_MESSAGE_BYTES)?;
        for m in bodies.iter_mut().filter(|m| m.delay_seconds > 0) {
            m.delay_seconds = self.completion_delay;
        }
        for batch in batches(bodies) {
            self.send_batch(batch).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput;
    use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
    use aws_smithy_mocks::{mock, Rule, RuleMode};
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::pipeline::ScanSummary;

    fn finding(i: usize, reason_len: usize) -> Finding {
        Finding { reason: "r".repeat(reason_len), ..Finding::fixture(&format!("bucket-{i}")) }
    }

    fn findings(n: usize, reason_len: usize) -> QueueMessage {
        QueueMessage::Findings { audit: "s3".into(), findings: (0..n).map(|i| finding(i, reason_len)).collect() }
    }

    fn scan_complete() -> QueueMessage {
        QueueMessage::ScanComplete(ScanSummary {
            audit: "s3".into(),
            account: "123456789012".into(),
            rule_ids: vec!["s3.bucket-versioning-enabled".into()],
            started_at: DateTime::<Utc>::UNIX_EPOCH,
            finding_count: 0,
        })
    }

    fn parsed_findings(bodies: &[OutgoingMessage]) -> Vec<Finding> {
        bodies
            .iter()
            .flat_map(|b| match QueueMessage::parse(&b.body).unwrap() {
                QueueMessage::Findings { findings, .. } => findings,
                QueueMessage::ScanComplete(_) => vec![],
            })
            .collect()
    }

    #[test]
    fn small_findings_fit_in_one_message() {
        let bodies = message_bodies(vec![findings(3, 10)], MAX_MESSAGE_BYTES).unwrap();
        assert_eq!(bodies.len(), 1);
        assert_eq!(QueueMessage::parse(&bodies[0].body).unwrap(), findings(3, 10));
        assert_eq!(bodies[0].delay_seconds, 0);
    }

    #[test]
    fn many_findings_are_split_under_the_limit_in_order_without_loss() {
        let max = 4 * 1024;
        let bodies = message_bodies(vec![findings(40, 300)], max).unwrap();
        assert!(bodies.len() > 1);
        assert!(bodies.iter().all(|b| b.body.len() <= max), "every body is under the limit");
        let QueueMessage::Findings { findings: expected, .. } = findings(40, 300) else { unreachable!() };
        assert_eq!(parsed_findings(&bodies), expected);
    }

    #[test]
    fn a_chunk_is_filled_exactly_up_to_the_limit() {
        // GIVEN a limit that fits exactly two findings
        let two = serde_json::to_string(&findings(2, 50)).unwrap().len();
        // WHEN three are cut with that limit
        let bodies = message_bodies(vec![findings(3, 50)], two).unwrap();
        // THEN the first message is exactly at the limit
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[0].body.len(), two);
        assert_eq!(message_bodies(vec![findings(3, 50)], two - 1).unwrap().len(), 3);
    }

    #[test]
    fn a_finding_over_the_limit_is_an_error() {
        let err = message_bodies(vec![findings(1, 5000)], 1024).unwrap_err();
        assert!(matches!(err, PublishError::FindingTooLarge { max: 1024, .. }), "{err}");
    }

    #[test]
    fn scan_complete_goes_last_and_delayed_and_empty_findings_are_dropped() {
        let bodies = message_bodies(vec![scan_complete(), findings(0, 1), findings(1, 1)], MAX_MESSAGE_BYTES).unwrap();
        assert_eq!(bodies.len(), 2);
        assert_eq!(QueueMessage::parse(&bodies[1].body).unwrap(), scan_complete());
        assert_eq!(bodies[1].delay_seconds, SCAN_COMPLETE_DELAY_SECONDS);
    }

    #[test]
    fn batches_hold_at_most_ten_entries_and_256_kib() {
        let small =
            |n: usize| (0..n).map(|_| OutgoingMessage { body: "x".into(), delay_seconds: 0 }).collect::<Vec<_>>();
        let sizes: Vec<usize> = batches(small(25)).iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 5]);

        let big = |n: usize| {
            (0..n)
                .map(|_| OutgoingMessage { body: "x".repeat(MAX_MESSAGE_BYTES), delay_seconds: 0 })
                .collect::<Vec<_>>()
        };
        let sizes: Vec<usize> = batches(big(3)).iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 1, 1], "two 200 KiB bodies exceed 256 KiB");
        assert!(batches(Vec::new()).is_empty());
    }

    fn client(rules: &[&Rule]) -> aws_sdk_sqs::Client {
        crate::test_support::mocked_client!(aws_sdk_sqs, RuleMode::MatchAny, rules)
    }

    fn failed(id: &str, sender_fault: bool) -> BatchResultErrorEntry {
        BatchResultErrorEntry::builder().id(id).code("InternalError").sender_fault(sender_fault).build().unwrap()
    }

    fn ok(id: &str) -> SendMessageBatchResultEntry {
        SendMessageBatchResultEntry::builder().id(id).message_id("m").md5_of_message_body("x").build().unwrap()
    }

    fn output(
        successful: Vec<SendMessageBatchResultEntry>,
        failed: Vec<BatchResultErrorEntry>,
    ) -> SendMessageBatchOutput {
        SendMessageBatchOutput::builder().set_successful(Some(successful)).set_failed(Some(failed)).build().unwrap()
    }

    #[tokio::test]
    async fn failed_entries_are_retried_alone_until_accepted() {
        // GIVEN SQS fails entry 1 of the first request, then accepts the retry
        let first = mock!(aws_sdk_sqs::Client::send_message_batch)
            .match_requests(|r| r.entries().len() == 2)
            .then_output(|| output(vec![ok("0")], vec![failed("1", false)]));
        let retry = mock!(aws_sdk_sqs::Client::send_message_batch)
            .match_requests(|r| r.entries().len() == 1 && r.entries()[0].id() == "1")
            .then_output(|| output(vec![ok("1")], vec![]));
        let queue = SqsFindingsQueue::new(client(&[&first, &retry]), "https://sqs/q")
            .with_first_backoff(Duration::from_millis(1));
        // WHEN findings and the scan summary are sent
        let result = queue.send(vec![findings(2, 10), scan_complete()]).await;
        // THEN both requests were made and the send succeeded
        assert!(result.is_ok(), "{result:?}");
        assert_eq!((first.num_calls(), retry.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn entries_still_failing_after_three_attempts_are_an_error() {
        let always =
            mock!(aws_sdk_sqs::Client::send_message_batch).then_output(|| output(vec![], vec![failed("0", false)]));
        let queue =
            SqsFindingsQueue::new(client(&[&always]), "https://sqs/q").with_first_backoff(Duration::from_millis(1));
        let err = queue.send(vec![findings(1, 10)]).await.unwrap_err();
        assert!(matches!(err, PublishError::NotAccepted { count: 1, attempts: 3, .. }), "{err}");
        assert_eq!(always.num_calls(), 3);
    }

    #[tokio::test]
    async fn sender_faults_are_not_retried() {
        let always =
            mock!(aws_sdk_sqs::Client::send_message_batch).then_output(|| output(vec![], vec![failed("0", true)]));
        let queue =
            SqsFindingsQueue::new(client(&[&always]), "https://sqs/q").with_first_backoff(Duration::from_millis(1));
        assert!(queue.send(vec![findings(1, 10)]).await.is_err());
        assert_eq!(always.num_calls(), 1);
    }
}
