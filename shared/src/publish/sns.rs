//! Alerts over SNS: one `Publish` per alert, with the highest severity as the `severity`
//! message attribute so subscriptions can filter (e.g. page only on CRITICAL).

use std::future::Future;

use aws_sdk_sns::error::{BuildError, SdkError};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::render::sns::Alert;

/// `sns:Publish`, plus the KMS actions a topic encrypted with a customer-managed key needs.
pub const IAM_ACTIONS: &[&str] = &["sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"];

/// The message attribute carrying the alert's highest severity.
pub const SEVERITY_ATTRIBUTE: &str = "severity";

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("could not build the severity message attribute: {0}")]
    Build(#[from] BuildError),
    #[error("{}", crate::collect::error::sdk_error("sns:Publish", .0))]
    Publish(#[source] Box<SdkError<PublishError>>),
}

/// Port: where alerts go.
///
/// Declared with `impl Future + Send` (native, no `async-trait`); implementations write
/// `async fn`.
pub trait Alerter {
    fn publish(&self, alert: &Alert) -> impl Future<Output = Result<(), AlertError>> + Send;
}

/// [`Alerter`] over an SNS topic.
#[derive(Debug, Clone)]
pub struct SnsAlerter {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsAlerter {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Self { client, topic_arn: topic_arn.into() }
    }
}

impl Alerter for SnsAlerter {
    async fn publish(&self, alert: &Alert) -> Result<(), AlertError> {
        let severity =
            MessageAttributeValue::builder().data_type("String").string_value(alert.severity.as_str()).build()?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(&alert.subject)
            .message(&alert.body_json)
            .message_attributes(SEVERITY_ATTRIBUTE, severity)
            .send()
            .await
            .map_err(|e| AlertError::Publish(Box::new(e)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sns::operation::publish::PublishOutput;
    use aws_smithy_mocks::{mock, RuleMode};

    use super::*;
    use crate::model::Severity;

    #[tokio::test]
    async fn publishes_subject_body_and_severity_attribute() {
        // GIVEN a topic that accepts exactly the expected message
        let publish = mock!(aws_sdk_sns::Client::publish)
            .match_requests(|r| {
                r.topic_arn() == Some("arn:aws:sns:us-east-1:123456789012:alerts")
                    && r.subject() == Some("ztscan: 1 new failing finding in 123456789012 (highest HIGH)")
                    && r.message() == Some("{}")
                    && r.message_attributes()
                        .and_then(|a| a.get(SEVERITY_ATTRIBUTE))
                        .is_some_and(|v| v.data_type() == "String" && v.string_value() == Some("HIGH"))
            })
            .then_output(|| PublishOutput::builder().message_id("m-1").build());
        let client = crate::test_support::mocked_client!(aws_sdk_sns, RuleMode::MatchAny, [&publish]);
        let alerter = SnsAlerter::new(client, "arn:aws:sns:us-east-1:123456789012:alerts");
        let alert = Alert {
            subject: "ztscan: 1 new failing finding in 123456789012 (highest HIGH)".into(),
            body_json: "{}".into(),
            severity: Severity::High,
        };
        // WHEN the alert is published
        let result = alerter.publish(&alert).await;
        // THEN SNS received it once
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(publish.num_calls(), 1);
    }
}
