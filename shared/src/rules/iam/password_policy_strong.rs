//! The rule `iam.password-policy-strong`; its documentation is on [`PasswordPolicyStrong`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamAccount;
use crate::rules::Rule;

rule! {
    pub struct PasswordPolicyStrong;
    id: "iam.password-policy-strong",
    title: "The account password policy meets CIS strength",
    severity: Medium,
    resource_type: "AwsAccount",
    trigger: Periodic,
    mappings: [Fsbp("IAM.7"), Cis("1.8"), Cis("1.9")],
    seeds: ["003"],
    what_it_checks: "The account password policy meets the CIS strength baseline: a minimum\n\
        length of at least `min_password_length` (default 14), upper-case letters, lower-case\n\
        letters, numbers and symbols all required, and reuse prevention of at least\n\
        `password_reuse_prevention` (default 24) previous passwords. No password policy at all\n\
        fails (IAM's defaults then apply, which require none of this). The reason lists every\n\
        shortfall. An unreadable policy is UNKNOWN.",
    why_it_matters: "Console passwords of IAM users are only as strong as the policy forces\n\
        them to be; short, simple or recycled passwords fall to guessing and credential stuffing.",
    example: "`MinimumPasswordLength=8`, no symbols required, reuse prevention off fails with\n\
        three shortfalls.",
    remediation: "Set an account password policy with minimum length 14, upper- and lower-case letters, numbers and symbols required, and reuse prevention of 24.\n\
        \n\
        `aws iam update-account-password-policy --minimum-password-length 14\n\
        --require-uppercase-characters --require-lowercase-characters --require-numbers\n\
        --require-symbols --password-reuse-prevention 24`.",
    references: "",
}

impl Rule for PasswordPolicyStrong {
    type Resource = IamAccount;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, account: &IamAccount, ctx: &ScanContext) -> Outcome {
        let Some(policy) = known!(account.password_policy) else {
            return Outcome::fail("no password policy: IAM defaults apply");
        };
        let min_length = ctx.config.min_password_length;
        let min_reuse = ctx.config.password_reuse_prevention;
        let mut shortfalls: Vec<String> = Vec::new();
        if policy.minimum_password_length < min_length {
            shortfalls.push(format!("minimum length is {} (need {min_length})", policy.minimum_password_length));
        }
        for (required, what) in [
            (policy.require_uppercase, "upper-case letters"),
            (policy.require_lowercase, "lower-case letters"),
            (policy.require_numbers, "numbers"),
            (policy.require_symbols, "symbols"),
        ] {
            if !required {
                shortfalls.push(format!("{what} are not required"));
            }
        }
        match policy.password_reuse_prevention {
            None | Some(0) if min_reuse > 0 => {
                shortfalls.push(format!("password reuse prevention is off (need {min_reuse})"))
            }
            Some(n) if n < min_reuse => {
                shortfalls.push(format!("password reuse prevention remembers {n} passwords (need {min_reuse})"))
            }
            _ => {}
        }
        if shortfalls.is_empty() {
            Outcome::pass("the password policy meets the configured CIS strength")
        } else {
            Outcome::fail(format!("the password policy is weak: {}", shortfalls.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::PasswordPolicy;

    fn strong() -> PasswordPolicy {
        match IamAccount::fixture().password_policy {
            Ok(Some(p)) => p,
            other => panic!("fixture changed: {other:?}"),
        }
    }

    fn with(policy: PasswordPolicy) -> IamAccount {
        IamAccount { password_policy: Ok(Some(policy)), ..IamAccount::fixture() }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamAccount, Status, &str)> = vec![
            (
                "cis policy",
                IamAccount::fixture(),
                Status::Pass,
                "the password policy meets the configured CIS strength",
            ),
            (
                "longer and more remembered than required",
                with(PasswordPolicy { minimum_password_length: 20, password_reuse_prevention: Some(24), ..strong() }),
                Status::Pass,
                "the password policy meets the configured CIS strength",
            ),
            (
                "no policy",
                IamAccount { password_policy: Ok(None), ..IamAccount::fixture() },
                Status::Fail,
                "no password policy: IAM defaults apply",
            ),
            (
                "short",
                with(PasswordPolicy { minimum_password_length: 13, ..strong() }),
                Status::Fail,
                "the password policy is weak: minimum length is 13 (need 14)",
            ),
            (
                "no symbols",
                with(PasswordPolicy { require_symbols: false, ..strong() }),
                Status::Fail,
                "the password policy is weak: symbols are not required",
            ),
            (
                "reuse off",
                with(PasswordPolicy { password_reuse_prevention: None, ..strong() }),
                Status::Fail,
                "the password policy is weak: password reuse prevention is off (need 24)",
            ),
            (
                "reuse low",
                with(PasswordPolicy { password_reuse_prevention: Some(5), ..strong() }),
                Status::Fail,
                "the password policy is weak: password reuse prevention remembers 5 passwords (need 24)",
            ),
            (
                "unreadable",
                IamAccount {
                    password_policy: Err(CollectError::new(
                        CollectErrorKind::Api,
                        "iam:GetAccountPasswordPolicy",
                        "boom",
                    )),
                    ..IamAccount::fixture()
                },
                Status::Unknown,
                "could not evaluate: API error on iam:GetAccountPasswordPolicy: boom",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, a, want, reason) in cases {
            let o = PasswordPolicyStrong.evaluate(&a, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert_eq!(o.reason, reason, "{name}");
        }
    }

    #[test]
    fn reason_lists_every_shortfall() {
        let weak = PasswordPolicy { minimum_password_length: 8, ..PasswordPolicy::default() };
        let o = PasswordPolicyStrong.evaluate(&with(weak), &ScanContext::fixture());
        assert_eq!(
            o.reason,
            "the password policy is weak: minimum length is 8 (need 14); upper-case letters are not required; lower-case letters are not required; numbers are not required; symbols are not required; password reuse prevention is off (need 24)"
        );
    }

    #[test]
    fn thresholds_are_configuration() {
        let p = PasswordPolicy { minimum_password_length: 10, password_reuse_prevention: None, ..strong() };
        let mut ctx = ScanContext::fixture();
        let cfg = Arc::make_mut(&mut ctx.config);
        cfg.min_password_length = 8;
        cfg.password_reuse_prevention = 0;
        assert_eq!(PasswordPolicyStrong.evaluate(&with(p.clone()), &ctx).status, Status::Pass);
        assert_eq!(PasswordPolicyStrong.evaluate(&with(p), &ScanContext::fixture()).status, Status::Fail);
    }
}
