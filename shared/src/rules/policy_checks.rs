//! Resource-policy questions several services' rules ask, answered once over the shared policy
//! engine (`crate::policy`): "does this policy expose the resource" (a thin reading of
//! `policy::external_grants` with the scan's `Trust`, never a second evaluator) and "does this
//! statement deny plain-HTTP requests to everyone".

use crate::context::ScanContext;
use crate::model::Outcome;
use crate::policy::{
    external_grants, has_restricting_condition, is_public_statement, is_restricting_condition, Condition, Effect,
    ExternalKind, PolicyDocument, Statement,
};

/// How a statement is named in a reason: its `Sid`, or its position in the document.
pub(crate) fn statement_label(doc: &PolicyDocument, statement: &Statement) -> String {
    match &statement.sid {
        Some(sid) if !sid.is_empty() => format!("{sid:?}"),
        _ => match doc.statements.iter().position(|s| std::ptr::eq(s, statement)) {
            Some(i) => format!("Statement[{i}]"),
            None => "(unnamed)".to_string(),
        },
    }
}

/// The actions a statement allows, for a reason.
pub(crate) fn describe_actions(statement: &Statement) -> String {
    match (&statement.action, &statement.not_action) {
        (Some(actions), _) => actions.join(", "),
        (None, Some(excluded)) => format!("every action except {}", excluded.join(", ")),
        (None, None) => "no action".to_string(),
    }
}

/// True for a `Deny` whose `Principal` is everyone. A `Deny` with `NotPrincipal` exempts the
/// principals it lists, so it does not count.
pub(crate) fn is_deny_for_everyone(statement: &Statement) -> bool {
    statement.effect == Effect::Deny
        && statement.not_principal.is_none()
        && statement.principal.as_ref().is_some_and(|p| p.is_everyone())
}

/// `Bool`/`BoolIfExists` `aws:SecureTransport` = `false`.
pub(crate) fn is_insecure_transport(condition: &Condition) -> bool {
    condition.key_is("aws:SecureTransport")
        && matches!(condition.operator.to_ascii_lowercase().as_str(), "bool" | "boolifexists")
        && condition.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
}

/// True when `statement` denies `action` on `resource_arn` to everyone, conditioned on
/// `aws:SecureTransport=false` and on nothing else (another condition would narrow the deny).
pub(crate) fn denies_insecure_transport(statement: &Statement, action: &str, resource_arn: &str) -> bool {
    is_deny_for_everyone(statement)
        && statement.applies_to_action(action)
        && statement.applies_to_resource(resource_arn)
        && !statement.conditions.is_empty()
        && statement.conditions.iter().all(is_insecure_transport)
}

/// Organisation condition keys `external_grants` can verify only against `organization_id`.
const ORG_KEYS: &[&str] = &["aws:PrincipalOrgID", "aws:SourceOrgID", "aws:PrincipalOrgPaths"];

/// Which grants a "not public" question counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Grants to everyone only; cross-account grants to named accounts are another rule's.
    Everyone,
    /// Grants to everyone and to foreign, untrusted accounts (not service principals, which
    /// are the confused-deputy rules').
    OutsideTrust,
}

/// The verdict of a "not public" rule on a resource policy with [`Audience::OutsideTrust`]:
/// FAIL for every `Allow` that reaches everyone (`*`, `{"AWS":"*"}`, `NotPrincipal`) or a
/// foreign, untrusted account without a condition confining it to the account or organisation;
/// PASS otherwise. `noun` names the resource kind in the reason ("topic", "queue").
pub(crate) fn not_public(doc: &PolicyDocument, ctx: &ScanContext, noun: &str) -> Outcome {
    exposure(doc, ctx, Audience::OutsideTrust).unwrap_or_else(|| {
        Outcome::pass(format!("no {noun} policy statement allows everyone or another account outside the organisation"))
    })
}

/// The exposure of a resource policy to `audience`: `Some(FAIL)` naming every statement that
/// reaches it without a condition confining it to the account or organisation; `Some(PASS)`
/// with a note when the only such statements are confined by an organisation condition while
/// `organization_id` is not configured (it cannot be verified); `None` when nothing reaches it
/// (the caller words that PASS).
pub(crate) fn exposure(doc: &PolicyDocument, ctx: &ScanContext, audience: Audience) -> Option<Outcome> {
    let counted = |kind: ExternalKind| match audience {
        Audience::Everyone => kind == ExternalKind::Everyone,
        Audience::OutsideTrust => kind != ExternalKind::Service,
    };
    let mut exposed = Vec::new();
    let mut unverified = Vec::new();
    for g in external_grants(doc, &ctx.trust()).into_iter().filter(|g| counted(g.kind)) {
        let actions = describe_actions(g.statement);
        let unverifiable_org = ctx.config.organization_id.is_none()
            && g.statement
                .conditions
                .iter()
                .any(|c| is_restricting_condition(c) && ORG_KEYS.iter().any(|k| c.key_is(k)));
        if is_public_statement(g.statement) || (g.kind == ExternalKind::Account && !unverifiable_org) {
            let unconditioned =
                if has_restricting_condition(g.statement) { "" } else { " without a restricting condition" };
            exposed.push(format!("statement {} allows {actions} to {}{unconditioned}", g.label, g.who));
        } else if unverifiable_org {
            unverified.push(g.label);
        } else {
            exposed.push(format!("statement {} allows {actions} to {}", g.label, g.who));
        }
    }
    if !exposed.is_empty() {
        return Some(Outcome::fail(exposed.join("; ")));
    }
    if !unverified.is_empty() {
        return Some(Outcome::pass(format!(
            "statement {} allows everyone in an organisation; set organization_id to verify it is yours",
            unverified.join(", ")
        )));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::ScanConfig;

    fn doc(statement: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap()
    }

    const A: &str = r#""Action":"sqs:SendMessage","Resource":"*""#;

    #[test]
    fn not_public_table() {
        let cases: Vec<(&str, String, Status, &str)> = vec![
            (
                "own account",
                format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"123456789012"}},{A}}}"#),
                Status::Pass,
                "no queue policy statement",
            ),
            (
                "everyone",
                format!(r#"{{"Sid":"Open","Effect":"Allow","Principal":"*",{A}}}"#),
                Status::Fail,
                "statement Open allows sqs:SendMessage to everyone without a restricting condition",
            ),
            (
                "foreign account",
                format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},{A}}}"#),
                Status::Fail,
                "account 999999999999 without a restricting condition",
            ),
            (
                "everyone, own source account",
                format!(
                    r#"{{"Effect":"Allow","Principal":"*",{A},"Condition":{{"StringEquals":{{"aws:SourceAccount":"123456789012"}}}}}}"#
                ),
                Status::Pass,
                "no queue policy",
            ),
            (
                "everyone, foreign source account",
                format!(
                    r#"{{"Effect":"Allow","Principal":"*",{A},"Condition":{{"StringEquals":{{"aws:SourceAccount":"999999999999"}}}}}}"#
                ),
                Status::Fail,
                "aws:SourceAccount 999999999999",
            ),
            (
                "everyone, organisation unset",
                format!(
                    r#"{{"Sid":"Org","Effect":"Allow","Principal":"*",{A},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
                ),
                Status::Pass,
                "set organization_id",
            ),
            (
                "service principal",
                format!(r#"{{"Effect":"Allow","Principal":{{"Service":"s3.amazonaws.com"}},{A}}}"#),
                Status::Pass,
                "no queue policy",
            ),
            (
                "deny to everyone",
                format!(r#"{{"Effect":"Deny","Principal":"*",{A}}}"#),
                Status::Pass,
                "no queue policy",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, statement, status, needle) in cases {
            let o = not_public(&doc(&statement), &ctx, "queue");
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn trusted_accounts_and_the_organisation_are_inside() {
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig {
            trusted_accounts: vec!["999999999999".into()],
            organization_id: Some("o-mine999".into()),
            ..ScanConfig::default()
        });
        let trusted = doc(&format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"999999999999"}},{A}}}"#));
        assert_eq!(not_public(&trusted, &ctx, "queue").status, Status::Pass);
        let other_org = doc(&format!(
            r#"{{"Effect":"Allow","Principal":"*",{A},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ));
        let o = not_public(&other_org, &ctx, "queue");
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert!(o.reason.contains("aws:PrincipalOrgID o-abc123"), "{}", o.reason);
    }

    #[test]
    fn insecure_transport_denies() {
        let arn = "arn:aws:sns:us-east-1:123456789012:t";
        let yes = doc(
            r#"{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        );
        assert!(denies_insecure_transport(&yes.statements[0], "sns:Publish", arn));
        let narrowed = doc(
            r#"{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:PrincipalAccount":"1"}}}"#,
        );
        assert!(!denies_insecure_transport(&narrowed.statements[0], "sns:Publish", arn));
        let other_action = doc(
            r#"{"Effect":"Deny","Principal":"*","Action":"sns:Subscribe","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        );
        assert!(!denies_insecure_transport(&other_action.statements[0], "sns:Publish", arn));
    }
}
