//! Messages `publish-findings` itself puts on a queue: the findings Security Hub refused for
//! good (to the findings dead-letter queue, at once, instead of after the queue's five
//! redeliveries) and an alert whose channels failed after its findings were imported (back on
//! the findings queue, so it is retried on its own and never re-decided).
//!
//! A dead-lettered body is a plain `QueueMessage::Findings`, so once the cause is fixed (say,
//! Security Hub enabled in that account) SQS's dead-letter redrive moves it back to the
//! findings queue and it is imported like any other. Why it was refused travels in message
//! attributes ([`ACCOUNT_ATTRIBUTE`], [`REGION_ATTRIBUTE`], [`ERROR_CODE_ATTRIBUTE`],
//! [`ERROR_MESSAGE_ATTRIBUTE`]).

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_sqs::error::{BuildError, SdkError};
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::types::MessageAttributeValue;
use serde::{Deserialize, Serialize};

use crate::render::sns::Alert;

/// What the publisher needs to send to its queues.
pub const IAM_ACTIONS: &[&str] = &["sqs:SendMessage"];
/// Message attributes of a dead-lettered message.
pub const ACCOUNT_ATTRIBUTE: &str = "ztscan.account";
pub const REGION_ATTRIBUTE: &str = "ztscan.region";
pub const ERROR_CODE_ATTRIBUTE: &str = "ztscan.error_code";
pub const ERROR_MESSAGE_ATTRIBUTE: &str = "ztscan.error_message";
/// SQS limits a message attribute value to what fits the message; we keep reasons short.
const MAX_ATTRIBUTE_CHARS: usize = 256;
/// How long a queued alert waits before its retry.
pub const ALERT_RETRY_DELAY_SECONDS: i32 = 60;

/// One message for a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    pub delay_seconds: i32,
}

/// The body of an alert queued for retry. Its `kind` tells it apart from `QueueMessage`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename = "alert_retry")]
pub struct AlertRetry {
    pub subject: String,
    pub body_json: String,
    pub severity: crate::model::Severity,
}

impl AlertRetry {
    pub fn of(alert: &Alert) -> Self {
        Self { subject: alert.subject.clone(), body_json: alert.body_json.clone(), severity: alert.severity }
    }

    pub fn alert(&self) -> Alert {
        Alert { subject: self.subject.clone(), body_json: self.body_json.clone(), severity: self.severity }
    }

    /// The queue message of this retry.
    pub fn message(&self) -> Result<OutboxMessage, serde_json::Error> {
        Ok(OutboxMessage {
            body: serde_json::to_string(self)?,
            attributes: BTreeMap::new(),
            delay_seconds: ALERT_RETRY_DELAY_SECONDS,
        })
    }

    /// The alert retry in `body`, or `None` when the body is something else.
    pub fn parse(body: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        if value.get("kind").and_then(|k| k.as_str()) != Some("alert_retry") {
            return None;
        }
        serde_json::from_value(value).ok()
    }
}

/// The dead-letter message of findings Security Hub refused for good: `body` is the
/// `QueueMessage::Findings` of those findings.
pub fn dead_letter(body: String, account: &str, region: &str, code: &str, message: &str) -> OutboxMessage {
    let short: String = message.chars().filter(|c| !c.is_control()).take(MAX_ATTRIBUTE_CHARS).collect();
    let attributes = [
        (ACCOUNT_ATTRIBUTE, account),
        (REGION_ATTRIBUTE, region),
        (ERROR_CODE_ATTRIBUTE, code),
        (ERROR_MESSAGE_ATTRIBUTE, short.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    OutboxMessage { body, attributes, delay_seconds: 0 }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("could not build a message attribute: {0}")]
    Build(#[from] BuildError),
    #[error("sqs:SendMessage to {queue} failed: {}", crate::collect::error::sdk_error("sqs:SendMessage", .source))]
    Send {
        queue: String,
        #[source]
        source: Box<SdkError<SendMessageError>>,
    },
}

/// Port: one queue the publisher writes to.
pub trait Outbox {
    fn send(&self, message: &OutboxMessage) -> impl Future<Output = Result<(), OutboxError>> + Send;
}

/// [`Outbox`] over one SQS queue.
#[derive(Debug, Clone)]
pub struct SqsOutbox {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsOutbox {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self { client, queue_url: queue_url.into() }
    }
}

impl Outbox for SqsOutbox {
    async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(&message.body)
            .delay_seconds(message.delay_seconds);
        for (name, value) in &message.attributes {
            let value = MessageAttributeValue::builder().data_type("String").string_value(value).build()?;
            request = request.message_attributes(name, value);
        }
        request.send().await.map_err(|e| OutboxError::Send { queue: self.queue_url.clone(), source: Box::new(e) })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sqs::operation::send_message::SendMessageOutput;
    use aws_smithy_mocks::{mock, RuleMode};

    use super::*;
    use crate::model::Severity;

    #[tokio::test]
    async fn a_dead_letter_carries_account_region_and_code_as_attributes() {
        let send = mock!(aws_sdk_sqs::Client::send_message)
            .match_requests(|r| {
                let attrs = r.message_attributes().unwrap();
                r.queue_url() == Some("https://sqs/dlq")
                    && r.message_body() == Some("{\"kind\":\"findings\"}")
                    && attrs[ACCOUNT_ATTRIBUTE].string_value() == Some("222222222222")
                    && attrs[REGION_ATTRIBUTE].string_value() == Some("eu-west-1")
                    && attrs[ERROR_CODE_ATTRIBUTE].string_value() == Some("InvalidAccess")
                    && attrs[ERROR_MESSAGE_ATTRIBUTE].string_value() == Some("not subscribed")
            })
            .then_output(|| SendMessageOutput::builder().build());
        let client = crate::test_support::mocked_client!(aws_sdk_sqs, RuleMode::MatchAny, [&send]);
        let message = dead_letter(
            "{\"kind\":\"findings\"}".into(),
            "222222222222",
            "eu-west-1",
            "InvalidAccess",
            "not subscribed",
        );
        SqsOutbox::new(client, "https://sqs/dlq").send(&message).await.unwrap();
        assert_eq!(send.num_calls(), 1);
    }

    #[test]
    fn an_alert_retry_round_trips_and_is_not_a_findings_message() {
        let alert = Alert { subject: "s".into(), body_json: "{}".into(), severity: Severity::High };
        let retry = AlertRetry::of(&alert);
        let message = retry.message().unwrap();
        assert!(message.body.starts_with("{\"kind\":\"alert_retry\""), "{}", message.body);
        assert_eq!(AlertRetry::parse(&message.body).unwrap().alert(), alert);
        assert!(crate::pipeline::QueueMessage::parse(&message.body).is_err());
        assert_eq!(AlertRetry::parse("{\"kind\":\"findings\",\"audit\":\"s3\",\"findings\":[]}"), None);
    }
}
