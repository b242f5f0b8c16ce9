//! The Lambda half every audit function shares (feature `lambda`): settings from the
//! environment, typed errors converted to Lambda `Diagnostic`s, and the handler that turns an
//! event into a full or single-resource audit and sends the findings to the findings queue.
//!
//! An audit function (`functions/<service>-audit`) is then only wiring: it implements
//! [`AuditPort`] over its collector and calls [`Handler::handle`]. The handler is generic over
//! the port and the queue, so it is tested here with in-memory fakes.

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;

use crate::audit::AuditReport;
use crate::collect::CollectError;
use crate::events::{parse_trigger, AuditTrigger, ChangedResource, EventError};
use crate::pipeline::QueueMessage;
use crate::publish::sqs::{FindingsQueue, PublishError};
use crate::{ScanConfig, ScanContext, Status};

/// Configuration from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `FINDINGS_QUEUE_URL`.
    pub queue_url: String,
    /// `SCAN_COMPLETE_DELAY_SECONDS`: how long the archive sweep message waits on the queue.
    pub completion_delay: Option<i32>,
    /// `ZTSCAN_CONFIG` (JSON), else the defaults.
    pub config: ScanConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("environment variable {0} must be {1}")]
    InvalidEnv(&'static str, &'static str),
    #[error("environment variable ZTSCAN_CONFIG: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("invalid event: {0}")]
    Event(#[from] EventError),
    #[error("cannot tell the account: the invoked function ARN {arn:?} names none, and {source}")]
    NoAccount { arn: String, source: CollectError },
    #[error("could not send findings: {0}")]
    Publish(#[from] PublishError),
}

impl From<AuditError> for Diagnostic {
    fn from(e: AuditError) -> Self {
        let kind = match &e {
            AuditError::MissingEnv(_) | AuditError::InvalidEnv(..) | AuditError::Config(_) => "ConfigurationError",
            AuditError::Event(_) => "InvalidEvent",
            AuditError::NoAccount { .. } => "InvalidContext",
            AuditError::Publish(_) => "Retryable",
        };
        Diagnostic { error_type: kind.to_string(), error_message: e.to_string() }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, AuditError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Settings from any variable lookup (the environment in Lambda, a map in tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, AuditError> {
        let queue_url = var("FINDINGS_QUEUE_URL")
            .filter(|v| !v.trim().is_empty())
            .ok_or(AuditError::MissingEnv("FINDINGS_QUEUE_URL"))?;
        let config = match var("ZTSCAN_CONFIG") {
            Some(text) if !text.trim().is_empty() => ScanConfig::from_json(&text)?,
            _ => ScanConfig::default(),
        };
        let completion_delay = match var("SCAN_COMPLETE_DELAY_SECONDS") {
            Some(v) if !v.trim().is_empty() => {
                Some(v.trim().parse::<i32>().ok().filter(|d| (0..=900).contains(d)).ok_or(AuditError::InvalidEnv(
                    "SCAN_COMPLETE_DELAY_SECONDS",
                    "a whole number of seconds from 0 to 900",
                ))?)
            }
            _ => None,
        };
        Ok(Self { queue_url, completion_delay, config })
    }
}

/// What one audit function does: the port the shared handler drives.
pub trait AuditPort {
    /// The audit's name, e.g. `s3` (the `audit` of its queue messages and archive scope).
    const AUDIT: &'static str;
    /// The Config resource types its change events may name.
    const CHANGE_TYPES: &'static [&'static str];
    /// The response `mode` of a single-resource re-evaluation (e.g. `bucket`).
    const CHANGE_MODE: &'static str;

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
/// environment, SDK configuration, the port built by `make`, the SQS findings queue, and the
/// Lambda runtime loop.
pub async fn run<A, F>(make: F) -> Result<(), lambda_runtime::Error>
where
    A: AuditPort,
    F: FnOnce(&aws_config::SdkConfig, &ScanConfig) -> A,
{
    tracing_subscriber::fmt().json().with_env_filter(log_filter()).without_time().init();
    let settings = Settings::from_env()?;
    let sdk = crate::collect::aws::load_sdk_config(None).await;
    let audit = make(&sdk, &settings.config);
    let mut queue =
        crate::publish::sqs::SqsFindingsQueue::new(aws_sdk_sqs::Client::new(&sdk), settings.queue_url.clone());
    if let Some(delay) = settings.completion_delay {
        queue = queue.with_completion_delay(delay);
    }
    let handler = Handler { audit, queue, settings };
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
}

pub struct Handler<A, Q> {
    pub audit: A,
    pub queue: Q,
    pub settings: Settings,
}

/// The account id in `arn:aws:lambda:region:account:function:name`.
pub fn account_of(function_arn: &str) -> Option<String> {
    let account = function_arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

impl<A: AuditPort, Q: FindingsQueue> Handler<A, Q> {
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
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_string());
        self.run(&event.payload, &account, &region).await
    }

    pub async fn run(&self, payload: &Value, account: &str, region: &str) -> Result<Response, AuditError> {
        let ctx = ScanContext::new(account, region, Utc::now(), self.settings.config.clone());
        let (mode, report) = match parse_trigger(payload, A::CHANGE_TYPES)? {
            AuditTrigger::Scheduled => ("full", self.audit.scan_all(&ctx).await),
            AuditTrigger::ResourceChange(r) if r.deleted => ("deleted", self.audit.deleted(&r, &ctx)),
            AuditTrigger::ResourceChange(r) => (A::CHANGE_MODE, self.audit.scan_changed(&r, &ctx).await),
        };
        let response = Response {
            mode,
            findings: report.findings.len(),
            failed: report.findings.iter().filter(|f| f.status == Status::Fail).count(),
            unknown: report.findings.iter().filter(|f| f.status == Status::Unknown).count(),
            archive_sweep: report.summary.is_some(),
        };
        let mut messages = vec![QueueMessage::Findings { audit: A::AUDIT.to_string(), findings: report.findings }];
        if let Some(summary) = report.summary {
            messages.push(QueueMessage::ScanComplete(summary));
        }
        self.queue.send(messages).await?;
        tracing::info!(
            audit = A::AUDIT,
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
        if std::env::var_os("RUST_LOG").is_none() {
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
    use crate::model::{Finding, Outcome, ResourceRef, RuleMeta, Severity, Trigger};
    use crate::pipeline::ScanSummary;

    static META: RuleMeta = RuleMeta {
        id: "test.rule",
        title: "test",
        severity: Severity::High,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        remediation: "nothing to remediate in a test fixture",
        mappings: &["none"],
        seeds: &["000"],
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
        const AUDIT: &'static str = "fake";
        const CHANGE_TYPES: &'static [&'static str] = &["AWS::S3::Bucket"];
        const CHANGE_MODE: &'static str = "bucket";
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

    fn handler(fail: bool) -> Handler<FakeAudit, FakeQueue> {
        Handler {
            audit: FakeAudit,
            queue: FakeQueue { fail, ..Default::default() },
            settings: Settings { queue_url: "q".into(), completion_delay: None, config: ScanConfig::default() },
        }
    }

    fn event(name: &str) -> Value {
        let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn scheduled_event_scans_everything_and_asks_for_an_archive_sweep() {
        let h = handler(false);
        let r = h.run(&event("scheduled.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r, Response { mode: "full", findings: 2, failed: 1, unknown: 1, archive_sweep: true });
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

    #[test]
    fn settings_name_the_bad_variable_never_its_value() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let e = Settings::from_lookup(vars(&[])).unwrap_err();
        assert!(e.to_string().contains("FINDINGS_QUEUE_URL"));
        let e = Settings::from_lookup(vars(&[("FINDINGS_QUEUE_URL", "q"), ("SCAN_COMPLETE_DELAY_SECONDS", "9999")]))
            .unwrap_err();
        assert!(e.to_string().contains("SCAN_COMPLETE_DELAY_SECONDS") && !e.to_string().contains("9999"));
        let s =
            Settings::from_lookup(vars(&[("FINDINGS_QUEUE_URL", "q"), ("SCAN_COMPLETE_DELAY_SECONDS", "5")])).unwrap();
        assert_eq!(s.completion_delay, Some(5));
    }
}
