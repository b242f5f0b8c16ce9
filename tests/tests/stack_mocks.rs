//! The CloudFormation collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: a `DescribeStacks` listing over several pages (with a deleted stack in
//! it), AccessDenied on the listing (every rule UNKNOWN, no archive sweep), AccessDenied on one
//! `GetTemplateSummary` (only the parameter-default part unknown), a `NoEcho` value masked
//! `****` (never scanned), a nested stack (`ParentId`/`RootId`, which moto never sets), and
//! `DescribeStacks` for one stack that is gone, deleted, or unreadable.

use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::describe_stacks::{DescribeStacksError, DescribeStacksOutput};
use aws_sdk_cloudformation::operation::get_template_summary::{GetTemplateSummaryError, GetTemplateSummaryOutput};
use aws_sdk_cloudformation::types::{Output, Parameter, ParameterDeclaration, Stack, StackStatus};
use aws_smithy_mocks::mock;
use aws_smithy_types::DateTime;
use ztscan::audit::cloudformation as stack_audit;
use ztscan::audit::cloudformation::collector::StackCollector;
use ztscan::events::ChangedResource;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::seed::fresh_secret;
use ztscan_tests::{mock_cloudformation, ACCOUNT};

const PROTECTION: &str = "cloudformation.termination-protection-enabled";
const SNS: &str = "cloudformation.notifies-sns";
const SECRETS: &str = "cloudformation.no-secrets-in-outputs";

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn id(name: &str) -> String {
    format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{name}/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
}

/// A compliant stack: protection on, a topic, one harmless output and parameter.
fn healthy(name: &str) -> aws_sdk_cloudformation::types::builders::StackBuilder {
    Stack::builder()
        .stack_id(id(name))
        .stack_name(name)
        .creation_time(DateTime::from_secs(1_700_000_000))
        .stack_status(StackStatus::UpdateComplete)
        .enable_termination_protection(true)
        .notification_arns(format!("arn:aws:sns:us-east-1:{ACCOUNT}:stack-events"))
        .outputs(Output::builder().output_key("BucketName").output_value("app-data").build())
        .parameters(Parameter::builder().parameter_key("Stage").parameter_value("prod").build())
}

fn list_of(stacks: Vec<Stack>) -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name().is_none())
        .then_output(move || DescribeStacksOutput::builder().set_stacks(Some(stacks.clone())).build())
}

fn summary_of(declarations: Vec<ParameterDeclaration>) -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_cloudformation::Client::get_template_summary)
        .then_output(move || GetTemplateSummaryOutput::builder().set_parameters(Some(declarations.clone())).build())
}

fn stage_only() -> aws_smithy_mocks::Rule {
    summary_of(vec![ParameterDeclaration::builder()
        .parameter_key("Stage")
        .default_value("prod")
        .no_echo(false)
        .build()])
}

fn denied(message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code("AccessDenied").message(message).build()
}

fn find<'a>(findings: &'a [Finding], rule: &str, stack: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == stack)
        .unwrap_or_else(|| panic!("no {rule} finding for {stack}"))
}

#[tokio::test]
async fn listing_follows_next_tokens_across_pages_and_skips_deleted_stacks() {
    let first = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(healthy("p1-a").build())
                .stacks(healthy("p1-gone").stack_status(StackStatus::DeleteComplete).build())
                .next_token("t2")
                .build()
        });
    let second = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(healthy("p2-a").build())
                .stacks(healthy("p2-review").stack_status(StackStatus::ReviewInProgress).build())
                .next_token("t3")
                .build()
        });
    let third = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.next_token() == Some("t3"))
        .then_output(|| DescribeStacksOutput::builder().stacks(healthy("p3-a").build()).build());
    let summary = stage_only();
    let client = mock_cloudformation(&[&first, &second, &third, &summary]);
    let config = ScanConfig { concurrency: 2, ..ScanConfig::default() };
    let inventory = StackCollector::from_client(client, &config).collect_all().await;
    let names: Vec<String> = inventory.stacks.expect("listing succeeds").iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, vec!["p1-a", "p2-a", "p3-a"]);
    assert_eq!((first.num_calls(), second.num_calls(), third.num_calls()), (1, 1, 1));
    assert_eq!(summary.num_calls(), 3, "one GetTemplateSummary per live stack");
}

#[tokio::test]
async fn access_denied_on_the_listing_is_unknown_without_an_archive_sweep() {
    let list = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .then_error(|| DescribeStacksError::generic(denied("not authorized to perform cloudformation:DescribeStacks")));
    let summary = stage_only();
    let collector = StackCollector::from_client(mock_cloudformation(&[&list, &summary]), &ScanConfig::default());
    let report = stack_audit::scan_all(&collector, &ctx()).await;
    assert!(report.summary.is_none(), "an incomplete listing must not archive anything");
    assert_eq!(report.findings.len(), stack_audit::rule_ids().len());
    for f in &report.findings {
        assert_eq!(f.status, Status::Unknown, "{}", f.rule_id);
        assert!(f.reason.contains("access denied on cloudformation:DescribeStacks"), "{}", f.reason);
        assert_eq!(f.resource.resource_type, "AwsAccount");
    }
    assert_eq!(summary.num_calls(), 0);
}

#[tokio::test]
async fn a_denied_template_summary_makes_only_the_parameter_defaults_unknown() {
    let secret = fresh_secret("sk_live_");
    let leaky = healthy("leaky").outputs(Output::builder().output_key("ApiKey").output_value(&secret).build()).build();
    let list = list_of(vec![healthy("locked").build(), leaky]);
    let summary = mock!(aws_sdk_cloudformation::Client::get_template_summary)
        .then_error(|| GetTemplateSummaryError::generic(denied("not authorized")));
    let collector = StackCollector::from_client(mock_cloudformation(&[&list, &summary]), &ScanConfig::default());
    let report = stack_audit::scan_all(&collector, &ctx()).await;
    assert!(report.summary.is_some(), "the listing itself succeeded");

    let f = find(&report.findings, SECRETS, "locked");
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("parameter defaults"), "{}", f.reason);
    assert!(f.reason.contains("access denied on cloudformation:GetTemplateSummary"), "{}", f.reason);
    for rule in [PROTECTION, SNS] {
        assert_eq!(find(&report.findings, rule, "locked").status, Status::Pass, "{rule}");
    }
    // The outputs were read: a secret there fails, and the finding says the defaults were not.
    let f = find(&report.findings, SECRETS, "leaky");
    assert_eq!(f.status, Status::Fail);
    assert!(f.reason.contains("Output ApiKey (stripe-live-key)"), "{}", f.reason);
    assert!(f.reason.contains("parameter defaults could not be read"), "{}", f.reason);
    assert!(!format!("{:?}", report.findings).contains(&secret));
}

#[tokio::test]
async fn a_masked_no_echo_value_is_skipped_and_a_clear_one_is_not() {
    let secret = fresh_secret("Zq9!");
    let stack = healthy("app")
        .parameters(Parameter::builder().parameter_key("DbPassword").parameter_value("****").build())
        .parameters(Parameter::builder().parameter_key("ApiToken").parameter_value(&secret).build())
        .build();
    let list = list_of(vec![stack]);
    // The summary is denied, so NoEcho is known only from the mask.
    let summary = mock!(aws_sdk_cloudformation::Client::get_template_summary)
        .then_error(|| GetTemplateSummaryError::generic(denied("not authorized")));
    let collector = StackCollector::from_client(mock_cloudformation(&[&list, &summary]), &ScanConfig::default());
    let inventory = collector.collect_all().await;
    let stacks = inventory.stacks.expect("listing succeeds");
    let labels: Vec<&str> = stacks[0].detections.iter().map(|d| d.variable.as_str()).collect();
    assert_eq!(labels, ["Parameter ApiToken"], "the masked DbPassword is not a detection");
    assert!(!format!("{stacks:?}").contains(&secret));
}

#[tokio::test]
async fn a_secret_default_fails_and_a_nested_stack_is_not_applicable_for_protection() {
    let secret = fresh_secret("Zq9!");
    let root = id("root");
    let nested = healthy("root-Db-1ABC").enable_termination_protection(false).parent_id(&root).root_id(&root).build();
    let list = list_of(vec![healthy("root").build(), nested]);
    let summary = summary_of(vec![
        ParameterDeclaration::builder().parameter_key("Stage").default_value("prod").no_echo(false).build(),
        ParameterDeclaration::builder().parameter_key("DbPassword").default_value(&secret).no_echo(true).build(),
    ]);
    let collector = StackCollector::from_client(mock_cloudformation(&[&list, &summary]), &ScanConfig::default());
    let report = stack_audit::scan_all(&collector, &ctx()).await;
    let f = find(&report.findings, PROTECTION, "root-Db-1ABC");
    assert_eq!(f.status, Status::NotApplicable);
    assert!(f.reason.contains(&format!("follows the root stack {root}")), "{}", f.reason);
    assert_eq!(find(&report.findings, PROTECTION, "root").status, Status::Pass);
    let f = find(&report.findings, SECRETS, "root");
    assert_eq!(f.status, Status::Fail);
    assert!(f.reason.contains("Parameter default DbPassword (generic-high-entropy)"), "{}", f.reason);
    assert!(!format!("{:?}", report.findings).contains(&secret));
}

fn changed(name: &str) -> ChangedResource {
    ChangedResource {
        resource_name: Some(name.into()),
        arn: Some(id(name)),
        ..ChangedResource::fixture("AWS::CloudFormation::Stack", &id(name))
    }
}

#[tokio::test]
async fn one_stack_that_is_gone_deleted_or_unreadable() {
    let gone = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(id("gone").as_str()))
        .then_error(|| {
            DescribeStacksError::generic(
                ErrorMetadata::builder().code("ValidationError").message("Stack with id gone does not exist").build(),
            )
        });
    let deleted = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(id("deleted").as_str()))
        .then_output(|| {
            DescribeStacksOutput::builder()
                .stacks(healthy("deleted").stack_status(StackStatus::DeleteComplete).build())
                .build()
        });
    let locked = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(id("locked").as_str()))
        .then_error(|| DescribeStacksError::generic(denied("not authorized")));
    let live = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(id("live").as_str()))
        .then_output(|| DescribeStacksOutput::builder().stacks(healthy("live").build()).build());
    let summary = stage_only();
    let collector = StackCollector::from_client(
        mock_cloudformation(&[&gone, &deleted, &locked, &live, &summary]),
        &ScanConfig::default(),
    );
    let ctx = ctx();
    for name in ["gone", "deleted"] {
        let report = stack_audit::scan_changed(&collector, &changed(name), &ctx).await;
        assert_eq!(report.findings.len(), 3);
        assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{name}: {:?}", report.findings);
        assert!(report.findings.iter().all(|f| f.resource.arn.as_deref() == Some(id(name).as_str())));
    }
    let report = stack_audit::scan_changed(&collector, &changed("locked"), &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::Unknown
        && f.reason.contains("access denied on cloudformation:DescribeStacks")
        && f.resource.resource_type == "AwsCloudFormationStack"));
    let report = stack_audit::scan_changed(&collector, &changed("live"), &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::Pass), "{:?}", report.findings);
    assert_eq!(summary.num_calls(), 1, "the summary is read only for the live stack");
}
