//! Audits: one per deployed function. An audit ties a collector to its rules and decides what a
//! full scan or a single-resource (change event) scan produces.

pub mod iam;
pub mod lambda;
pub mod messaging;
pub mod network;
pub mod s3;
pub mod secretsmanager;

use crate::model::Finding;
use crate::pipeline::ScanSummary;

/// What an audit run produced.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub findings: Vec<Finding>,
    /// Present for a complete full scan only: the publisher archives what it did not refresh.
    pub summary: Option<ScanSummary>,
}
