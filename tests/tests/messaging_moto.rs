//! The messaging collector and audit against the moto server: SNS topics, SQS queues and
//! EventBridge buses seeded through the Rust SDK (`seed::messaging`) with and without
//! encryption, public and own-account policies, a TLS-only topic policy, an http and an https
//! subscription; collected with the real collector and judged by the real rules. The last test
//! runs the `messaging-audit` binary on the Lambda Runtime API emulator and reads its findings
//! off the findings queue.
//!
//! The pipeline's own queues and topic (and moto's `default` bus) are scanned too, so tests
//! look up the seeded resources by name and never count the whole inventory.
//!
//! moto facts used here (moto 5.1): subscriptions are confirmed at once (no request to the
//! endpoint); a queue is SSE-SQS unless created with `SqsManagedSseEnabled=false`;
//! `ListEventBuses` returns each bus's `Policy`, as AWS does; KMS key ids are stored as given.

use ztscan::audit::messaging as messaging_audit;
use ztscan::audit::messaging::collector::MessagingCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::messaging::QueueEncryption;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::messaging::*;
use ztscan_tests::seed::{create_pipeline, drain_findings_queue};
use ztscan_tests::{moto, root, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn status_of(findings: &[Finding], rule: &str, id: &str) -> (Status, String) {
    let f = findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == id)
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"));
    (f.status, f.reason.clone())
}

#[tokio::test]
async fn the_collector_reads_the_seeded_topics_queues_and_buses() {
    let m = moto().await;
    let seed = seed_messaging(&m.sdk).await;
    let inv = MessagingCollector::new(&m.sdk, &ScanConfig::default()).collect_all(ACCOUNT).await;

    let topics = inv.topics.expect("the topic listing succeeds");
    let topic = |n: &str| topics.iter().find(|t| t.name == n).unwrap_or_else(|| panic!("{n} not collected"));
    let good = topic(TOPIC_GOOD);
    assert_eq!(good.arn, seed.topic_arn(TOPIC_GOOD));
    assert_eq!(good.region, "us-east-1");
    assert_eq!(good.kms_master_key_id, Ok(Some(TOPIC_KEY.to_string())));
    assert!(matches!(good.policy, Ok(Some(_))));
    let subs = good.subscriptions.as_ref().expect("subscriptions");
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].protocol.as_str(), subs[0].endpoint_origin.as_deref()),
        ("https", Some("https://hooks.example.com"))
    );
    assert_eq!(topic(TOPIC_PUBLIC).kms_master_key_id, Ok(None));
    let http = topic(TOPIC_HTTP).subscriptions.as_ref().expect("subscriptions");
    assert_eq!(http[0].protocol, "http");
    assert_eq!(http[0].endpoint_origin.as_deref(), Some("http://hooks.example.com"), "no path or token kept");

    let queues = inv.queues.expect("the queue listing succeeds");
    let queue = |n: &str| queues.iter().find(|q| q.name == n).unwrap_or_else(|| panic!("{n} not collected"));
    assert_eq!(queue(QUEUE_GOOD).url, seed.queue_url(QUEUE_GOOD));
    assert_eq!(queue(QUEUE_GOOD).arn, format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{QUEUE_GOOD}"));
    assert_eq!(queue(QUEUE_GOOD).encryption, Ok(QueueEncryption::Kms(QUEUE_KEY.into())));
    assert_eq!(queue(QUEUE_PLAIN).encryption, Ok(QueueEncryption::None));
    assert_eq!(queue(QUEUE_PLAIN).policy, Ok(None));
    assert_eq!(queue(QUEUE_PUBLIC).encryption, Ok(QueueEncryption::SqsManaged));

    let buses = inv.buses.expect("the bus listing succeeds");
    let bus = |n: &str| buses.iter().find(|b| b.name == n).unwrap_or_else(|| panic!("{n} not collected"));
    assert!(buses.iter().any(|b| b.name == "default"), "the default bus is scanned");
    assert_eq!(bus(BUS_PUBLIC).arn, seed.bus_arn(BUS_PUBLIC));
    assert!(matches!(bus(BUS_PUBLIC).policy, Ok(Some(_))));
}

#[tokio::test]
async fn a_full_scan_finds_each_misconfiguration_and_passes_the_good_resources() {
    let m = moto().await;
    seed_messaging(&m.sdk).await;
    let collector = MessagingCollector::new(&m.sdk, &ScanConfig::default());
    let report = messaging_audit::scan_all(&collector, &ctx()).await;
    let summary = report.summary.expect("complete listings ask for an archive sweep");
    assert_eq!(summary.rule_ids, messaging_audit::rule_ids());
    assert!(report.findings.iter().all(|f| f.status != Status::Unknown), "{:?}", report.findings);

    for rule in messaging_audit::rule_ids().iter().filter(|r| r.starts_with("sns.")) {
        let (status, reason) = status_of(&report.findings, rule, TOPIC_GOOD);
        assert_eq!(status, Status::Pass, "{TOPIC_GOOD} {rule}: {reason}");
    }
    for rule in messaging_audit::rule_ids().iter().filter(|r| r.starts_with("sqs.")) {
        let (status, reason) = status_of(&report.findings, rule, QUEUE_GOOD);
        assert_eq!(status, Status::Pass, "{QUEUE_GOOD} {rule}: {reason}");
    }
    let expect = [
        (
            TOPIC_PUBLIC,
            "sns.topic-not-public",
            Status::Fail,
            "statement Everyone allows sns:Publish, sns:Subscribe to everyone",
        ),
        (TOPIC_PUBLIC, "sns.topic-encrypted", Status::Fail, "no KmsMasterKeyId"),
        (TOPIC_PUBLIC, "sns.topic-requires-tls", Status::Fail, "no policy statement denies"),
        (TOPIC_PUBLIC, "sns.no-http-subscriptions", Status::NotApplicable, "no subscriptions"),
        (TOPIC_HTTP, "sns.no-http-subscriptions", Status::Fail, "to http://hooks.example.com"),
        (TOPIC_HTTP, "sns.topic-requires-tls", Status::Pass, "DenyInsecureTransport"),
        (TOPIC_HTTP, "sns.topic-not-public", Status::Pass, "no topic policy statement"),
        (QUEUE_PLAIN, "sqs.queue-encrypted", Status::Fail, "neither SSE-SQS nor SSE-KMS"),
        (QUEUE_PLAIN, "sqs.queue-not-public", Status::Pass, "no access policy"),
        (
            QUEUE_PUBLIC,
            "sqs.queue-not-public",
            Status::Fail,
            "statement Use allows sqs:SendMessage, sqs:ReceiveMessage to everyone",
        ),
        (QUEUE_PUBLIC, "sqs.queue-encrypted", Status::Pass, "SSE-SQS"),
        (BUS_PUBLIC, "events.bus-not-public", Status::Fail, "statement put-events allows events:PutEvents to everyone"),
        (BUS_GOOD, "events.bus-not-public", Status::Pass, "no event bus policy statement"),
        ("default", "events.bus-not-public", Status::Pass, "no resource policy"),
    ];
    for (name, rule, want, needle) in expect {
        let (status, reason) = status_of(&report.findings, rule, name);
        assert_eq!(status, want, "{name} {rule}: {reason}");
        assert!(reason.contains(needle), "{name} {rule}: {reason}");
    }
    let text = serde_json::to_string(&report.findings).expect("findings serialise");
    assert!(!text.contains("zt-not-a-real-token") && !text.contains("/ingest"), "an endpoint path or token leaked");
    let public = report
        .findings
        .iter()
        .find(|f| f.rule_id == "events.bus-not-public" && f.resource.id == BUS_PUBLIC)
        .expect("bus finding");
    assert_eq!(public.resource.resource_type, "AwsEventsEventbus");
}

#[tokio::test]
async fn change_events_rescan_one_resource_and_deleted_ones_are_not_applicable() {
    let m = moto().await;
    let seed = seed_messaging(&m.sdk).await;
    let collector = MessagingCollector::new(&m.sdk, &ScanConfig::default());
    let ctx = ctx();
    let full = messaging_audit::scan_all(&collector, &ctx).await;
    let changed = |ty: &str, id: &str, name: &str| ChangedResource {
        resource_name: Some(name.into()),
        ..ChangedResource::fixture(ty, id)
    };
    let ids_of = |fs: &[Finding], name: &str| -> Vec<String> {
        let mut v: Vec<String> = fs.iter().filter(|f| f.resource.id == name).map(Finding::id).collect();
        v.sort();
        v
    };

    // The public topic's policy is fixed; the change event re-reads only that topic.
    let sns = aws_sdk_sns::Client::new(&m.sdk);
    let topic_arn = seed.topic_arn(TOPIC_PUBLIC);
    sns.set_topic_attributes()
        .topic_arn(topic_arn)
        .attribute_name("Policy")
        .attribute_value(topic_policy(topic_arn, true, false))
        .send()
        .await
        .expect("fix the topic policy");
    let topic_event = changed(messaging_audit::TOPIC_TYPE, topic_arn, TOPIC_PUBLIC);
    let report = messaging_audit::scan_changed(&collector, &topic_event, &ctx).await;
    assert!(report.summary.is_none());
    assert_eq!(report.findings.len(), 4);
    assert!(report.findings.iter().all(|f| f.resource.id == TOPIC_PUBLIC));
    assert_eq!(status_of(&report.findings, "sns.topic-not-public", TOPIC_PUBLIC).0, Status::Pass);
    assert_eq!(status_of(&report.findings, "sns.topic-requires-tls", TOPIC_PUBLIC).0, Status::Pass);
    assert_eq!(ids_of(&report.findings, TOPIC_PUBLIC), ids_of(&full.findings, TOPIC_PUBLIC), "same finding ids");

    // One queue, by URL (what Config gives), then deleted.
    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let queue_event = changed(messaging_audit::QUEUE_TYPE, seed.queue_url(QUEUE_PLAIN), QUEUE_PLAIN);
    let report = messaging_audit::scan_changed(&collector, &queue_event, &ctx).await;
    assert_eq!(status_of(&report.findings, "sqs.queue-encrypted", QUEUE_PLAIN).0, Status::Fail);
    assert_eq!(ids_of(&report.findings, QUEUE_PLAIN), ids_of(&full.findings, QUEUE_PLAIN), "same finding ids");
    sqs.delete_queue().queue_url(seed.queue_url(QUEUE_PLAIN)).send().await.expect("delete queue");
    let report = messaging_audit::scan_changed(&collector, &queue_event, &ctx).await;
    assert_eq!(report.findings.len(), 2);
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    assert_eq!(ids_of(&report.findings, QUEUE_PLAIN), ids_of(&full.findings, QUEUE_PLAIN));

    // One bus, by name, then deleted.
    let events = aws_sdk_eventbridge::Client::new(&m.sdk);
    let bus_event = changed(messaging_audit::BUS_TYPE, BUS_PUBLIC, BUS_PUBLIC);
    let report = messaging_audit::scan_changed(&collector, &bus_event, &ctx).await;
    assert_eq!(status_of(&report.findings, "events.bus-not-public", BUS_PUBLIC).0, Status::Fail);
    assert_eq!(ids_of(&report.findings, BUS_PUBLIC), ids_of(&full.findings, BUS_PUBLIC));
    events.delete_event_bus().name(BUS_PUBLIC).send().await.expect("delete bus");
    let report = messaging_audit::scan_changed(&collector, &bus_event, &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    assert_eq!(ids_of(&report.findings, BUS_PUBLIC), ids_of(&full.findings, BUS_PUBLIC));

    // A deleted topic.
    sns.delete_topic().topic_arn(topic_arn).send().await.expect("delete topic");
    let report = messaging_audit::scan_changed(&collector, &topic_event, &ctx).await;
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", report.findings);
    assert_eq!(report.findings.len(), 4);

    // A full scan no longer lists them.
    let again = messaging_audit::scan_all(&collector, &ctx).await;
    assert!(again.findings.iter().all(|f| ![QUEUE_PLAIN, BUS_PUBLIC, TOPIC_PUBLIC].contains(&f.resource.id.as_str())));
}

#[tokio::test]
async fn the_messaging_audit_binary_queues_findings_for_a_scheduled_scan() {
    let m = moto().await;
    seed_messaging(&m.sdk).await;
    let p = create_pipeline(&m.sdk).await;
    let env = p.function_env(&m.endpoint);
    let mut audit = Emulator::start();
    audit.run_function("messaging-audit", &env);
    let resp = audit
        .invoke("messaging-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("messaging-audit")));
    assert_eq!(resp["mode"], "full", "{resp}");
    assert_eq!(resp["archive_sweep"], true);
    assert_eq!(resp["unknown"], 0, "{resp}");

    let queued = drain_findings_queue(&m.sdk, &p.findings_queue_url, "messaging").await;
    let (findings, sweeps) = (queued.findings, queued.sweeps);
    assert_eq!(resp["findings"], findings.len(), "{resp}");
    assert_eq!(sweeps.len(), 1);
    assert_eq!(sweeps[0].audit, "messaging");
    assert_eq!(status_of(&findings, "sns.topic-not-public", TOPIC_PUBLIC).0, Status::Fail);
    assert_eq!(status_of(&findings, "sns.no-http-subscriptions", TOPIC_HTTP).0, Status::Fail);
    assert_eq!(status_of(&findings, "sqs.queue-encrypted", QUEUE_PLAIN).0, Status::Fail);
    assert_eq!(status_of(&findings, "events.bus-not-public", BUS_PUBLIC).0, Status::Fail);
    // The pipeline's own resources are scanned too.
    assert!(findings.iter().any(|f| f.resource.id == "ztscan-findings"));
    assert!(findings.iter().any(|f| f.resource.id == "ztscan-alerts"));
}
