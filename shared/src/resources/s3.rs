//! Plain structs describing S3 as the collector saw it. Rules read only these; SDK types never
//! leave `collect/`. Every aspect is a `Collected<T>`: a fact, `None` for "not configured", or
//! the error that kept it from being read.

use std::collections::BTreeMap;

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::policy::PolicyDocument;

/// The four Block Public Access switches (bucket or account level).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    pub fn all_on(&self) -> bool {
        self.block_public_acls && self.ignore_public_acls && self.block_public_policy && self.restrict_public_buckets
    }

    /// The names of the settings that are off, in the API's spelling.
    pub fn settings_off(&self) -> Vec<&'static str> {
        let mut off = Vec::new();
        if !self.block_public_acls {
            off.push("BlockPublicAcls");
        }
        if !self.ignore_public_acls {
            off.push("IgnorePublicAcls");
        }
        if !self.block_public_policy {
            off.push("BlockPublicPolicy");
        }
        if !self.restrict_public_buckets {
            off.push("RestrictPublicBuckets");
        }
        off
    }
}

/// Who an ACL grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    CanonicalUser(String),
    /// A predefined group, by URI (e.g. `http://acs.amazonaws.com/groups/global/AllUsers`).
    Group(String),
    Email(String),
}

pub const ALL_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
pub const AUTHENTICATED_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclGrant {
    pub grantee: Grantee,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketAcl {
    pub owner_id: Option<String>,
    pub grants: Vec<AclGrant>,
}

/// One default-encryption rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionRule {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    pub kms_master_key_id: Option<String>,
    pub bucket_key_enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersioningStatus {
    Enabled,
    Suspended,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versioning {
    /// `None`: versioning was never enabled.
    pub status: Option<VersioningStatus>,
    /// `None`: the service did not say (never configured).
    pub mfa_delete: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationRule {
    pub id: Option<String>,
    pub enabled: bool,
    pub destination_bucket_arn: String,
    /// Region of the destination bucket when the collector could learn it (a bucket in this
    /// account); `None` when it is not visible (for example another account's bucket).
    pub destination_region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingTarget {
    pub target_bucket: String,
    pub target_prefix: String,
}

/// Everything the S3 rules need to know about one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Bucket {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub tags: Collected<BTreeMap<String, String>>,
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
    /// The account-level setting, shared by every bucket (it can neutralise a public policy or
    /// ACL).
    pub account_public_access_block: Collected<Option<PublicAccessBlock>>,
    pub policy: Collected<Option<PolicyDocument>>,
    pub acl: Collected<BucketAcl>,
    /// Default encryption rules; `None` when none is configured.
    pub encryption: Collected<Option<Vec<EncryptionRule>>>,
    pub versioning: Collected<Versioning>,
    pub replication: Collected<Option<Vec<ReplicationRule>>>,
    /// Object Ownership (`BucketOwnerEnforced`, `BucketOwnerPreferred`, `ObjectWriter`);
    /// `None` when no ownership controls are set.
    pub object_ownership: Collected<Option<String>>,
    pub logging: Collected<Option<LoggingTarget>>,
}

impl Default for S3Bucket {
    fn default() -> Self {
        Self {
            name: String::new(),
            arn: String::new(),
            region: "us-east-1".into(),
            tags: Ok(BTreeMap::new()),
            public_access_block: Ok(None),
            account_public_access_block: Ok(None),
            policy: Ok(None),
            acl: Ok(BucketAcl { owner_id: None, grants: Vec::new() }),
            encryption: Ok(None),
            versioning: Ok(Versioning::default()),
            replication: Ok(None),
            object_ownership: Ok(None),
            logging: Ok(None),
        }
    }
}

impl S3Bucket {
    /// A bucket that passes every S3 rule, for tests to break one aspect at a time.
    pub fn fixture(name: &str) -> Self {
        let tls_policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{name}","arn:aws:s3:::{name}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
        );
        let policy = PolicyDocument::parse(&tls_policy).ok();
        Self {
            name: name.to_string(),
            arn: format!("arn:aws:s3:::{name}"),
            region: "us-east-1".into(),
            tags: Ok(BTreeMap::from([
                ("owner".to_string(), "platform".to_string()),
                ("data-classification".to_string(), "internal".to_string()),
            ])),
            public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)),
            account_public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)),
            policy: Ok(policy),
            acl: Ok(BucketAcl {
                owner_id: Some("owner".into()),
                grants: vec![AclGrant {
                    grantee: Grantee::CanonicalUser("owner".into()),
                    permission: "FULL_CONTROL".into(),
                }],
            }),
            encryption: Ok(Some(vec![EncryptionRule {
                sse_algorithm: "aws:kms".into(),
                kms_master_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234".into()),
                bucket_key_enabled: true,
            }])),
            versioning: Ok(Versioning { status: Some(VersioningStatus::Enabled), mfa_delete: Some(true) }),
            replication: Ok(Some(vec![ReplicationRule {
                id: Some("dr".into()),
                enabled: true,
                destination_bucket_arn: format!("arn:aws:s3:::{name}-replica"),
                destination_region: Some("us-west-2".into()),
            }])),
            object_ownership: Ok(Some("BucketOwnerEnforced".into())),
            logging: Ok(Some(LoggingTarget { target_bucket: "access-logs".into(), target_prefix: format!("{name}/") })),
        }
    }

    /// An error value for tests: AccessDenied on `action`.
    pub fn denied(action: &str) -> CollectError {
        CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDenied: not authorised")
    }
}

/// The account-level S3 settings.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Account {
    pub account_id: String,
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
}

impl S3Account {
    pub fn fixture() -> Self {
        Self { account_id: "123456789012".into(), public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)) }
    }
}

/// What the S3 collector returns for a full or single-bucket scan.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Inventory {
    pub account: S3Account,
    /// The bucket listing; an error here means no bucket could be evaluated, and nothing may
    /// be archived as gone.
    pub buckets: Collected<Vec<S3Bucket>>,
}

impl crate::collected::Resource for S3Bucket {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        crate::model::ResourceRef::new(
            "AwsS3Bucket",
            self.name.clone(),
            Some(self.arn.clone()),
            &ctx.account,
            &self.region,
        )
    }
}

impl crate::collected::Resource for S3Account {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        crate::collected::account_ref(&self.account_id, ctx)
    }
}
