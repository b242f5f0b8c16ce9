//! The rule `iam.access-keys-rotated`; its documentation is on [`AccessKeysRotated`].

use chrono::Duration;

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamUser;
use crate::rules::Rule;

rule! {
    pub struct AccessKeysRotated;
    id: "iam.access-keys-rotated",
    title: "Active access keys are rotated and in use",
    severity: Medium,
    resource_type: "AwsIamUser",
    trigger: Change,
    mappings: [Fsbp("IAM.3"), Fsbp("IAM.8"), Cis("1.12"), Cis("1.14")],
    seeds: ["002"],
    what_it_checks: "Each active access key of an IAM user (from the credential report) is\n\
        younger than `access_key_max_age_days` (default 90) and has been used within `unused_days`\n\
        (default 90). A key that was never used fails once it is `unused_days` old; a new key that\n\
        has not been used yet passes. Inactive keys are ignored. A user with no active key is\n\
        NOT_APPLICABLE (there is nothing to rotate). An active key whose creation date is missing\n\
        from the report is UNKNOWN unless another key already fails. An unreadable report, or a\n\
        user with no row in it, is UNKNOWN.",
    why_it_matters: "Long-lived keys leak (source code, CI logs, laptops) and stay valid\n\
        until someone rotates them; regular rotation bounds how long a leaked key is useful. A key\n\
        nobody uses is all risk and no benefit.",
    example: "Key 1 created 200 days ago and used yesterday fails: \"key 1 is 200 days old\n\
        (limit 90)\".",
    remediation: "Rotate access keys older than access_key_max_age_days and delete keys unused for unused_days; prefer roles over user access keys.\n\
        \n\
        Create a second key, move the workload to it, deactivate and then delete\n\
        the old one (`aws iam create-access-key`, `update-access-key --status Inactive`,\n\
        `delete-access-key`); delete keys that are not used. Better, replace user keys with roles.",
    references: "",
}

impl Rule for AccessKeysRotated {
    type Resource = IamUser;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, user: &IamUser, ctx: &ScanContext) -> Outcome {
        let Some(creds) = known!(user.credentials) else {
            return Outcome::unknown(
                "the credential report has no row for this user (it was probably created after the report was generated)",
            );
        };
        let max_age = ctx.config.access_key_max_age_days;
        let unused_days = ctx.config.unused_days;
        let mut active: Vec<_> = creds.access_keys.iter().filter(|k| k.active).collect();
        if active.is_empty() {
            return Outcome::not_applicable("the user has no active access key");
        }
        active.sort_by_key(|k| k.slot);
        let days_since = |t: chrono::DateTime<chrono::Utc>| (ctx.now - t).num_days();
        let mut failures: Vec<String> = Vec::new();
        let mut unknowns: Vec<String> = Vec::new();
        for key in &active {
            let slot = key.slot;
            let Some(created) = key.last_rotated else {
                unknowns.push(format!("key {slot} has no creation date in the credential report"));
                continue;
            };
            if ctx.now - created >= Duration::days(i64::from(max_age)) {
                failures.push(format!("key {slot} is {} days old (limit {max_age})", days_since(created)));
            }
            match key.last_used {
                Some(used) if ctx.now - used >= Duration::days(i64::from(unused_days)) => failures
                    .push(format!("key {slot} was last used {} days ago (limit {unused_days})", days_since(used))),
                Some(_) => {}
                None if ctx.now - created >= Duration::days(i64::from(unused_days)) => failures.push(format!(
                    "key {slot} has never been used in the {} days since it was created (limit {unused_days})",
                    days_since(created)
                )),
                None => {}
            }
        }
        if !failures.is_empty() {
            return Outcome::fail(failures.join("; "));
        }
        if !unknowns.is_empty() {
            return Outcome::unknown(unknowns.join("; "));
        }
        Outcome::pass(format!(
            "{} active key(s), each younger than {max_age} days and used within {unused_days} days or new",
            active.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::{AccessKeyInfo, Credentials};

    fn days_ago(days: i64) -> DateTime<Utc> {
        ScanContext::fixture().now - Duration::days(days)
    }

    /// A key: active, created and last used that many days ago.
    fn key(slot: u8, active: bool, created: Option<i64>, used: Option<i64>) -> AccessKeyInfo {
        AccessKeyInfo { slot, active, last_rotated: created.map(days_ago), last_used: used.map(days_ago) }
    }

    fn with_keys(keys: Vec<AccessKeyInfo>) -> IamUser {
        IamUser {
            credentials: Ok(Some(Credentials {
                password_enabled: false,
                password_last_used: None,
                mfa_active: false,
                access_keys: keys,
            })),
            ..IamUser::fixture("ci")
        }
    }

    fn eval(u: &IamUser) -> Outcome {
        AccessKeysRotated.evaluate(u, &ScanContext::fixture())
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamUser, Status, &str)> = vec![
            (
                "young key used yesterday",
                with_keys(vec![key(1, true, Some(30), Some(1))]),
                Status::Pass,
                "1 active key(s)",
            ),
            ("new key never used", with_keys(vec![key(1, true, Some(5), None)]), Status::Pass, "or new"),
            ("89-day-old key", with_keys(vec![key(1, true, Some(89), Some(1))]), Status::Pass, "1 active"),
            (
                "90-day-old key",
                with_keys(vec![key(1, true, Some(90), Some(1))]),
                Status::Fail,
                "key 1 is 90 days old (limit 90)",
            ),
            (
                "old key",
                with_keys(vec![key(2, true, Some(200), Some(1))]),
                Status::Fail,
                "key 2 is 200 days old (limit 90)",
            ),
            ("used 59 days ago", with_keys(vec![key(1, true, Some(60), Some(59))]), Status::Pass, "1 active"),
            (
                "never used and 95 days old",
                with_keys(vec![key(1, true, Some(95), None)]),
                Status::Fail,
                "key 1 has never been used in the 95 days since it was created (limit 90)",
            ),
            (
                "inactive old key ignored",
                with_keys(vec![key(1, false, Some(500), None), key(2, true, Some(10), Some(1))]),
                Status::Pass,
                "1 active",
            ),
            ("only inactive keys", with_keys(vec![key(1, false, Some(500), None)]), Status::NotApplicable, "no active"),
            ("no keys", IamUser::fixture("a"), Status::NotApplicable, "no active access key"),
            (
                "missing creation date",
                with_keys(vec![key(1, true, None, Some(1))]),
                Status::Unknown,
                "no creation date",
            ),
            (
                "missing date but another key fails",
                with_keys(vec![key(1, true, None, Some(1)), key(2, true, Some(120), Some(1))]),
                Status::Fail,
                "key 2 is 120 days old",
            ),
            ("no report row", IamUser { credentials: Ok(None), ..IamUser::fixture("a") }, Status::Unknown, "no row"),
            (
                "report failed",
                IamUser {
                    credentials: Err(CollectError::new(CollectErrorKind::Throttled, "iam:GetCredentialReport", "slow")),
                    ..IamUser::fixture("a")
                },
                Status::Unknown,
                "iam:GetCredentialReport",
            ),
        ];
        for (name, u, want, needle) in cases {
            let o = eval(&u);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn fail_reason_lists_every_problem_in_slot_order() {
        let u = with_keys(vec![key(2, true, Some(100), None), key(1, true, Some(300), Some(120))]);
        assert_eq!(
            eval(&u).reason,
            "key 1 is 300 days old (limit 90); key 1 was last used 120 days ago (limit 90); key 2 is 100 days old (limit 90); key 2 has never been used in the 100 days since it was created (limit 90)"
        );
    }

    #[test]
    fn thresholds_are_configuration() {
        let u = with_keys(vec![key(1, true, Some(40), Some(35))]);
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).access_key_max_age_days = 30;
        let o = AccessKeysRotated.evaluate(&u, &ctx);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.reason, "key 1 is 40 days old (limit 30)");
        Arc::make_mut(&mut ctx.config).access_key_max_age_days = 90;
        Arc::make_mut(&mut ctx.config).unused_days = 30;
        assert_eq!(AccessKeysRotated.evaluate(&u, &ctx).reason, "key 1 was last used 35 days ago (limit 30)");
        assert_eq!(eval(&u).status, Status::Pass);
    }
}
