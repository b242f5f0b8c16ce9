//! Security Hub as the findings store: what it already holds (`GetFindings`) and imports
//! (`BatchImportFindings`). The SDK types stay in this file; callers see [`AsffFinding`].
//!
//! Every `GetFindings` answer is re-checked here against the filters that were sent: the
//! local test server (moto) ignores them, and a wrong match would archive or mis-date
//! another finding.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_securityhub::error::SdkError;
use aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsError;
use aws_sdk_securityhub::operation::get_findings::GetFindingsError;
use aws_sdk_securityhub::types as sh;
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::model::Severity;
use crate::render::asff::{
    format_timestamp, parse_timestamp, AsffCompliance, AsffFinding, AsffRecommendation, AsffRemediation, AsffResource,
    AsffSeverity, ComplianceStatus, RecordState, RULE_ID_FIELD,
};

/// Every action the store calls.
pub const IAM_ACTIONS: &[&str] = &["securityhub:BatchImportFindings", "securityhub:GetFindings"];

/// `BatchImportFindings` takes at most 100 findings ...
pub const MAX_IMPORT_FINDINGS: usize = 100;
/// ... and we keep each request under 5 MB of serialised findings.
pub const MAX_IMPORT_BYTES: usize = 5_000_000;
/// Values per `GetFindings` filter field.
pub const MAX_FILTER_VALUES: usize = 20;
/// Attempts per import chunk, counting the first, for findings listed in `FailedFindings`.
const MAX_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const PAGE_SIZE: i32 = 100;

/// What Security Hub holds for a finding id before this import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousState {
    pub compliance_status: Option<ComplianceStatus>,
    pub record_state: RecordState,
    pub created_at: Option<DateTime<Utc>>,
}

impl PreviousState {
    /// True when Security Hub already shows the finding as an active failure (so a FAIL now
    /// is a repeat, not news).
    pub fn is_active_failure(&self) -> bool {
        self.record_state == RecordState::Active && self.compliance_status == Some(ComplianceStatus::Failed)
    }
}

/// The outcome of an import: every finding not listed in `failed_ids` was imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Findings still listed in `FailedFindings` after the retries.
    pub failed_ids: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", crate::collect::error::sdk_error("securityhub:GetFindings", .0))]
    GetFindings(#[source] Box<SdkError<GetFindingsError>>),
    #[error("{}", crate::collect::error::sdk_error("securityhub:BatchImportFindings", .0))]
    BatchImportFindings(#[source] Box<SdkError<BatchImportFindingsError>>),
    #[error("could not serialise finding {id}: {source}")]
    Serialize {
        id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("finding {id} serialises to {size} bytes, over the {max}-byte request limit")]
    FindingTooLarge { id: String, size: usize, max: usize },
}

/// Port: the store of findings (Security Hub).
///
/// Declared with `impl Future + Send` (native, no `async-trait`); implementations write
/// `async fn`.
pub trait FindingsStore {
    /// The state Security Hub holds for each of `ids` it knows.
    fn previous(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<HashMap<String, PreviousState>, StoreError>> + Send;

    /// Import (create or replace) `findings`. An `Err` means a request failed outright; some
    /// findings may have been imported before it, and importing them again is harmless.
    fn import(&self, findings: Vec<AsffFinding>) -> impl Future<Output = Result<ImportReport, StoreError>> + Send;

    /// The ACTIVE findings of exactly `rule_ids` in `account` last updated before `before`:
    /// what a full scan that started at `before` did not refresh.
    fn active_for_rules(
        &self,
        account: &str,
        rule_ids: &[String],
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<AsffFinding>, StoreError>> + Send;
}

/// Cut findings into `BatchImportFindings` requests of at most [`MAX_IMPORT_FINDINGS`]
/// findings and [`MAX_IMPORT_BYTES`] serialised bytes, in order.
pub fn import_chunks(findings: Vec<AsffFinding>) -> Result<Vec<Vec<AsffFinding>>, StoreError> {
    let mut chunks: Vec<Vec<AsffFinding>> = Vec::new();
    let mut chunk: Vec<AsffFinding> = Vec::new();
    let mut bytes = 0;
    for finding in findings {
        let size = serde_json::to_vec(&finding)
            .map_err(|source| StoreError::Serialize { id: finding.id.clone(), source })?
            .len()
            + 1;
        if size > MAX_IMPORT_BYTES {
            return Err(StoreError::FindingTooLarge { id: finding.id, size, max: MAX_IMPORT_BYTES });
        }
        if chunk.len() == MAX_IMPORT_FINDINGS || bytes + size > MAX_IMPORT_BYTES {
            chunks.push(std::mem::take(&mut chunk));
            bytes = 0;
        }
        bytes += size;
        chunk.push(finding);
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    Ok(chunks)
}

/// [`FindingsStore`] over Security Hub.
#[derive(Debug, Clone)]
pub struct SecurityHubStore {
    client: aws_sdk_securityhub::Client,
    first_backoff: Duration,
}

impl SecurityHubStore {
    pub fn new(client: aws_sdk_securityhub::Client) -> Self {
        Self { client, first_backoff: FIRST_BACKOFF }
    }

    /// The wait before the first retry of `FailedFindings` (doubled on each retry).
    pub fn with_first_backoff(mut self, first_backoff: Duration) -> Self {
        self.first_backoff = first_backoff;
        self
    }

    /// Every finding matching `filters`, all pages.
    async fn get_findings(
        &self,
        filters: sh::AwsSecurityFindingFilters,
    ) -> Result<Vec<sh::AwsSecurityFinding>, StoreError> {
        self.client
            .get_findings()
            .filters(filters)
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| StoreError::GetFindings(Box::new(e)))
    }

    /// Import one chunk, retrying what Security Hub lists in `FailedFindings`. Returns the
    /// ids still failing.
    async fn import_chunk(&self, chunk: Vec<AsffFinding>) -> Result<Vec<String>, StoreError> {
        let mut pending = chunk;
        let mut attempt = 1;
        loop {
            let out = self
                .client
                .batch_import_findings()
                .set_findings(Some(pending.iter().map(to_sdk).collect()))
                .send()
                .await
                .map_err(|e| StoreError::BatchImportFindings(Box::new(e)))?;
            let failures = out.failed_findings();
            if failures.is_empty() {
                return Ok(Vec::new());
            }
            let errors = failures
                .iter()
                .map(|e| {
                    format!(
                        "{}: {} {}",
                        e.id().unwrap_or("?"),
                        e.error_code().unwrap_or("?"),
                        e.error_message().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let failed: HashSet<&str> = failures.iter().filter_map(|e| e.id()).collect();
            let before = pending.len();
            let named: Vec<AsffFinding> = pending.iter().filter(|f| failed.contains(f.id.as_str())).cloned().collect();
            // A failure without a usable id could be any of them.
            pending = if named.is_empty() { pending } else { named };
            if attempt >= MAX_ATTEMPTS {
                warn!(attempt, failed = pending.len(), %errors, "Security Hub still rejects findings; giving up on them");
                return Ok(pending.into_iter().map(|f| f.id).collect());
            }
            warn!(attempt, failed = pending.len(), of = before, %errors, "Security Hub rejected findings; retrying them");
            tokio::time::sleep(self.first_backoff * 2u32.pow(attempt - 1)).await;
            attempt += 1;
        }
    }
}

impl FindingsStore for SecurityHubStore {
    async fn previous(&self, ids: &[String]) -> Result<HashMap<String, PreviousState>, StoreError> {
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut states = HashMap::new();
        for chunk in ids.chunks(MAX_FILTER_VALUES) {
            let filters = chunk.iter().fold(sh::AwsSecurityFindingFilters::builder(), |b, id| b.id(equals(id))).build();
            for f in self.get_findings(filters).await? {
                if let Some(id) = f.id().filter(|id| wanted.contains(id)) {
                    states.insert(id.to_string(), previous_state(&f));
                }
            }
        }
        Ok(states)
    }

    async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
        let mut failed_ids = Vec::new();
        for chunk in import_chunks(findings)? {
            failed_ids.extend(self.import_chunk(chunk).await?);
        }
        Ok(ImportReport { failed_ids })
    }

    async fn active_for_rules(
        &self,
        account: &str,
        rule_ids: &[String],
        before: DateTime<Utc>,
    ) -> Result<Vec<AsffFinding>, StoreError> {
        let mut seen = HashSet::new();
        let mut stale = Vec::new();
        for chunk in rule_ids.chunks(MAX_FILTER_VALUES) {
            let filters = chunk
                .iter()
                .fold(sh::AwsSecurityFindingFilters::builder(), |b, rule| {
                    b.product_fields(
                        sh::MapFilter::builder()
                            .key(RULE_ID_FIELD)
                            .value(rule)
                            .comparison(sh::MapFilterComparison::Equals)
                            .build(),
                    )
                })
                .aws_account_id(equals(account))
                .record_state(equals(RecordState::Active.as_str()))
                .updated_at(
                    sh::DateFilter::builder()
                        .start(format_timestamp(DateTime::<Utc>::UNIX_EPOCH))
                        .end(format_timestamp(before))
                        .build(),
                )
                .build();
            for f in self.get_findings(filters).await? {
                let Some(finding) = from_sdk(&f) else {
                    warn!(
                        id = f.id().unwrap_or("?"),
                        "a Security Hub finding lacks required ASFF fields; not archiving it"
                    );
                    continue;
                };
                if finding.is_stale(account, rule_ids, before) && seen.insert(finding.id.clone()) {
                    stale.push(finding);
                }
            }
        }
        Ok(stale)
    }
}

fn equals(value: &str) -> sh::StringFilter {
    sh::StringFilter::builder().value(value).comparison(sh::StringFilterComparison::Equals).build()
}

fn previous_state(f: &sh::AwsSecurityFinding) -> PreviousState {
    PreviousState {
        compliance_status: f.compliance().and_then(|c| c.status()).and_then(compliance_from_sdk),
        record_state: match f.record_state() {
            Some(sh::RecordState::Archived) => RecordState::Archived,
            _ => RecordState::Active,
        },
        created_at: f.created_at().and_then(parse_timestamp),
    }
}

fn compliance_from_sdk(status: &sh::ComplianceStatus) -> Option<ComplianceStatus> {
    match status {
        sh::ComplianceStatus::Passed => Some(ComplianceStatus::Passed),
        sh::ComplianceStatus::Warning => Some(ComplianceStatus::Warning),
        sh::ComplianceStatus::Failed => Some(ComplianceStatus::Failed),
        sh::ComplianceStatus::NotAvailable => Some(ComplianceStatus::NotAvailable),
        _ => None,
    }
}

/// The SDK value of a finding.
pub(crate) fn to_sdk(f: &AsffFinding) -> sh::AwsSecurityFinding {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    sh::AwsSecurityFinding::builder()
        .schema_version(&f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .set_types(Some(f.types.clone()))
        .created_at(format_timestamp(f.created_at))
        .updated_at(format_timestamp(f.updated_at))
        .severity(sh::Severity::builder().label(sh::SeverityLabel::from(f.severity.label.as_str())).build())
        .title(&f.title)
        .description(&f.description)
        .set_remediation(f.remediation.as_ref().map(|r| {
            sh::Remediation::builder()
                .recommendation(sh::Recommendation::builder().text(&r.recommendation.text).build())
                .build()
        }))
        .set_product_fields(Some(f.product_fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
        .set_resources(Some(
            f.resources
                .iter()
                .map(|r| {
                    sh::Resource::builder()
                        .r#type(&r.resource_type)
                        .id(&r.id)
                        .set_partition(non_empty(&r.partition).map(|p| sh::Partition::from(p.as_str())))
                        .set_region(non_empty(&r.region))
                        .build()
                })
                .collect(),
        ))
        .set_compliance(f.compliance.as_ref().map(|c| {
            sh::Compliance::builder()
                .status(sh::ComplianceStatus::from(c.status.as_str()))
                .set_related_requirements((!c.related_requirements.is_empty()).then(|| c.related_requirements.clone()))
                .build()
        }))
        .record_state(sh::RecordState::from(f.record_state.as_str()))
        .build()
}

/// The typed value of a finding Security Hub returned, or `None` when a field ASFF requires
/// is missing. Security Hub's own `aws/...` product fields are dropped: they are reserved.
pub(crate) fn from_sdk(f: &sh::AwsSecurityFinding) -> Option<AsffFinding> {
    let label = f.severity()?.label()?.as_str().parse::<Severity>().ok()?;
    let record_state = match f.record_state()? {
        sh::RecordState::Active => RecordState::Active,
        sh::RecordState::Archived => RecordState::Archived,
        _ => return None,
    };
    Some(AsffFinding {
        schema_version: f.schema_version()?.to_string(),
        id: f.id()?.to_string(),
        product_arn: f.product_arn()?.to_string(),
        generator_id: f.generator_id()?.to_string(),
        aws_account_id: f.aws_account_id()?.to_string(),
        types: f.types().to_vec(),
        created_at: parse_timestamp(f.created_at()?)?,
        updated_at: parse_timestamp(f.updated_at()?)?,
        severity: AsffSeverity { label },
        title: f.title()?.to_string(),
        description: f.description()?.to_string(),
        remediation: f
            .remediation()
            .and_then(|r| r.recommendation())
            .and_then(|r| r.text())
            .map(|text| AsffRemediation { recommendation: AsffRecommendation { text: text.to_string() } }),
        product_fields: f
            .product_fields()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !k.starts_with("aws/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        resources: f
            .resources()
            .iter()
            .filter_map(|r| {
                Some(AsffResource {
                    resource_type: r.r#type()?.to_string(),
                    id: r.id()?.to_string(),
                    partition: r.partition().map(|p| p.as_str().to_string()).unwrap_or_default(),
                    region: r.region().unwrap_or_default().to_string(),
                })
            })
            .collect(),
        compliance: f.compliance().and_then(|c| {
            Some(AsffCompliance {
                status: compliance_from_sdk(c.status()?)?,
                related_requirements: c.related_requirements().to_vec(),
            })
        }),
        record_state,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsOutput;
    use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
    use aws_smithy_mocks::{mock, Rule, RuleMode};

    use super::*;
    use crate::model::Finding;
    use crate::render::asff::{archived, to_asff};

    const PRODUCT: &str = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
    const VERSIONING: &str = "s3.bucket-versioning-enabled";

    fn at(s: &str) -> DateTime<Utc> {
        parse_timestamp(s).unwrap()
    }

    fn finding(rule: &str, bucket: &str, account: &str, observed_at: &str) -> Finding {
        let mut f = Finding {
            rule_id: rule.into(),
            severity: Severity::High,
            observed_at: at(observed_at),
            ..Finding::fixture(bucket)
        };
        f.resource.account = account.into();
        f
    }

    fn asff(rule: &str, bucket: &str, account: &str, observed_at: &str) -> AsffFinding {
        to_asff(&finding(rule, bucket, account, observed_at), PRODUCT, None)
    }

    fn client(rules: &[&Rule]) -> aws_sdk_securityhub::Client {
        crate::test_support::mocked_client!(aws_sdk_securityhub, RuleMode::MatchAny, rules)
    }

    fn store(rules: &[&Rule]) -> SecurityHubStore {
        SecurityHubStore::new(client(rules)).with_first_backoff(Duration::from_millis(1))
    }

    fn failed(id: &str) -> sh::ImportFindingsError {
        sh::ImportFindingsError::builder().id(id).error_code("InternalFailure").error_message("try again").build()
    }

    #[test]
    fn sdk_conversion_round_trips() {
        let f = asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00.123Z");
        assert_eq!(from_sdk(&to_sdk(&f)), Some(f.clone()));
        let gone = archived(&f, at("2026-11-02T00:00:00Z"));
        assert_eq!(from_sdk(&to_sdk(&gone)), Some(gone));
    }

    #[test]
    fn security_hub_product_fields_are_dropped_on_the_way_back() {
        let mut sdk = to_sdk(&asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z"));
        sdk.product_fields
            .get_or_insert_with(HashMap::new)
            .insert("aws/securityhub/ProductName".into(), "Default".into());
        let back = from_sdk(&sdk).unwrap();
        assert_eq!(back.product_fields.keys().collect::<Vec<_>>(), ["ztscan/RuleId", "ztscan/Status"]);
    }

    #[test]
    fn a_finding_missing_required_fields_is_not_converted() {
        let mut sdk = to_sdk(&asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z"));
        sdk.title = None;
        assert_eq!(from_sdk(&sdk), None);
    }

    #[test]
    fn import_chunks_hold_at_most_100_findings() {
        let findings: Vec<AsffFinding> =
            (0..250).map(|i| asff(VERSIONING, &format!("b{i}"), "123456789012", "2026-11-01T00:00:00Z")).collect();
        let sizes: Vec<usize> = import_chunks(findings).unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
    }

    #[test]
    fn import_chunks_stay_under_5_mb() {
        let mut big = asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z");
        big.description = "x".repeat(1_000_000);
        let chunks = import_chunks(vec![big; 12]).unwrap();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 4]);
        let mut huge = asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z");
        huge.description = "x".repeat(MAX_IMPORT_BYTES);
        assert!(matches!(import_chunks(vec![huge]), Err(StoreError::FindingTooLarge { .. })));
    }

    #[tokio::test]
    async fn failed_findings_are_retried_alone_until_imported() {
        // GIVEN Security Hub rejects finding b once
        let a = asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z");
        let b = asff(VERSIONING, "b", "123456789012", "2026-11-01T00:00:00Z");
        let b_id = b.id.clone();
        let first = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .match_requests(|r| r.findings().len() == 2)
            .then_output(move || BatchImportFindingsOutput::builder().failed_findings(failed(&b_id)).build());
        let b_id = b.id.clone();
        let retry = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .match_requests(move |r| r.findings().len() == 1 && r.findings()[0].id() == Some(b_id.as_str()))
            .then_output(|| BatchImportFindingsOutput::builder().build());
        // WHEN both are imported
        let report = store(&[&first, &retry]).import(vec![a, b]).await.unwrap();
        // THEN b was retried on its own and nothing is left failing
        assert_eq!(report, ImportReport::default());
        assert_eq!((first.num_calls(), retry.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn findings_failing_three_times_are_reported() {
        let a = asff(VERSIONING, "a", "123456789012", "2026-11-01T00:00:00Z");
        let a_id = a.id.clone();
        let always = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .then_output(move || BatchImportFindingsOutput::builder().failed_findings(failed(&a_id)).build());
        let report = store(&[&always]).import(vec![a.clone()]).await.unwrap();
        assert_eq!(report.failed_ids, [a.id]);
        assert_eq!(always.num_calls(), 3);
    }

    #[tokio::test]
    async fn previous_asks_20_ids_per_call_and_keeps_only_those_asked() {
        // GIVEN a server that ignores filters and returns an unrelated finding too
        let known = asff(VERSIONING, "known", "123456789012", "2026-10-01T00:00:00Z");
        let other = asff(VERSIONING, "other", "123456789012", "2026-10-01T00:00:00Z");
        let returned = vec![to_sdk(&known), to_sdk(&other)];
        let id_counts = Arc::new(Mutex::new(Vec::new()));
        let counts = id_counts.clone();
        let get = mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(move |r| {
                counts.lock().unwrap().push(r.filters().map(|f| f.id().len()).unwrap_or(0));
                true
            })
            .then_output(move || GetFindingsOutput::builder().set_findings(Some(returned.clone())).build());
        let mut ids: Vec<String> = (0..24).map(|i| format!("ztscan/unknown/{i}")).collect();
        ids.push(known.id.clone());
        // WHEN the previous states are read
        let previous = store(&[&get]).previous(&ids).await.unwrap();
        // THEN two calls were made, and only the asked-for finding is returned
        assert_eq!(*id_counts.lock().unwrap(), [20, 5]);
        assert_eq!(previous.len(), 1);
        assert_eq!(
            previous[&known.id],
            PreviousState {
                compliance_status: Some(ComplianceStatus::Failed),
                record_state: RecordState::Active,
                created_at: Some(at("2026-10-01T00:00:00Z")),
            }
        );
    }

    #[tokio::test]
    async fn active_for_rules_filters_and_rechecks_every_answer() {
        // GIVEN a server that ignores filters and returns every finding it holds
        let stale = asff(VERSIONING, "gone", "123456789012", "2026-10-01T00:00:00Z");
        let held = [
            stale.clone(),
            asff("s3.bucket-requires-tls", "gone", "123456789012", "2026-10-01T00:00:00Z"),
            asff(VERSIONING, "gone", "210987654321", "2026-10-01T00:00:00Z"),
            asff(VERSIONING, "fresh", "123456789012", "2026-11-01T00:00:01Z"),
            archived(&asff(VERSIONING, "old", "123456789012", "2026-09-01T00:00:00Z"), at("2026-09-02T00:00:00Z")),
        ];
        let returned: Vec<sh::AwsSecurityFinding> = held.iter().map(to_sdk).collect();
        let get = mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(|r| {
                let Some(f) = r.filters() else { return false };
                f.aws_account_id()[0].value() == Some("123456789012")
                    && f.record_state()[0].value() == Some("ACTIVE")
                    && f.product_fields()[0].key() == Some(RULE_ID_FIELD)
                    && f.product_fields()[0].value() == Some(VERSIONING)
                    && f.updated_at()[0].end() == Some("2026-11-01T00:00:00.000Z")
            })
            .then_output(move || GetFindingsOutput::builder().set_findings(Some(returned.clone())).build());
        // WHEN the scan of that rule in that account, started at midnight, asks what it did not refresh
        let found = store(&[&get])
            .active_for_rules("123456789012", &[VERSIONING.to_string()], at("2026-11-01T00:00:00Z"))
            .await
            .unwrap();
        // THEN only the stale finding of that rule and account comes back
        assert_eq!(found, [stale]);
        assert_eq!(get.num_calls(), 1);
    }
}
