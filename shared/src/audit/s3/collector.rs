//! The S3 collector: lists every bucket (paginated) and reads each aspect the S3 rules need,
//! with bounded concurrency. "Not configured" becomes `None`; any other error is kept on the
//! bucket as a `CollectError`, so the rule reports UNKNOWN with the reason.

use std::collections::{BTreeMap, HashMap};
use std::error::Error as StdError;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use futures_util::stream::{self, StreamExt};

use crate::collect::aws;
use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::s3::{
    AclGrant, BucketAcl, EncryptionRule, Grantee, LoggingTarget, PublicAccessBlock, ReplicationRule, S3Account,
    S3Bucket, S3Inventory, Versioning, VersioningStatus,
};

/// Every IAM action this collector calls, as data. `template.yaml` must grant exactly these to
/// the s3-audit role (checked by `tests/tests/template_permissions.rs`).
pub const IAM_ACTIONS: &[&str] = &[
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketTagging",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketVersioning",
    "s3:GetReplicationConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketLogging",
];

/// Reads S3 configuration for one account.
#[derive(Clone)]
pub struct S3Collector {
    s3: aws_sdk_s3::Client,
    s3control: aws_sdk_s3control::Client,
    sdk: Option<SdkConfig>,
    concurrency: usize,
    page_size: Option<i32>,
    progress: Option<ProgressFn>,
}

/// Called with (buckets done, buckets listed) as a full scan proceeds.
pub type ProgressFn = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// Turns an SDK error into either "not configured" (`Ok(None)`, for the listed codes) or a
/// `CollectError` naming the action.
fn absent_or<T, E>(action: &str, result: Result<T, SdkError<E>>, not_configured: &[&str]) -> Collected<Option<T>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(err) => {
            let code = err.code();
            if code.is_some_and(|c| not_configured.contains(&c)) {
                return Ok(None);
            }
            Err(sdk_error(action, &err))
        }
    }
}

/// The region of a `LocationConstraint` (empty means us-east-1, `EU` is the legacy eu-west-1).
pub fn region_of_location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

fn pab_from_s3(c: &aws_sdk_s3::types::PublicAccessBlockConfiguration) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
    }
}

fn pab_from_s3control(c: &aws_sdk_s3control::types::PublicAccessBlockConfiguration) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
    }
}

/// A bucket as listed, before its aspects are read.
#[derive(Debug, Clone)]
struct Listed {
    name: String,
    region: Option<String>,
}

impl S3Collector {
    /// Build the collector's clients from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, concurrency: usize, page_size: Option<i32>) -> Self {
        Self {
            s3: aws::s3_client(sdk, None),
            s3control: aws::s3control_client(sdk),
            sdk: Some(sdk.clone()),
            concurrency: concurrency.max(1),
            page_size,
            progress: None,
        }
    }

    /// Report progress of full scans to `f`.
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }

    /// Build from ready clients (tests with `aws-smithy-mocks`). Every bucket is read with
    /// `s3`, whatever its region.
    pub fn from_clients(
        s3: aws_sdk_s3::Client,
        s3control: aws_sdk_s3control::Client,
        concurrency: usize,
        page_size: Option<i32>,
    ) -> Self {
        Self { s3, s3control, sdk: None, concurrency: concurrency.max(1), page_size, progress: None }
    }

    /// The account-level Block Public Access setting.
    pub async fn account(&self, account_id: &str) -> S3Account {
        let result = self.s3control.get_public_access_block().account_id(account_id).send().await;
        let public_access_block =
            absent_or("s3:GetAccountPublicAccessBlock", result, &["NoSuchPublicAccessBlockConfiguration"])
                .map(|o| o.and_then(|out| out.public_access_block_configuration().map(pab_from_s3control)));
        S3Account { account_id: account_id.to_string(), public_access_block }
    }

    /// Every bucket in the account, paginated.
    async fn list(&self) -> Collected<Vec<Listed>> {
        let request = self.s3.list_buckets().set_max_buckets(self.page_size);
        let pages = all_pages("s3:ListAllMyBuckets", None, request.into_paginator().send()).await?;
        let mut out = Vec::new();
        for page in pages {
            for b in page.buckets() {
                if let Some(name) = b.name() {
                    out.push(Listed { name: name.to_string(), region: b.bucket_region().map(str::to_string) });
                }
            }
        }
        Ok(out)
    }

    /// Scan the whole account: the account setting and every bucket.
    pub async fn collect_all(&self, account_id: &str) -> S3Inventory {
        let account = self.account(account_id).await;
        let buckets = match self.list().await {
            Ok(listed) => Ok(self.collect_listed(listed, &account).await),
            Err(e) => Err(e),
        };
        S3Inventory { account, buckets }
    }

    /// Scan one bucket (a Config change event). `Ok(None)` when the bucket does not exist.
    pub async fn collect_one(&self, account_id: &str, name: &str) -> Collected<Option<S3Bucket>> {
        let account = self.account(account_id).await;
        let region = match self.bucket_region(name).await {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => return Err(e),
        };
        let clients = self.regional_clients(std::slice::from_ref(&region));
        let client = clients.get(&region).unwrap_or(&self.s3);
        Ok(Some(self.collect_bucket(client, name, &region, &account).await))
    }

    /// `Ok(None)` when the bucket does not exist.
    async fn bucket_region(&self, name: &str) -> Collected<Option<String>> {
        let result = self.s3.get_bucket_location().bucket(name).send().await;
        match absent_or("s3:GetBucketLocation", result, &["NoSuchBucket"])? {
            None => Ok(None),
            Some(out) => Ok(Some(region_of_location(out.location_constraint().map(|c| c.as_str())))),
        }
    }

    fn regional_clients(&self, regions: &[String]) -> HashMap<String, aws_sdk_s3::Client> {
        let mut map = HashMap::new();
        if let Some(sdk) = &self.sdk {
            for r in regions {
                map.entry(r.clone()).or_insert_with(|| aws::s3_client(sdk, Some(r)));
            }
        }
        map
    }

    async fn collect_listed(&self, listed: Vec<Listed>, account: &S3Account) -> Vec<S3Bucket> {
        // Regions first (one GetBucketLocation per bucket only when the listing did not say).
        let located: Vec<(String, Collected<String>)> = stream::iter(listed)
            .map(|b| async move {
                match b.region {
                    Some(r) => (b.name, Ok(r)),
                    None => {
                        let r = self.bucket_region(&b.name).await.map(|o| o.unwrap_or_else(|| "us-east-1".to_string()));
                        (b.name, r)
                    }
                }
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        let regions: Vec<String> = located.iter().filter_map(|(_, r)| r.as_ref().ok().cloned()).collect();
        let clients = Arc::new(self.regional_clients(&regions));
        let total = located.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let done = &done;
        let mut buckets: Vec<S3Bucket> = stream::iter(located)
            .map(|(name, region)| {
                let clients = Arc::clone(&clients);
                async move {
                    let bucket = match region {
                        Ok(region) => {
                            let client = clients.get(&region).unwrap_or(&self.s3);
                            self.collect_bucket(client, &name, &region, account).await
                        }
                        Err(e) => unreadable_bucket(&name, e, account),
                    };
                    if let Some(progress) = &self.progress {
                        progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
                    }
                    bucket
                }
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        buckets
    }

    async fn collect_bucket(&self, s3: &aws_sdk_s3::Client, name: &str, region: &str, account: &S3Account) -> S3Bucket {
        let (tags, pab, policy, acl, enc, ver, repl, own, log) = tokio::join!(
            s3.get_bucket_tagging().bucket(name).send(),
            s3.get_public_access_block().bucket(name).send(),
            s3.get_bucket_policy().bucket(name).send(),
            s3.get_bucket_acl().bucket(name).send(),
            s3.get_bucket_encryption().bucket(name).send(),
            s3.get_bucket_versioning().bucket(name).send(),
            s3.get_bucket_replication().bucket(name).send(),
            s3.get_bucket_ownership_controls().bucket(name).send(),
            s3.get_bucket_logging().bucket(name).send(),
        );
        let tags = absent_or("s3:GetBucketTagging", tags, &["NoSuchTagSet", "NoSuchTagSetError"]).map(|o| {
            o.map(|out| out.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())
                .unwrap_or_default()
        });
        let public_access_block =
            absent_or("s3:GetBucketPublicAccessBlock", pab, &["NoSuchPublicAccessBlockConfiguration"])
                .map(|o| o.and_then(|out| out.public_access_block_configuration().map(pab_from_s3)));
        let policy = absent_or("s3:GetBucketPolicy", policy, &["NoSuchBucketPolicy"]).and_then(|o| {
            match o.and_then(|out| out.policy) {
                None => Ok(None),
                Some(text) => PolicyDocument::parse(&text).map(Some).map_err(|e| {
                    CollectError::new(CollectErrorKind::Malformed, "s3:GetBucketPolicy", format!("bucket policy: {e}"))
                }),
            }
        });
        let acl = required("s3:GetBucketAcl", acl).map(|out| BucketAcl {
            owner_id: out.owner().and_then(|o| o.id()).map(str::to_string),
            grants: out.grants().iter().filter_map(grant_from_sdk).collect(),
        });
        let encryption =
            absent_or("s3:GetEncryptionConfiguration", enc, &["ServerSideEncryptionConfigurationNotFoundError"]).map(
                |o| {
                    o.and_then(|out| {
                        out.server_side_encryption_configuration().map(|c| {
                            c.rules()
                                .iter()
                                .filter_map(|r| {
                                    r.apply_server_side_encryption_by_default().map(|d| EncryptionRule {
                                        sse_algorithm: d.sse_algorithm().as_str().to_string(),
                                        kms_master_key_id: d.kms_master_key_id().map(str::to_string),
                                        bucket_key_enabled: r.bucket_key_enabled().unwrap_or(false),
                                    })
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .filter(|rules| !rules.is_empty())
                },
            );
        let versioning = required("s3:GetBucketVersioning", ver).map(|out| Versioning {
            status: out.status().and_then(|s| match s {
                aws_sdk_s3::types::BucketVersioningStatus::Enabled => Some(VersioningStatus::Enabled),
                aws_sdk_s3::types::BucketVersioningStatus::Suspended => Some(VersioningStatus::Suspended),
                _ => None,
            }),
            mfa_delete: out.mfa_delete().map(|m| matches!(m, aws_sdk_s3::types::MfaDeleteStatus::Enabled)),
        });
        let replication = absent_or("s3:GetReplicationConfiguration", repl, &["ReplicationConfigurationNotFoundError"])
            .map(|o| {
                o.and_then(|out| {
                    out.replication_configuration().map(|c| {
                        c.rules()
                            .iter()
                            .filter_map(|r| {
                                r.destination().map(|d| ReplicationRule {
                                    id: r.id().map(str::to_string),
                                    enabled: matches!(r.status(), aws_sdk_s3::types::ReplicationRuleStatus::Enabled),
                                    destination_bucket_arn: d.bucket().to_string(),
                                    destination_region: None,
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
            });
        let object_ownership = absent_or("s3:GetBucketOwnershipControls", own, &["OwnershipControlsNotFoundError"])
            .map(|o| {
                o.and_then(|out| {
                    out.ownership_controls()
                        .and_then(|c| c.rules().first().map(|r| r.object_ownership().as_str().to_string()))
                })
            });
        let logging = required("s3:GetBucketLogging", log).map(|out| {
            out.logging_enabled().map(|l| LoggingTarget {
                target_bucket: l.target_bucket().to_string(),
                target_prefix: l.target_prefix().to_string(),
            })
        });
        S3Bucket {
            name: name.to_string(),
            arn: bucket_arn(name, region),
            region: region.to_string(),
            tags,
            public_access_block,
            account_public_access_block: account.public_access_block.clone(),
            policy,
            acl,
            encryption,
            versioning,
            replication,
            object_ownership,
            logging,
        }
    }
}

/// The ARN of a bucket, in the partition of its region.
pub fn bucket_arn(name: &str, region: &str) -> String {
    format!("arn:{}:s3:::{name}", crate::context::partition_for(region))
}

fn grant_from_sdk(g: &aws_sdk_s3::types::Grant) -> Option<AclGrant> {
    let grantee = g.grantee()?;
    let who = if let Some(uri) = grantee.uri() {
        Grantee::Group(uri.to_string())
    } else if let Some(id) = grantee.id() {
        Grantee::CanonicalUser(id.to_string())
    } else {
        Grantee::Email(grantee.email_address().unwrap_or_default().to_string())
    };
    Some(AclGrant { grantee: who, permission: g.permission().map(|p| p.as_str().to_string()).unwrap_or_default() })
}

/// A bucket whose region could not be read: every aspect carries that error.
fn unreadable_bucket(name: &str, e: CollectError, account: &S3Account) -> S3Bucket {
    S3Bucket {
        name: name.to_string(),
        arn: bucket_arn(name, "us-east-1"),
        region: "us-east-1".to_string(),
        tags: Err(e.clone()),
        public_access_block: Err(e.clone()),
        account_public_access_block: account.public_access_block.clone(),
        policy: Err(e.clone()),
        acl: Err(e.clone()),
        encryption: Err(e.clone()),
        versioning: Err(e.clone()),
        replication: Err(e.clone()),
        object_ownership: Err(e.clone()),
        logging: Err(e),
    }
}

/// Fill in each replication destination's region where the destination bucket is one of ours
/// and its region was read: a bucket whose `GetBucketLocation` failed ([`unreadable_bucket`])
/// has no known region, so a rule needing it stays unable to tell rather than assume one.
pub fn resolve_replication_regions(buckets: &mut [S3Bucket]) {
    let region_unread = |b: &S3Bucket| matches!(&b.replication, Err(e) if e.action == "s3:GetBucketLocation");
    let regions: BTreeMap<String, String> =
        buckets.iter().filter(|b| !region_unread(b)).map(|b| (b.arn.clone(), b.region.clone())).collect();
    for b in buckets.iter_mut() {
        if let Ok(Some(rules)) = &mut b.replication {
            for r in rules.iter_mut() {
                if r.destination_region.is_none() {
                    r.destination_region = regions.get(&r.destination_bucket_arn).cloned();
                }
            }
        }
    }
}
