//! `ztscan`: run ztscan's collectors and rules in-process against whatever the standard AWS
//! environment points to (profile, credentials, region, `AWS_ENDPOINT_URL`), and print the
//! findings as JSON or as a table.

mod table;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Parser, Subcommand, ValueEnum};
use ztscan::audit::catalogue;
use ztscan::audit::{Descriptor, AUDITS};
use ztscan::render;
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

/// The `--services` values: every audit in the registry, with what it audits.
fn service_values() -> PossibleValuesParser {
    PossibleValuesParser::new(AUDITS.iter().map(|a| PossibleValue::new(a.name).help(a.title)))
}

/// The default `--services`: every audit.
fn all_services() -> Vec<String> {
    AUDITS.iter().map(|a| a.name.to_string()).collect()
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
        #[arg(long, value_delimiter = ',', value_parser = service_values(), default_values_t = all_services())]
        services: Vec<String>,
    },
    /// List every rule: a table, JSON with every field, or the Markdown of docs/rules.md.
    Rules {
        #[arg(long, value_enum, default_value = "table")]
        format: RulesFormat,
    },
    /// Print one rule's documentation, severity, mappings, the IAM actions it needs and whether
    /// change events re-evaluate it.
    Explain {
        /// The rule id, e.g. s3.bucket-requires-tls.
        rule_id: String,
    },
}

/// The output formats of `ztscan rules`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[tokio::main]
async fn main() -> ExitCode {
    // The SDK's raw responses (a stack's outputs among them) stay out of the log at any level.
    let filter = tracing_subscriber::EnvFilter::from_env(ztscan::settings::ZTSCAN_LOG);
    let filter = ztscan::collect::aws::wire_log_caps(filter.max_level_hint())
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, d| f.add_directive(d));
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Rules { format } => {
            let entries = catalogue::entries();
            print(&match format {
                RulesFormat::Table => render::rules::to_table(&entries),
                RulesFormat::Json => render::rules::to_json(&entries) + "\n",
                RulesFormat::Markdown => render::rules::to_markdown(&entries),
            })
        }
        Command::Explain { rule_id } => match catalogue::find(&rule_id) {
            Ok(entry) => print(&render::rules::explain(&entry)),
            Err(unknown) => {
                eprintln!("ztscan: {unknown}");
                ExitCode::from(2)
            }
        },
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

/// Write `text` to standard output; a failed write is exit status 2.
fn print(text: &str) -> ExitCode {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ztscan: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}

async fn scan(region: Option<String>, config: Option<PathBuf>, services: &[String]) -> Result<Vec<Finding>, String> {
    let config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            ScanConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => ScanConfig::default(),
    };
    if let Some(region) = &region {
        ztscan::settings::check_region(region).map_err(|e| format!("--region: {e}"))?;
    }
    let sdk = ztscan::collect::aws::load_paced_sdk_config(
        region,
        &ztscan::audit::default_api_rates(),
        &config.api_rate_limits,
    )
    .await;
    ztscan::collect::aws::check_environment(&sdk)?;
    let region = sdk.region().map(|r| r.to_string()).ok_or("no region: pass --region or set AWS_REGION")?;
    let account = ztscan::collect::identity::caller_account(&sdk)
        .await
        .map_err(|e| format!("cannot identify the account: {e}"))?;
    let ctx = ScanContext::new(account, region, chrono::Utc::now(), config);
    let progress = std::io::stderr().is_terminal();
    let chosen: Vec<&'static Descriptor> =
        AUDITS.iter().copied().filter(|a| services.iter().any(|s| s == a.name)).collect();
    // One future per chosen audit; they run concurrently, each bounded by its own collector.
    let (sdk, ctx) = (&sdk, &ctx);
    let scans = chosen.into_iter().map(|audit| async move {
        let progress = progress.then(|| progress_line(audit));
        (audit.connect)(sdk, &ctx.config, progress).scan_all(ctx).await.findings
    });
    let mut findings: Vec<Finding> = futures_util::future::join_all(scans).await.into_iter().flatten().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.uid().cmp(b.resource.uid()))
    });
    Ok(findings)
}

/// A progress line on stderr for an audit's full scan, cleared when it is done.
fn progress_line(audit: &'static Descriptor) -> ztscan::audit::Progress {
    Arc::new(move |done, total| {
        eprint!("\r\x1b[2Kscanning {}: {done}/{total}", audit.title);
        if done == total {
            eprint!("\r\x1b[2K");
        }
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use ztscan::model::{Outcome, ResourceRef, RuleDoc, RuleMeta, Trigger};

    use super::*;

    fn services(args: &[&str]) -> Result<Vec<String>, clap::Error> {
        let cli = Cli::try_parse_from([&["ztscan", "scan"], args].concat())?;
        match cli.command {
            Command::Scan { services, .. } => Ok(services),
            _ => unreachable!("parsed a scan"),
        }
    }

    #[test]
    fn services_default_to_every_audit_in_the_registry() {
        Cli::command().debug_assert();
        let all: Vec<&str> = AUDITS.iter().map(|a| a.name).collect();
        assert_eq!(services(&[]).unwrap(), all, "the default is every audit, in registry order");
        let Err(help) = Cli::try_parse_from(["ztscan", "scan", "--help"]) else { panic!("--help is an early exit") };
        let help = help.to_string();
        assert!(help.contains(&format!("[default: {}]", all.join(" "))), "the help names the default: {help}");
    }

    #[test]
    fn services_accept_registry_names_and_reject_others_listing_the_valid_ones() {
        assert_eq!(services(&["--services", "s3,cloudformation"]).unwrap(), ["s3", "cloudformation"]);
        let err = services(&["--services", "s3,dynamodb"]).unwrap_err().to_string();
        assert!(err.contains("dynamodb") && err.contains("secretsmanager"), "{err}");
    }

    static HIGH: RuleMeta = RuleMeta {
        id: "ec2.no-open-admin-ports",
        title: "t",
        severity: Severity::High,
        resource_type: "AwsEc2SecurityGroup",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("r"),
    };
    static LOW: RuleMeta = RuleMeta {
        id: "s3.bucket-tags",
        title: "t",
        severity: Severity::Low,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("r"),
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
        let e = scan(Some("not-a-region".into()), None, &["s3".to_string()]).await.expect_err("not a region");
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
            let e = scan(Some("us-east-1".into()), None, &["s3".to_string()]).await.expect_err("unreachable");
            let took = started.elapsed();
            assert!(e.starts_with("cannot identify the account: endpoint unreachable on sts:GetCallerIdentity"), "{e}");
            assert!(e.contains(how) && e.len() < 160 && !e.contains(&endpoint), "{e}");
            assert!(took < std::time::Duration::from_secs(10), "{endpoint}: {took:?}, over the 3 s operation timeout");
        }
        std::env::set_var("ZTSCAN_OPERATION_TIMEOUT_SECS", "soon");
        let e = scan(Some("us-east-1".into()), None, &["s3".to_string()]).await.expect_err("a malformed timeout");
        assert!(e.contains("ZTSCAN_OPERATION_TIMEOUT_SECS") && e.contains("\"soon\""), "{e}");
    }
}
