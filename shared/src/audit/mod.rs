//! Audits: one per deployed function. An audit ties a collector to its rules and decides what a
//! full scan or a single-resource (change event) scan produces.

pub mod account;
pub mod cloudformation;
pub mod iam;
pub mod lambda;
pub mod messaging;
pub mod network;
pub mod s3;
pub mod secretsmanager;

use crate::collect::{CollectError, Collected};
use crate::context::ScanContext;
use crate::engine::{evaluate_all, same_outcome_for_all, Resource};
use crate::model::{Finding, Outcome, ResourceRef};
use crate::pipeline::ScanSummary;
use crate::rules::Rule;

/// What an audit run produced.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub findings: Vec<Finding>,
    /// Present for a complete full scan only: the publisher archives what it did not refresh.
    pub summary: Option<ScanSummary>,
}

impl AuditReport {
    /// The report of a full scan of `audit`: its findings, and a summary that lets the publisher
    /// archive what the scan did not refresh within `archive_scope` (rule ids). `None` when the
    /// listings the scope depends on failed: nothing is archived on the strength of a failed
    /// listing.
    pub fn full_scan(
        audit: &str,
        findings: Vec<Finding>,
        archive_scope: Option<Vec<String>>,
        ctx: &ScanContext,
    ) -> Self {
        let summary = archive_scope.map(|rule_ids| ScanSummary {
            audit: audit.to_string(),
            account: ctx.account.clone(),
            rule_ids,
            started_at: ctx.now,
            finding_count: findings.len(),
        });
        Self { findings, summary }
    }
}

/// The ids of `rules`, in order (an audit's archive scope is made of these).
pub fn ids<R>(rules: &[&dyn Rule<Resource = R>]) -> Vec<String> {
    rules.iter().map(|r| r.meta().id.to_string()).collect()
}

/// Every rule's verdict on each listed resource. When the listing of `what` (e.g. "stacks")
/// failed, one UNKNOWN per rule on the account, naming the error: nothing is judged PASS or FAIL
/// on a listing that could not be read.
pub fn evaluate_listing<R: Resource>(
    rules: &[&dyn Rule<Resource = R>],
    listing: &Collected<Vec<R>>,
    what: &str,
    ctx: &ScanContext,
) -> Vec<Finding> {
    match listing {
        Ok(resources) => evaluate_all(rules, resources, ctx),
        Err(e) => {
            let outcome = Outcome::unknown(format!("could not list {what}: {e}"));
            same_outcome_for_all(rules, &crate::engine::account_ref(&ctx.account, ctx), &outcome, ctx)
        }
    }
}

/// The report of a change event's re-read of one resource (`what`, e.g. "stack"): the rules'
/// verdicts when it was read; `gone` (NOT_APPLICABLE under the same finding ids, so its
/// findings are archived) when it no longer exists; UNKNOWN with the error when it could not be
/// read. `resource` names it when only the event knows it.
pub fn rescanned<R: Resource>(
    rules: &[&dyn Rule<Resource = R>],
    read: Result<Option<R>, CollectError>,
    what: &str,
    resource: &ResourceRef,
    gone: &Outcome,
    ctx: &ScanContext,
) -> AuditReport {
    let findings = match read {
        Ok(Some(r)) => evaluate_all(rules, std::slice::from_ref(&r), ctx),
        Ok(None) => same_outcome_for_all(rules, resource, gone, ctx),
        Err(e) => {
            same_outcome_for_all(rules, resource, &Outcome::unknown(format!("could not read the {what}: {e}")), ctx)
        }
    };
    AuditReport { findings, summary: None }
}
