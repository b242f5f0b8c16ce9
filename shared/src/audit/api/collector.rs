//! The api collector: the front doors of the account's functions in one region.
//!
//! - REST APIs (API Gateway v1): `GetRestApis` (which carries each API's endpoint types and
//!   resource policy), then per API `GetResources` with `embed=methods` (every method's
//!   authorisation in the same pages) and `GetStages` (access logs, tracing and the WAF web ACL
//!   from `webAclArn`); `GetDomainNames`.
//! - HTTP and WebSocket APIs (v2): `GetApis`, then per API `GetRoutes` and `GetStages`;
//!   `GetDomainNames`. The v2 SDK has no paginators, so [`v2_pages`] follows `NextToken` itself
//!   (and refuses a token the service repeats).
//! - Cognito: `ListUserPools` then `GetUserPoolMfaConfig` per pool; `ListIdentityPools` then
//!   `DescribeIdentityPool` per pool.
//!
//! Every request holds a permit of one semaphore of `ScanConfig::concurrency`. A failed listing
//! is that listing's error (its rules UNKNOWN on the account); a failed per-resource read is kept
//! on the resource (only the rules that need it UNKNOWN). A REST API policy that is not JSON is
//! `Malformed`, never skipped.

use std::collections::BTreeSet;
use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::api::{Api, ApiInventory, ApiProtocol, DomainName, IdentityPool, Operation, Stage, UserPool};
use crate::scan_config::ScanConfig;

/// The SDK crates this collector reads through, for the tests that seed and mock these services
/// (so they need no dependency lines of their own).
pub mod sdk {
    pub use aws_sdk_apigateway as apigateway;
    pub use aws_sdk_apigatewayv2 as apigatewayv2;
    pub use aws_sdk_cognitoidentity as cognitoidentity;
    pub use aws_sdk_cognitoidentityprovider as cognitoidentityprovider;
}

/// Every IAM action this collector calls, as data. The api-audit role must grant exactly these
/// (checked by `tests/tests/template_permissions.rs`). API Gateway's management reads are all
/// `apigateway:GET` on the resource paths below.
pub const IAM_ACTIONS: &[&str] =
    &[APIGATEWAY_GET, LIST_USER_POOLS, GET_MFA_CONFIG, LIST_IDENTITY_POOLS, DESCRIBE_IDENTITY_POOL];

const APIGATEWAY_GET: &str = "apigateway:GET";
const LIST_USER_POOLS: &str = "cognito-idp:ListUserPools";
const GET_MFA_CONFIG: &str = "cognito-idp:GetUserPoolMfaConfig";
const LIST_IDENTITY_POOLS: &str = "cognito-identity:ListIdentityPools";
const DESCRIBE_IDENTITY_POOL: &str = "cognito-identity:DescribeIdentityPool";

// How reasons name each `apigateway:GET`: the action and the resource path it reads.
const GET_REST_APIS: &str = "apigateway:GET /restapis";
const GET_REST_API: &str = "apigateway:GET /restapis/{id}";
const GET_RESOURCES: &str = "apigateway:GET /restapis/{id}/resources";
const GET_STAGES: &str = "apigateway:GET /restapis/{id}/stages";
const GET_DOMAIN_NAMES: &str = "apigateway:GET /domainnames";
const GET_APIS: &str = "apigateway:GET /v2/apis";
const GET_API: &str = "apigateway:GET /v2/apis/{id}";
const GET_ROUTES: &str = "apigateway:GET /v2/apis/{id}/routes";
const GET_V2_STAGES: &str = "apigateway:GET /v2/apis/{id}/stages";
const GET_V2_DOMAIN_NAMES: &str = "apigateway:GET /v2/domainnames";

/// `GetRestApis`, `GetResources`, `GetDomainNames` accept at most 500 items per page.
const MAX_V1_PAGE: i32 = 500;
/// `ListUserPools` and `ListIdentityPools` require a page size of 1 to 60.
const MAX_COGNITO_PAGE: i32 = 60;
/// A v2 listing that goes on for more pages than this is refused (a service that never stops
/// paging is a broken answer, not an account).
const MAX_V2_PAGES: usize = 10_000;

/// Reads API Gateway and Cognito configuration for one account and region.
#[derive(Clone)]
pub struct ApiCollector {
    rest: aws_sdk_apigateway::Client,
    v2: aws_sdk_apigatewayv2::Client,
    user_pools: aws_sdk_cognitoidentityprovider::Client,
    identity_pools: aws_sdk_cognitoidentity::Client,
    permits: Arc<Semaphore>,
    concurrency: usize,
    page_size: Option<i32>,
}

/// Every page of a v2 listing, following `NextToken`: `fetch(token)` returns one page's items
/// and the next token. A failed page fails the listing with its classified error; a repeated
/// token or an endless listing is an API error, never a silently short list.
async fn v2_pages<T, E, F, Fut>(action: &str, permits: &Semaphore, mut fetch: F) -> Collected<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut seen = BTreeSet::new();
    for _ in 0..MAX_V2_PAGES {
        let page = {
            // The semaphore is never closed, so a permit is always granted.
            let _permit = permits.acquire().await.ok();
            fetch(token.clone()).await
        };
        let (items, next) = required(action, page)?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            None => return Ok(out),
            Some(t) if !seen.insert(t.clone()) => {
                return Err(CollectError::new(
                    CollectErrorKind::Api,
                    action,
                    "the service repeated a page token: the listing would never end",
                ))
            }
            Some(t) => token = Some(t),
        }
    }
    Err(CollectError::new(CollectErrorKind::Api, action, format!("more than {MAX_V2_PAGES} pages: listing refused")))
}

/// Parse a REST API's resource policy. API Gateway returns the document JSON-escaped inside
/// the string (`{\"Version\":...}`), so an escaped text is unescaped first; one that still is
/// not a policy is `Malformed`, naming the API.
pub fn parse_api_policy(text: &str, api_id: &str) -> Collected<PolicyDocument> {
    let malformed = |e: String| {
        CollectError::new(
            CollectErrorKind::Malformed,
            GET_REST_APIS,
            format!("resource policy of REST API {api_id}: {e}"),
        )
    };
    match PolicyDocument::parse(text) {
        Ok(doc) => Ok(doc),
        Err(first) if text.contains("\\\"") => {
            let unescaped: String =
                serde_json::from_str(&format!("\"{text}\"")).map_err(|_| malformed(first.to_string()))?;
            PolicyDocument::parse(&unescaped).map_err(|e| malformed(e.to_string()))
        }
        Err(e) => Err(malformed(e.to_string())),
    }
}

/// One REST API as `GetRestApis`/`GetRestApi` describe it (methods and stages not yet read).
fn rest_api(
    id: Option<&str>,
    name: Option<&str>,
    endpoint: Option<&aws_sdk_apigateway::types::EndpointConfiguration>,
    policy: Option<&str>,
    region: &str,
) -> Collected<Api> {
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(|| CollectError::new(CollectErrorKind::Malformed, GET_REST_APIS, "a REST API without an id"))?;
    let policy = match policy.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(text) => parse_api_policy(text, id).map(Some),
    };
    Ok(Api {
        id: id.to_string(),
        name: name.unwrap_or_default().to_string(),
        region: region.to_string(),
        protocol: ApiProtocol::Rest,
        endpoint_types: endpoint
            .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
            .unwrap_or_default(),
        policy,
        operations: Ok(Vec::new()),
        stages: Ok(Vec::new()),
    })
}

/// One v2 API as `GetApis`/`GetApi` describe it.
fn v2_api(
    id: Option<&str>,
    name: Option<&str>,
    protocol: Option<&aws_sdk_apigatewayv2::types::ProtocolType>,
    region: &str,
) -> Collected<Api> {
    let id = id
        .filter(|i| !i.is_empty())
        .ok_or_else(|| CollectError::new(CollectErrorKind::Malformed, GET_APIS, "an API without an id"))?;
    let protocol = match protocol {
        Some(aws_sdk_apigatewayv2::types::ProtocolType::Websocket) => ApiProtocol::WebSocket,
        Some(aws_sdk_apigatewayv2::types::ProtocolType::Http) => ApiProtocol::Http,
        other => {
            return Err(CollectError::new(
                CollectErrorKind::Malformed,
                GET_APIS,
                format!("API {id} has protocol {:?}, which this build does not know", other.map(|p| p.as_str())),
            ))
        }
    };
    Ok(Api {
        id: id.to_string(),
        name: name.unwrap_or_default().to_string(),
        region: region.to_string(),
        protocol,
        endpoint_types: Vec::new(),
        policy: Ok(None),
        operations: Ok(Vec::new()),
        stages: Ok(Vec::new()),
    })
}

impl ApiCollector {
    /// Build the collector's clients from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_clients(
            aws_sdk_apigateway::Client::new(sdk),
            aws_sdk_apigatewayv2::Client::new(sdk),
            aws_sdk_cognitoidentityprovider::Client::new(sdk),
            aws_sdk_cognitoidentity::Client::new(sdk),
            config,
        )
    }

    /// A collector over given clients (tests pass mocked ones).
    pub fn from_clients(
        rest: aws_sdk_apigateway::Client,
        v2: aws_sdk_apigatewayv2::Client,
        user_pools: aws_sdk_cognitoidentityprovider::Client,
        identity_pools: aws_sdk_cognitoidentity::Client,
        config: &ScanConfig,
    ) -> Self {
        let concurrency = config.concurrency.max(1);
        Self {
            rest,
            v2,
            user_pools,
            identity_pools,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            page_size: config.page_size,
        }
    }

    /// The clients' region, for resources whose answer does not name one.
    fn region(&self) -> String {
        self.rest.config().region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string())
    }

    async fn permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed, so this is always `Some`.
        self.permits.acquire().await.ok()
    }

    fn v1_page(&self) -> i32 {
        self.page_size.map_or(MAX_V1_PAGE, |p| p.clamp(1, MAX_V1_PAGE))
    }

    fn v2_page(&self) -> Option<String> {
        self.page_size.map(|p| p.clamp(1, 500).to_string())
    }

    fn cognito_page(&self) -> i32 {
        self.page_size.map_or(MAX_COGNITO_PAGE, |p| p.clamp(1, MAX_COGNITO_PAGE))
    }

    /// Every listing of the region, each complete or its own error.
    pub async fn collect_all(&self) -> ApiInventory {
        let (rest_apis, v2_apis, rest_domains, v2_domains, user_pools, identity_pools) = tokio::join!(
            self.rest_apis(),
            self.v2_apis(),
            self.rest_domains(),
            self.v2_domains(),
            self.user_pools(),
            self.identity_pools(),
        );
        ApiInventory { rest_apis, v2_apis, rest_domains, v2_domains, user_pools, identity_pools }
    }

    /// Every REST API with its methods and stages.
    async fn rest_apis(&self) -> Collected<Vec<Api>> {
        let region = self.region();
        let pages = self.rest.get_rest_apis().limit(self.v1_page()).into_paginator().send();
        let pages = all_pages(GET_REST_APIS, Some(&self.permits), pages).await?;
        let listed: Vec<Api> = pages
            .iter()
            .flat_map(|p| p.items())
            .map(|a| rest_api(a.id(), a.name(), a.endpoint_configuration(), a.policy(), &region))
            .collect::<Collected<_>>()?;
        Ok(self.complete(listed).await)
    }

    /// Every HTTP and WebSocket API with its routes and stages.
    async fn v2_apis(&self) -> Collected<Vec<Api>> {
        let region = self.region();
        let listed = v2_pages(GET_APIS, &self.permits, |token| {
            let request = self.v2.get_apis().set_max_results(self.v2_page()).set_next_token(token);
            async move { request.send().await.map(|out| (out.items().to_vec(), out.next_token().map(str::to_string))) }
        })
        .await?;
        let listed: Vec<Api> = listed
            .iter()
            .map(|a| v2_api(a.api_id(), a.name(), a.protocol_type(), &region))
            .collect::<Collected<_>>()?;
        Ok(self.complete(listed).await)
    }

    /// Read each API's operations and stages, bounded by the permits, sorted by name then id.
    async fn complete(&self, listed: Vec<Api>) -> Vec<Api> {
        let mut apis: Vec<Api> = stream::iter(listed)
            .map(|mut api| async move {
                let (operations, stages) = tokio::join!(self.operations(&api), self.stages(&api));
                api.operations = operations;
                api.stages = stages;
                api
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        apis.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        apis
    }

    /// A REST API's methods (`GetResources` with `embed=methods`) or a v2 API's routes.
    async fn operations(&self, api: &Api) -> Collected<Vec<Operation>> {
        if api.protocol != ApiProtocol::Rest {
            let routes =
                v2_pages(GET_ROUTES, &self.permits, |token| {
                    let request =
                        self.v2.get_routes().api_id(&api.id).set_max_results(self.v2_page()).set_next_token(token);
                    async move {
                        request.send().await.map(|out| (out.items().to_vec(), out.next_token().map(str::to_string)))
                    }
                })
                .await?;
            return Ok(routes
                .iter()
                .map(|r| {
                    Operation::v2(
                        r.route_key().unwrap_or_default(),
                        r.authorization_type().map(|t| t.as_str()),
                        r.api_key_required().unwrap_or(false),
                    )
                })
                .collect());
        }
        let pages = self
            .rest
            .get_resources()
            .rest_api_id(&api.id)
            .embed("methods")
            .limit(self.v1_page())
            .into_paginator()
            .send();
        let pages = all_pages(GET_RESOURCES, Some(&self.permits), pages).await?;
        let mut operations = Vec::new();
        for resource in pages.iter().flat_map(|p| p.items()) {
            let path = resource.path().unwrap_or("/");
            let mut methods: Vec<_> = resource.resource_methods().map(|m| m.iter().collect()).unwrap_or_default();
            methods.sort_by(|a, b| a.0.cmp(b.0));
            for (verb, method) in methods {
                operations.push(Operation {
                    name: format!("{verb} {path}"),
                    method: verb.clone(),
                    authorization_type: method.authorization_type().filter(|t| !t.is_empty()).map(str::to_string),
                    api_key_required: method.api_key_required().unwrap_or(false),
                });
            }
        }
        Ok(operations)
    }

    /// An API's stages (v1 `GetStages` answers in one page; v2 pages with `NextToken`).
    async fn stages(&self, api: &Api) -> Collected<Vec<Stage>> {
        if api.protocol != ApiProtocol::Rest {
            let stages =
                v2_pages(GET_V2_STAGES, &self.permits, |token| {
                    let request =
                        self.v2.get_stages().api_id(&api.id).set_max_results(self.v2_page()).set_next_token(token);
                    async move {
                        request.send().await.map(|out| (out.items().to_vec(), out.next_token().map(str::to_string)))
                    }
                })
                .await?;
            return Ok(stages
                .iter()
                .map(|s| Stage {
                    name: s.stage_name().unwrap_or_default().to_string(),
                    access_log_destination: s
                        .access_log_settings()
                        .and_then(|l| l.destination_arn())
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                    tracing_enabled: false,
                    web_acl_arn: None,
                })
                .collect());
        }
        let out = {
            let _permit = self.permit().await;
            required(GET_STAGES, self.rest.get_stages().rest_api_id(&api.id).send().await)?
        };
        let mut stages: Vec<Stage> = out
            .item()
            .iter()
            .map(|s| Stage {
                name: s.stage_name().unwrap_or_default().to_string(),
                access_log_destination: s
                    .access_log_settings()
                    .and_then(|l| l.destination_arn())
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                tracing_enabled: s.tracing_enabled(),
                web_acl_arn: s.web_acl_arn().filter(|a| !a.is_empty()).map(str::to_string),
            })
            .collect();
        stages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stages)
    }

    /// v1 custom domain names.
    async fn rest_domains(&self) -> Collected<Vec<DomainName>> {
        let region = self.region();
        let pages = self.rest.get_domain_names().limit(self.v1_page()).into_paginator().send();
        let pages = all_pages(GET_DOMAIN_NAMES, Some(&self.permits), pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.items())
            .map(|d| DomainName {
                name: d.domain_name().unwrap_or_default().to_string(),
                region: region.clone(),
                api_version: "v1",
                security_policies: vec![d.security_policy().map(|p| p.as_str().to_string())],
            })
            .collect())
    }

    /// v2 custom domain names: one security policy per endpoint configuration.
    async fn v2_domains(&self) -> Collected<Vec<DomainName>> {
        let region = self.region();
        let domains = v2_pages(GET_V2_DOMAIN_NAMES, &self.permits, |token| {
            let request = self.v2.get_domain_names().set_max_results(self.v2_page()).set_next_token(token);
            async move { request.send().await.map(|out| (out.items().to_vec(), out.next_token().map(str::to_string))) }
        })
        .await?;
        Ok(domains
            .iter()
            .map(|d| DomainName {
                name: d.domain_name().unwrap_or_default().to_string(),
                region: region.clone(),
                api_version: "v2",
                security_policies: d
                    .domain_name_configurations()
                    .iter()
                    .map(|c| c.security_policy().map(|p| p.as_str().to_string()))
                    .collect(),
            })
            .collect())
    }

    /// Every user pool with its MFA configuration.
    async fn user_pools(&self) -> Collected<Vec<UserPool>> {
        let listed = self.list_user_pools().await?;
        Ok(self.with_mfa(listed).await)
    }

    async fn list_user_pools(&self) -> Collected<Vec<UserPool>> {
        let region = self.region();
        let pages = self.user_pools.list_user_pools().max_results(self.cognito_page()).into_paginator().send();
        let pages = all_pages(LIST_USER_POOLS, Some(&self.permits), pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.user_pools())
            .filter_map(|p| {
                Some(UserPool {
                    id: p.id().filter(|i| !i.is_empty())?.to_string(),
                    name: p.name().unwrap_or_default().to_string(),
                    region: region.clone(),
                    mfa_configuration: Ok(String::new()),
                })
            })
            .collect())
    }

    async fn with_mfa(&self, listed: Vec<UserPool>) -> Vec<UserPool> {
        let mut pools: Vec<UserPool> = stream::iter(listed)
            .map(|mut pool| async move {
                pool.mfa_configuration = self.mfa(&pool.id).await;
                pool
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        pools.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        pools
    }

    async fn mfa(&self, pool_id: &str) -> Collected<String> {
        let _permit = self.permit().await;
        let out =
            required(GET_MFA_CONFIG, self.user_pools.get_user_pool_mfa_config().user_pool_id(pool_id).send().await)?;
        out.mfa_configuration().map(|m| m.as_str().to_string()).ok_or_else(|| {
            CollectError::new(CollectErrorKind::Malformed, GET_MFA_CONFIG, "the answer names no MFA configuration")
        })
    }

    /// Every identity pool, described.
    async fn identity_pools(&self) -> Collected<Vec<IdentityPool>> {
        let region = self.region();
        let pages = self.identity_pools.list_identity_pools().max_results(self.cognito_page()).into_paginator().send();
        let pages = all_pages(LIST_IDENTITY_POOLS, Some(&self.permits), pages).await?;
        let listed: Vec<IdentityPool> = pages
            .iter()
            .flat_map(|p| p.identity_pools())
            .filter_map(|p| {
                Some(IdentityPool {
                    id: p.identity_pool_id().filter(|i| !i.is_empty())?.to_string(),
                    name: p.identity_pool_name().unwrap_or_default().to_string(),
                    region: region.clone(),
                    allow_unauthenticated: Ok(false),
                })
            })
            .collect();
        let mut pools: Vec<IdentityPool> = stream::iter(listed)
            .map(|mut pool| async move {
                pool.allow_unauthenticated = self.guests_allowed(&pool.id).await;
                pool
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        pools.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(pools)
    }

    async fn guests_allowed(&self, pool_id: &str) -> Collected<bool> {
        let _permit = self.permit().await;
        let out = required(
            DESCRIBE_IDENTITY_POOL,
            self.identity_pools.describe_identity_pool().identity_pool_id(pool_id).send().await,
        )?;
        Ok(out.allow_unauthenticated_identities())
    }

    /// One REST API by id (a Config change event): `Ok(None)` when it no longer exists.
    pub async fn collect_rest_api(&self, id: &str) -> Collected<Option<Api>> {
        let result = {
            let _permit = self.permit().await;
            self.rest.get_rest_api().rest_api_id(id).send().await
        };
        let out = match result {
            Ok(out) => out,
            Err(e) if e.code() == Some("NotFoundException") => return Ok(None),
            Err(e) => return Err(sdk_error(GET_REST_API, &e)),
        };
        let api = rest_api(out.id(), out.name(), out.endpoint_configuration(), out.policy(), &self.region())?;
        Ok(self.complete(vec![api]).await.into_iter().next())
    }

    /// One HTTP or WebSocket API by id (a Config change event): `Ok(None)` when it no longer
    /// exists.
    pub async fn collect_v2_api(&self, id: &str) -> Collected<Option<Api>> {
        let result = {
            let _permit = self.permit().await;
            self.v2.get_api().api_id(id).send().await
        };
        let out = match result {
            Ok(out) => out,
            Err(e) if e.code() == Some("NotFoundException") => return Ok(None),
            Err(e) => return Err(sdk_error(GET_API, &e)),
        };
        let api = v2_api(out.api_id(), out.name(), out.protocol_type(), &self.region())?;
        Ok(self.complete(vec![api]).await.into_iter().next())
    }

    /// One user pool by id (a Config change event), found in the listing (which also gives its
    /// name for `admin_user_pools`): `Ok(None)` when it is not there any more.
    pub async fn collect_user_pool(&self, id: &str) -> Collected<Option<UserPool>> {
        let listed: Vec<UserPool> = self.list_user_pools().await?.into_iter().filter(|p| p.id == id).collect();
        Ok(self.with_mfa(listed).await.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_gateway_escaped_policies_are_unescaped() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
        let escaped = plain.replace('"', "\\\"");
        assert_eq!(parse_api_policy(plain, "a1"), parse_api_policy(&escaped, "a1"));
        assert_eq!(parse_api_policy(&escaped, "a1").map(|d| d.statements.len()), Ok(1));
        let e = parse_api_policy("{not json", "a1").unwrap_err();
        assert_eq!(e.kind, CollectErrorKind::Malformed);
        assert!(e.message.contains("REST API a1"), "{e}");
    }

    #[test]
    fn every_action_is_a_read() {
        for a in IAM_ACTIONS {
            let verb = a.split(':').nth(1).unwrap_or_default();
            assert!(
                verb == "GET" || verb.starts_with("List") || verb.starts_with("Get") || verb.starts_with("Describe"),
                "{a}"
            );
        }
    }
}
