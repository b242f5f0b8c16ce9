//! Security Hub as the findings store: what it already holds (`GetFindings`) and imports
//! (`BatchImportFindings`). The SDK types stay in this file; callers see [`AsffFinding`].
//!
//! Every `GetFindings` answer is re-checked here against the filters that were sent: the
//! local test server (moto) ignores them, and a wrong match would archive or mis-date
//! another finding. With a finding aggregator, the home region's `GetFindings` also returns
//! the linked regions' findings (with their own `ProductArn` and `Region`): every query is
//! scoped to one product ARN, and the archive sweep to one region too, so another region's
//! finding is never read as ours nor re-imported here.
//!
//! Rejections are handled by their cause ([`Disposition`]): Security Hub answers a
//! `BatchImportFindings` request with a list of `FailedFindings`, each with an `ErrorCode`.
//! Throttling and internal errors are retried here with back-off (a few times, then handed
//! back as [`Disposition::Retry`] so the queue redelivers the message later). `InvalidAccess`
//! (Security Hub or the product integration not enabled in that account and region, or no
//! permission) and invalid input are not retried: retrying cannot change the answer, so they
//! are handed back as [`Disposition::DeadLetter`] at once. A whole request that fails is
//! classified the same way, by its error code, and reported for each finding it carried.
//! Imports are idempotent by finding id: importing a finding twice leaves one finding.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_securityhub::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_securityhub::operation::get_findings::GetFindingsError;
use aws_sdk_securityhub::types as sh;
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::model::Severity;
use crate::render::asff::{
    format_timestamp, parse_timestamp, AsffCompliance, AsffFinding, AsffProviderFields, AsffProviderSeverity,
    AsffRecommendation, AsffRemediation, AsffResource, Before, ComplianceStatus, History, RecordState, FINDING_TYPE,
    RULE_ID_FIELD,
};

/// Every action the store calls.
pub const IAM_ACTIONS: &[&str] = &["securityhub:BatchImportFindings", "securityhub:GetFindings"];

/// `BatchImportFindings` takes at most 100 findings ...
pub const MAX_IMPORT_FINDINGS: usize = 100;
/// ... and we keep each request under 5 MB of serialised findings.
pub const MAX_IMPORT_BYTES: usize = 5_000_000;
/// Security Hub refuses a finding over 240 KB.
pub const MAX_FINDING_BYTES: usize = 240 * 1024;
/// Values per `GetFindings` filter field.
pub const MAX_FILTER_VALUES: usize = 20;
/// Attempts per import chunk, counting the first, for findings listed in `FailedFindings`
/// with a retryable code.
const MAX_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const PAGE_SIZE: i32 = 100;
/// The code given to a request that failed without a service error code (timeout, network).
pub const REQUEST_FAILED: &str = "RequestFailed";
/// The code given to a finding refused before sending: over [`MAX_FINDING_BYTES`].
pub const FINDING_TOO_LARGE: &str = "FindingTooLarge";

/// What to do with a finding Security Hub did not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// A passing cause (throttling, an internal error, a network failure): try again later.
    Retry,
    /// Retrying cannot help (`InvalidAccess`, invalid input): dead-letter at once.
    DeadLetter,
}

/// How an error code of Security Hub (a `FailedFindings` entry or a failed request) is
/// handled. Codes come with or without the `Exception` suffix. An unknown code is retried:
/// the queue's redrive policy bounds the retries, and nothing is dead-lettered on a guess.
pub fn disposition(code: &str) -> Disposition {
    match code.strip_suffix("Exception").unwrap_or(code) {
        "InvalidAccess"
        | "AccessDenied"
        | "InvalidInput"
        | "Validation"
        | "ValidationError"
        | "ResourceNotFound"
        | "UnrecognizedClient"
        | "InvalidClientTokenId"
        | "FindingTooLarge" => Disposition::DeadLetter,
        _ => Disposition::Retry,
    }
}

/// One finding Security Hub did not take, with its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub id: String,
    /// Security Hub's error code (`InvalidAccess`, `InvalidInput`, `LimitExceeded`, ...).
    pub code: String,
    /// Security Hub's short explanation (no finding content).
    pub message: String,
}

impl Rejection {
    pub fn disposition(&self) -> Disposition {
        disposition(&self.code)
    }
}

/// What Security Hub holds for a finding id before this import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousState {
    pub compliance_status: Option<ComplianceStatus>,
    pub record_state: RecordState,
    pub created_at: Option<DateTime<Utc>>,
    pub first_observed_at: Option<DateTime<Utc>>,
    /// The observation time of what it holds: an import not later than this is ignored.
    pub updated_at: Option<DateTime<Utc>>,
    /// What it showed before that observation (see `render::asff::BEFORE_FIELD`).
    pub before: Option<Before>,
}

impl PreviousState {
    /// True when Security Hub already shows the finding as an active failure (so a FAIL now
    /// is a repeat, not news).
    pub fn is_active_failure(&self) -> bool {
        Before::of(self.compliance_status, self.record_state) == Before::ActiveFailure
    }

    /// What the next observation sees as "before".
    pub fn shown(&self) -> Before {
        Before::of(self.compliance_status, self.record_state)
    }

    pub fn history(&self) -> History {
        History { created_at: self.created_at, first_observed_at: self.first_observed_at }
    }
}

/// A finding as Security Hub identifies it: id and product.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingKey {
    pub id: String,
    pub product_arn: String,
}

/// The outcome of an import: every finding not listed in `rejected` was imported (or ignored
/// by Security Hub as not newer than what it holds, which the caller rules out beforehand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rejected: Vec<Rejection>,
}

impl ImportReport {
    pub fn rejected_ids(&self) -> impl Iterator<Item = &str> {
        self.rejected.iter().map(|r| r.id.as_str())
    }
}

/// What an archive sweep reads: the ACTIVE findings of exactly these rules, of this account,
/// in this product and region, last updated before `before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveScope {
    pub account: String,
    /// The product findings are imported into (`None`: any; only when the region is unknown).
    pub product_arn: Option<String>,
    /// The region the publisher imports into (`None`: any).
    pub region: Option<String>,
    pub rule_ids: Vec<String>,
    pub before: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", crate::collect::error::sdk_error("securityhub:GetFindings", .0))]
    GetFindings(#[source] Box<SdkError<GetFindingsError>>),
    #[error("could not serialise finding {id}: {source}")]
    Serialize {
        id: String,
        #[source]
        source: serde_json::Error,
    },
}

impl StoreError {
    /// Security Hub's error code, or [`REQUEST_FAILED`] when the request got no answer.
    pub fn code(&self) -> &str {
        match self {
            StoreError::GetFindings(e) => e.code().unwrap_or(REQUEST_FAILED),
            StoreError::Serialize { .. } => "InvalidInput",
        }
    }

    pub fn disposition(&self) -> Disposition {
        disposition(self.code())
    }

    /// A short reason: Security Hub's message, or what kind of failure it was; never a
    /// response body.
    pub fn short_message(&self) -> String {
        match self {
            StoreError::GetFindings(e) => short_reason(e),
            StoreError::Serialize { id, .. } => format!("finding {id} could not be serialised"),
        }
    }
}

/// Security Hub's message of a failed request, or what kind of failure it was.
fn short_reason<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> String {
    match e {
        SdkError::ServiceError(_) => e
            .message()
            .map(|m| crate::collected::clean_service_text(m, crate::collect::error::MAX_SERVICE_MESSAGE))
            .unwrap_or_else(|| "the request was refused".to_string()),
        SdkError::TimeoutError(_) => "the request timed out".to_string(),
        SdkError::DispatchFailure(_) => "the request could not be sent".to_string(),
        SdkError::ResponseError(_) => "the answer could not be read".to_string(),
        _ => "the request could not be built".to_string(),
    }
}

/// Port: the store of findings (Security Hub).
///
/// Declared with `impl Future + Send` (native, no `async-trait`); implementations write
/// `async fn`.
pub trait FindingsStore {
    /// The state Security Hub holds for each of `keys` it knows, by finding id.
    fn previous(
        &self,
        keys: &[FindingKey],
    ) -> impl Future<Output = Result<HashMap<String, PreviousState>, StoreError>> + Send;

    /// Import (create or replace) `findings`; what Security Hub did not take is listed in the
    /// report with its cause. Importing a finding again is harmless.
    fn import(&self, findings: Vec<AsffFinding>) -> impl Future<Output = Result<ImportReport, StoreError>> + Send;

    /// The findings of `scope` (re-checked, whatever the server's filtering): what a full
    /// scan that started at `scope.before` did not refresh.
    fn active_for_rules(
        &self,
        scope: &ArchiveScope,
    ) -> impl Future<Output = Result<Vec<AsffFinding>, StoreError>> + Send;
}

/// Cut findings into `BatchImportFindings` requests of at most [`MAX_IMPORT_FINDINGS`]
/// findings and [`MAX_IMPORT_BYTES`] serialised bytes, in order. A finding over Security
/// Hub's [`MAX_FINDING_BYTES`] is never sent: it comes back as a rejection.
pub fn import_chunks(findings: Vec<AsffFinding>) -> Result<(Vec<Vec<AsffFinding>>, Vec<Rejection>), StoreError> {
    let mut chunks: Vec<Vec<AsffFinding>> = Vec::new();
    let mut too_large = Vec::new();
    let mut chunk: Vec<AsffFinding> = Vec::new();
    let mut bytes = 0;
    for finding in findings {
        let size = serde_json::to_vec(&finding)
            .map_err(|source| StoreError::Serialize { id: finding.id.clone(), source })?
            .len()
            + 1;
        if size > MAX_FINDING_BYTES {
            too_large.push(Rejection {
                message: format!("the finding serialises to {size} bytes, over Security Hub's {MAX_FINDING_BYTES}"),
                id: finding.id,
                code: FINDING_TOO_LARGE.to_string(),
            });
            continue;
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
    Ok((chunks, too_large))
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

    /// Import one chunk, retrying with back-off what Security Hub lists in `FailedFindings`
    /// with a retryable code. Returns what it still did not take.
    async fn import_chunk(&self, chunk: Vec<AsffFinding>) -> Vec<Rejection> {
        let mut pending = chunk;
        let mut given_up = Vec::new();
        let mut attempt = 1;
        loop {
            let failures = match self
                .client
                .batch_import_findings()
                .set_findings(Some(pending.iter().map(to_sdk).collect()))
                .send()
                .await
            {
                Ok(out) => out.failed_findings().to_vec(),
                Err(e) => {
                    // The SDK has already retried what its retry policy deems transient.
                    let code = e.code().unwrap_or(REQUEST_FAILED).to_string();
                    let message = short_reason(&e);
                    warn!(%code, findings = pending.len(), "securityhub:BatchImportFindings failed as a whole");
                    given_up.extend(pending.into_iter().map(|f| Rejection {
                        id: f.id,
                        code: code.clone(),
                        message: message.clone(),
                    }));
                    return given_up;
                }
            };
            if failures.is_empty() {
                return given_up;
            }
            let sent: HashSet<&str> = pending.iter().map(|f| f.id.as_str()).collect();
            let mut by_id: HashMap<String, Rejection> = HashMap::new();
            let mut unnamed = None;
            for e in &failures {
                let rejection = Rejection {
                    id: e.id().unwrap_or_default().to_string(),
                    code: e.error_code().unwrap_or(REQUEST_FAILED).to_string(),
                    message: e.error_message().unwrap_or_default().to_string(),
                };
                if sent.contains(rejection.id.as_str()) {
                    by_id.insert(rejection.id.clone(), rejection);
                } else {
                    unnamed = Some(rejection);
                }
            }
            // A failure without a usable id could be any of them: all are retried with its code.
            if let Some(r) = unnamed.filter(|_| by_id.is_empty()) {
                for f in &pending {
                    by_id.insert(f.id.clone(), Rejection { id: f.id.clone(), ..r.clone() });
                }
            }
            let mut retry = Vec::new();
            for f in pending {
                match by_id.remove(&f.id) {
                    Some(r) if r.disposition() == Disposition::Retry && attempt < MAX_ATTEMPTS => retry.push(f),
                    Some(r) => given_up.push(r),
                    None => {}
                }
            }
            if retry.is_empty() {
                return given_up;
            }
            let codes: BTreeMap<&str, usize> = failures.iter().fold(BTreeMap::new(), |mut m, e| {
                *m.entry(e.error_code().unwrap_or(REQUEST_FAILED)).or_default() += 1;
                m
            });
            warn!(
                attempt,
                retrying = retry.len(),
                ?codes,
                "Security Hub did not take findings for a passing cause; retrying them"
            );
            tokio::time::sleep(self.first_backoff * 2u32.pow(attempt - 1)).await;
            attempt += 1;
            pending = retry;
        }
    }
}

impl FindingsStore for SecurityHubStore {
    async fn previous(&self, keys: &[FindingKey]) -> Result<HashMap<String, PreviousState>, StoreError> {
        let wanted: HashSet<(&str, &str)> = keys.iter().map(|k| (k.id.as_str(), k.product_arn.as_str())).collect();
        let mut by_product: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for k in keys {
            by_product.entry(k.product_arn.as_str()).or_default().push(k.id.as_str());
        }
        let mut states = HashMap::new();
        for (product_arn, ids) in by_product {
            for chunk in ids.chunks(MAX_FILTER_VALUES) {
                let filters = chunk
                    .iter()
                    .fold(sh::AwsSecurityFindingFilters::builder(), |b, id| b.id(equals(id)))
                    .product_arn(equals(product_arn))
                    .build();
                for f in self.get_findings(filters).await? {
                    let (Some(id), Some(product)) = (f.id(), f.product_arn()) else { continue };
                    if wanted.contains(&(id, product)) {
                        states.insert(id.to_string(), previous_state(&f));
                    }
                }
            }
        }
        Ok(states)
    }

    async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
        let (chunks, mut rejected) = import_chunks(findings)?;
        for chunk in chunks {
            rejected.extend(self.import_chunk(chunk).await);
        }
        Ok(ImportReport { rejected })
    }

    async fn active_for_rules(&self, scope: &ArchiveScope) -> Result<Vec<AsffFinding>, StoreError> {
        let mut seen = HashSet::new();
        let mut stale = Vec::new();
        for chunk in scope.rule_ids.chunks(MAX_FILTER_VALUES) {
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
                .aws_account_id(equals(&scope.account))
                .set_product_arn(scope.product_arn.as_deref().map(|p| vec![equals(p)]))
                .set_region(scope.region.as_deref().map(|r| vec![equals(r)]))
                .record_state(equals(RecordState::Active.as_str()))
                .updated_at(
                    sh::DateFilter::builder()
                        .start(format_timestamp(DateTime::<Utc>::UNIX_EPOCH))
                        .end(format_timestamp(scope.before))
                        .build(),
                )
                .build();
            for f in self.get_findings(filters).await? {
                // Another region's finding (a finding aggregator's), or another product's.
                let other_region = matches!((f.region(), &scope.region), (Some(r), Some(ours)) if r != ours);
                let other_product = scope.product_arn.as_deref().is_some_and(|p| f.product_arn() != Some(p));
                if other_region || other_product {
                    continue;
                }
                let Some(finding) = from_sdk(&f) else {
                    warn!(
                        id = f.id().unwrap_or("?"),
                        "a Security Hub finding lacks required ASFF fields; not archiving it"
                    );
                    continue;
                };
                if finding.is_stale(&scope.account, &scope.rule_ids, scope.before) && seen.insert(finding.id.clone()) {
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
    let created_at = f.created_at().and_then(parse_timestamp);
    PreviousState {
        compliance_status: f.compliance().and_then(|c| c.status()).and_then(compliance_from_sdk),
        record_state: match f.record_state() {
            Some(sh::RecordState::Archived) => RecordState::Archived,
            _ => RecordState::Active,
        },
        created_at,
        first_observed_at: f.first_observed_at().and_then(parse_timestamp).or(created_at),
        updated_at: f.updated_at().and_then(parse_timestamp),
        before: f
            .product_fields()
            .and_then(|p| p.get(crate::render::asff::BEFORE_FIELD))
            .and_then(|s| Before::parse(s)),
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

/// The SDK value of a finding. No top-level `Severity` or `Types` (the provider's go in
/// `FindingProviderFields`) and no customer-owned field.
pub(crate) fn to_sdk(f: &AsffFinding) -> sh::AwsSecurityFinding {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let provider = &f.finding_provider_fields;
    sh::AwsSecurityFinding::builder()
        .schema_version(&f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .created_at(format_timestamp(f.created_at))
        .updated_at(format_timestamp(f.updated_at))
        .first_observed_at(format_timestamp(f.first_observed_at))
        .last_observed_at(format_timestamp(f.last_observed_at))
        .finding_provider_fields(
            sh::FindingProviderFields::builder()
                .severity(
                    sh::FindingProviderSeverity::builder()
                        .label(sh::SeverityLabel::from(provider.severity.label.as_str()))
                        .original(&provider.severity.original)
                        .build(),
                )
                .set_types(Some(provider.types.clone()))
                .build(),
        )
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
/// is missing. The provider's severity and types are read from `FindingProviderFields`
/// (which Security Hub fills for every finding); the top-level `Severity`, which a customer
/// may have changed, is read only when they are absent. Security Hub's own `aws/...` product
/// fields are dropped: they are reserved.
pub(crate) fn from_sdk(f: &sh::AwsSecurityFinding) -> Option<AsffFinding> {
    let provider = f.finding_provider_fields();
    let label = provider
        .and_then(|p| p.severity())
        .and_then(|s| s.label())
        .or_else(|| f.severity().and_then(|s| s.label()))?
        .as_str()
        .parse::<Severity>()
        .ok()?;
    let original = provider.and_then(|p| p.severity()).and_then(|s| s.original()).unwrap_or(label.as_str()).to_string();
    let types = match provider.map(|p| p.types()).filter(|t| !t.is_empty()) {
        Some(types) => types.to_vec(),
        None if !f.types().is_empty() => f.types().to_vec(),
        None => vec![FINDING_TYPE.to_string()],
    };
    let record_state = match f.record_state()? {
        sh::RecordState::Active => RecordState::Active,
        sh::RecordState::Archived => RecordState::Archived,
        _ => return None,
    };
    let created_at = parse_timestamp(f.created_at()?)?;
    let updated_at = parse_timestamp(f.updated_at()?)?;
    Some(AsffFinding {
        schema_version: f.schema_version()?.to_string(),
        id: f.id()?.to_string(),
        product_arn: f.product_arn()?.to_string(),
        generator_id: f.generator_id()?.to_string(),
        aws_account_id: f.aws_account_id()?.to_string(),
        created_at,
        updated_at,
        first_observed_at: f.first_observed_at().and_then(parse_timestamp).unwrap_or(created_at),
        last_observed_at: f.last_observed_at().and_then(parse_timestamp).unwrap_or(updated_at),
        finding_provider_fields: AsffProviderFields { severity: AsffProviderSeverity { label, original }, types },
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

    use aws_sdk_securityhub::operation::batch_import_findings::{BatchImportFindingsError, BatchImportFindingsOutput};
    use aws_sdk_securityhub::operation::get_findings::GetFindingsOutput;
    use aws_smithy_mocks::{mock, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::model::Finding;
    use crate::render::asff::{archive_time, archived, default_product_arn, to_asff};

    const ACCOUNT: &str = "123456789012";
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
        let product = default_product_arn("aws", "us-east-1", account);
        to_asff(&finding(rule, bucket, account, observed_at), &product, None, Before::New)
    }

    fn client(rules: &[&Rule]) -> aws_sdk_securityhub::Client {
        crate::test_support::mocked_client!(aws_sdk_securityhub, RuleMode::MatchAny, rules)
    }

    fn store(rules: &[&Rule]) -> SecurityHubStore {
        SecurityHubStore::new(client(rules)).with_first_backoff(Duration::from_millis(1))
    }

    fn failed(id: &str, code: &str) -> sh::ImportFindingsError {
        sh::ImportFindingsError::builder().id(id).error_code(code).error_message("because").build()
    }

    fn key(f: &AsffFinding) -> FindingKey {
        FindingKey { id: f.id.clone(), product_arn: f.product_arn.clone() }
    }

    #[test]
    fn sdk_conversion_round_trips() {
        let f = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00.123Z");
        assert_eq!(from_sdk(&to_sdk(&f)), Some(f.clone()));
        let gone = archived(&f, at("2026-11-02T00:00:00Z"));
        assert_eq!(from_sdk(&to_sdk(&gone)), Some(gone));
    }

    #[test]
    fn security_hub_product_fields_are_dropped_on_the_way_back() {
        let mut sdk = to_sdk(&asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z"));
        sdk.product_fields
            .get_or_insert_with(HashMap::new)
            .insert("aws/securityhub/ProductName".into(), "Default".into());
        let back = from_sdk(&sdk).unwrap();
        assert_eq!(back.product_fields.keys().collect::<Vec<_>>(), ["ztscan/Before", "ztscan/RuleId", "ztscan/Status"]);
    }

    #[test]
    fn a_finding_missing_required_fields_is_not_converted() {
        let mut sdk = to_sdk(&asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z"));
        sdk.title = None;
        assert_eq!(from_sdk(&sdk), None);
    }

    #[test]
    fn customer_owned_fields_never_travel_back_on_an_archive() {
        // GIVEN Security Hub holds our finding, whose severity, workflow and note a customer
        // changed with BatchUpdateFindings
        let ours = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        let mut held = to_sdk(&ours);
        held.severity = Some(sh::Severity::builder().label(sh::SeverityLabel::Low).build());
        held.types = Some(vec!["Customer/Chosen".into()]);
        held.workflow = Some(sh::Workflow::builder().status(sh::WorkflowStatus::Suppressed).build());
        held.note = Some(sh::Note::builder().text("accepted risk").updated_by("ops").updated_at("x").build());
        // WHEN it is read back and archived
        let archive = to_sdk(&archived(&from_sdk(&held).unwrap(), at("2026-11-02T00:00:00Z")));
        // THEN the import carries the provider's severity in FindingProviderFields only
        assert_eq!(archive.severity, None);
        assert!(archive.types.is_none());
        assert!(archive.workflow.is_none() && archive.note.is_none());
        let provider = archive.finding_provider_fields.unwrap();
        assert_eq!(provider.severity.unwrap().label, Some(sh::SeverityLabel::High));
        assert_eq!(provider.types.unwrap(), [FINDING_TYPE]);
        assert_eq!(archive.first_observed_at.as_deref(), Some("2026-11-01T00:00:00.000Z"));
    }

    #[test]
    fn import_chunks_hold_at_most_100_findings() {
        let findings: Vec<AsffFinding> =
            (0..250).map(|i| asff(VERSIONING, &format!("b{i}"), ACCOUNT, "2026-11-01T00:00:00Z")).collect();
        let (chunks, too_large) = import_chunks(findings).unwrap();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert!(too_large.is_empty());
    }

    #[test]
    fn import_chunks_stay_under_5_mb_and_refuse_a_finding_over_240_kb() {
        let mut big = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        big.description = "x".repeat(200_000);
        let (chunks, _) = import_chunks(vec![big; 60]).unwrap();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [24, 24, 12]);
        let mut huge = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        huge.description = "x".repeat(MAX_FINDING_BYTES);
        let (chunks, too_large) = import_chunks(vec![huge.clone()]).unwrap();
        assert!(chunks.is_empty());
        assert_eq!(too_large[0].id, huge.id);
        assert_eq!(too_large[0].disposition(), Disposition::DeadLetter);
    }

    #[test]
    fn every_error_code_has_a_disposition() {
        for code in [
            "InvalidAccess",
            "InvalidAccessException",
            "AccessDeniedException",
            "InvalidInput",
            "InvalidInputException",
        ] {
            assert_eq!(disposition(code), Disposition::DeadLetter, "{code}");
        }
        for code in [
            "LimitExceeded",
            "LimitExceededException",
            "ThrottlingException",
            "TooManyRequestsException",
            "InternalException",
            "InternalFailure",
            "ServiceUnavailable",
            REQUEST_FAILED,
            "SomethingNew",
        ] {
            assert_eq!(disposition(code), Disposition::Retry, "{code}");
        }
    }

    /// A `BatchImportFindings` that lists every finding it gets as failed with `code`.
    fn always_failing(code: &'static str) -> Rule {
        mock!(aws_sdk_securityhub::Client::batch_import_findings).then_output(move || {
            BatchImportFindingsOutput::builder()
                .set_failed_findings(Some(vec![failed("", code)]))
                .failed_count(1)
                .success_count(0)
                .build()
        })
    }

    #[tokio::test]
    async fn each_failed_findings_code_is_handled_by_its_cause() {
        // (code, calls expected, disposition handed back)
        let cases = [
            ("InvalidAccess", 1, Disposition::DeadLetter),
            ("InvalidInput", 1, Disposition::DeadLetter),
            ("LimitExceeded", MAX_ATTEMPTS as usize, Disposition::Retry),
            ("InternalException", MAX_ATTEMPTS as usize, Disposition::Retry),
            ("SomethingNew", MAX_ATTEMPTS as usize, Disposition::Retry),
        ];
        for (code, calls, expected) in cases {
            let a = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
            let a_id = a.id.clone();
            let rule = mock!(aws_sdk_securityhub::Client::batch_import_findings)
                .then_output(move || BatchImportFindingsOutput::builder().failed_findings(failed(&a_id, code)).build());
            let report = store(&[&rule]).import(vec![a.clone()]).await.unwrap();
            assert_eq!(rule.num_calls(), calls, "{code}");
            assert_eq!(report.rejected.len(), 1, "{code}");
            assert_eq!((report.rejected[0].id.as_str(), report.rejected[0].code.as_str()), (a.id.as_str(), code));
            assert_eq!(report.rejected[0].disposition(), expected, "{code}");
        }
    }

    #[tokio::test]
    async fn a_failure_without_an_id_stands_for_every_finding_of_the_request() {
        let a = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        let b = asff(VERSIONING, "b", ACCOUNT, "2026-11-01T00:00:00Z");
        let rule = always_failing("InvalidAccess");
        let report = store(&[&rule]).import(vec![a, b]).await.unwrap();
        assert_eq!(report.rejected.len(), 2);
        assert!(report.rejected.iter().all(|r| r.code == "InvalidAccess"));
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn throttled_findings_are_retried_alone_until_imported() {
        // GIVEN Security Hub throttles finding b once
        let a = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        let b = asff(VERSIONING, "b", ACCOUNT, "2026-11-01T00:00:00Z");
        let b_id = b.id.clone();
        let first = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .match_requests(|r| r.findings().len() == 2)
            .then_output(move || {
                BatchImportFindingsOutput::builder().failed_findings(failed(&b_id, "LimitExceeded")).build()
            });
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
    async fn a_request_refused_as_a_whole_rejects_each_of_its_findings_by_its_code() {
        // GIVEN Security Hub is not enabled in the account: the whole request is refused
        let not_enabled = mock!(aws_sdk_securityhub::Client::batch_import_findings).then_error(|| {
            BatchImportFindingsError::generic(
                ErrorMetadata::builder()
                    .code("InvalidAccessException")
                    .message("Account 123456789012 is not subscribed to AWS Security Hub")
                    .build(),
            )
        });
        let a = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        let b = asff(VERSIONING, "b", ACCOUNT, "2026-11-01T00:00:00Z");
        // WHEN findings are imported
        let report = store(&[&not_enabled]).import(vec![a, b]).await.unwrap();
        // THEN both are rejected for that cause, once, and go to the dead-letter queue
        assert_eq!(not_enabled.num_calls(), 1);
        assert_eq!(report.rejected.len(), 2);
        assert!(report.rejected.iter().all(|r| r.code == "InvalidAccessException"
            && r.disposition() == Disposition::DeadLetter
            && r.message.contains("not subscribed")));
    }

    #[tokio::test]
    async fn get_findings_in_an_account_without_security_hub_is_classified() {
        let not_enabled = mock!(aws_sdk_securityhub::Client::get_findings).then_error(|| {
            GetFindingsError::generic(
                ErrorMetadata::builder().code("InvalidAccessException").message("not subscribed").build(),
            )
        });
        let a = asff(VERSIONING, "a", ACCOUNT, "2026-11-01T00:00:00Z");
        let err = store(&[&not_enabled]).previous(&[key(&a)]).await.unwrap_err();
        assert_eq!(err.code(), "InvalidAccessException");
        assert_eq!(err.disposition(), Disposition::DeadLetter);
        let throttled = mock!(aws_sdk_securityhub::Client::get_findings).then_error(|| {
            GetFindingsError::generic(ErrorMetadata::builder().code("TooManyRequestsException").build())
        });
        let err = store(&[&throttled]).previous(&[key(&a)]).await.unwrap_err();
        assert_eq!(err.disposition(), Disposition::Retry);
    }

    #[tokio::test]
    async fn previous_asks_20_ids_per_call_of_one_product_and_keeps_only_those_asked() {
        // GIVEN a server that ignores filters and returns an unrelated finding, and a linked
        // region's finding with the same id (a finding aggregator's answer)
        let known = asff(VERSIONING, "known", ACCOUNT, "2026-10-01T00:00:00Z");
        let other = asff(VERSIONING, "other", ACCOUNT, "2026-10-01T00:00:00Z");
        let mut elsewhere = to_sdk(&asff(VERSIONING, "known", ACCOUNT, "2026-10-05T00:00:00Z"));
        elsewhere.product_arn = Some(default_product_arn("aws", "eu-west-1", ACCOUNT));
        elsewhere.region = Some("eu-west-1".into());
        elsewhere.compliance = Some(sh::Compliance::builder().status(sh::ComplianceStatus::Passed).build());
        let returned = vec![elsewhere, to_sdk(&known), to_sdk(&other)];
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        let get = mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(move |r| {
                let f = r.filters().unwrap();
                log.lock().unwrap().push((f.id().len(), f.product_arn()[0].value().unwrap_or_default().to_string()));
                true
            })
            .then_output(move || GetFindingsOutput::builder().set_findings(Some(returned.clone())).build());
        let mut keys: Vec<FindingKey> = (0..24)
            .map(|i| FindingKey { id: format!("ztscan/unknown/{i}"), product_arn: PRODUCT.to_string() })
            .collect();
        keys.push(key(&known));
        // WHEN the previous states are read
        let previous = store(&[&get]).previous(&keys).await.unwrap();
        // THEN two calls were made, scoped to our product, and only our finding is returned
        assert_eq!(*sent.lock().unwrap(), [(20, PRODUCT.to_string()), (5, PRODUCT.to_string())]);
        assert_eq!(previous.len(), 1);
        assert_eq!(
            previous[&known.id],
            PreviousState {
                compliance_status: Some(ComplianceStatus::Failed),
                record_state: RecordState::Active,
                created_at: Some(at("2026-10-01T00:00:00Z")),
                first_observed_at: Some(at("2026-10-01T00:00:00Z")),
                updated_at: Some(at("2026-10-01T00:00:00Z")),
                before: Some(Before::New),
            }
        );
    }

    fn scope(before: &str) -> ArchiveScope {
        ArchiveScope {
            account: ACCOUNT.into(),
            product_arn: Some(PRODUCT.into()),
            region: Some("us-east-1".into()),
            rule_ids: vec![VERSIONING.to_string()],
            before: at(before),
        }
    }

    #[tokio::test]
    async fn active_for_rules_filters_and_rechecks_every_answer() {
        // GIVEN a server that ignores filters and returns every finding it holds
        let stale = asff(VERSIONING, "gone", ACCOUNT, "2026-10-01T00:00:00Z");
        let held = [
            stale.clone(),
            asff("s3.bucket-requires-tls", "gone", ACCOUNT, "2026-10-01T00:00:00Z"),
            asff(VERSIONING, "gone", "210987654321", "2026-10-01T00:00:00Z"),
            asff(VERSIONING, "fresh", ACCOUNT, "2026-11-01T00:00:01Z"),
            archived(&asff(VERSIONING, "old", ACCOUNT, "2026-09-01T00:00:00Z"), at("2026-09-02T00:00:00Z")),
        ];
        let returned: Vec<sh::AwsSecurityFinding> = held.iter().map(to_sdk).collect();
        let get = mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(|r| {
                let Some(f) = r.filters() else { return false };
                f.aws_account_id()[0].value() == Some(ACCOUNT)
                    && f.product_arn()[0].value() == Some(PRODUCT)
                    && f.region()[0].value() == Some("us-east-1")
                    && f.record_state()[0].value() == Some("ACTIVE")
                    && f.product_fields()[0].key() == Some(RULE_ID_FIELD)
                    && f.product_fields()[0].value() == Some(VERSIONING)
                    && f.updated_at()[0].end() == Some("2026-11-01T00:00:00.000Z")
            })
            .then_output(move || GetFindingsOutput::builder().set_findings(Some(returned.clone())).build());
        // WHEN the scan of that rule in that account, started at midnight, asks what it did not refresh
        let found = store(&[&get]).active_for_rules(&scope("2026-11-01T00:00:00Z")).await.unwrap();
        // THEN only the stale finding of that rule and account comes back
        assert_eq!(found, [stale]);
        assert_eq!(get.num_calls(), 1);
    }

    #[tokio::test]
    async fn the_archive_sweep_never_takes_a_linked_regions_finding() {
        // GIVEN a finding aggregator in us-east-1: GetFindings also returns eu-west-1's
        // findings of the same account and rule (their own product ARN and region), and one
        // that claims our product but was generated in eu-west-1
        let ours = asff(VERSIONING, "gone", ACCOUNT, "2026-10-01T00:00:00Z");
        let mut linked = to_sdk(&asff(VERSIONING, "gone-west", ACCOUNT, "2026-10-01T00:00:00Z"));
        linked.product_arn = Some(default_product_arn("aws", "eu-west-1", ACCOUNT));
        linked.region = Some("eu-west-1".into());
        let mut mislabelled = to_sdk(&asff(VERSIONING, "other-west", ACCOUNT, "2026-10-01T00:00:00Z"));
        mislabelled.region = Some("eu-west-1".into());
        let mut ours_sdk = to_sdk(&ours);
        ours_sdk.region = Some("us-east-1".into());
        let returned = vec![linked, mislabelled, ours_sdk];
        let get = mock!(aws_sdk_securityhub::Client::get_findings)
            .then_output(move || GetFindingsOutput::builder().set_findings(Some(returned.clone())).build());
        // WHEN the home region's sweep runs
        let found = store(&[&get]).active_for_rules(&scope("2026-11-01T00:00:00Z")).await.unwrap();
        // THEN only this region's finding of this product is archived
        assert_eq!(found, [ours]);
    }

    #[test]
    fn an_archive_at_the_scan_start_is_newer_than_what_it_supersedes() {
        let stale = asff(VERSIONING, "gone", ACCOUNT, "2026-10-01T00:00:00Z");
        let started = at("2026-11-01T00:00:00.000900Z");
        let copy = archived(&stale, archive_time(started));
        assert!(copy.updated_at > stale.updated_at);
        assert_eq!(to_sdk(&copy).updated_at.as_deref(), Some("2026-11-01T00:00:00.000Z"));
    }
}
