//! Seeding the front doors on the local AWS through the Rust SDK: REST APIs (an open one, a
//! private one fenced to its VPC endpoint, a private one without a policy), HTTP APIs (one behind
//! a JWT authorizer, one open), custom domain names with a weak and a strong TLS policy, Cognito
//! user pools (MFA off, optional, on) and identity pools (with and without guests). Every name
//! starts with `zt-` (identity pools, whose names allow no hyphen, with `zt_`).

use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IntegrationType, PatchOperation, SecurityPolicy};
use aws_sdk_apigatewayv2::types::{
    AccessLogSettings, AuthorizationType, AuthorizerType, JwtConfiguration, ProtocolType,
};
use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
use ztscan::audit::api::collector::sdk::{
    apigateway as aws_sdk_apigateway, apigatewayv2 as aws_sdk_apigatewayv2, cognitoidentity as aws_sdk_cognitoidentity,
    cognitoidentityprovider as aws_sdk_cognitoidentityprovider,
};

use crate::ACCOUNT;

/// Regional, open to everyone by policy, methods without authorizers (one behind an API key
/// only), a `prod` stage without access logs, tracing or WAF.
pub const REST_OPEN: &str = "zt-api-open";
/// Private, `Allow *` fenced by `Deny` unless `aws:SourceVpce`, IAM-authorised methods, a logged
/// and traced stage: compliant.
pub const REST_PRIVATE: &str = "zt-api-private";
/// Private without any resource policy.
pub const REST_PRIVATE_NO_POLICY: &str = "zt-api-private-nopolicy";
/// An HTTP API whose route has a JWT authorizer, with a logged stage: compliant.
pub const HTTP_JWT: &str = "zt-http-jwt";
/// An HTTP API with an open catch-all route and an unlogged stage.
pub const HTTP_OPEN: &str = "zt-http-open";
/// A REST API custom domain name that still accepts TLS 1.0.
pub const DOMAIN_WEAK: &str = "legacy.zt.example.com";
/// A REST API custom domain name with `TLS_1_2`.
pub const DOMAIN_STRONG: &str = "api.zt.example.com";
/// A user pool without MFA.
pub const POOL_NO_MFA: &str = "zt-pool-nomfa";
/// A user pool with optional MFA, meant for administrators (`admin_user_pools` names it in the
/// demo configuration).
pub const POOL_ADMINS: &str = "zt-pool-admins";
/// A user pool that requires MFA.
pub const POOL_STRICT: &str = "zt-pool-strict";
/// An identity pool that gives guests credentials.
pub const IDS_GUESTS: &str = "zt_ids_guests";
/// An identity pool without guest access.
pub const IDS_MEMBERS: &str = "zt_ids_members";

/// The VPC endpoint `zt-api-private` is fenced to.
pub const VPCE: &str = "vpce-0a1b2c3d4e5f60718";

/// A log group for access logs (moto does not check it exists).
pub fn access_log_group() -> String {
    format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:zt-api-access")
}

/// The open API's policy: everyone may invoke everything.
pub fn open_policy() -> String {
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#.to_string()
}

/// AWS's private API pattern: allow everyone, deny everyone not coming through `VPCE`.
pub fn private_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Invoke","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}},{{"Sid":"OnlyThroughEndpoint","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"{VPCE}"}}}}}}]}}"#
    )
}

/// The ids of what `seed_api` created.
#[derive(Debug, Clone, Default)]
pub struct ApiSeed {
    /// (name, id) of every REST API.
    pub rest_apis: Vec<(String, String)>,
    /// (name, id) of every HTTP API.
    pub http_apis: Vec<(String, String)>,
    /// (name, id) of every user pool.
    pub user_pools: Vec<(String, String)>,
    /// (name, id) of every identity pool.
    pub identity_pools: Vec<(String, String)>,
}

impl ApiSeed {
    /// The id of the resource called `name`.
    pub fn id(&self, name: &str) -> String {
        [&self.rest_apis, &self.http_apis, &self.user_pools, &self.identity_pools]
            .into_iter()
            .flatten()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("{name} was not seeded"))
    }
}

async fn rest_api(
    gw: &aws_sdk_apigateway::Client,
    name: &str,
    endpoint: EndpointType,
    policy: Option<String>,
    methods: &[(&str, &str, &str, bool)],
    logged_and_traced: bool,
) -> String {
    let api = gw
        .create_rest_api()
        .name(name)
        .endpoint_configuration(EndpointConfiguration::builder().types(endpoint).build())
        .set_policy(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create REST API {name}: {e:?}"));
    let id = api.id().unwrap_or_default().to_string();
    let resources = gw.get_resources().rest_api_id(&id).send().await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let root = resources.items().iter().find(|r| r.path() == Some("/")).and_then(|r| r.id()).unwrap_or_default();
    let mut paths: Vec<(String, String)> = Vec::new();
    for (verb, path, auth, key) in methods {
        let part = path.trim_start_matches('/');
        let resource_id = match paths.iter().find(|(p, _)| p == part) {
            Some((_, rid)) => rid.clone(),
            None => {
                let r = gw
                    .create_resource()
                    .rest_api_id(&id)
                    .parent_id(root)
                    .path_part(part)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{name} {path}: {e:?}"));
                let rid = r.id().unwrap_or_default().to_string();
                paths.push((part.to_string(), rid.clone()));
                rid
            }
        };
        gw.put_method()
            .rest_api_id(&id)
            .resource_id(&resource_id)
            .http_method(*verb)
            .authorization_type(*auth)
            .api_key_required(*key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name} {verb} {path}: {e:?}"));
        gw.put_integration()
            .rest_api_id(&id)
            .resource_id(&resource_id)
            .http_method(*verb)
            .r#type(IntegrationType::Mock)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name} {verb} {path} integration: {e:?}"));
    }
    gw.create_deployment()
        .rest_api_id(&id)
        .stage_name("prod")
        .send()
        .await
        .unwrap_or_else(|e| panic!("deploy {name}: {e:?}"));
    if logged_and_traced {
        let patch =
            |path: &str, value: &str| PatchOperation::builder().op("replace".into()).path(path).value(value).build();
        gw.update_stage()
            .rest_api_id(&id)
            .stage_name("prod")
            .patch_operations(patch("/tracingEnabled", "true"))
            .patch_operations(patch("/accessLogSettings/destinationArn", &access_log_group()))
            .patch_operations(patch("/accessLogSettings/format", "$context.requestId"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("stage of {name}: {e:?}"));
    }
    id
}

async fn http_api(gw: &aws_sdk_apigatewayv2::Client, name: &str, jwt: bool) -> String {
    let api = gw
        .create_api()
        .name(name)
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create HTTP API {name}: {e:?}"));
    let id = api.api_id().unwrap_or_default().to_string();
    if jwt {
        let authorizer = gw
            .create_authorizer()
            .api_id(&id)
            .name("zt-jwt")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .audience("zt-app")
                    .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ztpool")
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("authorizer of {name}: {e:?}"));
        for (key, auth) in [("GET /orders", AuthorizationType::Jwt), ("OPTIONS /orders", AuthorizationType::None)] {
            gw.create_route()
                .api_id(&id)
                .route_key(key)
                .authorization_type(auth.clone())
                .set_authorizer_id(
                    (auth == AuthorizationType::Jwt)
                        .then(|| authorizer.authorizer_id().unwrap_or_default().to_string()),
                )
                .send()
                .await
                .unwrap_or_else(|e| panic!("{name} {key}: {e:?}"));
        }
    } else {
        gw.create_route()
            .api_id(&id)
            .route_key("ANY /{proxy+}")
            .authorization_type(AuthorizationType::None)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name} route: {e:?}"));
    }
    let logs = jwt
        .then(|| AccessLogSettings::builder().destination_arn(access_log_group()).format("$context.requestId").build());
    gw.create_stage()
        .api_id(&id)
        .stage_name("$default")
        .set_access_log_settings(logs)
        .send()
        .await
        .unwrap_or_else(|e| panic!("stage of {name}: {e:?}"));
    id
}

/// The demo account's front doors (see the constants).
pub async fn seed_api(sdk: &aws_config::SdkConfig) -> ApiSeed {
    let gw = &aws_sdk_apigateway::Client::new(sdk);
    let gw2 = &aws_sdk_apigatewayv2::Client::new(sdk);
    let idp = &aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let identity = &aws_sdk_cognitoidentity::Client::new(sdk);
    let mut seed = ApiSeed::default();

    let open_methods =
        [("GET", "/orders", "NONE", true), ("POST", "/orders", "NONE", false), ("OPTIONS", "/orders", "NONE", false)];
    let id = rest_api(gw, REST_OPEN, EndpointType::Regional, Some(open_policy()), &open_methods, false).await;
    seed.rest_apis.push((REST_OPEN.into(), id));
    let private_methods = [("GET", "/items", "AWS_IAM", false), ("OPTIONS", "/items", "NONE", false)];
    let id = rest_api(gw, REST_PRIVATE, EndpointType::Private, Some(private_policy()), &private_methods, true).await;
    seed.rest_apis.push((REST_PRIVATE.into(), id));
    let id = rest_api(gw, REST_PRIVATE_NO_POLICY, EndpointType::Private, None, &private_methods, true).await;
    seed.rest_apis.push((REST_PRIVATE_NO_POLICY.into(), id));

    seed.http_apis.push((HTTP_JWT.into(), http_api(gw2, HTTP_JWT, true).await));
    seed.http_apis.push((HTTP_OPEN.into(), http_api(gw2, HTTP_OPEN, false).await));

    for (name, policy) in [(DOMAIN_WEAK, SecurityPolicy::Tls10), (DOMAIN_STRONG, SecurityPolicy::Tls12)] {
        gw.create_domain_name()
            .domain_name(name)
            .certificate_arn(format!("arn:aws:acm:us-east-1:{ACCOUNT}:certificate/zt-demo"))
            .security_policy(policy)
            .send()
            .await
            .unwrap_or_else(|e| panic!("domain name {name}: {e:?}"));
    }

    for (name, mfa) in [
        (POOL_NO_MFA, UserPoolMfaType::Off),
        (POOL_ADMINS, UserPoolMfaType::Optional),
        (POOL_STRICT, UserPoolMfaType::On),
    ] {
        let out = idp
            .create_user_pool()
            .pool_name(name)
            .mfa_configuration(mfa)
            .send()
            .await
            .unwrap_or_else(|e| panic!("user pool {name}: {e:?}"));
        let id = out.user_pool().and_then(|p| p.id()).unwrap_or_default().to_string();
        seed.user_pools.push((name.into(), id));
    }

    for (name, guests) in [(IDS_GUESTS, true), (IDS_MEMBERS, false)] {
        let out = identity
            .create_identity_pool()
            .identity_pool_name(name)
            .allow_unauthenticated_identities(guests)
            .send()
            .await
            .unwrap_or_else(|e| panic!("identity pool {name}: {e:?}"));
        seed.identity_pools.push((name.into(), out.identity_pool_id().to_string()));
    }
    seed
}
