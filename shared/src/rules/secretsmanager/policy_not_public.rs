//! The rule `secretsmanager.policy-not-public`; its documentation is on [`PolicyNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::secretsmanager::Secret;
use crate::rules::policy_checks::{exposure, Audience};
use crate::rules::Rule;

rule! {
    pub struct PolicyNotPublic;
    id: "secretsmanager.policy-not-public",
    title: "Secrets Manager secret policy grants no access to everyone",
    severity: Critical,
    resource_type: "AwsSecretsManagerSecret",
    trigger: Change,
    mappings: [Prowler("secretsmanager_not_publicly_accessible")],
    seeds: ["004"],
    what_it_checks: "The secret's resource policy has no `Allow` statement that applies to\n\
        everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, an `AWS` value with a wildcard, or\n\
        `NotPrincipal`) unless a condition confines it to this account, its organisation or its\n\
        trusted accounts. The shared policy engine answers (`policy::external_grants` with the\n\
        scan's `Trust`, keeping the grants to everyone; cross-account grants to *named* accounts\n\
        are not this rule's business):\n\
        - no restricting condition at all (`public_statements`): FAIL;\n\
        - a restricting condition that names someone else (`aws:PrincipalAccount` or\n\
          `aws:SourceAccount` of a foreign account, `aws:PrincipalOrgID` of another organisation,\n\
          or only `aws:SourceIp`, which says where the caller is, not whose account it is): FAIL,\n\
          naming the condition, since every principal of that account, organisation or network\n\
          can read the secret;\n\
        - *choice*: a statement confined by `aws:PrincipalOrgID`/`aws:SourceOrgID`/\n\
          `aws:PrincipalOrgPaths` while `organization_id` is not configured cannot be verified: it\n\
          passes, and the finding says to set `organization_id` (failing a Critical rule on the\n\
          most common correct pattern would bury real exposures).\n\
        \n\
        A secret without a policy passes. A policy that is not JSON, or that could not be read, is\n\
        UNKNOWN naming the secret and the reason.",
    why_it_matters: "`secretsmanager:GetSecretValue` granted to everyone hands the\n\
        credential to any AWS account in the world; the secret is then a published password.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}`.",
    remediation: "Remove resource policy statements that allow Principal \"*\", or confine them with an aws:PrincipalOrgID/aws:PrincipalAccount condition naming your own organisation or account; turn on Block Public Policy (put-resource-policy --block-public-policy).\n\
        \n\
        Replace `*` with the roles that need the secret, or add an\n\
        `aws:PrincipalOrgID`/`aws:PrincipalAccount` condition naming your own organisation or\n\
        account; `aws secretsmanager validate-resource-policy` and Block Public Policy\n\
        (`put-resource-policy --block-public-policy`) reject such policies up front.",
    references: "",
}

impl Rule for PolicyNotPublic {
    type Resource = Secret;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, secret: &Secret, ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(secret.policy) else {
            return Outcome::pass("the secret has no resource policy");
        };
        exposure(doc, ctx, Audience::Everyone)
            .unwrap_or_else(|| Outcome::pass("no policy statement allows everyone outside the account or organisation"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::ScanConfig;

    fn with_statement(statement: &str) -> Secret {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        Secret { policy: Ok(Some(doc)), ..Secret::fixture("s") }
    }

    const GET: &str = r#""Action":"secretsmanager:GetSecretValue","Resource":"*""#;

    #[test]
    fn table() {
        let cases: Vec<(&str, Secret, Status, &str)> = vec![
            ("own role only", Secret::fixture("s"), Status::Pass, "no policy statement allows everyone"),
            ("no policy", Secret { policy: Ok(None), ..Secret::fixture("s") }, Status::Pass, "no resource policy"),
            (
                "Principal *",
                with_statement(&format!(r#"{{"Sid":"Open","Effect":"Allow","Principal":"*",{GET}}}"#)),
                Status::Fail,
                "statement Open allows secretsmanager:GetSecretValue to everyone without a restricting condition",
            ),
            (
                "AWS * in a list",
                with_statement(&format!(r#"{{"Effect":"Allow","Principal":{{"AWS":["*"]}},{GET}}}"#)),
                Status::Fail,
                "Statement[0]",
            ),
            (
                "NotPrincipal",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","NotPrincipal":{{"AWS":"arn:aws:iam::111122223333:root"}},{GET}}}"#
                )),
                Status::Fail,
                "everyone not listed in NotPrincipal",
            ),
            (
                "confined to the own account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalAccount":"123456789012"}}}}}}"#
                )),
                Status::Pass,
                "no policy statement allows everyone",
            ),
            (
                "restricted to a foreign account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalAccount":"999999999999"}}}}}}"#
                )),
                Status::Fail,
                "aws:PrincipalAccount 999999999999",
            ),
            (
                "IfExists does not restrict",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEqualsIfExists":{{"aws:PrincipalAccount":"123456789012"}}}}}}"#
                )),
                Status::Fail,
                "without a restricting condition",
            ),
            (
                "only a source IP",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"IpAddress":{{"aws:SourceIp":"203.0.113.0/24"}}}}}}"#
                )),
                Status::Fail,
                "aws:SourceIp 203.0.113.0/24",
            ),
            (
                "organisation, organization_id unset",
                with_statement(&format!(
                    r#"{{"Sid":"Org","Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
                )),
                Status::Pass,
                "set organization_id",
            ),
            (
                "Deny to everyone",
                with_statement(&format!(r#"{{"Effect":"Deny","Principal":"*",{GET}}}"#)),
                Status::Pass,
                "no policy statement allows everyone",
            ),
            (
                "not JSON",
                Secret {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "secretsmanager:GetResourcePolicy",
                        "resource policy of secret s: expected value at line 1",
                    )),
                    ..Secret::fixture("s")
                },
                Status::Unknown,
                "malformed document on secretsmanager:GetResourcePolicy: resource policy of secret s",
            ),
            (
                "access denied",
                Secret { policy: Err(Secret::denied("secretsmanager:GetResourcePolicy")), ..Secret::fixture("s") },
                Status::Unknown,
                "access denied on secretsmanager:GetResourcePolicy",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, secret, status, needle) in cases {
            let o = PolicyNotPublic.evaluate(&secret, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn organisation_is_checked_once_configured() {
        let secret = with_statement(&format!(
            r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ));
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig { organization_id: Some("o-abc123".into()), ..ScanConfig::default() });
        assert_eq!(PolicyNotPublic.evaluate(&secret, &ctx).status, Status::Pass);
        ctx.config = Arc::new(ScanConfig { organization_id: Some("o-mine999".into()), ..ScanConfig::default() });
        let o = PolicyNotPublic.evaluate(&secret, &ctx);
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert!(o.reason.contains("aws:PrincipalOrgID o-abc123"), "{}", o.reason);
    }
}
