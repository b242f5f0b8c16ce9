//! The rule `s3.bucket-encrypted-with-kms`; its documentation is on [`BucketEncryptedWithKms`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketEncryptedWithKms;
    id: "s3.bucket-encrypted-with-kms",
    title: "S3 bucket default encryption uses SSE-KMS",
    severity: Medium,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.17")],
    seeds: ["001", "003"],
    what_it_checks: "The bucket's default encryption uses SSE-KMS (`aws:kms`) or DSSE-KMS\n\
        (`aws:kms:dsse`). SSE-S3 (`AES256`) fails, as does a bucket with no default encryption\n\
        configuration.",
    why_it_matters: "With a KMS key, reading an object needs `kms:Decrypt` on the key as well\n\
        as `s3:GetObject`, every use of the key is logged in CloudTrail, and the key can be disabled\n\
        to cut off access. SSE-S3 gives none of these controls.",
    example: "A bucket created without `BucketEncryption` gets SSE-S3 by default: a leaked\n\
        role with `s3:GetObject` reads every object without touching a key policy.",
    remediation: "Set the bucket's default encryption to SSE-KMS (SSEAlgorithm aws:kms with a customer-managed key, BucketKeyEnabled true) via s3api put-bucket-encryption.\n\
        \n\
        `aws s3api put-bucket-encryption --bucket <name>\n\
        --server-side-encryption-configuration\n\
        '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"<key arn>\"},\"BucketKeyEnabled\":true}]}'`.",
    references: "",
}

/// Default-encryption algorithms that use a KMS key.
const KMS_ALGORITHMS: &[&str] = &["aws:kms", "aws:kms:dsse"];

impl Rule for BucketEncryptedWithKms {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        let rules = match known!(bucket.encryption) {
            Some(rules) if !rules.is_empty() => rules,
            _ => return Outcome::fail("the bucket has no default encryption configuration"),
        };
        if let Some(rule) =
            rules.iter().find(|r| KMS_ALGORITHMS.iter().any(|a| r.sse_algorithm.eq_ignore_ascii_case(a)))
        {
            return match &rule.kms_master_key_id {
                Some(key) => Outcome::pass(format!("default encryption is {} with key {key}", rule.sse_algorithm)),
                None => Outcome::pass(format!(
                    "default encryption is {} with the AWS managed key aws/s3",
                    rule.sse_algorithm
                )),
            };
        }
        let algorithms: Vec<&str> = rules.iter().map(|r| r.sse_algorithm.as_str()).collect();
        Outcome::fail(format!("default encryption is {}, not SSE-KMS", algorithms.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::s3::EncryptionRule;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketEncryptedWithKms.evaluate(b, &ScanContext::fixture())
    }

    fn with_algorithm(algorithm: &str, key: Option<&str>) -> S3Bucket {
        let rule = EncryptionRule {
            sse_algorithm: algorithm.into(),
            kms_master_key_id: key.map(str::to_string),
            bucket_key_enabled: false,
        };
        S3Bucket { encryption: Ok(Some(vec![rule])), ..S3Bucket::fixture("b") }
    }

    #[test]
    fn passes_when_sse_kms_with_a_key() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("key/1234"), "{}", o.reason);
    }

    #[test]
    fn passes_when_dsse_kms_or_aws_managed_key() {
        assert_eq!(eval(&with_algorithm("aws:kms:dsse", Some("k"))).status, Status::Pass);
        let o = eval(&with_algorithm("aws:kms", None));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("aws/s3"), "{}", o.reason);
    }

    #[test]
    fn fails_when_sse_s3_naming_it() {
        let o = eval(&with_algorithm("AES256", None));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("AES256"), "{}", o.reason);
    }

    #[test]
    fn fails_when_no_default_encryption() {
        let b = S3Bucket { encryption: Ok(None), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Fail);
        let b = S3Bucket { encryption: Ok(Some(Vec::new())), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b =
            S3Bucket { encryption: Err(S3Bucket::denied("s3:GetEncryptionConfiguration")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetEncryptionConfiguration"));
    }
}
