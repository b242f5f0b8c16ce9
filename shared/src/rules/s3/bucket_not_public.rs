//! The rule `s3.bucket-not-public`; its documentation is on [`BucketNotPublic`].

use crate::collected::Collected;
use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta, Status};
use crate::policy::public_statements;
use crate::resources::s3::{Grantee, PublicAccessBlock, S3Bucket, ALL_USERS_URI, AUTHENTICATED_USERS_URI};
use crate::rules::Rule;

use crate::rules::policy_checks::{describe_actions, statement_label};

rule! {
    pub struct BucketNotPublic;
    id: "s3.bucket-not-public",
    title: "S3 bucket policy and ACL grant no public access",
    severity: Critical,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.2"), Fsbp("S3.3")],
    seeds: ["001"],
    what_it_checks: "Neither the bucket policy nor the bucket ACL grants public access:\n\
        - the policy has no `Allow` statement that applies to everyone (`Principal: \"*\"`,\n\
          `{\"AWS\": \"*\"}` or a `NotPrincipal`) without a restricting condition (see\n\
          `policy::exposure`: a positive match on an account, organisation, principal, source, VPC\n\
          or IP key; `...IfExists` and `*` values do not restrict);\n\
        - the ACL grants nothing, with any permission, to the `AllUsers` or `AuthenticatedUsers`\n\
          groups.\n\
        \n\
        A public policy is neutralised when `RestrictPublicBuckets` is on at bucket or account\n\
        level, and a public ACL when `IgnorePublicAcls` is; the rule then passes and says what blocks\n\
        the access. Only what is needed is read: Block Public Access is consulted only when\n\
        something is public. When an aspect could not be collected the result is UNKNOWN, unless\n\
        another aspect is already known to be public (then it fails).",
    why_it_matters: "A public bucket is readable, and sometimes writable, by anyone on the\n\
        internet; it is the most common cause of S3 data leaks.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}`\n\
        with `RestrictPublicBuckets=false`, or an ACL granting `READ` to `AllUsers`.",
    remediation: "Remove policy statements that allow Principal \"*\" without an aws:PrincipalOrgID/aws:SourceArn condition, remove ACL grants to AllUsers and AuthenticatedUsers, and turn on Block Public Access.\n\
        \n\
        Remove the public statement from the bucket policy (or add an\n\
        `aws:PrincipalOrgID`/`aws:SourceArn` condition), remove the `AllUsers`/`AuthenticatedUsers`\n\
        grants (`aws s3api put-bucket-acl --bucket <name> --acl private`), and turn on Block Public\n\
        Access; serve public content through CloudFront with origin access control instead.",
    references: "",
}

impl Rule for BucketNotPublic {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        combine([policy_exposure(bucket), acl_exposure(bucket)])
    }
}

/// The verdict on the policy alone.
fn policy_exposure(bucket: &S3Bucket) -> Outcome {
    let Some(doc) = known!(bucket.policy) else {
        return Outcome::pass("the bucket has no policy");
    };
    let public = public_statements(doc);
    if public.is_empty() {
        return Outcome::pass("no policy statement allows everyone without a restricting condition");
    }
    let described: Vec<String> =
        public.iter().map(|s| format!("{} ({})", statement_label(doc, s), describe_actions(s))).collect();
    let statements = described.join(", ");
    let blocked = block_level(bucket, |p| p.restrict_public_buckets);
    match known!(blocked) {
        Some(level) => Outcome::pass(format!(
            "policy statement {statements} allows everyone, but {level} RestrictPublicBuckets setting blocks public access"
        )),
        None => Outcome::fail(format!("policy statement {statements} allows everyone without a restricting condition")),
    }
}

/// The verdict on the ACL alone.
fn acl_exposure(bucket: &S3Bucket) -> Outcome {
    let acl = known!(bucket.acl);
    let grants: Vec<String> = acl
        .grants
        .iter()
        .filter_map(|g| match &g.grantee {
            Grantee::Group(uri) => public_group(uri).map(|group| format!("{} to {group}", g.permission)),
            _ => None,
        })
        .collect();
    if grants.is_empty() {
        return Outcome::pass("the ACL grants nothing to AllUsers or AuthenticatedUsers");
    }
    let grants = grants.join(", ");
    let blocked = block_level(bucket, |p| p.ignore_public_acls);
    match known!(blocked) {
        Some(level) => {
            Outcome::pass(format!("the ACL grants {grants}, but {level} IgnorePublicAcls setting blocks public access"))
        }
        None => Outcome::fail(format!("the ACL grants {grants}")),
    }
}

/// FAIL if any part fails, else UNKNOWN if any part is unknown, else PASS; the reasons of the
/// deciding parts are joined.
fn combine(parts: [Outcome; 2]) -> Outcome {
    for status in [Status::Fail, Status::Unknown, Status::Pass] {
        let reasons: Vec<&str> = parts.iter().filter(|o| o.status == status).map(|o| o.reason.as_str()).collect();
        if !reasons.is_empty() {
            return Outcome::new(status, reasons.join("; "));
        }
    }
    Outcome::unknown("no verdict on the policy or the ACL")
}

/// Which level of Block Public Access has `switch` on (bucket first), `None` when it is off
/// (or not configured) at both, or the collection error when it is not on at the level that
/// could be read and the other could not be.
fn block_level(bucket: &S3Bucket, switch: fn(&PublicAccessBlock) -> bool) -> Collected<Option<&'static str>> {
    let on = |c: &Collected<Option<PublicAccessBlock>>| matches!(c, Ok(Some(p)) if switch(p));
    if on(&bucket.public_access_block) {
        return Ok(Some("the bucket-level"));
    }
    if on(&bucket.account_public_access_block) {
        return Ok(Some("the account-level"));
    }
    bucket
        .public_access_block
        .as_ref()
        .and(bucket.account_public_access_block.as_ref())
        .map(|_| None)
        .map_err(Clone::clone)
}

/// `AllUsers` or `AuthenticatedUsers` for the public groups' URIs.
fn public_group(uri: &str) -> Option<&'static str> {
    if uri.eq_ignore_ascii_case(ALL_USERS_URI) {
        Some("AllUsers")
    } else if uri.eq_ignore_ascii_case(AUTHENTICATED_USERS_URI) {
        Some("AuthenticatedUsers")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;
    use crate::resources::s3::{AclGrant, BucketAcl};

    fn eval(b: &S3Bucket) -> Outcome {
        BucketNotPublic.evaluate(b, &ScanContext::fixture())
    }

    const PUBLIC_READ: &str = r#"{"Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

    /// A bucket with `policy` and no Block Public Access at either level.
    fn with_policy(policy: &str) -> S3Bucket {
        S3Bucket {
            policy: Ok(Some(PolicyDocument::parse(policy).unwrap())),
            public_access_block: Ok(None),
            account_public_access_block: Ok(None),
            ..S3Bucket::fixture("b")
        }
    }

    /// A bucket whose ACL grants `permission` to the group `uri`, with no Block Public Access.
    fn with_group_grant(uri: &str, permission: &str) -> S3Bucket {
        let mut acl = BucketAcl { owner_id: Some("owner".into()), grants: Vec::new() };
        acl.grants.push(AclGrant { grantee: Grantee::Group(uri.into()), permission: permission.into() });
        S3Bucket {
            acl: Ok(acl),
            public_access_block: Ok(None),
            account_public_access_block: Ok(None),
            ..S3Bucket::fixture("b")
        }
    }

    #[test]
    fn passes_when_policy_and_acl_are_private() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("no policy statement allows everyone"), "{}", o.reason);
    }

    #[test]
    fn passes_when_no_policy_even_without_block_public_access() {
        let b = S3Bucket {
            policy: Ok(None),
            public_access_block: Ok(None),
            account_public_access_block: Ok(None),
            ..S3Bucket::fixture("b")
        };
        assert_eq!(eval(&b).status, Status::Pass);
    }

    #[test]
    fn fails_when_policy_allows_everyone() {
        let o = eval(&with_policy(PUBLIC_READ));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("\"PublicRead\"") && o.reason.contains("s3:GetObject"), "{}", o.reason);
    }

    #[test]
    fn fails_when_policy_allows_aws_star_or_not_principal() {
        for policy in [
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}]}"#,
        ] {
            assert_eq!(eval(&with_policy(policy)).status, Status::Fail, "{policy}");
        }
    }

    #[test]
    fn passes_when_public_statement_has_a_restricting_condition() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
            "Condition":{"StringEquals":{"AWS:PrincipalOrgId":"o-abc123"}}}]}"#;
        assert_eq!(eval(&with_policy(policy)).status, Status::Pass);
    }

    #[test]
    fn fails_when_condition_is_if_exists_or_a_wildcard_or_unrelated() {
        for condition in [
            r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            r#"{"StringLike":{"aws:SourceAccount":"*"}}"#,
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
        ] {
            let policy = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{condition}}}]}}"#
            );
            assert_eq!(eval(&with_policy(&policy)).status, Status::Fail, "{condition}");
        }
    }

    #[test]
    fn passes_when_public_policy_is_blocked_at_bucket_level() {
        let pab = PublicAccessBlock { restrict_public_buckets: true, ..PublicAccessBlock::default() };
        let b = S3Bucket { public_access_block: Ok(Some(pab)), ..with_policy(PUBLIC_READ) };
        let o = eval(&b);
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("bucket-level RestrictPublicBuckets"), "{}", o.reason);
    }

    #[test]
    fn passes_when_public_policy_is_blocked_at_account_level() {
        let b =
            S3Bucket { account_public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)), ..with_policy(PUBLIC_READ) };
        let o = eval(&b);
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("account-level RestrictPublicBuckets"), "{}", o.reason);
    }

    #[test]
    fn fails_when_only_ignore_public_acls_is_on_for_a_public_policy() {
        let pab =
            PublicAccessBlock { ignore_public_acls: true, block_public_policy: true, ..PublicAccessBlock::default() };
        let b = S3Bucket {
            public_access_block: Ok(Some(pab)),
            account_public_access_block: Ok(Some(pab)),
            ..with_policy(PUBLIC_READ)
        };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn fails_when_acl_grants_all_users_or_authenticated_users() {
        for (uri, group) in [(ALL_USERS_URI, "AllUsers"), (AUTHENTICATED_USERS_URI, "AuthenticatedUsers")] {
            let o = eval(&with_group_grant(uri, "READ"));
            assert_eq!(o.status, Status::Fail, "{uri}");
            assert!(o.reason.contains(&format!("READ to {group}")), "{}", o.reason);
        }
        assert_eq!(eval(&with_group_grant(ALL_USERS_URI, "WRITE_ACP")).status, Status::Fail);
    }

    #[test]
    fn passes_when_acl_grants_another_group() {
        let o = eval(&with_group_grant("http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE"));
        assert_eq!(o.status, Status::Pass);
    }

    #[test]
    fn passes_when_public_acl_is_ignored_at_either_level() {
        let ignore = PublicAccessBlock { ignore_public_acls: true, ..PublicAccessBlock::default() };
        let b = S3Bucket { public_access_block: Ok(Some(ignore)), ..with_group_grant(ALL_USERS_URI, "READ") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("bucket-level IgnorePublicAcls"), "{}", o.reason);
        let b = S3Bucket { account_public_access_block: Ok(Some(ignore)), ..with_group_grant(ALL_USERS_URI, "READ") };
        assert!(eval(&b).reason.contains("account-level IgnorePublicAcls"));
    }

    #[test]
    fn fails_when_public_acl_is_blocked_only_by_restrict_public_buckets() {
        let restrict = PublicAccessBlock {
            restrict_public_buckets: true,
            block_public_acls: true,
            ..PublicAccessBlock::default()
        };
        let b = S3Bucket { public_access_block: Ok(Some(restrict)), ..with_group_grant(ALL_USERS_URI, "READ") };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn fails_when_both_policy_and_acl_are_public_naming_both() {
        let b = S3Bucket { policy: with_policy(PUBLIC_READ).policy, ..with_group_grant(ALL_USERS_URI, "FULL_CONTROL") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("PublicRead") && o.reason.contains("FULL_CONTROL to AllUsers"), "{}", o.reason);
    }

    #[test]
    fn fails_when_acl_is_public_even_if_policy_could_not_be_read() {
        let b =
            S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..with_group_grant(ALL_USERS_URI, "READ") };
        assert_eq!(eval(&b).status, Status::Fail);
    }

    #[test]
    fn unknown_when_policy_could_not_be_read() {
        let b = S3Bucket { policy: Err(S3Bucket::denied("s3:GetBucketPolicy")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPolicy"), "{}", o.reason);
    }

    #[test]
    fn unknown_when_acl_could_not_be_read() {
        let b = S3Bucket { acl: Err(S3Bucket::denied("s3:GetBucketAcl")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketAcl"), "{}", o.reason);
    }

    #[test]
    fn unknown_when_policy_is_public_and_block_public_access_could_not_be_read() {
        let b = S3Bucket {
            public_access_block: Err(S3Bucket::denied("s3:GetBucketPublicAccessBlock")),
            ..with_policy(PUBLIC_READ)
        };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetBucketPublicAccessBlock"), "{}", o.reason);
    }

    #[test]
    fn passes_when_block_public_access_is_unreadable_but_nothing_is_public() {
        let b = S3Bucket {
            public_access_block: Err(S3Bucket::denied("s3:GetBucketPublicAccessBlock")),
            account_public_access_block: Err(S3Bucket::denied("s3:GetAccountPublicAccessBlock")),
            ..S3Bucket::fixture("b")
        };
        assert_eq!(eval(&b).status, Status::Pass);
    }

    #[test]
    fn passes_when_account_level_blocks_even_if_bucket_level_is_unreadable() {
        let b = S3Bucket {
            public_access_block: Err(S3Bucket::denied("s3:GetBucketPublicAccessBlock")),
            account_public_access_block: Ok(Some(PublicAccessBlock::ALL_ON)),
            ..with_policy(PUBLIC_READ)
        };
        assert_eq!(eval(&b).status, Status::Pass);
    }
}
