//! The rule `s3.bucket-access-logging-enabled`; its documentation is on [`BucketAccessLoggingEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketAccessLoggingEnabled;
    id: "s3.bucket-access-logging-enabled",
    title: "S3 bucket has server access logging enabled",
    severity: Low,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.9")],
    seeds: ["002"],
    what_it_checks: "Server access logging is configured on the bucket (a target bucket is\n\
        set).",
    why_it_matters: "Access logs record every request to the bucket, including the anonymous\n\
        and failed ones CloudTrail data events may not cover, so an investigation can tell who read\n\
        or changed which object.",
    example: "A bucket without a `LoggingConfiguration` leaves no record of a leaked\n\
        pre-signed URL being used.",
    remediation: "Enable server access logging on the bucket (s3api put-bucket-logging, or LoggingConfiguration in the template) to a dedicated log bucket.\n\
        \n\
        `aws s3api put-bucket-logging --bucket <name> --bucket-logging-status\n\
        '{\"LoggingEnabled\":{\"TargetBucket\":\"<log bucket>\",\"TargetPrefix\":\"<name>/\"}}'` (or\n\
        `LoggingConfiguration` in the template), sending logs to a dedicated bucket.",
    references: "",
}

impl Rule for BucketAccessLoggingEnabled {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        match known!(bucket.logging) {
            Some(target) => Outcome::pass(format!(
                "server access logs go to bucket {} with prefix {:?}",
                target.target_bucket, target.target_prefix
            )),
            None => Outcome::fail("server access logging is not enabled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketAccessLoggingEnabled.evaluate(b, &ScanContext::fixture())
    }

    #[test]
    fn passes_when_logging_has_a_target() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("access-logs"));
    }

    #[test]
    fn fails_when_logging_is_off() {
        let b = S3Bucket { logging: Ok(None), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket { logging: Err(S3Bucket::denied("s3:GetBucketLogging")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketLogging"));
    }
}
