//! The rule `s3.bucket-no-broad-cross-account`; its documentation is on [`BucketNoBroadCrossAccount`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{external_grants, ExternalKind};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketNoBroadCrossAccount;
    id: "s3.bucket-no-broad-cross-account",
    title: "S3 bucket policy grants other accounts no write, delete or policy actions",
    severity: High,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.6")],
    seeds: ["004"],
    what_it_checks: "No `Allow` statement of the bucket policy grants a principal of another\n\
        account any of the write, delete or configuration actions in `SENSITIVE_ACTIONS`\n\
        (`s3:PutObject`, `s3:DeleteObject`, `s3:PutBucketPolicy`, ...). Actions are matched as IAM\n\
        does, so `s3:*`, `s3:Put*`, `*` and any capitalisation count. Other accounts are those named\n\
        by `AWS` principals (an account id or any ARN in it) other than the scanned account and the\n\
        configured `trusted_accounts`; a statement confined to the inside by a condition (for\n\
        example `aws:PrincipalOrgID` equal to the configured `organization_id`) does not count. The\n\
        shared evaluator `policy::external_grants` answers both questions. Public (`*`) grants are\n\
        the business of `s3.bucket-not-public`. A bucket with no policy passes.",
    why_it_matters: "An account that can write, delete or reconfigure the bucket can destroy\n\
        or replace its data, or rewrite its policy to grant itself more; a compromise of that\n\
        account becomes a compromise of this bucket.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]}`\n\
        lets account 111122223333 delete the bucket policy.",
    remediation: "Restrict bucket policy statements for other accounts to the read actions they need, or list the account in trusted_accounts if you own it.\n\
        \n\
        Limit cross-account statements to the read actions the partner needs (for\n\
        example `s3:GetObject` on one prefix), or add the account to `trusted_accounts` if it is\n\
        yours; hand writes over through a role in this account that the partner assumes.",
    references: "",
}

/// Actions another account must not be granted.
pub const SENSITIVE_ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutObjectAcl",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:PutBucketVersioning",
];

impl Rule for BucketNoBroadCrossAccount {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(bucket.policy) else {
            return Outcome::pass("the bucket has no policy");
        };
        // The shared evaluator decides who is outside (own and trusted accounts, the organisation)
        // and which conditions confine a statement to the inside; everyone-grants are
        // `s3.bucket-not-public`'s business.
        let described: Vec<String> = external_grants(doc, &ctx.trust())
            .into_iter()
            .filter(|g| g.kind == ExternalKind::Account)
            .filter_map(|g| {
                let names: Vec<&str> =
                    SENSITIVE_ACTIONS.iter().copied().filter(|a| g.statement.applies_to_action(a)).collect();
                (!names.is_empty()).then(|| format!("{} {} (statement {})", g.who, names.join(", "), g.label))
            })
            .collect();
        if described.is_empty() {
            return Outcome::pass("the policy grants no other account write, delete or configuration actions");
        }
        Outcome::fail(format!("the policy grants {}", described.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::policy::PolicyDocument;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketNoBroadCrossAccount.evaluate(b, &ScanContext::fixture())
    }

    fn granting(principal: &str, action: &str) -> S3Bucket {
        let doc = PolicyDocument::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":{principal}}},"Action":{action},"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}]}}"#
        ))
        .unwrap();
        S3Bucket { policy: Ok(Some(doc)), ..S3Bucket::fixture("b") }
    }

    #[test]
    fn passes_when_policy_has_no_cross_account_grant() {
        assert_eq!(eval(&S3Bucket::fixture("b")).status, Status::Pass);
    }

    #[test]
    fn passes_when_no_policy() {
        let b = S3Bucket { policy: Ok(None), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Pass);
    }

    #[test]
    fn passes_when_other_account_only_reads() {
        let b = granting(r#""arn:aws:iam::111122223333:root""#, r#"["s3:GetObject","s3:ListBucket","s3:Get*"]"#);
        assert_eq!(eval(&b).status, Status::Pass);
    }

    #[test]
    fn passes_when_grant_is_to_the_scanned_account() {
        let b = granting(r#""arn:aws:iam::123456789012:role/app""#, r#""s3:*""#);
        assert_eq!(eval(&b).status, Status::Pass);
    }

    #[test]
    fn passes_when_account_is_trusted() {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).trusted_accounts.push("111122223333".into());
        let b = granting(r#""arn:aws:iam::111122223333:root""#, r#""s3:*""#);
        assert_eq!(BucketNoBroadCrossAccount.evaluate(&b, &ctx).status, Status::Pass);
        // The same grant fails without the configuration.
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn fails_when_other_account_can_put_objects_naming_account_and_action() {
        let o = eval(&granting(r#""111122223333""#, r#""s3:PutObject""#));
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.reason, "the policy grants account 111122223333 s3:PutObject (statement Statement[0])");
    }

    #[test]
    fn fails_when_actions_are_wildcards_or_mixed_case() {
        let cases = [
            (r#""s3:*""#, "s3:PutBucketPolicy"),
            (r#""*""#, "s3:DeleteBucket"),
            (r#""s3:Put*""#, "s3:PutBucketVersioning"),
            (r#""S3:DELETEOBJECT""#, "s3:DeleteObject"),
            (r#""s3:delete*""#, "s3:DeleteObjectVersion"),
            (r#"["s3:GetObject","s3:PutObjectAcl"]"#, "s3:PutObjectAcl"),
        ];
        for (action, named) in cases {
            let o = eval(&granting(r#""arn:aws:iam::111122223333:role/partner""#, action));
            assert_eq!(o.status, Status::Fail, "{action}");
            assert!(o.reason.contains(named), "{action}: {}", o.reason);
        }
    }

    #[test]
    fn fails_when_not_action_leaves_writes_allowed() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"NotAction":"s3:Delete*","Resource":"*"}]}"#,
        )
        .unwrap();
        let o = eval(&S3Bucket { policy: Ok(Some(doc)), ..S3Bucket::fixture("b") });
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("s3:PutObject") && !o.reason.contains("s3:DeleteObject"), "{}", o.reason);
    }

    #[test]
    fn fails_naming_every_untrusted_grant_by_statement() {
        let doc = PolicyDocument::parse(
            r#"{"Statement":[
                {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","123456789012"]},"Action":"s3:PutObject","Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/x"},"Action":["s3:DeleteObject","s3:PutObject"],"Resource":"*"},
                {"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:PutBucketAcl","Resource":"*"},
                {"Effect":"Deny","Principal":{"AWS":"777788889999"},"Action":"s3:*","Resource":"*"}
            ]}"#,
        )
        .unwrap();
        let o = eval(&S3Bucket { policy: Ok(Some(doc)), ..S3Bucket::fixture("b") });
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.reason,
            "the policy grants account 111122223333 s3:PutObject (statement Statement[0]); \
             arn:aws:iam::111122223333:role/x s3:PutObject, s3:DeleteObject (statement Statement[1]); \
             account 444455556666 s3:PutBucketAcl (statement Statement[2])"
        );
    }

    #[test]
    fn passes_when_a_condition_confines_the_grant_to_the_organisation() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:PutObject","Resource":"*",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-own"}}}]}"#;
        let b = S3Bucket { policy: Ok(Some(PolicyDocument::parse(doc).unwrap())), ..S3Bucket::fixture("b") };
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).organization_id = Some("o-own".into());
        assert_eq!(BucketNoBroadCrossAccount.evaluate(&b, &ctx).status, Status::Pass);
        // Another organisation's id, or no configured organisation, does not confine it.
        Arc::make_mut(&mut ctx.config).organization_id = Some("o-other".into());
        assert_eq!(BucketNoBroadCrossAccount.evaluate(&b, &ctx).status, Status::Fail);
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b = S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPolicy"));
    }
}
