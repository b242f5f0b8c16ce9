//! The rule `s3.bucket-requires-tls`; its documentation is on [`BucketRequiresTls`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::Statement;
use crate::resources::s3::S3Bucket;
use crate::rules::policy_checks::is_insecure_transport;
use crate::rules::Rule;

use super::{covers_every_object, is_deny_for_everyone, statement_label};

rule! {
    pub struct BucketRequiresTls;
    id: "s3.bucket-requires-tls",
    title: "S3 bucket policy denies requests that do not use TLS",
    severity: Medium,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.5")],
    seeds: ["001"],
    what_it_checks: "The bucket policy has a `Deny` statement that:\n\
        - applies to everyone (`Principal: \"*\"`; a `NotPrincipal` exempts the principals it lists\n\
          and does not count);\n\
        - covers at least `s3:GetObject` and `s3:PutObject` (`s3:*`, `*`, `s3:*Object`, ... in any\n\
          case);\n\
        - covers every object of the bucket (`<bucket arn>/*` or `*`);\n\
        - is conditioned on `aws:SecureTransport` being `false` (`Bool` or `BoolIfExists`), and on\n\
          nothing else: another condition would narrow the deny to some requests.\n\
        \n\
        Only `aws:SecureTransport=false` counts. A deny on `s3:TlsVersion` (`NumericLessThan`)\n\
        sets a minimum TLS version but still allows plain HTTP, so on its own it does not pass. A\n\
        bucket with no policy fails.",
    why_it_matters: "S3 accepts plain HTTP unless the bucket policy refuses it, and requests\n\
        over HTTP expose object data and request signatures to anyone on the network path.",
    example: "A bucket with no policy, or whose only deny is on `s3:PutObject` with\n\
        `aws:SecureTransport=false`, still serves `GetObject` over HTTP.",
    remediation: "Add a bucket policy statement that denies s3:* to Principal \"*\" on the bucket and its objects when aws:SecureTransport is false.\n\
        \n\
        Add to the bucket policy:\n\
        `{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::<name>\",\"arn:aws:s3:::<name>/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}`.",
    references: "",
}

/// Actions the deny must cover.
const DATA_ACTIONS: &[&str] = &["s3:GetObject", "s3:PutObject"];

impl Rule for BucketRequiresTls {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(bucket.policy) else {
            return Outcome::fail("the bucket has no policy, so requests over plain HTTP are not denied");
        };
        match doc.statements.iter().find(|s| denies_insecure_transport(s, &bucket.arn)) {
            Some(s) => Outcome::pass(format!(
                "policy statement {} denies requests with aws:SecureTransport=false",
                statement_label(doc, s)
            )),
            None => Outcome::fail(
                "no policy statement denies object reads and writes to everyone when aws:SecureTransport is false",
            ),
        }
    }
}

fn denies_insecure_transport(statement: &Statement, bucket_arn: &str) -> bool {
    is_deny_for_everyone(statement)
        && DATA_ACTIONS.iter().all(|a| statement.applies_to_action(a))
        && covers_every_object(statement, bucket_arn)
        && !statement.conditions.is_empty()
        && statement.conditions.iter().all(is_insecure_transport)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketRequiresTls.evaluate(b, &ScanContext::fixture())
    }

    fn with_statement(statement: &str) -> S3Bucket {
        let doc = PolicyDocument::parse(&format!(r#"{{"Statement":[{statement}]}}"#)).unwrap();
        S3Bucket { policy: Ok(Some(doc)), ..S3Bucket::fixture("b") }
    }

    #[test]
    fn passes_when_policy_denies_insecure_transport() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("DenyInsecureTransport"), "{}", o.reason);
    }

    #[test]
    fn passes_when_written_in_other_accepted_forms() {
        for statement in [
            r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":false}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":["S3:GETOBJECT","s3:putobject"],"Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"AWS:SecureTransport":"FALSE"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*Object","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}"#,
        ] {
            let o = eval(&with_statement(statement));
            assert_eq!(o.status, Status::Pass, "{statement}: {}", o.reason);
            assert!(o.reason.contains("Statement[0]"), "{}", o.reason);
        }
    }

    #[test]
    fn fails_when_no_policy() {
        let b = S3Bucket { policy: Ok(None), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("no policy"), "{}", o.reason);
    }

    #[test]
    fn fails_when_the_deny_is_incomplete() {
        let cases = [
            // An Allow, not a Deny.
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Denies secure requests instead.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            // Only writes.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Only part of the bucket.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/private/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Only the bucket, not its objects.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Another bucket.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // One principal only.
            r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Everyone except some principals.
            r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/admin"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Narrowed by another condition.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}"#,
            // A minimum TLS version does not refuse plain HTTP.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}}"#,
            // No condition at all: denies everything, which is not this control.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}"#,
        ];
        for statement in cases {
            assert_eq!(eval(&with_statement(statement)).status, Status::Fail, "{statement}");
        }
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPolicy"));
    }
}
