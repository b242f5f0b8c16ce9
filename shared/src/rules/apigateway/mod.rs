//! API Gateway rules: who can reach each REST, HTTP and WebSocket API (resource policy,
//! authorisation of every method or route), what it records (access logs, tracing), what guards
//! it (WAF), and the TLS policy of its custom domain names.

use crate::context::ScanContext;
use crate::model::Outcome;
use crate::policy::{
    external_grants, is_restricting_condition, wildcard_match, Condition, ExternalKind, PolicyDocument, Statement,
};
use crate::resources::api::{Api, DomainName, Stage};
use crate::rules::policy_checks::is_deny_for_everyone;

use super::Rule;

mod access_logging_enabled;
mod api_not_public;
mod routes_require_authorization;
mod tls_1_2_minimum;
mod tracing_enabled;
mod waf_attached;

pub use access_logging_enabled::AccessLoggingEnabled;
pub use api_not_public::ApiNotPublic;
pub use routes_require_authorization::RoutesRequireAuthorization;
pub use tls_1_2_minimum::Tls12Minimum;
pub use tracing_enabled::TracingEnabled;
pub use waf_attached::WafAttached;

/// Rules evaluated once per REST, HTTP or WebSocket API.
pub static API_RULES: &[&dyn Rule<Resource = Api>] =
    &[&ApiNotPublic, &RoutesRequireAuthorization, &AccessLoggingEnabled, &WafAttached, &TracingEnabled];

/// Rules evaluated once per custom domain name.
pub static DOMAIN_RULES: &[&dyn Rule<Resource = DomainName>] = &[&Tls12Minimum];

/// How many names a finding lists before it gives only the count of the rest.
const LISTED: usize = 10;

/// `names` for a reason: the first ten, then how many more.
fn first_ten(names: &[String]) -> String {
    if names.len() <= LISTED {
        return names.join(", ");
    }
    format!("{} and {} more", names[..LISTED].join(", "), names.len() - LISTED)
}

/// The verdict of a per-stage setting over an API's deployed `stages`: NOT_APPLICABLE without
/// a stage, PASS when every stage `has` it ("every stage {has_it}"), else FAIL naming the
/// stages without it ("{n} stage(s) {without_it}: ...", the first ten).
fn every_stage(api: &Api, stages: &[Stage], has: impl Fn(&Stage) -> bool, has_it: &str, without_it: &str) -> Outcome {
    if stages.is_empty() {
        return Outcome::not_applicable(format!("the {} has no deployed stage", api.protocol.label()));
    }
    let missing: Vec<String> = stages.iter().filter(|s| !has(s)).map(|s| s.name.clone()).collect();
    if missing.is_empty() {
        return Outcome::pass(format!("every stage {has_it} ({} stage(s))", stages.len()));
    }
    Outcome::fail(format!("{} stage(s) {without_it}: {}", missing.len(), first_ten(&missing)))
}

/// The action that invokes an API.
const INVOKE: &str = "execute-api:Invoke";

/// A grant to everyone in a REST API's resource policy that reaches callers outside the account.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpenGrant {
    /// The statement's `Sid`, or `Statement[i]`.
    label: String,
    /// Who it reaches (`everyone`, or `everyone (aws:SourceIp ...)`).
    who: String,
    /// Only an organisation condition confines it while `organization_id` is not configured.
    unverified_org: bool,
}

/// Organisation condition keys that can be verified only against `organization_id`.
const ORG_KEYS: &[&str] = &["aws:PrincipalOrgID", "aws:SourceOrgID", "aws:PrincipalOrgPaths"];

/// The statements of a REST API's resource policy that let everyone invoke it, judged by the
/// shared policy engine (`external_grants`) with what else confines an API:
/// - a positive `aws:SourceIp` condition (an address allow-list: only callers from those
///   networks reach the API at all), which the engine alone does not count as confining;
/// - a `Deny` to everyone of `execute-api:Invoke` on at least the allowed resources, conditioned
///   only on *negated* matches of confining keys (`StringNotEquals aws:SourceVpce`,
///   `NotIpAddress aws:SourceIp`, ...): AWS's documented pattern for private and IP-restricted
///   APIs, which lets in only what the condition names.
fn open_grants(doc: &PolicyDocument, ctx: &ScanContext) -> Vec<OpenGrant> {
    let trust = ctx.trust();
    external_grants(doc, &trust)
        .into_iter()
        .filter(|g| g.kind == ExternalKind::Everyone)
        .filter(|g| g.statement.applies_to_action(INVOKE) || g.statement.action.is_none())
        .filter(|g| !g.statement.conditions.iter().any(|c| c.key_is("aws:SourceIp") && is_restricting_condition(c)))
        .filter_map(|g| {
            let fences: Vec<Fence> = doc.statements.iter().map(|deny| deny_confines(deny, g.statement, ctx)).collect();
            if fences.contains(&Fence::Confines) {
                return None;
            }
            let org_on_allow = ctx.config.organization_id.is_none()
                && g.statement
                    .conditions
                    .iter()
                    .any(|c| is_restricting_condition(c) && ORG_KEYS.iter().any(|k| c.key_is(k)));
            Some(OpenGrant {
                label: g.label.clone(),
                who: g.who.clone(),
                unverified_org: org_on_allow || fences.contains(&Fence::UnverifiedOrganisation),
            })
        })
        .collect()
}

/// Negated operators (lower-case base, without a set prefix or `IfExists`) under which a Deny
/// lets in only the values it names.
const NEGATED_OPERATORS: &[&str] =
    &["stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"];

/// What a `Deny` statement does to an `Allow` to everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fence {
    /// It does not confine the grant.
    No,
    /// It lets through only callers inside the account, organisation or named networks.
    Confines,
    /// It would confine the grant to an organisation, but `organization_id` is not configured.
    UnverifiedOrganisation,
}

/// Whether `deny` denies everyone `execute-api:Invoke` on every resource `allow` grants, except
/// callers its conditions name, every condition naming a confining key with values inside the
/// account, organisation or a network (see [`open_grants`]).
fn deny_confines(deny: &Statement, allow: &Statement, ctx: &ScanContext) -> Fence {
    if !is_deny_for_everyone(deny)
        || !deny.applies_to_action(INVOKE)
        || !covers_resources(deny, allow)
        || deny.conditions.is_empty()
    {
        return Fence::No;
    }
    let mut verdict = Fence::Confines;
    for c in &deny.conditions {
        match negated_confinement(c, ctx) {
            Fence::No => return Fence::No,
            Fence::UnverifiedOrganisation => verdict = Fence::UnverifiedOrganisation,
            Fence::Confines => {}
        }
    }
    verdict
}

/// What one negated condition of a Deny lets through.
fn negated_confinement(c: &Condition, ctx: &ScanContext) -> Fence {
    let op = c.operator.to_ascii_lowercase();
    if op.starts_with("forallvalues:") || !NEGATED_OPERATORS.contains(&c.base_operator().as_str()) {
        return Fence::No;
    }
    let everything = |v: &str| {
        let v = v.trim();
        (v.contains('*') && v.chars().all(|ch| ch == '*' || ch == '?')) || v == "0.0.0.0/0" || v == "::/0"
    };
    if c.values.is_empty() || c.values.iter().any(|v| everything(v)) {
        return Fence::No;
    }
    let confined = |yes: bool| if yes { Fence::Confines } else { Fence::No };
    if ["aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp", "aws:VpcSourceIp"].iter().any(|k| c.key_is(k)) {
        Fence::Confines
    } else if ["aws:PrincipalAccount", "aws:SourceAccount"].iter().any(|k| c.key_is(k)) {
        confined(c.values.iter().all(|v| ctx.is_trusted_account(v.trim())))
    } else if ["aws:PrincipalOrgID", "aws:SourceOrgID"].iter().any(|k| c.key_is(k)) {
        match ctx.config.organization_id.as_deref() {
            None => Fence::UnverifiedOrganisation,
            Some(org) => confined(c.values.iter().all(|v| v.trim().eq_ignore_ascii_case(org))),
        }
    } else {
        Fence::No
    }
}

/// The part of an `execute-api` resource after the API id (`stage/METHOD/path`), so the
/// shorthand `execute-api:/*` and the full ARN `arn:aws:execute-api:...:a1b2c3/*` compare.
fn api_path(resource: &str) -> &str {
    let r = resource.trim();
    if let Some(rest) = r.strip_prefix("execute-api:/") {
        return rest;
    }
    if r.starts_with("arn:") {
        let tail = r.splitn(6, ':').nth(5).unwrap_or("");
        return tail.split_once('/').map_or("", |(_, path)| path);
    }
    r
}

/// True when every resource `allow` names is covered by a resource of `deny` (compared on their
/// API paths, `deny`'s wildcards against `allow`'s text). An `allow` without a resource list
/// needs a `deny` on everything.
fn covers_resources(deny: &Statement, allow: &Statement) -> bool {
    let Some(denied) = &deny.resource else { return deny.not_resource.is_none() };
    let covers = |path: &str| denied.iter().any(|d| d.trim() == "*" || wildcard_match(api_path(d), path, false));
    match &allow.resource {
        Some(allowed) => allowed.iter().all(|a| covers(api_path(a))),
        None => covers("*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_apigateway_rule_is_registered_with_its_resource_type() {
        for rule in API_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("apigateway."), "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
        }
        assert_eq!(DOMAIN_RULES[0].meta().resource_type, "AwsApiGatewayDomainName");
    }

    #[test]
    fn every_api_rule_passes_on_the_fixtures() {
        let ctx = ScanContext::fixture();
        for api in [Api::fixture("a"), Api::fixture_http("h")] {
            for rule in API_RULES {
                let o = rule.evaluate(&api, &ctx);
                assert!(matches!(o.status, Status::Pass | Status::NotApplicable), "{}: {}", rule.meta().id, o.reason);
            }
        }
        assert_eq!(Tls12Minimum.evaluate(&DomainName::fixture("api.example.com"), &ctx).status, Status::Pass);
    }

    #[test]
    fn first_ten_then_a_count() {
        let names: Vec<String> = (1..=12).map(|i| format!("GET /{i}")).collect();
        assert_eq!(first_ten(&names[..2]), "GET /1, GET /2");
        assert!(first_ten(&names).ends_with("GET /10 and 2 more"), "{}", first_ten(&names));
    }

    #[test]
    fn api_paths_compare_shorthand_and_arns() {
        assert_eq!(api_path("execute-api:/*"), "*");
        assert_eq!(api_path("arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets"), "prod/GET/pets");
        assert_eq!(api_path("*"), "*");
    }
}
