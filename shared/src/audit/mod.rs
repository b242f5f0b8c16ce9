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

use crate::context::ScanContext;
use crate::model::Finding;
use crate::pipeline::ScanSummary;

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
