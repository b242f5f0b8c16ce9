//! The Lambda collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: code-signing configs (Enforce and Warn, each config read once however
//! many functions share it), function URLs over two pages, a two-page function listing,
//! AccessDenied on the listing and on one aspect, a policy that is not JSON, an environment
//! Lambda could not decrypt, and the call count: one call per function per aspect.

use aws_sdk_lambda::error::ErrorMetadata;
use aws_sdk_lambda::operation::get_code_signing_config::GetCodeSigningConfigOutput;
use aws_sdk_lambda::operation::get_function_code_signing_config::GetFunctionCodeSigningConfigOutput;
use aws_sdk_lambda::operation::get_function_concurrency::GetFunctionConcurrencyOutput;
use aws_sdk_lambda::operation::get_policy::{GetPolicyError, GetPolicyOutput};
use aws_sdk_lambda::operation::list_function_event_invoke_configs::ListFunctionEventInvokeConfigsOutput;
use aws_sdk_lambda::operation::list_function_url_configs::ListFunctionUrlConfigsOutput;
use aws_sdk_lambda::operation::list_functions::{ListFunctionsError, ListFunctionsOutput};
use aws_sdk_lambda::operation::list_tags::ListTagsOutput;
use aws_sdk_lambda::types::{
    AllowedPublishers, CodeSigningConfig, CodeSigningPolicies, CodeSigningPolicy, DeadLetterConfig, DestinationConfig,
    EnvironmentError, EnvironmentResponse, FunctionConfiguration, FunctionEventInvokeConfig, FunctionUrlAuthType,
    FunctionUrlConfig, OnFailure, Runtime,
};
use aws_smithy_mocks::{mock, Rule};
use ztscan::audit::lambda as lambda_audit;
use ztscan::audit::lambda::collector::LambdaCollector;
use ztscan::collect::CollectErrorKind;
use ztscan::resources::lambda::LambdaInventory;
use ztscan::{ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_ec2, mock_lambda, ACCOUNT};

const CSC_ENFORCE: &str = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0000000000000000a";
const CSC_WARN: &str = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0000000000000000b";

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

fn function(name: &str) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(arn(name))
        .runtime(Runtime::Python313)
        .role(format!("arn:aws:iam::{ACCOUNT}:role/fn"))
        .build()
}

fn listing(functions: Vec<FunctionConfiguration>) -> Rule {
    mock!(aws_sdk_lambda::Client::list_functions)
        .then_output(move || ListFunctionsOutput::builder().set_functions(Some(functions.clone())).build())
}

/// Rules answering every per-function aspect with "nothing configured", except what a test
/// overrides (earlier rules win).
fn quiet_aspects() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_lambda::Client::get_policy).then_error(|| {
            GetPolicyError::ResourceNotFoundException(
                aws_sdk_lambda::types::error::ResourceNotFoundException::builder().message("no policy").build(),
            )
        }),
        mock!(aws_sdk_lambda::Client::get_function_concurrency)
            .then_output(|| GetFunctionConcurrencyOutput::builder().build()),
        mock!(aws_sdk_lambda::Client::get_function_code_signing_config).then_output(|| {
            GetFunctionCodeSigningConfigOutput::builder()
                .code_signing_config_arn("")
                .function_name("x")
                .build()
                .unwrap()
        }),
        mock!(aws_sdk_lambda::Client::list_function_url_configs).then_output(|| {
            ListFunctionUrlConfigsOutput::builder().set_function_url_configs(Some(vec![])).build().unwrap()
        }),
        mock!(aws_sdk_lambda::Client::list_tags).then_output(|| ListTagsOutput::builder().build()),
        mock!(aws_sdk_lambda::Client::list_function_event_invoke_configs)
            .then_output(|| ListFunctionEventInvokeConfigsOutput::builder().build()),
        mock!(aws_sdk_lambda::Client::list_layers)
            .then_output(|| aws_sdk_lambda::operation::list_layers::ListLayersOutput::builder().build()),
    ]
}

async fn collect(rules: &[&Rule]) -> LambdaInventory {
    LambdaCollector::from_clients(mock_lambda(rules), mock_ec2(&[]), &ScanConfig::default()).collect_all().await
}

fn with<'a>(first: &'a [&'a Rule], rest: &'a [Rule]) -> Vec<&'a Rule> {
    first.iter().copied().chain(rest.iter()).collect()
}

fn csc(policy: CodeSigningPolicy) -> GetCodeSigningConfigOutput {
    let arn = if policy == CodeSigningPolicy::Enforce { CSC_ENFORCE } else { CSC_WARN };
    GetCodeSigningConfigOutput::builder()
        .code_signing_config(
            CodeSigningConfig::builder()
                .code_signing_config_id("csc")
                .code_signing_config_arn(arn)
                .allowed_publishers(
                    AllowedPublishers::builder()
                        .signing_profile_version_arns("arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/v1")
                        .build()
                        .unwrap(),
                )
                .code_signing_policies(CodeSigningPolicies::builder().untrusted_artifact_on_deployment(policy).build())
                .last_modified("2026-01-01T00:00:00Z")
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test]
async fn code_signing_configs_are_read_once_each_and_decide_the_rule() {
    let list = listing(vec![function("signed-a"), function("signed-b"), function("warned"), function("unsigned")]);
    // Every function not matched by a rule below uses the enforcing config.
    let function_csc = mock!(aws_sdk_lambda::Client::get_function_code_signing_config).then_output(|| {
        GetFunctionCodeSigningConfigOutput::builder()
            .code_signing_config_arn(CSC_ENFORCE)
            .function_name("x")
            .build()
            .unwrap()
    });
    let warned = mock!(aws_sdk_lambda::Client::get_function_code_signing_config)
        .match_requests(|r| r.function_name() == Some(arn("warned").as_str()))
        .then_output(|| {
            GetFunctionCodeSigningConfigOutput::builder()
                .code_signing_config_arn(CSC_WARN)
                .function_name("warned")
                .build()
                .unwrap()
        });
    let unsigned = mock!(aws_sdk_lambda::Client::get_function_code_signing_config)
        .match_requests(|r| r.function_name() == Some(arn("unsigned").as_str()))
        .then_output(|| {
            GetFunctionCodeSigningConfigOutput::builder()
                .code_signing_config_arn("")
                .function_name("unsigned")
                .build()
                .unwrap()
        });
    let enforce = mock!(aws_sdk_lambda::Client::get_code_signing_config)
        .match_requests(|r| r.code_signing_config_arn() == Some(CSC_ENFORCE))
        .then_output(|| csc(CodeSigningPolicy::Enforce));
    let warn = mock!(aws_sdk_lambda::Client::get_code_signing_config)
        .match_requests(|r| r.code_signing_config_arn() == Some(CSC_WARN))
        .then_output(|| csc(CodeSigningPolicy::Warn));
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list, &warned, &unsigned, &function_csc, &enforce, &warn], &rest)).await;

    assert_eq!(enforce.num_calls(), 1, "two functions share the enforcing config: it is read once");
    assert_eq!(warn.num_calls(), 1);
    let ctx = ScanContext::fixture();
    let findings = lambda_audit::report_full(&inv, &ctx).findings;
    let status = |name: &str| {
        findings
            .iter()
            .find(|f| f.resource.id == name && f.rule_id == "lambda.code-signing-enforced")
            .map(|f| f.status)
            .expect("finding")
    };
    assert_eq!(status("signed-a"), Status::Pass);
    assert_eq!(status("signed-b"), Status::Pass);
    assert_eq!(status("warned"), Status::Fail);
    assert_eq!(status("unsigned"), Status::Fail);
    let functions = inv.functions.expect("listed");
    let a = functions.iter().find(|f| f.name == "signed-a").expect("signed-a");
    let cs = a.code_signing.as_ref().expect("read").as_ref().expect("attached");
    assert_eq!(cs.allowed_publishers.len(), 1);
}

#[tokio::test]
async fn function_urls_are_listed_over_pages_and_an_open_one_fails() {
    let list = listing(vec![function("web")]);
    let url = |qualifier: &str, auth: FunctionUrlAuthType| {
        FunctionUrlConfig::builder()
            .function_url(format!("https://{qualifier}.lambda-url.us-east-1.on.aws/"))
            .function_arn(format!("{}:{qualifier}", arn("web")))
            .auth_type(auth)
            .creation_time("2026-01-01T00:00:00Z")
            .last_modified_time("2026-01-01T00:00:00Z")
            .build()
            .unwrap()
    };
    let page1 = mock!(aws_sdk_lambda::Client::list_function_url_configs)
        .match_requests(|r| r.marker().is_none())
        .then_output(move || {
            ListFunctionUrlConfigsOutput::builder()
                .function_url_configs(url("live", FunctionUrlAuthType::AwsIam))
                .next_marker("m2")
                .build()
                .unwrap()
        });
    let page2 = mock!(aws_sdk_lambda::Client::list_function_url_configs)
        .match_requests(|r| r.marker() == Some("m2"))
        .then_output(move || {
            ListFunctionUrlConfigsOutput::builder()
                .function_url_configs(url("beta", FunctionUrlAuthType::None))
                .build()
                .unwrap()
        });
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list, &page1, &page2], &rest)).await;
    assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
    let f = &inv.functions.as_ref().expect("listed")[0];
    assert_eq!(f.urls.as_ref().expect("urls").len(), 2);
    let findings = lambda_audit::report_full(&inv, &ScanContext::fixture()).findings;
    let url_finding = findings.iter().find(|f| f.rule_id == "lambda.url-requires-auth").expect("finding");
    assert_eq!(url_finding.status, Status::Fail);
    assert!(url_finding.reason.contains("beta"), "{}", url_finding.reason);
}

#[tokio::test]
async fn the_listing_is_paginated_and_each_aspect_is_asked_once_per_function() {
    let page1 =
        mock!(aws_sdk_lambda::Client::list_functions).match_requests(|r| r.marker().is_none()).then_output(|| {
            ListFunctionsOutput::builder().functions(function("a")).functions(function("b")).next_marker("n2").build()
        });
    let page2 = mock!(aws_sdk_lambda::Client::list_functions)
        .match_requests(|r| r.marker() == Some("n2"))
        .then_output(|| ListFunctionsOutput::builder().functions(function("c")).build());
    let rest = quiet_aspects();
    let inv = collect(&with(&[&page1, &page2], &rest)).await;
    assert_eq!(inv.functions.as_ref().expect("listed").len(), 3);
    let (layers, aspects) = rest.split_last().expect("the layer listing is the last quiet rule");
    for rule in aspects {
        assert_eq!(rule.num_calls(), 3, "one call per function per aspect");
    }
    assert_eq!(layers.num_calls(), 1, "the account's layers are listed once");
}

#[tokio::test]
async fn access_denied_on_the_listing_is_unknown_without_an_archive_sweep() {
    let denied = mock!(aws_sdk_lambda::Client::list_functions).then_error(|| {
        ListFunctionsError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
    });
    let inv = collect(&[&denied]).await;
    let e = inv.functions.as_ref().expect_err("denied");
    assert_eq!((e.kind, e.action.as_str()), (CollectErrorKind::AccessDenied, "lambda:ListFunctions"));
    let report = lambda_audit::report_full(&inv, &ScanContext::fixture());
    assert!(report.summary.is_none());
    assert!(report.findings.iter().all(|f| f.status == Status::Unknown));
}

#[tokio::test]
async fn access_denied_on_one_aspect_is_unknown_for_its_rules_only() {
    let list = listing(vec![function("a")]);
    let denied = mock!(aws_sdk_lambda::Client::get_policy).then_error(|| {
        GetPolicyError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
    });
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list, &denied], &rest)).await;
    let findings = lambda_audit::report_full(&inv, &ScanContext::fixture()).findings;
    for f in &findings {
        let policy_rule =
            matches!(f.rule_id.as_str(), "lambda.not-public" | "lambda.service-invoke-has-source-condition");
        assert_eq!(f.status == Status::Unknown, policy_rule, "{}: {} ({})", f.rule_id, f.status, f.reason);
        if policy_rule {
            assert!(f.reason.contains("lambda:GetPolicy"), "{}", f.reason);
        }
    }
}

#[tokio::test]
async fn a_policy_that_is_not_json_is_unknown_naming_the_function() {
    let list = listing(vec![function("a")]);
    let broken = mock!(aws_sdk_lambda::Client::get_policy)
        .then_output(|| GetPolicyOutput::builder().policy("{not json").revision_id("1").build());
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list, &broken], &rest)).await;
    let f = &inv.functions.as_ref().expect("listed")[0];
    let e = f.policy.as_ref().expect_err("malformed");
    assert_eq!(e.kind, CollectErrorKind::Malformed);
    assert!(e.message.contains(&arn("a")), "{}", e.message);
}

#[tokio::test]
async fn an_environment_lambda_could_not_decrypt_is_unknown() {
    let mut f = function("a");
    f.environment = Some(
        EnvironmentResponse::builder()
            .error(EnvironmentError::builder().error_code("KMSAccessDeniedException").message("denied").build())
            .build(),
    );
    let list = listing(vec![f]);
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list], &rest)).await;
    let findings = lambda_audit::report_full(&inv, &ScanContext::fixture()).findings;
    let secrets = findings.iter().find(|f| f.rule_id == "lambda.no-secrets-in-env").expect("finding");
    assert_eq!(secrets.status, Status::Unknown, "{}", secrets.reason);
    assert!(secrets.reason.contains("KMSAccessDeniedException"), "{}", secrets.reason);
}

#[tokio::test]
async fn a_customer_managed_environment_key_passes() {
    let mut f = function("a");
    f.environment = Some(EnvironmentResponse::builder().variables("LOG_LEVEL", "INFO").build());
    f.kms_key_arn = Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"));
    let mut g = function("b");
    g.environment = Some(EnvironmentResponse::builder().variables("LOG_LEVEL", "INFO").build());
    let list = listing(vec![f, g]);
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list], &rest)).await;
    let findings = lambda_audit::report_full(&inv, &ScanContext::fixture()).findings;
    let status = |name: &str| {
        findings
            .iter()
            .find(|f| f.resource.id == name && f.rule_id == "lambda.env-encrypted-with-cmk")
            .map(|f| f.status)
            .expect("finding")
    };
    assert_eq!((status("a"), status("b")), (Status::Pass, Status::Fail));
}

#[tokio::test]
async fn a_dead_letter_queue_or_an_on_failure_destination_passes() {
    let queue = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:failures");
    let mut with_dlq = function("dlq");
    with_dlq.dead_letter_config = Some(DeadLetterConfig::builder().target_arn(&queue).build());
    let list = listing(vec![with_dlq, function("destination"), function("neither")]);
    let destination = mock!(aws_sdk_lambda::Client::list_function_event_invoke_configs)
        .match_requests(|r| r.function_name() == Some(arn("destination").as_str()))
        .then_output(move || {
            ListFunctionEventInvokeConfigsOutput::builder()
                .function_event_invoke_configs(
                    FunctionEventInvokeConfig::builder()
                        .function_arn(arn("destination"))
                        .destination_config(
                            DestinationConfig::builder()
                                .on_failure(
                                    OnFailure::builder()
                                        .destination(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:f"))
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let rest = quiet_aspects();
    let inv = collect(&with(&[&list, &destination], &rest)).await;
    let findings = lambda_audit::report_full(&inv, &ScanContext::fixture()).findings;
    let status = |name: &str| {
        findings
            .iter()
            .find(|f| f.resource.id == name && f.rule_id == "lambda.has-failure-destination")
            .map(|f| f.status)
            .expect("finding")
    };
    assert_eq!((status("dlq"), status("destination"), status("neither")), (Status::Pass, Status::Pass, Status::Fail));
}
