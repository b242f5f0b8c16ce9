//! Plain structs describing the API front doors as the collector saw them: REST APIs (API
//! Gateway v1) and HTTP/WebSocket APIs (v2) with their methods or routes and stages, their custom
//! domain names, and Cognito user and identity pools. Rules read only these; SDK types never
//! leave `collect/`.

use crate::collected::{CollectError, CollectErrorKind, Collected, Resource};
use crate::context::{partition_for, ScanContext};
use crate::model::ResourceRef;
use crate::policy::PolicyDocument;

/// Which API Gateway product an API belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiProtocol {
    /// A REST API (API Gateway v1: `GetRestApis`).
    Rest,
    /// An HTTP API (v2: `GetApis`, protocol `HTTP`).
    Http,
    /// A WebSocket API (v2: `GetApis`, protocol `WEBSOCKET`).
    WebSocket,
}

impl ApiProtocol {
    /// The kind of API in a reason (`REST API`, `HTTP API`, `WebSocket API`).
    pub fn label(self) -> &'static str {
        match self {
            ApiProtocol::Rest => "REST API",
            ApiProtocol::Http => "HTTP API",
            ApiProtocol::WebSocket => "WebSocket API",
        }
    }
}

/// The endpoint type of a REST API that only VPC endpoints can reach.
pub const PRIVATE_ENDPOINT: &str = "PRIVATE";

/// One method (v1: an HTTP verb on a resource path) or route (v2: a route key) and how its
/// callers are authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// How a finding names it: `GET /pets/{id}` (v1), the route key `POST /orders`, `$connect`
    /// or `$default` (v2).
    pub name: String,
    /// The HTTP verb (`GET`, `OPTIONS`, `ANY`, ...), empty for WebSocket route keys.
    pub method: String,
    /// `NONE`, `AWS_IAM`, `COGNITO_USER_POOLS`, `CUSTOM` (v1), `JWT` (v2). `None` when the API
    /// did not say.
    pub authorization_type: Option<String>,
    /// The method or route requires an API key.
    pub api_key_required: bool,
}

/// One deployed stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stage {
    pub name: String,
    /// Where access logs go (`AccessLogSettings.DestinationArn`); `None` when not configured.
    pub access_log_destination: Option<String>,
    /// X-Ray active tracing (REST APIs only; `false` for v2).
    pub tracing_enabled: bool,
    /// The AWS WAF web ACL associated with the stage (REST APIs only).
    pub web_acl_arn: Option<String>,
}

/// Everything the `apigateway.*` API rules need to know about one REST, HTTP or WebSocket API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub id: String,
    pub name: String,
    pub region: String,
    pub protocol: ApiProtocol,
    /// `EDGE`, `REGIONAL` and/or `PRIVATE` for a REST API; empty for v2 APIs (always regional).
    pub endpoint_types: Vec<String>,
    /// The REST API's resource policy; `None` when it has none (and always for v2 APIs, which
    /// have no resource policy). A policy that is not JSON is `Malformed`.
    pub policy: Collected<Option<PolicyDocument>>,
    /// Every method (v1, from `GetResources` with `embed=methods`) or route (v2, `GetRoutes`).
    pub operations: Collected<Vec<Operation>>,
    /// Every stage (`GetStages`).
    pub stages: Collected<Vec<Stage>>,
}

impl Api {
    /// True for a REST API whose endpoint type is `PRIVATE`.
    pub fn is_private(&self) -> bool {
        self.endpoint_types.iter().any(|t| t == PRIVATE_ENDPOINT)
    }

    /// How a finding names the API: `REST API orders (a1b2c3)`.
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.protocol.label(), self.name, self.id)
    }

    /// A REST API that passes every rule against `ScanContext::fixture()`: regional, one
    /// IAM-authorised method and a CORS preflight, a `prod` stage with access logs, tracing and
    /// a web ACL, no resource policy.
    pub fn fixture(id: &str) -> Self {
        Self {
            id: id.to_string(),
            name: format!("{id}-api"),
            region: "us-east-1".into(),
            protocol: ApiProtocol::Rest,
            endpoint_types: vec!["REGIONAL".into()],
            policy: Ok(None),
            operations: Ok(vec![
                Operation::v1("GET", "/orders", "AWS_IAM", false),
                Operation::v1("OPTIONS", "/orders", "NONE", false),
            ]),
            stages: Ok(vec![Stage::fixture("prod")]),
        }
    }

    /// An HTTP API that passes every rule: a JWT-authorised route and a logged stage.
    pub fn fixture_http(id: &str) -> Self {
        Self {
            protocol: ApiProtocol::Http,
            endpoint_types: Vec::new(),
            operations: Ok(vec![Operation::v2("GET /orders", Some("JWT"), false)]),
            stages: Ok(vec![Stage { tracing_enabled: false, web_acl_arn: None, ..Stage::fixture("$default") }]),
            ..Self::fixture(id)
        }
    }
}

impl Operation {
    /// A v1 method: `http_method` on `path`.
    pub fn v1(http_method: &str, path: &str, authorization: &str, api_key_required: bool) -> Self {
        Self {
            name: format!("{http_method} {path}"),
            method: http_method.to_string(),
            authorization_type: Some(authorization.to_string()),
            api_key_required,
        }
    }

    /// A v2 route by its key (`GET /pets`, `$connect`, `$default`).
    pub fn v2(route_key: &str, authorization: Option<&str>, api_key_required: bool) -> Self {
        let method = match route_key.split_once(' ') {
            Some((verb, _)) => verb.to_string(),
            None => String::new(),
        };
        Self {
            name: route_key.to_string(),
            method,
            authorization_type: authorization.map(str::to_string),
            api_key_required,
        }
    }
}

impl Stage {
    /// A stage with access logs, tracing and a web ACL.
    pub fn fixture(name: &str) -> Self {
        Self {
            name: name.to_string(),
            access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:api-access".into()),
            tracing_enabled: true,
            web_acl_arn: Some("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/1".into()),
        }
    }
}

impl Resource for Api {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        let (resource_type, arn) = api_type_and_arn(self.protocol, &self.id, &self.region);
        ResourceRef::new(resource_type, self.id.clone(), Some(arn), &ctx.account, &self.region)
    }
}

/// The ASFF resource type and ARN of an API (`arn:aws:apigateway:us-east-1::/restapis/a1b2c3`
/// or `.../apis/a1b2c3`): shared by full scans and change events, so finding ids match.
pub fn api_type_and_arn(protocol: ApiProtocol, id: &str, region: &str) -> (&'static str, String) {
    let partition = partition_for(region);
    match protocol {
        ApiProtocol::Rest => ("AwsApiGatewayRestApi", format!("arn:{partition}:apigateway:{region}::/restapis/{id}")),
        ApiProtocol::Http | ApiProtocol::WebSocket => {
            ("AwsApiGatewayV2Api", format!("arn:{partition}:apigateway:{region}::/apis/{id}"))
        }
    }
}

/// One custom domain name (v1 `GetDomainNames` or v2 `GetDomainNames`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName {
    pub name: String,
    pub region: String,
    /// `v1` for REST API domain names, `v2` for HTTP/WebSocket ones (the same name can exist in
    /// both listings only once; the field says which listing it came from).
    pub api_version: &'static str,
    /// The TLS security policy of each endpoint of the name (`TLS_1_0`, `TLS_1_2`,
    /// `SecurityPolicy_TLS13_1_2_2021_06`, ...); `None` for an endpoint whose answer named none.
    pub security_policies: Vec<Option<String>>,
}

impl DomainName {
    /// A domain name with the `TLS_1_2` policy.
    pub fn fixture(name: &str) -> Self {
        Self {
            name: name.to_string(),
            region: "us-east-1".into(),
            api_version: "v1",
            security_policies: vec![Some("TLS_1_2".into())],
        }
    }
}

impl Resource for DomainName {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        let partition = partition_for(&self.region);
        let arn = format!("arn:{partition}:apigateway:{}::/domainnames/{}", self.region, self.name);
        ResourceRef::new("AwsApiGatewayDomainName", self.name.clone(), Some(arn), &ctx.account, &self.region)
    }
}

/// One Cognito user pool (`ListUserPools`, `GetUserPoolMfaConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub region: String,
    /// `ON`, `OFF` or `OPTIONAL`.
    pub mfa_configuration: Collected<String>,
}

impl UserPool {
    /// A pool that requires MFA.
    pub fn fixture(name: &str) -> Self {
        Self {
            id: format!("us-east-1_{name}"),
            name: name.to_string(),
            region: "us-east-1".into(),
            mfa_configuration: Ok("ON".into()),
        }
    }
}

impl Resource for UserPool {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        let partition = partition_for(&self.region);
        let arn = format!("arn:{partition}:cognito-idp:{}:{}:userpool/{}", self.region, ctx.account, self.id);
        ResourceRef::new("AwsCognitoUserPool", self.id.clone(), Some(arn), &ctx.account, &self.region)
    }
}

/// One Cognito identity pool (`ListIdentityPools`, `DescribeIdentityPool`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPool {
    pub id: String,
    pub name: String,
    pub region: String,
    /// `AllowUnauthenticatedIdentities`: guests get AWS credentials.
    pub allow_unauthenticated: Collected<bool>,
}

impl IdentityPool {
    /// A pool without guest access.
    pub fn fixture(name: &str) -> Self {
        Self {
            id: format!("us-east-1:{name}-0000"),
            name: name.to_string(),
            region: "us-east-1".into(),
            allow_unauthenticated: Ok(false),
        }
    }
}

impl Resource for IdentityPool {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        let partition = partition_for(&self.region);
        let arn = format!("arn:{partition}:cognito-identity:{}:{}:identitypool/{}", self.region, ctx.account, self.id);
        ResourceRef::new("AwsCognitoIdentityPool", self.id.clone(), Some(arn), &ctx.account, &self.region)
    }
}

/// What the api collector returns for a full scan: each listing on its own, so one failed
/// listing leaves the others judged.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiInventory {
    /// `GetRestApis`, each with its methods and stages.
    pub rest_apis: Collected<Vec<Api>>,
    /// v2 `GetApis`, each with its routes and stages.
    pub v2_apis: Collected<Vec<Api>>,
    /// v1 `GetDomainNames`.
    pub rest_domains: Collected<Vec<DomainName>>,
    /// v2 `GetDomainNames`.
    pub v2_domains: Collected<Vec<DomainName>>,
    pub user_pools: Collected<Vec<UserPool>>,
    pub identity_pools: Collected<Vec<IdentityPool>>,
}

impl Default for ApiInventory {
    fn default() -> Self {
        Self {
            rest_apis: Ok(Vec::new()),
            v2_apis: Ok(Vec::new()),
            rest_domains: Ok(Vec::new()),
            v2_domains: Ok(Vec::new()),
            user_pools: Ok(Vec::new()),
            identity_pools: Ok(Vec::new()),
        }
    }
}

/// For tests: AccessDenied on `action`.
pub fn denied(action: &str) -> CollectError {
    CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDeniedException: not authorised")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_ids_name_the_api_by_its_arn() {
        let ctx = ScanContext::fixture();
        let r = Api::fixture("a1b2c3").resource_ref(&ctx);
        assert_eq!(r.resource_type, "AwsApiGatewayRestApi");
        assert_eq!(r.arn.as_deref(), Some("arn:aws:apigateway:us-east-1::/restapis/a1b2c3"));
        let r = Api::fixture_http("h1").resource_ref(&ctx);
        assert_eq!(r.resource_type, "AwsApiGatewayV2Api");
        assert_eq!(r.arn.as_deref(), Some("arn:aws:apigateway:us-east-1::/apis/h1"));
        let r = UserPool::fixture("users").resource_ref(&ctx);
        assert_eq!(r.arn.as_deref(), Some("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_users"));
    }

    #[test]
    fn route_keys_give_their_verb() {
        assert_eq!(Operation::v2("OPTIONS /x", None, false).method, "OPTIONS");
        assert_eq!(Operation::v2("$connect", Some("NONE"), false).method, "");
        assert_eq!(Operation::v1("GET", "/", "NONE", true).name, "GET /");
    }
}
