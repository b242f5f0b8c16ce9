//! The finding model: what a rule says about one resource, modelled once and rendered many
//! ways (ASFF, SNS, JSON, SARIF, table).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The outcome of evaluating one rule against one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    /// The rule does not apply to this resource (or the resource is gone).
    NotApplicable,
    /// The rule could not be evaluated (AccessDenied, throttling, API error, malformed data).
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotApplicable => "NOT_APPLICABLE",
            Status::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The ASFF `Severity.Label` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "INFORMATIONAL",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// ASFF `Severity.Normalized` (0-100) for the label, as Security Hub documents it.
    pub fn normalized(self) -> i32 {
        match self {
            Severity::Informational => 0,
            Severity::Low => 30,
            Severity::Medium => 50,
            Severity::High => 70,
            Severity::Critical => 90,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a severity name that is not one of ours.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown severity {0:?}: expected one of critical, high, medium, low, informational")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "c" | "critical" => Ok(Severity::Critical),
            "h" | "high" => Ok(Severity::High),
            "m" | "medium" => Ok(Severity::Medium),
            "l" | "low" => Ok(Severity::Low),
            "i" | "info" | "informational" => Ok(Severity::Informational),
            _ => Err(UnknownSeverity(s.to_string())),
        }
    }
}

/// Whether a rule can be re-evaluated for one resource from a Config change event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Change,
    Periodic,
}

/// Static metadata of a rule. Ids are stable forever: they are part of the finding id. Written
/// once per rule, with its documentation, by the `rule!` macro of the `rules` module.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    /// `<service>.<what-must-be-true>`, as written in the control catalogue.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The ASFF resource type the rule evaluates (`AwsS3Bucket`, `AwsAccount`, ...).
    pub resource_type: &'static str,
    pub trigger: Trigger,
    /// The controls of other catalogues this rule corresponds to.
    pub mappings: &'static [Mapping],
    /// Seed documents the control comes from (by number, `000`..`004`).
    pub seeds: &'static [&'static str],
    /// The rule's documentation, in fixed sections.
    pub doc: RuleDoc,
}

impl RuleMeta {
    /// What to do about a failure, in one sentence: the first paragraph of the documented
    /// remediation, which every finding of the rule carries.
    pub fn remediation(&self) -> &'static str {
        self.doc.remediation_summary()
    }
}

/// A rule's documentation in the fixed sections ruff and ztscan use. Each section is Markdown
/// (inline code, lists); `references` holds only further reading, since the mappings and seeds
/// are data on [`RuleMeta`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleDoc {
    pub what_it_checks: &'static str,
    pub why_it_matters: &'static str,
    pub example: &'static str,
    /// The first paragraph is the one-sentence fix a finding carries; the rest is detail.
    pub remediation: &'static str,
    pub references: &'static str,
}

impl RuleDoc {
    /// A documentation with only a remediation, for test fixtures.
    pub const fn remediation_only(remediation: &'static str) -> Self {
        Self { what_it_checks: "", why_it_matters: "", example: "", remediation, references: "" }
    }

    /// The first paragraph of the remediation.
    pub fn remediation_summary(&self) -> &'static str {
        let text: &'static str = self.remediation;
        text.split("\n\n").next().unwrap_or(text).trim()
    }
}

/// A control of another catalogue that a rule corresponds to. Only FSBP and CIS ids are
/// compliance requirements (they go to Security Hub's `Compliance.RelatedRequirements`); the
/// others name a peer tool's check, for comparison.
///
/// Serialised as its label: the bare FSBP id (`S3.5`, as Security Hub writes it), or the
/// catalogue's name and the id (`CIS 1.16`, `Prowler awslambda_function_url_public`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// An AWS Foundational Security Best Practices control (`S3.5`).
    Fsbp(Cow<'static, str>),
    /// A CIS AWS Foundations Benchmark recommendation (`1.16`).
    Cis(Cow<'static, str>),
    /// A Prowler check (`awslambda_function_url_public`).
    Prowler(Cow<'static, str>),
    /// An AWS Config managed rule (`cloudformation-termination-protection-check`).
    AwsConfig(Cow<'static, str>),
    /// A Parliament finding (`NOTRESOURCE_WITH_ALLOW`).
    Parliament(Cow<'static, str>),
    /// A Cloudsplaining finding (`ResourceExposure`).
    Cloudsplaining(Cow<'static, str>),
}

impl Mapping {
    /// The catalogue's name, as a label prefix (`""` for FSBP, whose ids are self-describing).
    pub fn catalogue(&self) -> &'static str {
        match self {
            Mapping::Fsbp(_) => "FSBP",
            Mapping::Cis(_) => "CIS",
            Mapping::Prowler(_) => "Prowler",
            Mapping::AwsConfig(_) => "Config",
            Mapping::Parliament(_) => "Parliament",
            Mapping::Cloudsplaining(_) => "Cloudsplaining",
        }
    }

    /// The id within its catalogue.
    pub fn id(&self) -> &str {
        match self {
            Mapping::Fsbp(id)
            | Mapping::Cis(id)
            | Mapping::Prowler(id)
            | Mapping::AwsConfig(id)
            | Mapping::Parliament(id)
            | Mapping::Cloudsplaining(id) => id,
        }
    }

    /// True for a compliance standard's requirement (FSBP, CIS), false for a peer tool's check.
    pub fn is_compliance_requirement(&self) -> bool {
        matches!(self, Mapping::Fsbp(_) | Mapping::Cis(_))
    }
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mapping::Fsbp(id) => f.write_str(id),
            other => write!(f, "{} {}", other.catalogue(), other.id()),
        }
    }
}

/// Error for a mapping label that names no catalogue or no id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unreadable mapping {0:?}: expected an FSBP id (`S3.5`) or `<CIS|Prowler|Config|Parliament|Cloudsplaining> <id>`"
)]
pub struct UnreadableMapping(pub String);

impl FromStr for Mapping {
    type Err = UnreadableMapping;
    fn from_str(label: &str) -> Result<Self, Self::Err> {
        let owned = |id: &str| Cow::Owned(id.to_string());
        let mapping = match label.split_once(' ') {
            Some(("CIS", id)) => Mapping::Cis(owned(id)),
            Some(("Prowler", id)) => Mapping::Prowler(owned(id)),
            Some(("Config", id)) => Mapping::AwsConfig(owned(id)),
            Some(("Parliament", id)) => Mapping::Parliament(owned(id)),
            Some(("Cloudsplaining", id)) => Mapping::Cloudsplaining(owned(id)),
            None if label.split_once('.').is_some_and(|(service, number)| {
                !service.is_empty() && !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
            }) =>
            {
                Mapping::Fsbp(owned(label))
            }
            _ => return Err(UnreadableMapping(label.to_string())),
        };
        if mapping.id().trim().is_empty() {
            return Err(UnreadableMapping(label.to_string()));
        }
        Ok(mapping)
    }
}

impl Serialize for Mapping {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mapping {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let label = String::deserialize(deserializer)?;
        label.parse().map_err(serde::de::Error::custom)
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// ASFF resource type (`AwsS3Bucket`, `AwsAccount`).
    pub resource_type: String,
    /// Short identifier (bucket name, account id).
    pub id: String,
    /// ARN, where the resource has one.
    pub arn: Option<String>,
    pub account: String,
    pub region: String,
    pub partition: String,
}

impl ResourceRef {
    /// A resource of `account` in `region`; the partition follows from the region.
    pub fn new(resource_type: &str, id: impl Into<String>, arn: Option<String>, account: &str, region: &str) -> Self {
        Self {
            resource_type: resource_type.to_string(),
            id: id.into(),
            arn,
            account: account.to_string(),
            region: region.to_string(),
            partition: crate::context::partition_for(region).to_string(),
        }
    }

    /// The identifier used everywhere a single string is needed: the ARN, or the id.
    pub fn uid(&self) -> &str {
        self.arn.as_deref().unwrap_or(&self.id)
    }
}

/// What a rule concluded about one resource, before it becomes a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// Why, in a sentence a person can act on. Never contains a secret value.
    pub reason: String,
    /// This finding's severity when the rule grades its findings (documented in the rule);
    /// `None`: the rule's own severity.
    pub severity: Option<Severity>,
    /// A remediation that fits this finding better than the rule's (e.g. detach an
    /// AWS-managed policy rather than edit it); `None`: the rule's.
    pub remediation: Option<&'static str>,
}

impl Outcome {
    /// An outcome of `status`, with the rule's own severity and remediation.
    pub fn new(status: Status, reason: impl Into<String>) -> Self {
        Self { status, reason: reason.into(), severity: None, remediation: None }
    }
    pub fn pass(reason: impl Into<String>) -> Self {
        Self::new(Status::Pass, reason)
    }
    pub fn fail(reason: impl Into<String>) -> Self {
        Self::new(Status::Fail, reason)
    }
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::new(Status::NotApplicable, reason)
    }
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::new(Status::Unknown, reason)
    }
    /// Grade this finding: its severity instead of the rule's.
    pub fn with_severity(self, severity: Severity) -> Self {
        Self { severity: Some(severity), ..self }
    }
    /// This finding's remediation instead of the rule's.
    pub fn with_remediation(self, remediation: &'static str) -> Self {
        Self { remediation: Some(remediation), ..self }
    }
}

/// One rule's verdict on one resource, with everything a renderer needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub reason: String,
    pub resource: ResourceRef,
    pub remediation: String,
    pub mappings: Vec<Mapping>,
    /// When the scan observed the resource.
    pub observed_at: DateTime<Utc>,
}

impl Finding {
    /// A finding for tests and examples: `s3.bucket-versioning-enabled` FAIL (Medium) on bucket
    /// `bucket` of account 123456789012 in us-east-1, observed at the Unix epoch. Override fields
    /// with struct update syntax.
    pub fn fixture(bucket: &str) -> Self {
        Self {
            rule_id: "s3.bucket-versioning-enabled".into(),
            title: "S3 bucket versioning is enabled".into(),
            severity: Severity::Medium,
            status: Status::Fail,
            reason: "versioning is Suspended".into(),
            resource: ResourceRef::new(
                "AwsS3Bucket",
                bucket,
                Some(format!("arn:aws:s3:::{bucket}")),
                "123456789012",
                "us-east-1",
            ),
            remediation: "Enable versioning.".into(),
            mappings: vec![Mapping::Fsbp("S3.14".into())],
            observed_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    pub fn new(meta: &RuleMeta, resource: ResourceRef, outcome: Outcome, observed_at: DateTime<Utc>) -> Self {
        Self {
            rule_id: meta.id.to_string(),
            title: meta.title.to_string(),
            severity: outcome.severity.unwrap_or(meta.severity),
            status: outcome.status,
            reason: outcome.reason,
            resource,
            remediation: outcome.remediation.unwrap_or(meta.remediation()).to_string(),
            mappings: meta.mappings.to_vec(),
            observed_at,
        }
    }

    /// Deterministic finding id: the same rule on the same resource always gets the same id,
    /// so a re-scan updates the Security Hub finding instead of duplicating it. The resource
    /// part is hashed to keep the id short (ASFF allows 512 characters) and free of `/`.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.resource.uid().as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("ztscan/{}/{}/{}/{}", self.resource.account, self.resource.region, self.rule_id, hex)
    }

    pub fn is_failure(&self) -> bool {
        self.status == Status::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(uid: &str) -> Finding {
        let mut f = Finding::fixture("b");
        f.resource.arn = Some(uid.into());
        f
    }

    #[test]
    fn finding_id_is_deterministic_and_resource_specific() {
        let a = finding("arn:aws:s3:::a");
        assert_eq!(a.id(), finding("arn:aws:s3:::a").id());
        assert_ne!(a.id(), finding("arn:aws:s3:::b").id());
        assert!(a.id().starts_with("ztscan/123456789012/us-east-1/s3.bucket-versioning-enabled/"));
    }

    #[test]
    fn severity_parses_names_and_letters_and_orders() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert_eq!("c".parse::<Severity>(), Ok(Severity::Critical));
        assert!("severe".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Informational);
    }

    #[test]
    fn mappings_serialise_as_labels_and_read_back() {
        let mappings = vec![
            Mapping::Fsbp("S3.5".into()),
            Mapping::Cis("1.16".into()),
            Mapping::Prowler("awslambda_function_url_public".into()),
            Mapping::AwsConfig("cloudformation-termination-protection-check".into()),
        ];
        let json = serde_json::to_string(&mappings).unwrap();
        assert_eq!(
            json,
            r#"["S3.5","CIS 1.16","Prowler awslambda_function_url_public","Config cloudformation-termination-protection-check"]"#
        );
        assert_eq!(serde_json::from_str::<Vec<Mapping>>(&json).unwrap(), mappings);
    }

    #[test]
    fn placeholders_are_not_mappings() {
        for label in ["(none)", "(none in Prowler)", "none", "", "Prowler ", "S3.x", "(Access Advisor)"] {
            assert!(label.parse::<Mapping>().is_err(), "{label:?} was read as a mapping");
        }
    }

    #[test]
    fn only_standards_are_compliance_requirements() {
        assert!(Mapping::Fsbp("S3.5".into()).is_compliance_requirement());
        assert!(Mapping::Cis("1.16".into()).is_compliance_requirement());
        assert!(!Mapping::Prowler("x".into()).is_compliance_requirement());
        assert!(!Mapping::Parliament("x".into()).is_compliance_requirement());
    }

    #[test]
    fn the_remediation_summary_is_the_first_paragraph() {
        let doc = RuleDoc { remediation: "Do this.\n\nIn detail: `aws ...`.", ..RuleDoc::remediation_only("") };
        assert_eq!(doc.remediation_summary(), "Do this.");
        assert_eq!(RuleDoc::remediation_only("Only.").remediation_summary(), "Only.");
    }

    #[test]
    fn a_graded_outcome_sets_the_findings_severity_and_remediation() {
        static META: RuleMeta = RuleMeta {
            id: "x.graded",
            title: "graded",
            severity: Severity::High,
            resource_type: "AwsIamRole",
            trigger: Trigger::Change,
            mappings: &[],
            seeds: &[],
            doc: RuleDoc::remediation_only("The rule's fix."),
        };
        let r = Finding::fixture("b").resource;
        let plain = Finding::new(&META, r.clone(), Outcome::fail("x"), DateTime::<Utc>::UNIX_EPOCH);
        assert_eq!((plain.severity, plain.remediation.as_str()), (Severity::High, "The rule's fix."));
        let graded = Outcome::fail("x").with_severity(Severity::Critical).with_remediation("Detach it.");
        let f = Finding::new(&META, r, graded, DateTime::<Utc>::UNIX_EPOCH);
        assert_eq!((f.severity, f.remediation.as_str()), (Severity::Critical, "Detach it."));
        let asff = crate::render::asff::to_asff(
            &f,
            "arn:aws:securityhub:us-east-1::product/x/y",
            None,
            crate::render::asff::Before::New,
        );
        assert_eq!(asff.finding_provider_fields.severity.label, Severity::Critical);
        assert_eq!(f.id(), plain.id(), "the grade is not part of the finding id");
    }

    #[test]
    fn status_serialises_as_catalogue_spelling() {
        assert_eq!(serde_json::to_string(&Status::NotApplicable).unwrap(), "\"NOT_APPLICABLE\"");
    }
}
