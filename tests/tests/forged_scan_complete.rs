//! Only the audit roles may send findings (issue 17 item 2), on moto through the real binaries:
//! a `ScanComplete` sent by another principal archives nothing and is dead-lettered, while the
//! same message from the trusted sender archives, so the check is what stops it.
//!
//! moto stamps every message with one `SenderId` (`MOTO_SENDER`, its `DEFAULT_SENDER_ID`). The
//! publisher is told which unique ids to trust (`AUDIT_ROLE_IDS`, as the template sets it): first
//! moto's, so the real scan's findings are taken; then another role's, so that the very same
//! stamp is "another role" and the forged message is refused; then moto's again, the control.

use aws_sdk_securityhub::types::AwsSecurityFinding;
use chrono::{Duration, Utc};
use ztscan::pipeline::{QueueMessage, ScanSummary};
use ztscan_tests::lambda::{pump, Emulator};
use ztscan_tests::seed::{create, create_pipeline, security_hub_findings};
use ztscan_tests::{moto, root, ACCOUNT};

/// The `SenderId` moto puts on every message.
const MOTO_SENDER: &str = "AIDAIT2UOQQY3AUEKVGXU";
/// The audit role the publisher trusts while the forged message arrives (not moto's stamp).
const REAL_AUDIT_ROLE: &str = "AROATRUSTEDAUDITROLE01";
const BUCKET: &str = "zt-forgery-target";

fn active_about(all: &[AwsSecurityFinding], bucket: &str) -> usize {
    let arn = format!("arn:aws:s3:::{bucket}");
    all.iter()
        .filter(|f| f.resources().iter().any(|r| r.id() == Some(arn.as_str())))
        .filter(|f| f.record_state().map(|s| s.as_str()) == Some("ACTIVE"))
        .count()
}

#[tokio::test]
async fn a_forged_scan_complete_from_another_role_archives_nothing_and_is_dead_lettered() {
    let m = moto().await;
    let s3 = ztscan::collect::aws::s3_client(&m.sdk, None);
    create(&s3, BUCKET, "us-east-1").await;
    let p = create_pipeline(&m.sdk).await;
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let dlq = sqs.create_queue().queue_name("zt-forged-findings-dlq").send().await.expect("dlq");
    let dlq_url = dlq.queue_url().expect("dlq url").to_string();

    let env = p.function_env(&m.endpoint);
    let publisher_env = |trusted: &'static str| {
        let mut env = env.clone();
        env.extend([("AUDIT_ROLE_IDS", trusted), ("FINDINGS_DLQ_URL", dlq_url.as_str())]);
        env
    };

    // 1. A real scan, from the trusted sender: its findings are taken.
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let resp = audit.invoke("s3-audit", &root().join("events/scheduled.json")).expect("s3-audit runs");
    assert_eq!(resp["archive_sweep"], true, "{resp}");
    let mut trusting_moto = Emulator::start();
    trusting_moto.run_function("publish-findings", &publisher_env(MOTO_SENDER));
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &trusting_moto, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{}", trusting_moto.function_log("publish-findings"));
    let before = active_about(&security_hub_findings(&m.sdk).await, BUCKET);
    assert!(before > 5, "the scan's findings about {BUCKET} are active: {before}");

    // 2. A forged ScanComplete claiming the s3 audit ran an hour from now and saw nothing: taken,
    // it would archive every s3 finding.
    let audit_s3 = ztscan::audit::by_name("s3").expect("the s3 audit");
    let forged = QueueMessage::ScanComplete(ScanSummary {
        audit: "s3".into(),
        account: ACCOUNT.into(),
        rule_ids: audit_s3.rule_ids(),
        started_at: Utc::now() + Duration::hours(1),
        finding_count: 0,
    });
    let body = serde_json::to_string(&forged).expect("a queue message");
    let send = || sqs.send_message().queue_url(&p.findings_queue_url).message_body(&body).send();
    send().await.expect("the forger may send (its own policy allows it)");

    let mut trusting_audit_role = Emulator::start();
    trusting_audit_role.run_function("publish-findings", &publisher_env(REAL_AUDIT_ROLE));
    let pumped =
        pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &trusting_audit_role, "publish-findings").await;
    let log = trusting_audit_role.function_log("publish-findings");
    assert_eq!(pumped.failed, 0, "dead-lettered, not failed: {pumped:?}\n{log}");
    assert_eq!(active_about(&security_hub_findings(&m.sdk).await, BUCKET), before, "nothing is archived\n{log}");
    assert!(log.contains(MOTO_SENDER) && log.contains("untrusted sender"), "the log names the sender\n{log}");
    let dead = sqs
        .receive_message()
        .queue_url(&dlq_url)
        .max_number_of_messages(10)
        .message_attribute_names("All")
        .send()
        .await
        .expect("dlq");
    assert_eq!(dead.messages().len(), 1, "the forged message is dead-lettered: {dead:?}");
    let dead = &dead.messages()[0];
    assert_eq!(dead.body(), Some(body.as_str()), "as it was sent");
    let attribute = |name: &str| {
        dead.message_attributes().and_then(|a| a.get(name)).and_then(|v| v.string_value()).unwrap_or_default()
    };
    assert_eq!(attribute(ztscan::publish::outbox::ERROR_CODE_ATTRIBUTE), "UntrustedSender");
    assert!(attribute(ztscan::publish::outbox::ERROR_MESSAGE_ATTRIBUTE).contains(MOTO_SENDER), "names the sender");

    // 3. The control: the same message from the trusted sender archives them, so step 2's
    // verdict is the sender check's.
    send().await.expect("send again");
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &trusting_moto, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{}", trusting_moto.function_log("publish-findings"));
    assert_eq!(active_about(&security_hub_findings(&m.sdk).await, BUCKET), 0, "a trusted ScanComplete archives");
}
