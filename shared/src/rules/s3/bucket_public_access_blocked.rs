//! The rule `s3.bucket-public-access-blocked`; its documentation is on [`BucketPublicAccessBlocked`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketPublicAccessBlocked;
    id: "s3.bucket-public-access-blocked",
    title: "Bucket-level S3 Block Public Access is fully enabled",
    severity: High,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.8")],
    seeds: ["001"],
    what_it_checks: "The bucket's own S3 Block Public Access configuration has all four\n\
        switches on. A bucket with no configuration fails.",
    why_it_matters: "The bucket-level setting keeps the bucket private even if the\n\
        account-level setting is later relaxed, and stops a policy or ACL edit from making it public.",
    example: "A bucket created by an old template with no `PublicAccessBlockConfiguration`, or\n\
        with `RestrictPublicBuckets=false`, can be opened to the internet by one policy change.",
    remediation: "Turn on all four Block Public Access settings on the bucket (s3api put-public-access-block, or PublicAccessBlockConfiguration in the template).\n\
        \n\
        `aws s3api put-public-access-block --bucket <name>\n\
        --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`.",
    references: "",
}

impl Rule for BucketPublicAccessBlocked {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        match known!(bucket.public_access_block) {
            None => Outcome::fail("bucket-level Block Public Access is not configured"),
            Some(pab) if pab.all_on() => Outcome::pass("all four bucket-level Block Public Access settings are on"),
            Some(pab) => Outcome::fail(format!(
                "bucket-level Block Public Access settings off: {}",
                pab.settings_off().join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::s3::PublicAccessBlock;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketPublicAccessBlocked.evaluate(b, &ScanContext::fixture())
    }

    #[test]
    fn passes_when_all_four_settings_are_on() {
        assert_eq!(eval(&S3Bucket::fixture("b")).status, Status::Pass);
    }

    #[test]
    fn fails_when_not_configured() {
        let b = S3Bucket { public_access_block: Ok(None), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("not configured"));
    }

    #[test]
    fn fails_naming_the_settings_that_are_off() {
        let pab = PublicAccessBlock {
            ignore_public_acls: false,
            restrict_public_buckets: false,
            ..PublicAccessBlock::ALL_ON
        };
        let b = S3Bucket { public_access_block: Ok(Some(pab)), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("IgnorePublicAcls") && o.reason.contains("RestrictPublicBuckets"), "{}", o.reason);
        assert!(!o.reason.contains("BlockPublicPolicy"), "{}", o.reason);
    }

    #[test]
    fn fails_even_when_the_account_level_setting_is_on() {
        let b = S3Bucket {
            public_access_block: Ok(None),
            account_public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)),
            ..S3Bucket::fixture("b")
        };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket {
            public_access_block: Err(S3Bucket::denied("s3:GetBucketPublicAccessBlock")),
            ..S3Bucket::fixture("b")
        };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPublicAccessBlock"));
    }
}
