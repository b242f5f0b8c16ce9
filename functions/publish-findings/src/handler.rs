//! The publish-findings handler: one SQS batch of `QueueMessage`s in; Security Hub imports,
//! at most one alert, and the list of records to retry out. Generic over the store and
//! alerter ports, so the tests run it against in-memory fakes.
//!
//! Per batch:
//! 1. parse every record; a malformed one is reported as a batch item failure (and lands in
//!    the dead-letter queue after its retries);
//! 2. read what Security Hub already holds for the findings (`previous`);
//! 3. alert once for the failures that are new or regressed, at or above the minimum
//!    severity, on SNS and, when configured, to the alert webhook (whose URL is read from
//!    Secrets Manager). This happens before the import so an alert is sent at least once: if
//!    the import or either channel fails, the whole batch is retried (then lands in the
//!    dead-letter queue) and the retry still sees the findings as new. Both channels are tried
//!    even when one fails, so a broken webhook does not hold back SNS or the reverse; a
//!    retried batch can therefore repeat an alert on the channel that had succeeded;
//! 4. import the findings as ASFF, keeping each finding's earlier `CreatedAt`; records with a
//!    finding Security Hub still rejects after retries are batch item failures;
//! 5. for each `ScanComplete`, archive the ACTIVE findings of exactly its rules in exactly its
//!    account that the scan did not refresh.
//!
//! Finding bodies are never logged; message ids, finding ids and counts are.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use lambda_runtime::{Diagnostic, LambdaEvent};
use tracing::{info, warn};
use ztscan::context::partition_for;
use ztscan::model::Finding;
use ztscan::pipeline::{QueueMessage, ScanSummary};
use ztscan::publish::securityhub::{FindingsStore, PreviousState, StoreError};
use ztscan::publish::sns::{AlertError, Alerter};
use ztscan::publish::webhook::{AlertForwarder, Delivery, ForwardError};
use ztscan::render::asff::{archived, default_product_arn, to_asff, AsffFinding};
use ztscan::render::sns::{alert, Alert};

use crate::config::Config;

/// Why a whole batch failed. Lambda then retries every record of it; imports are idempotent.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("could not read the findings Security Hub holds: {0}")]
    Previous(#[source] StoreError),
    #[error("could not import findings into Security Hub: {0}")]
    Import(#[source] StoreError),
    #[error("could not publish the alert: {0}")]
    Alert(#[source] AlertError),
    /// Names the secret id and the HTTP status or transport failure, never the URL or token.
    #[error("could not forward the alert: {0}")]
    Webhook(#[source] ForwardError),
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Self {
        // Every cause is a failed AWS call: the batch is worth retrying as a whole.
        Diagnostic { error_type: "Retryable".to_string(), error_message: e.to_string() }
    }
}

/// Why one `ScanComplete` record could not be applied (it is retried on its own).
#[derive(Debug, thiserror::Error)]
enum ArchiveError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("Security Hub rejected {0} archived finding(s) after retries")]
    Rejected(usize),
}

/// The handler: the ports and the configuration, built once per cold start.
pub struct Publisher<S, A, F = NoForwarder> {
    store: S,
    alerter: Option<A>,
    forwarder: Option<F>,
    config: Config,
}

/// The forwarder type of a publisher without an alert webhook (it has no values).
pub enum NoForwarder {}

impl AlertForwarder for NoForwarder {
    async fn forward(&self, _alert: &Alert) -> Result<Delivery, ForwardError> {
        match *self {}
    }
}

/// The records of one batch, sorted by kind.
#[derive(Default)]
struct Batch {
    findings: Vec<(String, Vec<Finding>)>,
    scans: Vec<(String, ScanSummary)>,
    malformed: Vec<String>,
}

impl<S: FindingsStore, A: Alerter> Publisher<S, A> {
    /// `alerter` is `None` when no alert topic is configured.
    pub fn new(store: S, alerter: Option<A>, config: Config) -> Self {
        Self { store, alerter, forwarder: None, config }
    }
}

impl<S: FindingsStore, A: Alerter, F: AlertForwarder> Publisher<S, A, F> {
    /// The same publisher, also forwarding alerts to `forwarder` (`None`: no webhook).
    pub fn with_forwarder<G: AlertForwarder>(self, forwarder: Option<G>) -> Publisher<S, A, G> {
        Publisher { store: self.store, alerter: self.alerter, forwarder, config: self.config }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, HandlerError> {
        self.process(event.payload, Utc::now()).await
    }

    /// Process one batch; `now` stamps archived findings.
    pub async fn process(&self, event: SqsEvent, now: DateTime<Utc>) -> Result<SqsBatchResponse, HandlerError> {
        let batch = parse(event.records);
        let mut failed: Vec<String> = batch.malformed.clone();

        // The latest observation of each finding id in the batch (a message may be redelivered).
        let mut latest: BTreeMap<String, &Finding> = BTreeMap::new();
        for f in batch.findings.iter().flat_map(|(_, findings)| findings) {
            let slot = latest.entry(f.id()).or_insert(f);
            if f.observed_at > slot.observed_at {
                *slot = f;
            }
        }
        let ids: Vec<String> = latest.keys().cloned().collect();
        let previous = if ids.is_empty() {
            HashMap::new()
        } else {
            self.store.previous(&ids).await.map_err(HandlerError::Previous)?
        };

        let news: Vec<Finding> =
            latest.iter().filter(|(id, f)| self.is_news(f, previous.get(*id))).map(|(_, f)| (*f).clone()).collect();
        if let Some(alert) = alert(&news) {
            self.send_alert(&alert).await?;
        }

        let asff: Vec<AsffFinding> = latest
            .iter()
            .map(|(id, f)| to_asff(f, &self.product_arn(f), previous.get(id).and_then(|p| p.created_at)))
            .collect();
        let imported = asff.len();
        let report = if asff.is_empty() {
            Default::default()
        } else {
            self.store.import(asff).await.map_err(HandlerError::Import)?
        };
        let rejected: HashSet<&str> = report.failed_ids.iter().map(String::as_str).collect();
        for (message_id, findings) in &batch.findings {
            let count = findings.iter().filter(|f| rejected.contains(f.id().as_str())).count();
            if count > 0 {
                warn!(message_id = %message_id, rejected = count, "Security Hub rejected findings of this message; it will be retried");
                failed.push(message_id.clone());
            }
        }

        let mut archived_count = 0;
        for (message_id, scan) in &batch.scans {
            match self.archive(scan, &latest, now).await {
                Ok(n) => archived_count += n,
                Err(e) => {
                    warn!(message_id = %message_id, audit = %scan.audit, account = %scan.account, error = %e, "could not archive the findings of vanished resources; will retry");
                    failed.push(message_id.clone());
                }
            }
        }

        failed.sort();
        failed.dedup();
        info!(
            findings = imported,
            rejected = report.failed_ids.len(),
            alerted = news.len(),
            scans_completed = batch.scans.len(),
            archived = archived_count,
            failed_records = failed.len(),
            "processed findings batch"
        );
        let mut response = SqsBatchResponse::default();
        for message_id in failed {
            response.add_failure(message_id);
        }
        Ok(response)
    }

    /// Send `alert` on every configured channel. Each is tried even when the other failed;
    /// any failure fails the batch (as the SNS alert always has), so it is retried.
    async fn send_alert(&self, alert: &Alert) -> Result<(), HandlerError> {
        let sns = match &self.alerter {
            Some(alerter) => alerter.publish(alert).await.map_err(HandlerError::Alert),
            None => Ok(()),
        };
        let webhook = match &self.forwarder {
            Some(forwarder) => match forwarder.forward(alert).await {
                Ok(delivery) => {
                    info!(status = delivery.status, attempts = delivery.attempts, "alert forwarded to the webhook");
                    Ok(())
                }
                Err(e) => Err(HandlerError::Webhook(e)),
            },
            None => Ok(()),
        };
        match (sns, webhook) {
            (Err(sns), Err(webhook)) => {
                warn!(error = %webhook, "the alert webhook failed too; the batch will be retried");
                Err(sns)
            }
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    /// A failure worth an alert: at or above the minimum severity, and not already an active
    /// failure in Security Hub (new, was passing or unknown, or was archived).
    fn is_news(&self, f: &Finding, previous: Option<&PreviousState>) -> bool {
        f.is_failure()
            && f.severity >= self.config.min_alert_severity
            && previous.is_none_or(|p| !p.is_active_failure())
    }

    /// The configured product, or the default product of the finding's account in the region
    /// the function imports into.
    fn product_arn(&self, f: &Finding) -> String {
        match &self.config.product_arn {
            Some(arn) => arn.clone(),
            None => {
                let region = self.config.region.as_deref().unwrap_or(&f.resource.region);
                default_product_arn(partition_for(region), region, &f.resource.account)
            }
        }
    }

    /// Archive what `scan` did not refresh. Findings present in this batch are never archived:
    /// they were just refreshed, or their record is being retried.
    async fn archive(
        &self,
        scan: &ScanSummary,
        in_batch: &BTreeMap<String, &Finding>,
        now: DateTime<Utc>,
    ) -> Result<usize, ArchiveError> {
        if scan.rule_ids.is_empty() {
            return Ok(0);
        }
        let held = self.store.active_for_rules(&scan.account, &scan.rule_ids, scan.started_at).await?;
        // Re-checked here too: archiving another audit's findings would hide real failures.
        let gone: Vec<AsffFinding> = held
            .iter()
            .filter(|f| f.is_stale(&scan.account, &scan.rule_ids, scan.started_at) && !in_batch.contains_key(&f.id))
            .map(|f| archived(f, now))
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let count = gone.len();
        let report = self.store.import(gone).await?;
        match report.failed_ids.len() {
            0 => Ok(count),
            n => Err(ArchiveError::Rejected(n)),
        }
    }
}

/// Sort records by kind. A record without a message id is reported with an empty id, which
/// makes Lambda retry the whole batch: nothing is dropped.
fn parse(records: Vec<SqsMessage>) -> Batch {
    let mut batch = Batch::default();
    for record in records {
        let message_id = record.message_id.unwrap_or_default();
        match QueueMessage::parse(record.body.as_deref().unwrap_or_default()) {
            Ok(QueueMessage::Findings { findings, .. }) => batch.findings.push((message_id, findings)),
            Ok(QueueMessage::ScanComplete(scan)) => batch.scans.push((message_id, scan)),
            Err(e) => {
                warn!(message_id = %message_id, error = %e, "malformed findings message; reporting it as failed");
                batch.malformed.push(message_id);
            }
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use ztscan::model::{Severity, Status};
    use ztscan::publish::securityhub::ImportReport;
    use ztscan::render::asff::RecordState;
    use ztscan::render::sns::Alert;

    use super::*;

    const ACCOUNT: &str = "123456789012";
    const VERSIONING: &str = "s3.bucket-versioning-enabled";
    const TLS: &str = "s3.bucket-requires-tls";

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Security Hub in memory. Like moto, `active_for_rules` ignores its filters.
    #[derive(Default)]
    struct FakeStore {
        held: Mutex<BTreeMap<String, AsffFinding>>,
        /// Ids every import rejects (as `FailedFindings` after the store's retries).
        rejects: HashSet<String>,
        imports: Mutex<Vec<Vec<AsffFinding>>>,
    }

    impl FakeStore {
        fn holding(findings: impl IntoIterator<Item = AsffFinding>) -> Self {
            let store = Self::default();
            store.held.lock().unwrap().extend(findings.into_iter().map(|f| (f.id.clone(), f)));
            store
        }

        fn imported(&self) -> Vec<AsffFinding> {
            self.imports.lock().unwrap().iter().flatten().cloned().collect()
        }
    }

    impl FindingsStore for FakeStore {
        async fn previous(&self, ids: &[String]) -> Result<HashMap<String, PreviousState>, StoreError> {
            let held = self.held.lock().unwrap();
            Ok(ids
                .iter()
                .filter_map(|id| held.get(id))
                .map(|f| {
                    let state = PreviousState {
                        compliance_status: f.compliance_status(),
                        record_state: f.record_state,
                        created_at: Some(f.created_at),
                    };
                    (f.id.clone(), state)
                })
                .collect())
        }

        async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
            self.imports.lock().unwrap().push(findings.clone());
            let mut failed_ids = Vec::new();
            let mut held = self.held.lock().unwrap();
            for f in findings {
                if self.rejects.contains(&f.id) {
                    failed_ids.push(f.id);
                } else {
                    held.insert(f.id.clone(), f);
                }
            }
            Ok(ImportReport { failed_ids })
        }

        async fn active_for_rules(
            &self,
            _account: &str,
            _rule_ids: &[String],
            _before: DateTime<Utc>,
        ) -> Result<Vec<AsffFinding>, StoreError> {
            Ok(self.held.lock().unwrap().values().cloned().collect())
        }
    }

    #[derive(Default)]
    struct FakeAlerter {
        sent: Mutex<Vec<Alert>>,
        /// Every publish fails (after recording the attempt).
        fail: bool,
    }

    impl Alerter for FakeAlerter {
        async fn publish(&self, alert: &Alert) -> Result<(), AlertError> {
            self.sent.lock().unwrap().push(alert.clone());
            if self.fail {
                return Err(AlertError::Build(aws_sdk_sns::error::BuildError::missing_field("data_type", "test")));
            }
            Ok(())
        }
    }

    /// The alert webhook in memory.
    #[derive(Default)]
    struct FakeForwarder {
        sent: Mutex<Vec<Alert>>,
        /// Every forward fails like a webhook answering 500 after its retries.
        fail: bool,
    }

    impl AlertForwarder for FakeForwarder {
        async fn forward(&self, alert: &Alert) -> Result<Delivery, ForwardError> {
            self.sent.lock().unwrap().push(alert.clone());
            if self.fail {
                return Err(ForwardError::Delivery {
                    secret_id: "ztscan/webhook".into(),
                    source: ztscan::publish::webhook::WebhookError::Status { status: 500, attempts: 3 },
                });
            }
            Ok(Delivery { status: 200, attempts: 1 })
        }
    }

    fn with_webhook(
        store: FakeStore,
        sns_fails: bool,
        webhook_fails: bool,
    ) -> Publisher<FakeStore, FakeAlerter, FakeForwarder> {
        Publisher::new(store, Some(FakeAlerter { fail: sns_fails, ..Default::default() }), config())
            .with_forwarder(Some(FakeForwarder { fail: webhook_fails, ..Default::default() }))
    }

    fn forwarded<A>(p: &Publisher<FakeStore, A, FakeForwarder>) -> Vec<Alert> {
        p.forwarder.as_ref().map(|f| f.sent.lock().unwrap().clone()).unwrap_or_default()
    }

    fn config() -> Config {
        Config {
            product_arn: None,
            alert_topic_arn: Some("topic".into()),
            min_alert_severity: Severity::High,
            alert_webhook_secret_id: None,
            secret_cache_ttl: std::time::Duration::from_secs(300),
            region: None,
        }
    }

    fn publisher(store: FakeStore) -> Publisher<FakeStore, FakeAlerter> {
        Publisher::new(store, Some(FakeAlerter::default()), config())
    }

    fn alerts<F>(p: &Publisher<FakeStore, FakeAlerter, F>) -> Vec<Alert> {
        p.alerter.as_ref().map(|a| a.sent.lock().unwrap().clone()).unwrap_or_default()
    }

    fn finding(rule: &str, bucket: &str, status: Status, severity: Severity, observed_at: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: format!("{rule} holds"),
            severity,
            status,
            reason: format!("{bucket}: {status}"),
            remediation: "fix it".into(),
            mappings: vec![],
            observed_at: at(observed_at),
            ..Finding::fixture(bucket)
        }
    }

    fn fail(bucket: &str) -> Finding {
        finding(VERSIONING, bucket, Status::Fail, Severity::High, "2026-11-01T12:00:00Z")
    }

    /// What Security Hub holds after an earlier scan.
    fn held(f: &Finding, observed_at: &str) -> AsffFinding {
        let earlier = Finding { observed_at: at(observed_at), ..f.clone() };
        to_asff(&earlier, &default_product_arn("aws", "us-east-1", ACCOUNT), None)
    }

    fn record(message_id: &str, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(message_id.into());
        m.body = Some(body.into());
        m
    }

    fn findings_record(message_id: &str, findings: Vec<Finding>) -> SqsMessage {
        let body = serde_json::to_string(&QueueMessage::Findings { audit: "s3".into(), findings }).unwrap();
        record(message_id, &body)
    }

    fn scan_record(message_id: &str, rule_ids: &[&str], started_at: &str) -> SqsMessage {
        let scan = ScanSummary {
            audit: "s3".into(),
            account: ACCOUNT.into(),
            rule_ids: rule_ids.iter().map(|r| r.to_string()).collect(),
            started_at: at(started_at),
            finding_count: 0,
        };
        record(message_id, &serde_json::to_string(&QueueMessage::ScanComplete(scan)).unwrap())
    }

    fn event(records: Vec<SqsMessage>) -> SqsEvent {
        let mut e = SqsEvent::default();
        e.records = records;
        e
    }

    fn failures(r: &SqsBatchResponse) -> Vec<&str> {
        r.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect()
    }

    const NOW: &str = "2026-11-01T12:05:00Z";

    #[tokio::test]
    async fn a_new_failure_is_imported_and_alerted() {
        // GIVEN Security Hub has never seen the finding
        let p = publisher(FakeStore::default());
        // WHEN a batch reports it failing
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap();
        // THEN it is imported as an active failure created now
        assert!(failures(&r).is_empty());
        let imported = p.store.imported();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].id, fail("a").id());
        assert_eq!(imported[0].created_at, at("2026-11-01T12:00:00Z"));
        assert_eq!(imported[0].record_state, RecordState::Active);
        assert_eq!(imported[0].product_arn, "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default");
        // AND one alert is sent
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].subject, "ztscan: 1 new failing finding in 123456789012 (highest HIGH)");
    }

    #[tokio::test]
    async fn a_repeat_failure_is_imported_with_its_first_created_at_and_not_alerted() {
        // GIVEN Security Hub already holds the failure since October
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        // WHEN the next scan reports it failing again
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap();
        // THEN it is updated, keeping its CreatedAt, and nobody is alerted
        assert!(failures(&r).is_empty());
        let imported = p.store.imported();
        assert_eq!(imported[0].created_at, at("2026-10-01T00:00:00Z"));
        assert_eq!(imported[0].updated_at, at("2026-11-01T12:00:00Z"));
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn a_regression_alerts() {
        // GIVEN one finding was passing and another was archived
        let was_passing = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-10-01T00:00:00Z");
        let was_archived = archived(&held(&fail("b"), "2026-10-01T00:00:00Z"), at("2026-10-02T00:00:00Z"));
        let p = publisher(FakeStore::holding([held(&was_passing, "2026-10-01T00:00:00Z"), was_archived]));
        // WHEN both fail now
        p.process(event(vec![findings_record("m1", vec![fail("a"), fail("b")])]), at(NOW)).await.unwrap();
        // THEN one alert names both
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert!(sent[0].subject.starts_with("ztscan: 2 new failing findings"), "{}", sent[0].subject);
    }

    #[tokio::test]
    async fn a_pass_after_a_failure_imports_passed_without_alerting() {
        // GIVEN Security Hub holds an active failure
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        // WHEN the bucket is fixed
        let fixed = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-11-01T12:00:00Z");
        p.process(event(vec![findings_record("m1", vec![fixed])]), at(NOW)).await.unwrap();
        // THEN the finding is imported as PASSED and nobody is alerted
        let imported = p.store.imported();
        assert_eq!(imported[0].compliance_status(), Some(ztscan::render::asff::ComplianceStatus::Passed));
        assert_eq!(imported[0].record_state, RecordState::Active);
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn a_malformed_record_fails_alone() {
        // GIVEN a batch with a malformed record between two good ones
        let records = vec![
            findings_record("m1", vec![fail("a")]),
            record("m2", "{\"kind\":\"findings\",\"audit\":\"s3\",\"findings\":[{\"rule_id\":1}]}"),
            findings_record("m3", vec![fail("b")]),
        ];
        let p = publisher(FakeStore::default());
        // WHEN it is processed
        let r = p.process(event(records), at(NOW)).await.unwrap();
        // THEN only the malformed record is retried, and the others are imported
        assert_eq!(failures(&r), ["m2"]);
        assert_eq!(p.store.imported().len(), 2);
    }

    #[tokio::test]
    async fn a_record_without_a_body_fails() {
        let mut empty = SqsMessage::default();
        empty.message_id = Some("m1".into());
        let p = publisher(FakeStore::default());
        let r = p.process(event(vec![empty]), at(NOW)).await.unwrap();
        assert_eq!(failures(&r), ["m1"]);
        assert!(p.store.imported().is_empty());
    }

    #[tokio::test]
    async fn a_record_whose_finding_is_still_rejected_is_reported() {
        // GIVEN Security Hub keeps rejecting finding b (after the store's own retries)
        let store = FakeStore { rejects: HashSet::from([fail("b").id()]), ..Default::default() };
        let p = publisher(store);
        // WHEN two records carry a and b
        let r = p
            .process(
                event(vec![findings_record("m1", vec![fail("a")]), findings_record("m2", vec![fail("b")])]),
                at(NOW),
            )
            .await
            .unwrap();
        // THEN the record carrying b is retried, the other is done
        assert_eq!(failures(&r), ["m2"]);
        assert!(p.store.held.lock().unwrap().contains_key(&fail("a").id()));
    }

    #[tokio::test]
    async fn scan_complete_archives_only_its_rules_in_its_account_not_refreshed() {
        // GIVEN Security Hub holds findings of two rules, one account elsewhere, and one the
        // scan refreshed
        let gone = held(&fail("gone"), "2026-10-01T00:00:00Z");
        let other_rule =
            held(&finding(TLS, "gone", Status::Fail, Severity::Medium, "2026-10-01T00:00:00Z"), "2026-10-01T00:00:00Z");
        let mut other_account_finding = fail("gone");
        other_account_finding.resource.account = "210987654321".into();
        let other_account = held(&other_account_finding, "2026-10-01T00:00:00Z");
        let refreshed = held(&fail("kept"), "2026-11-01T12:00:00Z");
        let p =
            publisher(FakeStore::holding([gone.clone(), other_rule.clone(), other_account.clone(), refreshed.clone()]));
        // WHEN the versioning scan that started at 11:59 completes
        let r =
            p.process(event(vec![scan_record("m1", &[VERSIONING], "2026-11-01T11:59:00Z")]), at(NOW)).await.unwrap();
        // THEN only the stale finding of that rule and account is archived, stamped now
        assert!(failures(&r).is_empty());
        let imported = p.store.imported();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].id, gone.id);
        assert_eq!(imported[0].record_state, RecordState::Archived);
        assert_eq!(imported[0].updated_at, at(NOW));
        let held = p.store.held.lock().unwrap();
        assert_eq!(held[&other_rule.id].record_state, RecordState::Active);
        assert_eq!(held[&other_account.id].record_state, RecordState::Active);
        assert_eq!(held[&refreshed.id].record_state, RecordState::Active);
    }

    #[tokio::test]
    async fn scan_complete_never_archives_a_finding_of_the_same_batch() {
        // GIVEN finding b is stale in Security Hub but its refresh is in this batch and rejected
        let store = FakeStore { rejects: HashSet::from([fail("b").id()]), ..Default::default() };
        store.held.lock().unwrap().insert(fail("b").id(), held(&fail("b"), "2026-10-01T00:00:00Z"));
        let p = publisher(store);
        // WHEN the batch carries b's refresh and the scan's completion
        let r = p
            .process(
                event(vec![
                    findings_record("m1", vec![fail("b")]),
                    scan_record("m2", &[VERSIONING], "2026-11-01T11:59:00Z"),
                ]),
                at(NOW),
            )
            .await
            .unwrap();
        // THEN b's record is retried and b is not archived
        assert_eq!(failures(&r), ["m1"]);
        assert_eq!(p.store.held.lock().unwrap()[&fail("b").id()].record_state, RecordState::Active);
    }

    #[tokio::test]
    async fn only_failures_at_or_above_the_minimum_severity_alert() {
        // GIVEN the minimum alert severity is HIGH
        let p = publisher(FakeStore::default());
        // WHEN a MEDIUM and a CRITICAL failure are new
        let medium = finding(TLS, "a", Status::Fail, Severity::Medium, "2026-11-01T12:00:00Z");
        let critical = finding(VERSIONING, "b", Status::Fail, Severity::Critical, "2026-11-01T12:00:00Z");
        p.process(event(vec![findings_record("m1", vec![medium.clone(), critical])]), at(NOW)).await.unwrap();
        // THEN only the CRITICAL one is in the alert (both are imported)
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].subject, "ztscan: 1 new failing finding in 123456789012 (highest CRITICAL)");
        assert_eq!(p.store.imported().len(), 2);
        // AND a batch of only MEDIUM failures sends nothing
        let p = publisher(FakeStore::default());
        p.process(event(vec![findings_record("m1", vec![medium])]), at(NOW)).await.unwrap();
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn without_an_alert_topic_findings_are_still_imported() {
        let p: Publisher<FakeStore, FakeAlerter> = Publisher::new(FakeStore::default(), None, config());
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1);
    }

    #[tokio::test]
    async fn a_redelivered_finding_is_imported_once_at_its_latest_observation() {
        let p = publisher(FakeStore::default());
        let older = finding(VERSIONING, "a", Status::Fail, Severity::High, "2026-11-01T11:00:00Z");
        let newer = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-11-01T12:00:00Z");
        p.process(event(vec![findings_record("m1", vec![newer]), findings_record("m2", vec![older])]), at(NOW))
            .await
            .unwrap();
        let imported = p.store.imported();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].updated_at, at("2026-11-01T12:00:00Z"));
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn the_default_product_is_in_the_functions_region() {
        let config = Config { region: Some("eu-west-1".into()), ..config() };
        let p: Publisher<FakeStore, FakeAlerter> = Publisher::new(FakeStore::default(), None, config);
        p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap();
        assert_eq!(
            p.store.imported()[0].product_arn,
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
    }

    #[tokio::test]
    async fn a_new_failure_is_forwarded_to_the_webhook_with_the_same_alert_as_sns() {
        // GIVEN a webhook is configured besides SNS
        let p = with_webhook(FakeStore::default(), false, false);
        // WHEN a batch has a new HIGH failure and a new LOW one
        let low = finding(TLS, "b", Status::Fail, Severity::Low, "2026-11-01T12:00:00Z");
        let r = p.process(event(vec![findings_record("m1", vec![fail("a"), low])]), at(NOW)).await.unwrap();
        // THEN the webhook gets the SNS alert, which names only the HIGH failure
        assert!(failures(&r).is_empty());
        let sent = forwarded(&p);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent, p.alerter.as_ref().unwrap().sent.lock().unwrap().clone());
        assert_eq!(sent[0].subject, "ztscan: 1 new failing finding in 123456789012 (highest HIGH)");
        assert!(!sent[0].body_json.contains("arn:aws:s3:::b"), "{}", sent[0].body_json);
    }

    #[tokio::test]
    async fn nothing_is_forwarded_without_news() {
        // GIVEN the failure is already active in Security Hub, and a LOW failure is new
        let p = with_webhook(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]), false, false);
        let low = finding(TLS, "b", Status::Fail, Severity::Low, "2026-11-01T12:00:00Z");
        p.process(event(vec![findings_record("m1", vec![fail("a"), low])]), at(NOW)).await.unwrap();
        // THEN nothing goes to the webhook
        assert!(forwarded(&p).is_empty());
    }

    #[tokio::test]
    async fn a_failed_webhook_fails_the_batch_like_a_failed_sns_alert() {
        // GIVEN the webhook keeps failing (after its own retries)
        let p = with_webhook(FakeStore::default(), false, true);
        // WHEN a new failure arrives
        let err = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap_err();
        // THEN the whole batch is retried (then dead-lettered): nothing is imported, so the
        // retry still sees the finding as new and alerts again
        assert!(matches!(err, HandlerError::Webhook(_)), "{err:?}");
        assert!(p.store.imported().is_empty());
        assert_eq!(alerts(&p).len(), 1, "SNS was still sent");
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "Retryable");
        assert_eq!(
            d.error_message,
            "could not forward the alert: alert webhook (secret `ztscan/webhook`): the webhook answered HTTP 500 after 3 attempt(s)"
        );
    }

    #[tokio::test]
    async fn a_failed_sns_alert_still_forwards_to_the_webhook_and_fails_the_batch() {
        let p = with_webhook(FakeStore::default(), true, false);
        let err = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap_err();
        assert!(matches!(err, HandlerError::Alert(_)), "{err:?}");
        assert_eq!(forwarded(&p).len(), 1);
        assert!(p.store.imported().is_empty());
    }

    #[tokio::test]
    async fn the_webhook_alone_works_without_an_sns_topic() {
        let p: Publisher<FakeStore, FakeAlerter, FakeForwarder> =
            Publisher::new(FakeStore::default(), None, config()).with_forwarder(Some(FakeForwarder::default()));
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])]), at(NOW)).await.unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(forwarded(&p).len(), 1);
        assert_eq!(p.store.imported().len(), 1);
    }

    #[test]
    fn errors_become_retryable_diagnostics() {
        let err = HandlerError::Import(StoreError::FindingTooLarge { id: "i".into(), size: 2, max: 1 });
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "Retryable");
        assert!(d.error_message.starts_with("could not import findings into Security Hub"), "{}", d.error_message);
    }

    const SAMPLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/sqs-findings.json"));

    #[test]
    fn sample_event_round_trips() {
        let parsed: SqsEvent = serde_json::from_str(SAMPLE).unwrap();
        let again: SqsEvent = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(again, parsed);
        let body = parsed.records[0].body.as_deref().unwrap();
        let message = QueueMessage::parse(body).unwrap();
        let QueueMessage::Findings { findings, .. } = &message else { panic!("not a findings message: {message:?}") };
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule_id, VERSIONING);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(findings[0].resource.uid(), "arn:aws:s3:::demo-bucket");
        assert_eq!(findings[0].resource.account, ACCOUNT);
        assert_eq!(findings[0].resource.region, "us-east-1");
        let reserialised: serde_json::Value = serde_json::from_str(&serde_json::to_string(&message).unwrap()).unwrap();
        assert_eq!(reserialised, serde_json::from_str::<serde_json::Value>(body).unwrap());
    }

    #[tokio::test]
    async fn sample_event_is_imported() {
        let p = publisher(FakeStore::default());
        let r = p.process(serde_json::from_str(SAMPLE).unwrap(), at(NOW)).await.unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1);
        assert!(alerts(&p).is_empty(), "MEDIUM is below the default HIGH");
    }

    /// Every mutation of the sample batch: the envelope (what the runtime deserialises) and each
    /// record's body. An envelope that is not an SQS event is a clear deserialisation error;
    /// one that is, and every bad body, is processed without a panic, and a bad record alone is
    /// a batch item failure: the good record beside it is imported.
    #[tokio::test]
    async fn every_mutated_sample_is_an_error_or_a_batch_item_failure_never_a_panic() {
        use futures_util::FutureExt;
        let sample: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        let (mut envelopes, mut bodies) = (0, 0);
        for (label, mutated) in ztscan::bad_input::mutations(&sample) {
            let Ok(event) = serde_json::from_value::<SqsEvent>(mutated) else { continue };
            envelopes += 1;
            let p = publisher(FakeStore::default());
            let answer = std::panic::AssertUnwindSafe(p.process(event, at(NOW)))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| panic!("envelope, {label}: the handler panicked"));
            assert!(answer.is_ok(), "envelope, {label}: a whole-batch failure for one bad record");
        }
        let good_body = sample["Records"][0]["body"].as_str().unwrap().to_string();
        let good: serde_json::Value = serde_json::from_str(&good_body).unwrap();
        let QueueMessage::Findings { findings: good_findings, .. } = QueueMessage::parse(&good_body).unwrap() else {
            panic!("the sample is a findings message")
        };
        let good_id = good_findings[0].id();
        let mut cases: Vec<(String, String)> =
            ztscan::bad_input::mutations(&good).into_iter().map(|(label, body)| (label, body.to_string())).collect();
        cases.push(("not JSON".into(), "{\"kind\": \"findings\", \"findings\": [".into()));
        cases.push(("empty".into(), String::new()));
        cases.push(("1 MiB of text".into(), ztscan::bad_input::huge_string()));
        for (label, body) in cases {
            bodies += 1;
            let still_valid = QueueMessage::parse(&body).is_ok();
            let p = publisher(FakeStore::default());
            let batch = event(vec![record("good", &good_body), record("bad", &body)]);
            let answer = std::panic::AssertUnwindSafe(p.process(batch, at(NOW)))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| panic!("body, {label}: the handler panicked"));
            let r = answer.unwrap_or_else(|e| panic!("body, {label}: the whole batch failed: {e}"));
            let expected: Vec<&str> = if still_valid { vec![] } else { vec!["bad"] };
            assert_eq!(failures(&r), expected, "body, {label}");
            assert!(
                p.store.imported().iter().any(|f| f.id == good_id),
                "body, {label}: the good record beside it is imported"
            );
        }
        assert!(envelopes > 10 && bodies > 100, "{envelopes} envelopes, {bodies} bodies");
    }
}
