//! The rule `apigateway.tls-1-2-minimum`; its documentation is on [`Tls12Minimum`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::DomainName;
use crate::rules::Rule;

rule! {
    pub struct Tls12Minimum;
    id: "apigateway.tls-1-2-minimum",
    title: "API custom domain names accept TLS 1.2 or newer only",
    severity: Medium,
    resource_type: "AwsApiGatewayDomainName",
    trigger: Periodic,
    mappings: [],
    seeds: ["002", "003"],
    what_it_checks: "Every endpoint of a custom domain name (v1 `GetDomainNames` for REST APIs, v2\n\
        `GetDomainNames` for HTTP and WebSocket APIs) uses a security policy whose minimum is TLS\n\
        1.2: `TLS_1_2`, or one of the enhanced policies (`SecurityPolicy_TLS12_...`,\n\
        `SecurityPolicy_TLS13_...`). `TLS_1_0` fails. A policy this build does not know, or an\n\
        endpoint whose answer names none, is UNKNOWN naming it, never a guess.",
    why_it_matters: "TLS 1.0 and 1.1 have known weaknesses (BEAST, POODLE-style downgrades, weak\n\
        cipher suites) and are no longer accepted by PCI DSS; a client can be made to negotiate them\n\
        when the endpoint still offers them.",
    example: "`api.example.com` created with `--security-policy TLS_1_0`.",
    remediation: "Set the custom domain name's security policy to TLS_1_2 (or an enhanced TLS 1.3 policy).\n\
        \n\
        REST: `aws apigateway update-domain-name --domain-name <name> --patch-operations op=replace,path=/securityPolicy,value=TLS_1_2`;\n\
        HTTP/WebSocket: `aws apigatewayv2 update-domain-name --domain-name <name> --domain-name-configurations SecurityPolicy=TLS_1_2,...`.",
    references: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html",
}

/// How a security policy's minimum TLS version compares with 1.2: `Some(true)` at least 1.2,
/// `Some(false)` below, `None` unknown to this build.
fn at_least_tls_1_2(policy: &str) -> Option<bool> {
    let p = policy.trim();
    if p.eq_ignore_ascii_case("TLS_1_0") || p.eq_ignore_ascii_case("TLS_1_1") {
        return Some(false);
    }
    if p.eq_ignore_ascii_case("TLS_1_2") || p.eq_ignore_ascii_case("TLS_1_3") {
        return Some(true);
    }
    let upper = p.to_ascii_uppercase();
    let enhanced = upper.strip_prefix("SECURITYPOLICY_")?;
    // `TLS13_1_2_...`: TLS 1.3 preferred, 1.2 minimum; `TLS13_1_3_...`: 1.3 only;
    // `TLS12_...`: 1.2 minimum; `TLS13_2025_EDGE`: 1.3 preferred, 1.2 minimum.
    if enhanced.starts_with("TLS12") || enhanced.starts_with("TLS13") {
        let below = ["_1_0", "_1_1"].iter().any(|v| enhanced[5..].starts_with(v));
        return Some(!below);
    }
    None
}

impl Rule for Tls12Minimum {
    type Resource = DomainName;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, domain: &DomainName, _ctx: &ScanContext) -> Outcome {
        if domain.security_policies.is_empty() {
            return Outcome::unknown("the answer named no endpoint configuration for the domain name");
        }
        let mut weak = Vec::new();
        let mut unknown = Vec::new();
        for policy in &domain.security_policies {
            match policy.as_deref().map(|p| (p, at_least_tls_1_2(p))) {
                None => unknown.push("no security policy in the answer".to_string()),
                Some((p, None)) => unknown.push(format!("security policy {p} is not known to this build")),
                Some((p, Some(false))) => weak.push(p.to_string()),
                Some((_, Some(true))) => {}
            }
        }
        if !weak.is_empty() {
            return Outcome::fail(format!(
                "the domain name accepts TLS below 1.2 (security policy {})",
                weak.join(", ")
            ));
        }
        if !unknown.is_empty() {
            return Outcome::unknown(unknown.join("; "));
        }
        let policies: Vec<&str> = domain.security_policies.iter().flatten().map(String::as_str).collect();
        Outcome::pass(format!("security policy {} requires TLS 1.2 or newer", policies.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn with(policies: &[Option<&str>]) -> DomainName {
        DomainName {
            security_policies: policies.iter().map(|p| p.map(str::to_string)).collect(),
            ..DomainName::fixture("api.example.com")
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, DomainName, Status, &str)> = vec![
            ("TLS_1_2", with(&[Some("TLS_1_2")]), Status::Pass, "security policy TLS_1_2 requires TLS 1.2"),
            (
                "enhanced 1.3 with 1.2 minimum",
                with(&[Some("SecurityPolicy_TLS13_1_2_2021_06")]),
                Status::Pass,
                "TLS13_1_2",
            ),
            ("enhanced edge", with(&[Some("SecurityPolicy_TLS13_2025_EDGE")]), Status::Pass, "TLS 1.2 or newer"),
            ("TLS 1.2 PFS", with(&[Some("SecurityPolicy_TLS12_PFS_2025_EDGE")]), Status::Pass, "TLS 1.2 or newer"),
            ("TLS_1_0", with(&[Some("TLS_1_0")]), Status::Fail, "accepts TLS below 1.2 (security policy TLS_1_0)"),
            ("one weak endpoint of two", with(&[Some("TLS_1_2"), Some("TLS_1_0")]), Status::Fail, "TLS_1_0"),
            (
                "unknown policy",
                with(&[Some("SecurityPolicy_FUTURE")]),
                Status::Unknown,
                "SecurityPolicy_FUTURE is not known",
            ),
            ("no policy", with(&[None]), Status::Unknown, "no security policy in the answer"),
            ("no endpoint", with(&[]), Status::Unknown, "no endpoint configuration"),
        ];
        let ctx = ScanContext::fixture();
        for (name, domain, status, needle) in cases {
            let o = Tls12Minimum.evaluate(&domain, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
