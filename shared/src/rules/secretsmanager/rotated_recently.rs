//! The rule `secretsmanager.rotated-recently`; its documentation is on [`RotatedRecently`].

use chrono::Duration;

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::secretsmanager::Secret;
use crate::rules::Rule;

use super::{day, days_since};

rule! {
    pub struct RotatedRecently;
    id: "secretsmanager.rotated-recently",
    title: "Secrets Manager secret was rotated within max_rotation_days and its last rotation succeeded",
    severity: Medium,
    resource_type: "AwsSecretsManagerSecret",
    trigger: Change,
    mappings: [Fsbp("SecretsManager.2"), Fsbp("SecretsManager.4")],
    seeds: ["000"],
    what_it_checks: "The secret's value is no older than `max_rotation_days` (90), and its\n\
        last rotation succeeded:\n\
        - *age*: days since `LastRotatedDate`, or since `CreatedDate` for a secret never rotated.\n\
          A secret younger than the limit passes even if it was never rotated;\n\
        - *failed or stuck rotation*: a version holds `AWSPENDING` but not `AWSCURRENT`, i.e. a\n\
          rotation created a new value and never promoted it (the rotation function failed, or\n\
          cannot reach the database). A version holding both labels is a rotation in its last step\n\
          and does not count;\n\
        - *overdue rotation*: rotation is enabled and `NextRotationDate` passed more than one day\n\
          ago (the grace covers the rotation window and the scan's own timing): the schedule fires\n\
          but the rotation does not complete.\n\
        \n\
        Every failing part is named in one FAIL. UNKNOWN when the service returned neither date.\n\
        \n\
        *Choice: rotation disabled is judged, not NOT_APPLICABLE.* The question here is how old the\n\
        credential in use is, and a secret without rotation gets older all the same; FSBP\n\
        SecretsManager.4 (and the AWS Config rule `secretsmanager-secret-periodic-rotation`) check\n\
        the age regardless of rotation. Such a secret therefore fails both this rule (its value is\n\
        stale) and `secretsmanager.rotation-enabled` (nothing will fix that on its own), which are\n\
        two different facts with two different fixes. A rotation can also be in flight for the few\n\
        seconds a scan happens to observe; the next scan clears such a finding.",
    why_it_matters: "Rotation that is configured but failing gives false comfort: the old\n\
        credential stays valid indefinitely while the console says rotation is on. A stale secret\n\
        is one that any past leak still unlocks.",
    example: "A rotation function that lost network access to its database leaves version\n\
        `v7` labelled `AWSPENDING` only, and `LastRotatedDate` stops moving.",
    remediation: "Fix the rotation function (its logs say why the AWSPENDING version was never promoted) and run secretsmanager rotate-secret; for a secret without rotation, enable rotation or rotate it by hand.\n\
        \n\
        Read the rotation function's logs, fix it (network path, permissions on\n\
        the secret and its key, the database user), then run `aws secretsmanager rotate-secret\n\
        --secret-id <arn>`; for a secret without rotation, turn rotation on or rotate it by hand.",
    references: "",
}

/// How long after `NextRotationDate` a rotation counts as overdue.
const OVERDUE_GRACE_DAYS: i64 = 1;

impl Rule for RotatedRecently {
    type Resource = Secret;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, secret: &Secret, ctx: &ScanContext) -> Outcome {
        let max = i64::from(ctx.config.max_rotation_days);
        let mut failures = Vec::new();

        let pending = secret.pending_versions();
        if !pending.is_empty() {
            failures.push(format!(
                "version {} holds AWSPENDING without AWSCURRENT: the last rotation did not finish (it failed or is stuck)",
                pending.join(", ")
            ));
        }
        if secret.rotation_enabled {
            if let Some(next) = secret.next_rotation {
                if ctx.now > next + Duration::days(OVERDUE_GRACE_DAYS) {
                    failures.push(format!(
                        "the rotation due on {} is {} days overdue",
                        day(next),
                        days_since(next, ctx.now)
                    ));
                }
            }
        }

        let age = match (secret.last_rotated, secret.created) {
            (Some(t), _) => Some((days_since(t, ctx.now), format!("last rotated on {}", day(t)))),
            (None, Some(t)) => {
                Some((days_since(t, ctx.now), format!("never rotated since its creation on {}", day(t))))
            }
            (None, None) => None,
        };
        let off = if secret.rotation_enabled { "" } else { " (automatic rotation is off)" };
        match &age {
            Some((days, what)) if *days > max => {
                failures.push(format!("{what}, {days} days ago, more than max_rotation_days ({max}){off}"))
            }
            _ => {}
        }

        if !failures.is_empty() {
            return Outcome::fail(failures.join("; "));
        }
        match age {
            Some((days, what)) => {
                Outcome::pass(format!("{what}, {days} days ago (max_rotation_days {max}); no rotation is pending{off}"))
            }
            None => Outcome::unknown("the service returned neither LastRotatedDate nor CreatedDate for the secret"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::resources::secretsmanager::{STAGE_CURRENT, STAGE_PENDING};
    use crate::ScanConfig;

    fn ago(days: i64) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(ScanContext::fixture().now - Duration::days(days))
    }

    fn stuck(base: &Secret) -> Secret {
        let mut s = base.clone();
        s.version_stages.insert("v3".into(), vec![STAGE_PENDING.into()]);
        s
    }

    #[test]
    fn table() {
        let base = Secret::fixture("s");
        let cases: Vec<(&str, Secret, Status, &str)> = vec![
            ("rotated 10 days ago", base.clone(), Status::Pass, "last rotated on 2026-10-22, 10 days ago"),
            ("rotated exactly at the limit", Secret { last_rotated: ago(90), ..base.clone() }, Status::Pass, "90 days"),
            ("rotated 91 days ago", Secret { last_rotated: ago(91), ..base.clone() }, Status::Fail, "91 days ago"),
            (
                "never rotated, young, rotation off",
                Secret { rotation_enabled: false, last_rotated: None, created: ago(5), ..base.clone() },
                Status::Pass,
                "never rotated since its creation",
            ),
            (
                "never rotated, old, rotation off",
                Secret { rotation_enabled: false, last_rotated: None, created: ago(400), ..base.clone() },
                Status::Fail,
                "400 days ago, more than max_rotation_days (90) (automatic rotation is off)",
            ),
            ("stuck AWSPENDING", stuck(&base), Status::Fail, "version v3 holds AWSPENDING without AWSCURRENT"),
            (
                "pending and current on one version (last step)",
                {
                    let mut s = base.clone();
                    s.version_stages.insert("v3".into(), vec![STAGE_CURRENT.into(), STAGE_PENDING.into()]);
                    s
                },
                Status::Pass,
                "no rotation is pending",
            ),
            ("rotation overdue", Secret { next_rotation: ago(5), ..base.clone() }, Status::Fail, "is 5 days overdue"),
            ("within the overdue grace", Secret { next_rotation: ago(0), ..base.clone() }, Status::Pass, "10 days ago"),
            (
                "next rotation date ignored when rotation is off",
                Secret { rotation_enabled: false, next_rotation: ago(30), ..base.clone() },
                Status::Pass,
                "automatic rotation is off",
            ),
            (
                "stale and stuck: both named",
                Secret { last_rotated: ago(200), ..stuck(&base) },
                Status::Fail,
                "did not finish (it failed or is stuck); last rotated on",
            ),
            (
                "no dates at all",
                Secret { last_rotated: None, created: None, ..base.clone() },
                Status::Unknown,
                "neither LastRotatedDate nor CreatedDate",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, secret, status, needle) in cases {
            let o = RotatedRecently.evaluate(&secret, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn the_limit_is_configuration() {
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig { max_rotation_days: 7, ..ScanConfig::default() });
        let o = RotatedRecently.evaluate(&Secret::fixture("s"), &ctx);
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert!(o.reason.contains("more than max_rotation_days (7)"), "{}", o.reason);
    }
}
