//! The fault suite: ztscan against a local AWS that misbehaves. The fault layer
//! (`ztscan_tests::faults`) sits between the SDK and moto with a fixed seed and injects
//! throttling and 5xx errors in each protocol's own shape, dropped connections, latency and
//! answers cut short.
//!
//! - A `ztscan scan` of the demo account at 20% faults gives, for every (rule, resource), the
//!   clean scan's status, or UNKNOWN with a reason naming the fault; no finding is lost or
//!   added; no planted secret appears in the JSON or table output or in the trace log.
//! - `s3-audit` and `publish-findings` through the Lambda Runtime API, with SQS, Security Hub
//!   and SNS behind the fault layer: every finding reaches Security Hub exactly once (or sits
//!   in the dead-letter queue), every new HIGH or CRITICAL failure is alerted, and a message
//!   reaches the dead-letter queue only after `maxReceiveCount` failed deliveries.
//! - With a low configured rate, the requests the fault layer sees for each paced API stay
//!   under that rate in every one-second window.

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use std::collections::{BTreeSet, HashMap};
use ztscan_tests::faults::{max_in_window, FaultKind, FaultPlan, FaultProxy};

use aws_sdk_sqs::types::QueueAttributeName;
use ztscan_tests::lambda::{binary, scratch_dir, sqs_record, write_sqs_event, Emulator};
use ztscan_tests::seed::{create_pipeline, drain_inbox, security_hub_findings, seed_buckets, seed_iam, seed_lambda};
use ztscan_tests::{moto, root};

/// The seed of every faulty run: the same requests get the same faults on every machine.
const SEED: u64 = 13;

/// `ztscan scan` against `endpoint`, every finding, with a trace-level log on stderr.
fn scan(endpoint: &str, config: &std::path::Path, format: &str, services: Option<&str>) -> Output {
    let mut cmd = Command::new(binary("ztscan"));
    cmd.args(["scan", "--region", "us-east-1", "--all", "--fail-on", "critical", "--format", format])
        .arg("--config")
        .arg(config)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        // Adaptive retries as in production, with fewer attempts: moto answers the APIs it
        // lacks with 5xx, and each of those would otherwise back off five times.
        .env("AWS_RETRY_MODE", "adaptive")
        .env("AWS_MAX_ATTEMPTS", "4")
        .env("ZTSCAN_LOG", "trace");
    if let Some(s) = services {
        cmd.args(["--services", s]);
    }
    cmd.output().expect("run ztscan")
}

/// (rule, resource, region) → (status, reason), from `ztscan scan --format json`.
fn verdicts(out: &Output) -> BTreeMap<(String, String, String), (String, String)> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("the JSON output does not parse ({e}); exit {:?}\n{}", out.status.code(), tail(&out.stderr))
    });
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    rows.iter()
        .map(|r| ((text(r, "rule_id"), text(r, "resource"), text(r, "region")), (text(r, "status"), text(r, "reason"))))
        .collect()
}

fn tail(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let start = s.len().saturating_sub(3_000);
    s.get(start..).unwrap_or_default().to_string()
}

/// Whether an UNKNOWN reason is a short classification of what went wrong with the read:
/// throttled, the service's error code, unreachable (connection, timeout), or an answer that
/// could not be read; and not the SDK's `Debug` text (`ServiceError { .. raw: .. }`), which
/// can carry the response body.
fn names_a_fault(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    let debug_text = ["{ ", "raw:", "unhandled(", "serviceerror("].iter().any(|w| r.contains(w));
    !debug_text
        && [
            "throttl",
            "slowdown",
            "requestlimitexceeded",
            "toomanyrequests",
            "rate exceeded",
            "internalerror",
            "internalfailure",
            "serviceexception",
            "http 5",
            "status 5",
            "unreachable",
            "could not be reached",
            "connection",
            "timed out",
            "timeout",
            "could not be read",
            "unreadable",
            "truncated",
            "malformed",
        ]
        .iter()
        .any(|w| r.contains(w))
}

fn assert_clean(what: &str, text: &str, planted: &[String]) {
    for secret in planted {
        assert!(!text.contains(secret.as_str()), "{what} contains a planted secret value");
        let tail = &secret[secret.len().saturating_sub(16)..];
        assert!(!text.contains(tail), "{what} contains part of a planted secret value");
    }
}

#[tokio::test]
async fn a_scan_at_20_percent_faults_keeps_every_finding_and_leaks_nothing() {
    let m = moto().await;
    // The demo account (as `ztscan-demo seed` builds it).
    seed_buckets(&m.sdk).await;
    seed_iam(&m.sdk).await;
    ztscan_tests::seed::secrets::seed_secrets(&m.sdk).await;
    ztscan_tests::seed::messaging::seed_messaging(&m.sdk).await;
    let mut planted = seed_lambda(&m.sdk).await.planted_secrets;
    ztscan_tests::seed::network::seed_network(&m.sdk).await;
    ztscan_tests::seed::account::seed_account(&m.sdk).await;
    planted.extend(ztscan_tests::seed::cloudformation::seed_stacks(&m.sdk).await.planted_secrets);
    assert!(planted.len() >= 4, "secrets were planted");
    let config = scratch_dir().join("fault-suite-config.json");
    std::fs::write(&config, r#"{"account_regions": ["us-east-1", "eu-west-1"]}"#).expect("write config");

    // 1. The clean scan, through the fault layer with no faults (it still counts requests).
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::none()).expect("start the fault layer");
    let started = Instant::now();
    let clean_out = scan(&proxy.endpoint(), &config, "json", None);
    let clean_time = started.elapsed();
    let clean = verdicts(&clean_out);
    let clean_requests = proxy.summary().requests;
    assert!(clean.len() > 100, "the demo account yields findings: {}", clean.len());

    // 2. The same scan at 20% faults, JSON and table.
    proxy.clear();
    proxy.set_plan(FaultPlan::all(SEED, 0.2));
    let started = Instant::now();
    let faulty_out = scan(&proxy.endpoint(), &config, "json", None);
    let faulty_time = started.elapsed();
    let json_summary = proxy.summary();
    let faulty = verdicts(&faulty_out);
    let table_out = scan(&proxy.endpoint(), &config, "table", None);
    let summary = proxy.summary();

    let lost: Vec<_> = clean.keys().filter(|k| !faulty.contains_key(*k)).collect();
    let added: Vec<_> = faulty.keys().filter(|k| !clean.contains_key(*k)).collect();
    let mut identical = 0;
    let mut unknown = 0;
    let mut wrong = Vec::new();
    for (key, (status, reason)) in &faulty {
        let Some((clean_status, _)) = clean.get(key) else { continue };
        if status == clean_status {
            identical += 1;
        } else if status == "UNKNOWN" && names_a_fault(reason) {
            unknown += 1;
            eprintln!("  UNKNOWN under faults: {} on {}: {reason}", key.0, key.1);
        } else {
            wrong.push(format!("{key:?}: clean {clean_status}, faulty {status} ({reason})"));
        }
    }
    eprintln!(
        "fault suite (seed {SEED}, 20%): clean scan {clean_requests} requests in {:.1} s; faulty JSON scan {json_summary} in {:.1} s; \
         {} findings: {identical} identical, {unknown} UNKNOWN naming the fault, {} lost, {} added, {} wrong; both faulty scans: {summary}",
        clean_time.as_secs_f64(),
        faulty_time.as_secs_f64(),
        faulty.len(),
        lost.len(),
        added.len(),
        wrong.len(),
    );
    for kind in FaultKind::ALL {
        assert!(json_summary.faults.get(&kind).copied().unwrap_or(0) > 0, "the faulty scan met no {kind} fault");
    }
    assert!(lost.is_empty(), "findings lost under faults: {lost:?}");
    assert!(added.is_empty(), "findings that only the faulty scan has: {added:?}");
    assert!(
        wrong.is_empty(),
        "verdicts that differ from the clean scan other than as UNKNOWN naming the fault:\n{}",
        wrong.join("\n")
    );

    // 3. No planted secret anywhere: outputs and trace logs of both faulty scans.
    assert!(faulty_out.stderr.len() > 1_000 && table_out.stderr.len() > 1_000, "trace logging was on");
    assert_clean("the faulty scan's JSON", &String::from_utf8_lossy(&faulty_out.stdout), &planted);
    assert_clean("the faulty scan's log", &String::from_utf8_lossy(&faulty_out.stderr), &planted);
    assert_clean("the faulty scan's table", &String::from_utf8_lossy(&table_out.stdout), &planted);
    assert_clean("the faulty table scan's log", &String::from_utf8_lossy(&table_out.stderr), &planted);
    assert!(
        String::from_utf8_lossy(&table_out.stdout).contains("lambda.no-secrets-in-env"),
        "the table lists the findings"
    );
}

/// How many functions the pacing test creates: enough that each paced bucket sees several
/// seconds' worth of requests at the configured rates.
const PACED_FUNCTIONS: usize = 16;

#[tokio::test]
async fn each_api_is_paced_below_its_configured_rate() {
    let m = moto().await;
    let iam = aws_sdk_iam::Client::new(&m.sdk);
    iam.create_role()
        .role_name("zt-paced")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("create role");
    let lambda = aws_sdk_lambda::Client::new(&m.sdk);
    for i in 0..PACED_FUNCTIONS {
        lambda
            .create_function()
            .function_name(format!("zt-paced-{i:02}"))
            .runtime(aws_sdk_lambda::types::Runtime::Python313)
            .handler("app.handler")
            .role(ztscan_tests::seed::iam_role_arn("zt-paced"))
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06paced".to_vec()))
                    .build(),
            )
            .send()
            .await
            .expect("create function");
    }
    // Lambda's reads share one bucket ("lambda"); GetPolicy has its own.
    const SHARED: usize = 6;
    const GET_POLICY: usize = 4;
    let config = scratch_dir().join("paced-config.json");
    std::fs::write(
        &config,
        format!(r#"{{"api_rate_limits": {{"lambda": {SHARED}, "lambda:GetPolicy": {GET_POLICY}}}}}"#),
    )
    .expect("write config");
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::none()).expect("start the fault layer");
    let out = scan(&proxy.endpoint(), &config, "json", Some("lambda"));
    assert!(matches!(out.status.code(), Some(0 | 1)), "the scan ran: {}", tail(&out.stderr));
    assert!(verdicts(&out).len() > PACED_FUNCTIONS, "findings for every function");

    let mut buckets: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for r in proxy.records() {
        let Some(operation) = r.api.strip_prefix("lambda:") else { continue };
        let bucket = if operation.ends_with("/policy") { "lambda:GetPolicy" } else { "lambda" };
        buckets.entry(bucket).or_default().push(r.at);
    }
    for (bucket, limit) in [("lambda", SHARED), ("lambda:GetPolicy", GET_POLICY)] {
        let times = buckets.get(bucket).cloned().unwrap_or_default();
        // Enough requests that the window check means something (several seconds' worth).
        assert!(times.len() >= 3 * limit, "{bucket}: only {} requests", times.len());
        let busiest = max_in_window(&times, Duration::from_secs(1));
        eprintln!("{bucket}: {} requests, at most {busiest} in any second (limit {limit})", times.len());
        // One more than the limit is allowed for transit: the pacer spaces the requests exactly
        // 1/limit apart when they leave, and a request that took longer to reach the layer than
        // the next one can arrive a few milliseconds inside the previous window.
        assert!(busiest <= limit + 1, "{bucket}: {busiest} requests within one second, limit {limit}");
    }
}

/// The findings queue's `maxReceiveCount` in this test (the template uses 5; fewer keeps the
/// test short, the behaviour is the same).
const MAX_RECEIVES: usize = 3;

/// Lambda's SQS event source mapping, with redelivery: receive up to 10 messages (visible again
/// one second after a failed delivery), invoke `publish-findings`, delete what it processed,
/// and go on until the queue stays empty. A failed invocation fails its whole batch. Returns
/// how many failed deliveries each message id had.
async fn deliver_until_empty(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    publisher: &Emulator,
) -> HashMap<String, usize> {
    let mut failures: HashMap<String, usize> = HashMap::new();
    let event_file = scratch_dir().join("fault-suite-sqs-event.json");
    let mut empty_rounds = 0;
    for _ in 0..120 {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(1)
            .send()
            .await
            .expect("receive from the findings queue");
        if out.messages().is_empty() {
            empty_rounds += 1;
            if empty_rounds == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1_200)).await;
            continue;
        }
        empty_rounds = 0;
        let records: Vec<serde_json::Value> = out
            .messages()
            .iter()
            .map(|m| {
                sqs_record(
                    m.message_id().unwrap_or_default(),
                    m.receipt_handle().unwrap_or_default(),
                    m.body().unwrap_or_default(),
                    m.md5_of_body().unwrap_or_default(),
                    queue_arn,
                )
            })
            .collect();
        write_sqs_event(&event_file, records);
        let failed: BTreeSet<String> = match publisher.invoke("publish-findings", &event_file) {
            Ok(response) => response["batchItemFailures"]
                .as_array()
                .map(|a| a.iter().filter_map(|f| f["itemIdentifier"].as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            Err(_) => out.messages().iter().filter_map(|m| m.message_id().map(str::to_string)).collect(),
        };
        for m in out.messages() {
            let id = m.message_id().unwrap_or_default().to_string();
            if failed.contains(&id) {
                *failures.entry(id).or_default() += 1;
            } else {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete a delivered message");
            }
        }
    }
    failures
}

/// The messages on `queue_url` (message id, body), received and deleted.
async fn take_all(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let page = sqs.receive_message().queue_url(queue_url).max_number_of_messages(10).send().await.expect("receive");
        if page.messages().is_empty() {
            return out;
        }
        for m in page.messages() {
            out.push((m.message_id().unwrap_or_default().to_string(), m.body().unwrap_or_default().to_string()));
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
}

/// (rule, resource) of every finding in the findings-queue message bodies.
fn queued_findings(bodies: &[(String, String)]) -> BTreeSet<(String, String)> {
    bodies
        .iter()
        .filter_map(|(_, body)| serde_json::from_str::<ztscan::pipeline::QueueMessage>(body).ok())
        .flat_map(|m| match m {
            ztscan::pipeline::QueueMessage::Findings { findings, .. } => findings,
            ztscan::pipeline::QueueMessage::ScanComplete(_) => Vec::new(),
        })
        .map(|f| (f.rule_id.clone(), f.resource.uid().to_string()))
        .collect()
}

/// Invoke an audit as Lambda invokes it asynchronously: a failed invocation is retried twice.
fn invoke_with_lambda_retries(emulator: &Emulator, name: &str) -> serde_json::Value {
    let mut errors = Vec::new();
    for _ in 0..3 {
        match emulator.invoke(name, &root().join("events/scheduled.json")) {
            Ok(response) => return response,
            Err(e) => errors.push(e),
        }
    }
    panic!("{name} failed three times: {errors:?}\n{}", emulator.function_log(name));
}

#[tokio::test]
async fn the_pipeline_under_faults_delivers_every_finding_once_and_dead_letters_only_after_retries() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    // The findings queue's dead-letter queue, as in template.yaml.
    let dlq_url = sqs
        .create_queue()
        .queue_name("ztscan-findings-dlq")
        .send()
        .await
        .expect("create dlq")
        .queue_url()
        .unwrap_or_default()
        .to_string();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("dlq arn")
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("dlq arn attribute");
    let redrive = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES}).to_string();
    sqs.set_queue_attributes()
        .queue_url(&p.findings_queue_url)
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .expect("redrive policy");

    // SQS, Security Hub and SNS behind the fault layer; the S3 reads are left alone, so the
    // audit's findings do not depend on the seed.
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::all(SEED, 0.2).only(&["sqs", "securityhub", "sns"]))
        .expect("start the fault layer");
    let endpoint = proxy.endpoint();
    let env = p.function_env(&endpoint);
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    // 1. A scheduled scan, delivered through faults.
    let response = invoke_with_lambda_retries(&audit, "s3-audit");
    let scanned = response["findings"].as_u64().expect("finding count") as usize;
    let failures = deliver_until_empty(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher).await;
    let dead = take_all(&sqs, &dlq_url).await;
    let hub = security_hub_findings(&m.sdk).await;
    let summary = proxy.summary();
    eprintln!(
        "pipeline under faults: {scanned} findings, {} in Security Hub, {} messages redelivered, {} dead-lettered; {summary}",
        hub.len(),
        failures.len(),
        dead.len()
    );
    assert!(summary.total_faults() > 0, "the fault layer injected faults");
    for (id, _) in &dead {
        assert!(
            failures.get(id).copied().unwrap_or(0) >= MAX_RECEIVES,
            "message {id} was dead-lettered before its retries"
        );
    }
    let ids: BTreeSet<&str> = hub.iter().filter_map(|f| f.id()).collect();
    assert_eq!(ids.len(), hub.len(), "no finding is in Security Hub twice");
    let in_hub: BTreeSet<(String, String)> = hub
        .iter()
        .map(|f| {
            let resource = f.resources().first().and_then(|r| r.id()).unwrap_or_default();
            (f.generator_id().unwrap_or_default().to_string(), resource.to_string())
        })
        .collect();
    let dead_lettered = queued_findings(&dead);
    assert_eq!(
        in_hub.union(&dead_lettered).count(),
        scanned,
        "every finding reached Security Hub or waits in the dead-letter queue; none was lost"
    );

    // 2. Alerts: every HIGH or CRITICAL failure in Security Hub was listed in an alert.
    let alerted: BTreeSet<(String, String)> = drain_inbox(&m.sdk, &p.inbox_queue_url)
        .await
        .iter()
        .filter_map(|a| serde_json::from_str::<serde_json::Value>(a["Message"].as_str()?).ok())
        .flat_map(|body| body["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["resource"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let must_alert: Vec<(String, String)> = hub
        .iter()
        .filter(|f| f.compliance().and_then(|c| c.status()).map(|s| s.as_str()) == Some("FAILED"))
        .filter(|f| {
            // The provider's severity (`FindingProviderFields`), else the top-level one.
            let label = f
                .finding_provider_fields()
                .and_then(|p| p.severity())
                .and_then(|s| s.label())
                .or_else(|| f.severity().and_then(|s| s.label()));
            matches!(label.map(|l| l.as_str()), Some("HIGH" | "CRITICAL"))
        })
        .map(|f| {
            let resource = f.resources().first().and_then(|r| r.id()).unwrap_or_default();
            (f.generator_id().unwrap_or_default().to_string(), resource.to_string())
        })
        .collect();
    assert!(!must_alert.is_empty(), "the demo buckets have HIGH or CRITICAL failures");
    let missing: Vec<_> = must_alert.iter().filter(|k| !alerted.contains(*k)).collect();
    assert!(missing.is_empty(), "failures never alerted: {missing:?}");

    // 3. Security Hub refuses everything: the next scan's messages are dead-lettered, each only
    //    after MAX_RECEIVES failed deliveries, and Security Hub keeps what it had.
    proxy.set_plan(FaultPlan {
        kinds: vec![FaultKind::ServerError],
        ..FaultPlan::all(SEED, 1.0).only(&["securityhub"])
    });
    invoke_with_lambda_retries(&audit, "s3-audit");
    let failures = deliver_until_empty(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher).await;
    let dead = take_all(&sqs, &dlq_url).await;
    assert!(!dead.is_empty(), "undeliverable messages reach the dead-letter queue");
    for (id, _) in &dead {
        assert_eq!(
            failures.get(id).copied(),
            Some(MAX_RECEIVES),
            "message {id}: dead-lettered after exactly its retries"
        );
    }
    assert_eq!(queued_findings(&dead).len(), scanned, "the whole scan waits in the dead-letter queue");
    assert_eq!(security_hub_findings(&m.sdk).await.len(), hub.len(), "Security Hub is unchanged");
}
