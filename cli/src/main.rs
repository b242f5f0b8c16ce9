//! `ztscan`: run ztscan's collectors and rules in-process against whatever the standard AWS
//! environment points to (profile, credentials, region, `AWS_ENDPOINT_URL`), and print the
//! findings as JSON or as a table.

mod table;

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use ztscan::audit::{
    account as account_audit, cloudformation as stack_audit, iam as iam_audit, lambda as lambda_audit,
    messaging as messaging_audit, network as network_audit, s3 as s3_audit, secretsmanager as secrets_audit,
};
use ztscan::collect::account::AccountCollector;
use ztscan::collect::cloudformation::StackCollector;
use ztscan::collect::iam::IamCollector;
use ztscan::collect::lambda::LambdaCollector;
use ztscan::collect::messaging::MessagingCollector;
use ztscan::collect::network::NetworkCollector;
use ztscan::collect::s3::S3Collector;
use ztscan::collect::secretsmanager::SecretsCollector;
use ztscan::{Finding, ScanConfig, ScanContext, Severity, Status};

#[derive(Parser)]
#[command(name = "ztscan", version, about = "Zero-trust compliance scanner for AWS serverless accounts")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Json,
    Table,
}

/// The audits `ztscan scan` can run.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum Service {
    S3,
    Iam,
    Lambda,
    Secretsmanager,
    /// SNS topics, SQS queues and EventBridge event buses.
    Messaging,
    Network,
    /// The account baseline (CloudTrail, GuardDuty, Config, Security Hub, Access Analyzer,
    /// Inspector, KMS rotation) in every enabled region, or the configured `account_regions`.
    Account,
    /// CloudFormation stacks.
    Cloudformation,
}

#[derive(Subcommand)]
enum Command {
    /// Scan the account the AWS environment points to.
    Scan {
        /// The region to scan from (defaults to the AWS environment's region).
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Exit with status 1 when a finding at or above this severity fails, and with status 3
        /// when none fails but one at or above it could not be evaluated (UNKNOWN).
        #[arg(long, value_name = "SEVERITY", default_value = "high")]
        fail_on: Severity,
        /// Let UNKNOWN findings at or above --fail-on pass the gate (exit 0 instead of 3).
        #[arg(long)]
        allow_unknown: bool,
        /// A JSON configuration file (thresholds, required tags, tag conventions).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Show passing and not-applicable findings in the table too.
        #[arg(long)]
        all: bool,
        /// The audits to run (comma-separated); all of them by default.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "s3,iam,lambda,secretsmanager,messaging,network,cloudformation,account"
        )]
        services: Vec<Service>,
    },
    /// List every rule with its severity and title.
    Rules,
}

#[tokio::main]
async fn main() -> ExitCode {
    // The SDK's raw responses (a stack's outputs among them) stay out of the log at any level.
    let filter = tracing_subscriber::EnvFilter::from_env("ZTSCAN_LOG");
    let filter = ztscan::collect::aws::wire_log_caps(filter.max_level_hint())
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, d| f.add_directive(d));
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            for m in ztscan::rules::all_metas() {
                println!("{:<42} {:<13} {}", m.id, m.severity.as_str(), m.title);
            }
            ExitCode::SUCCESS
        }
        Command::Scan { region, format, fail_on, allow_unknown, config, all, services } => {
            match scan(region, config, &services).await {
                Ok(findings) => {
                    let mut out = std::io::stdout().lock();
                    let written = match format {
                        Format::Json => writeln!(out, "{}", ztscan::render::json::to_json(&findings)),
                        Format::Table => {
                            write!(out, "{}", table::render(&findings, all, std::io::stdout().is_terminal()))
                        }
                    };
                    if let Err(e) = written {
                        eprintln!("ztscan: cannot write output: {e}");
                        return ExitCode::from(2);
                    }
                    let gate = Gate::of(&findings, fail_on, allow_unknown);
                    if let Gate::Incomplete(n) = gate {
                        eprintln!(
                        "ztscan: {n} finding(s) at or above {} could not be evaluated (UNKNOWN): the scan is incomplete",
                        fail_on.as_str()
                    );
                    }
                    ExitCode::from(gate.exit_status())
                }
                Err(message) => {
                    eprintln!("ztscan: {message}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// What a scan means for a CI gate: the exit status, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// No finding at or above `--fail-on` failed or is unknown: exit 0.
    Pass,
    /// A finding at or above `--fail-on` failed: exit 1.
    Fail,
    /// None failed, but this many at or above `--fail-on` could not be evaluated: exit 3.
    Incomplete(usize),
}

impl Gate {
    fn of(findings: &[Finding], fail_on: Severity, allow_unknown: bool) -> Self {
        let gated = |s: Status| findings.iter().filter(|f| f.status == s && f.severity >= fail_on).count();
        match (gated(Status::Fail), gated(Status::Unknown)) {
            (0, 0) => Gate::Pass,
            (0, _) if allow_unknown => Gate::Pass,
            (0, unknown) => Gate::Incomplete(unknown),
            _ => Gate::Fail,
        }
    }

    /// 0 pass, 1 a failure, 3 incomplete (2 is an error that stopped the scan).
    fn exit_status(self) -> u8 {
        match self {
            Gate::Pass => 0,
            Gate::Fail => 1,
            Gate::Incomplete(_) => 3,
        }
    }
}

async fn scan(region: Option<String>, config: Option<PathBuf>, services: &[Service]) -> Result<Vec<Finding>, String> {
    let config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            ScanConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => ScanConfig::default(),
    };
    if let Some(region) = &region {
        ztscan::collect::regions::check(region).map_err(|e| format!("--region: {e}"))?;
    }
    let sdk = ztscan::collect::aws::load_sdk_config(region).await;
    ztscan::collect::aws::check_environment(&sdk)?;
    let region = sdk.region().map(|r| r.to_string()).ok_or("no region: pass --region or set AWS_REGION")?;
    let account = ztscan::collect::identity::caller_account(&sdk)
        .await
        .map_err(|e| format!("cannot identify the account: {e}"))?;
    let ctx = ScanContext::new(account, region, chrono::Utc::now(), config);
    let progress = std::io::stderr().is_terminal();
    // One future per chosen audit; they run concurrently, each bounded by its own collector.
    let mut scans: Vec<Pin<Box<dyn Future<Output = Vec<Finding>> + '_>>> = Vec::new();
    let (sdk, ctx) = (&sdk, &ctx);
    if services.contains(&Service::S3) {
        scans.push(Box::pin(async move {
            let mut collector = S3Collector::new(sdk, ctx.config.concurrency, ctx.config.page_size);
            if progress {
                collector = collector.with_progress(Arc::new(|done, total| {
                    eprint!("\r\x1b[2Kscanning S3 buckets: {done}/{total}");
                    if done == total {
                        eprint!("\r\x1b[2K");
                    }
                }));
            }
            s3_audit::scan_all(&collector, ctx).await.findings
        }));
    }
    // The other audits' collectors are all built from the SDK configuration and the scan settings.
    macro_rules! scan {
        ($service:expr, $collector:ident, $audit:ident) => {
            if services.contains(&$service) {
                scans.push(Box::pin(async move {
                    $audit::scan_all(&$collector::new(sdk, &ctx.config), ctx).await.findings
                }));
            }
        };
    }
    scan!(Service::Iam, IamCollector, iam_audit);
    scan!(Service::Lambda, LambdaCollector, lambda_audit);
    scan!(Service::Secretsmanager, SecretsCollector, secrets_audit);
    scan!(Service::Messaging, MessagingCollector, messaging_audit);
    scan!(Service::Network, NetworkCollector, network_audit);
    scan!(Service::Account, AccountCollector, account_audit);
    scan!(Service::Cloudformation, StackCollector, stack_audit);
    let mut findings: Vec<Finding> = futures_util::future::join_all(scans).await.into_iter().flatten().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.uid().cmp(b.resource.uid()))
    });
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ztscan::model::{Outcome, ResourceRef, RuleMeta, Trigger};

    static HIGH: RuleMeta = RuleMeta {
        id: "ec2.no-open-admin-ports",
        title: "t",
        severity: Severity::High,
        resource_type: "AwsEc2SecurityGroup",
        trigger: Trigger::Change,
        remediation: "r",
        mappings: &[],
        seeds: &[],
    };
    static LOW: RuleMeta = RuleMeta {
        id: "s3.bucket-tags",
        title: "t",
        severity: Severity::Low,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        remediation: "r",
        mappings: &[],
        seeds: &[],
    };

    fn finding(meta: &'static RuleMeta, outcome: Outcome) -> Finding {
        let r = ResourceRef {
            resource_type: meta.resource_type.into(),
            id: "sg-1".into(),
            arn: None,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
        };
        Finding::new(meta, r, outcome, chrono::DateTime::UNIX_EPOCH)
    }

    #[test]
    fn an_unknown_at_or_above_fail_on_makes_the_scan_incomplete() {
        let unknown_high = [finding(&HIGH, Outcome::unknown("throttled")), finding(&LOW, Outcome::fail("x"))];
        assert_eq!(Gate::of(&unknown_high, Severity::High, false), Gate::Incomplete(1));
        assert_eq!(Gate::of(&unknown_high, Severity::High, false).exit_status(), 3);
        assert_eq!(Gate::of(&unknown_high, Severity::High, true), Gate::Pass, "--allow-unknown");
        assert_eq!(Gate::of(&unknown_high, Severity::Low, false), Gate::Fail, "a known failure wins");
        assert_eq!(Gate::of(&unknown_high, Severity::Critical, false), Gate::Pass, "below the bar");
        let unknown_low = [finding(&HIGH, Outcome::pass("ok")), finding(&LOW, Outcome::unknown("denied"))];
        assert_eq!(Gate::of(&unknown_low, Severity::High, false).exit_status(), 0);
        assert_eq!(Gate::of(&[finding(&HIGH, Outcome::fail("open"))], Severity::High, false).exit_status(), 1);
    }

    #[tokio::test]
    async fn a_region_that_is_not_a_region_is_named_before_any_call() {
        let e = scan(Some("not-a-region".into()), None, &[Service::S3]).await.expect_err("not a region");
        assert!(e.starts_with("--region: \"not-a-region\" is not an AWS region"), "{e}");
    }

    /// One test for everything that reads the process environment (tests run in parallel).
    #[tokio::test]
    async fn an_unreachable_endpoint_ends_in_one_short_error_within_the_configured_timeout() {
        // A port that refuses, and a listener that accepts and never answers.
        let refused = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_addr = silent.local_addr().unwrap();
        let _hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_MAX_ATTEMPTS", "2");
        std::env::set_var("ZTSCAN_ATTEMPT_TIMEOUT_SECS", "1");
        std::env::set_var("ZTSCAN_OPERATION_TIMEOUT_SECS", "3");
        for (endpoint, how) in [
            (format!("http://{refused}"), "could not be reached"),
            (format!("http://{silent_addr}"), "did not answer in time"),
        ] {
            std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
            let started = std::time::Instant::now();
            let e = scan(Some("us-east-1".into()), None, &[Service::S3]).await.expect_err("unreachable");
            let took = started.elapsed();
            assert!(e.starts_with("cannot identify the account: endpoint unreachable on sts:GetCallerIdentity"), "{e}");
            assert!(e.contains(how) && e.len() < 160 && !e.contains(&endpoint), "{e}");
            assert!(took < std::time::Duration::from_secs(10), "{endpoint}: {took:?}, over the 3 s operation timeout");
        }
        std::env::set_var("ZTSCAN_OPERATION_TIMEOUT_SECS", "soon");
        let e = scan(Some("us-east-1".into()), None, &[Service::S3]).await.expect_err("a malformed timeout");
        assert!(e.contains("ZTSCAN_OPERATION_TIMEOUT_SECS") && e.contains("\"soon\""), "{e}");
    }
}
