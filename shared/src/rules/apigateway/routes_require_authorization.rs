//! The rule `apigateway.routes-require-authorization`; its documentation is on
//! [`RoutesRequireAuthorization`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::{Api, ApiProtocol, Operation};
use crate::rules::Rule;

use super::first_ten;

rule! {
    pub struct RoutesRequireAuthorization;
    id: "apigateway.routes-require-authorization",
    title: "Every API method or route requires authorisation",
    severity: High,
    resource_type: "AwsApiGatewayRestApi",
    trigger: Change,
    mappings: [Fsbp("APIGateway.8")],
    seeds: ["003", "004"],
    what_it_checks: "Every method of a REST API (`GetResources` with `embed=methods`) and every\n\
        route of an HTTP API (`GetRoutes`) has an authorizer: `AWS_IAM`, `COGNITO_USER_POOLS`,\n\
        `CUSTOM` (a Lambda authorizer) or `JWT`. Exemptions:\n\
        - `OPTIONS` methods and routes (CORS preflights carry no credentials by design);\n\
        - on a WebSocket API only `$connect` is checked: API Gateway authorises a WebSocket\n\
          connection once, when it opens, and other routes cannot carry an authorizer.\n\
        \n\
        A method that only requires an API key (`apiKeyRequired` with authorisation `NONE`) is\n\
        **not** authorised: API keys identify a usage plan, they are not credentials. A FAIL names\n\
        each unauthorised method or route (the first ten, then how many more). An API without any\n\
        method or route is NOT_APPLICABLE. A listing that could not be read is UNKNOWN; a method\n\
        whose answer names no authorisation type is reported as UNKNOWN too, never as open.",
    why_it_matters: "A method without an authorizer can be invoked by anyone who can reach the\n\
        endpoint: the backend function runs for every anonymous caller, with its own permissions.",
    example: "`GET /orders` on a regional REST API with `authorizationType: NONE` and\n\
        `apiKeyRequired: true`: anyone holding (or guessing, or finding in a mobile app) the key can\n\
        call it.",
    remediation: "Attach an authorizer (IAM, Cognito user pool, Lambda or JWT) to every method or route other than OPTIONS, then redeploy the API.\n\
        \n\
        REST: `aws apigateway update-method --patch-operations op=replace,path=/authorizationType,value=AWS_IAM`\n\
        (or `COGNITO_USER_POOLS`/`CUSTOM` with an `authorizerId`). HTTP API: `aws apigatewayv2\n\
        update-route --authorization-type JWT --authorizer-id ...`. Keep API keys for throttling\n\
        and quotas only.",
    references: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html",
}

/// True when the operation is exempt: a CORS preflight, or a WebSocket route other than
/// `$connect`.
fn exempt(api: &Api, op: &Operation) -> bool {
    match api.protocol {
        ApiProtocol::WebSocket => op.name != "$connect",
        ApiProtocol::Rest | ApiProtocol::Http => op.method.eq_ignore_ascii_case("OPTIONS"),
    }
}

impl Rule for RoutesRequireAuthorization {
    type Resource = Api;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, api: &Api, _ctx: &ScanContext) -> Outcome {
        let operations = known!(api.operations);
        let what = if api.protocol == ApiProtocol::Rest { "method" } else { "route" };
        let checked: Vec<&Operation> = operations.iter().filter(|op| !exempt(api, op)).collect();
        if checked.is_empty() {
            return Outcome::not_applicable(format!(
                "the {} has no {what} that needs an authorizer",
                api.protocol.label()
            ));
        }
        let unread: Vec<String> =
            checked.iter().filter(|op| op.authorization_type.is_none()).map(|op| op.name.clone()).collect();
        let open: Vec<String> = checked
            .iter()
            .filter(|op| op.authorization_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("NONE")))
            .map(|op| if op.api_key_required { format!("{} (API key only)", op.name) } else { op.name.clone() })
            .collect();
        if !open.is_empty() {
            return Outcome::fail(format!("{} {what}(s) without an authorizer: {}", open.len(), first_ten(&open)));
        }
        if !unread.is_empty() {
            return Outcome::unknown(format!("the answer named no authorisation type for {}", first_ten(&unread)));
        }
        Outcome::pass(format!(
            "every {what} of the {} has an authorizer ({} checked)",
            api.protocol.label(),
            checked.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::api::denied;

    fn rest(ops: Vec<Operation>) -> Api {
        Api { operations: Ok(ops), ..Api::fixture("a1") }
    }

    fn v2(protocol: ApiProtocol, ops: Vec<Operation>) -> Api {
        Api { protocol, operations: Ok(ops), ..Api::fixture_http("h1") }
    }

    #[test]
    fn table() {
        let many: Vec<Operation> = (1..=12).map(|i| Operation::v1("GET", &format!("/r{i}"), "NONE", false)).collect();
        let cases: Vec<(&str, Api, Status, &str)> = vec![
            (
                "IAM and a preflight",
                Api::fixture("a1"),
                Status::Pass,
                "every method of the REST API has an authorizer (1 checked)",
            ),
            (
                "Cognito, Lambda authorizers",
                rest(vec![
                    Operation::v1("GET", "/a", "COGNITO_USER_POOLS", false),
                    Operation::v1("POST", "/a", "CUSTOM", true),
                ]),
                Status::Pass,
                "2 checked",
            ),
            (
                "open method",
                rest(vec![Operation::v1("DELETE", "/orders/{id}", "NONE", false)]),
                Status::Fail,
                "1 method(s) without an authorizer: DELETE /orders/{id}",
            ),
            (
                "API key alone",
                rest(vec![Operation::v1("GET", "/orders", "NONE", true)]),
                Status::Fail,
                "GET /orders (API key only)",
            ),
            ("first ten then a count", rest(many), Status::Fail, "12 method(s) without an authorizer: GET /r1, "),
            (
                "only preflights",
                rest(vec![Operation::v1("OPTIONS", "/a", "NONE", false)]),
                Status::NotApplicable,
                "no method that needs an authorizer",
            ),
            ("no methods", rest(Vec::new()), Status::NotApplicable, "no method"),
            (
                "trap: HTTP route with a JWT authorizer",
                Api::fixture_http("h1"),
                Status::Pass,
                "every route of the HTTP API",
            ),
            (
                "HTTP route open",
                v2(ApiProtocol::Http, vec![Operation::v2("ANY /{proxy+}", Some("NONE"), false)]),
                Status::Fail,
                "ANY /{proxy+}",
            ),
            (
                "HTTP $default open",
                v2(ApiProtocol::Http, vec![Operation::v2("$default", Some("NONE"), false)]),
                Status::Fail,
                "$default",
            ),
            (
                "HTTP OPTIONS exempt",
                v2(
                    ApiProtocol::Http,
                    vec![
                        Operation::v2("OPTIONS /a", Some("NONE"), false),
                        Operation::v2("GET /a", Some("AWS_IAM"), false),
                    ],
                ),
                Status::Pass,
                "1 checked",
            ),
            (
                "WebSocket: $connect authorised, message routes exempt",
                v2(
                    ApiProtocol::WebSocket,
                    vec![
                        Operation::v2("$connect", Some("CUSTOM"), false),
                        Operation::v2("sendmessage", Some("NONE"), false),
                    ],
                ),
                Status::Pass,
                "1 checked",
            ),
            (
                "WebSocket: open $connect",
                v2(ApiProtocol::WebSocket, vec![Operation::v2("$connect", Some("NONE"), false)]),
                Status::Fail,
                "$connect",
            ),
            (
                "no authorisation type in the answer",
                v2(ApiProtocol::Http, vec![Operation::v2("GET /a", None, false)]),
                Status::Unknown,
                "named no authorisation type for GET /a",
            ),
            (
                "GetResources denied",
                Api { operations: Err(denied("apigateway:GET")), ..Api::fixture("a1") },
                Status::Unknown,
                "access denied on apigateway:GET",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, api, status, needle) in cases {
            let o = RoutesRequireAuthorization.evaluate(&api, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
        let o = RoutesRequireAuthorization
            .evaluate(&rest((1..=12).map(|i| Operation::v1("GET", &format!("/r{i}"), "NONE", false)).collect()), &ctx);
        assert!(o.reason.ends_with("GET /r10 and 2 more"), "{}", o.reason);
    }
}
