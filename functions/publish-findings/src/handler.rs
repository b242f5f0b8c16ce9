//! The publish-findings handler: one SQS batch of `QueueMessage`s in; Security Hub imports,
//! alerts, dead letters and the list of records to retry out. Generic over the store,
//! alerter, forwarder and outbox ports, so the tests run it against in-memory fakes.
//!
//! Per batch:
//! 0. check every record's sender (SQS's `SenderId`, the sending role's unique id): findings
//!    and scan-complete messages are taken only from the audit roles (`AUDIT_ROLE_IDS`), an
//!    alert retry only from publish-findings' own role (`PUBLISHER_ROLE_ID`). Anything else
//!    could be forged (a `ScanComplete` archives real failures), so it is logged naming the
//!    sender (never the body) and sent to the dead-letter queue at once, not retried. The
//!    queue policy already denies other senders; this is the second lock, and it also holds
//!    against a principal the policy's deny could not name;
//! 1. parse every record; a malformed one is a batch item failure (the queue's redrive then
//!    dead-letters it). An `AlertRetry` record (see 5) is sent again, and is a batch item
//!    failure while its channels still fail;
//! 2. keep the latest observation of each finding id and read, account by account, what
//!    Security Hub holds for it (`previous`). An account whose findings cannot be read is
//!    handled by the cause (below) without importing anything of it;
//! 3. order by observation: a result whose observation time is older than what Security Hub
//!    holds is skipped on purpose (counted, and logged per finding); one exactly as old is a
//!    redelivery of what was already imported, and is skipped too (Security Hub would ignore
//!    both, without saying so). Everything else is imported with its observation time as
//!    `UpdatedAt`, and with what Security Hub showed before it (`ztscan/Before`);
//! 4. import. Security Hub's answer is handled by its cause
//!    (`ztscan::publish::securityhub::Disposition`): a passing cause (throttling, internal
//!    error) was retried by the store; what still fails makes its records batch item
//!    failures, so SQS redelivers them later, and after the queue's five receives its redrive
//!    moves them to the dead-letter queue. A lasting cause (`InvalidAccess`: Security Hub not
//!    enabled in that account or region; invalid input) is never retried: those findings go
//!    to the dead-letter queue at once (`publish::outbox`), with the account, region and error
//!    code as message attributes, one log line per account, region and code says why, and one
//!    alert says that Security Hub could not take them (listing their failures). Their
//!    records are then done;
//! 5. alert once for the failures imported by this invocation that are new or regressed (at
//!    or above the minimum severity), on SNS and the alert webhook. The alert comes after the
//!    import and only for what this invocation imported, so no failure is alerted twice
//!    because an import failed: a finding whose import failed is alerted by the delivery that
//!    imports it, and a redelivered finding that is already held was alerted by the delivery
//!    that imported it. If a channel fails, the alert is queued as an `AlertRetry` on the
//!    findings queue and retried on its own (its findings are imported and will not be
//!    re-decided); only if that queueing fails too are the alerted records reported failed,
//!    and that alert is then lost (logged as an error with the finding ids);
//! 6. for each `ScanComplete`, archive the ACTIVE findings of exactly its rules, in exactly
//!    its account, product and region, that the scan did not refresh, stamped with the scan's
//!    start (`render::asff::archive_time`): newer than everything it supersedes, older than
//!    any later observation, and the same when the message is redelivered. An account where
//!    Security Hub cannot be read for good has nothing to archive; a passing failure retries
//!    the record.
//!
//! So a finding reaches Security Hub once per observation (imports are idempotent by id and
//! skipped when already held), and each regression is alerted once. Finding bodies are never
//! logged; message ids, finding ids, codes and counts are.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use tracing::{error, info, warn};
use ztscan::context::partition_for;
use ztscan::model::Finding;
use ztscan::pipeline::{QueueMessage, ScanSummary};
use ztscan::publish::outbox::{dead_letter, AlertRetry, Outbox, OutboxError, OutboxMessage};
use ztscan::publish::securityhub::{
    ArchiveScope, Disposition, FindingKey, FindingsStore, PreviousState, Rejection, StoreError,
};
use ztscan::publish::sns::{AlertError, Alerter};
use ztscan::publish::webhook::{AlertForwarder, Delivery, ForwardError};
use ztscan::render::asff::{archive_time, archived, asff_time, product_arn_for, to_asff, AsffFinding, Before};
use ztscan::render::sns::{alert, refused_alert, Alert, Refused};

use ztscan::settings::PublisherSettings;

/// Why an alert could not be sent on one of its channels.
#[derive(Debug, thiserror::Error)]
pub enum AlertFailure {
    #[error("could not publish the alert: {0}")]
    Sns(#[source] AlertError),
    /// Names the secret id and the HTTP status or transport failure, never the URL or token.
    #[error("could not forward the alert: {0}")]
    Webhook(#[source] ForwardError),
}

/// Why one `ScanComplete` record could not be applied (it is retried on its own).
#[derive(Debug, thiserror::Error)]
enum ArchiveError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("Security Hub did not take {0} archived finding(s) for a passing cause")]
    Retry(usize),
}

/// The handler: the ports and the configuration, built once per cold start.
pub struct Publisher<S, A, F = NoForwarder, Q = NoOutbox> {
    store: S,
    alerter: Option<A>,
    forwarder: Option<F>,
    /// The findings dead-letter queue; `None`: refused findings wait for the queue's redrive.
    dead_letters: Option<Q>,
    /// The findings queue, for alerts to retry; `None`: a failed alert fails its records.
    alert_retries: Option<Q>,
    config: PublisherSettings,
}

/// The forwarder type of a publisher without an alert webhook (it has no values).
pub enum NoForwarder {}

impl AlertForwarder for NoForwarder {
    async fn forward(&self, _alert: &Alert) -> Result<Delivery, ForwardError> {
        match *self {}
    }
}

/// The outbox type of a publisher without outbox queues (it has no values).
pub enum NoOutbox {}

impl Outbox for NoOutbox {
    async fn send(&self, _message: &OutboxMessage) -> Result<(), OutboxError> {
        match *self {}
    }
}

/// The records of one batch, sorted by kind.
#[derive(Default)]
struct Batch {
    findings: Vec<(String, String, Vec<Finding>)>,
    scans: Vec<(String, ScanSummary)>,
    alert_retries: Vec<(String, AlertRetry)>,
    malformed: Vec<String>,
    /// Records from a sender not trusted for their kind: (message id, sender, body).
    untrusted: Vec<(String, String, String)>,
}

/// The `SenderId` of a message whose sender is not trusted (dead-letter attribute code).
pub const UNTRUSTED_SENDER_CODE: &str = "UntrustedSender";

/// Who may send what to the findings queue, by IAM unique id (`AROA…`, the part of SQS's
/// `SenderId` before `:session`).
struct Senders<'a> {
    audits: &'a [String],
    publisher: Option<&'a str>,
}

impl Senders<'_> {
    /// Whether senders are checked at all (`AUDIT_ROLE_IDS` set).
    fn checked(&self) -> bool {
        !self.audits.is_empty()
    }

    fn unique_id(sender: &str) -> &str {
        sender.split(':').next().unwrap_or(sender)
    }

    /// Whether `sender` may send findings or a scan-complete message.
    fn is_audit(&self, sender: &str) -> bool {
        let id = Self::unique_id(sender);
        self.audits.iter().any(|a| a == id)
    }

    /// Whether `sender` may send an alert retry.
    fn is_publisher(&self, sender: &str) -> bool {
        self.publisher.is_some_and(|p| p == Self::unique_id(sender))
    }
}

/// Why Security Hub would not take (or show) an account's findings.
#[derive(Debug, Clone)]
struct Cause {
    code: String,
    message: String,
}

/// What one batch did, for the summary log line.
#[derive(Debug, Default)]
struct Tally {
    imported: usize,
    skipped_older: usize,
    already_held: usize,
    retrying: usize,
    dead_lettered: usize,
    alerted: usize,
    archived: usize,
}

impl<S: FindingsStore, A: Alerter> Publisher<S, A> {
    /// `alerter` is `None` when no alert topic is configured.
    pub fn new(store: S, alerter: Option<A>, config: PublisherSettings) -> Self {
        Self { store, alerter, forwarder: None, dead_letters: None, alert_retries: None, config }
    }
}

impl<S: FindingsStore, A: Alerter, F: AlertForwarder, Q: Outbox> Publisher<S, A, F, Q> {
    /// The same publisher, also forwarding alerts to `forwarder` (`None`: no webhook).
    pub fn with_forwarder<G: AlertForwarder>(self, forwarder: Option<G>) -> Publisher<S, A, G, Q> {
        Publisher {
            store: self.store,
            alerter: self.alerter,
            forwarder,
            dead_letters: self.dead_letters,
            alert_retries: self.alert_retries,
            config: self.config,
        }
    }

    /// The same publisher, with the dead-letter queue and the queue alerts are retried on.
    pub fn with_outboxes<R: Outbox>(self, dead_letters: Option<R>, alert_retries: Option<R>) -> Publisher<S, A, F, R> {
        Publisher {
            store: self.store,
            alerter: self.alerter,
            forwarder: self.forwarder,
            dead_letters,
            alert_retries,
            config: self.config,
        }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        Ok(self.process(event.payload).await)
    }

    /// Process one batch; every failure is reported per record.
    pub async fn process(&self, event: SqsEvent) -> SqsBatchResponse {
        let senders =
            Senders { audits: &self.config.audit_role_ids, publisher: self.config.publisher_role_id.as_deref() };
        let batch = parse(event.records, &senders);
        let mut failed: BTreeSet<String> = batch.malformed.iter().cloned().collect();
        let mut tally = Tally::default();
        self.reject_untrusted(&batch, &mut failed).await;

        for (message_id, retry) in &batch.alert_retries {
            if let Err(e) = self.send_alert(&retry.alert()).await {
                warn!(message_id = %message_id, error = %e, "the queued alert still fails; it will be retried");
                failed.insert(message_id.clone());
            }
        }

        // The latest observation of each finding id in the batch (a message may be redelivered).
        let mut latest: BTreeMap<String, &Finding> = BTreeMap::new();
        for f in batch.findings.iter().flat_map(|(_, _, findings)| findings) {
            let slot = latest.entry(f.id()).or_insert(f);
            if f.observed_at > slot.observed_at {
                *slot = f;
            }
        }

        // What Security Hub holds, account by account.
        let mut keys_by_account: BTreeMap<&str, Vec<FindingKey>> = BTreeMap::new();
        for (id, f) in &latest {
            let product_arn = self.product_arn(&f.resource.account, &f.resource.region);
            keys_by_account
                .entry(f.resource.account.as_str())
                .or_default()
                .push(FindingKey { id: id.clone(), product_arn });
        }
        let mut previous: HashMap<String, PreviousState> = HashMap::new();
        let mut unreadable: HashMap<String, (Disposition, Cause)> = HashMap::new();
        for (account, keys) in keys_by_account {
            match self.store.previous(&keys).await {
                Ok(states) => previous.extend(states),
                Err(e) => {
                    let cause = Cause { code: e.code().to_string(), message: e.short_message() };
                    warn!(account, code = %cause.code, findings = keys.len(), "could not read what Security Hub holds for this account");
                    unreadable.insert(account.to_string(), (e.disposition(), cause));
                }
            }
        }

        // Order by observation, and render what is to be imported.
        let mut to_import: Vec<AsffFinding> = Vec::new();
        let mut news: HashSet<String> = HashSet::new();
        let mut retry: HashSet<String> = HashSet::new();
        let mut refused: BTreeMap<String, Cause> = BTreeMap::new();
        for (id, f) in &latest {
            match unreadable.get(&f.resource.account) {
                Some((Disposition::Retry, _)) => {
                    retry.insert(id.clone());
                    continue;
                }
                Some((Disposition::DeadLetter, cause)) => {
                    refused.insert(id.clone(), cause.clone());
                    continue;
                }
                None => {}
            }
            let held = previous.get(id);
            let observed_at = asff_time(f.observed_at);
            match held.and_then(|p| p.updated_at) {
                Some(held_at) if held_at > observed_at => {
                    tally.skipped_older += 1;
                    info!(finding_id = %id, %observed_at, %held_at, "skipping a result older than what Security Hub holds");
                    continue;
                }
                Some(held_at) if held_at == observed_at => {
                    tally.already_held += 1;
                    continue;
                }
                _ => {}
            }
            let before = held.map_or(Before::New, PreviousState::shown);
            let product_arn = self.product_arn(&f.resource.account, &f.resource.region);
            to_import.push(to_asff(f, &product_arn, held.map(PreviousState::history), before));
            if self.is_news(f, before) {
                news.insert(id.clone());
            }
        }

        let importing: Vec<String> = to_import.iter().map(|f| f.id.clone()).collect();
        let rejected = if to_import.is_empty() {
            Vec::new()
        } else {
            match self.store.import(to_import).await {
                Ok(report) => report.rejected,
                Err(e) => importing
                    .iter()
                    .map(|id| Rejection { id: id.clone(), code: e.code().to_string(), message: e.short_message() })
                    .collect(),
            }
        };
        for r in rejected {
            match r.disposition() {
                Disposition::Retry => {
                    retry.insert(r.id);
                }
                Disposition::DeadLetter => {
                    refused.insert(r.id, Cause { code: r.code, message: r.message });
                }
            }
        }
        tally.imported = importing.iter().filter(|id| !retry.contains(*id) && !refused.contains_key(*id)).count();
        tally.retrying = retry.len();

        // Alert what this invocation imported and is news.
        let alerted: Vec<Finding> = latest
            .iter()
            .filter(|(id, _)| news.contains(*id) && !retry.contains(*id) && !refused.contains_key(*id))
            .map(|(_, f)| (*f).clone())
            .collect();
        tally.alerted = alerted.len();
        if let Some(alert) = alert(&alerted) {
            let ids: HashSet<String> = alerted.iter().map(Finding::id).collect();
            if !self.deliver_alert(&alert).await {
                error!(finding_ids = ?ids, "the alert could not be sent nor queued for retry; it is lost for these findings");
                failed.extend(records_with(&batch, &ids));
            }
        }

        self.dead_letter(&batch, &refused, &mut failed, &mut tally).await;
        failed.extend(records_with(&batch, &retry));

        for (message_id, scan) in &batch.scans {
            match self.archive(scan, &latest).await {
                Ok(n) => tally.archived += n,
                Err(e) => {
                    warn!(message_id = %message_id, audit = %scan.audit, account = %scan.account, error = %e, "could not archive the findings of vanished resources; will retry");
                    failed.insert(message_id.clone());
                }
            }
        }

        info!(
            imported = tally.imported,
            skipped_older = tally.skipped_older,
            already_held = tally.already_held,
            retrying = tally.retrying,
            dead_lettered = tally.dead_lettered,
            alerted = tally.alerted,
            scans_completed = batch.scans.len(),
            archived = tally.archived,
            untrusted = batch.untrusted.len(),
            failed_records = failed.len(),
            "processed findings batch"
        );
        let mut response = SqsBatchResponse::default();
        for message_id in failed {
            response.add_failure(message_id);
        }
        response
    }

    /// Send refused findings to the dead-letter queue, one message per record, account and
    /// code, and alert once that Security Hub could not take them. A record whose refused
    /// findings could not be dead-lettered is retried (the queue's redrive is the fallback).
    async fn dead_letter(
        &self,
        batch: &Batch,
        refused: &BTreeMap<String, Cause>,
        failed: &mut BTreeSet<String>,
        tally: &mut Tally,
    ) {
        if refused.is_empty() {
            return;
        }
        // (account, code) -> the findings refused, for the log line and the alert.
        let mut groups: BTreeMap<(String, String), (Cause, Vec<&Finding>)> = BTreeMap::new();
        let mut seen = HashSet::new();
        for (message_id, audit, findings) in &batch.findings {
            let mut by_cause: BTreeMap<(String, String), Vec<Finding>> = BTreeMap::new();
            for f in findings {
                let id = f.id();
                if let Some(cause) = refused.get(&id) {
                    by_cause.entry((f.resource.account.clone(), cause.code.clone())).or_default().push(f.clone());
                    if seen.insert(id) {
                        let group = groups
                            .entry((f.resource.account.clone(), cause.code.clone()))
                            .or_insert_with(|| (cause.clone(), Vec::new()));
                        group.1.push(f);
                    }
                }
            }
            for ((account, code), findings) in by_cause {
                let count = findings.len();
                let region = self.import_region(&findings[0].resource.region).to_string();
                let message =
                    groups.get(&(account.clone(), code.clone())).map(|g| g.0.message.clone()).unwrap_or_default();
                let sent = match (
                    &self.dead_letters,
                    serde_json::to_string(&QueueMessage::Findings { audit: audit.clone(), findings }),
                ) {
                    (Some(queue), Ok(body)) => queue
                        .send(&dead_letter(body, &account, &region, &code, &message))
                        .await
                        .map_err(|e| e.to_string()),
                    (None, _) => Err("no dead-letter queue is configured".to_string()),
                    (_, Err(e)) => Err(e.to_string()),
                };
                match sent {
                    Ok(()) => tally.dead_lettered += count,
                    Err(e) => {
                        warn!(message_id = %message_id, error = %e, "could not dead-letter refused findings; the record will be retried");
                        failed.insert(message_id.clone());
                    }
                }
            }
        }
        let mut listed = Vec::new();
        for ((account, code), (cause, findings)) in &groups {
            let region = self.import_region(&findings[0].resource.region);
            warn!(
                account = %account,
                region = %region,
                code = %code,
                findings = findings.len(),
                reason = %cause.message,
                "Security Hub refused these findings for a lasting cause (InvalidAccess: Security Hub or the product integration is not enabled in this account and region); sent to the dead-letter queue, not retried"
            );
            listed.push(Refused { account, region, code, message: &cause.message, findings: findings.clone() });
        }
        if let Some(alert) = refused_alert(&listed, self.config.min_alert_severity) {
            if !self.deliver_alert(&alert).await {
                error!(accounts = listed.len(), "the alert naming refused findings could not be sent nor queued");
            }
        }
    }

    /// Dead-letter the records whose sender is not trusted, at once and without retry; a record
    /// that cannot be dead-lettered fails (the queue's redrive then moves it).
    async fn reject_untrusted(&self, batch: &Batch, failed: &mut BTreeSet<String>) {
        for (message_id, sender, body) in &batch.untrusted {
            let reason = format!("sent by {sender}, not a ztscan role trusted for this message");
            let sent = match &self.dead_letters {
                Some(queue) => {
                    let region = self.config.region.as_deref().unwrap_or_default();
                    queue
                        .send(&dead_letter(body.clone(), "", region, UNTRUSTED_SENDER_CODE, &reason))
                        .await
                        .map_err(|e| e.to_string())
                }
                None => Err("no dead-letter queue is configured".to_string()),
            };
            match sent {
                Ok(()) => {
                    warn!(message_id = %message_id, sender = %sender, "rejected a message from an untrusted sender; sent to the dead-letter queue, not processed")
                }
                Err(e) => {
                    warn!(message_id = %message_id, sender = %sender, error = %e, "rejected a message from an untrusted sender; it could not be dead-lettered, so it fails (the redrive moves it)");
                    failed.insert(message_id.clone());
                }
            }
        }
    }

    /// Send `alert`; when a channel fails, queue it for retry. False when neither worked.
    async fn deliver_alert(&self, alert: &Alert) -> bool {
        let Err(e) = self.send_alert(alert).await else { return true };
        let Some(queue) = &self.alert_retries else {
            warn!(error = %e, "the alert failed and no queue is configured to retry it");
            return false;
        };
        let queued = match AlertRetry::of(alert).message() {
            Ok(message) => queue.send(&message).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match queued {
            Ok(()) => {
                warn!(error = %e, "the alert failed; queued to be retried on its own");
                true
            }
            Err(queue_error) => {
                warn!(error = %e, queue_error = %queue_error, "the alert failed and could not be queued");
                false
            }
        }
    }

    /// Send `alert` on every configured channel. Each is tried even when the other failed.
    async fn send_alert(&self, alert: &Alert) -> Result<(), AlertFailure> {
        let sns = match &self.alerter {
            Some(alerter) => alerter.publish(alert).await.map_err(AlertFailure::Sns),
            None => Ok(()),
        };
        let webhook = match &self.forwarder {
            Some(forwarder) => match forwarder.forward(alert).await {
                Ok(delivery) => {
                    info!(status = delivery.status, attempts = delivery.attempts, "alert forwarded to the webhook");
                    Ok(())
                }
                Err(e) => Err(AlertFailure::Webhook(e)),
            },
            None => Ok(()),
        };
        match (sns, webhook) {
            (Err(sns), Err(webhook)) => {
                warn!(error = %webhook, "the alert webhook failed too");
                Err(sns)
            }
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    /// A failure worth an alert: at or above the minimum severity, and not an active failure
    /// in Security Hub before this observation (new, was passing or unknown, or archived).
    fn is_news(&self, f: &Finding, before: Before) -> bool {
        f.is_failure() && f.severity >= self.config.min_alert_severity && before != Before::ActiveFailure
    }

    /// The region findings are imported into: the function's, or else the resource's.
    fn import_region<'a>(&'a self, resource_region: &'a str) -> &'a str {
        self.config.region.as_deref().unwrap_or(resource_region)
    }

    /// The product `account`'s findings are imported into (`render::asff::product_arn_for`).
    fn product_arn(&self, account: &str, resource_region: &str) -> String {
        let region = self.import_region(resource_region);
        product_arn_for(self.config.product_arn.as_deref(), partition_for(region), region, account)
    }

    /// Archive what `scan` did not refresh. Findings present in this batch are never archived:
    /// they were just refreshed, or their record is being retried.
    async fn archive(&self, scan: &ScanSummary, in_batch: &BTreeMap<String, &Finding>) -> Result<usize, ArchiveError> {
        if scan.rule_ids.is_empty() {
            return Ok(0);
        }
        // Lambda always sets the region; without one (tests), product and region are not filtered.
        let region = self.config.region.clone();
        let scope = ArchiveScope {
            account: scan.account.clone(),
            product_arn: region.as_deref().map(|r| self.product_arn(&scan.account, r)),
            region,
            rule_ids: scan.rule_ids.clone(),
            before: scan.started_at,
        };
        let held = match self.store.active_for_rules(&scope).await {
            Ok(held) => held,
            Err(e) if e.disposition() == Disposition::DeadLetter => {
                warn!(account = %scan.account, code = %e.code(), "Security Hub cannot be read in this account; nothing to archive");
                return Ok(0);
            }
            Err(e) => return Err(e.into()),
        };
        // Re-checked here too: archiving another audit's findings would hide real failures.
        let at = archive_time(scan.started_at);
        let gone: Vec<AsffFinding> = held
            .iter()
            .filter(|f| f.is_stale(&scan.account, &scan.rule_ids, scan.started_at) && !in_batch.contains_key(&f.id))
            .map(|f| archived(f, at))
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let count = gone.len();
        let report = self.store.import(gone).await?;
        let (retry, lasting): (Vec<&Rejection>, Vec<&Rejection>) =
            report.rejected.iter().partition(|r| r.disposition() == Disposition::Retry);
        for r in &lasting {
            warn!(finding_id = %r.id, code = %r.code, "Security Hub refused an archived copy for a lasting cause; not retried");
        }
        match retry.len() {
            0 => Ok(count - lasting.len()),
            n => Err(ArchiveError::Retry(n)),
        }
    }
}

/// The records of `batch` carrying any of `ids`.
fn records_with(batch: &Batch, ids: &HashSet<String>) -> Vec<String> {
    batch
        .findings
        .iter()
        .filter(|(_, _, findings)| findings.iter().any(|f| ids.contains(&f.id())))
        .map(|(message_id, _, _)| message_id.clone())
        .collect()
}

/// Sort records by kind, setting aside those whose sender is not trusted for their kind. A
/// record without a message id is reported with an empty id, which makes Lambda retry the
/// whole batch: nothing is dropped.
fn parse(records: Vec<SqsMessage>, senders: &Senders<'_>) -> Batch {
    let mut batch = Batch::default();
    for record in records {
        let message_id = record.message_id.unwrap_or_default();
        let body = record.body.as_deref().unwrap_or_default();
        let sender = record.attributes.get("SenderId").map(String::as_str).unwrap_or("(no SenderId)");
        let untrusted = |batch: &mut Batch, message_id: String| {
            batch.untrusted.push((message_id, sender.to_string(), body.to_string()));
        };
        match QueueMessage::parse(body) {
            Ok(_) if senders.checked() && !senders.is_audit(sender) => untrusted(&mut batch, message_id),
            Ok(QueueMessage::Findings { audit, findings }) => batch.findings.push((message_id, audit, findings)),
            Ok(QueueMessage::ScanComplete(scan)) => batch.scans.push((message_id, scan)),
            Err(e) => match AlertRetry::parse(body) {
                Some(_) if senders.checked() && !senders.is_publisher(sender) => untrusted(&mut batch, message_id),
                Some(retry) => batch.alert_retries.push((message_id, retry)),
                None if senders.checked() && !senders.is_audit(sender) && !senders.is_publisher(sender) => {
                    untrusted(&mut batch, message_id)
                }
                None => {
                    warn!(message_id = %message_id, error = %e, "malformed findings message; reporting it as failed");
                    batch.malformed.push(message_id);
                }
            },
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{DateTime, Utc};
    use ztscan::model::{Severity, Status};
    use ztscan::publish::outbox::ERROR_CODE_ATTRIBUTE;
    use ztscan::publish::securityhub::ImportReport;
    use ztscan::render::asff::{default_product_arn, ComplianceStatus, RecordState};
    use ztscan::render::sns::Alert;

    use super::*;

    const ACCOUNT: &str = "123456789012";
    const VERSIONING: &str = "s3.bucket-versioning-enabled";
    const TLS: &str = "s3.bucket-requires-tls";

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Security Hub in memory. Like moto, `active_for_rules` ignores its filters; like the
    /// real service, an import not newer than what it holds is ignored without a word.
    #[derive(Default)]
    struct FakeStore {
        held: Mutex<BTreeMap<String, AsffFinding>>,
        /// Ids every import rejects, with the `FailedFindings` code (after the store's retries).
        rejects: HashMap<String, &'static str>,
        imports: Mutex<Vec<Vec<AsffFinding>>>,
        /// Imports Security Hub ignored as not newer than what it held.
        ignored: Mutex<Vec<String>>,
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
        async fn previous(&self, keys: &[FindingKey]) -> Result<HashMap<String, PreviousState>, StoreError> {
            let held = self.held.lock().unwrap();
            Ok(keys
                .iter()
                .filter_map(|k| held.get(&k.id).filter(|f| f.product_arn == k.product_arn))
                .map(|f| {
                    let state = PreviousState {
                        compliance_status: f.compliance_status(),
                        record_state: f.record_state,
                        created_at: Some(f.created_at),
                        first_observed_at: Some(f.first_observed_at),
                        updated_at: Some(f.updated_at),
                        before: f.before(),
                    };
                    (f.id.clone(), state)
                })
                .collect())
        }

        async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
            self.imports.lock().unwrap().push(findings.clone());
            let mut rejected = Vec::new();
            let mut held = self.held.lock().unwrap();
            for f in findings {
                if let Some(code) = self.rejects.get(&f.id) {
                    rejected.push(Rejection { id: f.id, code: code.to_string(), message: "because".into() });
                } else if held.get(&f.id).is_some_and(|h| h.updated_at >= f.updated_at) {
                    self.ignored.lock().unwrap().push(f.id);
                } else {
                    held.insert(f.id.clone(), f);
                }
            }
            Ok(ImportReport { rejected })
        }

        async fn active_for_rules(&self, _scope: &ArchiveScope) -> Result<Vec<AsffFinding>, StoreError> {
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

    fn config() -> PublisherSettings {
        PublisherSettings {
            product_arn: None,
            alert_topic_arn: Some("topic".into()),
            min_alert_severity: Severity::High,
            alert_webhook_secret_id: None,
            secret_cache_ttl: std::time::Duration::from_secs(300),
            region: None,
            dead_letter_queue_url: None,
            findings_queue_url: None,
            audit_role_ids: Vec::new(),
            publisher_role_id: None,
        }
    }

    fn publisher(store: FakeStore) -> Publisher<FakeStore, FakeAlerter> {
        Publisher::new(store, Some(FakeAlerter::default()), config())
    }

    fn alerts<F, Q>(p: &Publisher<FakeStore, FakeAlerter, F, Q>) -> Vec<Alert> {
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
        to_asff(&earlier, &default_product_arn("aws", "us-east-1", ACCOUNT), None, Before::New)
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

    #[tokio::test]
    async fn a_new_failure_is_imported_and_alerted() {
        // GIVEN Security Hub has never seen the finding
        let p = publisher(FakeStore::default());
        // WHEN a batch reports it failing
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
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
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
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
        p.process(event(vec![findings_record("m1", vec![fail("a"), fail("b")])])).await;
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
        p.process(event(vec![findings_record("m1", vec![fixed])])).await;
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
        let r = p.process(event(records)).await;
        // THEN only the malformed record is retried, and the others are imported
        assert_eq!(failures(&r), ["m2"]);
        assert_eq!(p.store.imported().len(), 2);
    }

    #[tokio::test]
    async fn a_record_without_a_body_fails() {
        let mut empty = SqsMessage::default();
        empty.message_id = Some("m1".into());
        let p = publisher(FakeStore::default());
        let r = p.process(event(vec![empty])).await;
        assert_eq!(failures(&r), ["m1"]);
        assert!(p.store.imported().is_empty());
    }

    #[tokio::test]
    async fn a_record_whose_finding_is_still_rejected_is_reported() {
        // GIVEN Security Hub keeps rejecting finding b (after the store's own retries)
        let store = FakeStore { rejects: HashMap::from([(fail("b").id(), "LimitExceeded")]), ..Default::default() };
        let p = publisher(store);
        // WHEN two records carry a and b
        let r = p
            .process(event(vec![findings_record("m1", vec![fail("a")]), findings_record("m2", vec![fail("b")])]))
            .await;
        // THEN the record carrying b is retried, the other is done, and only a is alerted
        assert_eq!(failures(&r), ["m2"]);
        assert!(p.store.held.lock().unwrap().contains_key(&fail("a").id()));
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert!(sent[0].body_json.contains("arn:aws:s3:::a") && !sent[0].body_json.contains("arn:aws:s3:::b"));
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
        let r = p.process(event(vec![scan_record("m1", &[VERSIONING], "2026-11-01T11:59:00Z")])).await;
        // THEN only the stale finding of that rule and account is archived, stamped with the
        // scan's start (never the publisher's clock)
        assert!(failures(&r).is_empty());
        let imported = p.store.imported();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].id, gone.id);
        assert_eq!(imported[0].record_state, RecordState::Archived);
        assert_eq!(imported[0].updated_at, at("2026-11-01T11:59:00Z"));
        let held = p.store.held.lock().unwrap();
        assert_eq!(held[&other_rule.id].record_state, RecordState::Active);
        assert_eq!(held[&other_account.id].record_state, RecordState::Active);
        assert_eq!(held[&refreshed.id].record_state, RecordState::Active);
    }

    #[tokio::test]
    async fn scan_complete_never_archives_a_finding_of_the_same_batch() {
        // GIVEN finding b is stale in Security Hub but its refresh is in this batch and rejected
        let store = FakeStore { rejects: HashMap::from([(fail("b").id(), "InternalException")]), ..Default::default() };
        store.held.lock().unwrap().insert(fail("b").id(), held(&fail("b"), "2026-10-01T00:00:00Z"));
        let p = publisher(store);
        // WHEN the batch carries b's refresh and the scan's completion
        let r = p
            .process(event(vec![
                findings_record("m1", vec![fail("b")]),
                scan_record("m2", &[VERSIONING], "2026-11-01T11:59:00Z"),
            ]))
            .await;
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
        p.process(event(vec![findings_record("m1", vec![medium.clone(), critical])])).await;
        // THEN only the CRITICAL one is in the alert (both are imported)
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].subject, "ztscan: 1 new failing finding in 123456789012 (highest CRITICAL)");
        assert_eq!(p.store.imported().len(), 2);
        // AND a batch of only MEDIUM failures sends nothing
        let p = publisher(FakeStore::default());
        p.process(event(vec![findings_record("m1", vec![medium])])).await;
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn without_an_alert_topic_findings_are_still_imported() {
        let p: Publisher<FakeStore, FakeAlerter> = Publisher::new(FakeStore::default(), None, config());
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1);
    }

    #[tokio::test]
    async fn a_redelivered_finding_is_imported_once_at_its_latest_observation() {
        let p = publisher(FakeStore::default());
        let older = finding(VERSIONING, "a", Status::Fail, Severity::High, "2026-11-01T11:00:00Z");
        let newer = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-11-01T12:00:00Z");
        p.process(event(vec![findings_record("m1", vec![newer]), findings_record("m2", vec![older])])).await;
        let imported = p.store.imported();
        assert_eq!(imported.len(), 1);
        assert_eq!(imported[0].updated_at, at("2026-11-01T12:00:00Z"));
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn the_default_product_is_in_the_functions_region() {
        let config = PublisherSettings { region: Some("eu-west-1".into()), ..config() };
        let p: Publisher<FakeStore, FakeAlerter> = Publisher::new(FakeStore::default(), None, config);
        p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
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
        let r = p.process(event(vec![findings_record("m1", vec![fail("a"), low])])).await;
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
        p.process(event(vec![findings_record("m1", vec![fail("a"), low])])).await;
        // THEN nothing goes to the webhook
        assert!(forwarded(&p).is_empty());
    }

    /// A queue in memory.
    #[derive(Default)]
    struct FakeOutbox {
        sent: Mutex<Vec<OutboxMessage>>,
        /// Every send fails (after recording the attempt).
        fail: bool,
    }

    impl Outbox for FakeOutbox {
        async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
            self.sent.lock().unwrap().push(message.clone());
            if self.fail {
                return Err(OutboxError::Build(aws_sdk_sqs::error::BuildError::missing_field("data_type", "test")));
            }
            Ok(())
        }
    }

    type WithOutboxes = Publisher<FakeStore, FakeAlerter, NoForwarder, FakeOutbox>;

    fn with_outboxes(store: FakeStore, sns_fails: bool) -> WithOutboxes {
        Publisher::new(store, Some(FakeAlerter { fail: sns_fails, ..Default::default() }), config())
            .with_outboxes(Some(FakeOutbox::default()), Some(FakeOutbox::default()))
    }

    fn dead_lettered<F>(p: &Publisher<FakeStore, FakeAlerter, F, FakeOutbox>) -> Vec<OutboxMessage> {
        p.dead_letters.as_ref().map(|q| q.sent.lock().unwrap().clone()).unwrap_or_default()
    }

    fn queued_alerts<F>(p: &Publisher<FakeStore, FakeAlerter, F, FakeOutbox>) -> Vec<OutboxMessage> {
        p.alert_retries.as_ref().map(|q| q.sent.lock().unwrap().clone()).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_failed_webhook_queues_the_alert_for_retry_and_the_record_is_done() {
        // GIVEN the webhook keeps failing (after its own retries)
        let p = with_webhook(FakeStore::default(), false, true)
            .with_outboxes(Some(FakeOutbox::default()), Some(FakeOutbox::default()));
        // WHEN a new failure arrives
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        // THEN it is imported, SNS had it, and the alert is queued to be retried on its own
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1);
        assert_eq!(alerts(&p).len(), 1);
        let queued = queued_alerts(&p);
        assert_eq!(queued.len(), 1);
        assert_eq!(AlertRetry::parse(&queued[0].body).unwrap().alert(), alerts(&p)[0]);
    }

    const AUDIT_ROLE: &str = "AROAAUDITROLEEXAMPLE1";
    const PUBLISHER_ROLE: &str = "AROAPUBLISHERROLEXMP1";
    /// A role of the same account whose own policy grants `sqs:SendMessage` on the queue.
    const OTHER_ROLE: &str = "AROAOTHERROLEEXAMPLE1";

    /// `record` as SQS delivers it from `sender` (`SenderId`: the role's unique id and session).
    fn from(mut record: SqsMessage, sender: &str) -> SqsMessage {
        record.attributes.insert("SenderId".into(), format!("{sender}:session"));
        record
    }

    /// A publisher that checks senders, holding the active failure of bucket a.
    fn checking_senders(store: FakeStore) -> WithOutboxes {
        let config = PublisherSettings {
            audit_role_ids: vec![AUDIT_ROLE.into()],
            publisher_role_id: Some(PUBLISHER_ROLE.into()),
            ..config()
        };
        Publisher::new(store, Some(FakeAlerter::default()), config)
            .with_outboxes(Some(FakeOutbox::default()), Some(FakeOutbox::default()))
    }

    #[tokio::test]
    async fn a_forged_scan_complete_archives_nothing_and_is_dead_lettered_naming_its_sender() {
        // GIVEN Security Hub holds the real, active failure of bucket a
        let p = checking_senders(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        // WHEN another role of the account sends a ScanComplete listing its rule
        let forged = from(scan_record("forged", &[VERSIONING], "2026-11-01T11:59:00Z"), OTHER_ROLE);
        let r = p.process(event(vec![forged])).await;
        // THEN nothing is archived, the record is done (not retried) and the DLQ names the sender
        assert!(failures(&r).is_empty());
        assert!(p.store.imported().is_empty(), "nothing is imported or archived");
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].record_state, RecordState::Active);
        let dead = dead_lettered(&p);
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attributes[ERROR_CODE_ATTRIBUTE], UNTRUSTED_SENDER_CODE);
        assert!(dead[0].attributes["ztscan.error_message"].contains(OTHER_ROLE));
        // AND the same message from the audit role archives it
        let real = from(scan_record("real", &[VERSIONING], "2026-11-01T11:59:00Z"), AUDIT_ROLE);
        p.process(event(vec![real])).await;
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].record_state, RecordState::Archived);
    }

    #[tokio::test]
    async fn each_kind_is_taken_only_from_its_sender() {
        let retry = AlertRetry::of(&Alert { subject: "s".into(), body_json: "{}".into(), severity: Severity::High });
        let retry_body = retry.message().unwrap().body;
        let p = checking_senders(FakeStore::default());
        let r = p
            .process(event(vec![
                from(findings_record("forged-findings", vec![fail("x")]), OTHER_ROLE),
                from(findings_record("publisher-findings", vec![fail("y")]), PUBLISHER_ROLE),
                from(record("audit-retry", &retry_body), AUDIT_ROLE),
                from(record("forged-garbage", "not json"), OTHER_ROLE),
                record(
                    "no-sender",
                    &serde_json::to_string(&QueueMessage::Findings { audit: "s3".into(), findings: vec![fail("z")] })
                        .unwrap(),
                ),
                from(findings_record("real-findings", vec![fail("a")]), AUDIT_ROLE),
                from(record("real-retry", &retry_body), PUBLISHER_ROLE),
            ]))
            .await;
        assert!(failures(&r).is_empty());
        let imported: Vec<String> = p.store.imported().into_iter().map(|f| f.id).collect();
        assert_eq!(imported, [fail("a").id()]);
        assert_eq!(dead_lettered(&p).len(), 5, "every untrusted record is dead-lettered");
        assert!(alerts(&p).contains(&retry.alert()), "the publisher's own retry is sent");
        assert_eq!(alerts(&p).iter().filter(|a| **a == retry.alert()).count(), 1);
    }

    #[tokio::test]
    async fn an_untrusted_record_that_cannot_be_dead_lettered_fails_and_without_checks_all_are_taken() {
        let config = PublisherSettings { audit_role_ids: vec![AUDIT_ROLE.into()], ..config() };
        let p = Publisher::<FakeStore, FakeAlerter>::new(FakeStore::default(), None, config);
        let r = p.process(event(vec![from(findings_record("m1", vec![fail("a")]), OTHER_ROLE)])).await;
        assert_eq!(failures(&r), ["m1"], "the queue's redrive moves it");
        assert!(p.store.imported().is_empty());
        let p = publisher(FakeStore::default());
        let r = p.process(event(vec![from(findings_record("m1", vec![fail("a")]), OTHER_ROLE)])).await;
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1, "AUDIT_ROLE_IDS unset: senders are not checked");
    }

    #[tokio::test]
    async fn a_queued_alert_is_sent_again_and_retried_while_it_fails() {
        let retry = AlertRetry::of(&Alert {
            subject: "ztscan: 1 new failing finding".into(),
            body_json: "{}".into(),
            severity: Severity::High,
        });
        let body = retry.message().unwrap().body;
        let p = publisher(FakeStore::default());
        let r = p.process(event(vec![record("m1", &body)])).await;
        assert!(failures(&r).is_empty());
        assert_eq!(alerts(&p), [retry.alert()]);
        let p = Publisher::<FakeStore, FakeAlerter>::new(
            FakeStore::default(),
            Some(FakeAlerter { fail: true, ..Default::default() }),
            config(),
        );
        let r = p.process(event(vec![record("m1", &body)])).await;
        assert_eq!(failures(&r), ["m1"], "the queue's redrive bounds the retries");
    }

    #[tokio::test]
    async fn a_failed_alert_that_cannot_be_queued_fails_its_records_and_is_not_repeated() {
        // GIVEN SNS fails and no retry queue is configured
        let p = Publisher::<FakeStore, FakeAlerter>::new(
            FakeStore::default(),
            Some(FakeAlerter { fail: true, ..Default::default() }),
            config(),
        );
        // WHEN a new failure arrives, and its record is redelivered
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        assert_eq!(failures(&r), ["m1"]);
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        // THEN the redelivery finds it imported: no second import, no second alert
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imported().len(), 1);
        assert_eq!(alerts(&p).len(), 1);
    }

    #[tokio::test]
    async fn a_finding_whose_import_failed_is_alerted_once_across_redeliveries() {
        // GIVEN Security Hub throttles finding a (after the store's own retries)
        let mut p =
            publisher(FakeStore { rejects: HashMap::from([(fail("a").id(), "LimitExceeded")]), ..Default::default() });
        let batch = || event(vec![findings_record("m1", vec![fail("a")])]);
        // WHEN the record is delivered, fails, and is redelivered after Security Hub recovers
        let r = p.process(batch()).await;
        assert_eq!(failures(&r), ["m1"]);
        assert!(alerts(&p).is_empty(), "nothing is alerted before it is imported");
        p.store.rejects.clear();
        let r = p.process(batch()).await;
        assert!(failures(&r).is_empty());
        // AND once more (SQS delivers at least once)
        let r = p.process(batch()).await;
        assert!(failures(&r).is_empty());
        // THEN the regression was alerted exactly once, and imported once
        assert_eq!(alerts(&p).len(), 1);
        assert_eq!(p.store.held.lock().unwrap().len(), 1);
        assert!(p.store.ignored.lock().unwrap().is_empty(), "nothing was sent that Security Hub would ignore");
    }

    #[tokio::test]
    async fn a_siblings_failed_import_never_repeats_an_alert() {
        // GIVEN one record carries two new failures and Security Hub throttles b
        let mut p = publisher(FakeStore {
            rejects: HashMap::from([(fail("b").id(), "InternalException")]),
            ..Default::default()
        });
        let batch = || event(vec![findings_record("m1", vec![fail("a"), fail("b")])]);
        // WHEN the record fails for b, and is redelivered once b is accepted
        assert_eq!(failures(&p.process(batch()).await), ["m1"]);
        p.store.rejects.clear();
        assert!(failures(&p.process(batch()).await).is_empty());
        // THEN a was alerted by the first delivery and b by the second, each once
        let sent = alerts(&p);
        assert_eq!(sent.len(), 2);
        assert!(sent[0].body_json.contains("arn:aws:s3:::a") && !sent[0].body_json.contains("arn:aws:s3:::b"));
        assert!(sent[1].body_json.contains("arn:aws:s3:::b") && !sent[1].body_json.contains("arn:aws:s3:::a"));
    }

    #[tokio::test]
    async fn security_hub_not_enabled_dead_letters_at_once_and_says_so_in_one_alert() {
        // GIVEN Security Hub is not enabled in the account: every import says InvalidAccess
        let store = FakeStore {
            rejects: HashMap::from([(fail("a").id(), "InvalidAccess"), (fail("b").id(), "InvalidAccess")]),
            ..Default::default()
        };
        let p = with_outboxes(store, false);
        // WHEN a batch with two new failures arrives
        let r = p.process(event(vec![findings_record("m1", vec![fail("a"), fail("b")])])).await;
        // THEN nothing is retried: the findings are in the dead-letter queue, as a findings
        // message that can be redriven later, with the account, region and code
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imports.lock().unwrap().len(), 1, "imported once, never retried");
        let dead = dead_lettered(&p);
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attributes[ERROR_CODE_ATTRIBUTE], "InvalidAccess");
        assert_eq!(dead[0].attributes["ztscan.account"], ACCOUNT);
        assert_eq!(dead[0].attributes["ztscan.region"], "us-east-1");
        let QueueMessage::Findings { findings, .. } = QueueMessage::parse(&dead[0].body).unwrap() else {
            panic!("not a findings message")
        };
        assert_eq!(findings, [fail("a"), fail("b")]);
        // AND one alert names that Security Hub could not take them (no regression alert:
        // nothing was imported)
        let sent = alerts(&p);
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].subject,
            "ztscan: Security Hub could not take 2 findings of 123456789012 in us-east-1 (InvalidAccess)"
        );
        assert_eq!(sent[0].severity, Severity::High);
    }

    #[tokio::test]
    async fn invalid_input_is_dead_lettered_alone_and_the_rest_is_imported() {
        let store = FakeStore { rejects: HashMap::from([(fail("b").id(), "InvalidInput")]), ..Default::default() };
        let p = with_outboxes(store, false);
        let r = p
            .process(event(vec![findings_record("m1", vec![fail("a")]), findings_record("m2", vec![fail("b")])]))
            .await;
        assert!(failures(&r).is_empty());
        assert_eq!(dead_lettered(&p).len(), 1);
        assert!(p.store.held.lock().unwrap().contains_key(&fail("a").id()));
        let subjects: Vec<String> = alerts(&p).into_iter().map(|a| a.subject).collect();
        assert_eq!(
            subjects,
            [
                "ztscan: 1 new failing finding in 123456789012 (highest HIGH)",
                "ztscan: Security Hub could not take 1 finding of 123456789012 in us-east-1 (InvalidInput)"
            ]
        );
    }

    #[tokio::test]
    async fn without_a_dead_letter_queue_refused_records_fall_back_to_the_redrive() {
        let store = FakeStore { rejects: HashMap::from([(fail("a").id(), "InvalidAccess")]), ..Default::default() };
        let p = publisher(store);
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        assert_eq!(failures(&r), ["m1"]);
    }

    /// The real store over a Security Hub that answers as the service does in an account
    /// where it is not enabled: `GetFindings` fails with `InvalidAccessException`.
    #[tokio::test]
    async fn an_account_whose_findings_cannot_be_read_is_dead_lettered_without_an_import() {
        use aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsOutput;
        use aws_sdk_securityhub::operation::get_findings::GetFindingsError;
        use aws_smithy_mocks::{mock, RuleMode};
        use aws_smithy_types::error::ErrorMetadata;
        use ztscan::publish::securityhub::SecurityHubStore;

        let get = mock!(aws_sdk_securityhub::Client::get_findings).then_error(|| {
            GetFindingsError::generic(
                ErrorMetadata::builder()
                    .code("InvalidAccessException")
                    .message("Account 123456789012 is not subscribed to AWS Security Hub")
                    .build(),
            )
        });
        let import = mock!(aws_sdk_securityhub::Client::batch_import_findings)
            .then_output(|| BatchImportFindingsOutput::builder().build());
        let conf = aws_sdk_securityhub::Config::builder()
            .behavior_version(aws_sdk_securityhub::config::BehaviorVersion::latest())
            .region(aws_sdk_securityhub::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_securityhub::config::Credentials::new("AKID", "SECRET", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(
                aws_smithy_mocks::MockResponseInterceptor::new()
                    .rule_mode(RuleMode::MatchAny)
                    .with_rule(&get)
                    .with_rule(&import),
            )
            .build();
        let client = aws_sdk_securityhub::Client::from_conf(conf);
        let p = Publisher::new(SecurityHubStore::new(client), Some(FakeAlerter::default()), config())
            .with_outboxes(Some(FakeOutbox::default()), Some(FakeOutbox::default()));
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        assert!(failures(&r).is_empty());
        assert_eq!(import.num_calls(), 0, "nothing is imported into an account Security Hub refuses");
        let dead = p.dead_letters.as_ref().map(|q| q.sent.lock().unwrap().clone()).unwrap_or_default();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attributes[ERROR_CODE_ATTRIBUTE], "InvalidAccessException");
        assert_eq!(
            dead[0].attributes["ztscan.error_message"],
            "Account 123456789012 is not subscribed to AWS Security Hub"
        );
        let sent = p.alerter.as_ref().map(|a| a.sent.lock().unwrap().clone()).unwrap_or_default();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].subject.ends_with("(InvalidAccessException)"), "{}", sent[0].subject);
    }

    #[tokio::test]
    async fn an_older_full_scan_result_never_overwrites_a_newer_change_result() {
        // GIVEN a change event's result (PASS, 12:10) is already in Security Hub
        let fixed = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-11-01T12:10:00Z");
        let p = publisher(FakeStore::holding([held(&fixed, "2026-11-01T12:10:00Z")]));
        // WHEN the result of a long full scan that observed it failing at 12:00 arrives
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        // THEN it is skipped on purpose: not sent, not alerted, and the record is done
        assert!(failures(&r).is_empty());
        assert!(p.store.imported().is_empty());
        assert!(alerts(&p).is_empty());
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].compliance_status(), Some(ComplianceStatus::Passed));
    }

    #[tokio::test]
    async fn a_newer_change_result_replaces_an_older_full_scan_result() {
        // GIVEN a full scan's result (FAIL, 12:00) is in Security Hub
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-11-01T12:00:00Z")]));
        // WHEN the change event's result (PASS, 12:10) arrives
        let fixed = finding(VERSIONING, "a", Status::Pass, Severity::High, "2026-11-01T12:10:00Z");
        p.process(event(vec![findings_record("m1", vec![fixed])])).await;
        // THEN it replaces it, with its observation time as UpdatedAt
        let held = p.store.held.lock().unwrap();
        assert_eq!(held[&fail("a").id()].compliance_status(), Some(ComplianceStatus::Passed));
        assert_eq!(held[&fail("a").id()].updated_at, at("2026-11-01T12:10:00Z"));
        assert!(p.store.ignored.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_finding_observed_after_the_scan_start_but_delivered_after_its_archive_is_active() {
        // GIVEN the full scan that started at 11:59 archived bucket a (not seen by its listing)
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        p.process(event(vec![scan_record("m1", &[VERSIONING], "2026-11-01T11:59:00Z")])).await;
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].record_state, RecordState::Archived);
        // WHEN a change event's result observed at 12:00 (bucket a re-created) arrives late
        let r = p.process(event(vec![findings_record("m2", vec![fail("a")])])).await;
        // THEN Security Hub takes it over the archive, and the regression is alerted
        assert!(failures(&r).is_empty());
        let held = p.store.held.lock().unwrap();
        assert_eq!(held[&fail("a").id()].record_state, RecordState::Active);
        assert!(p.store.ignored.lock().unwrap().is_empty());
        assert_eq!(alerts(&p).len(), 1);
    }

    #[tokio::test]
    async fn a_result_observed_before_the_archive_is_skipped_not_resurrected() {
        // GIVEN the scan that started at 11:59 archived bucket a
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        p.process(event(vec![scan_record("m1", &[VERSIONING], "2026-11-01T11:59:00Z")])).await;
        // WHEN a result observed at 11:58 (before the scan) is delivered late
        let late = finding(VERSIONING, "a", Status::Fail, Severity::High, "2026-11-01T11:58:00Z");
        let r = p.process(event(vec![findings_record("m2", vec![late])])).await;
        // THEN it stays archived and nobody is alerted
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].record_state, RecordState::Archived);
        assert!(alerts(&p).is_empty());
    }

    #[tokio::test]
    async fn a_redelivered_archive_changes_nothing_newer() {
        // GIVEN the scan that started at 11:59 archived a, and then a was observed again at 12:00
        let p = publisher(FakeStore::holding([held(&fail("a"), "2026-10-01T00:00:00Z")]));
        let scan = || event(vec![scan_record("m1", &[VERSIONING], "2026-11-01T11:59:00Z")]);
        p.process(scan()).await;
        p.process(event(vec![findings_record("m2", vec![fail("a")])])).await;
        let imports = p.store.imports.lock().unwrap().len();
        // WHEN the ScanComplete message is delivered again
        let r = p.process(scan()).await;
        // THEN nothing is archived again (the same archive time, nothing stale)
        assert!(failures(&r).is_empty());
        assert_eq!(p.store.imports.lock().unwrap().len(), imports);
        assert_eq!(p.store.held.lock().unwrap()[&fail("a").id()].record_state, RecordState::Active);
    }

    #[tokio::test]
    async fn a_member_finding_gets_the_members_product_even_with_a_configured_hub_product() {
        let config = PublisherSettings {
            product_arn: Some(default_product_arn("aws", "us-east-1", ACCOUNT)),
            region: Some("us-east-1".into()),
            ..config()
        };
        let p: Publisher<FakeStore, FakeAlerter> = Publisher::new(FakeStore::default(), None, config);
        let mut member = fail("m");
        member.resource.account = "222222222222".into();
        p.process(event(vec![findings_record("m1", vec![fail("a"), member])])).await;
        let products: BTreeSet<String> = p.store.imported().into_iter().map(|f| f.product_arn).collect();
        assert_eq!(
            products,
            BTreeSet::from([
                default_product_arn("aws", "us-east-1", ACCOUNT),
                default_product_arn("aws", "us-east-1", "222222222222"),
            ])
        );
    }

    #[tokio::test]
    async fn the_webhook_alone_works_without_an_sns_topic() {
        let p: Publisher<FakeStore, FakeAlerter, FakeForwarder> =
            Publisher::new(FakeStore::default(), None, config()).with_forwarder(Some(FakeForwarder::default()));
        let r = p.process(event(vec![findings_record("m1", vec![fail("a")])])).await;
        assert!(failures(&r).is_empty());
        assert_eq!(forwarded(&p).len(), 1);
        assert_eq!(p.store.imported().len(), 1);
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
        let r = p.process(serde_json::from_str(SAMPLE).unwrap()).await;
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
            std::panic::AssertUnwindSafe(p.process(event))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| panic!("envelope, {label}: the handler panicked"));
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
            let r = std::panic::AssertUnwindSafe(p.process(batch))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| panic!("body, {label}: the handler panicked"));
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
