//! The CloudFormation collector: one paginated `DescribeStacks` listing (which already carries
//! each stack's termination protection, notification topics, outputs, deployed parameters,
//! parent/root ids and status), then one `GetTemplateSummary` per stack for the template's
//! parameter declarations (defaults and `NoEcho`), at most `ScanConfig::concurrency` at a time.
//! A single stack from a Config change event is read with `DescribeStacks(StackName=<id>)`.
//!
//! Stacks in `DELETE_COMPLETE` are gone and skipped. Stacks in `REVIEW_IN_PROGRESS` (created by
//! `CreateChangeSet`, change set never executed) are skipped too: nothing is deployed, they
//! have no outputs, and `GetTemplateSummary` refuses them; executing the change set emits a
//! Config change and the next full scan sees the stack.
//!
//! **Secret values are dropped here.** Outputs, parameter defaults and deployed parameter
//! values go through the secret detector while the SDK output is held; only names and
//! detections are kept (see `resources::cloudformation`). A deployed value is not scanned when
//! the parameter is `NoEcho` (the API masks it as `****`, and the template says so). Nothing in
//! this module logs, formats or stores a value.
//!
//! A failed listing is the inventory's `CollectError` (every rule UNKNOWN, no archive sweep); a
//! failed `GetTemplateSummary` is kept on its stack (only the parameter-default part of
//! `cloudformation.no-secrets-in-outputs` is unknown).

use std::collections::BTreeSet;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::operation::get_template_summary::GetTemplateSummaryOutput;
use futures_util::stream::{self, StreamExt};

use crate::collect::error::{required, sdk_error, Collected};
use crate::collect::pages::all_pages;
use crate::resources::cloudformation::{
    name_of_arn, region_of_arn, Stack, StackInventory, TemplateParameters, DELETE_COMPLETE, REVIEW_IN_PROGRESS,
};
use crate::scan_config::ScanConfig;
use crate::secrets::{Detection, Detector};

/// Every IAM action this collector needs, as data. The stack-audit role must grant exactly
/// these (checked by `tests/tests/template_permissions.rs`). `DescribeStacks` without a
/// `StackName` lists every stack and, per the API reference, is authorised as `ListStacks` plus
/// `DescribeStacks` on `*`; that is why `ListStacks` is here although it is never called.
pub const IAM_ACTIONS: &[&str] = &[LIST_STACKS, DESCRIBE_STACKS, GET_TEMPLATE_SUMMARY];

const LIST_STACKS: &str = "cloudformation:ListStacks";
const DESCRIBE_STACKS: &str = "cloudformation:DescribeStacks";
const GET_TEMPLATE_SUMMARY: &str = "cloudformation:GetTemplateSummary";

/// Reads CloudFormation stacks for one account and region.
#[derive(Clone)]
pub struct StackCollector {
    client: aws_sdk_cloudformation::Client,
    detector: Detector,
    concurrency: usize,
}

/// The label of a flagged output.
fn output_label(key: &str) -> String {
    format!("Output {key}")
}

/// The label of a flagged deployed parameter value.
fn parameter_label(key: &str) -> String {
    format!("Parameter {key}")
}

/// The label of a flagged parameter default.
fn default_label(key: &str) -> String {
    format!("Parameter default {key}")
}

/// A value the API masked because its parameter is `NoEcho`.
fn is_masked(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b == b'*')
}

impl StackCollector {
    /// Build the collector's client from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_client(aws_sdk_cloudformation::Client::new(sdk), config)
    }

    /// Build from a ready client (tests with `aws-smithy-mocks`).
    pub fn from_client(client: aws_sdk_cloudformation::Client, config: &ScanConfig) -> Self {
        Self { client, detector: Detector::new(&config.secret_ignore), concurrency: config.concurrency.max(1) }
    }

    /// The client's region, for stacks whose id does not name one.
    fn region(&self) -> String {
        self.client.config().region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string())
    }

    /// Every live stack of the region with its template's parameter declarations. Never fails
    /// as a whole: a failed listing is the inventory's error.
    pub async fn collect_all(&self) -> StackInventory {
        let listed = match self.list().await {
            Ok(l) => l,
            Err(e) => return StackInventory { stacks: Err(e) },
        };
        let mut stacks: Vec<Stack> =
            stream::iter(listed).map(|s| self.complete(s)).buffer_unordered(self.concurrency).collect().await;
        stacks.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        StackInventory { stacks: Ok(stacks) }
    }

    /// One stack by id (ARN) or name (a Config change event). `Ok(None)` when it does not
    /// exist, was deleted (`DELETE_COMPLETE`), or was never created (`REVIEW_IN_PROGRESS`).
    pub async fn collect_one(&self, stack: &str) -> Collected<Option<Stack>> {
        let out = match self.client.describe_stacks().stack_name(stack).send().await {
            Ok(out) => out,
            Err(e) if is_gone(e.code(), e.message()) => return Ok(None),
            Err(e) => return Err(sdk_error(DESCRIBE_STACKS, &e)),
        };
        let found = out.stacks().iter().find(|s| is_live(s)).cloned();
        match found {
            Some(s) => Ok(Some(self.complete(s).await)),
            None => Ok(None),
        }
    }

    /// The listing, paginated; SDK stacks are kept only until [`Self::complete`] converts them.
    async fn list(&self) -> Collected<Vec<aws_sdk_cloudformation::types::Stack>> {
        let pages = all_pages(DESCRIBE_STACKS, None, self.client.describe_stacks().into_paginator().send()).await?;
        Ok(pages.into_iter().flat_map(|p| p.stacks.unwrap_or_default()).filter(is_live).collect())
    }

    /// Read the template summary and convert the stack, dropping every value.
    async fn complete(&self, stack: aws_sdk_cloudformation::types::Stack) -> Stack {
        let id = stack.stack_id().or(stack.stack_name()).unwrap_or_default().to_string();
        let summary = required(GET_TEMPLATE_SUMMARY, self.client.get_template_summary().stack_name(&id).send().await);
        self.convert(&stack, summary.as_ref().map_err(Clone::clone), &self.region())
    }

    /// Convert one stack and its template summary into plain data, running the detector over
    /// outputs, parameter defaults and non-`NoEcho` deployed values.
    fn convert(
        &self,
        s: &aws_sdk_cloudformation::types::Stack,
        summary: Collected<&GetTemplateSummaryOutput>,
        default_region: &str,
    ) -> Stack {
        let id = s.stack_id().unwrap_or_default().to_string();
        let name = s
            .stack_name()
            .map(str::to_string)
            .or_else(|| name_of_arn(&id).map(str::to_string))
            .unwrap_or_else(|| id.clone());
        let region = region_of_arn(&id).unwrap_or(default_region).to_string();
        let template = summary.map(|t| self.template_parameters(t));
        let no_echo: BTreeSet<String> =
            template.as_ref().map(|t| t.no_echo.iter().cloned().collect()).unwrap_or_default();

        let mut output_keys: Vec<String> =
            s.outputs().iter().filter_map(|o| o.output_key()).map(str::to_string).collect();
        output_keys.sort();
        let mut parameter_keys: Vec<String> =
            s.parameters().iter().filter_map(|p| p.parameter_key()).map(str::to_string).collect();
        parameter_keys.sort();

        let mut detections: Vec<Detection> = Vec::new();
        for o in s.outputs() {
            if let (Some(key), Some(value)) = (o.output_key(), o.output_value()) {
                detections.extend(self.detector.scan(key, value).map(|d| relabel(d, output_label(key))));
            }
        }
        for p in s.parameters() {
            let (Some(key), Some(value)) = (p.parameter_key(), p.parameter_value()) else { continue };
            if is_masked(value) || no_echo.contains(key) {
                continue;
            }
            detections.extend(self.detector.scan(key, value).map(|d| relabel(d, parameter_label(key))));
        }
        detections.sort_by(|a, b| a.variable.cmp(&b.variable));

        Stack {
            template,
            name,
            region,
            status: s.stack_status().map(|st| st.as_str().to_string()).unwrap_or_default(),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
            notification_arns: s.notification_arns().iter().filter(|a| !a.is_empty()).cloned().collect(),
            parent_id: s.parent_id().filter(|p| !p.is_empty()).map(str::to_string),
            root_id: s.root_id().filter(|r| !r.is_empty()).map(str::to_string),
            output_keys,
            parameter_keys,
            detections,
            id,
        }
    }

    /// The template's parameter declarations, with the defaults scanned and dropped.
    fn template_parameters(&self, t: &GetTemplateSummaryOutput) -> TemplateParameters {
        let mut out = TemplateParameters::default();
        for p in t.parameters() {
            let Some(key) = p.parameter_key() else { continue };
            out.names.push(key.to_string());
            if p.no_echo().unwrap_or(false) {
                out.no_echo.push(key.to_string());
            }
            if let Some(default) = p.default_value() {
                out.with_default.push(key.to_string());
                out.detections.extend(self.detector.scan(key, default).map(|d| relabel(d, default_label(key))));
            }
        }
        out.names.sort();
        out.with_default.sort();
        out.no_echo.sort();
        out.detections.sort_by(|a, b| a.variable.cmp(&b.variable));
        out
    }
}

/// A detection under the label findings show (`Output ApiKey`), the detector kept.
fn relabel(d: Detection, label: String) -> Detection {
    Detection { variable: label, detector: d.detector }
}

/// A stack the audit evaluates: not deleted, and not a change set never executed.
fn is_live(s: &aws_sdk_cloudformation::types::Stack) -> bool {
    !matches!(s.stack_status().map(|st| st.as_str()), Some(DELETE_COMPLETE) | Some(REVIEW_IN_PROGRESS))
}

/// `DescribeStacks` on a stack that does not exist answers `ValidationError` "Stack with id X
/// does not exist".
fn is_gone(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("ValidationError") && message.is_some_and(|m| m.contains("does not exist"))
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudformation::types::{Output, Parameter, ParameterDeclaration, StackStatus};

    use super::*;

    fn collector(ignore: &[&str]) -> StackCollector {
        let conf = aws_sdk_cloudformation::Config::builder()
            .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .build();
        let config =
            ScanConfig { secret_ignore: ignore.iter().map(|s| s.to_string()).collect(), ..ScanConfig::default() };
        StackCollector::from_client(aws_sdk_cloudformation::Client::from_conf(conf), &config)
    }

    /// A random-looking value assembled at run time (no literal secret in the source).
    fn secretish() -> String {
        let alphabet = "Zq9XkR2mVt7LwP4sNb8HcY3jFd6GaE5u";
        alphabet.chars().rev().chain(alphabet.chars().step_by(3)).collect()
    }

    fn stack(outputs: Vec<Output>, parameters: Vec<Parameter>) -> aws_sdk_cloudformation::types::Stack {
        aws_sdk_cloudformation::types::Stack::builder()
            .stack_id("arn:aws:cloudformation:eu-west-1:123456789012:stack/app/0a1b")
            .stack_name("app")
            .stack_status(StackStatus::CreateComplete)
            .set_outputs(Some(outputs))
            .set_parameters(Some(parameters))
            .build()
    }

    fn output(key: &str, value: &str) -> Output {
        Output::builder().output_key(key).output_value(value).build()
    }

    fn parameter(key: &str, value: &str) -> Parameter {
        Parameter::builder().parameter_key(key).parameter_value(value).build()
    }

    fn declaration(key: &str, default: Option<&str>, no_echo: bool) -> ParameterDeclaration {
        ParameterDeclaration::builder()
            .parameter_key(key)
            .set_default_value(default.map(str::to_string))
            .no_echo(no_echo)
            .build()
    }

    #[test]
    fn outputs_defaults_and_clear_values_are_scanned_and_no_value_is_kept() {
        let secret = secretish();
        let s = stack(
            vec![output("ApiKey", &secret), output("BucketName", "app-data")],
            vec![parameter("DbPassword", &secret), parameter("AdminToken", "****"), parameter("Stage", "prod")],
        );
        let summary = GetTemplateSummaryOutput::builder()
            .parameters(declaration("DbPassword", Some(&secret), false))
            .parameters(declaration("AdminToken", None, true))
            .parameters(declaration("Stage", Some("prod"), false))
            .build();
        let got = collector(&[]).convert(&s, Ok(&summary), "us-east-1");
        let labels: Vec<&str> = got.detections.iter().map(|d| d.variable.as_str()).collect();
        assert_eq!(labels, ["Output ApiKey", "Parameter DbPassword"]);
        let template = got.template.as_ref().expect("template read");
        assert_eq!(
            template.detections.iter().map(|d| d.variable.as_str()).collect::<Vec<_>>(),
            ["Parameter default DbPassword"]
        );
        assert_eq!(template.no_echo, ["AdminToken"]);
        assert_eq!(template.with_default, ["DbPassword", "Stage"]);
        assert_eq!(got.output_keys, ["ApiKey", "BucketName"]);
        assert_eq!(got.parameter_keys, ["AdminToken", "DbPassword", "Stage"]);
        assert_eq!((got.region.as_str(), got.name.as_str()), ("eu-west-1", "app"));
        assert!(!format!("{got:?}").contains(&secret), "a value was kept");
    }

    #[test]
    fn a_no_echo_value_returned_in_clear_is_not_scanned_and_ignores_apply() {
        let secret = secretish();
        let s = stack(vec![output("ApiKey", &secret)], vec![parameter("DbPassword", &secret)]);
        let summary = GetTemplateSummaryOutput::builder().parameters(declaration("DbPassword", None, true)).build();
        let got = collector(&["apikey"]).convert(&s, Ok(&summary), "us-east-1");
        assert!(got.detections.is_empty(), "{:?}", got.detections);
    }

    #[test]
    fn a_failed_summary_is_kept_and_clear_values_are_still_scanned() {
        let secret = secretish();
        let s = stack(vec![], vec![parameter("DbPassword", &secret)]);
        let err = Stack::denied(GET_TEMPLATE_SUMMARY);
        let got = collector(&[]).convert(&s, Err(err.clone()), "us-east-1");
        assert_eq!(got.template, Err(err));
        assert_eq!(got.detections.len(), 1);
    }

    #[test]
    fn deleted_and_review_stacks_are_not_live_and_gone_is_recognised() {
        let with = |st: StackStatus| aws_sdk_cloudformation::types::Stack::builder().stack_status(st).build();
        assert!(!is_live(&with(StackStatus::DeleteComplete)));
        assert!(!is_live(&with(StackStatus::ReviewInProgress)));
        assert!(is_live(&with(StackStatus::UpdateRollbackComplete)));
        assert!(is_gone(Some("ValidationError"), Some("Stack with id app does not exist")));
        assert!(!is_gone(Some("ValidationError"), Some("1 validation error detected")));
        assert!(!is_gone(Some("AccessDenied"), Some("does not exist")));
    }

    #[test]
    fn every_action_is_a_cloudformation_read() {
        for a in IAM_ACTIONS {
            assert!(a.starts_with("cloudformation:"), "{a}");
            let op = a.trim_start_matches("cloudformation:");
            assert!(["List", "Describe", "Get"].iter().any(|p| op.starts_with(p)), "{a}");
        }
    }
}
