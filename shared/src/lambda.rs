//! The Lambda half every audit function shares (feature `lambda`): settings from the
//! environment, typed errors converted to Lambda `Diagnostic`s, and the handler that turns an
//! event into a full or single-resource audit and sends the findings to the findings queue.
//!
//! An audit function (`functions/<service>-audit`) is then one line:
//! `ztscan::lambda::run(&ztscan::audit::s3::AUDIT)`, its descriptor in the registry
//! ([`crate::audit::AUDITS`]). The handler is generic over the [`AuditPort`] and the queue, so it
//! is tested here with in-memory fakes.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;

use crate::audit::{AuditReport, AuditRunner, Descriptor};
use crate::collect::CollectError;
use crate::config_rule_invocation::{self, Invocation, RuleInvocation};
use crate::events::{parse_trigger, AuditTrigger, ChangedResource, EventError};
use crate::pipeline::QueueMessage;
use crate::publish::config_evaluations::{AwsConfigRules, ConfigRules, ConfigRulesError};
use crate::publish::sqs::{FindingsQueue, PublishError};
use crate::settings::{AuditSettings, SettingsError};
use crate::{ScanConfig, ScanContext, Status};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{0}")]
    Settings(#[from] SettingsError),
    #[error("invalid event: {0}")]
    Event(#[from] EventError),
    #[error("cannot tell the account: the invoked function ARN {arn:?} names none, and {source}")]
    NoAccount { arn: String, source: CollectError },
    #[error("could not send findings: {0}")]
    Publish(#[from] PublishError),
    #[error("could not report to AWS Config: {0}")]
    ConfigRules(#[from] ConfigRulesError),
}

impl From<AuditError> for Diagnostic {
    fn from(e: AuditError) -> Self {
        let kind = match &e {
            AuditError::Settings(_) => "ConfigurationError",
            AuditError::Event(_) => "InvalidEvent",
            AuditError::NoAccount { .. } => "InvalidContext",
            AuditError::Publish(_) | AuditError::ConfigRules(_) => "Retryable",
        };
        Diagnostic { error_type: kind.to_string(), error_message: e.to_string() }
    }
}

/// What one audit function does: the port the shared handler drives.
pub trait AuditPort {
    /// The audit's name, e.g. `s3` (the `audit` of its queue messages and archive scope).
    fn name(&self) -> &'static str;
    /// The Config resource types its change events may name.
    fn change_types(&self) -> &'static [&'static str];
    /// How Config names the resources its findings are about (a periodic Config rule run).
    fn config_names(&self) -> &'static [config_rule_invocation::ConfigName];
    /// The response `mode` of a single-resource re-evaluation (e.g. `bucket`).
    fn change_mode(&self) -> &'static str;

    /// The scanned account, when the invocation context does not name it.
    fn caller_account(&self) -> impl std::future::Future<Output = Result<String, CollectError>> + Send;
    fn scan_all(&self, ctx: &ScanContext) -> impl std::future::Future<Output = AuditReport> + Send;
    /// Re-evaluate the resource a change event names (not deleted).
    fn scan_changed(
        &self,
        changed: &ChangedResource,
        ctx: &ScanContext,
    ) -> impl std::future::Future<Output = AuditReport> + Send;
    /// NOT_APPLICABLE findings for a resource the change event says was deleted (no API calls).
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport;
    /// True when a deletion must be re-read with [`AuditPort::scan_changed`] instead of
    /// answered by [`AuditPort::deleted`] (see [`Descriptor::rescans_deleted`]).
    fn rescans_deleted(&self, _changed: &ChangedResource) -> bool {
        false
    }
}

/// A registered audit over its real collector, for one account: the port every audit function
/// runs.
pub struct Deployed {
    audit: &'static Descriptor,
    runner: Box<dyn AuditRunner>,
    sdk: aws_config::SdkConfig,
}

impl Deployed {
    pub fn new(audit: &'static Descriptor, sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { audit, runner: (audit.connect)(sdk, config, None), sdk: sdk.clone() }
    }
}

impl AuditPort for Deployed {
    fn name(&self) -> &'static str {
        self.audit.name
    }
    fn change_types(&self) -> &'static [&'static str] {
        self.audit.change.config_types
    }
    fn config_names(&self) -> &'static [config_rule_invocation::ConfigName] {
        self.audit.change.config_names
    }
    fn change_mode(&self) -> &'static str {
        self.audit.change.mode
    }
    async fn caller_account(&self) -> Result<String, CollectError> {
        crate::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        self.runner.scan_all(ctx).await
    }
    async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        self.runner.scan_changed(changed, ctx).await
    }
    fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
        AuditReport { findings: (self.audit.deleted)(changed, ctx), summary: None }
    }
    fn rescans_deleted(&self, changed: &ChangedResource) -> bool {
        (self.audit.rescans_deleted)(changed)
    }
}

/// The log filter of every ztscan function: `RUST_LOG` (default `info`), except that the
/// Lambda runtime's event dump is always off. At TRACE, `lambda_runtime` logs each raw event,
/// and a Config change event for a function carries its environment variables, secret values
/// included (`tests/tests/no_secret_leak.rs` caught exactly that). Likewise the SDK's raw
/// responses ([`crate::collect::aws::WIRE_LOG_CAPS`]): a stack's outputs are not redacted. The
/// directives are added last, so they win over anything `RUST_LOG` says about the same targets.
pub fn log_filter() -> tracing_subscriber::EnvFilter {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let caps = crate::collect::aws::wire_log_caps(filter.max_level_hint());
    std::iter::once(EVENT_DUMP_OFF)
        .chain(caps.iter().copied())
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, directive| f.add_directive(directive))
}

/// The directive that silences the runtime's raw-event log (`layers::api_response`).
const EVENT_DUMP_OFF: &str = "lambda_runtime::layers::api_response=debug";

/// The whole `main` of an audit function: JSON logs (level from `RUST_LOG`), settings from the
/// environment, SDK configuration, the audit over its collector, the SQS findings queue, and the
/// Lambda runtime loop.
pub async fn run(audit: &'static Descriptor) -> Result<(), lambda_runtime::Error> {
    let (audit_function, audit_reads) = (audit.function, audit.collector_actions);
    let make = |sdk: &aws_config::SdkConfig, config: &ScanConfig| Deployed::new(audit, sdk, config);
    tracing_subscriber::fmt().json().with_env_filter(log_filter()).without_time().init();
    let settings = AuditSettings::from_env()?;
    let sdk = crate::collect::aws::load_paced_sdk_config(
        None,
        &crate::audit::default_api_rates(),
        &settings.config.api_rate_limits,
    )
    .await;
    let audit = make(&sdk, &settings.config);
    // Hub mode: the external id from Secrets Manager (once, here), and one port per member
    // account over that account's assumed-role credentials, each session limited by a session
    // policy to this audit's own reads.
    let secrets = crate::secret_store::SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&sdk));
    let external_id = crate::secret_store::member_external_id(&secrets, &settings.members)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cold start failed: the member external id cannot be read"))?;
    let access = settings.members.access(external_id, audit_function, audit_reads)?;
    let partition = sdk.region().map(|r| crate::context::partition_for(r.as_ref())).unwrap_or("aws");
    let mut members = Vec::new();
    for account in &access.accounts {
        let member_sdk = access.sdk_config_for(&sdk, partition, account).await;
        members.push((account.clone(), make(&member_sdk, &settings.config)));
    }
    let mut queue =
        crate::publish::sqs::SqsFindingsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_url.clone());
    if let Some(delay) = settings.completion_delay {
        queue = queue.with_completion_delay(delay);
    }
    let config_rules = AwsConfigRules::new(aws_sdk_config::Client::new(&sdk), settings.config_test_mode);
    let handler = Handler { audit, members, queue, config_rules, settings };
    lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<Value>| handler.handle(event))).await
}

/// What the function returns: a summary for the logs and for `cargo lambda invoke`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Response {
    pub mode: &'static str,
    pub findings: usize,
    pub failed: usize,
    pub unknown: usize,
    pub archive_sweep: bool,
    /// Evaluations reported to AWS Config (a Config rule invocation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<usize>,
    /// Accounts audited by a full scan in hub mode (the own account and the members).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<usize>,
}

pub struct Handler<A, Q, C> {
    pub audit: A,
    /// Hub mode: the member accounts and their ports (empty: own account only).
    pub members: Vec<(String, A)>,
    pub queue: Q,
    /// AWS Config, for invocations as a custom Config rule.
    pub config_rules: C,
    pub settings: AuditSettings,
}

/// The account id in `arn:aws:lambda:region:account:function:name`.
pub fn account_of(function_arn: &str) -> Option<String> {
    let account = function_arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

impl<A: AuditPort, Q: FindingsQueue, C: ConfigRules> Handler<A, Q, C> {
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Response, AuditError> {
        let arn = &event.context.invoked_function_arn;
        // Lambda always names the account in the ARN; local emulators may not, so ask STS.
        let account = match account_of(arn) {
            Some(a) => a,
            None => self
                .audit
                .caller_account()
                .await
                .map_err(|source| AuditError::NoAccount { arn: arn.clone(), source })?,
        };
        self.run(&event.payload, &account, &self.settings.region).await
    }

    pub async fn run(&self, payload: &Value, account: &str, region: &str) -> Result<Response, AuditError> {
        if config_rule_invocation::is_invocation(payload) {
            return self.run_config_rule(payload, account, region).await;
        }
        let ctx = ScanContext::new(account, region, Utc::now(), self.settings.config.clone());
        match parse_trigger(payload, self.audit.change_types())? {
            AuditTrigger::Scheduled => {
                let mut response = self.deliver("full", self.audit.scan_all(&ctx).await, None).await?;
                // Hub mode: each member in turn, each with its own archive sweep.
                for (member, audit) in &self.members {
                    let member_ctx = ScanContext::new(member, region, ctx.now, self.settings.config.clone());
                    let r = self.deliver("full", audit.scan_all(&member_ctx).await, None).await?;
                    response.findings += r.findings;
                    response.failed += r.failed;
                    response.unknown += r.unknown;
                    response.archive_sweep &= r.archive_sweep;
                }
                if !self.members.is_empty() {
                    response.accounts = Some(1 + self.members.len());
                }
                Ok(response)
            }
            AuditTrigger::ResourceChange(r) => {
                // A change in a member account (forwarded to the hub's bus) is re-read there.
                let member = self.members.iter().find(|(m, _)| Some(m) == r.account.as_ref());
                let (audit, ctx) = match member {
                    Some((m, audit)) => (audit, ScanContext::new(m, region, ctx.now, self.settings.config.clone())),
                    None => (&self.audit, ctx),
                };
                let (mode, report) = Self::judge_change(audit, &r, &ctx).await;
                self.deliver(mode, report, None).await
            }
        }
    }

    /// A change: NOT_APPLICABLE for a deleted resource (no API calls), else a re-read.
    async fn judge_change(audit: &A, r: &ChangedResource, ctx: &ScanContext) -> (&'static str, AuditReport) {
        if r.deleted && !audit.rescans_deleted(r) {
            ("deleted", audit.deleted(r, ctx))
        } else {
            (audit.change_mode(), audit.scan_changed(r, ctx).await)
        }
    }

    /// The function invoked as an AWS Config custom rule: judge as for the same EventBridge
    /// trigger, send the findings to the queue, then report the evaluations to Config.
    async fn run_config_rule(&self, payload: &Value, account: &str, region: &str) -> Result<Response, AuditError> {
        let inv: RuleInvocation = config_rule_invocation::parse_invocation(payload, self.audit.change_types())?;
        let ctx = ScanContext::new(account, region, Utc::now(), self.settings.config.clone());
        let changed = match &inv.invocation {
            Invocation::Periodic => None,
            Invocation::Item(r) => Some(r.clone()),
            Invocation::Oversized { summary, capture_time } => {
                // The summary already names the resource and its status; the history gives the
                // full item. If the history cannot be read, the summary is enough to judge.
                match self.config_rules.item(&summary.resource_type, &summary.resource_id, *capture_time).await {
                    Ok(Some(item)) => Some(ChangedResource { region: summary.region.clone(), ..item }),
                    Ok(None) => Some(summary.clone()),
                    Err(e) => {
                        tracing::warn!(error = %e, "oversized item: using the notification's summary");
                        Some(summary.clone())
                    }
                }
            }
        };
        let (mode, report) = match &changed {
            None => ("config-rule-periodic", self.audit.scan_all(&ctx).await),
            // Out of the rule's scope is not gone: Security Hub's findings are left as they are,
            // and only Config hears NOT_APPLICABLE.
            Some(_) if inv.event_left_scope => {
                ("config-rule-left-scope", AuditReport { findings: vec![], summary: None })
            }
            Some(r) => {
                let (mode, report) = Self::judge_change(&self.audit, r, &ctx).await;
                (if mode == "deleted" { "config-rule-deleted" } else { "config-rule-change" }, report)
            }
        };
        let evaluations = config_rule_invocation::evaluations(
            &inv,
            changed.as_ref(),
            &report.findings,
            account,
            ctx.now,
            self.audit.config_names(),
        );
        let response = self.deliver(mode, report, Some(evaluations.len())).await?;
        let sent = self.config_rules.put_evaluations(&inv.result_token, &evaluations).await?;
        tracing::info!(audit = self.audit.name(), rule = %inv.rule_name, evaluations = sent, "reported to AWS Config");
        Ok(response)
    }

    /// Send a report's findings (and its archive sweep, for a full scan) to the findings queue.
    async fn deliver(
        &self,
        mode: &'static str,
        report: AuditReport,
        evaluations: Option<usize>,
    ) -> Result<Response, AuditError> {
        let response = Response {
            mode,
            findings: report.findings.len(),
            failed: report.findings.iter().filter(|f| f.status == Status::Fail).count(),
            unknown: report.findings.iter().filter(|f| f.status == Status::Unknown).count(),
            archive_sweep: report.summary.is_some(),
            evaluations,
            accounts: None,
        };
        let mut messages =
            vec![QueueMessage::Findings { audit: self.audit.name().to_string(), findings: report.findings }];
        if let Some(summary) = report.summary {
            messages.push(QueueMessage::ScanComplete(summary));
        }
        self.queue.send(messages).await?;
        tracing::info!(
            audit = self.audit.name(),
            mode,
            findings = response.findings,
            failed = response.failed,
            unknown = response.unknown,
            "audit done"
        );
        Ok(response)
    }
}

#[cfg(test)]
mod log_filter_tests {
    use super::*;

    #[test]
    fn the_event_dump_directive_parses_and_caps_the_runtime_below_trace() {
        let directive: tracing_subscriber::filter::Directive = EVENT_DUMP_OFF.parse().expect("valid directive");
        assert_eq!(directive.to_string(), "lambda_runtime::layers::api_response=debug");
        let shown = log_filter().to_string();
        assert!(shown.contains("lambda_runtime::layers::api_response=debug"), "{shown}");
        if std::env::var_os(crate::settings::RUST_LOG).is_none() {
            assert!(!shown.contains("aws_smithy_runtime"), "at info the SDK's logs stay off: {shown}");
        }
    }

    #[test]
    fn the_sdk_wire_logs_are_capped_only_when_trace_is_on() {
        use tracing_subscriber::filter::LevelFilter;
        let caps = crate::collect::aws::wire_log_caps;
        assert!(caps(Some(LevelFilter::INFO)).is_empty());
        assert!(caps(Some(LevelFilter::DEBUG)).is_empty());
        assert_eq!(caps(Some(LevelFilter::TRACE)), crate::collect::aws::WIRE_LOG_CAPS);
        assert_eq!(caps(None), crate::collect::aws::WIRE_LOG_CAPS);
        let trace = tracing_subscriber::EnvFilter::new("info,aws_smithy_runtime=trace");
        assert_eq!(caps(trace.max_level_hint()), crate::collect::aws::WIRE_LOG_CAPS);
        for cap in crate::collect::aws::WIRE_LOG_CAPS {
            let directive: tracing_subscriber::filter::Directive = cap.parse().expect("valid directive");
            assert_eq!(&directive.to_string(), cap);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::config_rule_invocation::Evaluation;
    use crate::model::{Finding, Outcome, ResourceRef, RuleDoc, RuleMeta, Severity, Trigger};
    use crate::pipeline::ScanSummary;
    use crate::settings::MemberAccounts;

    static META: RuleMeta = RuleMeta {
        id: "test.rule",
        title: "test",
        severity: Severity::High,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("nothing to remediate in a test fixture"),
    };

    fn finding(id: &str, outcome: Outcome, ctx: &ScanContext) -> Finding {
        let r = ResourceRef {
            resource_type: "AwsS3Bucket".into(),
            id: id.into(),
            arn: None,
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            partition: ctx.partition.clone(),
        };
        Finding::new(&META, r, outcome, ctx.now)
    }

    struct FakeAudit;
    impl AuditPort for FakeAudit {
        fn name(&self) -> &'static str {
            "fake"
        }
        fn change_types(&self) -> &'static [&'static str] {
            &["AWS::S3::Bucket"]
        }
        fn config_names(&self) -> &'static [config_rule_invocation::ConfigName] {
            crate::audit::s3::AUDIT.change.config_names
        }
        fn change_mode(&self) -> &'static str {
            "bucket"
        }
        async fn caller_account(&self) -> Result<String, CollectError> {
            Ok("123456789012".into())
        }
        async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
            let findings = vec![finding("a", Outcome::fail("bad"), ctx), finding("b", Outcome::unknown("?"), ctx)];
            let summary = ScanSummary {
                audit: "fake".into(),
                account: ctx.account.clone(),
                rule_ids: vec!["test.rule".into()],
                started_at: ctx.now,
                finding_count: findings.len(),
            };
            AuditReport { findings, summary: Some(summary) }
        }
        async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
            AuditReport { findings: vec![finding(&changed.resource_id, Outcome::pass("ok"), ctx)], summary: None }
        }
        fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
            AuditReport {
                findings: vec![finding(&changed.resource_id, Outcome::not_applicable("gone"), ctx)],
                summary: None,
            }
        }
    }

    #[derive(Default)]
    struct FakeQueue {
        sent: Mutex<Vec<QueueMessage>>,
        fail: bool,
    }
    impl FindingsQueue for FakeQueue {
        async fn send(&self, msgs: Vec<QueueMessage>) -> Result<(), PublishError> {
            if self.fail {
                return Err(PublishError::NotAccepted { count: 1, attempts: 3, errors: "test".into() });
            }
            self.sent.lock().unwrap().extend(msgs);
            Ok(())
        }
    }

    /// AWS Config in memory: records every `PutEvaluations` call; `history` is what
    /// `GetResourceConfigHistory` answers; `fail` refuses every put.
    #[derive(Default)]
    struct FakeConfig {
        puts: Mutex<Vec<(String, Vec<Evaluation>)>>,
        history: Option<ChangedResource>,
        fail: bool,
    }
    impl ConfigRules for FakeConfig {
        async fn put_evaluations(&self, token: &str, evaluations: &[Evaluation]) -> Result<usize, ConfigRulesError> {
            if self.fail {
                return Err(ConfigRulesError::Put { sent: 0, total: evaluations.len(), reason: "Throttling".into() });
            }
            self.puts.lock().unwrap().push((token.to_string(), evaluations.to_vec()));
            Ok(evaluations.len())
        }
        async fn item(
            &self,
            _: &str,
            _: &str,
            _: Option<chrono::DateTime<Utc>>,
        ) -> Result<Option<ChangedResource>, ConfigRulesError> {
            Ok(self.history.clone())
        }
    }

    fn handler(fail: bool) -> Handler<FakeAudit, FakeQueue, FakeConfig> {
        Handler {
            audit: FakeAudit,
            members: Vec::new(),
            queue: FakeQueue { fail, ..Default::default() },
            config_rules: FakeConfig::default(),
            settings: AuditSettings {
                queue_url: "q".into(),
                completion_delay: None,
                config: ScanConfig::default(),
                config_test_mode: false,
                members: MemberAccounts::default(),
                region: "us-east-1".into(),
            },
        }
    }

    fn rule_invocation(invoking: Value, left_scope: bool) -> Value {
        json!({
            "version": "1.0", "invokingEvent": invoking.to_string(), "ruleParameters": "{}",
            "resultToken": "token-7", "eventLeftScope": left_scope, "configRuleName": "ztscan-fake",
            "accountId": "123456789012"
        })
    }

    fn bucket_item(status: &str) -> Value {
        json!({"resourceType": "AWS::S3::Bucket", "resourceId": "b9", "resourceName": "b9", "awsRegion": "us-east-1",
               "awsAccountId": "123456789012", "configurationItemStatus": status,
               "configurationItemCaptureTime": "2026-11-01T10:00:00.000Z"})
    }

    #[tokio::test]
    async fn a_hub_scans_each_member_with_its_own_archive_sweep_and_rereads_member_changes_there() {
        let mut h = handler(false);
        h.members = vec![("222222222222".to_string(), FakeAudit)];
        let r = h.run(&event("scheduled.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!((r.findings, r.failed, r.accounts, r.archive_sweep), (4, 2, Some(2), true));
        {
            let sent = h.queue.sent.lock().unwrap();
            let sweeps: Vec<&str> = sent
                .iter()
                .filter_map(|m| match m {
                    QueueMessage::ScanComplete(s) => Some(s.account.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(sweeps, vec!["123456789012", "222222222222"]);
        }
        let mut change = event("config-change-s3-bucket.json");
        change["detail"]["configurationItem"]["awsAccountId"] = json!("222222222222");
        let r = h.run(&change, "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "bucket");
        let sent = h.queue.sent.lock().unwrap();
        let Some(QueueMessage::Findings { findings, .. }) = sent.last() else { panic!("expected findings") };
        assert!(findings.iter().all(|f| f.resource.account == "222222222222"));
    }

    #[tokio::test]
    async fn a_periodic_config_rule_scans_everything_and_reports_each_resource_and_the_account() {
        let h = handler(false);
        let inv =
            rule_invocation(json!({"messageType": "ScheduledNotification", "awsAccountId": "123456789012"}), false);
        let r = h.run(&inv, "123456789012", "us-east-1").await.unwrap();
        assert_eq!((r.mode, r.findings, r.archive_sweep, r.evaluations), ("config-rule-periodic", 2, true, Some(3)));
        let puts = h.config_rules.puts.lock().unwrap();
        assert_eq!(puts.len(), 1);
        assert_eq!(puts[0].0, "token-7");
        let got: Vec<(&str, &str, &str)> = puts[0]
            .1
            .iter()
            .map(|e| (e.resource_type.as_str(), e.resource_id.as_str(), e.compliance.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("AWS::S3::Bucket", "a", "NON_COMPLIANT"),
                ("AWS::S3::Bucket", "b", "INSUFFICIENT_DATA"),
                ("AWS::::Account", "123456789012", "NON_COMPLIANT"),
            ]
        );
        assert!(h.queue.sent.lock().unwrap().iter().any(|m| matches!(m, QueueMessage::ScanComplete(_))));
    }

    #[tokio::test]
    async fn a_change_notification_rescans_the_resource_and_reports_one_evaluation() {
        let h = handler(false);
        let inv = rule_invocation(
            json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": bucket_item("OK")}),
            false,
        );
        let r = h.run(&inv, "123456789012", "us-east-1").await.unwrap();
        assert_eq!((r.mode, r.findings, r.evaluations), ("config-rule-change", 1, Some(1)));
        let puts = h.config_rules.puts.lock().unwrap();
        assert_eq!((puts[0].1[0].resource_id.as_str(), puts[0].1[0].compliance.as_str()), ("b9", "COMPLIANT"));
    }

    #[tokio::test]
    async fn an_oversized_notification_is_judged_on_the_item_from_the_history() {
        let mut h = handler(false);
        // The summary says OK, the history says the resource was deleted since.
        h.config_rules.history = Some(ChangedResource {
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: "b9".into(),
            resource_name: Some("b9".into()),
            region: String::new(),
            account: Some("123456789012".into()),
            arn: None,
            deleted: true,
        });
        let inv = rule_invocation(
            json!({"messageType": "OversizedConfigurationItemChangeNotification", "configurationItemSummary": bucket_item("OK")}),
            false,
        );
        let r = h.run(&inv, "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "config-rule-deleted");
        let sent = h.queue.sent.lock().unwrap();
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(findings.iter().all(|f| f.status == Status::NotApplicable && f.resource.region == "us-east-1"));
        assert_eq!(h.config_rules.puts.lock().unwrap()[0].1[0].compliance.as_str(), "NOT_APPLICABLE");
    }

    #[tokio::test]
    async fn left_scope_leaves_security_hub_alone_and_tells_config_not_applicable() {
        let h = handler(false);
        let inv = rule_invocation(
            json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": bucket_item("OK")}),
            true,
        );
        let r = h.run(&inv, "123456789012", "us-east-1").await.unwrap();
        assert_eq!((r.mode, r.findings), ("config-rule-left-scope", 0));
        assert_eq!(h.config_rules.puts.lock().unwrap()[0].1[0].compliance.as_str(), "NOT_APPLICABLE");
    }

    #[tokio::test]
    async fn a_config_failure_fails_the_invocation_so_lambda_retries_it() {
        let mut h = handler(false);
        h.config_rules.fail = true;
        let inv = rule_invocation(json!({"messageType": "ScheduledNotification"}), false);
        let err = h.run(&inv, "123456789012", "us-east-1").await.unwrap_err();
        assert!(err.to_string().contains("AWS Config") && err.to_string().contains("Throttling"), "{err}");
        assert_eq!(Diagnostic::from(err).error_type, "Retryable");
        let bad = rule_invocation(json!({"messageType": "Nope"}), false);
        let err = handler(false).run(&bad, "123456789012", "us-east-1").await.unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "InvalidEvent");
    }

    fn event(name: &str) -> Value {
        let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn scheduled_event_scans_everything_and_asks_for_an_archive_sweep() {
        let h = handler(false);
        let r = h.run(&event("scheduled.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(
            r,
            Response {
                mode: "full",
                findings: 2,
                failed: 1,
                unknown: 1,
                archive_sweep: true,
                evaluations: None,
                accounts: None
            }
        );
        let sent = h.queue.sent.lock().unwrap();
        assert!(
            matches!(&sent[0], QueueMessage::Findings { audit, findings } if audit == "fake" && findings.len() == 2)
        );
        assert!(matches!(sent.last(), Some(QueueMessage::ScanComplete(s)) if s.audit == "fake"));
    }

    #[tokio::test]
    async fn change_event_rescans_only_that_resource() {
        let h = handler(false);
        let r = h.run(&event("config-change-s3-bucket.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "bucket");
        let sent = h.queue.sent.lock().unwrap();
        assert_eq!(sent.len(), 1, "no archive sweep for a single resource");
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(findings.iter().all(|f| f.resource.id == "demo-public-bucket"));
    }

    #[tokio::test]
    async fn deleted_resource_reports_not_applicable_without_scanning() {
        let h = handler(false);
        let r = h.run(&event("config-change-s3-bucket-deleted.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "deleted");
        let sent = h.queue.sent.lock().unwrap();
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(!findings.is_empty() && findings.iter().all(|f| f.status == Status::NotApplicable));
    }

    /// [`FakeAudit`]'s scans behind another audit's shape: its name, change types and mode, and
    /// whether it re-reads deletions.
    struct ShapedFake {
        name: &'static str,
        change_types: &'static [&'static str],
        change_mode: &'static str,
        rescans_deleted: bool,
    }

    impl ShapedFake {
        /// A registered audit's shape.
        fn of(audit: &'static crate::audit::Descriptor) -> Self {
            Self {
                name: audit.name,
                change_types: audit.change.config_types,
                change_mode: audit.change.mode,
                rescans_deleted: false,
            }
        }
    }

    impl AuditPort for ShapedFake {
        fn name(&self) -> &'static str {
            self.name
        }
        fn change_types(&self) -> &'static [&'static str] {
            self.change_types
        }
        fn config_names(&self) -> &'static [config_rule_invocation::ConfigName] {
            &[]
        }
        fn change_mode(&self) -> &'static str {
            self.change_mode
        }
        async fn caller_account(&self) -> Result<String, CollectError> {
            FakeAudit.caller_account().await
        }
        async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
            FakeAudit.scan_all(ctx).await
        }
        async fn scan_changed(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
            FakeAudit.scan_changed(changed, ctx).await
        }
        fn deleted(&self, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
            FakeAudit.deleted(changed, ctx)
        }
        fn rescans_deleted(&self, _changed: &ChangedResource) -> bool {
            self.rescans_deleted
        }
    }

    /// A port whose deletions are re-read (as the account audit's are).
    const RESCAN_AUDIT: ShapedFake =
        ShapedFake { name: "rescan", change_types: &["AWS::S3::Bucket"], change_mode: "region", rescans_deleted: true };

    #[tokio::test]
    async fn a_port_that_rescans_deletions_re_reads_instead_of_not_applicable() {
        let h = Handler {
            audit: RESCAN_AUDIT,
            members: Vec::new(),
            queue: FakeQueue::default(),
            config_rules: FakeConfig::default(),
            settings: handler(false).settings,
        };
        let r = h.run(&event("config-change-s3-bucket-deleted.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "region");
        let sent = h.queue.sent.lock().unwrap();
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(!findings.is_empty() && findings.iter().all(|f| f.status == Status::Pass), "re-read, not assumed gone");
    }

    #[tokio::test]
    async fn malformed_or_foreign_events_are_clear_errors() {
        let err = handler(false).run(&json!({"hello": 1}), "123456789012", "us-east-1").await.unwrap_err();
        assert!(err.to_string().contains("detail-type"), "{err}");
        assert_eq!(Diagnostic::from(err).error_type, "InvalidEvent");
        let mut other = event("config-change-s3-bucket.json");
        other["detail"]["configurationItem"]["resourceType"] = json!("AWS::IAM::Role");
        let err = handler(false).run(&other, "123456789012", "us-east-1").await.unwrap_err();
        assert!(err.to_string().contains("AWS::IAM::Role"), "{err}");
    }

    #[tokio::test]
    async fn queue_failure_fails_the_invocation_so_it_is_retried() {
        let err = handler(true).run(&event("scheduled.json"), "123456789012", "us-east-1").await.unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "Retryable");
    }

    #[test]
    fn account_comes_from_the_function_arn() {
        assert_eq!(
            account_of("arn:aws:lambda:us-east-1:123456789012:function:s3-audit").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of("nope"), None);
    }

    /// Every sample event an audit function can receive (the SQS batch is publish-findings').
    fn audit_samples() -> Vec<(String, Value)> {
        let dir = format!("{}/../events", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".json") && n != "sqs-findings.json")
            .collect();
        names.sort();
        assert!(names.len() > 20, "the samples are found");
        names.into_iter().map(|n| (n.clone(), event(&n))).collect()
    }

    /// Feeds every mutation of every sample to a handler over `audit`: each must answer (never
    /// panic), and an error must be short and name what was wrong, without echoing a 1 MiB value.
    async fn feed_every_mutation<A: AuditPort>(audit: A) -> (usize, usize) {
        use futures_util::FutureExt;
        let base = handler(false);
        let h = Handler {
            audit,
            members: Vec::new(),
            queue: base.queue,
            config_rules: base.config_rules,
            settings: base.settings,
        };
        let (mut runs, mut errors) = (0, 0);
        for (name, sample) in audit_samples() {
            let mut cases = crate::bad_input::mutations(&sample);
            // Config rule invocations carry their event as JSON text: mutate inside it too.
            if let Some(invoking) = sample.get("invokingEvent").and_then(Value::as_str) {
                let inner: Value = serde_json::from_str(invoking).unwrap();
                for (label, m) in crate::bad_input::mutations(&inner) {
                    let mut outer = sample.clone();
                    outer["invokingEvent"] = Value::String(m.to_string());
                    cases.push((format!("invokingEvent: {label}"), outer));
                }
            }
            for (label, payload) in cases {
                let answer = std::panic::AssertUnwindSafe(h.run(&payload, "123456789012", "us-east-1"))
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|_| panic!("{name}, {label}: the handler panicked"));
                runs += 1;
                if let Err(e) = answer {
                    errors += 1;
                    let text = e.to_string();
                    assert!(!text.is_empty() && text.len() < 400, "{name}, {label}: {} bytes of error", text.len());
                    assert!(!text.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "{name}, {label}: {text}");
                    assert_eq!(Diagnostic::from(e).error_type, "InvalidEvent", "{name}, {label}: {text}");
                }
            }
        }
        (runs, errors)
    }

    #[tokio::test]
    async fn every_function_answers_every_mutated_sample_with_an_answer_or_a_clear_error() {
        let mut counts = Vec::new();
        for audit in crate::audit::AUDITS {
            counts.push(feed_every_mutation(ShapedFake::of(audit)).await);
        }
        assert!(!counts.is_empty(), "the registry lists audits to feed");
        for (runs, errors) in counts {
            assert!(runs > 1000 && errors > runs / 10, "{runs} runs, {errors} errors");
        }
    }

    #[tokio::test]
    async fn bad_events_are_named_precisely() {
        let h = handler(false);
        let mut e = event("config-change-s3-bucket.json");
        e["detail"]["configurationItem"]["awsRegion"] = json!("not-a-region");
        let err = h.run(&e, "123456789012", "us-east-1").await.unwrap_err().to_string();
        assert!(err.contains("awsRegion") && err.contains("\"not-a-region\" is not an AWS region"), "{err}");
        e["detail"]["configurationItem"]["awsRegion"] = json!("us-east-1");
        e["detail"]["configurationItem"]["resourceId"] = json!(crate::bad_input::huge_string());
        let err = h.run(&e, "123456789012", "us-east-1").await.unwrap_err().to_string();
        assert!(err.contains("resourceId is 1048576 bytes long"), "{err}");
        let mut e = event("scheduled.json");
        e["detail-type"] = json!(crate::bad_input::huge_string());
        let err = h.run(&e, "123456789012", "us-east-1").await.unwrap_err().to_string();
        assert!(err.starts_with("invalid event: unsupported detail-type \"AAAA") && err.len() < 300, "{err}");
        let planted = "sk_live_0123456789abcdefSECRET";
        let inv = rule_invocation(
            json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": bucket_item("OK")}),
            false,
        );
        let mut bad = inv.clone();
        bad["resultToken"] = json!([planted]);
        let err = h.run(&bad, "123456789012", "us-east-1").await.unwrap_err().to_string();
        assert!(err.contains("wrong type") && !err.contains(planted), "{err}");
        let mut bad = inv;
        bad["invokingEvent"] = json!(format!("{{\"configurationItem\": \"{planted}"));
        let err = h.run(&bad, "123456789012", "us-east-1").await.unwrap_err().to_string();
        assert!(err.contains("invokingEvent is not JSON") && !err.contains(planted), "{err}");
    }
}
