//! The rule `s3.bucket-restricted-to-vpc-endpoint`; its documentation is on [`BucketRestrictedToVpcEndpoint`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{Condition, Statement};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

use super::{covers_every_object, is_deny_for_everyone, statement_label};

rule! {
    pub struct BucketRestrictedToVpcEndpoint;
    id: "s3.bucket-restricted-to-vpc-endpoint",
    title: "Private S3 bucket is reachable only through a VPC endpoint",
    severity: Low,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [],
    seeds: ["003"],
    what_it_checks: "For buckets carrying the configured private tag (`private_tag`, default\n\
        `data-classification=private`), the bucket policy has a `Deny` statement that:\n\
        - applies to everyone (`Principal: \"*\"`; a `NotPrincipal` exempts the principals it lists\n\
          and does not count);\n\
        - covers at least `s3:GetObject` and `s3:PutObject` on every object of the bucket;\n\
        - is conditioned on `StringNotEquals` or `StringNotEqualsIfExists` on `aws:SourceVpce` or\n\
          `aws:SourceVpc`, and on nothing else: another condition (an exemption for an admin role,\n\
          say) narrows the deny and is not credited.\n\
        \n\
        Other buckets are NOT_APPLICABLE. A private bucket with no policy fails.",
    why_it_matters: "Restricting a bucket to a VPC endpoint means stolen credentials are\n\
        useless from outside the network: data can only be read or written from inside the VPC.",
    example: "A bucket tagged `data-classification=private` whose policy only requires TLS\n\
        can be read from a laptop on the internet with a leaked access key.",
    remediation: "Add a bucket policy statement that denies s3:* to Principal \"*\" unless aws:SourceVpce (StringNotEquals) is your S3 VPC endpoint.\n\
        \n\
        Add to the bucket policy:\n\
        `{\"Sid\":\"DenyOutsideVpce\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::<name>\",\"arn:aws:s3:::<name>/*\"],\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"<vpce id>\"}}}`.",
    references: "",
}

/// Actions the deny must cover.
const DATA_ACTIONS: &[&str] = &["s3:GetObject", "s3:PutObject"];

impl Rule for BucketRestrictedToVpcEndpoint {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, ctx: &ScanContext) -> Outcome {
        let tag = &ctx.config.private_tag;
        if !tag.matches(known!(bucket.tags)) {
            let wanted = match &tag.value {
                Some(v) => format!("{}={v}", tag.key),
                None => tag.key.clone(),
            };
            return Outcome::not_applicable(format!("the bucket is not tagged {wanted} (not private)"));
        }
        let Some(doc) = known!(bucket.policy) else {
            return Outcome::fail("the bucket has no policy, so it is reachable from outside a VPC endpoint");
        };
        match doc.statements.iter().find(|s| denies_outside_vpc(s, &bucket.arn)) {
            Some(s) => Outcome::pass(format!("policy statement {} denies object access that does not come through the VPC", statement_label(doc, s))),
            None => Outcome::fail("no policy statement denies object access to everyone unless it comes through a VPC endpoint (aws:SourceVpce or aws:SourceVpc)"),
        }
    }
}

fn denies_outside_vpc(statement: &Statement, bucket_arn: &str) -> bool {
    is_deny_for_everyone(statement)
        && DATA_ACTIONS.iter().all(|a| statement.applies_to_action(a))
        && covers_every_object(statement, bucket_arn)
        && !statement.conditions.is_empty()
        && statement.conditions.iter().all(is_outside_vpc)
}

/// `StringNotEquals[IfExists]` on `aws:SourceVpce` or `aws:SourceVpc`, with a value.
fn is_outside_vpc(condition: &Condition) -> bool {
    (condition.key_is("aws:SourceVpce") || condition.key_is("aws:SourceVpc"))
        && matches!(condition.operator.to_ascii_lowercase().as_str(), "stringnotequals" | "stringnotequalsifexists")
        && !condition.values.is_empty()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketRestrictedToVpcEndpoint.evaluate(b, &ScanContext::fixture())
    }

    const DENY_OUTSIDE_VPCE: &str = r#"{"Sid":"DenyOutsideVpce","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#;

    /// A bucket tagged private, with the given statements as its policy.
    fn private_with(statements: &[&str]) -> S3Bucket {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{}]}}"#, statements.join(","))).unwrap();
        S3Bucket { policy: Ok(Some(doc)), ..private() }
    }

    fn private() -> S3Bucket {
        let tags = BTreeMap::from([("data-classification".to_string(), "private".to_string())]);
        S3Bucket { tags: Ok(tags), ..S3Bucket::fixture("b") }
    }

    #[test]
    fn passes_when_private_bucket_denies_access_outside_the_vpc_endpoint() {
        let o = eval(&private_with(&[DENY_OUTSIDE_VPCE]));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("DenyOutsideVpce"), "{}", o.reason);
    }

    #[test]
    fn passes_when_source_vpc_if_exists_or_lower_case() {
        for statement in [
            r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}"#,
            r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"S3:*","Resource":"arn:aws:s3:::b/*","Condition":{"stringnotequals":{"AWS:SOURCEVPCE":["vpce-1","vpce-2"]}}}"#,
        ] {
            assert_eq!(eval(&private_with(&[statement])).status, Status::Pass, "{statement}");
        }
    }

    #[test]
    fn fails_when_private_bucket_policy_only_requires_tls() {
        let o = eval(&private());
        assert_eq!(o.status, Status::Fail);
    }

    #[test]
    fn fails_when_private_bucket_has_no_policy() {
        let b = S3Bucket { policy: Ok(None), ..private() };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("no policy"), "{}", o.reason);
    }

    #[test]
    fn fails_when_the_restriction_is_incomplete() {
        let cases = [
            // An Allow from the endpoint does not stop access from elsewhere.
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            // A positive match denies the endpoint instead.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            // Only writes.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            // Only a prefix.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/secret/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            // Exempts some principals.
            r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/admin"},"Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/admin"}}}"#,
            // Another key.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
        ];
        for statement in cases {
            assert_eq!(eval(&private_with(&[statement])).status, Status::Fail, "{statement}");
        }
    }

    #[test]
    fn not_applicable_when_bucket_is_not_tagged_private() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::NotApplicable);
        assert!(o.reason.contains("data-classification=private"), "{}", o.reason);
        // The policy is not needed for a bucket the rule does not apply to.
        let b = S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_when_tags_cannot_be_read() {
        let b = S3Bucket { tags: Err(S3Bucket::denied("s3:GetBucketTagging")), ..private_with(&[DENY_OUTSIDE_VPCE]) };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketTagging"));
    }

    #[test]
    fn unknown_when_policy_cannot_be_read_for_a_private_bucket() {
        let b = S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..private() };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPolicy"));
    }
}
