//! A planted secret appears nowhere ztscan writes. `seed_lambda` puts two fresh random secret
//! values (a Stripe live key and a database password) into a function's environment on moto;
//! then everything ztscan produces about that function is searched for them:
//!
//! - the `ztscan` CLI's JSON and table output (every finding, `--all`) and its log on stderr
//!   at `trace` level;
//! - `lambda-audit` run through the real Lambda Runtime API at `trace` level, on a scheduled
//!   event and on a Config change event whose configuration item carries the values (as a real
//!   Config item would): its response and its log;
//! - the findings queue's message bodies;
//! - `publish-findings`: its log, the Security Hub (ASFF) findings and the SNS alert body.
//!
//! Each place must also name the variable, so the test would notice if the finding vanished
//! instead of being redacted.
//!
//! The same holds for SSM parameters: `seed::data` plants two fresh secret values in `String`
//! parameters, and the `ztscan` CLI (`--services data`), `data-audit` on the Runtime API, the
//! findings queue and `publish-findings` (Security Hub, SNS, logs) must name the parameters and
//! never carry the values.

use std::process::Command;

use ztscan_tests::lambda::{binary, pump, scratch_dir, Emulator};
use ztscan_tests::seed::data::{seed_data, PARAM_PASSWORD, PARAM_STRIPE};
use ztscan_tests::seed::{create_pipeline, drain_inbox, security_hub_findings, seed_lambda, Pipeline};
use ztscan_tests::{moto, root, Moto};

fn assert_clean(what: &str, text: &str, planted: &[String]) {
    for secret in planted {
        assert!(!text.contains(secret.as_str()), "{what} contains a planted secret value");
    }
    // Fragments too: a renderer that truncated or split a value would still leak it.
    for secret in planted {
        let tail = &secret[secret.len() - 16..];
        assert!(!text.contains(tail), "{what} contains part of a planted secret value");
    }
}

/// Every message on the queue, read without consuming it (visibility timeout 0).
async fn peek_queue(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..20 {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .expect("peek the findings queue");
        for m in out.messages() {
            seen.insert(m.message_id().unwrap_or_default().to_string(), m.body().unwrap_or_default().to_string());
        }
    }
    seen.into_values().collect()
}

/// `ztscan scan --services <service> --all --format <format>` (and `extra` arguments) against
/// moto, with trace-level logs on stderr: its exit code, stdout and stderr.
fn cli_scan(m: &Moto, service: &str, format: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(binary("ztscan"))
        .args(["scan", "--region", "us-east-1", "--services", service, "--all", "--format", format])
        .args(extra)
        .env("AWS_ENDPOINT_URL", &m.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("ZTSCAN_LOG", "trace")
        .output()
        .expect("run ztscan");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.len() > 1_000, "trace logging was on ({} bytes)", stderr.len());
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// The pipeline, with `function` and publish-findings on the Lambda Runtime API at trace level:
/// the queue, topic and inbox, an SQS client, and the two emulators.
async fn pipeline_with(m: &Moto, function: &str) -> (Pipeline, aws_sdk_sqs::Client, Emulator, Emulator) {
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let mut env = p.function_env(&m.endpoint);
    env.push(("RUST_LOG", "trace"));
    let mut audit = Emulator::start();
    audit.run_function(function, &env);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);
    (p, sqs, audit, publisher)
}

/// The audit function's and publish-findings' logs were written at trace level and carry no
/// planted value.
fn assert_logs_clean(audit: &Emulator, function: &str, publisher: &Emulator, planted: &[String]) {
    let audit_log = audit.function_log(function);
    let publisher_log = publisher.function_log("publish-findings");
    assert!(audit_log.len() > 1_000 && publisher_log.len() > 1_000, "trace logging was on");
    assert_clean(&format!("the {function} log"), &audit_log, planted);
    assert_clean("the publish-findings log", &publisher_log, planted);
}

#[tokio::test]
async fn a_planted_secret_appears_nowhere_ztscan_writes() {
    let m = moto().await;
    let seed = seed_lambda(&m.sdk).await;
    let planted = &seed.planted_secrets;
    assert_eq!(planted.len(), 2);

    // 1. The CLI: JSON and table, every finding, with trace-level logs on stderr.
    for format in ["json", "table"] {
        let (code, stdout, stderr) = cli_scan(&m, "lambda", format, &["--fail-on", "critical"]);
        assert_eq!(code, Some(1), "a critical failure exits 1\n{stderr}");
        assert!(stdout.contains("lambda.no-secrets-in-env") && stdout.contains("STRIPE_API_KEY"), "{format}: {stdout}");
        assert_clean(&format!("ztscan --format {format} output"), &stdout, planted);
        assert_clean(&format!("ztscan --format {format} log"), &stderr, planted);
    }

    // 2. The pipeline, through the Lambda Runtime API, with trace-level function logs.
    let (p, sqs, audit, publisher) = pipeline_with(&m, "lambda-audit").await;

    let full = audit.invoke("lambda-audit", &root().join("events/scheduled.json")).expect("lambda-audit runs");
    assert_eq!(full["mode"], "full");
    assert_clean("lambda-audit response", &full.to_string(), planted);

    // A Config change event for the function, carrying its environment as Config records it.
    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/config-change-lambda-function.json")).expect("sample event"),
    )
    .expect("sample event is JSON");
    event["detail"]["configurationItem"]["configuration"]["environment"]["variables"] = serde_json::json!({
        "STRIPE_API_KEY": planted[0],
        "DB_PASSWORD": planted[1],
        "LOG_LEVEL": "DEBUG",
    });
    let event_file = scratch_dir().join("config-change-with-secrets.json");
    std::fs::write(&event_file, event.to_string()).expect("write event");
    let one = audit.invoke("lambda-audit", &event_file).expect("lambda-audit handles the change event");
    assert_eq!(one["mode"], "function");
    assert_clean("lambda-audit response", &one.to_string(), planted);
    std::fs::remove_file(&event_file).ok();

    let bodies = peek_queue(&sqs, &p.findings_queue_url).await;
    assert!(bodies.iter().any(|b| b.contains("STRIPE_API_KEY")), "the queued finding names the variable");
    for body in &bodies {
        assert_clean("a findings queue message", body, planted);
    }

    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}");

    let asff = security_hub_findings(&m.sdk).await;
    let secret_finding = asff
        .iter()
        .find(|f| {
            f.generator_id() == Some("lambda.no-secrets-in-env")
                && f.resources().iter().any(|r| r.id().is_some_and(|id| id.ends_with(":function:zt-fn-secret-env")))
        })
        .expect("the Security Hub finding for the planted secret");
    assert_eq!(secret_finding.compliance().and_then(|c| c.status()).map(|s| s.as_str()), Some("FAILED"));
    assert!(format!("{secret_finding:?}").contains("STRIPE_API_KEY"));
    assert_clean("the Security Hub findings", &format!("{asff:?}"), planted);

    let alerts = drain_inbox(&m.sdk, &p.inbox_queue_url).await;
    assert!(!alerts.is_empty(), "the critical failure was alerted");
    let alert_text: String = alerts.iter().map(|a| a.to_string()).collect();
    assert!(alert_text.contains("zt-fn-secret-env"), "{alert_text}");
    assert_clean("the SNS alert", &alert_text, planted);

    assert_logs_clean(&audit, "lambda-audit", &publisher, planted);
}

#[tokio::test]
async fn a_secret_planted_in_an_ssm_parameter_appears_nowhere_ztscan_writes() {
    let m = moto().await;
    let seed = seed_data(&m.sdk).await;
    let planted = &seed.planted_secrets;
    assert_eq!(planted.len(), 2);

    // 1. The CLI: JSON and table, every finding, with trace-level logs on stderr.
    for format in ["json", "table"] {
        let (_, stdout, stderr) = cli_scan(&m, "data", format, &[]);
        assert!(
            stdout.contains("ssm.parameter-secrets-are-secure-strings") && stdout.contains(PARAM_STRIPE),
            "{format}: {stdout}\n{stderr}"
        );
        assert_clean(&format!("ztscan --services data --format {format} output"), &stdout, planted);
        assert_clean(&format!("ztscan --services data --format {format} log"), &stderr, planted);
    }

    // 2. The pipeline, through the Lambda Runtime API, with trace-level function logs.
    let (p, sqs, audit, publisher) = pipeline_with(&m, "data-audit").await;
    let full = audit.invoke("data-audit", &root().join("events/scheduled.json")).expect("data-audit runs");
    assert_eq!(full["mode"], "full");
    assert_clean("data-audit response", &full.to_string(), planted);

    let bodies = peek_queue(&sqs, &p.findings_queue_url).await;
    assert!(bodies.iter().any(|b| b.contains(PARAM_PASSWORD)), "the queued finding names the parameter");
    for body in &bodies {
        assert_clean("a findings queue message", body, planted);
    }
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}");

    let asff = security_hub_findings(&m.sdk).await;
    assert!(
        asff.iter().any(|f| f.generator_id() == Some("ssm.parameter-secrets-are-secure-strings")
            && format!("{f:?}").contains(PARAM_PASSWORD)),
        "the Security Hub finding names the parameter"
    );
    assert_clean("the Security Hub findings", &format!("{asff:?}"), planted);
    let alerts = drain_inbox(&m.sdk, &p.inbox_queue_url).await;
    let alert_text: String = alerts.iter().map(|a| a.to_string()).collect();
    assert_clean("the SNS alert", &alert_text, planted);

    assert_logs_clean(&audit, "data-audit", &publisher, planted);
}
