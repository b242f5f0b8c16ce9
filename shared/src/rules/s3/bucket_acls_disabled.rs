//! The rule `s3.bucket-acls-disabled`; its documentation is on [`BucketAclsDisabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketAclsDisabled;
    id: "s3.bucket-acls-disabled",
    title: "S3 bucket has ACLs disabled (Object Ownership is BucketOwnerEnforced)",
    severity: Medium,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.12")],
    seeds: ["001"],
    what_it_checks: "The bucket's Object Ownership setting is `BucketOwnerEnforced`, which\n\
        disables ACLs: the bucket owner owns every object and only policies grant access.",
    why_it_matters: "With ACLs enabled, any writer can attach an ACL to an object that grants\n\
        access the bucket policy never mentions, and objects uploaded by other accounts stay owned\n\
        by them.",
    example: "Ownership `ObjectWriter` (the old default) lets `PutObject` with\n\
        `x-amz-acl: public-read` publish a single object.",
    remediation: "Set Object Ownership to BucketOwnerEnforced (s3api put-bucket-ownership-controls) after moving any ACL grants into the bucket policy.\n\
        \n\
        `aws s3api put-bucket-ownership-controls --bucket <name>\n\
        --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'` (or\n\
        `OwnershipControls` in the template), after moving any access granted by ACLs into the\n\
        bucket policy.",
    references: "",
}

const ENFORCED: &str = "BucketOwnerEnforced";

impl Rule for BucketAclsDisabled {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        match known!(bucket.object_ownership).as_deref() {
            Some(ENFORCED) => Outcome::pass("Object Ownership is BucketOwnerEnforced, so ACLs are disabled"),
            Some(other) => Outcome::fail(format!("Object Ownership is {other}, so ACLs still grant access")),
            None => Outcome::fail("no Object Ownership controls are set, so ACLs still grant access"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketAclsDisabled.evaluate(b, &ScanContext::fixture())
    }

    #[test]
    fn passes_when_bucket_owner_enforced() {
        assert_eq!(eval(&S3Bucket::fixture("b")).status, Status::Pass);
    }

    #[test]
    fn fails_when_object_writer_or_preferred() {
        for ownership in ["ObjectWriter", "BucketOwnerPreferred"] {
            let b = S3Bucket { object_ownership: Ok(Some(ownership.into())), ..S3Bucket::fixture("b") };
            let o = eval(&b);
            assert_eq!(o.status, Status::Fail, "{ownership}");
            assert!(o.reason.contains(ownership), "{}", o.reason);
        }
    }

    #[test]
    fn fails_when_no_ownership_controls() {
        let b = S3Bucket { object_ownership: Ok(None), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket {
            object_ownership: Err(S3Bucket::denied("s3:GetBucketOwnershipControls")),
            ..S3Bucket::fixture("b")
        };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketOwnershipControls"));
    }
}
