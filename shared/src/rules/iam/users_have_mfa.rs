//! The rule `iam.users-have-mfa`; its documentation is on [`UsersHaveMfa`].

use crate::collected::CollectError;
use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::PolicyDocument;
use crate::resources::iam::IamUser;
use crate::rules::Rule;

rule! {
    pub struct UsersHaveMfa;
    id: "iam.users-have-mfa",
    title: "IAM users with a console password, and all administrators, have MFA",
    severity: High,
    resource_type: "AwsIamUser",
    trigger: Change,
    mappings: [Fsbp("IAM.5"), Fsbp("IAM.19"), Cis("1.10")],
    seeds: ["003"],
    what_it_checks: "Every IAM user with a console password has an MFA device, and every\n\
        administrator (a user holding a policy that allows `*` on `*`, directly or through a\n\
        group) has one whether or not it has a password. Users with neither a password nor\n\
        administrator rights are NOT_APPLICABLE. The MFA and password facts come from the\n\
        credential report: an unreadable report is UNKNOWN, and so is a user with no row in it\n\
        (created after the report was generated). A user without a password, none of whose\n\
        readable policies allows `*` on `*` but one of whose policies could not be read, is\n\
        UNKNOWN: it may be an administrator.",
    why_it_matters: "A password alone falls to phishing, reuse and guessing; MFA is what\n\
        stands between a leaked password and the console. Administrators can do everything, so\n\
        their credentials deserve MFA even when they only use access keys (policies can then require\n\
        `aws:MultiFactorAuthPresent`).",
    example: "A user `alice` with `password_enabled=true` and `mfa_active=false` fails.",
    remediation: "Enable an MFA device for every IAM user with a console password and for every administrator, or remove console passwords that are not needed.\n\
        \n\
        Assign an MFA device (a FIDO2 security key or virtual authenticator) to\n\
        the user (`aws iam enable-mfa-device`), or remove the console password if the user does not\n\
        need the console.",
    references: "",
}

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
        let why = match (creds.password_enabled, administrator(user)) {
            (false, Ok(false)) => {
                return Outcome::not_applicable("the user has no console password and is not an administrator")
            }
            (false, Err(e)) => {
                return Outcome::unknown(format!(
                    "the user has no console password, and whether it is an administrator could not be read: {e}"
                ))
            }
            (true, Ok(true)) => "has a console password and is an administrator",
            (true, _) => "has a console password",
            (false, Ok(true)) => "is an administrator",
        };
        if creds.mfa_active {
            Outcome::pass(format!("the user {why} and has MFA"))
        } else {
            Outcome::fail(format!("the user {why} but has no MFA device"))
        }
    }
}

/// Whether a policy the user holds allows `*` on `*`; when none of the readable ones does, the
/// error of one that could not be read, since it may.
fn administrator(user: &IamUser) -> Result<bool, &CollectError> {
    if user.policies.iter().any(|p| p.document.as_ref().is_ok_and(PolicyDocument::grants_full_admin)) {
        return Ok(true);
    }
    match user.policies.iter().find_map(|p| p.document.as_ref().err()) {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::{Credentials, IamPolicy, OwnerKind, PolicyKind};

    fn policy(name: &str, document: Result<&str, CollectError>) -> IamPolicy {
        IamPolicy {
            kind: PolicyKind::Inline {
                owner: OwnerKind::User,
                owner_arn: "arn:aws:iam::123456789012:user/alice".into(),
                owner_name: "alice".into(),
            },
            name: name.into(),
            document: document.map(|text| PolicyDocument::parse(text).unwrap()),
            attachment_count: None,
        }
    }

    const ADMIN: &str = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const READ: &str = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn unreadable() -> CollectError {
        CollectError::new(CollectErrorKind::Malformed, "iam:GetAccountAuthorizationDetails", "policy x: not valid JSON")
    }

    fn user(password: bool, mfa: bool, admin: bool) -> IamUser {
        IamUser {
            credentials: Ok(Some(Credentials {
                password_enabled: password,
                password_last_used: None,
                mfa_active: mfa,
                access_keys: Vec::new(),
            })),
            policies: vec![policy("read", Ok(READ)), policy("admin", if admin { Ok(ADMIN) } else { Ok(READ) })],
            ..IamUser::fixture("alice")
        }
    }

    fn with_policies(password: bool, mfa: bool, policies: Vec<IamPolicy>) -> IamUser {
        IamUser { policies, ..user(password, mfa, false) }
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
                "no password, a policy unreadable",
                with_policies(false, false, vec![policy("read", Ok(READ)), policy("x", Err(unreadable()))]),
                Status::Unknown,
                "whether it is an administrator could not be read: malformed document",
            ),
            (
                "no password, mfa, a policy unreadable",
                with_policies(false, true, vec![policy("x", Err(unreadable()))]),
                Status::Unknown,
                "could not be read",
            ),
            (
                "admin through a readable policy despite an unreadable one",
                with_policies(false, false, vec![policy("x", Err(unreadable())), policy("admin", Ok(ADMIN))]),
                Status::Fail,
                "is an administrator but",
            ),
            (
                "password, no mfa, a policy unreadable: the password decides",
                with_policies(true, false, vec![policy("x", Err(unreadable()))]),
                Status::Fail,
                "has a console password but has no MFA",
            ),
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
