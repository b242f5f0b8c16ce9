//! The demo driver (`scripts/demo.sh`): seeds the local AWS with a small account of S3, IAM,
//! Lambda, Secrets Manager, SNS, SQS, EventBridge, network, CloudFormation, account-baseline,
//! API Gateway and Cognito misconfigurations and compliant resources, then runs the Lambda pipeline through the real
//! Runtime API (s3-audit, iam-audit, lambda-audit, secrets-audit, messaging-audit,
//! network-audit, stack-audit, account-audit and api-audit → findings queue →
//! publish-findings → Security Hub and the SNS alert) and shows what arrived.
//!
//! `ztscan-demo seed` and `ztscan-demo pipeline`; both read the moto endpoint from
//! `AWS_ENDPOINT_URL`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use ztscan_tests::lambda::{pump, Emulator};
use ztscan_tests::seed::{create_pipeline, drain_inbox, security_hub_findings, seed_buckets, seed_iam, seed_lambda};
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
            seed_buckets(&sdk).await;
            seed_iam(&sdk).await;
            ztscan_tests::seed::secrets::seed_secrets(&sdk).await;
            ztscan_tests::seed::messaging::seed_messaging(&sdk).await;
            // The planted secret values are never printed: only the variable names are.
            let _planted = seed_lambda(&sdk).await;
            ztscan_tests::seed::network::seed_network(&sdk).await;
            ztscan_tests::seed::account::seed_account(&sdk).await;
            // The planted secret values are never printed: only the output and parameter names are.
            let _stacks = ztscan_tests::seed::cloudformation::seed_stacks(&sdk).await;
            let _front_doors = ztscan_tests::seed::api::seed_api(&sdk).await;
            println!("seeded 10 buckets: compliant ones (zt-good, zt-logs, zt-replica-west, zt-critical, zt-private) and misconfigured ones");
            println!("(zt-plain: nothing configured; zt-public-policy: public policy; zt-cross-account: another account may write;");
            println!(" zt-critical: critical without MFA delete; zt-private-open: private without a VPC-endpoint restriction)");
            println!("seeded IAM: zt-admin-role (inline admin policy), zt-deployer (escalation in MiXeD case, s3:*, NotAction),");
            println!(" zt-trust-everyone / zt-trust-foreign (open trust policies), zt-lambda-broad (no boundary, broad managed");
            println!(" policies), zt-lambda-good (compliant), users without MFA / with directly attached policies, a weak password policy");
            println!("seeded Lambda: zt-fn-secret-env (a Stripe key and a password in its environment, values made at");
            println!(
                " run time and never shown), zt-fn-public (open resource policy, S3 grant without a source condition,"
            );
            println!(" nodejs18.x), zt-fn-old-runtime (python3.8), zt-fn-single-az, zt-fn-hardened (compliant)");
            println!("seeded secrets: zt-secret-good (compliant), zt-secret-plain (no rotation, AWS-managed key), zt-secret-public");
            println!(" (policy open to everyone), zt-secret-rotation-failed (a version stuck AWSPENDING)");
            println!("seeded messaging: zt-topic-good, zt-queue-good, zt-bus-good (compliant), zt-topic-public (open policy,");
            println!(" unencrypted, no TLS deny), zt-topic-http (a plain-http subscription), zt-queue-plain (no SSE),");
            println!(" zt-queue-public (open policy), zt-bus-public (everyone may put events)");
            println!(
                "seeded network: VPC zt-net-open (no flow log; zt-net-open-ssh opens 22 to 0.0.0.0/0, zt-net-open-v6"
            );
            println!(" opens 0-65535 to ::/0, its default group has a rule), VPC zt-net-good (flow log, S3 and Secrets Manager");
            println!(" endpoints, empty default group, zt-net-fn with egress 443 only); zt-fn-sg keeps all egress");
            println!("seeded the account baseline in us-east-1 and eu-west-1: zt-trail-org (multi-region, validated, logging),");
            println!(
                " zt-trail-local (eu-west-1 only, no validation), a GuardDuty detector without Lambda protection and a"
            );
            println!(" Config recorder and Inspector Lambda scanning in us-east-1 only, KMS keys zt-key-rotating (rotation on),");
            println!(" zt-key-plain and zt-key-west (rotation off) and an asymmetric signing key");
            println!("seeded stacks: zt-stack-good (termination protection, an SNS topic; a NoEcho parameter), zt-stack-open");
            println!(
                " (no protection, no topic, a secret in output ApiKey and in the default of DbPassword, values made at"
            );
            println!(" run time and never shown)");
            println!(
                "seeded front doors: REST APIs zt-api-open (policy open to everyone, methods without authorizers,"
            );
            println!(" one behind an API key only, a stage without logs, tracing or WAF), zt-api-private (private, fenced to");
            println!(" its VPC endpoint by a Deny: compliant), zt-api-private-nopolicy; HTTP APIs zt-http-jwt (JWT authorizer:");
            println!(
                " compliant) and zt-http-open; domain names legacy.zt.example.com (TLS 1.0) and api.zt.example.com;"
            );
            println!(" user pools zt-pool-nomfa (MFA off), zt-pool-admins (optional MFA, in admin_user_pools), zt-pool-strict;");
            println!(" identity pools zt_ids_guests (guest credentials) and zt_ids_members");
            ExitCode::SUCCESS
        }
        Some("pipeline") => pipeline(&sdk, &endpoint).await,
        _ => {
            eprintln!("usage: ztscan-demo seed|pipeline");
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
