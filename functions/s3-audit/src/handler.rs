//! The s3-audit handler: decide what the event asks for (a full scan, one bucket, or a deleted
//! bucket), run the S3 audit, and send the findings to the queue. Generic over two ports, the
//! scanner and the queue, so it is tested with in-memory fakes.

use std::sync::Arc;

use chrono::Utc;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use ztscan::audit::{s3 as s3_audit, AuditReport};
use ztscan::collect::s3::S3Collector;
use ztscan::events::{parse_trigger, AuditTrigger, EventError};
use ztscan::pipeline::QueueMessage;
use ztscan::publish::sqs::{FindingsQueue, PublishError};
use ztscan::{ScanConfig, ScanContext};

const RESOURCE_TYPES: &[&str] = &["AWS::S3::Bucket"];

/// Configuration from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub queue_url: String,
    /// `SCAN_COMPLETE_DELAY_SECONDS`: how long the archive sweep message waits on the queue.
    pub completion_delay: Option<i32>,
    pub config: ScanConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("environment variable {0} must be {1}")]
    InvalidEnv(&'static str, &'static str),
    #[error("environment variable ZTSCAN_CONFIG: {0}")]
    Config(#[from] ztscan::config::ConfigError),
    #[error("invalid event: {0}")]
    Event(#[from] EventError),
    #[error("cannot tell the account: the invoked function ARN {arn:?} names none, and {source}")]
    NoAccount { arn: String, source: ztscan::collect::CollectError },
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
        let queue_url =
            std::env::var("FINDINGS_QUEUE_URL").map_err(|_| AuditError::MissingEnv("FINDINGS_QUEUE_URL"))?;
        let config = match std::env::var("ZTSCAN_CONFIG") {
            Ok(text) if !text.trim().is_empty() => ScanConfig::from_json(&text)?,
            _ => ScanConfig::default(),
        };
        let completion_delay = match std::env::var("SCAN_COMPLETE_DELAY_SECONDS") {
            Ok(v) if !v.trim().is_empty() => {
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

/// The port the handler scans through.
pub trait Scanner {
    /// The scanned account, when the invocation context does not name it.
    async fn caller_account(&self) -> Result<String, ztscan::collect::CollectError>;
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport;
    async fn scan_bucket(&self, name: &str, region: &str, ctx: &ScanContext) -> AuditReport;
}

/// The real scanner over the S3 collector.
pub struct S3Scanner {
    collector: Arc<S3Collector>,
    sdk: aws_config::SdkConfig,
}

impl S3Scanner {
    pub fn new(sdk: &aws_config::SdkConfig, config: &ScanConfig) -> Self {
        Self { collector: Arc::new(S3Collector::new(sdk, config.concurrency, config.page_size)), sdk: sdk.clone() }
    }
}

impl Scanner for S3Scanner {
    async fn caller_account(&self) -> Result<String, ztscan::collect::CollectError> {
        ztscan::collect::identity::caller_account(&self.sdk).await
    }
    async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
        s3_audit::scan_all(&self.collector, ctx).await
    }
    async fn scan_bucket(&self, name: &str, region: &str, ctx: &ScanContext) -> AuditReport {
        s3_audit::scan_bucket(&self.collector, name, region, ctx).await
    }
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

pub struct Handler<S, Q> {
    pub scanner: S,
    pub queue: Q,
    pub settings: Settings,
}

/// The account id in `arn:aws:lambda:region:account:function:name`.
fn account_of(function_arn: &str) -> Option<String> {
    let account = function_arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

impl<S: Scanner, Q: FindingsQueue> Handler<S, Q> {
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Response, AuditError> {
        let arn = &event.context.invoked_function_arn;
        // Lambda always names the account in the ARN; local emulators may not, so ask STS.
        let account = match account_of(arn) {
            Some(a) => a,
            None => self
                .scanner
                .caller_account()
                .await
                .map_err(|source| AuditError::NoAccount { arn: arn.clone(), source })?,
        };
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_string());
        self.run(&event.payload, &account, &region).await
    }

    pub async fn run(&self, payload: &Value, account: &str, region: &str) -> Result<Response, AuditError> {
        let ctx = ScanContext::new(account, region, Utc::now(), self.settings.config.clone());
        let (mode, report) = match parse_trigger(payload, RESOURCE_TYPES)? {
            AuditTrigger::Scheduled => ("full", self.scanner.scan_all(&ctx).await),
            AuditTrigger::ResourceChange(r) if r.deleted => (
                "deleted",
                AuditReport { findings: s3_audit::deleted_bucket(&r.resource_id, &r.region, &ctx), summary: None },
            ),
            AuditTrigger::ResourceChange(r) => {
                ("bucket", self.scanner.scan_bucket(&r.resource_id, &r.region, &ctx).await)
            }
        };
        let response = Response {
            mode,
            findings: report.findings.len(),
            failed: report.findings.iter().filter(|f| f.status == ztscan::Status::Fail).count(),
            unknown: report.findings.iter().filter(|f| f.status == ztscan::Status::Unknown).count(),
            archive_sweep: report.summary.is_some(),
        };
        let mut messages =
            vec![QueueMessage::Findings { audit: s3_audit::AUDIT.to_string(), findings: report.findings }];
        if let Some(summary) = report.summary {
            messages.push(QueueMessage::ScanComplete(summary));
        }
        self.queue.send(messages).await?;
        tracing::info!(
            mode,
            findings = response.findings,
            failed = response.failed,
            unknown = response.unknown,
            "s3 audit done"
        );
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;
    use ztscan::model::{Finding, Outcome};
    use ztscan::pipeline::ScanSummary;
    use ztscan::Status;

    use super::*;

    struct FakeScanner;
    impl Scanner for FakeScanner {
        async fn caller_account(&self) -> Result<String, ztscan::collect::CollectError> {
            Ok("123456789012".into())
        }
        async fn scan_all(&self, ctx: &ScanContext) -> AuditReport {
            let mut findings = s3_audit::deleted_bucket("gone", "us-east-1", ctx);
            for f in &mut findings {
                f.status = Status::Fail;
            }
            let summary = ScanSummary {
                audit: "s3".into(),
                account: ctx.account.clone(),
                rule_ids: s3_audit::rule_ids(),
                started_at: ctx.now,
                finding_count: findings.len(),
            };
            AuditReport { findings, summary: Some(summary) }
        }
        async fn scan_bucket(&self, name: &str, region: &str, ctx: &ScanContext) -> AuditReport {
            let mut f: Vec<Finding> = s3_audit::deleted_bucket(name, region, ctx);
            for x in &mut f {
                let o = Outcome::pass("ok");
                x.status = o.status;
            }
            AuditReport { findings: f, summary: None }
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

    fn handler(fail: bool) -> Handler<FakeScanner, FakeQueue> {
        Handler {
            scanner: FakeScanner,
            queue: FakeQueue { fail, ..Default::default() },
            settings: Settings { queue_url: "q".into(), completion_delay: None, config: ScanConfig::default() },
        }
    }

    fn event(name: &str) -> Value {
        let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn scheduled_event_scans_everything_and_asks_for_an_archive_sweep() {
        let h = handler(false);
        let r = h.run(&event("scheduled.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "full");
        assert!(r.archive_sweep);
        let sent = h.queue.sent.lock().unwrap();
        assert!(matches!(sent.last(), Some(QueueMessage::ScanComplete(s)) if s.audit == "s3"));
    }

    #[tokio::test]
    async fn change_event_rescans_only_that_bucket() {
        let h = handler(false);
        let r = h.run(&event("config-change-s3-bucket.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "bucket");
        let sent = h.queue.sent.lock().unwrap();
        assert_eq!(sent.len(), 1, "no archive sweep for a single resource");
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(findings.iter().all(|f| f.resource.id == "demo-public-bucket"));
    }

    #[tokio::test]
    async fn deleted_bucket_reports_not_applicable_without_scanning() {
        let h = handler(false);
        let r = h.run(&event("config-change-s3-bucket-deleted.json"), "123456789012", "us-east-1").await.unwrap();
        assert_eq!(r.mode, "deleted");
        let sent = h.queue.sent.lock().unwrap();
        let QueueMessage::Findings { findings, .. } = &sent[0] else { panic!("expected findings") };
        assert!(!findings.is_empty() && findings.iter().all(|f| f.status == Status::NotApplicable));
    }

    #[tokio::test]
    async fn malformed_event_is_a_clear_error() {
        let err = handler(false).run(&json!({"hello": 1}), "123456789012", "us-east-1").await.unwrap_err();
        assert!(err.to_string().contains("detail-type"), "{err}");
        assert_eq!(Diagnostic::from(err).error_type, "InvalidEvent");
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
}
