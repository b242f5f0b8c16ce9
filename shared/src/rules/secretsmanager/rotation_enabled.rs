//! The rule `secretsmanager.rotation-enabled`; its documentation is on [`RotationEnabled`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::secretsmanager::Secret;
use crate::rules::Rule;

rule! {
    pub struct RotationEnabled;
    id: "secretsmanager.rotation-enabled",
    title: "Secrets Manager secret has automatic rotation enabled",
    severity: Medium,
    resource_type: "AwsSecretsManagerSecret",
    trigger: Change,
    mappings: [Fsbp("SecretsManager.1")],
    seeds: ["000", "003"],
    what_it_checks: "Automatic rotation is turned on for the secret (`RotationEnabled`),\n\
        whether it rotates through a Lambda function or as managed rotation (secrets owned by a\n\
        service such as RDS). A secret whose rotation was never configured, or was cancelled,\n\
        fails. The schedule itself is not judged here: how old the value may get is\n\
        `secretsmanager.rotated-recently`'s business. The verdict needs only the listing, so it is\n\
        never UNKNOWN on its own (a failed listing makes every rule UNKNOWN at the audit level).",
    why_it_matters: "A credential that never changes stays valid for as long as anyone who\n\
        ever saw it (a departed engineer, a leaked log, a compromised build) keeps it. Scheduled\n\
        rotation bounds that window, and the seeds require secrets to live in Secrets Manager\n\
        precisely so they can be rotated automatically.",
    example: "A database password created with `aws secretsmanager create-secret` and never\n\
        given a rotation function: `RotationEnabled` is absent and the password never changes.",
    remediation: "Turn on automatic rotation (secretsmanager rotate-secret with a rotation function or managed rotation, or an AWS::SecretsManager::RotationSchedule) with a schedule of at most max_rotation_days.\n\
        \n\
        `aws secretsmanager rotate-secret --secret-id <arn> --rotation-lambda-arn\n\
        <function> --rotation-rules AutomaticallyAfterDays=30` (or a managed rotation for RDS,\n\
        Redshift and DocumentDB credentials); in CloudFormation, an\n\
        `AWS::SecretsManager::RotationSchedule`.",
    references: "",
}

/// The schedule, as a finding shows it.
fn schedule(secret: &Secret) -> String {
    match (secret.rotation_interval_days, secret.rotation_schedule.as_deref()) {
        (Some(days), _) => format!("every {days} days"),
        (None, Some(expr)) => format!("on the schedule {expr}"),
        (None, None) => "with no schedule returned".to_string(),
    }
}

impl Rule for RotationEnabled {
    type Resource = Secret;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, secret: &Secret, _ctx: &ScanContext) -> Outcome {
        if !secret.rotation_enabled {
            return Outcome::fail("automatic rotation is not enabled, so the secret's value never changes on its own");
        }
        let how = match (&secret.rotation_lambda_arn, &secret.owning_service) {
            (Some(f), _) => format!("by {f}"),
            (None, Some(service)) => format!("managed by {service}"),
            (None, None) => "as managed rotation".to_string(),
        };
        Outcome::pass(format!("automatic rotation is enabled {}, {how}", schedule(secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let base = Secret::fixture("s");
        let cases: Vec<(&str, Secret, Status, &str)> = vec![
            ("enabled with a function", base.clone(), Status::Pass, "every 30 days, by arn:aws:lambda"),
            (
                "enabled on a cron schedule",
                Secret {
                    rotation_interval_days: None,
                    rotation_schedule: Some("cron(0 4 ? * SUN *)".into()),
                    ..base.clone()
                },
                Status::Pass,
                "cron(0 4 ? * SUN *)",
            ),
            (
                "managed by RDS",
                Secret { rotation_lambda_arn: None, owning_service: Some("rds".into()), ..base.clone() },
                Status::Pass,
                "managed by rds",
            ),
            ("never configured", Secret { rotation_enabled: false, ..base.clone() }, Status::Fail, "not enabled"),
            (
                "cancelled, function left behind",
                Secret { rotation_enabled: false, ..base.clone() },
                Status::Fail,
                "never changes",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, secret, status, needle) in cases {
            let o = RotationEnabled.evaluate(&secret, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
