//! AWS Config custom rules: the rule invocation event and the evaluations ztscan reports back.
//!
//! With the template's `EnableConfigRules` on, each audit function is also the Lambda behind a
//! custom Config rule, so teams see ztscan's verdicts in the Config console next to the managed
//! rules. Config invokes the function with a [`ConfigEvent`] whose `invokingEvent` is a JSON
//! string of one of three message types:
//! - `ConfigurationItemChangeNotification`: one resource changed (the item is inline);
//! - `OversizedConfigurationItemChangeNotification`: the item was too large and only its summary
//!   is inline; the full item is fetched with `GetResourceConfigHistory`;
//! - `ScheduledNotification`: the periodic trigger, a full scan.
//!
//! `eventLeftScope` (the resource left the rule's scope) and deleted items are NOT_APPLICABLE.
//! The findings still go to the findings queue (Security Hub) as for any other trigger; in
//! addition, [`evaluations`] folds them into one Config evaluation per resource (the worst
//! status wins), reported with `PutEvaluations` in chunks of [`MAX_EVALUATIONS_PER_CALL`].
//!
//! This module is pure: parsing and folding. The SDK calls are in `publish::config_evaluations`.

use std::collections::BTreeMap;

use aws_lambda_events::event::config::ConfigEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::events::{changed_resource, ChangedResource, EventError};
use crate::model::{Finding, ResourceRef, Status};

/// `PutEvaluations` takes at most 100 evaluations per call.
pub const MAX_EVALUATIONS_PER_CALL: usize = 100;
/// Config's limit on an evaluation's annotation.
pub const MAX_ANNOTATION_CHARS: usize = 256;

/// True when `payload` is a Config rule invocation rather than an EventBridge event.
pub fn is_invocation(payload: &Value) -> bool {
    payload.get("invokingEvent").is_some() && payload.get("resultToken").is_some()
}

/// What a Config rule invocation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `ScheduledNotification`: evaluate everything.
    Periodic,
    /// A change notification with the item inline.
    Item(ChangedResource),
    /// An oversized change notification: the summary's resource; the full item is fetched from
    /// the configuration history before it is judged.
    Oversized { summary: ChangedResource, capture_time: Option<DateTime<Utc>> },
}

/// A parsed Config rule invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInvocation {
    pub rule_name: String,
    pub result_token: String,
    pub event_left_scope: bool,
    pub invocation: Invocation,
    /// `notificationCreationTime`: the evaluations' ordering timestamp.
    pub notified_at: Option<DateTime<Utc>>,
}

/// Parse a Config rule invocation. `accepted_types` are the resource types this audit handles;
/// a change for any other type is an error naming it.
pub fn parse_invocation(payload: &Value, accepted_types: &[&str]) -> Result<RuleInvocation, EventError> {
    let event: ConfigEvent = serde_json::from_value(payload.clone())
        .map_err(|e| EventError::Malformed(format!("Config rule event: {}", crate::events::describe_json_error(&e))))?;
    let result_token = event.result_token.filter(|t| !t.is_empty()).ok_or(EventError::MissingField("resultToken"))?;
    let rule_name = event.config_rule_name.unwrap_or_default();
    let text = event.invoking_event.ok_or(EventError::MissingField("invokingEvent"))?;
    let invoking: Value = serde_json::from_str(&text).map_err(|e| {
        EventError::Malformed(format!("invokingEvent is not JSON: {}", crate::events::describe_json_error(&e)))
    })?;
    let message_type = invoking
        .get("messageType")
        .and_then(Value::as_str)
        .ok_or(EventError::MissingField("invokingEvent.messageType"))?;
    let notified_at = invoking.get("notificationCreationTime").and_then(Value::as_str).and_then(parse_time);
    let invocation = match message_type {
        "ScheduledNotification" => Invocation::Periodic,
        "ConfigurationItemChangeNotification" => {
            let item = invoking
                .get("configurationItem")
                .filter(|v| v.is_object())
                .ok_or(EventError::MissingField("invokingEvent.configurationItem"))?;
            Invocation::Item(changed_resource(item, accepted_types)?)
        }
        "OversizedConfigurationItemChangeNotification" => {
            let summary = invoking
                .get("configurationItemSummary")
                .filter(|v| v.is_object())
                .ok_or(EventError::MissingField("invokingEvent.configurationItemSummary"))?;
            let capture_time = summary.get("configurationItemCaptureTime").and_then(Value::as_str).and_then(parse_time);
            Invocation::Oversized { summary: changed_resource(summary, accepted_types)?, capture_time }
        }
        other => return Err(EventError::UnsupportedMessageType(crate::events::shown(other))),
    };
    Ok(RuleInvocation { rule_name, result_token, event_left_scope: event.event_left_scope, invocation, notified_at })
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// Config's compliance types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Compliance {
    NotApplicable,
    Compliant,
    InsufficientData,
    NonCompliant,
}

impl Compliance {
    pub fn as_str(self) -> &'static str {
        match self {
            Compliance::NotApplicable => "NOT_APPLICABLE",
            Compliance::Compliant => "COMPLIANT",
            Compliance::InsufficientData => "INSUFFICIENT_DATA",
            Compliance::NonCompliant => "NON_COMPLIANT",
        }
    }

    /// Status → compliance: UNKNOWN (access denied, throttled) is INSUFFICIENT_DATA, never a
    /// guess either way.
    fn of(status: Status) -> Self {
        match status {
            Status::Pass => Compliance::Compliant,
            Status::Fail => Compliance::NonCompliant,
            Status::Unknown => Compliance::InsufficientData,
            Status::NotApplicable => Compliance::NotApplicable,
        }
    }
}

/// One evaluation for `PutEvaluations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
    pub ordering: DateTime<Utc>,
}

/// How AWS Config names one kind of resource that findings are about: an audit declares these
/// for its resources (`ChangeTriggers::config_names`), so a periodic Config rule run evaluates
/// each resource under the type and id Config recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigName {
    /// The finding's resource type (ASFF), e.g. `AwsS3Bucket`.
    pub finding_type: &'static str,
    /// The Config resource type, e.g. `AWS::S3::Bucket`.
    pub config_type: &'static str,
    /// Which of the finding's facts is Config's resource id.
    pub id: ConfigId,
}

/// Which fact of a finding's resource Config uses as the resource id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigId {
    /// The resource's own id (a bucket, function or table name, a security group or key id).
    ResourceId,
    /// The resource's ARN (SNS topics, secrets, stacks).
    Arn,
    /// The queue URL `https://sqs.<region>.amazonaws.com/<account>/<name>` (SQS queues).
    SqsQueueUrl,
}

/// The Config resource type and id of a finding's resource, where Config records that type
/// under an id ztscan knows: the account itself, or one of `names` (the running audit's
/// [`ConfigName`]s). IAM resources are left out: Config names them by their unique ids
/// (`AROA...`), which the findings do not carry; they are still reported through the account
/// evaluation of a periodic run.
pub fn config_resource(r: &ResourceRef, names: &[ConfigName]) -> Option<(&'static str, String)> {
    if r.resource_type == "AwsAccount" {
        return Some(("AWS::::Account", r.account.clone()));
    }
    let name = names.iter().find(|n| n.finding_type == r.resource_type)?;
    let id = match name.id {
        ConfigId::ResourceId => r.id.clone(),
        ConfigId::Arn => r.arn.clone()?,
        ConfigId::SqsQueueUrl => format!("https://sqs.{}.amazonaws.com/{}/{}", r.region, r.account, r.id),
    };
    Some((name.config_type, id))
}

/// Fold findings into Config evaluations.
///
/// - A change (inline or oversized): one evaluation for the changed resource, under the type
///   and id Config gave; NOT_APPLICABLE when it left the rule's scope or was deleted.
/// - Periodic: one per resource Config can name ([`config_resource`]), plus one for the
///   account that sums up every finding of the run.
///
/// The worst status wins (NON_COMPLIANT over INSUFFICIENT_DATA over COMPLIANT over
/// NOT_APPLICABLE); the annotation names the failing (or unknown) rule ids.
pub fn evaluations(
    inv: &RuleInvocation,
    changed: Option<&ChangedResource>,
    findings: &[Finding],
    account: &str,
    now: DateTime<Utc>,
    names: &[ConfigName],
) -> Vec<Evaluation> {
    let ordering = inv.notified_at.unwrap_or(now);
    match changed {
        Some(r) => {
            let (compliance, annotation) = if inv.event_left_scope {
                (Compliance::NotApplicable, "the resource left this rule's scope".to_string())
            } else if r.deleted {
                (Compliance::NotApplicable, "the resource was deleted".to_string())
            } else {
                fold(findings.iter())
            };
            vec![Evaluation {
                resource_type: r.resource_type.clone(),
                resource_id: r.resource_id.clone(),
                compliance,
                annotation,
                ordering,
            }]
        }
        None => {
            let mut by_resource: BTreeMap<(&'static str, String), Vec<&Finding>> = BTreeMap::new();
            for f in findings {
                if let Some(key) = config_resource(&f.resource, names) {
                    if key.0 != "AWS::::Account" {
                        by_resource.entry(key).or_default().push(f);
                    }
                }
            }
            let mut out: Vec<Evaluation> = by_resource
                .into_iter()
                .map(|((rtype, id), fs)| {
                    let (compliance, annotation) = fold(fs.into_iter());
                    Evaluation { resource_type: rtype.to_string(), resource_id: id, compliance, annotation, ordering }
                })
                .collect();
            let (compliance, annotation) = fold(findings.iter());
            out.push(Evaluation {
                resource_type: "AWS::::Account".into(),
                resource_id: account.to_string(),
                compliance,
                annotation,
                ordering,
            });
            out
        }
    }
}

/// The worst status of `findings` and an annotation naming the rules that earned it.
fn fold<'a>(findings: impl Iterator<Item = &'a Finding>) -> (Compliance, String) {
    let mut worst = Compliance::NotApplicable;
    let mut by_compliance: BTreeMap<Compliance, Vec<&str>> = BTreeMap::new();
    let mut total = 0usize;
    for f in findings {
        total += 1;
        let c = Compliance::of(f.status);
        worst = worst.max(c);
        let rules = by_compliance.entry(c).or_default();
        if !rules.contains(&f.rule_id.as_str()) {
            rules.push(&f.rule_id);
        }
    }
    let annotation = match worst {
        Compliance::NonCompliant | Compliance::InsufficientData => {
            let rules = by_compliance.get(&worst).map(Vec::as_slice).unwrap_or_default();
            let what = if worst == Compliance::NonCompliant { "failed" } else { "could not be judged" };
            format!("ztscan: {} rule(s) {what}: {}", rules.len(), rules.join(", "))
        }
        Compliance::Compliant => format!("ztscan: {total} finding(s), none failed"),
        Compliance::NotApplicable if total == 0 => "ztscan: no rule applies".to_string(),
        Compliance::NotApplicable => "ztscan: no rule applies to this resource".to_string(),
    };
    (worst, truncate(&annotation, MAX_ANNOTATION_CHARS))
}

/// `text` cut to `max` characters, ending in `...` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::model::{Outcome, RuleDoc, RuleMeta, Severity, Trigger};

    fn invocation(invoking: Value, left_scope: bool) -> Value {
        json!({
            "version": "1.0",
            "invokingEvent": invoking.to_string(),
            "ruleParameters": "{}",
            "resultToken": "token-1",
            "eventLeftScope": left_scope,
            "executionRoleArn": "arn:aws:iam::123456789012:role/config-role",
            "configRuleArn": "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc",
            "configRuleName": "ztscan-s3",
            "configRuleId": "config-rule-abc",
            "accountId": "123456789012"
        })
    }

    fn item(status: &str) -> Value {
        json!({
            "resourceType": "AWS::S3::Bucket", "resourceId": "b1", "resourceName": "b1",
            "awsRegion": "us-east-1", "awsAccountId": "123456789012",
            "configurationItemStatus": status, "configurationItemCaptureTime": "2026-11-01T10:00:00.000Z",
            "ARN": "arn:aws:s3:::b1"
        })
    }

    const TYPES: &[&str] = &["AWS::S3::Bucket"];

    #[test]
    fn the_three_message_types_parse() {
        let change = invocation(
            json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item("OK"),
                   "notificationCreationTime": "2026-11-01T10:00:05.000Z", "recordVersion": "1.3"}),
            false,
        );
        let inv = parse_invocation(&change, TYPES).unwrap();
        assert_eq!(inv.result_token, "token-1");
        assert_eq!(inv.rule_name, "ztscan-s3");
        let Invocation::Item(r) = &inv.invocation else { panic!("expected an item: {inv:?}") };
        assert_eq!((r.resource_id.as_str(), r.deleted), ("b1", false));
        assert_eq!(inv.notified_at, Some(Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 5).unwrap()));

        let oversized = invocation(
            json!({"messageType": "OversizedConfigurationItemChangeNotification", "configurationItemSummary": item("OK"),
                   "s3DeliverySummary": {"s3BucketLocation": "bucket/key"}}),
            false,
        );
        let Invocation::Oversized { summary, capture_time } = parse_invocation(&oversized, TYPES).unwrap().invocation
        else {
            panic!("expected oversized")
        };
        assert_eq!(summary.resource_id, "b1");
        assert_eq!(capture_time, Some(Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap()));

        let periodic = invocation(
            json!({"messageType": "ScheduledNotification", "awsAccountId": "123456789012",
                   "notificationCreationTime": "2026-11-01T10:00:05.000Z"}),
            false,
        );
        assert_eq!(parse_invocation(&periodic, TYPES).unwrap().invocation, Invocation::Periodic);
        assert!(is_invocation(&periodic));
        assert!(!is_invocation(&json!({"detail-type": "Scheduled Event"})));
    }

    #[test]
    fn a_snapshot_delivery_is_refused_by_name() {
        // aws_lambda_events' sample Config event: a message type a rule is never invoked with
        // for a change or a schedule, so it is refused by name rather than guessed at.
        let payload = json!({
            "configRuleId": "config-rule-0123456", "version": "1.0", "configRuleName": "periodic-config-rule",
            "invokingEvent": "{\"messageType\":\"ConfigurationSnapshotDeliveryCompleted\",\"recordVersion\":\"1.1\"}",
            "resultToken": "myResultToken", "eventLeftScope": false, "ruleParameters": "{}",
            "accountId": "012345678912"
        });
        assert!(is_invocation(&payload));
        let err = parse_invocation(&payload, TYPES).unwrap_err().to_string();
        assert!(err.contains("ConfigurationSnapshotDeliveryCompleted"), "{err}");
    }

    #[test]
    fn bad_invocations_name_what_was_wrong() {
        let mut no_token = invocation(json!({"messageType": "ScheduledNotification"}), false);
        no_token["resultToken"] = json!("");
        let mut not_json = invocation(json!({}), false);
        not_json["invokingEvent"] = json!("{not json");
        let cases = [
            (no_token, "resultToken"),
            (not_json, "invokingEvent is not JSON"),
            (invocation(json!({"configurationItem": item("OK")}), false), "messageType"),
            (invocation(json!({"messageType": "ComplianceChangeNotification"}), false), "ComplianceChangeNotification"),
            (invocation(json!({"messageType": "ConfigurationItemChangeNotification"}), false), "configurationItem"),
            (
                invocation(
                    json!({"messageType": "ConfigurationItemChangeNotification",
                           "configurationItem": {"resourceType": "AWS::IAM::Role", "resourceId": "x", "awsRegion": "us-east-1"}}),
                    false,
                ),
                "AWS::IAM::Role",
            ),
            (json!({"invokingEvent": 5, "resultToken": "t", "eventLeftScope": false}), "Config rule event"),
        ];
        for (payload, needle) in cases {
            let err = parse_invocation(&payload, TYPES).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle:?} not in {err:?}");
        }
    }

    static META_A: RuleMeta = RuleMeta {
        id: "s3.a",
        title: "a",
        severity: Severity::High,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("fix a"),
    };
    static META_B: RuleMeta = RuleMeta { id: "s3.b", ..META_A };

    fn finding(meta: &'static RuleMeta, rtype: &str, id: &str, outcome: Outcome) -> Finding {
        let r = ResourceRef {
            resource_type: rtype.into(),
            id: id.into(),
            arn: Some(format!("arn:aws:x:us-east-1:123456789012:{id}")),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
        };
        Finding::new(meta, r, outcome, Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap())
    }

    /// The names of the resources these tests' findings are about.
    const NAMES: &[ConfigName] = &[
        ConfigName { finding_type: "AwsS3Bucket", config_type: "AWS::S3::Bucket", id: ConfigId::ResourceId },
        ConfigName { finding_type: "AwsSqsQueue", config_type: "AWS::SQS::Queue", id: ConfigId::SqsQueueUrl },
    ];

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_change_gets_one_evaluation_and_the_worst_status_wins() {
        let inv = parse_invocation(
            &invocation(
                json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item("OK")}),
                false,
            ),
            TYPES,
        )
        .unwrap();
        let Invocation::Item(r) = inv.invocation.clone() else { panic!() };
        let pass = finding(&META_A, "AwsS3Bucket", "b1", Outcome::pass("ok"));
        let fail = finding(&META_B, "AwsS3Bucket", "b1", Outcome::fail("bad"));
        let unknown = finding(&META_B, "AwsS3Bucket", "b1", Outcome::unknown("AccessDenied"));
        let na = finding(&META_A, "AwsS3Bucket", "b1", Outcome::not_applicable("n/a"));
        let cases: Vec<(Vec<Finding>, Compliance, &str)> = vec![
            (vec![pass.clone(), fail.clone(), unknown.clone()], Compliance::NonCompliant, "1 rule(s) failed: s3.b"),
            (vec![pass.clone(), unknown.clone()], Compliance::InsufficientData, "could not be judged: s3.b"),
            (vec![pass.clone(), na.clone()], Compliance::Compliant, "none failed"),
            (vec![na.clone()], Compliance::NotApplicable, "no rule applies"),
        ];
        for (fs, want, text) in cases {
            let e = evaluations(&inv, Some(&r), &fs, "123456789012", now(), NAMES);
            assert_eq!(e.len(), 1);
            assert_eq!((e[0].resource_type.as_str(), e[0].resource_id.as_str()), ("AWS::S3::Bucket", "b1"));
            assert_eq!(e[0].compliance, want);
            assert!(e[0].annotation.contains(text), "{}", e[0].annotation);
            assert_eq!(e[0].ordering, now());
        }
    }

    #[test]
    fn left_scope_and_deleted_are_not_applicable() {
        for (left, status) in [(true, "OK"), (false, "ResourceDeleted")] {
            let inv = parse_invocation(
                &invocation(
                    json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item(status)}),
                    left,
                ),
                TYPES,
            )
            .unwrap();
            let Invocation::Item(r) = inv.invocation.clone() else { panic!() };
            let fail = finding(&META_B, "AwsS3Bucket", "b1", Outcome::fail("bad"));
            let e = evaluations(&inv, Some(&r), &[fail], "123456789012", now(), NAMES);
            assert_eq!(e[0].compliance, Compliance::NotApplicable, "{left} {status}");
        }
    }

    #[test]
    fn a_periodic_run_reports_each_nameable_resource_and_the_account() {
        let inv = RuleInvocation {
            rule_name: "r".into(),
            result_token: "t".into(),
            event_left_scope: false,
            invocation: Invocation::Periodic,
            notified_at: None,
        };
        let fs = vec![
            finding(&META_A, "AwsS3Bucket", "b1", Outcome::pass("ok")),
            finding(&META_B, "AwsS3Bucket", "b1", Outcome::fail("bad")),
            finding(&META_A, "AwsS3Bucket", "b2", Outcome::pass("ok")),
            finding(&META_A, "AwsSqsQueue", "q1", Outcome::pass("ok")),
            finding(&META_A, "AwsIamRole", "r1", Outcome::fail("bad")),
        ];
        let e = evaluations(&inv, None, &fs, "123456789012", now(), NAMES);
        let got: Vec<(&str, &str, Compliance)> =
            e.iter().map(|e| (e.resource_type.as_str(), e.resource_id.as_str(), e.compliance)).collect();
        assert_eq!(
            got,
            vec![
                ("AWS::S3::Bucket", "b1", Compliance::NonCompliant),
                ("AWS::S3::Bucket", "b2", Compliance::Compliant),
                ("AWS::SQS::Queue", "https://sqs.us-east-1.amazonaws.com/123456789012/q1", Compliance::Compliant),
                ("AWS::::Account", "123456789012", Compliance::NonCompliant),
            ]
        );
    }

    #[test]
    fn annotations_stay_within_configs_limit() {
        let long: String = "x".repeat(600);
        let cut = truncate(&long, MAX_ANNOTATION_CHARS);
        assert_eq!(cut.chars().count(), MAX_ANNOTATION_CHARS);
        assert!(cut.ends_with("..."));
        assert_eq!(truncate("short", MAX_ANNOTATION_CHARS), "short");
    }
}
