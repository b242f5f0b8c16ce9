//! The rule `account.kms-rotation-enabled`; its documentation is on [`KmsRotationEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::KmsKey;
use crate::rules::Rule;

rule! {
    pub struct KmsRotationEnabled;
    id: "account.kms-rotation-enabled",
    title: "Customer-managed symmetric KMS key rotates automatically",
    severity: Medium,
    resource_type: "AwsKmsKey",
    trigger: Change,
    mappings: [Fsbp("KMS.4")],
    seeds: ["002", "003"],
    what_it_checks: "Every customer-managed KMS key that can rotate automatically (key spec\n\
        `SYMMETRIC_DEFAULT`, origin `AWS_KMS`, state `Enabled`) has automatic rotation on\n\
        (`GetKeyRotationStatus`). One finding per key. Other customer-managed keys (asymmetric,\n\
        HMAC, imported or custom-key-store material, disabled or pending deletion) are\n\
        NOT_APPLICABLE with the reason; AWS-managed keys are not reported at all (AWS rotates them\n\
        every year and the account cannot change that). A key whose description or rotation status\n\
        could not be read is UNKNOWN.",
    why_it_matters: "Rotation limits how much data one key version protects and how long a\n\
        leaked or cryptanalysed version stays useful; compliance regimes require it for keys that\n\
        protect customer data.",
    example: "A key created with `aws kms create-key` (rotation is off by default).",
    remediation: "Enable automatic rotation on the key (aws kms enable-key-rotation --key-id <key>), or set EnableKeyRotation: true on the AWS::KMS::Key.\n\
        \n\
        `aws kms enable-key-rotation --key-id <key>` (optionally\n\
        `--rotation-period-in-days`), or `EnableKeyRotation: true` on the `AWS::KMS::Key`.",
    references: "",
}

impl Rule for KmsRotationEnabled {
    type Resource = KmsKey;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, key: &KmsKey, _ctx: &ScanContext) -> Outcome {
        let rotation = known!(key.rotation);
        if let Some(why) = key.rotation_not_applicable() {
            return Outcome::not_applicable(why);
        }
        match rotation {
            Some(true) => Outcome::pass(format!("key {} rotates automatically", key.id)),
            Some(false) => Outcome::fail(format!("automatic rotation is off for key {}", key.id)),
            None => Outcome::unknown(format!("the rotation status of key {} was not read", key.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::denied;

    #[test]
    fn table() {
        let base = KmsKey::fixture("k-1");
        let cases: Vec<(KmsKey, Status, &str)> = vec![
            (base.clone(), Status::Pass, "k-1 rotates automatically"),
            (KmsKey { rotation: Ok(Some(false)), ..base.clone() }, Status::Fail, "rotation is off for key k-1"),
            (KmsKey { spec: "RSA_2048".into(), rotation: Ok(None), ..base.clone() }, Status::NotApplicable, "RSA_2048"),
            (
                KmsKey { origin: "EXTERNAL".into(), rotation: Ok(None), ..base.clone() },
                Status::NotApplicable,
                "EXTERNAL",
            ),
            (
                KmsKey { state: "Disabled".into(), rotation: Ok(None), ..base.clone() },
                Status::NotApplicable,
                "Disabled",
            ),
            (KmsKey { manager: "AWS".into(), rotation: Ok(None), ..base.clone() }, Status::NotApplicable, "by AWS"),
            (
                KmsKey { rotation: Err(denied("kms:GetKeyRotationStatus")), ..base.clone() },
                Status::Unknown,
                "kms:GetKeyRotationStatus",
            ),
            (KmsKey { rotation: Collected::Ok(None), ..base }, Status::Unknown, "was not read"),
        ];
        for (key, want, reason_has) in cases {
            let o = KmsRotationEnabled.evaluate(&key, &ScanContext::fixture());
            assert_eq!(o.status, want, "{key:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{key:?}: {}", o.reason);
        }
    }
}
