//! The Secrets Manager collector: one paginated `ListSecrets` listing (which already carries
//! each secret's rotation settings, dates, key, tags and version stages), then one
//! `GetResourcePolicy` per secret with bounded concurrency. A single secret from a Config
//! change event is read with `DescribeSecret`. Nothing else is called: in particular never
//! `GetSecretValue`, so the audit role cannot read a secret's value.
//!
//! A failed listing is kept as the inventory's `CollectError` (every rule UNKNOWN, no archive
//! sweep); a failed or unparsable policy is kept on its secret (only the policy rule UNKNOWN).

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::secretsmanager::{region_of_arn, Secret, SecretsInventory};
use crate::scan_config::ScanConfig;

/// Every IAM action this collector calls, as data. The secrets-audit role must grant exactly
/// these (checked by `tests/tests/template_permissions.rs`); `GetSecretValue` is not one.
pub const IAM_ACTIONS: &[&str] =
    &["secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"];

const LIST: &str = "secretsmanager:ListSecrets";
const DESCRIBE: &str = "secretsmanager:DescribeSecret";
const GET_POLICY: &str = "secretsmanager:GetResourcePolicy";

/// `ListSecrets` accepts at most 100 results per page.
const MAX_PAGE: i32 = 100;

/// Reads Secrets Manager metadata for one account and region.
#[derive(Clone)]
pub struct SecretsCollector {
    client: aws_sdk_secretsmanager::Client,
    concurrency: usize,
    page_size: Option<i32>,
}

fn to_chrono(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// The fields `ListSecrets` entries and `DescribeSecret` outputs share, read once into a
/// [`Secret`] (policy not yet read).
struct Metadata<'a> {
    arn: Option<&'a str>,
    name: Option<&'a str>,
    kms_key_id: Option<&'a str>,
    rotation_enabled: Option<bool>,
    rotation_lambda_arn: Option<&'a str>,
    rotation_rules: Option<&'a aws_sdk_secretsmanager::types::RotationRulesType>,
    last_rotated: Option<&'a aws_smithy_types::DateTime>,
    last_changed: Option<&'a aws_smithy_types::DateTime>,
    last_accessed: Option<&'a aws_smithy_types::DateTime>,
    next_rotation: Option<&'a aws_smithy_types::DateTime>,
    created: Option<&'a aws_smithy_types::DateTime>,
    owning_service: Option<&'a str>,
    tags: &'a [aws_sdk_secretsmanager::types::Tag],
    versions: Option<&'a std::collections::HashMap<String, Vec<String>>>,
}

impl Metadata<'_> {
    fn into_secret(self, default_region: &str) -> Secret {
        let arn = self.arn.unwrap_or_default().to_string();
        let region = region_of_arn(&arn).unwrap_or(default_region).to_string();
        let version_stages: BTreeMap<String, Vec<String>> = self
            .versions
            .map(|m| {
                m.iter()
                    .map(|(id, stages)| {
                        let mut stages = stages.clone();
                        stages.sort();
                        (id.clone(), stages)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Secret {
            name: self.name.unwrap_or_default().to_string(),
            region,
            kms_key_id: self.kms_key_id.filter(|k| !k.is_empty()).map(str::to_string),
            // The API leaves RotationEnabled out when rotation was never configured.
            rotation_enabled: self.rotation_enabled.unwrap_or(false),
            rotation_lambda_arn: self.rotation_lambda_arn.filter(|a| !a.is_empty()).map(str::to_string),
            rotation_interval_days: self.rotation_rules.and_then(|r| r.automatically_after_days()),
            rotation_schedule: self.rotation_rules.and_then(|r| r.schedule_expression()).map(str::to_string),
            last_rotated: to_chrono(self.last_rotated),
            last_changed: to_chrono(self.last_changed),
            last_accessed: to_chrono(self.last_accessed),
            next_rotation: to_chrono(self.next_rotation),
            created: to_chrono(self.created),
            owning_service: self.owning_service.filter(|s| !s.is_empty()).map(str::to_string),
            tags: self
                .tags
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                .collect(),
            version_stages,
            policy: Ok(None),
            arn,
        }
    }
}

fn from_list_entry(e: &aws_sdk_secretsmanager::types::SecretListEntry, region: &str) -> Secret {
    Metadata {
        arn: e.arn(),
        name: e.name(),
        kms_key_id: e.kms_key_id(),
        rotation_enabled: e.rotation_enabled(),
        rotation_lambda_arn: e.rotation_lambda_arn(),
        rotation_rules: e.rotation_rules(),
        last_rotated: e.last_rotated_date(),
        last_changed: e.last_changed_date(),
        last_accessed: e.last_accessed_date(),
        next_rotation: e.next_rotation_date(),
        created: e.created_date(),
        owning_service: e.owning_service(),
        tags: e.tags(),
        versions: e.secret_versions_to_stages(),
    }
    .into_secret(region)
}

fn from_describe(o: &aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput, region: &str) -> Secret {
    Metadata {
        arn: o.arn(),
        name: o.name(),
        kms_key_id: o.kms_key_id(),
        rotation_enabled: o.rotation_enabled(),
        rotation_lambda_arn: o.rotation_lambda_arn(),
        rotation_rules: o.rotation_rules(),
        last_rotated: o.last_rotated_date(),
        last_changed: o.last_changed_date(),
        last_accessed: o.last_accessed_date(),
        next_rotation: o.next_rotation_date(),
        created: o.created_date(),
        owning_service: o.owning_service(),
        tags: o.tags(),
        versions: o.version_ids_to_stages(),
    }
    .into_secret(region)
}

/// Parse a resource policy as Secrets Manager returns it (plain JSON). `secret` names the
/// secret in the error.
pub fn parse_resource_policy(text: &str, secret: &str) -> Collected<PolicyDocument> {
    PolicyDocument::parse(text).map_err(|e| {
        CollectError::new(CollectErrorKind::Malformed, GET_POLICY, format!("resource policy of secret {secret}: {e}"))
    })
}

impl SecretsCollector {
    /// Build the collector's client from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_client(aws_sdk_secretsmanager::Client::new(sdk), config)
    }

    /// Build from a ready client (tests with `aws-smithy-mocks`).
    pub fn from_client(client: aws_sdk_secretsmanager::Client, config: &ScanConfig) -> Self {
        Self {
            client,
            concurrency: config.concurrency.max(1),
            page_size: config.page_size.map(|p| p.clamp(1, MAX_PAGE)),
        }
    }

    /// The client's region, for secrets whose ARN does not name one.
    fn region(&self) -> String {
        self.client.config().region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string())
    }

    /// Every secret (not scheduled for deletion) with its resource policy. Never fails as a
    /// whole: a failed listing is the inventory's error.
    pub async fn collect_all(&self) -> SecretsInventory {
        let secrets = match self.list().await {
            Ok(listed) => Ok(self.with_policies(listed).await),
            Err(e) => Err(e),
        };
        SecretsInventory { secrets }
    }

    /// One secret by ARN or name (a Config change event). `Ok(None)` when it no longer exists
    /// or is scheduled for deletion (its findings are then NOT_APPLICABLE).
    pub async fn collect_one(&self, secret_id: &str) -> Collected<Option<Secret>> {
        let out = match self.client.describe_secret().secret_id(secret_id).send().await {
            Ok(out) => out,
            Err(err) if err.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(err) => return Err(sdk_error(DESCRIBE, &err)),
        };
        if out.deleted_date().is_some() {
            return Ok(None);
        }
        let mut secret = from_describe(&out, &self.region());
        secret.policy = self.policy(&secret).await;
        Ok(Some(secret))
    }

    /// The listing, paginated, converted at once.
    async fn list(&self) -> Collected<Vec<Secret>> {
        let region = self.region();
        let request = self.client.list_secrets().set_max_results(self.page_size);
        let pages = all_pages(LIST, None, request.into_paginator().send()).await?;
        Ok(pages.iter().flat_map(|page| page.secret_list()).map(|e| from_list_entry(e, &region)).collect())
    }

    async fn with_policies(&self, listed: Vec<Secret>) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = stream::iter(listed)
            .map(|mut s| async move {
                s.policy = self.policy(&s).await;
                s
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        secrets.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.arn.cmp(&b.arn)));
        secrets
    }

    /// The secret's resource policy: `None` when it has none.
    async fn policy(&self, secret: &Secret) -> Collected<Option<PolicyDocument>> {
        let id = if secret.arn.is_empty() { &secret.name } else { &secret.arn };
        let out = required(GET_POLICY, self.client.get_resource_policy().secret_id(id).send().await)?;
        match out.resource_policy().map(str::trim).filter(|p| !p.is_empty()) {
            None => Ok(None),
            Some(text) => parse_resource_policy(text, &secret.name).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_that_is_not_json_is_malformed_and_names_the_secret() {
        let e = parse_resource_policy("{not json", "db-password").unwrap_err();
        assert_eq!(e.kind, CollectErrorKind::Malformed);
        assert_eq!(e.action, GET_POLICY);
        assert!(e.message.contains("secret db-password"), "{e}");
    }

    #[test]
    fn list_entries_become_plain_secrets() {
        let entry = aws_sdk_secretsmanager::types::SecretListEntry::builder()
            .arn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")
            .name("db")
            .rotation_enabled(true)
            .rotation_rules(
                aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(30).build(),
            )
            .tags(aws_sdk_secretsmanager::types::Tag::builder().key("owner").value("platform").build())
            .secret_versions_to_stages("v1", vec!["AWSPENDING".to_string()])
            .created_date(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .build();
        let s = from_list_entry(&entry, "us-east-1");
        assert_eq!((s.name.as_str(), s.region.as_str()), ("db", "eu-west-1"));
        assert!(s.rotation_enabled);
        assert_eq!(s.rotation_interval_days, Some(30));
        assert_eq!(s.kms_key_id, None);
        assert_eq!(s.tags.get("owner").map(String::as_str), Some("platform"));
        assert_eq!(s.pending_versions(), vec!["v1"]);
        assert_eq!(s.created.map(|d| d.timestamp()), Some(1_700_000_000));
    }

    #[test]
    fn every_action_is_a_secretsmanager_read_and_never_reads_values() {
        for a in IAM_ACTIONS {
            assert!(a.starts_with("secretsmanager:"), "{a}");
            assert!(!a.to_ascii_lowercase().contains("getsecretvalue"), "{a}");
        }
    }
}
