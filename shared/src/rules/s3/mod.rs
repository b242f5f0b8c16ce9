//! S3 rules: the account-level Block Public Access setting and the per-bucket controls.

use crate::policy::Statement;
use crate::resources::s3::{S3Account, S3Bucket};

use super::policy_checks::is_deny_for_everyone;
use super::Rule;

mod account_public_access_blocked;
mod bucket_access_logging_enabled;
mod bucket_acls_disabled;
mod bucket_encrypted_with_kms;
mod bucket_mfa_delete_enabled;
mod bucket_no_broad_cross_account;
mod bucket_not_public;
mod bucket_public_access_blocked;
mod bucket_replicated_cross_region;
mod bucket_requires_tls;
mod bucket_restricted_to_vpc_endpoint;
mod bucket_versioning_enabled;

pub use account_public_access_blocked::AccountPublicAccessBlocked;
pub use bucket_access_logging_enabled::BucketAccessLoggingEnabled;
pub use bucket_acls_disabled::BucketAclsDisabled;
pub use bucket_encrypted_with_kms::BucketEncryptedWithKms;
pub use bucket_mfa_delete_enabled::BucketMfaDeleteEnabled;
pub use bucket_no_broad_cross_account::BucketNoBroadCrossAccount;
pub use bucket_not_public::BucketNotPublic;
pub use bucket_public_access_blocked::BucketPublicAccessBlocked;
pub use bucket_replicated_cross_region::BucketReplicatedCrossRegion;
pub use bucket_requires_tls::BucketRequiresTls;
pub use bucket_restricted_to_vpc_endpoint::BucketRestrictedToVpcEndpoint;
pub use bucket_versioning_enabled::BucketVersioningEnabled;

/// Rules evaluated once per account.
pub static ACCOUNT_RULES: &[&dyn Rule<Resource = S3Account>] = &[&AccountPublicAccessBlocked];

/// Rules evaluated once per bucket.
pub static BUCKET_RULES: &[&dyn Rule<Resource = S3Bucket>] = &[
    &BucketPublicAccessBlocked,
    &BucketNotPublic,
    &BucketRequiresTls,
    &BucketEncryptedWithKms,
    &BucketVersioningEnabled,
    &BucketMfaDeleteEnabled,
    &BucketReplicatedCrossRegion,
    &BucketAclsDisabled,
    &BucketAccessLoggingEnabled,
    &BucketNoBroadCrossAccount,
    &BucketRestrictedToVpcEndpoint,
];

/// Object keys a statement's `Resource` must match to count as covering every object of a
/// bucket. Two keys with different first characters, so a prefix pattern such as
/// `<bucket>/a*` does not pass for one that happens to match.
const PROBE_OBJECT_KEYS: &[&str] = &["any-object-key", "0/_"];

/// True when the statement's resource element covers every object in the bucket.
fn covers_every_object(statement: &Statement, bucket_arn: &str) -> bool {
    PROBE_OBJECT_KEYS.iter().all(|key| statement.applies_to_resource(&format!("{bucket_arn}/{key}")))
}

pub(crate) use super::policy_checks::statement_label;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;

    #[test]
    fn every_bucket_rule_is_a_change_triggered_bucket_rule() {
        assert_eq!(BUCKET_RULES.len(), 11);
        for rule in BUCKET_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("s3.bucket-"), "{}", m.id);
            assert_eq!(m.resource_type, "AwsS3Bucket", "{}", m.id);
            assert_eq!(m.trigger, crate::model::Trigger::Change, "{}", m.id);
        }
    }

    #[test]
    fn every_bucket_rule_passes_on_the_fixture_or_does_not_apply() {
        let ctx = crate::context::ScanContext::fixture();
        let bucket = S3Bucket::fixture("b");
        for rule in BUCKET_RULES {
            let o = rule.evaluate(&bucket, &ctx);
            assert!(
                matches!(o.status, crate::model::Status::Pass | crate::model::Status::NotApplicable),
                "{}: {} ({})",
                rule.meta().id,
                o.status,
                o.reason
            );
        }
    }

    #[test]
    fn statement_labels_use_sid_or_position() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[{"Sid":"Named","Effect":"Allow","Action":"*"},{"Effect":"Allow","Action":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(statement_label(&doc, &doc.statements[0]), "\"Named\"");
        assert_eq!(statement_label(&doc, &doc.statements[1]), "Statement[1]");
    }

    #[test]
    fn object_coverage_rejects_prefixes() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[
                {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"},
                {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/a*"},
                {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"},
                {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}
            ]}"#,
        )
        .unwrap();
        let got: Vec<bool> = doc.statements.iter().map(|s| covers_every_object(s, "arn:aws:s3:::b")).collect();
        assert_eq!(got, vec![true, false, true, false]);
    }
}
