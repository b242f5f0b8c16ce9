//! AWS Security Finding Format (ASFF): one [`Finding`] rendered as the document Security Hub
//! imports, plus the archived copy sent when a resource has vanished.
//!
//! Pure: no IO and no clock. The caller passes the earlier `CreatedAt` when Security Hub
//! already holds the finding, so a re-scan updates the finding instead of resetting its age.
//! The SDK conversion lives in `publish::securityhub`; this typed struct is what the rest of
//! the code sees.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Finding, Severity, Status};

/// The only ASFF schema version Security Hub accepts.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// The ASFF finding type of every ztscan finding.
pub const FINDING_TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";
/// `ProductFields` key holding the rule id: scopes archiving to one audit's rules.
pub const RULE_ID_FIELD: &str = "ztscan/RuleId";
/// `ProductFields` key holding the ztscan status (`PASS`, `FAIL`, ...).
pub const STATUS_FIELD: &str = "ztscan/Status";
/// ASFF limits, in characters.
pub const MAX_TITLE_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 1024;
pub const MAX_RECOMMENDATION_CHARS: usize = 512;

/// One ASFF finding, limited to the fields ztscan writes. Serialises to the exact JSON
/// `BatchImportFindings` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub types: Vec<String>,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    pub severity: AsffSeverity,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<AsffRemediation>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<AsffCompliance>,
    pub record_state: RecordState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    pub label: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRemediation {
    pub recommendation: AsffRecommendation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRecommendation {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    #[serde(rename = "Type")]
    pub resource_type: String,
    pub id: String,
    pub partition: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffCompliance {
    pub status: ComplianceStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
}

/// ASFF `Compliance.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Passed,
    Warning,
    Failed,
    NotAvailable,
}

impl ComplianceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Passed => "PASSED",
            ComplianceStatus::Warning => "WARNING",
            ComplianceStatus::Failed => "FAILED",
            ComplianceStatus::NotAvailable => "NOT_AVAILABLE",
        }
    }

    /// The compliance status of a ztscan status. UNKNOWN is NOT_AVAILABLE, never PASSED.
    pub fn of(status: Status) -> Self {
        match status {
            Status::Pass => ComplianceStatus::Passed,
            Status::Fail => ComplianceStatus::Failed,
            Status::Unknown | Status::NotApplicable => ComplianceStatus::NotAvailable,
        }
    }
}

/// ASFF `RecordState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordState {
    Active,
    Archived,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Active => "ACTIVE",
            RecordState::Archived => "ARCHIVED",
        }
    }
}

/// The default product of an account: what Security Hub calls findings an account imports
/// about itself. `region` is the region the findings are imported into.
pub fn default_product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// Render `f` as ASFF. `created_at` is the `CreatedAt` Security Hub already holds for this
/// finding id, if any; the earlier of it and `observed_at` is kept.
pub fn to_asff(f: &Finding, product_arn: &str, created_at: Option<DateTime<Utc>>) -> AsffFinding {
    let created_at = created_at.map_or(f.observed_at, |earlier| earlier.min(f.observed_at));
    let record_state = match f.status {
        Status::NotApplicable => RecordState::Archived,
        _ => RecordState::Active,
    };
    AsffFinding {
        schema_version: SCHEMA_VERSION.to_string(),
        id: f.id(),
        product_arn: product_arn.to_string(),
        generator_id: f.rule_id.clone(),
        aws_account_id: f.resource.account.clone(),
        types: vec![FINDING_TYPE.to_string()],
        created_at,
        updated_at: f.observed_at,
        severity: AsffSeverity { label: f.severity },
        title: truncate_chars(&f.title, MAX_TITLE_CHARS),
        description: truncate_chars(&f.reason, MAX_DESCRIPTION_CHARS),
        remediation: Some(AsffRemediation {
            recommendation: AsffRecommendation { text: truncate_chars(&f.remediation, MAX_RECOMMENDATION_CHARS) },
        }),
        product_fields: BTreeMap::from([
            (RULE_ID_FIELD.to_string(), f.rule_id.clone()),
            (STATUS_FIELD.to_string(), f.status.as_str().to_string()),
        ]),
        resources: vec![AsffResource {
            resource_type: f.resource.resource_type.clone(),
            id: f.resource.uid().to_string(),
            partition: f.resource.partition.clone(),
            region: f.resource.region.clone(),
        }],
        compliance: Some(AsffCompliance {
            status: ComplianceStatus::of(f.status),
            related_requirements: f.mappings.clone(),
        }),
        record_state,
    }
}

/// The archived copy of a finding Security Hub holds, for a resource a full scan no longer
/// saw. Everything else is kept: Security Hub replaces the whole finding on import.
pub fn archived(existing: &AsffFinding, now: DateTime<Utc>) -> AsffFinding {
    AsffFinding { record_state: RecordState::Archived, updated_at: now.max(existing.updated_at), ..existing.clone() }
}

impl AsffFinding {
    /// The ztscan rule that produced this finding, from `ProductFields`.
    pub fn rule_id(&self) -> Option<&str> {
        self.product_fields.get(RULE_ID_FIELD).map(String::as_str)
    }

    pub fn compliance_status(&self) -> Option<ComplianceStatus> {
        self.compliance.as_ref().map(|c| c.status)
    }

    /// True when a full scan of `rule_ids` in `account`, started at `scan_started_at`, should
    /// archive this finding: it is ACTIVE, belongs to one of exactly those rules in exactly
    /// that account, and the scan did not refresh it. Timestamps are compared at the
    /// millisecond precision ASFF stores.
    pub fn is_stale(&self, account: &str, rule_ids: &[String], scan_started_at: DateTime<Utc>) -> bool {
        self.record_state == RecordState::Active
            && self.aws_account_id == account
            && self.rule_id().is_some_and(|rule| rule_ids.iter().any(|r| r == rule))
            && self.updated_at < scan_started_at.trunc_subsecs(3)
    }
}

/// An ASFF timestamp: RFC 3339, UTC, milliseconds (`2026-11-01T00:00:00.000Z`).
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Read an ASFF (RFC 3339) timestamp.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// `s` cut to at most `max` characters (not bytes), ending in `…` when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

mod timestamp {
    use chrono::{DateTime, Utc};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_timestamp(&s).ok_or_else(|| D::Error::custom(format!("not an RFC 3339 timestamp: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::ResourceRef;

    fn at(s: &str) -> DateTime<Utc> {
        parse_timestamp(s).unwrap()
    }

    fn finding(status: Status) -> Finding {
        Finding {
            status,
            remediation: "Enable versioning (s3 PutBucketVersioning Status=Enabled).".into(),
            observed_at: at("2026-11-01T12:30:00.250Z"),
            ..Finding::fixture("demo-bucket")
        }
    }

    const PRODUCT: &str = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";

    #[test]
    fn renders_a_failing_finding_as_asff() {
        // GIVEN a failing finding seen before
        let f = finding(Status::Fail);
        // WHEN rendered with the earlier CreatedAt
        let asff = to_asff(&f, PRODUCT, Some(at("2026-10-01T00:00:00Z")));
        // THEN the document is exactly this
        assert_eq!(
            serde_json::to_value(&asff).unwrap(),
            json!({
                "SchemaVersion": "2018-10-08",
                "Id": f.id(),
                "ProductArn": PRODUCT,
                "GeneratorId": "s3.bucket-versioning-enabled",
                "AwsAccountId": "123456789012",
                "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
                "CreatedAt": "2026-10-01T00:00:00.000Z",
                "UpdatedAt": "2026-11-01T12:30:00.250Z",
                "Severity": { "Label": "MEDIUM" },
                "Title": "S3 bucket versioning is enabled",
                "Description": "versioning is Suspended",
                "Remediation": {
                    "Recommendation": { "Text": "Enable versioning (s3 PutBucketVersioning Status=Enabled)." }
                },
                "ProductFields": {
                    "ztscan/RuleId": "s3.bucket-versioning-enabled",
                    "ztscan/Status": "FAIL"
                },
                "Resources": [{
                    "Type": "AwsS3Bucket",
                    "Id": "arn:aws:s3:::demo-bucket",
                    "Partition": "aws",
                    "Region": "us-east-1"
                }],
                "Compliance": { "Status": "FAILED", "RelatedRequirements": ["S3.14"] },
                "RecordState": "ACTIVE"
            })
        );
        assert!(asff.id.starts_with("ztscan/123456789012/us-east-1/s3.bucket-versioning-enabled/"));
    }

    #[test]
    fn round_trips_through_json() {
        let asff = to_asff(&finding(Status::Fail), PRODUCT, None);
        let back: AsffFinding = serde_json::from_value(serde_json::to_value(&asff).unwrap()).unwrap();
        assert_eq!(back, asff);
    }

    #[test]
    fn created_at_is_observed_at_for_a_new_finding() {
        let f = finding(Status::Pass);
        let asff = to_asff(&f, PRODUCT, None);
        assert_eq!(asff.created_at, f.observed_at);
        assert_eq!(asff.updated_at, f.observed_at);
    }

    #[test]
    fn created_at_never_after_updated_at() {
        let f = finding(Status::Pass);
        let asff = to_asff(&f, PRODUCT, Some(at("2027-01-01T00:00:00Z")));
        assert_eq!(asff.created_at, f.observed_at);
    }

    #[test]
    fn maps_every_status_to_compliance_and_record_state() {
        let cases = [
            (Status::Pass, ComplianceStatus::Passed, RecordState::Active),
            (Status::Fail, ComplianceStatus::Failed, RecordState::Active),
            (Status::Unknown, ComplianceStatus::NotAvailable, RecordState::Active),
            (Status::NotApplicable, ComplianceStatus::NotAvailable, RecordState::Archived),
        ];
        for (status, compliance, record_state) in cases {
            let asff = to_asff(&finding(status), PRODUCT, None);
            assert_eq!(asff.compliance_status(), Some(compliance), "{status}");
            assert_eq!(asff.record_state, record_state, "{status}");
            assert_eq!(asff.product_fields[STATUS_FIELD], status.as_str());
        }
    }

    #[test]
    fn resource_id_falls_back_to_the_short_id_without_an_arn() {
        let mut f = finding(Status::Fail);
        f.resource =
            ResourceRef { resource_type: "AwsAccount".into(), id: "123456789012".into(), arn: None, ..f.resource };
        assert_eq!(to_asff(&f, PRODUCT, None).resources[0].id, "123456789012");
    }

    #[test]
    fn description_is_cut_to_1024_chars_on_a_char_boundary() {
        let mut f = finding(Status::Fail);
        f.reason = "é".repeat(2000);
        let description = to_asff(&f, PRODUCT, None).description;
        assert_eq!(description.chars().count(), MAX_DESCRIPTION_CHARS);
        assert!(description.ends_with('…'));
        assert!(description.starts_with("éé"));
    }

    #[test]
    fn short_text_is_left_alone() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "ab…");
    }

    #[test]
    fn default_product_arn_is_the_account_default_product() {
        assert_eq!(default_product_arn("aws", "us-east-1", "123456789012"), PRODUCT);
    }

    #[test]
    fn archived_copy_changes_only_record_state_and_updated_at() {
        let existing = to_asff(&finding(Status::Fail), PRODUCT, None);
        let now = at("2026-11-02T00:00:00Z");
        let copy = archived(&existing, now);
        assert_eq!(copy.record_state, RecordState::Archived);
        assert_eq!(copy.updated_at, now);
        assert_eq!(
            AsffFinding { record_state: RecordState::Active, updated_at: existing.updated_at, ..copy },
            existing
        );
    }

    #[test]
    fn stale_only_for_same_account_listed_rule_active_and_older() {
        let asff = to_asff(&finding(Status::Fail), PRODUCT, None); // updated 12:30:00.250
        let rules = vec!["s3.bucket-versioning-enabled".to_string()];
        let later = at("2026-11-01T13:00:00Z");
        assert!(asff.is_stale("123456789012", &rules, later));
        assert!(!asff.is_stale("210987654321", &rules, later), "other account");
        assert!(!asff.is_stale("123456789012", &["s3.bucket-requires-tls".to_string()], later), "other rule");
        assert!(!asff.is_stale("123456789012", &rules, at("2026-11-01T12:00:00Z")), "refreshed by this scan");
        let gone = archived(&asff, at("2026-11-01T12:31:00Z"));
        assert!(!gone.is_stale("123456789012", &rules, later), "already archived");
    }

    #[test]
    fn refreshed_in_the_same_millisecond_as_the_scan_start_is_not_stale() {
        // The scan started at .250400; the finding observed at .250700 is stored as .250.
        let mut f = finding(Status::Fail);
        f.observed_at = at("2026-11-01T12:30:00.250700Z");
        let asff: AsffFinding =
            serde_json::from_value(serde_json::to_value(to_asff(&f, PRODUCT, None)).unwrap()).unwrap();
        let rules = vec![f.rule_id.clone()];
        assert!(!asff.is_stale("123456789012", &rules, at("2026-11-01T12:30:00.250400Z")));
    }
}
