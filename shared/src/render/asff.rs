//! AWS Security Finding Format (ASFF): one [`Finding`] rendered as the document Security Hub
//! imports, plus the archived copy sent when a resource has vanished.
//!
//! Pure: no IO and no clock. What Security Hub already holds for the finding id comes in as
//! [`History`], so a re-scan updates the finding instead of resetting its age.
//! The SDK conversion lives in `publish::securityhub`; this typed struct is what the rest of
//! the code sees.
//!
//! Who owns which field (Security Hub's `BatchImportFindings` and `BatchUpdateFindings`
//! documentation):
//! - the provider's severity and types go in `FindingProviderFields`, never in the top-level
//!   `Severity`/`Types`: Security Hub fills the top-level fields from them when it creates the
//!   finding, and afterwards updates them from `FindingProviderFields` only while no customer
//!   has changed them with `BatchUpdateFindings`. So a customer's severity override survives
//!   every re-scan and every archive;
//! - `Workflow`, `Note`, `UserDefinedFields` and `VerificationState` belong to the customer:
//!   ztscan never sends them;
//! - `CreatedAt` and `FirstObservedAt` are set once (the earliest observation) and kept;
//!   `UpdatedAt` and `LastObservedAt` are the observation time of this result. Security Hub
//!   ignores an update whose `UpdatedAt` is not later than the one it holds, so `UpdatedAt` is
//!   what orders results; see [`archive_time`] for the archived copy's.

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
/// `ProductFields` key holding what Security Hub showed for this finding id before this
/// observation ([`Before`]): the alert decision for an observation is made from it, so a
/// redelivered result that is already imported decides exactly as the first delivery did.
pub const BEFORE_FIELD: &str = "ztscan/Before";
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
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub first_observed_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub last_observed_at: DateTime<Utc>,
    /// The provider's severity and types (see the module docs).
    pub finding_provider_fields: AsffProviderFields,
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

/// ASFF `FindingProviderFields`: the values only the provider sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffProviderFields {
    pub severity: AsffProviderSeverity,
    pub types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffProviderSeverity {
    pub label: Severity,
    /// The provider's own spelling of the severity (ztscan's label).
    pub original: String,
}

impl AsffProviderFields {
    pub fn new(severity: Severity) -> Self {
        Self {
            severity: AsffProviderSeverity { label: severity, original: severity.as_str().to_string() },
            types: vec![FINDING_TYPE.to_string()],
        }
    }
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

/// What Security Hub showed for a finding id before an observation: the input of the alert
/// decision, stored with the observation under [`BEFORE_FIELD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    /// Security Hub held nothing for the id.
    New,
    /// An ACTIVE finding with FAILED compliance.
    ActiveFailure,
    /// Anything else (passing, not available, or archived).
    Other,
}

impl Before {
    pub fn as_str(self) -> &'static str {
        match self {
            Before::New => "NEW",
            Before::ActiveFailure => "ACTIVE_FAILURE",
            Before::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NEW" => Some(Before::New),
            "ACTIVE_FAILURE" => Some(Before::ActiveFailure),
            "OTHER" => Some(Before::Other),
            _ => None,
        }
    }

    /// What Security Hub shows for a held finding.
    pub fn of(compliance: Option<ComplianceStatus>, record_state: RecordState) -> Self {
        match (record_state, compliance) {
            (RecordState::Active, Some(ComplianceStatus::Failed)) => Before::ActiveFailure,
            _ => Before::Other,
        }
    }
}

/// What Security Hub already holds for a finding id, as far as rendering needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct History {
    pub created_at: Option<DateTime<Utc>>,
    pub first_observed_at: Option<DateTime<Utc>>,
}

/// The default product of an account: what Security Hub calls findings an account imports
/// about itself. `region` is the region the findings are imported into.
pub fn default_product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The account whose default product `arn` is, or `None` when it is another kind of product
/// (a partner integration, `arn:aws:securityhub:us-east-1::product/<company>/<product>`).
pub fn default_product_owner(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "securityhub", _, account, resource] = parts.as_slice() else { return None };
    (!account.is_empty() && *resource == format!("product/{account}/default")).then_some(*account)
}

/// The product a finding of `account` is imported into, in `region`. A configured product
/// that is some account's default product is that account's only: Security Hub takes a
/// default-product finding only from its own account, and a member's findings are imported
/// with the member's credentials, so they go to the member's own default product. Any other
/// configured product (a partner integration) applies to every account.
pub fn product_arn_for(configured: Option<&str>, partition: &str, region: &str, account: &str) -> String {
    match configured {
        Some(arn) if default_product_owner(arn).is_none_or(|owner| owner == account) => arn.to_string(),
        _ => default_product_arn(partition, region, account),
    }
}

/// A time at the millisecond precision ASFF stores: what Security Hub compares.
pub fn asff_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// The `UpdatedAt` of the archived copies a full scan that started at `scan_started_at`
/// sends. Every finding it archives was last updated before the scan started (earlier than
/// this, at ASFF precision: [`AsffFinding::is_stale`]), and every later observation is at or
/// after the scan's start; so Security Hub takes the archive over what it supersedes and any
/// later observation over the archive, whatever order SQS delivers them in. Derived from the
/// scan, never from the publisher's clock, so a redelivered `ScanComplete` archives with the
/// same time.
pub fn archive_time(scan_started_at: DateTime<Utc>) -> DateTime<Utc> {
    asff_time(scan_started_at)
}

/// Render `f` as ASFF. `history` is what Security Hub holds for this finding id (default:
/// nothing); the earliest of it and `observed_at` is kept as `CreatedAt`/`FirstObservedAt`.
/// `before` is stored under [`BEFORE_FIELD`].
pub fn to_asff(f: &Finding, product_arn: &str, history: Option<History>, before: Before) -> AsffFinding {
    let history = history.unwrap_or_default();
    let created_at = history.created_at.map_or(f.observed_at, |earlier| earlier.min(f.observed_at));
    let first_observed_at =
        history.first_observed_at.or(history.created_at).map_or(f.observed_at, |earlier| earlier.min(f.observed_at));
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
        created_at,
        updated_at: f.observed_at,
        first_observed_at,
        last_observed_at: f.observed_at,
        finding_provider_fields: AsffProviderFields::new(f.severity),
        title: truncate_chars(&f.title, MAX_TITLE_CHARS),
        description: truncate_chars(&f.reason, MAX_DESCRIPTION_CHARS),
        remediation: Some(AsffRemediation {
            recommendation: AsffRecommendation { text: truncate_chars(&f.remediation, MAX_RECOMMENDATION_CHARS) },
        }),
        product_fields: BTreeMap::from([
            (RULE_ID_FIELD.to_string(), f.rule_id.clone()),
            (STATUS_FIELD.to_string(), f.status.as_str().to_string()),
            (BEFORE_FIELD.to_string(), before.as_str().to_string()),
        ]),
        resources: vec![AsffResource {
            resource_type: f.resource.resource_type.clone(),
            id: f.resource.uid().to_string(),
            partition: f.resource.partition.clone(),
            region: f.resource.region.clone(),
        }],
        compliance: Some(AsffCompliance {
            status: ComplianceStatus::of(f.status),
            // Standards' requirements only (FSBP, CIS): a peer tool's check is not one.
            related_requirements: f
                .mappings
                .iter()
                .filter(|m| m.is_compliance_requirement())
                .map(ToString::to_string)
                .collect(),
        }),
        record_state,
    }
}

/// The archived copy of a finding Security Hub holds, for a resource a full scan no longer
/// saw, stamped `at` ([`archive_time`] of the scan). Everything else is kept: Security Hub
/// replaces the provider's fields on import. `LastObservedAt` stays: the resource was not
/// observed. The copy carries no customer-owned field (none is modelled here).
pub fn archived(existing: &AsffFinding, at: DateTime<Utc>) -> AsffFinding {
    AsffFinding { record_state: RecordState::Archived, updated_at: at, ..existing.clone() }
}

impl AsffFinding {
    /// The ztscan rule that produced this finding, from `ProductFields`.
    pub fn rule_id(&self) -> Option<&str> {
        self.product_fields.get(RULE_ID_FIELD).map(String::as_str)
    }

    pub fn compliance_status(&self) -> Option<ComplianceStatus> {
        self.compliance.as_ref().map(|c| c.status)
    }

    /// What Security Hub showed before this finding was imported ([`BEFORE_FIELD`]).
    pub fn before(&self) -> Option<Before> {
        self.product_fields.get(BEFORE_FIELD).and_then(|s| Before::parse(s))
    }

    /// True when a full scan of `rule_ids` in `account`, started at `scan_started_at`, should
    /// archive this finding: it is ACTIVE, belongs to one of exactly those rules in exactly
    /// that account, and the scan did not refresh it. Timestamps are compared at the
    /// millisecond precision ASFF stores.
    pub fn is_stale(&self, account: &str, rule_ids: &[String], scan_started_at: DateTime<Utc>) -> bool {
        self.record_state == RecordState::Active
            && self.aws_account_id == account
            && self.rule_id().is_some_and(|rule| rule_ids.iter().any(|r| r == rule))
            && self.updated_at < archive_time(scan_started_at)
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
        let asff = to_asff(
            &f,
            PRODUCT,
            Some(History { created_at: Some(at("2026-10-01T00:00:00Z")), first_observed_at: None }),
            Before::ActiveFailure,
        );
        // THEN the document is exactly this
        assert_eq!(
            serde_json::to_value(&asff).unwrap(),
            json!({
                "SchemaVersion": "2018-10-08",
                "Id": f.id(),
                "ProductArn": PRODUCT,
                "GeneratorId": "s3.bucket-versioning-enabled",
                "AwsAccountId": "123456789012",
                "CreatedAt": "2026-10-01T00:00:00.000Z",
                "UpdatedAt": "2026-11-01T12:30:00.250Z",
                "FirstObservedAt": "2026-10-01T00:00:00.000Z",
                "LastObservedAt": "2026-11-01T12:30:00.250Z",
                "FindingProviderFields": {
                    "Severity": { "Label": "MEDIUM", "Original": "MEDIUM" },
                    "Types": ["Software and Configuration Checks/AWS Security Best Practices"]
                },
                "Title": "S3 bucket versioning is enabled",
                "Description": "versioning is Suspended",
                "Remediation": {
                    "Recommendation": { "Text": "Enable versioning (s3 PutBucketVersioning Status=Enabled)." }
                },
                "ProductFields": {
                    "ztscan/Before": "ACTIVE_FAILURE",
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
    fn related_requirements_hold_only_standards_ids() {
        use crate::model::Mapping;
        let f = Finding {
            mappings: vec![
                Mapping::Fsbp("IAM.1".into()),
                Mapping::Cis("1.16".into()),
                Mapping::Prowler("iam_policy_allows_privilege_escalation".into()),
            ],
            ..finding(Status::Fail)
        };
        let compliance = to_asff(&f, "arn:p", None, Before::New).compliance.unwrap();
        assert_eq!(compliance.related_requirements, vec!["IAM.1", "CIS 1.16"]);
    }

    #[test]
    fn round_trips_through_json() {
        let asff = to_asff(&finding(Status::Fail), PRODUCT, None, Before::New);
        let back: AsffFinding = serde_json::from_value(serde_json::to_value(&asff).unwrap()).unwrap();
        assert_eq!(back, asff);
    }

    #[test]
    fn created_at_is_observed_at_for_a_new_finding() {
        let f = finding(Status::Pass);
        let asff = to_asff(&f, PRODUCT, None, Before::New);
        assert_eq!(asff.created_at, f.observed_at);
        assert_eq!(asff.updated_at, f.observed_at);
    }

    #[test]
    fn created_at_never_after_updated_at() {
        let f = finding(Status::Pass);
        let asff = to_asff(
            &f,
            PRODUCT,
            Some(History { created_at: Some(at("2027-01-01T00:00:00Z")), first_observed_at: None }),
            Before::New,
        );
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
            let asff = to_asff(&finding(status), PRODUCT, None, Before::New);
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
        assert_eq!(to_asff(&f, PRODUCT, None, Before::New).resources[0].id, "123456789012");
    }

    #[test]
    fn description_is_cut_to_1024_chars_on_a_char_boundary() {
        let mut f = finding(Status::Fail);
        f.reason = "é".repeat(2000);
        let description = to_asff(&f, PRODUCT, None, Before::New).description;
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
    fn first_observed_at_is_set_once_and_kept() {
        let f = finding(Status::Fail);
        let new = to_asff(&f, PRODUCT, None, Before::New);
        assert_eq!((new.first_observed_at, new.last_observed_at), (f.observed_at, f.observed_at));
        let first = at("2026-09-01T00:00:00Z");
        let history = History { created_at: Some(at("2026-09-02T00:00:00Z")), first_observed_at: Some(first) };
        let again = to_asff(&f, PRODUCT, Some(history), Before::ActiveFailure);
        assert_eq!(again.first_observed_at, first);
        assert_eq!(again.created_at, at("2026-09-02T00:00:00Z"));
        assert_eq!(again.last_observed_at, f.observed_at);
        assert_eq!(again.before(), Some(Before::ActiveFailure));
    }

    #[test]
    fn severity_and_types_are_the_providers_only() {
        let json = serde_json::to_value(to_asff(&finding(Status::Fail), PRODUCT, None, Before::New)).unwrap();
        assert!(json.get("Severity").is_none(), "the top-level Severity is the customer's once set");
        assert!(json.get("Types").is_none());
        for customer_owned in ["Workflow", "Note", "UserDefinedFields", "VerificationState"] {
            assert!(json.get(customer_owned).is_none(), "{customer_owned}");
        }
        assert_eq!(json["FindingProviderFields"]["Severity"]["Label"], "MEDIUM");
    }

    #[test]
    fn a_configured_default_product_applies_to_its_own_account_only() {
        let hub = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
        assert_eq!(product_arn_for(Some(hub), "aws", "us-east-1", "123456789012"), hub);
        assert_eq!(
            product_arn_for(Some(hub), "aws", "us-east-1", "222222222222"),
            "arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default",
            "a member's findings go to the member's own default product"
        );
        let partner = "arn:aws:securityhub:us-east-1::product/example/scanner";
        assert_eq!(product_arn_for(Some(partner), "aws", "us-east-1", "222222222222"), partner);
        assert_eq!(
            product_arn_for(None, "aws-cn", "cn-north-1", "222222222222"),
            "arn:aws-cn:securityhub:cn-north-1:222222222222:product/222222222222/default"
        );
        assert_eq!(default_product_owner(hub), Some("123456789012"));
        assert_eq!(default_product_owner(partner), None);
        assert_eq!(default_product_owner("not an arn"), None);
    }

    #[test]
    fn the_archive_time_sits_between_what_it_supersedes_and_any_later_observation() {
        let started = at("2026-11-01T12:00:00.250700Z");
        let archive = archive_time(started);
        let rules = vec!["s3.bucket-versioning-enabled".to_string()];
        let mut f = finding(Status::Fail);
        // A finding stored just before the scan's millisecond is superseded ...
        f.observed_at = at("2026-11-01T12:00:00.249999Z");
        let older = to_asff(&f, PRODUCT, None, Before::New);
        assert!(older.is_stale("123456789012", &rules, started));
        assert!(asff_time(older.updated_at) < archive);
        // ... and any observation from the scan's start on is not older than the archive.
        f.observed_at = started;
        assert!(asff_time(f.observed_at) >= archive);
        assert!(!to_asff(&f, PRODUCT, None, Before::New).is_stale("123456789012", &rules, started));
    }

    #[test]
    fn archived_copy_changes_only_record_state_and_updated_at() {
        let existing = to_asff(&finding(Status::Fail), PRODUCT, None, Before::New);
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
        let asff = to_asff(&finding(Status::Fail), PRODUCT, None, Before::New); // updated 12:30:00.250
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
            serde_json::from_value(serde_json::to_value(to_asff(&f, PRODUCT, None, Before::New)).unwrap()).unwrap();
        let rules = vec![f.rule_id.clone()];
        assert!(!asff.is_stale("123456789012", &rules, at("2026-11-01T12:30:00.250400Z")));
    }
}
