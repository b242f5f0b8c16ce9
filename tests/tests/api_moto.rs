//! The api collector and audit against the moto server: REST APIs (open, private behind its VPC
//! endpoint, private without a policy), HTTP APIs (JWT-authorised, open), custom domain names,
//! Cognito user pools and identity pools, seeded through the Rust SDK (`seed::api`), collected
//! with the real collector and judged by the real rules. A change event re-reads one API and one
//! user pool. The last test runs the `api-audit` binary on the Lambda Runtime API emulator and
//! reads its findings off the findings queue.
//!
//! moto facts used here (moto 5.1): `GetRestApis` returns the policy as it was given;
//! `GetResources` always embeds the methods; `GetStages` omits `webAclArn` unless WAF
//! associated one (so the open API's stage fails `waf-attached`); v2 routes keep their
//! `authorizationType`; v2 stages keep `accessLogSettings`.

use ztscan::audit::api as api_audit;
use ztscan::audit::api::collector::ApiCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::api::ApiProtocol;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::api::{
    seed_api, DOMAIN_STRONG, DOMAIN_WEAK, HTTP_JWT, HTTP_OPEN, IDS_GUESTS, IDS_MEMBERS, POOL_ADMINS, POOL_NO_MFA,
    POOL_STRICT, REST_OPEN, REST_PRIVATE, REST_PRIVATE_NO_POLICY, VPCE,
};
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, root, ACCOUNT};

fn config() -> ScanConfig {
    ScanConfig { admin_user_pools: vec![POOL_ADMINS.into()], ..ScanConfig::default() }
}

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), config())
}

fn status_of(findings: &[Finding], rule: &str, id: &str) -> (Status, String) {
    let f = findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == id)
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"));
    (f.status, f.reason.clone())
}

#[tokio::test]
async fn the_collector_reads_the_seeded_front_doors() {
    let m = moto().await;
    let seed = seed_api(&m.sdk).await;
    let inv = ApiCollector::new(&m.sdk, &config()).collect_all().await;

    let rest = inv.rest_apis.expect("REST listing");
    assert_eq!(rest.len(), 3);
    let open = rest.iter().find(|a| a.name == REST_OPEN).expect("open API");
    assert_eq!(open.id, seed.id(REST_OPEN));
    assert_eq!(open.endpoint_types, ["REGIONAL"]);
    assert!(matches!(open.policy, Ok(Some(_))), "{:?}", open.policy);
    let ops = open.operations.as_ref().expect("methods read");
    let mut names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["GET /orders", "OPTIONS /orders", "POST /orders"]);
    assert!(ops.iter().any(|o| o.name == "GET /orders" && o.api_key_required));
    let stages = open.stages.as_ref().expect("stages read");
    assert_eq!(stages.len(), 1);
    assert_eq!((stages[0].name.as_str(), stages[0].access_log_destination.as_deref()), ("prod", None));
    let private = rest.iter().find(|a| a.name == REST_PRIVATE).expect("private API");
    assert!(private.is_private());
    let stage = &private.stages.as_ref().expect("stages")[0];
    assert!(stage.tracing_enabled && stage.access_log_destination.is_some(), "{stage:?}");

    let v2 = inv.v2_apis.expect("v2 listing");
    let jwt = v2.iter().find(|a| a.name == HTTP_JWT).expect("JWT API");
    assert_eq!(jwt.protocol, ApiProtocol::Http);
    let routes = jwt.operations.as_ref().expect("routes read");
    assert!(
        routes.iter().any(|r| r.name == "GET /orders" && r.authorization_type.as_deref() == Some("JWT")),
        "{routes:?}"
    );

    let domains = inv.rest_domains.expect("domain listing");
    let weak = domains.iter().find(|d| d.name == DOMAIN_WEAK).expect("weak domain");
    assert_eq!(weak.security_policies, [Some("TLS_1_0".to_string())]);
    assert!(inv.v2_domains.expect("v2 domains").is_empty());

    let pools = inv.user_pools.expect("user pools");
    assert_eq!(pools.len(), 3);
    assert_eq!(
        pools.iter().find(|p| p.name == POOL_ADMINS).map(|p| p.mfa_configuration.clone()),
        Some(Ok("OPTIONAL".into()))
    );
    let ids = inv.identity_pools.expect("identity pools");
    assert_eq!(ids.iter().find(|p| p.name == IDS_GUESTS).map(|p| p.allow_unauthenticated.clone()), Some(Ok(true)));
}

#[tokio::test]
async fn a_full_scan_finds_each_misconfiguration_and_passes_the_compliant_doors() {
    let m = moto().await;
    let seed = seed_api(&m.sdk).await;
    let report = api_audit::scan_all(&ApiCollector::new(&m.sdk, &config()), &ctx()).await;
    assert!(report.summary.is_some(), "every listing succeeded");
    let f = &report.findings;
    let open = seed.id(REST_OPEN);
    let private = seed.id(REST_PRIVATE);
    let no_policy = seed.id(REST_PRIVATE_NO_POLICY);
    let jwt = seed.id(HTTP_JWT);
    let http_open = seed.id(HTTP_OPEN);
    let expect: Vec<(&str, &str, Status, &str)> = vec![
        (&open, "apigateway.api-not-public", Status::Fail, "statement Open allows execute-api:Invoke to everyone"),
        (
            &open,
            "apigateway.routes-require-authorization",
            Status::Fail,
            "2 method(s) without an authorizer: GET /orders (API key only), POST /orders",
        ),
        (&open, "apigateway.access-logging-enabled", Status::Fail, "without access logs: prod"),
        (&open, "apigateway.waf-attached", Status::Fail, "without a WAF web ACL: prod"),
        (&open, "apigateway.tracing-enabled", Status::Fail, "without X-Ray tracing: prod"),
        // The accuracy trap: Allow * fenced by Deny unless aws:SourceVpce is not public.
        (&private, "apigateway.api-not-public", Status::Pass, "no policy statement lets everyone invoke"),
        (&private, "apigateway.routes-require-authorization", Status::Pass, "1 checked"),
        (&private, "apigateway.access-logging-enabled", Status::Pass, "every stage writes access logs"),
        (&private, "apigateway.waf-attached", Status::NotApplicable, "PRIVATE"),
        (&private, "apigateway.tracing-enabled", Status::Pass, "X-Ray"),
        (&no_policy, "apigateway.api-not-public", Status::Fail, "PRIVATE API has no resource policy"),
        // The accuracy trap: a route behind a JWT authorizer is authorised.
        (&jwt, "apigateway.routes-require-authorization", Status::Pass, "every route of the HTTP API"),
        (&jwt, "apigateway.access-logging-enabled", Status::Pass, "every stage"),
        (&jwt, "apigateway.api-not-public", Status::NotApplicable, "no resource policy"),
        (&http_open, "apigateway.routes-require-authorization", Status::Fail, "ANY /{proxy+}"),
        (&http_open, "apigateway.access-logging-enabled", Status::Fail, "$default"),
        (DOMAIN_WEAK, "apigateway.tls-1-2-minimum", Status::Fail, "TLS_1_0"),
        (DOMAIN_STRONG, "apigateway.tls-1-2-minimum", Status::Pass, "TLS_1_2"),
    ];
    for (id, rule, want, needle) in expect {
        let (status, reason) = status_of(f, rule, id);
        assert_eq!(status, want, "{id} {rule}: {reason}");
        assert!(reason.contains(needle), "{id} {rule}: {reason}");
    }
    let pool = |name: &str| seed.id(name);
    for (name, want, needle) in [
        (POOL_NO_MFA, Status::Fail, "MFA is off"),
        (POOL_ADMINS, Status::Fail, "administrators' pool"),
        (POOL_STRICT, Status::Pass, "required"),
    ] {
        let (status, reason) = status_of(f, "cognito.user-pool-mfa-required", &pool(name));
        assert_eq!(status, want, "{name}: {reason}");
        assert!(reason.contains(needle), "{name}: {reason}");
    }
    assert_eq!(status_of(f, "cognito.identity-pool-no-unauthenticated", &pool(IDS_GUESTS)).0, Status::Fail);
    assert_eq!(status_of(f, "cognito.identity-pool-no-unauthenticated", &pool(IDS_MEMBERS)).0, Status::Pass);
    assert!(!f.iter().any(|x| x.status == Status::Unknown), "moto answers every read");
    assert!(VPCE.starts_with("vpce-"));
}

#[tokio::test]
async fn a_change_event_rescans_one_api_or_pool_and_a_deleted_one_is_not_applicable() {
    let m = moto().await;
    let seed = seed_api(&m.sdk).await;
    let collector = ApiCollector::new(&m.sdk, &config());
    let ctx = ctx();
    let full = api_audit::scan_all(&collector, &ctx).await;

    for (ty, name) in [
        (api_audit::REST_API_TYPE, REST_OPEN),
        (api_audit::V2_API_TYPE, HTTP_JWT),
        (api_audit::USER_POOL_TYPE, POOL_ADMINS),
    ] {
        let id = seed.id(name);
        let changed = ChangedResource::fixture(ty, &id);
        let report = api_audit::scan_changed(&collector, &changed, &ctx).await;
        assert!(report.summary.is_none());
        assert!(!report.findings.is_empty(), "{name}");
        for f in &report.findings {
            let same = full
                .findings
                .iter()
                .find(|g| g.id() == f.id())
                .unwrap_or_else(|| panic!("{name}: {} has the full scan's id", f.rule_id));
            assert_eq!((f.status, &f.reason), (same.status, &same.reason), "{name} {}", f.rule_id);
        }
    }
    let gone = ChangedResource::fixture(api_audit::REST_API_TYPE, "nosuchapi");
    let report = api_audit::scan_changed(&collector, &gone, &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    let deleted =
        ChangedResource { deleted: true, ..ChangedResource::fixture(api_audit::USER_POOL_TYPE, "us-east-1_gone") };
    let report = api_audit::scan_changed(&collector, &deleted, &ctx).await;
    assert!(!report.findings.is_empty() && report.findings.iter().all(|f| f.status == Status::NotApplicable));
}

#[tokio::test]
async fn the_api_audit_function_sends_its_findings_to_the_queue() {
    let m = moto().await;
    seed_api(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut audit = Emulator::start();
    audit.run_function("api-audit", &env);
    let resp = audit
        .invoke("api-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("api-audit")));
    assert_eq!(resp["mode"], "full", "{resp}");
    assert_eq!(resp["archive_sweep"], true);
    assert_eq!(resp["unknown"], 0, "{resp}");
    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "api").await;
    assert_eq!(queued.sweeps.len(), 1);
    assert_eq!(resp["findings"], queued.findings.len(), "{resp}");
    let f = &queued.findings;
    assert!(f.iter().any(|f| f.rule_id == "apigateway.api-not-public" && f.status == Status::Fail));
    assert!(f.iter().any(|f| f.rule_id == "cognito.identity-pool-no-unauthenticated" && f.status == Status::Fail));
}
