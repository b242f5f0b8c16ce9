//! The rule `s3.bucket-versioning-enabled`; its documentation is on [`BucketVersioningEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::{S3Bucket, VersioningStatus};
use crate::rules::Rule;

rule! {
    pub struct BucketVersioningEnabled;
    id: "s3.bucket-versioning-enabled",
    title: "S3 bucket has versioning enabled",
    severity: Medium,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.14")],
    seeds: ["001"],
    what_it_checks: "Bucket versioning is `Enabled`. A bucket where versioning was never\n\
        turned on, or was suspended, fails.",
    why_it_matters: "Versioning keeps every overwritten or deleted object recoverable, so an\n\
        accidental delete, a bad deployment or ransomware that overwrites objects can be undone.",
    example: "A bucket with versioning `Suspended` keeps old versions already stored but\n\
        overwrites new writes in place: `PutObject` on an existing key destroys the previous data.",
    remediation: "Enable versioning on the bucket (s3api put-bucket-versioning --versioning-configuration Status=Enabled) and expire noncurrent versions with a lifecycle rule.\n\
        \n\
        `aws s3api put-bucket-versioning --bucket <name>\n\
        --versioning-configuration Status=Enabled` (or `VersioningConfiguration: {Status: Enabled}`\n\
        in the template), with a lifecycle rule that expires noncurrent versions.",
    references: "",
}

impl Rule for BucketVersioningEnabled {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        match known!(bucket.versioning).status {
            Some(VersioningStatus::Enabled) => Outcome::pass("bucket versioning is enabled"),
            Some(VersioningStatus::Suspended) => {
                Outcome::fail("bucket versioning is suspended, so new writes overwrite objects in place")
            }
            None => Outcome::fail("bucket versioning has never been enabled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::s3::Versioning;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketVersioningEnabled.evaluate(b, &ScanContext::fixture())
    }

    #[test]
    fn passes_when_versioning_is_enabled() {
        assert_eq!(eval(&S3Bucket::fixture("b")).status, Status::Pass);
    }

    #[test]
    fn fails_when_versioning_is_suspended() {
        let b = S3Bucket {
            versioning: Ok(Versioning { status: Some(VersioningStatus::Suspended), mfa_delete: None }),
            ..S3Bucket::fixture("b")
        };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("suspended"));
    }

    #[test]
    fn fails_when_versioning_was_never_enabled() {
        let b = S3Bucket { versioning: Ok(Versioning::default()), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("never"));
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket { versioning: Err(S3Bucket::denied("s3:GetBucketVersioning")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketVersioning"));
    }
}
