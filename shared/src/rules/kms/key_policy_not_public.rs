//! The rule `kms.key-policy-not-public`; its documentation is on [`KeyPolicyNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::KeyWithPolicy;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct KeyPolicyNotPublic;
    id: "kms.key-policy-not-public",
    title: "KMS key policy grants no access to everyone or untrusted accounts",
    severity: Critical,
    resource_type: "AwsKmsKey",
    trigger: Change,
    mappings: [Prowler("kms_key_not_publicly_accessible")],
    seeds: ["003", "004"],
    what_it_checks: "A customer-managed key's policy (`GetKeyPolicy`, policy `default`) has no\n\
        `Allow` statement that reaches everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`,\n\
        `NotPrincipal`) or a foreign account outside `trusted_accounts`, unless a condition confines\n\
        it. The decision is the shared policy engine's (`policy::external_grants` with the scan's\n\
        `Trust`), which knows the KMS condition keys that confine a grant:\n\
        - `kms:CallerAccount` naming this account (or a trusted one): the usual \"any principal of\n\
          my account, through a service\" statement passes; naming another account fails, naming it;\n\
        - `kms:ViaService`: the key is usable only through the named AWS service endpoint(s)\n\
          (*choice*, as the control catalogue lists it: the service still acts for its caller);\n\
        - `aws:PrincipalOrgID` of the configured organisation, `aws:PrincipalAccount`,\n\
          `aws:PrincipalArn`, `aws:SourceVpce`, ... as for every resource policy.\n\
        \n\
        `kms:GrantIsForAWSResource` alone does not confine (any account's AWS resources qualify).\n\
        An AWS-managed key is NOT_APPLICABLE. A key whose description or policy could not be read\n\
        is UNKNOWN with the reason.",
    why_it_matters: "`kms:Decrypt` open to everyone lets any AWS account decrypt whatever it can\n\
        get ciphertext of (snapshots, exported items, S3 objects), and `kms:CreateGrant` or\n\
        `kms:PutKeyPolicy` open to everyone hands the key over outright.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}`\n\
        without a condition.",
    remediation: "Remove key policy statements that allow Principal \"*\" or untrusted accounts, or confine them with kms:CallerAccount/aws:PrincipalOrgID naming your own account or organisation (kms put-key-policy).\n\
        \n\
        Rewrite the statement to name the roles that use the key, or add\n\
        `\"StringEquals\": {\"kms:CallerAccount\": \"<account>\", \"kms:ViaService\":\n\
        \"<service>.<region>.amazonaws.com\"}`; apply it with `aws kms put-key-policy --key-id <id>\n\
        --policy-name default --policy file://policy.json`.",
    references: "",
}

impl Rule for KeyPolicyNotPublic {
    type Resource = KeyWithPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, key: &KeyWithPolicy, ctx: &ScanContext) -> Outcome {
        known!(key.description);
        if let Some(why) = key.not_applicable() {
            return Outcome::not_applicable(why);
        }
        match known!(key.policy) {
            None => Outcome::unknown("the key returned no key policy"),
            Some(doc) => not_public(doc, ctx, "key"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::data::{denied, AWS_MANAGED};

    fn with_statement(statement: &str) -> KeyWithPolicy {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        KeyWithPolicy { policy: Ok(Some(doc)), ..KeyWithPolicy::fixture("k") }
    }

    const USE: &str = r#""Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*""#;

    #[test]
    fn table() {
        let mut aws_managed = with_statement(&format!(r#"{{"Effect":"Allow","Principal":"*",{USE}}}"#));
        if let Ok(d) = aws_managed.description.as_mut() {
            d.manager = AWS_MANAGED.into();
        }
        let cases: Vec<(&str, KeyWithPolicy, Status, &str)> = vec![
            ("default policy", KeyWithPolicy::fixture("k"), Status::Pass, "no key policy statement allows everyone"),
            (
                "everyone",
                with_statement(&format!(r#"{{"Sid":"Open","Effect":"Allow","Principal":{{"AWS":"*"}},{USE}}}"#)),
                Status::Fail,
                "statement Open allows kms:Decrypt, kms:GenerateDataKey* to everyone without a restricting condition",
            ),
            (
                // Accuracy trap: `*` confined by kms:CallerAccount to the own account is not public.
                "everyone of the own account (kms:CallerAccount)",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{USE},"Condition":{{"StringEquals":{{"kms:CallerAccount":"123456789012"}}}}}}"#
                )),
                Status::Pass,
                "no key policy statement",
            ),
            (
                "the AWS-managed key pattern on a customer key",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"*"}},{USE},"Condition":{{"StringEquals":{{"kms:CallerAccount":"123456789012","kms:ViaService":"dynamodb.us-east-1.amazonaws.com"}}}}}}"#
                )),
                Status::Pass,
                "no key policy statement",
            ),
            (
                "everyone through one service",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{USE},"Condition":{{"StringEquals":{{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}}}}}"#
                )),
                Status::Pass,
                "no key policy statement",
            ),
            (
                "everyone of a foreign account (kms:CallerAccount)",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{USE},"Condition":{{"StringEquals":{{"kms:CallerAccount":"999999999999"}}}}}}"#
                )),
                Status::Fail,
                "kms:CallerAccount 999999999999",
            ),
            (
                "GrantIsForAWSResource alone",
                with_statement(
                    r#"{"Effect":"Allow","Principal":"*","Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}"#,
                ),
                Status::Fail,
                "kms:CreateGrant to everyone without a restricting condition",
            ),
            (
                "caller account only if it exists",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{USE},"Condition":{{"StringEqualsIfExists":{{"kms:CallerAccount":"123456789012"}}}}}}"#
                )),
                Status::Fail,
                "without a restricting condition",
            ),
            (
                "foreign account root",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},{USE}}}"#
                )),
                Status::Fail,
                "account 999999999999",
            ),
            ("AWS-managed key", aws_managed, Status::NotApplicable, "managed by AWS"),
            (
                "policy unreadable",
                KeyWithPolicy { policy: Err(denied("kms:GetKeyPolicy")), ..KeyWithPolicy::fixture("k") },
                Status::Unknown,
                "access denied on kms:GetKeyPolicy",
            ),
            (
                "description unreadable",
                KeyWithPolicy { description: Err(denied("kms:DescribeKey")), ..KeyWithPolicy::fixture("k") },
                Status::Unknown,
                "access denied on kms:DescribeKey",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, key, status, needle) in cases {
            let o = KeyPolicyNotPublic.evaluate(&key, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
