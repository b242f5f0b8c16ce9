//! Plain structs describing Secrets Manager as the collector saw it: each secret's metadata
//! (rotation, dates, key, version stages, tags) and its resource policy. Rules read only these;
//! SDK types never leave the collectors (`audit/<name>/collector.rs`). Secret *values* are never read, so they cannot appear here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::policy::PolicyDocument;

/// The staging label of the version a secret's callers get.
pub const STAGE_CURRENT: &str = "AWSCURRENT";
/// The staging label a rotation puts on the version it is creating, until it finishes.
pub const STAGE_PENDING: &str = "AWSPENDING";
/// The alias of the AWS-managed key Secrets Manager uses when no key is chosen.
pub const AWS_MANAGED_KEY_ALIAS: &str = "alias/aws/secretsmanager";

/// Everything the Secrets Manager rules need to know about one secret (from `ListSecrets` or
/// `DescribeSecret`, plus `GetResourcePolicy`).
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub arn: String,
    pub name: String,
    /// The secret's region (from its ARN).
    pub region: String,
    /// The KMS key the secret is encrypted with, as the API names it (key id, key ARN, alias or
    /// alias ARN); `None` when the AWS-managed key `aws/secretsmanager` is used (the API omits
    /// the field then).
    pub kms_key_id: Option<String>,
    /// Automatic rotation is turned on.
    pub rotation_enabled: bool,
    /// The rotation function, when rotation uses one (managed rotation has none).
    pub rotation_lambda_arn: Option<String>,
    /// `RotationRules.AutomaticallyAfterDays`, when the schedule is a number of days.
    pub rotation_interval_days: Option<i64>,
    /// `RotationRules.ScheduleExpression` (`rate(...)` or `cron(...)`), when set.
    pub rotation_schedule: Option<String>,
    pub last_rotated: Option<DateTime<Utc>>,
    pub last_changed: Option<DateTime<Utc>>,
    /// The last day the secret was read (the service truncates it to midnight UTC).
    pub last_accessed: Option<DateTime<Utc>>,
    /// When the next scheduled rotation is due.
    pub next_rotation: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    /// The service that created and manages the secret (e.g. `rds`), if any.
    pub owning_service: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Each version id with its staging labels (`AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS`, ...).
    pub version_stages: BTreeMap<String, Vec<String>>,
    /// The resource policy; `None` when the secret has none.
    pub policy: Collected<Option<PolicyDocument>>,
}

impl Default for Secret {
    fn default() -> Self {
        Self {
            arn: String::new(),
            name: String::new(),
            region: "us-east-1".into(),
            kms_key_id: None,
            rotation_enabled: false,
            rotation_lambda_arn: None,
            rotation_interval_days: None,
            rotation_schedule: None,
            last_rotated: None,
            last_changed: None,
            last_accessed: None,
            next_rotation: None,
            created: None,
            owning_service: None,
            tags: BTreeMap::new(),
            version_stages: BTreeMap::new(),
            policy: Ok(None),
        }
    }
}

impl Secret {
    /// A secret that passes every Secrets Manager rule against `ScanContext::fixture()` (now =
    /// 2026-11-01): a customer-managed key, rotation every 30 days that last ran 10 days ago,
    /// read yesterday, and a policy that grants only the own account.
    pub fn fixture(name: &str) -> Self {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).ok();
        let arn = format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"OwnAccount","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:role/app"}},"Action":"secretsmanager:GetSecretValue","Resource":"{arn}"}}]}}"#
        );
        Self {
            name: name.to_string(),
            region: "us-east-1".into(),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
            rotation_enabled: true,
            rotation_lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:rotate".into()),
            rotation_interval_days: Some(30),
            rotation_schedule: None,
            last_rotated: at("2026-10-22T00:00:00Z"),
            last_changed: at("2026-10-22T00:00:00Z"),
            last_accessed: at("2026-10-31T00:00:00Z"),
            next_rotation: at("2026-11-21T23:59:59Z"),
            created: at("2025-01-01T00:00:00Z"),
            owning_service: None,
            tags: BTreeMap::from([
                ("owner".to_string(), "platform".to_string()),
                ("data-classification".to_string(), "confidential".to_string()),
            ]),
            version_stages: BTreeMap::from([
                ("v2".to_string(), vec![STAGE_CURRENT.to_string()]),
                ("v1".to_string(), vec!["AWSPREVIOUS".to_string()]),
            ]),
            policy: Ok(PolicyDocument::parse(&policy).ok()),
            arn,
        }
    }

    /// An error value for tests: AccessDenied on `action`.
    pub fn denied(action: &str) -> CollectError {
        CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDeniedException: not authorised")
    }

    /// Version ids that hold `AWSPENDING` but not `AWSCURRENT`: a rotation that started and has
    /// not finished (it failed, or is stuck).
    pub fn pending_versions(&self) -> Vec<&str> {
        self.version_stages
            .iter()
            .filter(|(_, stages)| {
                stages.iter().any(|s| s == STAGE_PENDING) && !stages.iter().any(|s| s == STAGE_CURRENT)
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// True when the secret is encrypted with the AWS-managed key: no key named, or the
    /// `aws/secretsmanager` alias (by name or alias ARN).
    pub fn uses_aws_managed_key(&self) -> bool {
        match self.kms_key_id.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(k) => k == AWS_MANAGED_KEY_ALIAS || k.ends_with(&format!(":{AWS_MANAGED_KEY_ALIAS}")),
        }
    }
}

/// What the Secrets Manager collector returns for a full scan.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretsInventory {
    /// The secret listing; an error here means no secret could be evaluated, and nothing may be
    /// archived as gone.
    pub secrets: Collected<Vec<Secret>>,
}

pub use super::region_of_arn;

impl crate::collected::Resource for Secret {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        crate::model::ResourceRef::new(
            "AwsSecretsManagerSecret",
            self.name.clone(),
            Some(self.arn.clone()),
            &ctx.account,
            &self.region,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_versions_are_those_without_current() {
        let mut s = Secret::fixture("s");
        assert!(s.pending_versions().is_empty());
        // A rotation in its last step: the new version is both (never reported).
        s.version_stages.insert("v3".into(), vec![STAGE_PENDING.into(), STAGE_CURRENT.into()]);
        assert!(s.pending_versions().is_empty());
        s.version_stages.insert("v4".into(), vec![STAGE_PENDING.into()]);
        assert_eq!(s.pending_versions(), vec!["v4"]);
    }

    #[test]
    fn aws_managed_key_is_recognised_in_every_spelling() {
        let with = |k: Option<&str>| Secret { kms_key_id: k.map(str::to_string), ..Secret::fixture("s") };
        assert!(with(None).uses_aws_managed_key());
        assert!(with(Some("alias/aws/secretsmanager")).uses_aws_managed_key());
        assert!(with(Some("arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager")).uses_aws_managed_key());
        assert!(!with(Some("alias/app-secrets")).uses_aws_managed_key());
        assert!(!Secret::fixture("s").uses_aws_managed_key());
    }

    #[test]
    fn region_comes_from_the_arn() {
        assert_eq!(region_of_arn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"), Some("eu-west-1"));
        assert_eq!(region_of_arn("db-password"), None);
        assert_eq!(region_of_arn("arn:aws:secretsmanager::123:secret:x"), None);
    }
}
