//! The rule `secretsmanager.encrypted-with-cmk`; its documentation is on [`EncryptedWithCmk`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::secretsmanager::Secret;
use crate::rules::Rule;

rule! {
    pub struct EncryptedWithCmk;
    id: "secretsmanager.encrypted-with-cmk",
    title: "Secrets Manager secret is encrypted with a customer-managed KMS key",
    severity: Low,
    resource_type: "AwsSecretsManagerSecret",
    trigger: Change,
    mappings: [],
    seeds: ["002"],
    what_it_checks: "The secret is encrypted with a customer-managed KMS key: `KmsKeyId` is\n\
        present and is not the AWS-managed key's alias `alias/aws/secretsmanager` (by name or alias\n\
        ARN). The API omits `KmsKeyId` for the AWS-managed key, so an absent value fails. A key\n\
        named by key id or key ARN is taken as customer-managed: the audit does not call KMS, and\n\
        Secrets Manager reports the AWS-managed key only by omission or by its alias.",
    why_it_matters: "With the AWS-managed key, anyone the secret's own permissions allow can\n\
        decrypt it: the key policy cannot be narrowed, cannot require a separate grant, and cannot\n\
        be shared across accounts. A customer-managed key adds a second, independently audited\n\
        gate (its key policy) and a kill switch (disable the key), and its use is logged per key.",
    example: "`aws secretsmanager create-secret --name db --secret-string ...` without\n\
        `--kms-key-id`.",
    remediation: "Re-encrypt the secret with a customer-managed KMS key (secretsmanager update-secret --kms-key-id <key>) whose key policy limits kms:Decrypt to the secret's readers.\n\
        \n\
        `aws secretsmanager update-secret --secret-id <arn> --kms-key-id <cmk>`\n\
        (then read the secret once so the current version is re-encrypted), with a key policy that\n\
        grants `kms:Decrypt` only to the secret's readers via `kms:ViaService`.",
    references: "seed 002 (customer-managed keys for data at rest).",
}

impl Rule for EncryptedWithCmk {
    type Resource = Secret;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, secret: &Secret, _ctx: &ScanContext) -> Outcome {
        if !secret.uses_aws_managed_key() {
            let key = secret.kms_key_id.as_deref().unwrap_or_default();
            return Outcome::pass(format!("encrypted with the customer-managed key {key}"));
        }
        Outcome::fail("encrypted with the AWS-managed key aws/secretsmanager, whose key policy cannot be restricted")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let with = |k: Option<&str>| Secret { kms_key_id: k.map(str::to_string), ..Secret::fixture("s") };
        let cases = [
            ("key ARN", with(Some("arn:aws:kms:us-east-1:123456789012:key/1234")), Status::Pass, "key/1234"),
            ("customer alias", with(Some("alias/app-secrets")), Status::Pass, "alias/app-secrets"),
            ("omitted (AWS-managed)", with(None), Status::Fail, "AWS-managed key"),
            ("AWS-managed alias", with(Some("alias/aws/secretsmanager")), Status::Fail, "AWS-managed"),
            (
                "AWS-managed alias ARN",
                with(Some("arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager")),
                Status::Fail,
                "AWS-managed",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, secret, status, needle) in cases {
            let o = EncryptedWithCmk.evaluate(&secret, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
