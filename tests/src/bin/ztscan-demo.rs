//! The demo driver (`scripts/demo.sh`): seeds the local AWS with a small account of S3, IAM,
//! Lambda, Secrets Manager, SNS, SQS, EventBridge, network, CloudFormation and account-baseline
//! misconfigurations and compliant resources, then runs the Lambda pipeline through the real
//! Runtime API (s3-audit, iam-audit, lambda-audit, secrets-audit, messaging-audit,
//! network-audit, stack-audit and account-audit → findings queue →
//! publish-findings → Security Hub and the SNS alert) and shows what arrived.
//!
//! `ztscan-demo seed` and `ztscan-demo pipeline`; both read the moto endpoint from
//! `AWS_ENDPOINT_URL`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use ztscan_tests::lambda::{pump, Emulator};
use ztscan_tests::seed::{create_pipeline, demo_config, drain_inbox, security_hub_findings, seed_demo_of};
use ztscan_tests::{post, root, sdk_config};

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") else {
        eprintln!("ztscan-demo: AWS_ENDPOINT_URL is not set: start the local AWS with scripts/moto.sh start and source .run/moto.env");
        return ExitCode::from(2);
    };
    let sdk = sdk_config(&endpoint).await;
    match std::env::args().nth(1).as_deref() {
        Some("seed") => {
            // A clean account each time, so the demo can be run again on a running server.
            post(&endpoint, "/moto-api/reset").await;
            // Every audit of the registry, in its order; the planted secret values are never
            // printed, only names.
            for audit in ztscan::audit::AUDITS {
                match seed_demo_of(audit.name, &sdk).await {
                    Ok(data) => println!("seeded {}", data.summary),
                    Err(e) => {
                        eprintln!("ztscan-demo: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Some("config") => match demo_config() {
            Ok(config) => {
                println!("{config}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ztscan-demo: {e}");
                ExitCode::FAILURE
            }
        },
        Some("pipeline") => pipeline(&sdk, &endpoint).await,
        _ => {
            eprintln!("usage: ztscan-demo seed|config|pipeline");
            ExitCode::from(2)
        }
    }
}

async fn pipeline(sdk: &aws_config::SdkConfig, endpoint: &str) -> ExitCode {
    let p = create_pipeline(sdk).await;
    let env = p.function_env(endpoint);
    let mut audits = Vec::new();
    for name in ztscan::audit::AUDITS.iter().map(|a| a.function) {
        let mut emulator = Emulator::start();
        emulator.run_function(name, &env);
        audits.push((name, emulator));
    }
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    for (name, emulator) in &audits {
        println!("invoking {name} with events/scheduled.json (cargo lambda invoke, port {})", emulator.port);
        match emulator.invoke(name, &root().join("events/scheduled.json")) {
            Ok(resp) => println!("  {name} answered: {resp}"),
            Err(e) => {
                eprintln!("{e}\n{}", emulator.function_log(name));
                return ExitCode::from(1);
            }
        }
    }
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    println!(
        "findings queue → publish-findings: {} batch(es), {} message(s) delivered, {} failed",
        pumped.batches, pumped.delivered, pumped.failed
    );

    let findings = security_hub_findings(sdk).await;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for f in &findings {
        let s = f.compliance().and_then(|c| c.status()).map(|s| s.as_str().to_string()).unwrap_or_default();
        *by_status.entry(s).or_default() += 1;
    }
    println!("\nSecurity Hub now holds {} ztscan findings: {by_status:?}", findings.len());
    println!("failed, most severe first:");
    let mut failed: Vec<_> = findings
        .iter()
        .filter(|f| f.compliance().and_then(|c| c.status()).map(|s| s.as_str()) == Some("FAILED"))
        .collect();
    failed.sort_by_key(|f| {
        std::cmp::Reverse(f.severity().and_then(|s| s.label()).map(|l| severity_rank(l.as_str())).unwrap_or(0))
    });
    for f in failed {
        println!(
            "  {:<9} {:<40} {}",
            f.severity().and_then(|s| s.label()).map(|l| l.as_str()).unwrap_or(""),
            f.generator_id().unwrap_or(""),
            f.resources().first().and_then(|r| r.id()).unwrap_or("")
        );
    }
    let alerts = drain_inbox(sdk, &p.inbox_queue_url).await;
    println!("\nSNS alerts received by the subscribed inbox queue: {}", alerts.len());
    for a in &alerts {
        println!("  subject:  {}", a["Subject"].as_str().unwrap_or(""));
        println!("  severity: {}", a["MessageAttributes"]["severity"]["Value"].as_str().unwrap_or(""));
        let body: serde_json::Value = serde_json::from_str(a["Message"].as_str().unwrap_or("{}")).unwrap_or_default();
        println!(
            "  body:     {}",
            serde_json::to_string_pretty(&body).unwrap_or_default().replace('\n', "\n            ")
        );
    }
    ExitCode::SUCCESS
}

fn severity_rank(label: &str) -> u8 {
    match label {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    }
}
