//! The rule `secretsmanager.secret-used`; its documentation is on [`SecretUsed`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::secretsmanager::Secret;
use crate::rules::Rule;

use super::{day, days_since};

rule! {
    pub struct SecretUsed;
    id: "secretsmanager.secret-used",
    title: "Secrets Manager secret was accessed within unused_days",
    severity: Low,
    resource_type: "AwsSecretsManagerSecret",
    trigger: Change,
    mappings: [Fsbp("SecretsManager.3")],
    seeds: ["000"],
    what_it_checks: "The secret was read within `unused_days` (90). Secrets Manager records\n\
        `LastAccessedDate` at day granularity (midnight UTC of the last day a `GetSecretValue` or\n\
        `BatchGetSecretValue` succeeded), so the rule counts calendar days in UTC: a secret last\n\
        read on the day exactly `unused_days` ago passes. A secret created fewer than `unused_days`\n\
        ago has not had the chance to be unused yet: it passes, and the finding says so. A secret\n\
        never read since an older creation fails. UNKNOWN when the service returned neither date.",
    why_it_matters: "An unused secret is a live credential nobody needs: it still unlocks\n\
        whatever it protects, nobody notices when it leaks, and it usually escapes rotation and\n\
        review. Deleting it removes the risk (and the monthly charge).",
    example: "`legacy/ftp-password`, created in 2023 and last read 200 days ago by an\n\
        application since retired.",
    remediation: "Confirm in CloudTrail that nothing reads the secret any more, then delete it with a recovery window (secretsmanager delete-secret --recovery-window-in-days 30).\n\
        \n\
        Confirm nothing needs it (CloudTrail `GetSecretValue` events), then\n\
        `aws secretsmanager delete-secret --secret-id <arn> --recovery-window-in-days 30`, which\n\
        leaves a window in which it can be restored.",
    references: "",
}

impl Rule for SecretUsed {
    type Resource = Secret;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, secret: &Secret, ctx: &ScanContext) -> Outcome {
        let limit = i64::from(ctx.config.unused_days);
        // Day granularity: compare calendar days in UTC, as the service records them.
        let days_ago = |t: chrono::DateTime<chrono::Utc>| (ctx.now.date_naive() - t.date_naive()).num_days().max(0);
        if let Some(accessed) = secret.last_accessed {
            let days = days_ago(accessed);
            if days <= limit {
                return Outcome::pass(format!(
                    "last accessed on {}, {days} days ago (unused_days {limit})",
                    day(accessed)
                ));
            }
        }
        if let Some(created) = secret.created {
            let age = days_since(created, ctx.now);
            if age < limit {
                return Outcome::pass(format!(
                    "created on {}, {age} days ago: too recent to count as unused (unused_days {limit})",
                    day(created)
                ));
            }
        }
        match (secret.last_accessed, secret.created) {
            (Some(accessed), _) => Outcome::fail(format!(
                "last accessed on {}, {} days ago, more than unused_days ({limit})",
                day(accessed),
                days_ago(accessed)
            )),
            (None, Some(created)) => Outcome::fail(format!(
                "never accessed since its creation on {}, {} days ago (unused_days {limit})",
                day(created),
                days_since(created, ctx.now)
            )),
            (None, None) => {
                Outcome::unknown("the service returned neither LastAccessedDate nor CreatedDate for the secret")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::model::Status;

    fn ago(days: i64) -> Option<chrono::DateTime<Utc>> {
        // Midnight UTC, as the service reports LastAccessedDate.
        let d = ScanContext::fixture().now - Duration::days(days);
        Some(Utc.from_utc_datetime(&d.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default()))
    }

    #[test]
    fn table() {
        let base = Secret::fixture("s");
        let cases: Vec<(&str, Secret, Status, &str)> = vec![
            ("read yesterday", base.clone(), Status::Pass, "last accessed on 2026-10-31, 1 days ago"),
            ("read today", Secret { last_accessed: ago(0), ..base.clone() }, Status::Pass, "0 days ago"),
            (
                "read exactly unused_days ago",
                Secret { last_accessed: ago(90), ..base.clone() },
                Status::Pass,
                "90 days",
            ),
            (
                "read 91 days ago",
                Secret { last_accessed: ago(91), ..base.clone() },
                Status::Fail,
                "91 days ago, more than unused_days (90)",
            ),
            (
                "never read, created long ago",
                Secret { last_accessed: None, created: ago(365), ..base.clone() },
                Status::Fail,
                "never accessed since its creation",
            ),
            (
                "never read, created last week",
                Secret { last_accessed: None, created: ago(7), ..base.clone() },
                Status::Pass,
                "too recent to count as unused",
            ),
            (
                "read long ago but recreated recently is impossible; old read with a young creation passes",
                Secret { last_accessed: ago(120), created: ago(10), ..base.clone() },
                Status::Pass,
                "too recent",
            ),
            (
                "no dates",
                Secret { last_accessed: None, created: None, ..base.clone() },
                Status::Unknown,
                "neither LastAccessedDate nor CreatedDate",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, secret, status, needle) in cases {
            let o = SecretUsed.evaluate(&secret, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
