//! The api audit: every `apigateway.*` and `cognito.*` rule over the front doors of the scanned
//! region: REST, HTTP and WebSocket APIs, their custom domain names, Cognito user pools and
//! identity pools. A full scan reads every listing (each may fail on its own); a Config change
//! event for `AWS::ApiGateway::RestApi`, `AWS::ApiGatewayV2::Api` or `AWS::Cognito::UserPool`
//! re-reads only that resource. A resource that is gone gets NOT_APPLICABLE for every rule of its
//! kind, so the publisher archives its findings.
//!
//! The archive scope of a full scan is the rules of the listings that succeeded: the API rules
//! when both the REST and the v2 listings did, the domain rule when both domain listings did,
//! each Cognito rule when its pool listing did.
pub mod collector;

use self::collector::{ApiCollector, IAM_ACTIONS};
use super::{ids, metas, rescanned, AuditReport};
use super::{AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::collect::CollectError;
use crate::config_rule_invocation::{ConfigId, ConfigName};
use crate::context::ScanContext;
use crate::engine::{account_ref, evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::api::{api_type_and_arn, ApiInventory, ApiProtocol, UserPool};
use crate::rules::apigateway::{API_RULES, DOMAIN_RULES};
use crate::rules::cognito::{IDENTITY_POOL_RULES, USER_POOL_RULES};
use crate::rules::Rule;

/// The API Gateway and Cognito audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "api",
    function: "api-audit",
    title: "API Gateway and Cognito",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsApiGatewayRestApi", config_type: "AWS::ApiGateway::RestApi", id: ConfigId::ResourceId },
            ConfigName { finding_type: "AwsApiGatewayV2Api", config_type: "AWS::ApiGatewayV2::Api", id: ConfigId::ResourceId },
            ConfigName { finding_type: "AwsCognitoUserPool", config_type: "AWS::Cognito::UserPool", id: ConfigId::ResourceId },
        ],
        api_calls: &[],
        mode: "resource",
    },
    rules: || [metas(API_RULES), metas(DOMAIN_RULES), metas(USER_POOL_RULES), metas(IDENTITY_POOL_RULES)].concat(),
    change_rules: || [metas(API_RULES), metas(USER_POOL_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ReadApiGateway",
            why: "API Gateway's management reads are one action, apigateway:GET, on this region's REST and v2 APIs, their methods, stages and custom domain names. Never apigateway:POST/PUT/PATCH/DELETE",
            actions: &["apigateway:GET"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:apigateway:${AWS::Region}::/*"),
        },
        ReadGrant {
            sid: "ListCognitoPools",
            why: "the pool listings have no resource-level scoping",
            actions: &["cognito-idp:ListUserPools", "cognito-identity:ListIdentityPools"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadUserPoolMfa",
            why: "the MFA configuration of this account's user pools in this region. Never a user or a token",
            actions: &["cognito-idp:GetUserPoolMfaConfig"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"),
        },
        ReadGrant {
            sid: "DescribeIdentityPools",
            why: "this account's identity pools in this region. Never cognito-identity:GetId or GetCredentialsForIdentity",
            actions: &["cognito-identity:DescribeIdentityPool"],
            scope: GrantScope::Arn(
                "arn:${AWS::Partition}:cognito-identity:${AWS::Region}:${AWS::AccountId}:identitypool/*",
            ),
        },
    ],
    // API Gateway: the management API is limited per account (fixed quotas): `GetResources` to 5
    // requests every 2 seconds (paced at 2 per second), the other reads to 10 per second per
    // account across v1 and v2, so each of `apigateway` and `apigatewayv2` shares one bucket of 5
    // (<https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>).
    // Cognito: user-pool reads (`ListUserPools`, `GetUserPoolMfaConfig`) share the
    // `UserPoolRead` category's 20 requests per second; `ListIdentityPools` is 5 per second and
    // `DescribeIdentityPool` 25 (paced at 20)
    // (<https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html>).
    api_rates: &[
        ("apigateway", 5),
        ("apigateway:GetResources", 2),
        ("apigatewayv2", 5),
        ("cognitoidentityprovider", 20),
        ("cognitoidentity:ListIdentityPools", 5),
        ("cognitoidentity:*", 20),
    ],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(ApiCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The api audit over its real collector.
struct Runner(ApiCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

pub const REST_API_TYPE: &str = "AWS::ApiGateway::RestApi";
pub const V2_API_TYPE: &str = "AWS::ApiGatewayV2::Api";
pub const USER_POOL_TYPE: &str = "AWS::Cognito::UserPool";

/// The Config resource types a change event may name (Config records all three).
pub const CHANGE_TYPES: &[&str] = &[REST_API_TYPE, V2_API_TYPE, USER_POOL_TYPE];

/// Every rule id this audit runs.
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Every rule's verdict over one kind of resource listed in `parts` (`(listing, what)`): the
/// resources of the listings that succeeded are judged; when any failed, one UNKNOWN per rule on
/// the account names every failure (one finding per rule, so the ids stay unique).
fn evaluate_parts<R: Resource>(
    rules: &[&dyn Rule<Resource = R>],
    parts: &[(&Result<Vec<R>, CollectError>, &str)],
    ctx: &ScanContext,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for (listing, what) in parts {
        match listing {
            Ok(resources) => out.extend(evaluate_all(rules, resources, ctx)),
            Err(e) => failures.push(format!("could not list {what}: {e}")),
        }
    }
    if !failures.is_empty() {
        let outcome = Outcome::unknown(failures.join("; "));
        out.extend(same_outcome_for_all(rules, &account_ref(&ctx.account, ctx), &outcome, ctx));
    }
    out
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &ApiInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut out = evaluate_parts(
        API_RULES,
        &[(&inventory.rest_apis, "REST APIs"), (&inventory.v2_apis, "HTTP and WebSocket APIs")],
        ctx,
    );
    out.extend(evaluate_parts(
        DOMAIN_RULES,
        &[
            (&inventory.rest_domains, "REST API custom domain names"),
            (&inventory.v2_domains, "HTTP and WebSocket API custom domain names"),
        ],
        ctx,
    ));
    out.extend(evaluate_parts(USER_POOL_RULES, &[(&inventory.user_pools, "Cognito user pools")], ctx));
    out.extend(evaluate_parts(IDENTITY_POOL_RULES, &[(&inventory.identity_pools, "Cognito identity pools")], ctx));
    out
}

/// A full scan of the region.
pub async fn scan_all(collector: &ApiCollector, ctx: &ScanContext) -> AuditReport {
    let inventory = collector.collect_all().await;
    report_full(&inventory, ctx)
}

/// The report of a full scan over a collected inventory: the archive scope is the rules whose
/// listings all succeeded, and there is no summary when none did.
pub fn report_full(inventory: &ApiInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let listings = vec![
        (inventory.rest_apis.is_ok() && inventory.v2_apis.is_ok(), ids(API_RULES)),
        (inventory.rest_domains.is_ok() && inventory.v2_domains.is_ok(), ids(DOMAIN_RULES)),
        (inventory.user_pools.is_ok(), ids(USER_POOL_RULES)),
        (inventory.identity_pools.is_ok(), ids(IDENTITY_POOL_RULES)),
    ];
    AuditReport::full_scan_of_listings(AUDIT.name, findings, listings, ctx)
}

/// The id a change event names: Config's `resourceId` is the API or pool id; an ARN is cut to
/// its last path segment.
fn resource_id(changed: &ChangedResource) -> String {
    let id = changed.resource_id.trim();
    if id.starts_with("arn:") {
        return id.rsplit('/').next().unwrap_or(id).to_string();
    }
    id.to_string()
}

/// Re-evaluate the one resource a Config change event names. A resource that no longer exists
/// gets NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &ApiCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let id = resource_id(changed);
    let rref = changed_ref(changed, ctx);
    match changed.resource_type.as_str() {
        REST_API_TYPE => {
            let read = collector.collect_rest_api(&id).await;
            rescanned(API_RULES, read, "REST API", &rref, &gone("REST API"), ctx)
        }
        V2_API_TYPE => {
            let read = collector.collect_v2_api(&id).await;
            rescanned(API_RULES, read, "API", &rref, &gone("API"), ctx)
        }
        USER_POOL_TYPE => {
            let read = collector.collect_user_pool(&id).await;
            rescanned(USER_POOL_RULES, read, "user pool", &rref, &gone("user pool"), ctx)
        }
        _ => AuditReport { findings: Vec::new(), summary: None },
    }
}

fn gone(what: &str) -> Outcome {
    Outcome::not_applicable(format!("the {what} no longer exists"))
}

/// The resource reference of a resource known only from the event: the same type, id and ARN a
/// full scan uses, so the finding ids match.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let id = resource_id(changed);
    let account = changed.account.as_deref().unwrap_or(&ctx.account);
    let region = changed.region.as_str();
    match changed.resource_type.as_str() {
        REST_API_TYPE | V2_API_TYPE => {
            let protocol = if changed.resource_type == REST_API_TYPE { ApiProtocol::Rest } else { ApiProtocol::Http };
            let (resource_type, arn) = api_type_and_arn(protocol, &id, region);
            ResourceRef::new(resource_type, id, Some(arn), account, region)
        }
        _ => {
            let pool = UserPool { id, region: region.to_string(), ..UserPool::fixture("") };
            let mut ctx = ctx.clone();
            ctx.account = account.to_string();
            pool.resource_ref(&ctx)
        }
    }
}

/// NOT_APPLICABLE for every rule of a resource that is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let rref = changed_ref(changed, ctx);
    match changed.resource_type.as_str() {
        REST_API_TYPE => same_outcome_for_all(API_RULES, &rref, &gone("REST API"), ctx),
        V2_API_TYPE => same_outcome_for_all(API_RULES, &rref, &gone("API"), ctx),
        USER_POOL_TYPE => same_outcome_for_all(USER_POOL_RULES, &rref, &gone("user pool"), ctx),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::api::{denied, Api, DomainName, IdentityPool};

    fn inventory() -> ApiInventory {
        ApiInventory {
            rest_apis: Ok(vec![Api::fixture("r1")]),
            v2_apis: Ok(vec![Api::fixture_http("h1")]),
            rest_domains: Ok(vec![DomainName::fixture("api.example.com")]),
            v2_domains: Ok(Vec::new()),
            user_pools: Ok(vec![UserPool::fixture("users")]),
            identity_pools: Ok(vec![IdentityPool::fixture("ids")]),
        }
    }

    #[test]
    fn a_full_scan_judges_every_resource_and_asks_for_a_sweep() {
        let ctx = ScanContext::fixture();
        let report = report_full(&inventory(), &ctx);
        assert_eq!(report.findings.len(), 2 * API_RULES.len() + 1 + 1 + 1);
        assert!(report.findings.iter().all(|f| matches!(f.status, Status::Pass | Status::NotApplicable)));
        assert_eq!(report.summary.expect("every listing succeeded").rule_ids, rule_ids());
    }

    #[test]
    fn a_failed_listing_is_one_unknown_per_rule_and_leaves_the_rest_judged() {
        let ctx = ScanContext::fixture();
        let inv = ApiInventory {
            v2_apis: Err(denied("apigateway:GET /v2/apis")),
            identity_pools: Err(denied("cognito-identity:ListIdentityPools")),
            ..inventory()
        };
        let report = report_full(&inv, &ctx);
        let on_account: Vec<&Finding> =
            report.findings.iter().filter(|f| f.resource.resource_type == "AwsAccount").collect();
        assert_eq!(on_account.len(), API_RULES.len() + IDENTITY_POOL_RULES.len());
        assert!(on_account.iter().all(|f| f.status == Status::Unknown));
        assert!(
            on_account[0].reason.contains("could not list HTTP and WebSocket APIs: access denied"),
            "{}",
            on_account[0].reason
        );
        assert!(
            report.findings.iter().any(|f| f.resource.id == "r1" && f.status == Status::Pass),
            "REST APIs still judged"
        );
        let scope = report.summary.expect("some listings succeeded").rule_ids;
        assert!(!scope
            .iter()
            .any(|r| r.starts_with("apigateway.api") || r == "cognito.identity-pool-no-unauthenticated"));
        assert!(scope.contains(&"apigateway.tls-1-2-minimum".to_string()));
        let ids: std::collections::BTreeSet<String> = report.findings.iter().map(Finding::id).collect();
        assert_eq!(ids.len(), report.findings.len(), "finding ids are unique");
    }

    #[test]
    fn deleted_resources_are_not_applicable_under_the_same_finding_id() {
        let ctx = ScanContext::fixture();
        for (ty, id, live) in [
            (REST_API_TYPE, "r1", Api::fixture("r1").resource_ref(&ctx)),
            (V2_API_TYPE, "h1", Api::fixture_http("h1").resource_ref(&ctx)),
            (USER_POOL_TYPE, "us-east-1_users", UserPool::fixture("users").resource_ref(&ctx)),
        ] {
            let changed = ChangedResource { deleted: true, ..ChangedResource::fixture(ty, id) };
            let findings = deleted(&changed, &ctx);
            assert!(!findings.is_empty(), "{ty}");
            assert!(findings.iter().all(|f| f.status == Status::NotApplicable), "{ty}");
            assert_eq!(findings[0].resource, live, "{ty}: same resource, so the same finding id");
        }
    }

    #[test]
    fn config_rule_evaluations_name_each_changed_type_by_its_config_id() {
        let ctx = ScanContext::fixture();
        for (ty, id) in [(REST_API_TYPE, "r1"), (V2_API_TYPE, "h1"), (USER_POOL_TYPE, "us-east-1_users")] {
            let changed = ChangedResource { deleted: true, ..ChangedResource::fixture(ty, id) };
            let finding = &deleted(&changed, &ctx)[0];
            let named = crate::config_rule_invocation::config_resource(&finding.resource, AUDIT.change.config_names);
            assert_eq!(named, Some((ty, id.to_string())), "{ty}");
        }
    }

    #[test]
    fn change_events_name_the_id_or_an_arn() {
        let by_arn = ChangedResource::fixture(REST_API_TYPE, "arn:aws:apigateway:us-east-1::/restapis/r1");
        assert_eq!(resource_id(&by_arn), "r1");
        assert_eq!(resource_id(&ChangedResource::fixture(USER_POOL_TYPE, "us-east-1_abc")), "us-east-1_abc");
    }

    #[test]
    fn the_sample_events_are_api_and_user_pool_changes() {
        use crate::events::{parse_trigger, AuditTrigger};
        let samples = [
            (include_str!("../../../../events/config-change-apigateway-restapi.json"), REST_API_TYPE, false),
            (include_str!("../../../../events/config-change-apigateway-restapi-deleted.json"), REST_API_TYPE, true),
            (include_str!("../../../../events/config-change-cognito-userpool.json"), USER_POOL_TYPE, false),
        ];
        for (text, ty, is_deleted) in samples {
            let event: serde_json::Value = serde_json::from_str(text).expect("sample event is JSON");
            let Ok(AuditTrigger::ResourceChange(c)) = parse_trigger(&event, CHANGE_TYPES) else {
                panic!("not a change event")
            };
            assert_eq!((c.resource_type.as_str(), c.deleted), (ty, is_deleted));
        }
    }
}
