//! The messaging audit: every `sns.*`, `sqs.*` and `events.*` rule over the topics, queues and
//! event buses of the scanned region. A full scan lists all three services (each listing may
//! fail on its own); a Config change event for `AWS::SNS::Topic`, `AWS::SQS::Queue` or
//! `AWS::Events::EventBus` re-reads only that resource. A resource that is gone gets
//! NOT_APPLICABLE for every rule of its kind, so the publisher archives its findings.
//!
//! The archive scope of a full scan is the rules of the services whose listing succeeded: a
//! failed SNS listing makes the SNS rules UNKNOWN on the account without archiving any topic's
//! findings, while the SQS and EventBridge findings are still swept.
pub mod collector;

use self::collector::{MessagingCollector, IAM_ACTIONS};
use super::{evaluate_listing, ids, rescanned, AuditReport};
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};
use crate::context::ScanContext;
use crate::engine::same_outcome_for_all;
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::messaging::{account_of_queue_url, parse_queue_url, region_of_arn, MessagingInventory};
use crate::rules::events::BUS_RULES;
use crate::rules::sns::TOPIC_RULES;
use crate::rules::sqs::QUEUE_RULES;

/// The SNS, SQS and EventBridge audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "messaging",
    function: "messaging-audit",
    title: "SNS, SQS and EventBridge",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsSnsTopic", config_type: "AWS::SNS::Topic", id: ConfigId::Arn },
            ConfigName { finding_type: "AwsSqsQueue", config_type: "AWS::SQS::Queue", id: ConfigId::SqsQueueUrl },
            ConfigName {
                finding_type: "AwsEventsEventbus",
                config_type: "AWS::Events::EventBus",
                id: ConfigId::ResourceId,
            },
        ],
        api_calls: &[],
        mode: "resource",
    },
    rules: || [metas(TOPIC_RULES), metas(QUEUE_RULES), metas(BUS_RULES)].concat(),
    change_rules: || [metas(TOPIC_RULES), metas(QUEUE_RULES), metas(BUS_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ListMessaging",
            why: "the listings have no resource-level scoping",
            actions: &["sns:ListTopics", "sns:ListSubscriptions", "sqs:ListQueues", "events:ListEventBuses"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadTopics",
            why: "attributes, policies and subscriptions of this account's topics in this region. Never sns:Publish",
            actions: &["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*"),
        },
        ReadGrant {
            sid: "ReadQueues",
            why: "attributes and policies of this account's queues in this region. Never sqs:ReceiveMessage",
            actions: &["sqs:GetQueueAttributes"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*"),
        },
        ReadGrant {
            sid: "ReadEventBuses",
            why: "this account's event buses in this region",
            actions: &["events:DescribeEventBus"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*"),
        },
    ],
    // SNS and SQS are shared with the publisher (`collect::pace::SHARED_RATES`); EventBridge's
    // reads get the 10 per second per operation of every other service.
    api_rates: &[],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(MessagingCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The SNS, SQS and EventBridge audit over its real collector.
struct Runner(MessagingCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

pub const TOPIC_TYPE: &str = "AWS::SNS::Topic";
pub const QUEUE_TYPE: &str = "AWS::SQS::Queue";
pub const BUS_TYPE: &str = "AWS::Events::EventBus";

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &[TOPIC_TYPE, QUEUE_TYPE, BUS_TYPE];

/// Every rule id this audit runs.
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Evaluate a collected inventory (pure). A failed listing makes that service's rules UNKNOWN
/// on the account.
pub fn evaluate(inventory: &MessagingInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut out = evaluate_listing(TOPIC_RULES, &inventory.topics, "SNS topics", ctx);
    out.extend(evaluate_listing(QUEUE_RULES, &inventory.queues, "SQS queues", ctx));
    out.extend(evaluate_listing(BUS_RULES, &inventory.buses, "EventBridge event buses", ctx));
    out
}

/// A full scan of the region.
pub async fn scan_all(collector: &MessagingCollector, ctx: &ScanContext) -> AuditReport {
    let inventory = collector.collect_all(&ctx.account).await;
    report_full(&inventory, ctx)
}

/// The report of a full scan over a collected inventory: the summary's archive scope is the
/// rules of every service whose listing succeeded, and there is no summary when none did.
pub fn report_full(inventory: &MessagingInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let listings = vec![
        (inventory.topics.is_ok(), ids(TOPIC_RULES)),
        (inventory.queues.is_ok(), ids(QUEUE_RULES)),
        (inventory.buses.is_ok(), ids(BUS_RULES)),
    ];
    AuditReport::full_scan_of_listings(AUDIT.name, findings, listings, ctx)
}

/// The SQS queue URL of a change event: Config's `resourceId` for a queue is its URL; when it
/// is not, the URL is built from the item's ARN.
pub fn queue_url(changed: &ChangedResource) -> Option<String> {
    if changed.resource_id.starts_with("https://") || changed.resource_id.starts_with("http://") {
        return Some(changed.resource_id.clone());
    }
    let arn = changed.arn.as_deref().or(Some(changed.resource_id.as_str()).filter(|a| a.starts_with("arn:")))?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, _, region, account, name] = parts.as_slice() else { return None };
    let domain = if partition.starts_with("aws-cn") { "amazonaws.com.cn" } else { "amazonaws.com" };
    Some(format!("https://sqs.{region}.{domain}/{account}/{name}"))
}

/// Re-evaluate the one resource a Config change event names. A resource that no longer exists
/// gets NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &MessagingCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let rref = changed_ref(changed, ctx);
    match changed.resource_type.as_str() {
        TOPIC_TYPE => {
            let read = collector.collect_topic(&topic_arn(changed, ctx)).await;
            rescanned(TOPIC_RULES, read, "topic", &rref, &gone("topic"), ctx)
        }
        QUEUE_TYPE => {
            let Some(url) = queue_url(changed) else {
                let o =
                    Outcome::unknown(format!("the change event names no queue URL or ARN: {}", changed.resource_id));
                return AuditReport { findings: same_outcome_for_all(QUEUE_RULES, &rref, &o, ctx), summary: None };
            };
            let read = collector.collect_queue(&url, &ctx.account).await;
            rescanned(QUEUE_RULES, read, "queue", &rref, &gone("queue"), ctx)
        }
        BUS_TYPE => {
            let read = collector.collect_bus(&bus_name(changed)).await;
            rescanned(BUS_RULES, read, "event bus", &rref, &gone("event bus"), ctx)
        }
        _ => AuditReport { findings: Vec::new(), summary: None },
    }
}

fn gone(what: &str) -> Outcome {
    Outcome::not_applicable(format!("the {what} no longer exists"))
}

/// The topic ARN of a change event (Config's `resourceId` for a topic is its ARN).
fn topic_arn(changed: &ChangedResource, ctx: &ScanContext) -> String {
    if changed.resource_id.starts_with("arn:") {
        return changed.resource_id.clone();
    }
    changed.arn.clone().unwrap_or_else(|| {
        let account = changed.account.as_deref().unwrap_or(&ctx.account);
        let region = &changed.region;
        format!("arn:{}:sns:{region}:{account}:{}", crate::context::partition_for(region), changed.resource_id)
    })
}

/// The bus name of a change event (Config's `resourceId` for a bus is its name).
fn bus_name(changed: &ChangedResource) -> String {
    match changed.resource_id.rsplit_once(":event-bus/") {
        Some((_, name)) => name.to_string(),
        None => changed.resource_id.clone(),
    }
}

/// The resource reference of a resource known only from the event: the same id (name) and ARN
/// a full scan uses, so the finding ids match.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let account = changed.account.clone().unwrap_or_else(|| ctx.account.clone());
    let (resource_type, id, arn) = match changed.resource_type.as_str() {
        TOPIC_TYPE => {
            let arn = topic_arn(changed, ctx);
            ("AwsSnsTopic", arn.rsplit(':').next().unwrap_or_default().to_string(), arn)
        }
        QUEUE_TYPE => {
            let url = queue_url(changed).unwrap_or_default();
            let (name, url_region) = parse_queue_url(&url);
            let arn = changed.arn.clone().unwrap_or_else(|| {
                let region = url_region.unwrap_or_else(|| changed.region.clone());
                let acct = account_of_queue_url(&url).unwrap_or_else(|| account.clone());
                format!("arn:{}:sqs:{region}:{acct}:{name}", crate::context::partition_for(&region))
            });
            ("AwsSqsQueue", changed.resource_name.clone().unwrap_or(name), arn)
        }
        _ => {
            let name = bus_name(changed);
            let arn = changed.arn.clone().unwrap_or_else(|| {
                let region = &changed.region;
                format!("arn:{}:events:{region}:{account}:event-bus/{name}", crate::context::partition_for(region))
            });
            ("AwsEventsEventbus", name, arn)
        }
    };
    let region = region_of_arn(&arn).unwrap_or(&changed.region).to_string();
    ResourceRef::new(resource_type, id, Some(arn), &account, &region)
}

/// NOT_APPLICABLE for every rule of a resource that is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let rref = changed_ref(changed, ctx);
    match changed.resource_type.as_str() {
        TOPIC_TYPE => same_outcome_for_all(TOPIC_RULES, &rref, &gone("topic"), ctx),
        QUEUE_TYPE => same_outcome_for_all(QUEUE_RULES, &rref, &gone("queue"), ctx),
        BUS_TYPE => same_outcome_for_all(BUS_RULES, &rref, &gone("event bus"), ctx),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Resource;
    use crate::model::Status;
    use crate::resources::messaging::{denied, EventBus, SnsTopic, SqsQueue};

    fn inventory() -> MessagingInventory {
        MessagingInventory {
            topics: Ok(vec![SnsTopic::fixture("a"), SnsTopic::fixture("b")]),
            queues: Ok(vec![SqsQueue::fixture("q")]),
            buses: Ok(vec![EventBus::fixture("default")]),
        }
    }

    fn changed(resource_type: &str, id: &str, name: Option<&str>, deleted: bool) -> ChangedResource {
        ChangedResource {
            resource_name: name.map(str::to_string),
            deleted,
            ..ChangedResource::fixture(resource_type, id)
        }
    }

    #[test]
    fn a_full_scan_reports_every_rule_per_resource_and_sweeps_all() {
        let ctx = ScanContext::fixture();
        let report = report_full(&inventory(), &ctx);
        assert_eq!(report.findings.len(), 2 * TOPIC_RULES.len() + QUEUE_RULES.len() + BUS_RULES.len());
        assert!(report.findings.iter().all(|f| f.status == Status::Pass), "{:?}", report.findings);
        let summary = report.summary.expect("complete listings ask for an archive sweep");
        assert_eq!(summary.rule_ids, rule_ids());
        assert_eq!(summary.audit, "messaging");
    }

    #[test]
    fn one_failed_listing_is_unknown_on_the_account_and_left_out_of_the_sweep() {
        let ctx = ScanContext::fixture();
        let inv = MessagingInventory { topics: Err(denied("sns:ListTopics")), ..inventory() };
        let report = report_full(&inv, &ctx);
        let sns: Vec<_> = report.findings.iter().filter(|f| f.rule_id.starts_with("sns.")).collect();
        assert_eq!(sns.len(), TOPIC_RULES.len());
        for f in sns {
            assert_eq!(f.status, Status::Unknown);
            assert_eq!(f.resource.resource_type, "AwsAccount");
            assert!(f.reason.contains("could not list SNS topics: access denied on sns:ListTopics"), "{}", f.reason);
        }
        let summary = report.summary.expect("SQS and EventBridge still swept");
        assert!(summary.rule_ids.iter().all(|id| !id.starts_with("sns.")), "{:?}", summary.rule_ids);
        assert!(summary.rule_ids.contains(&"sqs.queue-not-public".to_string()));

        let none = MessagingInventory {
            topics: Err(denied("sns:ListTopics")),
            queues: Err(denied("sqs:ListQueues")),
            buses: Err(denied("events:ListEventBuses")),
        };
        let report = report_full(&none, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.len(), rule_ids().len());
        assert!(report.findings.iter().all(|f| f.status == Status::Unknown));
    }

    #[test]
    fn deleted_resources_are_not_applicable_under_the_same_finding_id() {
        let ctx = ScanContext::fixture();
        let cases = [
            (
                changed(TOPIC_TYPE, "arn:aws:sns:us-east-1:123456789012:a", Some("a"), true),
                SnsTopic::fixture("a").resource_ref(&ctx),
                TOPIC_RULES.len(),
            ),
            (
                changed(QUEUE_TYPE, "https://sqs.us-east-1.amazonaws.com/123456789012/q", Some("q"), true),
                SqsQueue::fixture("q").resource_ref(&ctx),
                QUEUE_RULES.len(),
            ),
            (
                changed(BUS_TYPE, "default", Some("default"), true),
                EventBus::fixture("default").resource_ref(&ctx),
                BUS_RULES.len(),
            ),
        ];
        for (c, live, n) in cases {
            let findings = deleted(&c, &ctx);
            assert_eq!(findings.len(), n, "{}", c.resource_type);
            assert!(findings.iter().all(|f| f.status == Status::NotApplicable));
            assert_eq!(findings[0].resource, live, "{}: same resource, so the same finding id", c.resource_type);
        }
    }

    #[test]
    fn queue_urls_come_from_the_id_or_the_arn() {
        let by_url = changed(QUEUE_TYPE, "https://sqs.eu-west-1.amazonaws.com/123456789012/q", None, false);
        assert_eq!(queue_url(&by_url).as_deref(), Some("https://sqs.eu-west-1.amazonaws.com/123456789012/q"));
        let by_arn = changed(QUEUE_TYPE, "arn:aws:sqs:eu-west-1:123456789012:q", None, false);
        assert_eq!(queue_url(&by_arn).as_deref(), Some("https://sqs.eu-west-1.amazonaws.com/123456789012/q"));
        assert_eq!(queue_url(&changed(QUEUE_TYPE, "q", None, false)), None);
        assert_eq!(bus_name(&changed(BUS_TYPE, "arn:aws:events:us-east-1:123456789012:event-bus/b", None, false)), "b");
    }

    #[test]
    fn the_sample_events_are_messaging_changes() {
        use crate::events::{parse_trigger, AuditTrigger};
        let samples = [
            (include_str!("../../../../events/config-change-sns-topic.json"), TOPIC_TYPE, false),
            (include_str!("../../../../events/config-change-sqs-queue.json"), QUEUE_TYPE, false),
            (include_str!("../../../../events/config-change-events-bus.json"), BUS_TYPE, false),
            (include_str!("../../../../events/config-change-sqs-queue-deleted.json"), QUEUE_TYPE, true),
        ];
        let ctx = ScanContext::fixture();
        for (text, ty, is_deleted) in samples {
            let event: serde_json::Value = serde_json::from_str(text).expect("sample event is JSON");
            let Ok(AuditTrigger::ResourceChange(c)) = parse_trigger(&event, CHANGE_TYPES) else {
                panic!("{ty}: not a change event")
            };
            assert_eq!((c.resource_type.as_str(), c.deleted), (ty, is_deleted));
            let r = changed_ref(&c, &ctx);
            assert!(r.arn.as_deref().is_some_and(|a| a.starts_with("arn:aws:")), "{r:?}");
            assert!(!r.id.contains(':') && !r.id.contains('/'), "{r:?}");
        }
    }
}
