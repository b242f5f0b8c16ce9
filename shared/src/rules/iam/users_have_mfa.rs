//! `iam.users-have-mfa`.
//!
//! **What it checks.** Every IAM user with a console password has an MFA device, and every
//! administrator (a user holding a policy that allows `*` on `*`, directly or through a
//! group) has one whether or not it has a password. Users with neither a password nor
//! administrator rights are NOT_APPLICABLE. The MFA and password facts come from the
//! credential report: an unreadable report is UNKNOWN, and so is a user with no row in it
//! (created after the report was generated).
//!
//! **Why it matters.** A password alone falls to phishing, reuse and guessing; MFA is what
//! stands between a leaked password and the console. Administrators can do everything, so
//! their credentials deserve MFA even when they only use access keys (policies can then require
//! `aws:MultiFactorAuthPresent`).
//!
//! **Example.** A user `alice` with `password_enabled=true` and `mfa_active=false` fails.
//!
//! **Remediation.** Assign an MFA device (a FIDO2 security key or virtual authenticator) to
//! the user (`aws iam enable-mfa-device`), or remove the console password if the user does not
//! need the console.
//!
//! **References.** FSBP IAM.5 and IAM.19; CIS AWS Foundations 1.10; seed 003.

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta, Severity, Trigger};
use crate::resources::iam::IamUser;
use crate::rules::Rule;

pub struct UsersHaveMfa;

static META: RuleMeta = RuleMeta {
    id: "iam.users-have-mfa",
    title: "IAM users with a console password, and all administrators, have MFA",
    severity: Severity::High,
    resource_type: "AwsIamUser",
    trigger: Trigger::Change,
    remediation: "Enable an MFA device for every IAM user with a console password and for every administrator, or remove console passwords that are not needed.",
    mappings: &["IAM.5", "IAM.19"],
    seeds: &["003"],
};

impl Rule for UsersHaveMfa {
    type Resource = IamUser;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, user: &IamUser, _ctx: &ScanContext) -> Outcome {
        let Some(creds) = known!(user.credentials) else {
            return Outcome::unknown(
                "the credential report has no row for this user (it was probably created after the report was generated)",
            );
        };
        let why = match (creds.password_enabled, user.is_admin) {
            (false, false) => {
                return Outcome::not_applicable("the user has no console password and is not an administrator")
            }
            (true, true) => "has a console password and is an administrator",
            (true, false) => "has a console password",
            (false, true) => "is an administrator",
        };
        if creds.mfa_active {
            Outcome::pass(format!("the user {why} and has MFA"))
        } else {
            Outcome::fail(format!("the user {why} but has no MFA device"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::error::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::Credentials;

    fn user(password: bool, mfa: bool, admin: bool) -> IamUser {
        IamUser {
            credentials: Ok(Some(Credentials {
                password_enabled: password,
                password_last_used: None,
                mfa_active: mfa,
                access_keys: Vec::new(),
            })),
            is_admin: admin,
            ..IamUser::fixture("alice")
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamUser, Status, &str)> = vec![
            ("password with mfa", user(true, true, false), Status::Pass, "has a console password and has MFA"),
            ("password without mfa", user(true, false, false), Status::Fail, "has a console password but has no MFA"),
            ("admin without password or mfa", user(false, false, true), Status::Fail, "is an administrator but"),
            ("admin with mfa", user(false, true, true), Status::Pass, "is an administrator and has MFA"),
            (
                "admin with password, no mfa",
                user(true, false, true),
                Status::Fail,
                "console password and is an administrator",
            ),
            ("api-only non-admin", user(false, false, false), Status::NotApplicable, "no console password"),
            ("fixture", IamUser::fixture("bob"), Status::NotApplicable, "not an administrator"),
            (
                "no report row",
                IamUser { credentials: Ok(None), ..IamUser::fixture("new") },
                Status::Unknown,
                "no row for this user",
            ),
            (
                "report failed",
                IamUser {
                    credentials: Err(CollectError::new(
                        CollectErrorKind::AccessDenied,
                        "iam:GetCredentialReport",
                        "denied",
                    )),
                    ..IamUser::fixture("x")
                },
                Status::Unknown,
                "iam:GetCredentialReport",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, u, want, needle) in cases {
            let o = UsersHaveMfa.evaluate(&u, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
