//! Seeding SNS, SQS and EventBridge on the local AWS through the Rust SDK: one resource per
//! misconfiguration and compliant ones. Every name starts with `zt-`. The pipeline's own
//! queue and topic may exist too; callers must expect extra resources.

use aws_sdk_sqs::types::QueueAttributeName;

use crate::ACCOUNT;

/// A KMS key by alias: moto accepts one it has never seen.
pub const TOPIC_KEY: &str = "alias/zt-topics";
pub const QUEUE_KEY: &str = "alias/zt-queues";

/// Encrypted, own-account policy that denies plain HTTP, one https subscription.
pub const TOPIC_GOOD: &str = "zt-topic-good";
/// Not encrypted; a policy that lets everyone publish and subscribe.
pub const TOPIC_PUBLIC: &str = "zt-topic-public";
/// Encrypted and TLS-only, but with a plain-http subscription.
pub const TOPIC_HTTP: &str = "zt-topic-http";
/// SSE-KMS, own-account policy.
pub const QUEUE_GOOD: &str = "zt-queue-good";
/// No server-side encryption at all, no policy.
pub const QUEUE_PLAIN: &str = "zt-queue-plain";
/// SSE-SQS, but a policy that lets everyone send and receive.
pub const QUEUE_PUBLIC: &str = "zt-queue-public";
/// A bus that lets only the own account put events.
pub const BUS_GOOD: &str = "zt-bus-good";
/// A bus that lets everyone put events.
pub const BUS_PUBLIC: &str = "zt-bus-public";

/// The http endpoint of `zt-topic-http`; its query stands in for a token and must never be
/// reported.
pub const HTTP_ENDPOINT: &str = "http://hooks.example.com/ingest?token=zt-not-a-real-token";

/// What `seed_messaging` created.
#[derive(Debug, Clone)]
pub struct MessagingSeed {
    /// Topic name → ARN.
    pub topics: Vec<(String, String)>,
    /// Queue name → URL.
    pub queues: Vec<(String, String)>,
    /// Bus name → ARN.
    pub buses: Vec<(String, String)>,
}

impl MessagingSeed {
    fn find<'a>(list: &'a [(String, String)], name: &str) -> &'a str {
        list.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }
    pub fn topic_arn(&self, name: &str) -> &str {
        Self::find(&self.topics, name)
    }
    pub fn queue_url(&self, name: &str) -> &str {
        Self::find(&self.queues, name)
    }
    pub fn bus_arn(&self, name: &str) -> &str {
        Self::find(&self.buses, name)
    }
}

/// A topic policy: the owner may publish and subscribe; with `tls`, plain-HTTP publishing is
/// denied to everyone; with `public`, everyone may publish and subscribe.
pub fn topic_policy(arn: &str, tls: bool, public: bool) -> String {
    let mut statements = vec![format!(
        r#"{{"Sid":"Owner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":["sns:Publish","sns:Subscribe"],"Resource":"{arn}"}}"#
    )];
    if tls {
        statements.push(format!(
            r#"{{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"{arn}","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#
        ));
    }
    if public {
        statements.push(format!(
            r#"{{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":["sns:Publish","sns:Subscribe"],"Resource":"{arn}"}}"#
        ));
    }
    format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","))
}

/// A queue policy granting `sqs:SendMessage` and `sqs:ReceiveMessage` to `principal` (JSON).
pub fn queue_policy(arn: &str, principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Use","Effect":"Allow","Principal":{principal},"Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"{arn}"}}]}}"#
    )
}

async fn topic(sns: &aws_sdk_sns::Client, name: &str, key: Option<&str>) -> String {
    let mut req = sns.create_topic().name(name);
    if let Some(key) = key {
        req = req.attributes("KmsMasterKeyId", key);
    }
    req.send().await.unwrap_or_else(|e| panic!("topic {name}: {e:?}")).topic_arn().unwrap_or_default().to_string()
}

async fn set_topic_policy(sns: &aws_sdk_sns::Client, arn: &str, policy: String) {
    sns.set_topic_attributes()
        .topic_arn(arn)
        .attribute_name("Policy")
        .attribute_value(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("policy of {arn}: {e:?}"));
}

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str, attrs: &[(QueueAttributeName, &str)]) -> (String, String) {
    let mut req = sqs.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), *v);
    }
    let url =
        req.send().await.unwrap_or_else(|e| panic!("queue {name}: {e:?}")).queue_url().unwrap_or_default().to_string();
    let arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}");
    (url, arn)
}

async fn set_queue_policy(sqs: &aws_sdk_sqs::Client, url: &str, policy: String) {
    sqs.set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("policy of {url}: {e:?}"));
}

async fn bus(events: &aws_sdk_eventbridge::Client, name: &str, principal: &str) -> String {
    let arn = events
        .create_event_bus()
        .name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("bus {name}: {e:?}"))
        .event_bus_arn()
        .unwrap_or_default()
        .to_string();
    events
        .put_permission()
        .event_bus_name(name)
        .action("events:PutEvents")
        .principal(principal)
        .statement_id("put-events")
        .send()
        .await
        .unwrap_or_else(|e| panic!("permission on {name}: {e:?}"));
    arn
}

/// The demo account's topics, queues and buses (see the constants).
pub async fn seed_messaging(sdk: &aws_config::SdkConfig) -> MessagingSeed {
    let sns = &aws_sdk_sns::Client::new(sdk);
    let sqs = &aws_sdk_sqs::Client::new(sdk);
    let events = &aws_sdk_eventbridge::Client::new(sdk);

    let good = topic(sns, TOPIC_GOOD, Some(TOPIC_KEY)).await;
    set_topic_policy(sns, &good, topic_policy(&good, true, false)).await;
    sns.subscribe()
        .topic_arn(&good)
        .protocol("https")
        .endpoint("https://hooks.example.com/ingest")
        .send()
        .await
        .unwrap_or_else(|e| panic!("https subscription: {e:?}"));
    let public = topic(sns, TOPIC_PUBLIC, None).await;
    set_topic_policy(sns, &public, topic_policy(&public, false, true)).await;
    let http = topic(sns, TOPIC_HTTP, Some(TOPIC_KEY)).await;
    set_topic_policy(sns, &http, topic_policy(&http, true, false)).await;
    sns.subscribe()
        .topic_arn(&http)
        .protocol("http")
        .endpoint(HTTP_ENDPOINT)
        .send()
        .await
        .unwrap_or_else(|e| panic!("http subscription: {e:?}"));

    let (good_q, good_q_arn) = queue(sqs, QUEUE_GOOD, &[(QueueAttributeName::KmsMasterKeyId, QUEUE_KEY)]).await;
    set_queue_policy(sqs, &good_q, queue_policy(&good_q_arn, &format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#)))
        .await;
    let (plain_q, _) = queue(sqs, QUEUE_PLAIN, &[(QueueAttributeName::SqsManagedSseEnabled, "false")]).await;
    let (public_q, public_q_arn) =
        queue(sqs, QUEUE_PUBLIC, &[(QueueAttributeName::SqsManagedSseEnabled, "true")]).await;
    set_queue_policy(sqs, &public_q, queue_policy(&public_q_arn, r#""*""#)).await;

    let good_bus = bus(events, BUS_GOOD, ACCOUNT).await;
    let public_bus = bus(events, BUS_PUBLIC, "*").await;

    MessagingSeed {
        topics: vec![(TOPIC_GOOD.into(), good), (TOPIC_PUBLIC.into(), public), (TOPIC_HTTP.into(), http)],
        queues: vec![(QUEUE_GOOD.into(), good_q), (QUEUE_PLAIN.into(), plain_q), (QUEUE_PUBLIC.into(), public_q)],
        buses: vec![(BUS_GOOD.into(), good_bus), (BUS_PUBLIC.into(), public_bus)],
    }
}
