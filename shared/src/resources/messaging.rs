//! Plain structs describing the messaging services as the collector saw them: SNS topics (with
//! their policy, encryption key and subscriptions), SQS queues (policy and server-side
//! encryption) and EventBridge event buses (policy). Rules read only these; SDK types never
//! leave `collect/`. Message bodies are never read.

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::policy::PolicyDocument;

/// One SNS subscription as `ListSubscriptions` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnsSubscription {
    /// The subscription ARN, or `PendingConfirmation` / `Deleted` for one not confirmed.
    pub arn: String,
    /// The protocol, lower-case (`http`, `https`, `sqs`, `lambda`, `email`, ...).
    pub protocol: String,
    /// Where an `http`/`https` subscription delivers to: scheme, host and port only. Path,
    /// query and user info are dropped on collection (they may carry tokens).
    pub endpoint_origin: Option<String>,
}

/// Everything the SNS rules need about one topic (`ListTopics`, `GetTopicAttributes`,
/// `ListSubscriptions`).
#[derive(Debug, Clone, PartialEq)]
pub struct SnsTopic {
    pub arn: String,
    /// The topic name (the last part of its ARN).
    pub name: String,
    pub region: String,
    /// The topic's access policy; `None` when it has none.
    pub policy: Collected<Option<PolicyDocument>>,
    /// `KmsMasterKeyId`: the KMS key for encryption at rest; `None` when not encrypted.
    pub kms_master_key_id: Collected<Option<String>>,
    /// The topic's subscriptions.
    pub subscriptions: Collected<Vec<SnsSubscription>>,
}

/// Everything the SQS rules need about one queue (`ListQueues`, `GetQueueAttributes`).
#[derive(Debug, Clone, PartialEq)]
pub struct SqsQueue {
    pub url: String,
    /// `QueueArn` (built from the URL when the attributes could not be read).
    pub arn: String,
    pub name: String,
    pub region: String,
    /// The queue's access policy; `None` when it has none.
    pub policy: Collected<Option<PolicyDocument>>,
    /// The server-side encryption in force.
    pub encryption: Collected<QueueEncryption>,
}

/// How an SQS queue is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueEncryption {
    /// Neither SSE-SQS nor SSE-KMS.
    None,
    /// SSE-SQS (`SqsManagedSseEnabled=true`).
    SqsManaged,
    /// SSE-KMS with this key (`KmsMasterKeyId`).
    Kms(String),
}

/// Everything the EventBridge rule needs about one event bus (`ListEventBuses` or
/// `DescribeEventBus`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventBus {
    pub name: String,
    pub arn: String,
    pub region: String,
    /// The bus's resource policy; `None` when it has none.
    pub policy: Collected<Option<PolicyDocument>>,
}

/// What the messaging collector returns for a full scan: one listing per service, each of
/// which may fail on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagingInventory {
    pub topics: Collected<Vec<SnsTopic>>,
    pub queues: Collected<Vec<SqsQueue>>,
    pub buses: Collected<Vec<EventBus>>,
}

/// An error value for tests: AccessDenied on `action`.
pub fn denied(action: &str) -> CollectError {
    CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDenied: not authorised")
}

/// A policy document for fixtures; `None` when `json` does not parse.
fn doc(json: &str) -> Option<PolicyDocument> {
    PolicyDocument::parse(json).ok()
}

impl SnsTopic {
    /// A topic that passes every SNS rule: a customer-managed key, a policy that grants only
    /// the own account and denies plain HTTP, and one `https` subscription.
    pub fn fixture(name: &str) -> Self {
        let arn = format!("arn:aws:sns:us-east-1:123456789012:{name}");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Sid":"Owner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":["sns:Publish","sns:Subscribe"],"Resource":"{arn}"}},
                {{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"{arn}","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
        );
        Self {
            name: name.to_string(),
            region: "us-east-1".into(),
            policy: Ok(doc(&policy)),
            kms_master_key_id: Ok(Some("alias/topics".into())),
            subscriptions: Ok(vec![SnsSubscription {
                arn: format!("{arn}:0f1e2d3c-0000-4000-8000-000000000001"),
                protocol: "https".into(),
                endpoint_origin: Some("https://hooks.example.com".into()),
            }]),
            arn,
        }
    }
}

impl SqsQueue {
    /// A queue that passes every SQS rule: SSE-KMS and a policy granting only the own account.
    pub fn fixture(name: &str) -> Self {
        let arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Owner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"sqs:SendMessage","Resource":"{arn}"}}]}}"#
        );
        Self {
            url: format!("https://sqs.us-east-1.amazonaws.com/123456789012/{name}"),
            name: name.to_string(),
            region: "us-east-1".into(),
            policy: Ok(doc(&policy)),
            encryption: Ok(QueueEncryption::Kms("alias/queues".into())),
            arn,
        }
    }
}

impl EventBus {
    /// A bus that passes the EventBridge rule: a policy granting only the own account.
    pub fn fixture(name: &str) -> Self {
        let arn = format!("arn:aws:events:us-east-1:123456789012:event-bus/{name}");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Owner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"events:PutEvents","Resource":"{arn}"}}]}}"#
        );
        Self { name: name.to_string(), region: "us-east-1".into(), policy: Ok(doc(&policy)), arn }
    }
}

pub use super::region_of_arn;

/// A queue's name and the region in its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`);
/// the region is `None` for URLs that do not name one (moto, legacy `queue.amazonaws.com`).
pub fn parse_queue_url(url: &str) -> (String, Option<String>) {
    let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string();
    let region = url::Url::parse(url).ok().and_then(|u| {
        let host = u.host_str()?.to_string();
        let mut labels = host.split('.');
        (labels.next() == Some("sqs")).then(|| labels.next().map(str::to_string)).flatten()
    });
    (name, region.filter(|r| r.contains('-')))
}

/// The account in a queue URL's path (`/<account>/<name>`).
pub fn account_of_queue_url(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let mut segs = u.path_segments()?;
    let account = segs.next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_string())
}

fn resource_ref(
    resource_type: &str,
    id: &str,
    arn: &str,
    region: &str,
    ctx: &crate::context::ScanContext,
) -> crate::model::ResourceRef {
    let arn = (!arn.is_empty()).then(|| arn.to_string());
    crate::model::ResourceRef::new(resource_type, id, arn, &ctx.account, region)
}

impl crate::collected::Resource for SnsTopic {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        resource_ref("AwsSnsTopic", &self.name, &self.arn, &self.region, ctx)
    }
}

impl crate::collected::Resource for SqsQueue {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        resource_ref("AwsSqsQueue", &self.name, &self.arn, &self.region, ctx)
    }
}

impl crate::collected::Resource for EventBus {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        resource_ref("AwsEventsEventbus", &self.name, &self.arn, &self.region, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse() {
        assert!(matches!(SnsTopic::fixture("t").policy, Ok(Some(_))));
        assert!(matches!(SqsQueue::fixture("q").policy, Ok(Some(_))));
        assert!(matches!(EventBus::fixture("b").policy, Ok(Some(_))));
    }

    #[test]
    fn queue_urls_give_name_region_and_account() {
        let (name, region) = parse_queue_url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders");
        assert_eq!((name.as_str(), region.as_deref()), ("orders", Some("eu-west-1")));
        let (name, region) = parse_queue_url("http://127.0.0.1:5644/123456789012/orders");
        assert_eq!((name.as_str(), region), ("orders", None));
        assert_eq!(
            account_of_queue_url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of_queue_url("not a url"), None);
    }

    #[test]
    fn region_comes_from_the_arn() {
        assert_eq!(region_of_arn("arn:aws:sns:eu-west-1:123456789012:t"), Some("eu-west-1"));
        assert_eq!(region_of_arn("arn:aws:events:us-east-1:123456789012:event-bus/default"), Some("us-east-1"));
        assert_eq!(region_of_arn("t"), None);
    }
}
