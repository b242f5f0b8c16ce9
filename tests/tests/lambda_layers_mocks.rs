//! The Lambda audit's second wave on `aws-smithy-mocks` (moto has no `ListFunctionUrlConfigs`
//! and no organisation-wide layer permission): function URL CORS as `ListFunctionUrlConfigs`
//! returns it, layer versions over `ListLayers`/`ListLayerVersions` pages with their
//! `GetLayerVersionPolicy` (public, shared with the organisation only, unshared), and
//! AccessDenied on each layer call in turn.

use aws_sdk_lambda::error::ErrorMetadata;
use aws_sdk_lambda::operation::get_function_code_signing_config::GetFunctionCodeSigningConfigOutput;
use aws_sdk_lambda::operation::get_function_concurrency::GetFunctionConcurrencyOutput;
use aws_sdk_lambda::operation::get_layer_version_policy::{GetLayerVersionPolicyError, GetLayerVersionPolicyOutput};
use aws_sdk_lambda::operation::get_policy::GetPolicyError;
use aws_sdk_lambda::operation::list_function_event_invoke_configs::ListFunctionEventInvokeConfigsOutput;
use aws_sdk_lambda::operation::list_function_url_configs::ListFunctionUrlConfigsOutput;
use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
use aws_sdk_lambda::operation::list_layer_versions::{ListLayerVersionsError, ListLayerVersionsOutput};
use aws_sdk_lambda::operation::list_layers::{ListLayersError, ListLayersOutput};
use aws_sdk_lambda::operation::list_tags::ListTagsOutput;
use aws_sdk_lambda::types::{
    Cors, FunctionConfiguration, FunctionUrlAuthType, FunctionUrlConfig, LayerVersionsListItem, LayersListItem, Runtime,
};
use aws_smithy_mocks::{mock, Rule};
use ztscan::audit::lambda as lambda_audit;
use ztscan::audit::lambda::collector::LambdaCollector;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_ec2, mock_lambda, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

fn layer_arn(name: &str, version: i64) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:layer:{name}:{version}")
}

fn denied() -> ErrorMetadata {
    ErrorMetadata::builder().code("AccessDeniedException").message("not authorized").build()
}

fn layer_policy(sid: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"default","Statement":[{{"Sid":"{sid}","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:123456789012:layer:x:1"{condition}}}]}}"#
    )
}

/// One function `web` with two URLs (the function: `AuthType NONE` with `*` CORS; alias `live`:
/// IAM with a listed origin and credentials); layers `public-lib` (version 1 public), `org-lib`
/// (version 2 shared with the organisation only) and `private-lib` (version 1 unshared, listed on
/// a second page of `ListLayers`).
fn account() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_lambda::Client::list_functions).then_output(|| {
            ListFunctionsOutput::builder()
                .functions(
                    FunctionConfiguration::builder()
                        .function_name("web")
                        .function_arn(arn("web"))
                        .runtime(Runtime::Python313)
                        .role(format!("arn:aws:iam::{ACCOUNT}:role/fn"))
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_lambda::Client::list_function_url_configs).then_output(|| {
            let open = FunctionUrlConfig::builder()
                .function_url("https://open.lambda-url.us-east-1.on.aws/")
                .function_arn(arn("web"))
                .auth_type(FunctionUrlAuthType::None)
                .cors(Cors::builder().allow_origins("*").build())
                .creation_time("2026-01-01T00:00:00Z")
                .last_modified_time("2026-01-01T00:00:00Z")
                .build()
                .expect("url");
            let listed = FunctionUrlConfig::builder()
                .function_url("https://live.lambda-url.us-east-1.on.aws/")
                .function_arn(format!("{}:live", arn("web")))
                .auth_type(FunctionUrlAuthType::AwsIam)
                .cors(Cors::builder().allow_origins("https://app.example.com").allow_credentials(true).build())
                .creation_time("2026-01-01T00:00:00Z")
                .last_modified_time("2026-01-01T00:00:00Z")
                .build()
                .expect("url");
            ListFunctionUrlConfigsOutput::builder()
                .function_url_configs(open)
                .function_url_configs(listed)
                .build()
                .expect("urls")
        }),
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
                .expect("csc")
        }),
        mock!(aws_sdk_lambda::Client::list_tags).then_output(|| ListTagsOutput::builder().build()),
        mock!(aws_sdk_lambda::Client::list_function_event_invoke_configs)
            .then_output(|| ListFunctionEventInvokeConfigsOutput::builder().build()),
        mock!(aws_sdk_lambda::Client::list_layers).match_requests(|r| r.marker().is_none()).then_output(|| {
            ListLayersOutput::builder()
                .layers(LayersListItem::builder().layer_name("public-lib").build())
                .layers(LayersListItem::builder().layer_name("org-lib").build())
                .next_marker("page2")
                .build()
        }),
        mock!(aws_sdk_lambda::Client::list_layers).match_requests(|r| r.marker() == Some("page2")).then_output(|| {
            ListLayersOutput::builder().layers(LayersListItem::builder().layer_name("private-lib").build()).build()
        }),
        mock!(aws_sdk_lambda::Client::list_layer_versions)
            .match_requests(|r| r.layer_name() == Some("public-lib"))
            .then_output(|| {
                ListLayerVersionsOutput::builder()
                    .layer_versions(
                        LayerVersionsListItem::builder()
                            .layer_version_arn(layer_arn("public-lib", 1))
                            .version(1)
                            .build(),
                    )
                    .build()
            }),
        mock!(aws_sdk_lambda::Client::list_layer_versions)
            .match_requests(|r| r.layer_name() == Some("org-lib"))
            .then_output(|| {
                ListLayerVersionsOutput::builder()
                    .layer_versions(
                        LayerVersionsListItem::builder().layer_version_arn(layer_arn("org-lib", 2)).version(2).build(),
                    )
                    .build()
            }),
        mock!(aws_sdk_lambda::Client::list_layer_versions)
            .match_requests(|r| r.layer_name() == Some("private-lib"))
            .then_output(|| {
                ListLayerVersionsOutput::builder()
                    .layer_versions(
                        LayerVersionsListItem::builder()
                            .layer_version_arn(layer_arn("private-lib", 1))
                            .version(1)
                            .build(),
                    )
                    .build()
            }),
        mock!(aws_sdk_lambda::Client::get_layer_version_policy)
            .match_requests(|r| r.layer_name() == Some("public-lib"))
            .then_output(|| GetLayerVersionPolicyOutput::builder().policy(layer_policy("public", "")).build()),
        mock!(aws_sdk_lambda::Client::get_layer_version_policy)
            .match_requests(|r| r.layer_name() == Some("org-lib"))
            .then_output(|| {
                GetLayerVersionPolicyOutput::builder()
                    .policy(layer_policy("org", r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#))
                    .build()
            }),
        mock!(aws_sdk_lambda::Client::get_layer_version_policy)
            .match_requests(|r| r.layer_name() == Some("private-lib"))
            .then_output(|| GetLayerVersionPolicyOutput::builder().build()),
    ]
}

/// Rules matched first, then the account's.
async fn scan(first: Vec<Rule>) -> Vec<Finding> {
    let all: Vec<Rule> = first.into_iter().chain(account()).collect();
    let refs: Vec<&Rule> = all.iter().collect();
    let config = ScanConfig { concurrency: 1, ..ScanConfig::default() };
    let collector = LambdaCollector::from_clients(mock_lambda(&refs), mock_ec2(&[]), &config);
    lambda_audit::scan_all(&collector, &ctx()).await.findings
}

fn find<'a>(findings: &'a [Finding], rule: &str, id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == id)
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"))
}

#[tokio::test]
async fn url_cors_and_layer_sharing_are_judged_from_the_real_answer_shapes() {
    let f = scan(Vec::new()).await;
    let cors = find(&f, "lambda.url-cors-restricted", "web");
    assert_eq!(cors.status, Status::Fail, "{}", cors.reason);
    assert!(cors.reason.contains("every origin on an AuthType NONE URL"), "{}", cors.reason);
    assert!(!cors.reason.contains(":live"), "the alias URL lists its origin: {}", cors.reason);
    let public = find(&f, "lambda.layer-not-public", "public-lib:1");
    assert_eq!(public.status, Status::Fail);
    assert!(public.reason.contains("statement public"), "{}", public.reason);
    // The accuracy trap: shared with the organisation only is not public.
    let org = find(&f, "lambda.layer-not-public", "org-lib:2");
    assert_eq!(org.status, Status::Pass, "{}", org.reason);
    assert_eq!(
        find(&f, "lambda.layer-not-public", "private-lib:1").status,
        Status::Pass,
        "{}",
        find(&f, "lambda.layer-not-public", "private-lib:1").reason
    );
    assert_eq!(public.resource.arn.as_deref(), Some(layer_arn("public-lib", 1).as_str()));
}

#[tokio::test]
async fn access_denied_on_each_layer_call_is_unknown_naming_it() {
    let cases: Vec<(Rule, &str, &str)> = vec![
        (
            mock!(aws_sdk_lambda::Client::list_layers).then_error(|| ListLayersError::generic(denied())),
            ACCOUNT,
            "lambda:ListLayers",
        ),
        (
            mock!(aws_sdk_lambda::Client::list_layer_versions).then_error(|| ListLayerVersionsError::generic(denied())),
            ACCOUNT,
            "lambda:ListLayerVersions",
        ),
        (
            mock!(aws_sdk_lambda::Client::get_layer_version_policy)
                .then_error(|| GetLayerVersionPolicyError::generic(denied())),
            "public-lib:1",
            "lambda:GetLayerVersionPolicy",
        ),
    ];
    for (denial, id, action) in cases {
        let f = scan(vec![denial]).await;
        let layer = find(&f, "lambda.layer-not-public", id);
        assert_eq!(layer.status, Status::Unknown, "{action}: {}", layer.reason);
        assert!(layer.reason.contains(&format!("access denied on {action}")), "{action}: {}", layer.reason);
        assert_eq!(
            find(&f, "lambda.url-cors-restricted", "web").status,
            Status::Fail,
            "{action}: the functions are still judged"
        );
    }
}
