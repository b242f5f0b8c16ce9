//! What triggered an audit: an EventBridge schedule (full scan) or an AWS Config
//! "Configuration Item Change" event delivered through EventBridge (re-evaluate one resource).

use serde_json::Value;

/// The `awsRegion` AWS Config gives global resources (IAM).
pub const GLOBAL_REGION: &str = "global";

/// One resource named by a Config change event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedResource {
    /// CloudFormation-style type, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
    pub resource_id: String,
    /// The name, where Config gives one (for buckets it equals the id).
    pub resource_name: Option<String>,
    pub region: String,
    pub account: Option<String>,
    /// The item's `ARN`, where Config gives one (IAM roles, users and policies have one).
    pub arn: Option<String>,
    /// `configurationItemStatus` said the resource was deleted.
    pub deleted: bool,
}

impl ChangedResource {
    /// A change event for tests: `resource_type` `id` in account 123456789012 and us-east-1, not
    /// deleted, with no name or ARN. Override fields with struct update syntax.
    pub fn fixture(resource_type: &str, id: &str) -> Self {
        Self {
            resource_type: resource_type.into(),
            resource_id: id.into(),
            resource_name: None,
            region: "us-east-1".into(),
            account: Some("123456789012".into()),
            arn: None,
            deleted: false,
        }
    }

    /// The best identifier to re-read the resource by: `resourceId` when it is an ARN (Config
    /// names stacks and secrets by ARN), else the item's ARN, else its name, else its id.
    pub fn arn_or_name(&self) -> &str {
        if self.resource_id.starts_with("arn:") {
            &self.resource_id
        } else {
            self.arn.as_deref().or(self.resource_name.as_deref()).unwrap_or(&self.resource_id)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTrigger {
    Scheduled,
    ResourceChange(ChangedResource),
}

/// An event the audit cannot act on, naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event is not a JSON object")]
    NotAnObject,
    #[error("event has no \"detail-type\": expected an EventBridge event")]
    NoDetailType,
    #[error("unsupported detail-type {0}: expected \"Scheduled Event\" or \"Config Configuration Item Change\"")]
    UnsupportedDetailType(String),
    #[error("Config event: missing or non-string field {0}")]
    MissingField(&'static str),
    #[error("{0}")]
    Malformed(String),
    #[error("unsupported Config rule message type {0}: expected ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification or ScheduledNotification")]
    UnsupportedMessageType(String),
    #[error("Config change event for {got}, but this audit handles {expected}")]
    WrongResourceType { got: String, expected: String },
}

const DELETED_STATUSES: &[&str] = &["ResourceDeleted", "ResourceDeletedNotRecorded"];

/// The longest resource id a change may name: an ARN is at most 2048 characters.
pub const MAX_RESOURCE_ID: usize = 2048;

/// A value taken from an event, fit to be named in an error: control characters removed, cut
/// to 80 characters, quoted.
pub fn shown(value: &str) -> String {
    format!("{:?}", crate::collected::clean_service_text(value, 80))
}

/// A JSON error, said without the input's values: serde's message quotes the value it could
/// not read ("invalid type: string \"...\""), which may be a configuration's secret. A
/// missing field is named (the name is ours); anything else says what kind of problem it is
/// and where.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = e.to_string();
    let at = if e.line() > 0 { format!(" at line {} column {}", e.line(), e.column()) } else { String::new() };
    match e.classify() {
        Category::Data if message.starts_with("missing field `") => {
            message.split(" at line ").next().unwrap_or(&message).to_string()
        }
        Category::Data => format!("a field has the wrong type or value{at}"),
        Category::Syntax => format!("not JSON{at}"),
        Category::Eof => "cut short (the JSON ends early)".to_string(),
        Category::Io => "could not be read".to_string(),
    }
}

/// Classify an incoming Lambda event. `accepted_types` are the Config resource types this
/// audit re-evaluates.
pub fn parse_trigger(event: &Value, accepted_types: &[&str]) -> Result<AuditTrigger, EventError> {
    let obj = event.as_object().ok_or(EventError::NotAnObject)?;
    let detail_type = obj.get("detail-type").and_then(Value::as_str).ok_or(EventError::NoDetailType)?;
    match detail_type {
        "Scheduled Event" => Ok(AuditTrigger::Scheduled),
        "Config Configuration Item Change" => parse_change(obj.get("detail").unwrap_or(&Value::Null), accepted_types),
        other => Err(EventError::UnsupportedDetailType(shown(other))),
    }
}

fn parse_change(detail: &Value, accepted_types: &[&str]) -> Result<AuditTrigger, EventError> {
    // Oversized items carry a summary instead of the full item; both have the fields we need.
    let item = detail
        .get("configurationItem")
        .filter(|v| v.is_object())
        .or_else(|| detail.get("configurationItemSummary").filter(|v| v.is_object()))
        .ok_or(EventError::MissingField("detail.configurationItem"))?;
    changed_resource(item, accepted_types).map(AuditTrigger::ResourceChange)
}

/// The resource a configuration item (or an oversized item's summary) names, if this audit
/// handles its type. Shared by the EventBridge change events and the Config rule invocations.
pub fn changed_resource(item: &Value, accepted_types: &[&str]) -> Result<ChangedResource, EventError> {
    let field = |name: &'static str| item.get(name).and_then(Value::as_str);
    let resource_type = field("resourceType").ok_or(EventError::MissingField("configurationItem.resourceType"))?;
    if !accepted_types.contains(&resource_type) {
        return Err(EventError::WrongResourceType { got: shown(resource_type), expected: accepted_types.join(", ") });
    }
    let resource_id = field("resourceId")
        .filter(|id| !id.trim().is_empty())
        .ok_or(EventError::MissingField("configurationItem.resourceId"))?;
    if resource_id.len() > MAX_RESOURCE_ID {
        return Err(EventError::Malformed(format!(
            "configurationItem.resourceId is {} bytes long, over the {MAX_RESOURCE_ID} an AWS resource id or ARN can be",
            resource_id.len()
        )));
    }
    let region = field("awsRegion").ok_or(EventError::MissingField("configurationItem.awsRegion"))?;
    // AWS Config records global resources (IAM roles, users, policies) in the region `global`.
    if region != GLOBAL_REGION {
        crate::settings::check_region(region)
            .map_err(|e| EventError::Malformed(format!("configurationItem.awsRegion: {e}")))?;
    }
    let status = field("configurationItemStatus").unwrap_or("OK");
    Ok(ChangedResource {
        resource_type: resource_type.to_string(),
        resource_id: resource_id.to_string(),
        resource_name: field("resourceName").map(str::to_string),
        region: region.to_string(),
        account: field("awsAccountId").map(str::to_string),
        arn: field("ARN").or_else(|| field("arn")).map(str::to_string),
        deleted: DELETED_STATUSES.contains(&status),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(status: &str, rtype: &str) -> Value {
        json!({
            "version": "0", "id": "x", "detail-type": "Config Configuration Item Change", "source": "aws.config",
            "account": "123456789012", "region": "us-east-1", "time": "2026-11-01T00:00:00Z", "resources": [],
            "detail": {"messageType": "ConfigurationItemChangeNotification", "configurationItem": {
                "resourceType": rtype, "resourceId": "b1", "resourceName": "b1", "awsRegion": "eu-west-1",
                "awsAccountId": "123456789012", "configurationItemStatus": status}}
        })
    }

    #[test]
    fn scheduled_event_is_a_full_scan() {
        let e = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(parse_trigger(&e, &["AWS::S3::Bucket"]), Ok(AuditTrigger::Scheduled));
    }

    #[test]
    fn change_event_names_the_resource_and_deletion() {
        let t = parse_trigger(&change("OK", "AWS::S3::Bucket"), &["AWS::S3::Bucket"]).unwrap();
        let AuditTrigger::ResourceChange(r) = t else { panic!("expected a change") };
        assert_eq!((r.resource_id.as_str(), r.region.as_str(), r.deleted), ("b1", "eu-west-1", false));
        let AuditTrigger::ResourceChange(r) =
            parse_trigger(&change("ResourceDeleted", "AWS::S3::Bucket"), &["AWS::S3::Bucket"]).unwrap()
        else {
            panic!("expected a change")
        };
        assert!(r.deleted);
    }

    #[test]
    fn bad_events_name_what_was_wrong() {
        let cases = [
            (json!([1]), "not a JSON object"),
            (json!({"detail": {}}), "detail-type"),
            (json!({"detail-type": "Object Created"}), "Object Created"),
            (json!({"detail-type": "Config Configuration Item Change", "detail": {}}), "detail.configurationItem"),
            (change("OK", "AWS::IAM::Role"), "AWS::IAM::Role"),
        ];
        for (e, needle) in cases {
            let err = parse_trigger(&e, &["AWS::S3::Bucket"]).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
