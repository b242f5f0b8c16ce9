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
        /// Exit with status 1 when a finding at or above this severity fails.
        #[arg(long, value_name = "SEVERITY", default_value = "high")]
        fail_on: Severity,
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
        Command::Scan { region, format, fail_on, config, all, services } => match scan(region, config, &services).await
        {
            Ok(findings) => {
                let mut out = std::io::stdout().lock();
                let written = match format {
                    Format::Json => writeln!(out, "{}", ztscan::render::json::to_json(&findings)),
                    Format::Table => write!(out, "{}", table::render(&findings, all, std::io::stdout().is_terminal())),
                };
                if let Err(e) = written {
                    eprintln!("ztscan: cannot write output: {e}");
                    return ExitCode::from(2);
                }
                if findings.iter().any(|f| f.status == Status::Fail && f.severity >= fail_on) {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(message) => {
                eprintln!("ztscan: {message}");
                ExitCode::from(2)
            }
        },
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
    let sdk = ztscan::collect::aws::load_paced_sdk_config(region, &config.api_rate_limits).await;
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
