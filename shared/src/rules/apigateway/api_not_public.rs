//! The rule `apigateway.api-not-public`; its documentation is on [`ApiNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::{Api, ApiProtocol};
use crate::rules::Rule;

use super::open_grants;

rule! {
    pub struct ApiNotPublic;
    id: "apigateway.api-not-public",
    title: "REST API resource policy lets no one outside invoke it",
    severity: High,
    resource_type: "AwsApiGatewayRestApi",
    trigger: Change,
    mappings: [],
    seeds: ["004"],
    what_it_checks: "A REST API's resource policy has no `Allow` statement that lets everyone\n\
        (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, `NotPrincipal`) invoke it without a condition that\n\
        confines the callers. The shared policy engine (`policy::external_grants` with the scan's\n\
        account, `organization_id` and `trusted_accounts`) decides which grants reach outside; on\n\
        top of it, what confines an *API*:\n\
        - a positive `aws:SourceVpce`, `aws:SourceVpc`, `aws:SourceIp` (an address allow-list),\n\
          `aws:PrincipalOrgID` (own organisation) or account condition (`aws:PrincipalAccount`,\n\
          `aws:SourceAccount` naming the account or a trusted one) on the `Allow`;\n\
        - or AWS's documented pattern for private and IP-restricted APIs: an `Allow` to `*` next to\n\
          a `Deny` to `*` of `execute-api:Invoke` on at least the same resources whose conditions are\n\
          all *negated* matches of those keys (`StringNotEquals aws:SourceVpce vpce-...`,\n\
          `NotIpAddress aws:SourceIp ...`), which lets in only what they name.\n\
        \n\
        A FAIL names each statement (its `Sid`, or `Statement[i]`). A `PRIVATE` API must have a\n\
        policy at all (without one it FAILs: nothing says which VPC endpoints may call it). An\n\
        `EDGE` or `REGIONAL` API without a policy passes with a note: its exposure is\n\
        `apigateway.routes-require-authorization`'s concern. *Choice*: a grant confined by an\n\
        organisation condition while `organization_id` is not configured passes with a note to set\n\
        it. HTTP and WebSocket APIs have no resource policy: NOT_APPLICABLE. A policy that could not\n\
        be read or is not JSON is UNKNOWN.",
    why_it_matters: "A resource policy that allows `execute-api:Invoke` to `*` without a\n\
        confining condition opens the API to the whole internet (or, for a private API, to every\n\
        VPC endpoint of every account), bypassing the network boundary the API was meant to sit\n\
        behind.",
    example: "`{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"}` with no `Deny` and no condition.",
    remediation: "Confine the REST API's resource policy: add a Deny of execute-api:Invoke with StringNotEquals aws:SourceVpce (private APIs) or NotIpAddress aws:SourceIp, or condition the Allow on your VPC endpoint, network, organisation or account.\n\
        \n\
        For a private API, follow AWS's pattern: `Allow` `*` to `execute-api:/*` and `Deny` `*`\n\
        `execute-api:/*` when `StringNotEquals` `aws:SourceVpce` is not your endpoint. For a public\n\
        API, restrict by `aws:SourceIp` or put authorisation on every method. Redeploy the API\n\
        after changing its policy.",
    references: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html",
}

impl Rule for ApiNotPublic {
    type Resource = Api;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, api: &Api, ctx: &ScanContext) -> Outcome {
        if api.protocol != ApiProtocol::Rest {
            return Outcome::not_applicable(format!("{} has no resource policy", api.protocol.label()));
        }
        let Some(doc) = known!(api.policy) else {
            if api.is_private() {
                return Outcome::fail(
                    "the PRIVATE API has no resource policy: nothing says which VPC endpoints may invoke it",
                );
            }
            return Outcome::pass(
                "the API has no resource policy; who can call it is decided by each method's authorisation",
            );
        };
        let grants = open_grants(doc, ctx);
        let exposed: Vec<String> = grants
            .iter()
            .filter(|g| !g.unverified_org)
            .map(|g| {
                format!("statement {} allows execute-api:Invoke to {} without a confining condition", g.label, g.who)
            })
            .collect();
        if !exposed.is_empty() {
            return Outcome::fail(exposed.join("; "));
        }
        if !grants.is_empty() {
            let labels: Vec<&str> = grants.iter().map(|g| g.label.as_str()).collect();
            return Outcome::pass(format!(
                "statement {} allows everyone in an organisation; set organization_id to verify it is yours",
                labels.join(", ")
            ));
        }
        Outcome::pass("no policy statement lets everyone invoke the API without a confining condition")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::api::denied;
    use crate::ScanConfig;

    fn with(endpoint: &str, statements: &str) -> Api {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap();
        Api { endpoint_types: vec![endpoint.into()], policy: Ok(Some(doc)), ..Api::fixture("a1") }
    }

    const ALLOW_ALL: &str =
        r#"{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
    const ALLOW_ALL_ARN: &str = r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1/*"}"#;

    fn deny_unless(op: &str, key: &str, value: &str, resource: &str) -> String {
        format!(
            r#"{{"Sid":"Fence","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"{resource}","Condition":{{"{op}":{{"{key}":"{value}"}}}}}}"#
        )
    }

    fn allow_if(op: &str, key: &str, value: &str) -> String {
        format!(
            r#"{{"Sid":"Cond","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"{op}":{{"{key}":"{value}"}}}}}}"#
        )
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, Api, Status, &str)> = vec![
            ("regional, no policy", Api::fixture("a1"), Status::Pass, "no resource policy"),
            (
                "private, no policy",
                Api { endpoint_types: vec!["PRIVATE".into()], ..Api::fixture("a1") },
                Status::Fail,
                "PRIVATE API has no resource policy",
            ),
            (
                "everyone, no condition",
                with("REGIONAL", ALLOW_ALL),
                Status::Fail,
                "statement Open allows execute-api:Invoke to everyone without a confining condition",
            ),
            (
                "trap: private, allow * only through the VPC endpoint (Deny StringNotEquals)",
                with(
                    "PRIVATE",
                    &format!(
                        "{ALLOW_ALL},{}",
                        deny_unless("StringNotEquals", "aws:SourceVpce", "vpce-0a1b", "execute-api:/*")
                    ),
                ),
                Status::Pass,
                "no policy statement lets everyone invoke",
            ),
            (
                "private, allow * with a positive aws:SourceVpce",
                with("PRIVATE", &allow_if("StringEquals", "aws:SourceVpce", "vpce-0a1b")),
                Status::Pass,
                "no policy statement",
            ),
            (
                "full ARNs as AWS stores them, fenced by aws:SourceVpc",
                with(
                    "PRIVATE",
                    &format!(
                        "{ALLOW_ALL_ARN},{}",
                        deny_unless(
                            "StringNotEquals",
                            "aws:SourceVpc",
                            "vpc-1",
                            "arn:aws:execute-api:us-east-1:123456789012:a1/*"
                        )
                    ),
                ),
                Status::Pass,
                "no policy statement",
            ),
            (
                "IP allow-list on the Allow",
                with("REGIONAL", &allow_if("IpAddress", "aws:SourceIp", "203.0.113.0/24")),
                Status::Pass,
                "no policy statement",
            ),
            (
                "IP fence as a Deny",
                with(
                    "REGIONAL",
                    &format!(
                        "{ALLOW_ALL},{}",
                        deny_unless("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "execute-api:/*")
                    ),
                ),
                Status::Pass,
                "no policy statement",
            ),
            (
                "a Deny that fences only one stage leaves the rest open",
                with(
                    "REGIONAL",
                    &format!(
                        "{ALLOW_ALL},{}",
                        deny_unless("StringNotEquals", "aws:SourceVpce", "vpce-1", "execute-api:/prod/*")
                    ),
                ),
                Status::Fail,
                "statement Open",
            ),
            (
                "a Deny on a positive match fences nothing",
                with(
                    "REGIONAL",
                    &format!(
                        "{ALLOW_ALL},{}",
                        deny_unless("StringEquals", "aws:SourceVpce", "vpce-1", "execute-api:/*")
                    ),
                ),
                Status::Fail,
                "statement Open",
            ),
            (
                "a Deny with a match-everything address",
                with(
                    "REGIONAL",
                    &format!(
                        "{ALLOW_ALL},{}",
                        deny_unless("NotIpAddress", "aws:SourceIp", "0.0.0.0/0", "execute-api:/*")
                    ),
                ),
                Status::Fail,
                "statement Open",
            ),
            (
                "IfExists on the Allow does not confine",
                with("REGIONAL", &allow_if("StringEqualsIfExists", "aws:SourceVpce", "vpce-1")),
                Status::Fail,
                "statement Cond",
            ),
            (
                "own account",
                with("REGIONAL", &allow_if("StringEquals", "aws:PrincipalAccount", "123456789012")),
                Status::Pass,
                "no policy statement",
            ),
            (
                "a foreign account condition",
                with("REGIONAL", &allow_if("StringEquals", "aws:PrincipalAccount", "999999999999")),
                Status::Fail,
                "aws:PrincipalAccount 999999999999",
            ),
            (
                "organisation, organization_id unset",
                with("REGIONAL", &allow_if("StringEquals", "aws:PrincipalOrgID", "o-abc123")),
                Status::Pass,
                "set organization_id",
            ),
            (
                "a named account is not everyone",
                with(
                    "REGIONAL",
                    r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#,
                ),
                Status::Pass,
                "no policy statement",
            ),
            ("HTTP API", Api::fixture_http("h1"), Status::NotApplicable, "HTTP API has no resource policy"),
            (
                "policy not JSON",
                Api {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "apigateway:GET",
                        "policy of REST API a1: expected value",
                    )),
                    ..Api::fixture("a1")
                },
                Status::Unknown,
                "malformed document",
            ),
            (
                "access denied",
                Api { policy: Err(denied("apigateway:GET")), ..Api::fixture("a1") },
                Status::Unknown,
                "access denied on apigateway:GET",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, api, status, needle) in cases {
            let o = ApiNotPublic.evaluate(&api, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn organisation_is_checked_once_configured() {
        let api = with(
            "PRIVATE",
            &format!("{ALLOW_ALL},{}", deny_unless("StringNotEquals", "aws:PrincipalOrgID", "o-abc123", "*")),
        );
        let mut ctx = ScanContext::fixture();
        let o = ApiNotPublic.evaluate(&api, &ctx);
        assert_eq!(o.status, Status::Pass, "{}", o.reason);
        assert!(o.reason.contains("set organization_id"), "{}", o.reason);
        ctx.config = Arc::new(ScanConfig { organization_id: Some("o-abc123".into()), ..ScanConfig::default() });
        let o = ApiNotPublic.evaluate(&api, &ctx);
        assert_eq!(o.status, Status::Pass, "{}", o.reason);
        assert!(!o.reason.contains("organization_id"), "{}", o.reason);
        ctx.config = Arc::new(ScanConfig { organization_id: Some("o-mine999".into()), ..ScanConfig::default() });
        assert_eq!(ApiNotPublic.evaluate(&api, &ctx).status, Status::Fail, "another organisation does not fence");
    }
}
