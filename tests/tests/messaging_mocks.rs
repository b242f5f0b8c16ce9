//! The messaging collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: every listing over several pages (`ListTopics`, `ListSubscriptions`,
//! `ListQueues`, `ListEventBuses`), AccessDenied on every listing (all rules UNKNOWN, no archive
//! sweep) and on one listing (only that service UNKNOWN and left out of the sweep), AccessDenied
//! on one aspect (one topic's attributes, the subscription listing), a queue policy that is not
//! JSON, and change events for a topic that is gone and a bus that cannot be read.

use aws_sdk_eventbridge::operation::describe_event_bus::DescribeEventBusError;
use aws_sdk_eventbridge::operation::list_event_buses::{ListEventBusesError, ListEventBusesOutput};
use aws_sdk_eventbridge::types::EventBus as SdkBus;
use aws_sdk_sns::error::ErrorMetadata;
use aws_sdk_sns::operation::get_topic_attributes::{GetTopicAttributesError, GetTopicAttributesOutput};
use aws_sdk_sns::operation::list_subscriptions::{ListSubscriptionsError, ListSubscriptionsOutput};
use aws_sdk_sns::operation::list_topics::{ListTopicsError, ListTopicsOutput};
use aws_sdk_sns::types::{Subscription, Topic};
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput;
use aws_sdk_sqs::operation::list_queues::{ListQueuesError, ListQueuesOutput};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_smithy_mocks::{mock, Rule};
use ztscan::audit::messaging as messaging_audit;
use ztscan::audit::messaging::collector::MessagingCollector;
use ztscan::events::ChangedResource;
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_eventbridge, mock_sns, mock_sqs, ACCOUNT};

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn topic_arn(name: &str) -> String {
    format!("arn:aws:sns:us-east-1:{ACCOUNT}:{name}")
}

fn queue_url(name: &str) -> String {
    format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{name}")
}

fn denied(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

fn find<'a>(findings: &'a [Finding], rule: &str, id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource.id == id)
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"))
}

/// Empty answers for every listing, and an encrypted topic / queue for every read.
fn empty_topics() -> Rule {
    mock!(aws_sdk_sns::Client::list_topics).then_output(|| ListTopicsOutput::builder().build())
}
fn empty_subscriptions() -> Rule {
    mock!(aws_sdk_sns::Client::list_subscriptions).then_output(|| ListSubscriptionsOutput::builder().build())
}
fn encrypted_topic() -> Rule {
    mock!(aws_sdk_sns::Client::get_topic_attributes)
        .then_output(|| GetTopicAttributesOutput::builder().attributes("KmsMasterKeyId", "alias/aws/sns").build())
}
fn empty_queues() -> Rule {
    mock!(aws_sdk_sqs::Client::list_queues).then_output(|| ListQueuesOutput::builder().build())
}
fn encrypted_queue() -> Rule {
    mock!(aws_sdk_sqs::Client::get_queue_attributes).then_output(|| {
        GetQueueAttributesOutput::builder().attributes(QueueAttributeName::SqsManagedSseEnabled, "true").build()
    })
}
fn empty_buses() -> Rule {
    mock!(aws_sdk_eventbridge::Client::list_event_buses).then_output(|| ListEventBusesOutput::builder().build())
}

fn collector(sns: &[&Rule], sqs: &[&Rule], events: &[&Rule], config: &ScanConfig) -> MessagingCollector {
    MessagingCollector::from_clients(mock_sns(sns), mock_sqs(sqs), mock_eventbridge(events), config)
}

#[tokio::test]
async fn every_listing_follows_its_next_tokens() {
    let topics1 =
        mock!(aws_sdk_sns::Client::list_topics).match_requests(|r| r.next_token().is_none()).then_output(|| {
            ListTopicsOutput::builder()
                .topics(Topic::builder().topic_arn(topic_arn("t1")).build())
                .topics(Topic::builder().topic_arn(topic_arn("t2")).build())
                .next_token("n2")
                .build()
        });
    let topics2 =
        mock!(aws_sdk_sns::Client::list_topics).match_requests(|r| r.next_token() == Some("n2")).then_output(|| {
            ListTopicsOutput::builder().topics(Topic::builder().topic_arn(topic_arn("t3")).build()).build()
        });
    let sub = |topic: &str, n: u32, protocol: &str| {
        Subscription::builder()
            .topic_arn(topic_arn(topic))
            .subscription_arn(format!("{}:{n}", topic_arn(topic)))
            .protocol(protocol)
            .endpoint(format!("{protocol}://hooks.example.com/{n}?token=x"))
            .build()
    };
    let subs1 =
        mock!(aws_sdk_sns::Client::list_subscriptions).match_requests(|r| r.next_token().is_none()).then_output(
            move || ListSubscriptionsOutput::builder().subscriptions(sub("t1", 1, "https")).next_token("s2").build(),
        );
    let subs2 = mock!(aws_sdk_sns::Client::list_subscriptions)
        .match_requests(|r| r.next_token() == Some("s2"))
        .then_output(move || {
            ListSubscriptionsOutput::builder()
                .subscriptions(sub("t1", 2, "http"))
                .subscriptions(sub("t3", 3, "https"))
                .build()
        });
    let attrs = encrypted_topic();
    let queues1 = mock!(aws_sdk_sqs::Client::list_queues)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(2))
        .then_output(|| {
            ListQueuesOutput::builder().queue_urls(queue_url("q1")).queue_urls(queue_url("q2")).next_token("q").build()
        });
    let queues2 = mock!(aws_sdk_sqs::Client::list_queues)
        .match_requests(|r| r.next_token() == Some("q"))
        .then_output(|| ListQueuesOutput::builder().queue_urls(queue_url("q3")).build());
    let qattrs = encrypted_queue();
    let bus =
        |n: &str| SdkBus::builder().name(n).arn(format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{n}")).build();
    let buses1 = mock!(aws_sdk_eventbridge::Client::list_event_buses)
        .match_requests(|r| r.next_token().is_none() && r.limit() == Some(2))
        .then_output(move || {
            ListEventBusesOutput::builder().event_buses(bus("default")).event_buses(bus("b1")).next_token("b").build()
        });
    let buses2 = mock!(aws_sdk_eventbridge::Client::list_event_buses)
        .match_requests(|r| r.next_token() == Some("b"))
        .then_output(move || ListEventBusesOutput::builder().event_buses(bus("b2")).build());

    let config = ScanConfig { page_size: Some(2), concurrency: 2, ..ScanConfig::default() };
    let c = collector(
        &[&topics1, &topics2, &subs1, &subs2, &attrs],
        &[&queues1, &queues2, &qattrs],
        &[&buses1, &buses2],
        &config,
    );
    let inv = c.collect_all(ACCOUNT).await;

    let topics = inv.topics.expect("topics listed");
    assert_eq!(topics.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["t1", "t2", "t3"]);
    assert_eq!(attrs.num_calls(), 3, "one GetTopicAttributes per topic");
    assert_eq!((subs1.num_calls(), subs2.num_calls()), (1, 1), "one subscription listing for the region");
    let t1 = topics[0].subscriptions.as_ref().expect("subscriptions");
    assert_eq!(t1.iter().map(|s| s.protocol.as_str()).collect::<Vec<_>>(), ["https", "http"]);
    assert_eq!(topics[1].subscriptions, Ok(vec![]));
    let queues = inv.queues.expect("queues listed");
    assert_eq!(queues.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(), ["q1", "q2", "q3"]);
    assert_eq!(qattrs.num_calls(), 3);
    let buses = inv.buses.expect("buses listed");
    assert_eq!(buses.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["b1", "b2", "default"]);
    assert_eq!((buses1.num_calls(), buses2.num_calls()), (1, 1));

    let report = messaging_audit::report_full(
        &ztscan::resources::messaging::MessagingInventory { topics: Ok(topics), queues: Ok(queues), buses: Ok(buses) },
        &ctx(),
    );
    let http = find(&report.findings, "sns.no-http-subscriptions", "t1");
    assert_eq!(http.status, Status::Fail);
    assert!(http.reason.contains("http://hooks.example.com") && !http.reason.contains("token"), "{}", http.reason);
}

#[tokio::test]
async fn access_denied_on_every_listing_is_unknown_without_an_archive_sweep() {
    let topics = mock!(aws_sdk_sns::Client::list_topics).then_error(|| {
        ListTopicsError::generic(denied("AuthorizationError", "not authorized to perform sns:ListTopics"))
    });
    let queues = mock!(aws_sdk_sqs::Client::list_queues).then_error(|| {
        ListQueuesError::generic(
            aws_sdk_sqs::error::ErrorMetadata::builder().code("AccessDenied").message("no").build(),
        )
    });
    let buses = mock!(aws_sdk_eventbridge::Client::list_event_buses).then_error(|| {
        ListEventBusesError::generic(
            aws_sdk_eventbridge::error::ErrorMetadata::builder().code("AccessDeniedException").message("no").build(),
        )
    });
    let subs = empty_subscriptions();
    let c = collector(&[&topics, &subs], &[&queues], &[&buses], &ScanConfig::default());
    let report = messaging_audit::scan_all(&c, &ctx()).await;
    assert!(report.summary.is_none(), "incomplete listings must not archive anything");
    assert_eq!(report.findings.len(), messaging_audit::rule_ids().len());
    for f in &report.findings {
        assert_eq!(f.status, Status::Unknown, "{}", f.rule_id);
        assert_eq!(f.resource.resource_type, "AwsAccount");
        assert!(f.reason.contains("access denied on"), "{}", f.reason);
    }
    assert!(find(&report.findings, "sns.topic-encrypted", ACCOUNT).reason.contains("sns:ListTopics"));
    assert!(find(&report.findings, "sqs.queue-encrypted", ACCOUNT).reason.contains("sqs:ListQueues"));
    assert!(find(&report.findings, "events.bus-not-public", ACCOUNT).reason.contains("events:ListEventBuses"));
}

#[tokio::test]
async fn one_denied_listing_leaves_only_that_service_out_of_the_sweep() {
    let topics = mock!(aws_sdk_sns::Client::list_topics)
        .then_error(|| ListTopicsError::generic(denied("AuthorizationError", "not authorized")));
    let subs = empty_subscriptions();
    let queues = mock!(aws_sdk_sqs::Client::list_queues)
        .then_output(|| ListQueuesOutput::builder().queue_urls(queue_url("q1")).build());
    let qattrs = encrypted_queue();
    let buses = empty_buses();
    let c = collector(&[&topics, &subs], &[&queues, &qattrs], &[&buses], &ScanConfig::default());
    let report = messaging_audit::scan_all(&c, &ctx()).await;
    let summary = report.summary.expect("SQS and EventBridge were listed");
    assert!(summary.rule_ids.iter().all(|r| !r.starts_with("sns.")), "{:?}", summary.rule_ids);
    assert!(summary.rule_ids.contains(&"sqs.queue-encrypted".to_string()));
    assert!(summary.rule_ids.contains(&"events.bus-not-public".to_string()));
    assert_eq!(find(&report.findings, "sqs.queue-encrypted", "q1").status, Status::Pass);
    assert_eq!(find(&report.findings, "sns.topic-not-public", ACCOUNT).status, Status::Unknown);
}

#[tokio::test]
async fn a_denied_aspect_is_unknown_only_where_it_is_needed() {
    let topics = mock!(aws_sdk_sns::Client::list_topics).then_output(|| {
        ListTopicsOutput::builder()
            .topics(Topic::builder().topic_arn(topic_arn("open")).build())
            .topics(Topic::builder().topic_arn(topic_arn("locked")).build())
            .build()
    });
    let locked = mock!(aws_sdk_sns::Client::get_topic_attributes)
        .match_requests(|r| r.topic_arn().is_some_and(|a| a.ends_with(":locked")))
        .then_error(|| {
            GetTopicAttributesError::generic(denied(
                "AuthorizationError",
                "not authorized to perform sns:GetTopicAttributes",
            ))
        });
    let attrs = encrypted_topic();
    let subs = mock!(aws_sdk_sns::Client::list_subscriptions)
        .then_error(|| ListSubscriptionsError::generic(denied("AuthorizationError", "not authorized")));
    let queues = mock!(aws_sdk_sqs::Client::list_queues)
        .then_output(|| ListQueuesOutput::builder().queue_urls(queue_url("garbled")).build());
    let garbled = mock!(aws_sdk_sqs::Client::get_queue_attributes).then_output(|| {
        GetQueueAttributesOutput::builder()
            .attributes(QueueAttributeName::Policy, "{this is not json")
            .attributes(QueueAttributeName::KmsMasterKeyId, "alias/aws/sqs")
            .build()
    });
    let buses = empty_buses();
    let c = collector(&[&topics, &locked, &attrs, &subs], &[&queues, &garbled], &[&buses], &ScanConfig::default());
    let report = messaging_audit::scan_all(&c, &ctx()).await;
    assert!(report.summary.is_some(), "every listing succeeded");

    // The locked topic: its attribute rules are UNKNOWN naming the action; the open one passes.
    for rule in ["sns.topic-encrypted", "sns.topic-not-public", "sns.topic-requires-tls"] {
        let f = find(&report.findings, rule, "locked");
        assert_eq!(f.status, Status::Unknown, "{rule}");
        assert!(f.reason.contains("access denied on sns:GetTopicAttributes"), "{rule}: {}", f.reason);
    }
    assert_eq!(find(&report.findings, "sns.topic-encrypted", "open").status, Status::Pass);
    // The subscription listing was denied: only the http rule is UNKNOWN, on every topic.
    for topic in ["open", "locked"] {
        let f = find(&report.findings, "sns.no-http-subscriptions", topic);
        assert_eq!(f.status, Status::Unknown);
        assert!(f.reason.contains("sns:ListSubscriptions"), "{}", f.reason);
    }
    // The queue policy is not JSON: the exposure rule is UNKNOWN naming the queue; encryption
    // is still judged.
    let f = find(&report.findings, "sqs.queue-not-public", "garbled");
    assert_eq!(f.status, Status::Unknown);
    assert!(f.reason.contains("malformed") && f.reason.contains("policy of queue garbled"), "{}", f.reason);
    assert_eq!(find(&report.findings, "sqs.queue-encrypted", "garbled").status, Status::Pass);
}

#[tokio::test]
async fn change_events_for_a_gone_topic_and_an_unreadable_bus() {
    let gone = mock!(aws_sdk_sns::Client::get_topic_attributes)
        .then_error(|| GetTopicAttributesError::generic(denied("NotFound", "Topic does not exist")));
    let bus = mock!(aws_sdk_eventbridge::Client::describe_event_bus).then_error(|| {
        DescribeEventBusError::generic(
            aws_sdk_eventbridge::error::ErrorMetadata::builder().code("AccessDeniedException").message("no").build(),
        )
    });
    let (t, s, q, b) = (empty_topics(), empty_subscriptions(), empty_queues(), empty_buses());
    let c = collector(&[&gone, &t, &s], &[&q], &[&bus, &b], &ScanConfig::default());
    let event = ChangedResource::fixture;
    let report =
        messaging_audit::scan_changed(&c, &event(messaging_audit::TOPIC_TYPE, &topic_arn("old")), &ctx()).await;
    assert_eq!(report.findings.len(), 4);
    assert!(report.findings.iter().all(|f| f.status == Status::NotApplicable && f.resource.id == "old"));

    let report = messaging_audit::scan_changed(&c, &event(messaging_audit::BUS_TYPE, "partner"), &ctx()).await;
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.status, Status::Unknown);
    assert!(
        f.reason.contains("could not read the event bus: access denied on events:DescribeEventBus"),
        "{}",
        f.reason
    );
    assert_eq!(
        f.resource.arn.as_deref(),
        Some(format!("arn:aws:events:us-east-1:{ACCOUNT}:event-bus/partner").as_str())
    );
}
