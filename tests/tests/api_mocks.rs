//! The api collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: listings over several pages (v1 `position`, v2 `NextToken`, Cognito),
//! a v2 listing whose token repeats, AccessDenied on each call in turn (only the rules that need
//! the failed read become UNKNOWN, naming it), a stage with a WAF web ACL, the JSON-escaped policy
//! API Gateway really returns, a WebSocket API, and a change event for an API that is gone.

use aws_sdk_apigateway::operation::get_domain_names::{GetDomainNamesError, GetDomainNamesOutput};
use aws_sdk_apigateway::operation::get_resources::{GetResourcesError, GetResourcesOutput};
use aws_sdk_apigateway::operation::get_rest_api::{GetRestApiError, GetRestApiOutput};
use aws_sdk_apigateway::operation::get_rest_apis::{GetRestApisError, GetRestApisOutput};
use aws_sdk_apigateway::operation::get_stages::{GetStagesError, GetStagesOutput};
use aws_sdk_apigateway::types::{
    AccessLogSettings, EndpointConfiguration, EndpointType, Method, Resource, RestApi, SecurityPolicy, Stage,
};
use aws_sdk_apigatewayv2::operation::get_apis::{GetApisError, GetApisOutput};
use aws_sdk_apigatewayv2::operation::get_domain_names::{
    GetDomainNamesError as V2DomainsError, GetDomainNamesOutput as V2DomainsOutput,
};
use aws_sdk_apigatewayv2::operation::get_routes::{GetRoutesError, GetRoutesOutput};
use aws_sdk_apigatewayv2::operation::get_stages::{GetStagesError as V2StagesError, GetStagesOutput as V2StagesOutput};
use aws_sdk_apigatewayv2::types::{Api as V2Api, AuthorizationType, ProtocolType, Route};
use aws_sdk_cognitoidentity::operation::describe_identity_pool::{
    DescribeIdentityPoolError, DescribeIdentityPoolOutput,
};
use aws_sdk_cognitoidentity::operation::list_identity_pools::{ListIdentityPoolsError, ListIdentityPoolsOutput};
use aws_sdk_cognitoidentity::types::IdentityPoolShortDescription;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::{
    GetUserPoolMfaConfigError, GetUserPoolMfaConfigOutput,
};
use aws_sdk_cognitoidentityprovider::operation::list_user_pools::{ListUserPoolsError, ListUserPoolsOutput};
use aws_sdk_cognitoidentityprovider::types::{UserPoolDescriptionType, UserPoolMfaType};
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use ztscan::audit::api as api_audit;
use ztscan::audit::api::collector::sdk::{
    apigateway as aws_sdk_apigateway, apigatewayv2 as aws_sdk_apigatewayv2, cognitoidentity as aws_sdk_cognitoidentity,
    cognitoidentityprovider as aws_sdk_cognitoidentityprovider,
};
use ztscan::audit::api::collector::ApiCollector;
use ztscan::events::ChangedResource;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_client, ACCOUNT};

mock_client!(mock_apigateway, aws_sdk_apigateway);
mock_client!(mock_apigatewayv2, aws_sdk_apigatewayv2);
mock_client!(mock_cognito_idp, aws_sdk_cognitoidentityprovider);
mock_client!(mock_cognito_identity, aws_sdk_cognitoidentity);

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn denied() -> ErrorMetadata {
    ErrorMetadata::builder().code("AccessDeniedException").message("not authorized").build()
}

/// The JSON-escaped form API Gateway returns a REST API's policy in.
const FENCED_POLICY_ESCAPED: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:r1/*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:r1/*\",\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-0a1b\"}}}]}"#;

fn rest_api(id: &str, endpoint: EndpointType, policy: Option<&str>) -> RestApi {
    RestApi::builder()
        .id(id)
        .name(format!("{id}-api"))
        .endpoint_configuration(EndpointConfiguration::builder().types(endpoint).build())
        .set_policy(policy.map(str::to_string))
        .build()
}

fn guarded_stage() -> Stage {
    Stage::builder()
        .stage_name("prod")
        .tracing_enabled(true)
        .web_acl_arn("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/zt/1")
        .access_log_settings(
            AccessLogSettings::builder().destination_arn("arn:aws:logs:us-east-1:123456789012:log-group:a").build(),
        )
        .build()
}

fn iam_method(verb: &str) -> Method {
    Method::builder().http_method(verb).authorization_type("AWS_IAM").build()
}

/// Every call answered with one healthy resource each: a private REST API `r1` behind its VPC
/// endpoint, an HTTP API `h1` with a JWT route, a WebSocket API `w1`, a domain name per
/// version, a user pool with MFA on and an identity pool without guests.
fn healthy() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_apigateway::Client::get_rest_apis).then_output(|| {
            GetRestApisOutput::builder()
                .items(rest_api("r1", EndpointType::Private, Some(FENCED_POLICY_ESCAPED)))
                .build()
        }),
        mock!(aws_sdk_apigateway::Client::get_resources).then_output(|| {
            GetResourcesOutput::builder()
                .items(Resource::builder().id("res1").path("/items").resource_methods("GET", iam_method("GET")).build())
                .build()
        }),
        mock!(aws_sdk_apigateway::Client::get_stages)
            .then_output(|| GetStagesOutput::builder().item(guarded_stage()).build()),
        mock!(aws_sdk_apigateway::Client::get_domain_names).then_output(|| {
            GetDomainNamesOutput::builder()
                .items(
                    aws_sdk_apigateway::types::DomainName::builder()
                        .domain_name("api.example.com")
                        .security_policy(SecurityPolicy::SecurityPolicyTls1312202106)
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_apigateway::Client::get_rest_api).then_output(|| {
            GetRestApiOutput::builder()
                .id("r1")
                .name("r1-api")
                .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
                .policy(FENCED_POLICY_ESCAPED)
                .build()
        }),
        mock!(aws_sdk_apigatewayv2::Client::get_apis).then_output(|| {
            GetApisOutput::builder()
                .items(
                    V2Api::builder()
                        .api_id("h1")
                        .name("h1-api")
                        .protocol_type(ProtocolType::Http)
                        .route_selection_expression("x")
                        .build(),
                )
                .items(
                    V2Api::builder()
                        .api_id("w1")
                        .name("w1-api")
                        .protocol_type(ProtocolType::Websocket)
                        .route_selection_expression("x")
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_apigatewayv2::Client::get_routes).match_requests(|r| r.api_id() == Some("h1")).then_output(
            || {
                GetRoutesOutput::builder()
                    .items(Route::builder().route_key("GET /orders").authorization_type(AuthorizationType::Jwt).build())
                    .build()
            },
        ),
        mock!(aws_sdk_apigatewayv2::Client::get_routes).match_requests(|r| r.api_id() == Some("w1")).then_output(
            || {
                GetRoutesOutput::builder()
                    .items(Route::builder().route_key("$connect").authorization_type(AuthorizationType::Custom).build())
                    .items(
                        Route::builder().route_key("sendmessage").authorization_type(AuthorizationType::None).build(),
                    )
                    .build()
            },
        ),
        mock!(aws_sdk_apigatewayv2::Client::get_stages).then_output(|| {
            V2StagesOutput::builder()
                .items(
                    aws_sdk_apigatewayv2::types::Stage::builder()
                        .stage_name("$default")
                        .access_log_settings(
                            aws_sdk_apigatewayv2::types::AccessLogSettings::builder()
                                .destination_arn("arn:aws:logs:us-east-1:123456789012:log-group:b")
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_apigatewayv2::Client::get_domain_names).then_output(|| V2DomainsOutput::builder().build()),
        mock!(aws_sdk_cognitoidentityprovider::Client::list_user_pools).then_output(|| {
            ListUserPoolsOutput::builder()
                .user_pools(UserPoolDescriptionType::builder().id("us-east-1_p1").name("users").build())
                .build()
        }),
        mock!(aws_sdk_cognitoidentityprovider::Client::get_user_pool_mfa_config)
            .then_output(|| GetUserPoolMfaConfigOutput::builder().mfa_configuration(UserPoolMfaType::On).build()),
        mock!(aws_sdk_cognitoidentity::Client::list_identity_pools).then_output(|| {
            ListIdentityPoolsOutput::builder()
                .identity_pools(
                    IdentityPoolShortDescription::builder()
                        .identity_pool_id("us-east-1:i1")
                        .identity_pool_name("members")
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_cognitoidentity::Client::describe_identity_pool).then_output(|| {
            DescribeIdentityPoolOutput::builder()
                .identity_pool_id("us-east-1:i1")
                .identity_pool_name("members")
                .allow_unauthenticated_identities(false)
                .build()
                .expect("pool")
        }),
    ]
}

/// A collector whose clients answer with `first` (matched first) and then the healthy rules.
fn collector(first: Vec<Rule>) -> (ApiCollector, Vec<Rule>) {
    let all: Vec<Rule> = first.into_iter().chain(healthy()).collect();
    let refs: Vec<&Rule> = all.iter().collect();
    let config = ScanConfig { concurrency: 2, ..ScanConfig::default() };
    let c = ApiCollector::from_clients(
        mock_apigateway(&refs),
        mock_apigatewayv2(&refs),
        mock_cognito_idp(&refs),
        mock_cognito_identity(&refs),
        &config,
    );
    (c, all)
}

fn find<'a>(findings: &'a [Finding], rule: &str, id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == id)
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"))
}

#[tokio::test]
async fn the_healthy_account_passes_through_the_real_answer_shapes() {
    let (c, _rules) = collector(Vec::new());
    let report = api_audit::scan_all(&c, &ctx()).await;
    assert!(report.summary.is_some());
    for f in &report.findings {
        assert!(
            matches!(f.status, Status::Pass | Status::NotApplicable),
            "{} {}: {}",
            f.rule_id,
            f.resource.id,
            f.reason
        );
    }
    // The escaped policy was read (not UNKNOWN) and the VPC endpoint fence counted.
    assert_eq!(find(&report.findings, "apigateway.api-not-public", "r1").status, Status::Pass);
    assert_eq!(find(&report.findings, "apigateway.routes-require-authorization", "w1").status, Status::Pass);
    assert!(find(&report.findings, "apigateway.routes-require-authorization", "w1").reason.contains("1 checked"));
    let waf = find(&report.findings, "apigateway.waf-attached", "r1");
    assert_eq!(waf.status, Status::NotApplicable, "{}", waf.reason);
}

#[tokio::test]
async fn a_regional_stage_with_a_web_acl_passes_and_one_without_fails() {
    let apis = mock!(aws_sdk_apigateway::Client::get_rest_apis).then_output(|| {
        GetRestApisOutput::builder()
            .items(rest_api("g1", EndpointType::Regional, None))
            .items(rest_api("b1", EndpointType::Edge, None))
            .build()
    });
    let bare = mock!(aws_sdk_apigateway::Client::get_stages)
        .match_requests(|r| r.rest_api_id() == Some("b1"))
        .then_output(|| GetStagesOutput::builder().item(Stage::builder().stage_name("prod").build()).build());
    let (c, _rules) = collector(vec![apis, bare]);
    let report = api_audit::scan_all(&c, &ctx()).await;
    assert_eq!(find(&report.findings, "apigateway.waf-attached", "g1").status, Status::Pass);
    let f = find(&report.findings, "apigateway.waf-attached", "b1");
    assert_eq!(f.status, Status::Fail);
    assert!(f.reason.contains("prod"), "{}", f.reason);
}

#[tokio::test]
async fn listings_follow_their_pages() {
    let first = mock!(aws_sdk_apigateway::Client::get_rest_apis)
        .match_requests(|r| r.position().is_none() && r.limit() == Some(2))
        .then_output(|| {
            GetRestApisOutput::builder()
                .items(rest_api("p1", EndpointType::Regional, None))
                .items(rest_api("p2", EndpointType::Regional, None))
                .position("next")
                .build()
        });
    let second = mock!(aws_sdk_apigateway::Client::get_rest_apis)
        .match_requests(|r| r.position() == Some("next"))
        .then_output(|| GetRestApisOutput::builder().items(rest_api("p3", EndpointType::Regional, None)).build());
    let v2_first = mock!(aws_sdk_apigatewayv2::Client::get_apis)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some("2"))
        .then_output(|| {
            GetApisOutput::builder()
                .items(
                    V2Api::builder()
                        .api_id("h1")
                        .name("h1-api")
                        .protocol_type(ProtocolType::Http)
                        .route_selection_expression("x")
                        .build(),
                )
                .next_token("t2")
                .build()
        });
    let v2_second = mock!(aws_sdk_apigatewayv2::Client::get_apis)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| {
            GetApisOutput::builder()
                .items(
                    V2Api::builder()
                        .api_id("h2")
                        .name("h2-api")
                        .protocol_type(ProtocolType::Http)
                        .route_selection_expression("x")
                        .build(),
                )
                .build()
        });
    let pools_first = mock!(aws_sdk_cognitoidentityprovider::Client::list_user_pools)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(2))
        .then_output(|| {
            ListUserPoolsOutput::builder()
                .user_pools(UserPoolDescriptionType::builder().id("us-east-1_a").name("a").build())
                .next_token("u2")
                .build()
        });
    let pools_second = mock!(aws_sdk_cognitoidentityprovider::Client::list_user_pools)
        .match_requests(|r| r.next_token() == Some("u2"))
        .then_output(|| {
            ListUserPoolsOutput::builder()
                .user_pools(UserPoolDescriptionType::builder().id("us-east-1_b").name("b").build())
                .build()
        });
    let all: Vec<Rule> =
        vec![first, second, v2_first, v2_second, pools_first, pools_second].into_iter().chain(healthy()).collect();
    let refs: Vec<&Rule> = all.iter().collect();
    let config = ScanConfig { page_size: Some(2), concurrency: 2, ..ScanConfig::default() };
    let c = ApiCollector::from_clients(
        mock_apigateway(&refs),
        mock_apigatewayv2(&refs),
        mock_cognito_idp(&refs),
        mock_cognito_identity(&refs),
        &config,
    );
    let inv = c.collect_all().await;
    let ids = |apis: &[ztscan::resources::api::Api]| apis.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&inv.rest_apis.expect("REST pages")), ["p1", "p2", "p3"]);
    assert_eq!(ids(&inv.v2_apis.expect("v2 pages")), ["h1", "h2"]);
    let pools: Vec<String> = inv.user_pools.expect("pool pages").iter().map(|p| p.id.clone()).collect();
    assert_eq!(pools, ["us-east-1_a", "us-east-1_b"]);
    for rule in &all[..6] {
        assert_eq!(rule.num_calls(), 1);
    }
}

#[tokio::test]
async fn a_repeated_v2_token_is_unknown_never_an_endless_or_short_list() {
    let looping = mock!(aws_sdk_apigatewayv2::Client::get_apis).then_output(|| {
        GetApisOutput::builder()
            .items(
                V2Api::builder()
                    .api_id("h1")
                    .name("h1-api")
                    .protocol_type(ProtocolType::Http)
                    .route_selection_expression("x")
                    .build(),
            )
            .next_token("same")
            .build()
    });
    let (c, _rules) = collector(vec![looping]);
    let report = api_audit::scan_all(&c, &ctx()).await;
    let f = find(&report.findings, "apigateway.routes-require-authorization", ACCOUNT);
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("repeated a page token"), "{}", f.reason);
}

/// Each call denied in turn: (the denied rule, the rule and resource that must become UNKNOWN,
/// the action its reason must name).
#[tokio::test]
async fn access_denied_on_each_call_is_unknown_for_the_rules_that_need_it() {
    let cases: Vec<(Rule, &str, &str, &str)> = vec![
        (
            mock!(aws_sdk_apigateway::Client::get_rest_apis).then_error(|| GetRestApisError::generic(denied())),
            "apigateway.api-not-public",
            ACCOUNT,
            "apigateway:GET /restapis",
        ),
        (
            mock!(aws_sdk_apigateway::Client::get_resources).then_error(|| GetResourcesError::generic(denied())),
            "apigateway.routes-require-authorization",
            "r1",
            "apigateway:GET /restapis/{id}/resources",
        ),
        (
            mock!(aws_sdk_apigateway::Client::get_stages).then_error(|| GetStagesError::generic(denied())),
            "apigateway.tracing-enabled",
            "r1",
            "apigateway:GET /restapis/{id}/stages",
        ),
        (
            mock!(aws_sdk_apigateway::Client::get_domain_names).then_error(|| GetDomainNamesError::generic(denied())),
            "apigateway.tls-1-2-minimum",
            ACCOUNT,
            "apigateway:GET /domainnames",
        ),
        (
            mock!(aws_sdk_apigatewayv2::Client::get_apis).then_error(|| GetApisError::generic(denied())),
            "apigateway.access-logging-enabled",
            ACCOUNT,
            "apigateway:GET /v2/apis",
        ),
        (
            mock!(aws_sdk_apigatewayv2::Client::get_routes).then_error(|| GetRoutesError::generic(denied())),
            "apigateway.routes-require-authorization",
            "h1",
            "apigateway:GET /v2/apis/{id}/routes",
        ),
        (
            mock!(aws_sdk_apigatewayv2::Client::get_stages).then_error(|| V2StagesError::generic(denied())),
            "apigateway.access-logging-enabled",
            "h1",
            "apigateway:GET /v2/apis/{id}/stages",
        ),
        (
            mock!(aws_sdk_apigatewayv2::Client::get_domain_names).then_error(|| V2DomainsError::generic(denied())),
            "apigateway.tls-1-2-minimum",
            ACCOUNT,
            "apigateway:GET /v2/domainnames",
        ),
        (
            mock!(aws_sdk_cognitoidentityprovider::Client::list_user_pools)
                .then_error(|| ListUserPoolsError::generic(denied())),
            "cognito.user-pool-mfa-required",
            ACCOUNT,
            "cognito-idp:ListUserPools",
        ),
        (
            mock!(aws_sdk_cognitoidentityprovider::Client::get_user_pool_mfa_config)
                .then_error(|| GetUserPoolMfaConfigError::generic(denied())),
            "cognito.user-pool-mfa-required",
            "us-east-1_p1",
            "cognito-idp:GetUserPoolMfaConfig",
        ),
        (
            mock!(aws_sdk_cognitoidentity::Client::list_identity_pools)
                .then_error(|| ListIdentityPoolsError::generic(denied())),
            "cognito.identity-pool-no-unauthenticated",
            ACCOUNT,
            "cognito-identity:ListIdentityPools",
        ),
        (
            mock!(aws_sdk_cognitoidentity::Client::describe_identity_pool)
                .then_error(|| DescribeIdentityPoolError::generic(denied())),
            "cognito.identity-pool-no-unauthenticated",
            "us-east-1:i1",
            "cognito-identity:DescribeIdentityPool",
        ),
    ];
    let clean = api_audit::scan_all(&collector(Vec::new()).0, &ctx()).await.findings;
    for (denial, rule, id, action) in cases {
        let (c, _rules) = collector(vec![denial]);
        let report = api_audit::scan_all(&c, &ctx()).await;
        let f = find(&report.findings, rule, id);
        assert_eq!(f.status, Status::Unknown, "{action}: {rule} {id}: {}", f.reason);
        assert!(f.reason.contains(&format!("access denied on {action}")), "{action}: {}", f.reason);
        // Nothing else changes except by becoming UNKNOWN.
        for g in &report.findings {
            if let Some(before) = clean.iter().find(|b| b.id() == g.id()) {
                assert!(
                    g.status == before.status || g.status == Status::Unknown,
                    "{action}: {} {} changed to {:?}",
                    g.rule_id,
                    g.resource.id,
                    g.status
                );
            } else {
                assert_eq!(g.status, Status::Unknown, "{action}: {} {}", g.rule_id, g.resource.id);
            }
        }
    }
}

#[tokio::test]
async fn a_change_event_for_a_gone_api_is_not_applicable_and_a_denied_read_is_unknown() {
    let gone = mock!(aws_sdk_apigateway::Client::get_rest_api).then_error(|| {
        GetRestApiError::generic(
            ErrorMetadata::builder().code("NotFoundException").message("Invalid API identifier").build(),
        )
    });
    let (c, _rules) = collector(vec![gone]);
    let changed = ChangedResource::fixture(api_audit::REST_API_TYPE, "r9");
    let report = api_audit::scan_changed(&c, &changed, &ctx()).await;
    assert!(!report.findings.is_empty());
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable));

    let denied_read = mock!(aws_sdk_apigateway::Client::get_rest_api).then_error(|| GetRestApiError::generic(denied()));
    let (c, _rules) = collector(vec![denied_read]);
    let report = api_audit::scan_changed(&c, &changed, &ctx()).await;
    assert!(report
        .findings
        .iter()
        .all(|f| f.status == Status::Unknown && f.reason.contains("access denied on apigateway:GET /restapis/{id}")));

    let (c, _rules) = collector(Vec::new());
    let report = api_audit::scan_changed(&c, &ChangedResource::fixture(api_audit::REST_API_TYPE, "r1"), &ctx()).await;
    assert_eq!(find(&report.findings, "apigateway.api-not-public", "r1").status, Status::Pass);
}
