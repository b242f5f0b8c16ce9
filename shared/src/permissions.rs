//! The IAM actions each deployed function needs, derived from the collectors and publishers it
//! wires together: an audit function's from its descriptor in [`crate::audit::AUDITS`]. `template.yaml` must grant each function's role exactly these (a test in
//! `tests/` compares them).
//!
//! Two optional modes add actions the template grants only under a condition:
//! - AWS Config custom rules (`publish::config_evaluations`, `EnableConfigRules`);
//! - hub-and-spoke (`collect::members`, `MemberAccountIds`): `sts:AssumeRole` on the member
//!   role and `secretsmanager:GetSecretValue` on the external id's secret. The member side is
//!   two roles a member stack creates for the hub (`HubAccountId`): [`member_audit_role`], the
//!   audits' reads, and [`member_publish_role`], the Security Hub import only publish-findings
//!   may assume. [`member_session_actions`] is what each hub function's member sessions are
//!   limited to.

use crate::audit::AUDITS;
use crate::{collect, publish, secret_store};

/// Actions every function needs to write its own logs (scoped in the template to the
/// function's own log group).
pub const LOGGING_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

/// The audit functions (one crate each), in the order the template declares them.
pub fn audit_functions() -> impl Iterator<Item = &'static str> {
    AUDITS.iter().map(|a| a.function)
}

/// The read actions of an audit function's collector.
pub fn collector_actions(function: &str) -> Option<&'static [&'static str]> {
    crate::audit::by_function(function).map(|a| a.collector_actions)
}

fn sorted(mut actions: Vec<&'static str>) -> Vec<&'static str> {
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The IAM actions of a function, by its crate name, or `None` for an unknown function.
pub fn for_function(name: &str) -> Option<Vec<&'static str>> {
    let actions: Vec<&'static str> = match (name, collector_actions(name)) {
        (_, Some(reads)) => [
            reads,
            publish::sqs::SEND_ACTIONS,
            publish::config_evaluations::IAM_ACTIONS,
            collect::members::IAM_ACTIONS,
            secret_store::IAM_ACTIONS,
            LOGGING_ACTIONS,
        ]
        .concat(),
        // The alert webhook's secret (`secret_store::IAM_ACTIONS`): granted by the template only
        // when a secret is configured; its optional KMS key needs `kms:Decrypt`, already in
        // `publish::sns::IAM_ACTIONS`. Hub mode: it imports each member's findings as that
        // member (`collect::members::IAM_ACTIONS`).
        ("publish-findings", None) => [
            publish::sqs::CONSUME_ACTIONS,
            publish::outbox::IAM_ACTIONS,
            publish::securityhub::IAM_ACTIONS,
            publish::sns::IAM_ACTIONS,
            secret_store::IAM_ACTIONS,
            collect::members::IAM_ACTIONS,
            LOGGING_ACTIONS,
        ]
        .concat(),
        _ => return None,
    };
    Some(sorted(actions))
}

/// The member audit role (hub-and-spoke): every audit collector's reads, nothing else.
pub fn member_audit_role() -> Vec<&'static str> {
    sorted(AUDITS.iter().flat_map(|a| a.collector_actions).copied().collect())
}

/// The member publish role (hub-and-spoke), which only the hub's publish-findings may assume:
/// the Security Hub import of the member's own findings, which only the member itself may do.
pub fn member_publish_role() -> Vec<&'static str> {
    sorted(publish::securityhub::IAM_ACTIONS.to_vec())
}

/// What a hub function's sessions in a member are limited to (their session policy): an
/// audit's collector reads, publish-findings' Security Hub import; `None` for an unknown
/// function.
pub fn member_session_actions(function: &str) -> Option<Vec<&'static str>> {
    match (function, collector_actions(function)) {
        (_, Some(reads)) => Some(sorted(reads.to_vec())),
        ("publish-findings", None) => Some(member_publish_role()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_function_has_collector_actions_and_the_member_role_has_them_all() {
        let member = member_audit_role();
        for f in audit_functions() {
            let reads = collector_actions(f).unwrap_or_else(|| panic!("{f} has no collector actions"));
            assert!(reads.iter().all(|a| member.contains(a)), "{f}");
            assert!(for_function(f).is_some_and(|all| all.contains(&"sts:AssumeRole")), "{f}");
            // Its member sessions: its own reads, never the import.
            let session = member_session_actions(f).unwrap_or_default();
            assert_eq!(session, sorted(reads.to_vec()), "{f}");
            assert!(!session.iter().any(|a| a.starts_with("securityhub:BatchImport")), "{f}");
        }
        // Reads only: nothing that sends, assumes, writes config, reads a secret or imports findings.
        for forbidden in [
            "sqs:SendMessage",
            "sts:AssumeRole",
            "config:PutEvaluations",
            "secretsmanager:GetSecretValue",
            "securityhub:BatchImportFindings",
        ] {
            assert!(!member.contains(&forbidden), "{forbidden} in {member:?}");
        }
        // Only publish-findings imports, through its own member role.
        assert_eq!(member_publish_role(), ["securityhub:BatchImportFindings", "securityhub:GetFindings"]);
        assert_eq!(member_session_actions("publish-findings"), Some(member_publish_role()));
        assert_eq!(for_function("nope"), None);
        assert_eq!(member_session_actions("nope"), None);
    }
}
