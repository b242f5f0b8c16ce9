//! End to end through the real Lambda Runtime API: `s3-audit` and `publish-findings` run as
//! Lambda runtimes under cargo-lambda's emulator, are invoked with `events/*.json`, and the
//! findings travel through SQS into Security Hub and the SNS alert, all on the moto server.

use std::collections::HashSet;

use aws_sdk_securityhub::types::AwsSecurityFinding;
use ztscan_tests::lambda::{pump, Emulator};
use ztscan_tests::seed::{create, create_pipeline, drain_inbox, policy, security_hub_findings, seed_buckets, seed_iam};
use ztscan_tests::{moto, root};

fn find<'a>(all: &'a [AwsSecurityFinding], rule: &str, resource: &str) -> &'a AwsSecurityFinding {
    all.iter()
        .find(|f| f.generator_id() == Some(rule) && f.resources().iter().any(|r| r.id() == Some(resource)))
        .unwrap_or_else(|| panic!("no Security Hub finding for {rule} on {resource}"))
}

fn compliance(f: &AwsSecurityFinding) -> &str {
    f.compliance().and_then(|c| c.status()).map(|s| s.as_str()).unwrap_or("")
}

fn record_state(f: &AwsSecurityFinding) -> &str {
    f.record_state().map(|s| s.as_str()).unwrap_or("")
}

#[tokio::test]
async fn scheduled_scan_to_security_hub_and_alert_then_fix_then_delete() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    let s3 = ztscan::collect::aws::s3_client(&m.sdk, None);
    create(&s3, "demo-public-bucket", "us-east-1").await;
    policy(
        &s3,
        "demo-public-bucket",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::demo-public-bucket/*"}]}"#,
    )
    .await;
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let env = p.function_env(&m.endpoint);

    // One emulator per function: cargo-lambda's --only-lambda-apis serves one runtime.
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    // 1. A scheduled full scan.
    let resp = audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("s3-audit runs");
    assert_eq!(resp["mode"], "full");
    assert_eq!(resp["archive_sweep"], true);
    let scanned = resp["findings"].as_u64().expect("finding count") as usize;
    assert!(scanned > 50, "{resp}");

    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{}", publisher.function_log("publish-findings"));

    let all = security_hub_findings(&m.sdk).await;
    assert_eq!(all.len(), scanned, "one Security Hub finding per rule and resource");
    let ids: HashSet<&str> = all.iter().filter_map(|f| f.id()).collect();
    assert_eq!(ids.len(), all.len(), "finding ids are unique");
    let public = find(&all, "s3.bucket-not-public", "arn:aws:s3:::demo-public-bucket");
    assert_eq!(compliance(public), "FAILED");
    assert_eq!(
        public.product_fields().and_then(|p| p.get("ztscan/RuleId")).map(String::as_str),
        Some("s3.bucket-not-public")
    );
    assert_eq!(compliance(find(&all, "s3.bucket-versioning-enabled", "arn:aws:s3:::zt-good")), "PASSED");

    // 2. One summary alert for the batch's new failures at or above HIGH.
    let alerts = drain_inbox(&m.sdk, &p.inbox_queue_url).await;
    assert!(!alerts.is_empty(), "an alert was published");
    let first = &alerts[0];
    assert_eq!(first["MessageAttributes"]["severity"]["Value"], "CRITICAL", "{first}");
    assert!(first["Subject"].as_str().is_some_and(|s| !s.is_empty() && s.len() <= 100), "{first}");
    let body: serde_json::Value =
        serde_json::from_str(first["Message"].as_str().expect("message")).expect("alert body is JSON");
    assert!(body.to_string().contains("demo-public-bucket"), "{body}");

    // 3. The bucket is fixed; its Config change event re-evaluates only it, and the same finding
    //    flips to PASSED (updated, not duplicated).
    let all_on = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    s3.put_public_access_block()
        .bucket("demo-public-bucket")
        .public_access_block_configuration(all_on)
        .send()
        .await
        .expect("fix");
    let resp = audit.invoke("s3-audit", &root().join("events/config-change-s3-bucket.json")).expect("change event");
    assert_eq!(resp["mode"], "bucket");
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0);
    let all = security_hub_findings(&m.sdk).await;
    assert_eq!(all.len(), scanned, "re-scan updates rather than duplicates");
    assert_eq!(compliance(find(&all, "s3.bucket-not-public", "arn:aws:s3:::demo-public-bucket")), "PASSED");
    assert!(drain_inbox(&m.sdk, &p.inbox_queue_url).await.is_empty(), "a fix raises no alert");

    // 4. A bucket vanishes: the next full scan archives its findings, and only this audit's.
    s3.delete_bucket().bucket("zt-plain").send().await.expect("delete zt-plain");
    let resp = audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("second scan");
    assert_eq!(resp["mode"], "full");
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0);
    let all = security_hub_findings(&m.sdk).await;
    let gone: Vec<&AwsSecurityFinding> =
        all.iter().filter(|f| f.resources().iter().any(|r| r.id() == Some("arn:aws:s3:::zt-plain"))).collect();
    assert!(!gone.is_empty());
    assert!(gone.iter().all(|f| record_state(f) == "ARCHIVED"), "findings of a deleted bucket are archived");
    assert_eq!(record_state(find(&all, "s3.bucket-not-public", "arn:aws:s3:::zt-public-policy")), "ACTIVE");
    assert!(drain_inbox(&m.sdk, &p.inbox_queue_url).await.is_empty(), "repeated failures raise no new alert");

    // 5. A Config "deleted" event archives that bucket's findings at once.
    s3.delete_bucket_policy().bucket("demo-public-bucket").send().await.expect("policy");
    s3.delete_bucket().bucket("demo-public-bucket").send().await.expect("delete demo bucket");
    let resp =
        audit.invoke("s3-audit", &root().join("events/config-change-s3-bucket-deleted.json")).expect("deleted event");
    assert_eq!(resp["mode"], "deleted");
    pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    let all = security_hub_findings(&m.sdk).await;
    let f = find(&all, "s3.bucket-not-public", "arn:aws:s3:::demo-public-bucket");
    assert_eq!(record_state(f), "ARCHIVED");
}

#[tokio::test]
async fn malformed_event_is_a_clear_error_not_a_crash() {
    let m = moto().await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let bad = ztscan_tests::lambda::scratch_dir().join("bad-event.json");
    std::fs::write(&bad, r#"{"source": "aws.s3", "detail-type": "Object Created", "detail": {}}"#).expect("write");
    let err = audit.invoke("s3-audit", &bad).expect_err("an unsupported event fails");
    assert!(err.contains("Object Created"), "{err}");
    // The runtime is still alive and serves the next event.
    let resp = audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("still serving");
    assert_eq!(resp["mode"], "full");
}

#[tokio::test]
async fn iam_audit_through_the_pipeline_scoped_archive_and_change_events() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    seed_iam(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let iam = aws_sdk_iam::Client::new(&m.sdk);
    let env = p.function_env(&m.endpoint);
    let mut s3_audit = Emulator::start();
    s3_audit.run_function("s3-audit", &env);
    let mut iam_audit = Emulator::start();
    iam_audit.run_function("iam-audit", &env);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);

    // 1. Both audits run a full scan; IAM findings land beside the S3 ones.
    let s3_resp = s3_audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("s3-audit runs");
    let resp = iam_audit.invoke("iam-audit", &root().join("events/scheduled.json")).expect("iam-audit runs");
    assert_eq!(resp["mode"], "full", "{resp}\n{}", iam_audit.function_log("iam-audit"));
    assert_eq!(resp["archive_sweep"], true);
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{}", publisher.function_log("publish-findings"));
    let all = security_hub_findings(&m.sdk).await;
    let total = s3_resp["findings"].as_u64().unwrap_or(0) + resp["findings"].as_u64().unwrap_or(0);
    assert_eq!(all.len() as u64, total, "one Security Hub finding per rule and resource");
    let everyone = "arn:aws:iam::123456789012:role/zt-trust-everyone";
    assert_eq!(compliance(find(&all, "iam.trust-policy-restricts-principals", everyone)), "FAILED");
    assert_eq!(
        compliance(find(&all, "iam.no-privilege-escalation", "arn:aws:iam::123456789012:role/zt-deployer")),
        "FAILED",
        "escalation written in mixed case is caught"
    );
    assert_eq!(
        compliance(find(&all, "iam.no-service-wildcard-actions", "arn:aws:iam::123456789012:policy/zt-s3-wildcard")),
        "FAILED"
    );
    let alerts = drain_inbox(&m.sdk, &p.inbox_queue_url).await;
    assert!(alerts.iter().any(|a| a.to_string().contains("zt-trust-everyone")), "the IAM failures are alerted");

    // 2. The trust policy is fixed; the role's Config change event re-evaluates only it.
    let fixed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    iam.update_assume_role_policy().role_name("zt-trust-everyone").policy_document(fixed).send().await.expect("fix");
    let resp = iam_audit.invoke("iam-audit", &root().join("events/config-change-iam-role.json")).expect("change");
    assert_eq!(resp["mode"], "resource", "{resp}");
    assert_eq!(resp["archive_sweep"], false);
    pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    let all = security_hub_findings(&m.sdk).await;
    assert_eq!(all.len() as u64, total, "a change event updates rather than duplicates");
    assert_eq!(compliance(find(&all, "iam.trust-policy-restricts-principals", everyone)), "PASSED");

    // 3. A role is deleted; its Config "deleted" event archives that role's findings at once.
    iam.delete_role().role_name("zt-trust-foreign").send().await.expect("delete role");
    let resp = iam_audit
        .invoke("iam-audit", &root().join("events/config-change-iam-role-deleted.json"))
        .expect("deleted event");
    assert_eq!(resp["mode"], "deleted");
    pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    let all = security_hub_findings(&m.sdk).await;
    let foreign = "arn:aws:iam::123456789012:role/zt-trust-foreign";
    assert_eq!(record_state(find(&all, "iam.trust-policy-restricts-principals", foreign)), "ARCHIVED");

    // 4. Another full IAM scan archives only IAM findings of vanished resources, never S3's
    //    (NOT_APPLICABLE S3 findings are archived from the start; no S3 state may change).
    let s3_states = |all: &[AwsSecurityFinding]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = all
            .iter()
            .filter(|f| f.generator_id().is_some_and(|g| g.starts_with("s3.")))
            .map(|f| (f.id().unwrap_or_default().to_string(), record_state(f).to_string()))
            .collect();
        v.sort();
        v
    };
    let before = s3_states(&all);
    let resp = iam_audit.invoke("iam-audit", &root().join("events/scheduled.json")).expect("second iam scan");
    assert_eq!(resp["archive_sweep"], true);
    pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    let all = security_hub_findings(&m.sdk).await;
    assert!(before.iter().any(|(_, state)| state == "ACTIVE"));
    assert_eq!(s3_states(&all), before, "an IAM scan never archives S3 findings");
    assert_eq!(record_state(find(&all, "iam.trust-policy-restricts-principals", foreign)), "ARCHIVED");
    assert_eq!(record_state(find(&all, "iam.trust-policy-restricts-principals", everyone)), "ACTIVE");
}

/// An account where Security Hub is not enabled. moto accepts imports there anyway (its
/// `BatchImportFindings` never checks `EnableSecurityHub`), so Security Hub is reached through
/// `ztscan_tests::not_enabled`, which answers imports as the real service does (every finding in
/// `FailedFindings` with `InvalidAccess`) and forwards the rest to moto. What moto shows: the
/// findings reach the dead-letter queue at once (no redelivery, no retried import), with the
/// account, region and code, and the SNS alert names that Security Hub could not take them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_security_hub_dead_letters_its_findings_at_once_and_says_so() {
    let m = moto().await;
    seed_buckets(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let dlq_url = sqs
        .create_queue()
        .queue_name("ztscan-findings-dlq")
        .send()
        .await
        .expect("create the DLQ")
        .queue_url()
        .unwrap_or_default()
        .to_string();
    let hub = ztscan_tests::not_enabled::NotEnabled::start(&m.endpoint).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("FINDINGS_DLQ_URL", dlq_url.as_str()));
    let mut publisher_env = env.clone();
    publisher_env.push(("AWS_ENDPOINT_URL_SECURITYHUB", hub.endpoint.as_str()));

    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &publisher_env);

    let resp = audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("s3-audit runs");
    let scanned = resp["findings"].as_u64().expect("finding count") as usize;
    assert!(scanned > 50, "{resp}");
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    let log = publisher.function_log("publish-findings");

    // Nothing is left for the queue to redeliver, and each finding was offered exactly once.
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{log}");
    assert_eq!(hub.refused(), scanned, "each finding is imported once, never retried\n{log}");
    assert!(security_hub_findings(&m.sdk).await.is_empty());
    assert!(log.contains("InvalidAccess"), "one log line says why\n{log}");

    // Every finding is in the dead-letter queue, as a findings message, with the cause.
    let mut dead_lettered = 0;
    loop {
        let out = sqs
            .receive_message()
            .queue_url(&dlq_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive from the DLQ");
        if out.messages().is_empty() {
            break;
        }
        for message in out.messages() {
            let attribute = |name: &str| {
                message.message_attributes().and_then(|a| a.get(name)).and_then(|v| v.string_value()).unwrap_or("")
            };
            assert_eq!(attribute("ztscan.error_code"), "InvalidAccess");
            assert_eq!(attribute("ztscan.account"), ztscan_tests::ACCOUNT);
            assert_eq!(attribute("ztscan.region"), "us-east-1");
            let body =
                ztscan::pipeline::QueueMessage::parse(message.body().unwrap_or_default()).expect("findings body");
            let ztscan::pipeline::QueueMessage::Findings { findings, .. } = body else { panic!("not findings") };
            dead_lettered += findings.len();
            sqs.delete_message()
                .queue_url(&dlq_url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    assert_eq!(dead_lettered, scanned);

    // The alert says Security Hub could not take them; no regression is alerted (nothing was
    // imported).
    let alerts = drain_inbox(&m.sdk, &p.inbox_queue_url).await;
    assert!(!alerts.is_empty(), "an alert was published\n{log}");
    for alert in &alerts {
        let subject = alert["Subject"].as_str().unwrap_or_default();
        assert!(
            subject.starts_with("ztscan: Security Hub could not take") && subject.ends_with("(InvalidAccess)"),
            "{subject}"
        );
    }
}
