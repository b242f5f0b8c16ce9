//! The AWS Config side of ztscan's custom Config rules: `PutEvaluations` (in chunks of 100,
//! with the invocation's result token) and `GetResourceConfigHistory` (the full item behind an
//! oversized change notification).
//!
//! The pure half (parsing the invocation, folding findings into evaluations) is
//! `crate::config_rule_invocation`. [`ConfigRules`] is the port the Lambda handler drives; it is faked in
//! the handler's tests and runs against moto (with `TestMode`, the only mode moto accepts) and
//! aws-smithy-mocks in `tests/tests/config_rules.rs`.

use std::future::Future;

use aws_sdk_config::types::{ComplianceType, ConfigurationItemStatus, Evaluation as SdkEvaluation, ResourceType};
use chrono::{DateTime, Utc};

use crate::collect::error::sdk_error;
use crate::config_rule_invocation::{Evaluation, MAX_EVALUATIONS_PER_CALL};
use crate::events::ChangedResource;

/// The IAM actions this publisher calls (granted only when the stack enables Config rules).
pub const IAM_ACTIONS: &[&str] = &["config:GetResourceConfigHistory", "config:PutEvaluations"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigRulesError {
    #[error("config:PutEvaluations failed after {sent} of {total} evaluations were accepted: {reason}")]
    Put { sent: usize, total: usize, reason: String },
    #[error("config:PutEvaluations refused {count} evaluation(s), e.g. {example}")]
    Refused { count: usize, example: String },
    #[error("cannot build the evaluation for {resource}: {reason}")]
    Build { resource: String, reason: String },
    #[error("config:GetResourceConfigHistory for {resource}: {reason}")]
    History { resource: String, reason: String },
}

/// What the handler needs from AWS Config.
pub trait ConfigRules {
    /// Report `evaluations` for the invocation with `result_token`, in chunks of 100.
    fn put_evaluations(
        &self,
        result_token: &str,
        evaluations: &[Evaluation],
    ) -> impl Future<Output = Result<usize, ConfigRulesError>> + Send;

    /// The newest recorded configuration item of a resource captured no later than
    /// `later_time` (`None`: the newest), as the change it describes.
    fn item(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<Option<ChangedResource>, ConfigRulesError>> + Send;
}

/// [`ConfigRules`] over the AWS SDK.
#[derive(Debug, Clone)]
pub struct AwsConfigRules {
    client: aws_sdk_config::Client,
    test_mode: bool,
}

impl AwsConfigRules {
    /// `test_mode` sets `PutEvaluations`' `TestMode` (the evaluations are checked, not stored):
    /// `CONFIG_EVALUATIONS_TEST_MODE=true`, for a local stack whose Config only accepts that.
    pub fn new(client: aws_sdk_config::Client, test_mode: bool) -> Self {
        Self { client, test_mode }
    }
}

fn to_sdk(e: &Evaluation) -> Result<SdkEvaluation, ConfigRulesError> {
    SdkEvaluation::builder()
        .compliance_resource_type(&e.resource_type)
        .compliance_resource_id(&e.resource_id)
        .compliance_type(ComplianceType::from(e.compliance.as_str()))
        .annotation(&e.annotation)
        .ordering_timestamp(aws_smithy_types::DateTime::from_millis(e.ordering.timestamp_millis()))
        .build()
        .map_err(|err| ConfigRulesError::Build {
            resource: format!("{} {}", e.resource_type, e.resource_id),
            reason: err.to_string(),
        })
}

impl ConfigRules for AwsConfigRules {
    async fn put_evaluations(&self, result_token: &str, evaluations: &[Evaluation]) -> Result<usize, ConfigRulesError> {
        let mut sent = 0;
        for chunk in evaluations.chunks(MAX_EVALUATIONS_PER_CALL) {
            let batch = chunk.iter().map(to_sdk).collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .put_evaluations()
                .result_token(result_token)
                .set_evaluations(Some(batch))
                .test_mode(self.test_mode)
                .send()
                .await
                .map_err(|e| ConfigRulesError::Put {
                    sent,
                    total: evaluations.len(),
                    reason: sdk_error("config:PutEvaluations", &e).to_string(),
                })?;
            let failed = out.failed_evaluations();
            if let Some(first) = failed.first() {
                return Err(ConfigRulesError::Refused {
                    count: failed.len(),
                    example: format!("{} {}", first.compliance_resource_type(), first.compliance_resource_id()),
                });
            }
            sent += chunk.len();
        }
        Ok(sent)
    }

    async fn item(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: Option<DateTime<Utc>>,
    ) -> Result<Option<ChangedResource>, ConfigRulesError> {
        let out = self
            .client
            .get_resource_config_history()
            .resource_type(ResourceType::from(resource_type))
            .resource_id(resource_id)
            .set_later_time(later_time.map(|t| aws_smithy_types::DateTime::from_millis(t.timestamp_millis())))
            .limit(1)
            .send()
            .await
            .map_err(|e| ConfigRulesError::History {
                resource: format!("{resource_type} {resource_id}"),
                reason: sdk_error("config:GetResourceConfigHistory", &e).to_string(),
            })?;
        Ok(out.configuration_items().first().map(|item| ChangedResource {
            resource_type: item.resource_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| resource_type.into()),
            resource_id: item.resource_id().unwrap_or(resource_id).to_string(),
            resource_name: item.resource_name().map(str::to_string),
            region: item.aws_region().unwrap_or_default().to_string(),
            account: item.account_id().map(str::to_string),
            arn: item.arn().map(str::to_string),
            deleted: matches!(
                item.configuration_item_status(),
                Some(ConfigurationItemStatus::ResourceDeleted | ConfigurationItemStatus::ResourceDeletedNotRecorded)
            ),
        }))
    }
}
