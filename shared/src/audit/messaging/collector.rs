//! The messaging collector: SNS topics, SQS queues and EventBridge event buses.
//!
//! A full scan makes three independent listings, each paginated: SNS `ListTopics` with one
//! `GetTopicAttributes` per topic (policy, KMS key) and one `ListSubscriptions` listing for the
//! whole region, grouped by topic (one paginated call instead of one per topic); SQS
//! `ListQueues` with one `GetQueueAttributes` per queue; EventBridge `ListEventBuses`, whose
//! entries already carry each bus's policy. Per-resource reads run with bounded concurrency
//! (`ScanConfig::concurrency`). A Config change event re-reads one resource:
//! `GetTopicAttributes` + `ListSubscriptionsByTopic`, `GetQueueAttributes`, or
//! `DescribeEventBus`. Nothing reads, receives or sends a message.
//!
//! A failed listing is kept as that service's `CollectError` in the inventory (its rules
//! UNKNOWN, no archive sweep for them); a failed or unparsable read is kept on its resource
//! (only the rules that need it UNKNOWN).

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use futures_util::stream::{self, StreamExt};

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::messaging::{
    parse_queue_url, region_of_arn, EventBus, MessagingInventory, QueueEncryption, SnsSubscription, SnsTopic, SqsQueue,
};
use crate::scan_config::ScanConfig;

/// Every IAM action this collector calls, as data. The messaging-audit role must grant
/// exactly these (checked by `tests/tests/template_permissions.rs`).
pub const IAM_ACTIONS: &[&str] = &[
    "sns:ListTopics",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptions",
    "sns:ListSubscriptionsByTopic",
    "sqs:ListQueues",
    "sqs:GetQueueAttributes",
    "events:ListEventBuses",
    "events:DescribeEventBus",
];

const LIST_TOPICS: &str = "sns:ListTopics";
const GET_TOPIC: &str = "sns:GetTopicAttributes";
const LIST_SUBS: &str = "sns:ListSubscriptions";
const LIST_SUBS_BY_TOPIC: &str = "sns:ListSubscriptionsByTopic";
const LIST_QUEUES: &str = "sqs:ListQueues";
const GET_QUEUE: &str = "sqs:GetQueueAttributes";
const LIST_BUSES: &str = "events:ListEventBuses";
const DESCRIBE_BUS: &str = "events:DescribeEventBus";

/// `ListQueues` accepts at most 1000 results per page, `ListEventBuses` 100.
const MAX_QUEUE_PAGE: i32 = 1000;
const MAX_BUS_PAGE: i32 = 100;

/// Error codes that mean "this resource no longer exists".
const GONE_CODES: &[&str] = &[
    "NotFound",
    "NotFoundException",
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];

/// Reads SNS, SQS and EventBridge configuration for one account and region.
#[derive(Clone)]
pub struct MessagingCollector {
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    events: aws_sdk_eventbridge::Client,
    concurrency: usize,
    page_size: Option<i32>,
}

/// Parse a resource policy as the messaging APIs return it (plain JSON). `what` names the
/// resource in the error.
pub fn parse_policy(text: &str, action: &str, what: &str) -> Collected<PolicyDocument> {
    PolicyDocument::parse(text)
        .map_err(|e| CollectError::new(CollectErrorKind::Malformed, action, format!("policy of {what}: {e}")))
}

/// An optional policy attribute: absent or blank means no policy.
fn optional_policy(text: Option<&str>, action: &str, what: &str) -> Collected<Option<PolicyDocument>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => parse_policy(t, action, what).map(Some),
    }
}

/// An `http`/`https` endpoint reduced to its origin (scheme, host, port): paths and queries of
/// webhook URLs often carry tokens, and a finding must never repeat them.
fn endpoint_origin(protocol: &str, endpoint: Option<&str>) -> Option<String> {
    if !matches!(protocol, "http" | "https") {
        return None;
    }
    let url = url::Url::parse(endpoint?).ok()?;
    Some(url.origin().ascii_serialization())
}

fn subscription(arn: Option<&str>, protocol: Option<&str>, endpoint: Option<&str>) -> SnsSubscription {
    let protocol = protocol.unwrap_or_default().to_ascii_lowercase();
    SnsSubscription {
        arn: arn.unwrap_or_default().to_string(),
        endpoint_origin: endpoint_origin(&protocol, endpoint),
        protocol,
    }
}

/// The topic name from its ARN (`arn:aws:sns:<region>:<account>:<name>`).
fn topic_name(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or(arn).to_string()
}

/// The attributes of `GetTopicAttributes` the rules need.
fn topic_from_attributes(
    arn: &str,
    default_region: &str,
    attrs: Collected<&std::collections::HashMap<String, String>>,
    subscriptions: Collected<Vec<SnsSubscription>>,
) -> SnsTopic {
    let name = topic_name(arn);
    let (policy, kms_master_key_id) = match attrs {
        Ok(a) => (
            optional_policy(a.get("Policy").map(String::as_str), GET_TOPIC, &format!("topic {name}")),
            Ok(a.get("KmsMasterKeyId").map(|k| k.trim()).filter(|k| !k.is_empty()).map(str::to_string)),
        ),
        Err(e) => (Err(e.clone()), Err(e)),
    };
    SnsTopic {
        arn: arn.to_string(),
        region: region_of_arn(arn).unwrap_or(default_region).to_string(),
        name,
        policy,
        kms_master_key_id,
        subscriptions,
    }
}

/// A queue from its URL and `GetQueueAttributes` output.
fn queue_from_attributes(
    url: &str,
    account: &str,
    default_region: &str,
    attrs: Collected<&std::collections::HashMap<QueueAttributeName, String>>,
) -> SqsQueue {
    let (name, url_region) = parse_queue_url(url);
    let get = |attrs: &std::collections::HashMap<QueueAttributeName, String>, k: QueueAttributeName| {
        attrs.get(&k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let arn_attr = attrs.as_ref().ok().and_then(|a| get(a, QueueAttributeName::QueueArn));
    let region = arn_attr
        .as_deref()
        .and_then(region_of_arn)
        .map(str::to_string)
        .or(url_region)
        .unwrap_or_else(|| default_region.to_string());
    let arn = arn_attr.unwrap_or_else(|| {
        let account = crate::resources::messaging::account_of_queue_url(url).unwrap_or_else(|| account.to_string());
        format!("arn:{}:sqs:{region}:{account}:{name}", crate::context::partition_for(&region))
    });
    let (policy, encryption) = match attrs {
        Ok(a) => {
            let encryption = match get(a, QueueAttributeName::KmsMasterKeyId) {
                Some(key) => QueueEncryption::Kms(key),
                None if get(a, QueueAttributeName::SqsManagedSseEnabled)
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")) =>
                {
                    QueueEncryption::SqsManaged
                }
                None => QueueEncryption::None,
            };
            (
                optional_policy(
                    a.get(&QueueAttributeName::Policy).map(String::as_str),
                    GET_QUEUE,
                    &format!("queue {name}"),
                ),
                Ok(encryption),
            )
        }
        Err(e) => (Err(e.clone()), Err(e)),
    };
    SqsQueue { url: url.to_string(), arn, name, region, policy, encryption }
}

fn bus(name: Option<&str>, arn: Option<&str>, policy: Option<&str>, default_region: &str) -> EventBus {
    let name = name.unwrap_or_default().to_string();
    let arn = arn.unwrap_or_default().to_string();
    EventBus {
        region: region_of_arn(&arn).unwrap_or(default_region).to_string(),
        policy: optional_policy(policy, LIST_BUSES, &format!("event bus {name}")),
        name,
        arn,
    }
}

impl MessagingCollector {
    /// Build the collector's clients from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_clients(
            aws_sdk_sns::Client::new(sdk),
            aws_sdk_sqs::Client::new(sdk),
            aws_sdk_eventbridge::Client::new(sdk),
            config,
        )
    }

    /// Build from ready clients (tests with `aws-smithy-mocks`).
    pub fn from_clients(
        sns: aws_sdk_sns::Client,
        sqs: aws_sdk_sqs::Client,
        events: aws_sdk_eventbridge::Client,
        config: &ScanConfig,
    ) -> Self {
        Self { sns, sqs, events, concurrency: config.concurrency.max(1), page_size: config.page_size }
    }

    /// The clients' region, for resources whose ARN does not name one.
    fn region(&self) -> String {
        self.sns.config().region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string())
    }

    /// Every topic, queue and bus with what the rules need. Never fails as a whole: a failed
    /// listing is that service's error. `account` fills in queue ARNs that could not be read.
    pub async fn collect_all(&self, account: &str) -> MessagingInventory {
        let (topics, queues, buses) = tokio::join!(self.topics(), self.queues(account), self.buses());
        MessagingInventory { topics, queues, buses }
    }

    // ---- SNS ----

    async fn topics(&self) -> Collected<Vec<SnsTopic>> {
        let pages = all_pages(LIST_TOPICS, None, self.sns.list_topics().into_paginator().send()).await?;
        let arns: Vec<String> =
            pages.iter().flat_map(|p| p.topics()).filter_map(|t| t.topic_arn()).map(str::to_string).collect();
        let subscriptions = self.all_subscriptions().await;
        let region = self.region();
        let mut topics: Vec<SnsTopic> = stream::iter(arns)
            .map(|arn| {
                let subs = match &subscriptions {
                    Ok(by_topic) => Ok(by_topic.get(&arn).cloned().unwrap_or_default()),
                    Err(e) => Err(e.clone()),
                };
                let region = &region;
                async move {
                    let out = required(GET_TOPIC, self.sns.get_topic_attributes().topic_arn(&arn).send().await);
                    let attrs = out.as_ref().map(|o| o.attributes());
                    let empty = std::collections::HashMap::new();
                    let attrs = attrs.map(|a| a.unwrap_or(&empty));
                    topic_from_attributes(&arn, region, attrs.map_err(|e| e.clone()), subs)
                }
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        topics.sort_by(|a, b| a.arn.cmp(&b.arn));
        Ok(topics)
    }

    /// Every subscription of the region, grouped by topic ARN (one paginated listing).
    async fn all_subscriptions(&self) -> Collected<BTreeMap<String, Vec<SnsSubscription>>> {
        let mut by_topic: BTreeMap<String, Vec<SnsSubscription>> = BTreeMap::new();
        let pages = all_pages(LIST_SUBS, None, self.sns.list_subscriptions().into_paginator().send()).await?;
        for s in pages.iter().flat_map(|p| p.subscriptions()) {
            let Some(topic) = s.topic_arn() else { continue };
            by_topic.entry(topic.to_string()).or_default().push(subscription(
                s.subscription_arn(),
                s.protocol(),
                s.endpoint(),
            ));
        }
        Ok(by_topic)
    }

    /// One topic by ARN (a Config change event). `Ok(None)` when it no longer exists.
    pub async fn collect_topic(&self, arn: &str) -> Collected<Option<SnsTopic>> {
        let out = match self.sns.get_topic_attributes().topic_arn(arn).send().await {
            Ok(out) => out,
            Err(err) if is_gone(&err) => return Ok(None),
            Err(err) => return Err(sdk_error(GET_TOPIC, &err)),
        };
        let subs = self.subscriptions_of(arn).await;
        let empty = std::collections::HashMap::new();
        Ok(Some(topic_from_attributes(arn, &self.region(), Ok(out.attributes().unwrap_or(&empty)), subs)))
    }

    async fn subscriptions_of(&self, arn: &str) -> Collected<Vec<SnsSubscription>> {
        let pages = self.sns.list_subscriptions_by_topic().topic_arn(arn).into_paginator().send();
        let pages = all_pages(LIST_SUBS_BY_TOPIC, None, pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.subscriptions())
            .map(|s| subscription(s.subscription_arn(), s.protocol(), s.endpoint()))
            .collect())
    }

    // ---- SQS ----

    async fn queues(&self, account: &str) -> Collected<Vec<SqsQueue>> {
        let page_size = self.page_size.map(|p| p.clamp(1, MAX_QUEUE_PAGE));
        let pages = self.sqs.list_queues().set_max_results(page_size).into_paginator().send();
        let urls: Vec<String> =
            all_pages(LIST_QUEUES, None, pages).await?.iter().flat_map(|p| p.queue_urls()).cloned().collect();
        let region = self.region();
        let mut queues: Vec<SqsQueue> = stream::iter(urls)
            .map(|url| {
                let region = &region;
                async move {
                    match self.queue_attributes(&url).await {
                        Ok(Some(attrs)) => Some(queue_from_attributes(&url, account, region, Ok(&attrs))),
                        // Deleted between the listing and the read: not reported.
                        Ok(None) => None,
                        Err(e) => Some(queue_from_attributes(&url, account, region, Err(e))),
                    }
                }
            })
            .buffer_unordered(self.concurrency)
            .filter_map(std::future::ready)
            .collect()
            .await;
        queues.sort_by(|a, b| a.url.cmp(&b.url));
        Ok(queues)
    }

    async fn queue_attributes(
        &self,
        url: &str,
    ) -> Collected<Option<std::collections::HashMap<QueueAttributeName, String>>> {
        match self.sqs.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::All).send().await {
            Ok(out) => Ok(Some(out.attributes().cloned().unwrap_or_default())),
            Err(err) if is_gone(&err) => Ok(None),
            Err(err) => Err(sdk_error(GET_QUEUE, &err)),
        }
    }

    /// One queue by URL (a Config change event). `Ok(None)` when it no longer exists.
    pub async fn collect_queue(&self, url: &str, account: &str) -> Collected<Option<SqsQueue>> {
        Ok(self
            .queue_attributes(url)
            .await?
            .map(|attrs| queue_from_attributes(url, account, &self.region(), Ok(&attrs))))
    }

    // ---- EventBridge ----

    async fn buses(&self) -> Collected<Vec<EventBus>> {
        let region = self.region();
        let limit = self.page_size.map(|p| p.clamp(1, MAX_BUS_PAGE));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = required(
                LIST_BUSES,
                self.events.list_event_buses().set_limit(limit).set_next_token(token.take()).send().await,
            )?;
            out.extend(page.event_buses().iter().map(|b| bus(b.name(), b.arn(), b.policy(), &region)));
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// One event bus by name or ARN (a Config change event). `Ok(None)` when it no longer
    /// exists.
    pub async fn collect_bus(&self, name: &str) -> Collected<Option<EventBus>> {
        let out = match self.events.describe_event_bus().name(name).send().await {
            Ok(out) => out,
            Err(err) if is_gone(&err) => return Ok(None),
            Err(err) => return Err(sdk_error(DESCRIBE_BUS, &err)),
        };
        let mut b = bus(out.name().or(Some(name)), out.arn(), None, &self.region());
        b.policy = optional_policy(out.policy(), DESCRIBE_BUS, &format!("event bus {}", b.name));
        Ok(Some(b))
    }
}

/// True when the error says the resource does not exist.
fn is_gone(err: &impl aws_sdk_sns::error::ProvideErrorMetadata) -> bool {
    err.code().is_some_and(|c| GONE_CODES.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_that_is_not_json_is_malformed_and_names_the_resource() {
        let e = parse_policy("{not json", GET_TOPIC, "topic alerts").unwrap_err();
        assert_eq!(e.kind, CollectErrorKind::Malformed);
        assert_eq!(e.action, GET_TOPIC);
        assert!(e.message.contains("topic alerts"), "{e}");
    }

    #[test]
    fn http_endpoints_keep_only_their_origin() {
        let s = subscription(
            Some("arn:aws:sns:us-east-1:123456789012:t:1"),
            Some("HTTP"),
            Some("http://user:pw@hooks.example.com:8080/path?token=s3cr3t"),
        );
        assert_eq!(s.protocol, "http");
        assert_eq!(s.endpoint_origin.as_deref(), Some("http://hooks.example.com:8080"));
        let e = subscription(None, Some("email"), Some("ops@example.com"));
        assert_eq!(e.endpoint_origin, None);
    }

    #[test]
    fn queue_encryption_is_read_from_attributes() {
        use std::collections::HashMap;
        let url = "https://sqs.eu-west-1.amazonaws.com/123456789012/q";
        let attrs = |pairs: &[(QueueAttributeName, &str)]| -> HashMap<QueueAttributeName, String> {
            pairs.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
        };
        let q = queue_from_attributes(url, "123456789012", "us-east-1", Ok(&attrs(&[])));
        assert_eq!(q.encryption, Ok(QueueEncryption::None));
        assert_eq!(q.arn, "arn:aws:sqs:eu-west-1:123456789012:q");
        assert_eq!(q.policy, Ok(None));
        let q = queue_from_attributes(
            url,
            "123456789012",
            "us-east-1",
            Ok(&attrs(&[(QueueAttributeName::SqsManagedSseEnabled, "true")])),
        );
        assert_eq!(q.encryption, Ok(QueueEncryption::SqsManaged));
        let q = queue_from_attributes(
            url,
            "123456789012",
            "us-east-1",
            Ok(&attrs(&[(QueueAttributeName::KmsMasterKeyId, "alias/q"), (QueueAttributeName::Policy, "nope")])),
        );
        assert_eq!(q.encryption, Ok(QueueEncryption::Kms("alias/q".into())));
        assert!(matches!(q.policy, Err(ref e) if e.kind == CollectErrorKind::Malformed));
    }

    #[test]
    fn every_action_is_a_read_of_sns_sqs_or_events() {
        for a in IAM_ACTIONS {
            let (svc, op) = a.split_once(':').unwrap_or_default();
            assert!(matches!(svc, "sns" | "sqs" | "events"), "{a}");
            assert!(op.starts_with("List") || op.starts_with("Get") || op.starts_with("Describe"), "{a}");
        }
    }
}
