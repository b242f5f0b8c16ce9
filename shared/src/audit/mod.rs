//! Audits: one per deployed function. An audit ties a collector to its rules and decides what a
//! full scan or a single-resource (change event) scan produces.
//!
//! The registry: each audit module declares one [`Descriptor`] (`AUDIT`) and [`AUDITS`] lists
//! them all. Everything that names an audit is derived from that list: the CLI's `--services`,
//! `permissions::for_function` and the member role, each function's `main.rs`
//! (`ztscan::lambda::run(&ztscan::audit::s3::AUDIT)`), the function blocks of `template.yaml`
//! (`cargo run -p xtask -- template`), the rule catalogue ([`all_metas`]), the demo and the
//! template test. Adding an audit is its folder here (`audit/<name>/mod.rs`, its descriptor, and
//! `audit/<name>/collector.rs`), its rules, its resources, its function crate, its tests and one
//! line in [`AUDITS`].

pub mod account;
pub mod api;
pub mod catalogue;
pub mod cloudformation;
pub mod data;
pub mod docs;
pub mod iam;
pub mod lambda;
pub mod messaging;
pub mod network;
pub mod s3;
pub mod secretsmanager;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_config::SdkConfig;

use crate::collect::{CollectError, Collected};
use crate::context::ScanContext;
use crate::engine::{evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef, RuleMeta};
use crate::pipeline::ScanSummary;
use crate::rules::Rule;
use crate::scan_config::ScanConfig;

/// Every audit, in the order the template declares their functions. Adding an audit adds one
/// line here.
pub static AUDITS: &[&Descriptor] = &[
    &s3::AUDIT,
    &iam::AUDIT,
    &lambda::AUDIT,
    &network::AUDIT,
    &secretsmanager::AUDIT,
    &messaging::AUDIT,
    &account::AUDIT,
    &cloudformation::AUDIT,
    &data::AUDIT,
    &api::AUDIT,
];

/// The metadata of every rule ztscan ships, in registry order: each audit's rules, in the order
/// the audit runs them. `ztscan rules`, `ztscan explain` and `docs/rules.md` read it.
pub fn all_metas() -> Vec<&'static RuleMeta> {
    AUDITS.iter().flat_map(|audit| (audit.rules)()).collect()
}

/// Look a rule's metadata up by id.
pub fn meta_by_id(id: &str) -> Option<&'static RuleMeta> {
    all_metas().into_iter().find(|m| m.id == id)
}

/// The built-in pacing rates: the shared services' (`collect::pace::SHARED_RATES`), then each
/// audit's own ([`Descriptor::api_rates`]).
pub fn default_api_rates() -> Vec<(&'static str, u32)> {
    let own = AUDITS.iter().flat_map(|audit| audit.api_rates.iter().copied());
    crate::collect::pace::SHARED_RATES.iter().copied().chain(own).collect()
}

/// The audit called `name` (its `--services` value, e.g. `s3`).
pub fn by_name(name: &str) -> Option<&'static Descriptor> {
    AUDITS.iter().copied().find(|a| a.name == name)
}

/// The audit deployed as the function crate `function` (e.g. `s3-audit`).
pub fn by_function(function: &str) -> Option<&'static Descriptor> {
    AUDITS.iter().copied().find(|a| a.function == function)
}

/// Everything ztscan knows about one audit, declared once in the audit's own module.
pub struct Descriptor {
    /// The audit's name: the CLI's `--services` value, the `audit` of its queue messages and
    /// of its archive scope (e.g. `s3`).
    pub name: &'static str,
    /// The function crate and binary that runs it in Lambda (e.g. `s3-audit`).
    pub function: &'static str,
    /// What it audits, for people (e.g. `Secrets Manager`): the template's descriptions and the
    /// CLI's help.
    pub title: &'static str,
    /// What the audit reads and how, for people (Markdown): the audit's own `README.md`,
    /// rendered into `docs/audits.md`.
    pub about: &'static str,
    /// What re-evaluates one resource between full scans.
    pub change: ChangeTriggers,
    /// Every rule the audit runs, in order: the archive scope of a complete full scan.
    pub rules: fn() -> Vec<&'static RuleMeta>,
    /// The rules a change event re-evaluates (the others are judged by the full scan only).
    pub change_rules: fn() -> Vec<&'static RuleMeta>,
    /// The IAM actions its collector calls (`audit::<name>::collector::IAM_ACTIONS`).
    pub collector_actions: &'static [&'static str],
    /// How the function's role grants [`Descriptor::collector_actions`]: the statements,
    /// each as narrow as the actions allow. Together they grant exactly the collector's actions
    /// (a test checks it).
    pub grants: &'static [ReadGrant],
    /// The built-in pacing rates (requests per second, `collect::pace` keys) of the services only
    /// this audit reads, each with its source beside it; the shared services' rates are
    /// `collect::pace::SHARED_RATES`. A configuration's `api_rate_limits` overrides them.
    pub api_rates: &'static [(&'static str, u32)],
    /// When the full scan runs.
    pub schedule: Schedule,
    /// The function's size and concurrency in the template.
    pub deployment: Deployment,
    /// The audit over its real collector, built from one account's SDK configuration. `progress`
    /// is told (done, total) as a full scan proceeds, where the collector can say (the CLI's
    /// progress line); the others ignore it.
    pub connect: fn(&SdkConfig, &ScanConfig, Option<Progress>) -> Box<dyn AuditRunner>,
    /// NOT_APPLICABLE findings for a resource a change event says was deleted (no API calls).
    pub deleted: fn(&ChangedResource, &ScanContext) -> Vec<Finding>,
    /// True when a deletion must be re-read with [`AuditRunner::scan_changed`] instead of
    /// answered by [`Descriptor::deleted`]: the account audit judges a region, and a deleted
    /// trail or detector changes that region's verdict.
    pub rescans_deleted: fn(&ChangedResource) -> bool,
}

impl Descriptor {
    /// Every rule id the audit runs (the archive scope of a complete full scan).
    pub fn rule_ids(&self) -> Vec<String> {
        (self.rules)().iter().map(|m| m.id.to_string()).collect()
    }

    /// True when a change event re-evaluates the rule `rule_id` of this audit.
    pub fn runs_on_change(&self, rule_id: &str) -> bool {
        (self.change_rules)().iter().any(|m| m.id == rule_id)
    }

    /// True when the audit runs the rule `rule_id`.
    pub fn runs(&self, rule_id: &str) -> bool {
        (self.rules)().iter().any(|m| m.id == rule_id)
    }
}

impl std::fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Descriptor").field("name", &self.name).field("function", &self.function).finish_non_exhaustive()
    }
}

/// The audit that runs the rule `rule_id`.
pub fn of_rule(rule_id: &str) -> Option<&'static Descriptor> {
    AUDITS.iter().copied().find(|a| a.runs(rule_id))
}

/// What re-evaluates one resource between full scans.
#[derive(Debug, Clone, Copy)]
pub struct ChangeTriggers {
    /// The AWS Config resource types whose configuration changes re-evaluate one resource (the
    /// EventBridge rule and the optional Config rule's scope).
    pub config_types: &'static [&'static str],
    /// How Config names the resources the audit's findings are about, so a periodic Config rule
    /// run evaluates each under its Config type and id. Resources Config names by ids the
    /// findings do not carry (IAM's unique ids) have none.
    pub config_names: &'static [crate::config_rule_invocation::ConfigName],
    /// The CloudTrail API calls that change those resources. Empty for now: a later step
    /// triggers on them.
    pub api_calls: &'static [ApiCall],
    /// The response `mode` of a single-resource re-evaluation (e.g. `bucket`).
    pub mode: &'static str,
}

/// One CloudTrail management event (`eventSource`, `eventName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiCall {
    /// e.g. `s3.amazonaws.com`.
    pub event_source: &'static str,
    /// e.g. `PutBucketPolicy`.
    pub event_name: &'static str,
}

/// When an audit's full scan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// On the stack's `ScanSchedule`.
    Regular,
    /// On the stack's `AccountScanSchedule` (daily by default): for audits that read every
    /// region, whose state changes seldom.
    Daily,
}

/// One statement of an audit function's role granting collector reads.
#[derive(Debug, Clone, Copy)]
pub struct ReadGrant {
    /// The statement id (e.g. `ReadS3BucketConfiguration`).
    pub sid: &'static str,
    /// Why the statement is scoped the way it is (a comment in the template).
    pub why: &'static str,
    pub actions: &'static [&'static str],
    pub scope: GrantScope,
}

/// The resources a [`ReadGrant`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantScope {
    /// `*`: the actions have no resource-level permissions (lists, account-level reads).
    Any,
    /// An ARN pattern with CloudFormation pseudo parameters, e.g.
    /// `arn:${AWS::Partition}:s3:::*` (the template writes it as `!Sub`).
    Arn(&'static str),
}

/// An audit function's size and concurrency in the template.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub memory_mb: u32,
    pub timeout_seconds: u32,
    /// The default of its `<Function>ReservedConcurrency` parameter.
    pub reserved_concurrency: u32,
}

/// Told (done, total) as a full scan proceeds.
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// A boxed, sendable future (the entry points of [`AuditRunner`]).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An audit over its real collector, for one account: what the CLI and the Lambda call.
pub trait AuditRunner: Send + Sync {
    /// A full scan of the account.
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport>;
    /// Re-evaluate the resource a change event names.
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport>;
}

/// The metas of some rule lists, in order (an audit's [`Descriptor::rules`] are made of these).
pub fn metas<R>(rules: &[&dyn Rule<Resource = R>]) -> Vec<&'static RuleMeta> {
    rules.iter().map(|r| r.meta()).collect()
}

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

    /// The report of a full scan read in several listings, each deciding a group of rules:
    /// `listings` pairs whether a listing (or every listing a group needs) succeeded with the ids
    /// of its rules. The archive scope is the rules of the listings that succeeded; there is no
    /// summary when none did.
    pub fn full_scan_of_listings(
        audit: &str,
        findings: Vec<Finding>,
        listings: Vec<(bool, Vec<String>)>,
        ctx: &ScanContext,
    ) -> Self {
        let scope: Vec<String> = listings.into_iter().filter(|(read, _)| *read).flat_map(|(_, ids)| ids).collect();
        Self::full_scan(audit, findings, (!scope.is_empty()).then_some(scope), ctx)
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

#[cfg(test)]
mod registry_tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_and_functions_are_unique_and_functions_are_named_after_what_they_audit() {
        let names: BTreeSet<&str> = AUDITS.iter().map(|a| a.name).collect();
        let functions: BTreeSet<&str> = AUDITS.iter().map(|a| a.function).collect();
        assert_eq!((names.len(), functions.len()), (AUDITS.len(), AUDITS.len()));
        for a in AUDITS {
            assert!(a.function.ends_with("-audit"), "{}", a.function);
            assert!(a.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{}", a.name);
            assert_eq!(by_name(a.name).map(|d| d.function), Some(a.function));
            assert_eq!(by_function(a.function).map(|d| d.name), Some(a.name));
        }
        assert!(by_name("nope").is_none() && by_function("nope").is_none());
    }

    #[test]
    fn each_audits_grants_cover_exactly_its_collectors_actions_once() {
        for a in AUDITS {
            let granted: Vec<&str> = a.grants.iter().flat_map(|g| g.actions).copied().collect();
            let unique: BTreeSet<&str> = granted.iter().copied().collect();
            assert_eq!(unique.len(), granted.len(), "{}: an action is granted twice", a.name);
            let declared: BTreeSet<&str> = a.collector_actions.iter().copied().collect();
            assert_eq!(unique, declared, "{}: the grants and collector_actions differ", a.name);
            let sids: BTreeSet<&str> = a.grants.iter().map(|g| g.sid).collect();
            assert_eq!(sids.len(), a.grants.len(), "{}: a Sid is used twice", a.name);
            for g in a.grants {
                assert!(g.sid.bytes().all(|b| b.is_ascii_alphanumeric()), "{}: Sid {}", a.name, g.sid);
                if let GrantScope::Arn(arn) = g.scope {
                    assert!(arn.starts_with("arn:${AWS::Partition}:"), "{}: {arn}", a.name);
                }
            }
        }
    }

    #[test]
    fn every_pacing_key_is_declared_once_and_well_formed() {
        let rates = default_api_rates();
        let keys: BTreeSet<&str> = rates.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys.len(), rates.len(), "a pacing key is declared twice: {rates:?}");
        for (key, rate) in &rates {
            assert!(crate::scan_config::is_valid_rate_key(key) && *rate > 0, "{key}: {rate}");
        }
        for key in ["lambda:GetPolicy", "iam", "ec2:*", "apigateway:GetResources", "securityhub:GetFindings", "*"] {
            assert!(keys.contains(key), "{key} has a built-in rate");
        }
    }

    /// The id of every `rule!` declared in a file under `shared/src/rules/`.
    fn rule_ids_written_under_rules() -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("rules/ is readable") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a rule file is text");
                for line in text.lines() {
                    if let Some(id) = line.strip_prefix("    id: \"").and_then(|rest| rest.strip_suffix("\",")) {
                        ids.insert(id.to_string());
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn every_rule_belongs_to_exactly_one_audit_and_change_rules_are_among_its_rules() {
        let mut seen = BTreeSet::new();
        for a in AUDITS {
            let rules = a.rule_ids();
            assert!(!rules.is_empty(), "{}", a.name);
            for id in &rules {
                assert!(seen.insert(id.clone()), "{id} is run by two audits");
                assert_eq!(of_rule(id).map(|d| d.name), Some(a.name));
            }
            for m in (a.change_rules)() {
                assert!(a.runs(m.id), "{}: change rule {} is not among its rules", a.name, m.id);
            }
            assert!(!a.change.config_types.is_empty() && !a.change.mode.is_empty(), "{}", a.name);
        }
        let written = rule_ids_written_under_rules();
        assert_eq!(seen, written, "every rule written under rules/ is run by an audit, and no audit runs another");
        assert_eq!(all_metas().len(), written.len());
        assert!(
            s3::AUDIT.runs_on_change("s3.bucket-acls-disabled")
                && !s3::AUDIT.runs_on_change("s3.account-public-access-blocked")
        );
    }
}
