//! The rule `s3.bucket-mfa-delete-enabled`; its documentation is on [`BucketMfaDeleteEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketMfaDeleteEnabled;
    id: "s3.bucket-mfa-delete-enabled",
    title: "Critical S3 bucket has MFA delete enabled",
    severity: Low,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.20")],
    seeds: ["001"],
    what_it_checks: "For buckets carrying the configured critical tag (`critical_tag`,\n\
        default `data-classification=critical`), MFA delete is enabled on versioning. Other buckets\n\
        are NOT_APPLICABLE: MFA delete can only be set by the root user with an MFA device, which\n\
        makes it a control for the few buckets that warrant it.",
    why_it_matters: "With MFA delete, permanently deleting an object version or suspending\n\
        versioning needs the root user's MFA code, so stolen credentials alone cannot destroy the\n\
        bucket's history.",
    example: "A bucket tagged `data-classification=critical` with versioning enabled but\n\
        `MFADelete` never set: a compromised admin role can delete every version.",
    remediation: "As the root user with an MFA device, run s3api put-bucket-versioning with MFADelete=Enabled and --mfa on each bucket tagged as critical.\n\
        \n\
        As the root user with an MFA device: `aws s3api put-bucket-versioning\n\
        --bucket <name> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa\n\
        \"<device arn> <code>\"`.",
    references: "",
}

impl Rule for BucketMfaDeleteEnabled {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, ctx: &ScanContext) -> Outcome {
        let tag = &ctx.config.critical_tag;
        if !tag.matches(known!(bucket.tags)) {
            return Outcome::not_applicable(format!(
                "the bucket is not tagged {} (not critical)",
                describe_tag(&tag.key, tag.value.as_deref())
            ));
        }
        match known!(bucket.versioning).mfa_delete {
            Some(true) => Outcome::pass("MFA delete is enabled on this critical bucket"),
            Some(false) => Outcome::fail("MFA delete is disabled on this critical bucket"),
            None => Outcome::fail("MFA delete has never been configured on this critical bucket"),
        }
    }
}

fn describe_tag(key: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{key}={v}"),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::resources::s3::{Versioning, VersioningStatus};
    use crate::scan_config::TagMatch;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketMfaDeleteEnabled.evaluate(b, &ScanContext::fixture())
    }

    fn critical(mfa_delete: Option<bool>) -> S3Bucket {
        let tags = BTreeMap::from([("data-classification".to_string(), "Critical".to_string())]);
        S3Bucket {
            tags: Ok(tags),
            versioning: Ok(Versioning { status: Some(VersioningStatus::Enabled), mfa_delete }),
            ..S3Bucket::fixture("b")
        }
    }

    #[test]
    fn passes_when_critical_bucket_has_mfa_delete() {
        assert_eq!(eval(&critical(Some(true))).status, Status::Pass);
    }

    #[test]
    fn fails_when_critical_bucket_lacks_mfa_delete() {
        assert_eq!(eval(&critical(Some(false))).status, Status::Fail);
        let o = eval(&critical(None));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("never"), "{}", o.reason);
    }

    #[test]
    fn not_applicable_when_bucket_is_not_critical() {
        let b = S3Bucket { versioning: Ok(Versioning::default()), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.reason.contains("data-classification=critical"), "{}", o.reason);
    }

    #[test]
    fn fails_when_the_configured_critical_tag_matches() {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).critical_tag = TagMatch::new("owner", None);
        let b = S3Bucket { versioning: Ok(Versioning::default()), ..S3Bucket::fixture("b") };
        assert_eq!(BucketMfaDeleteEnabled.evaluate(&b, &ctx).status, Status::Fail);
    }

    #[test]
    fn unknown_when_tags_cannot_be_read() {
        let b = S3Bucket { tags: Err(S3Bucket::denied("s3:GetBucketTagging")), ..critical(Some(true)) };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketTagging"));
    }

    #[test]
    fn unknown_when_versioning_cannot_be_read_on_a_critical_bucket() {
        let b = S3Bucket { versioning: Err(S3Bucket::denied("s3:GetBucketVersioning")), ..critical(Some(true)) };
        assert_eq!(eval(&b).status, Status::Unknown);
        // A bucket that is not critical never needs its versioning.
        let b = S3Bucket { versioning: Err(S3Bucket::denied("s3:GetBucketVersioning")), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::NotApplicable);
    }
}
