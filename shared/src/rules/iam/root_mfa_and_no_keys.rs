//! The rule `iam.root-mfa-and-no-keys`; its documentation is on [`RootMfaAndNoKeys`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::iam::IamAccount;
use crate::rules::Rule;

rule! {
    pub struct RootMfaAndNoKeys;
    id: "iam.root-mfa-and-no-keys",
    title: "The root user has MFA and no access keys",
    severity: Critical,
    resource_type: "AwsAccount",
    trigger: Periodic,
    mappings: [Fsbp("IAM.4"), Fsbp("IAM.9"), Cis("1.4"), Cis("1.5")],
    seeds: ["003"],
    what_it_checks: "The account's root user has MFA enabled (`AccountMFAEnabled` in the\n\
        account summary) and has no access keys (`AccountAccessKeysPresent`). An unreadable\n\
        account summary is UNKNOWN.",
    why_it_matters: "The root user can do everything, including closing the account and\n\
        changing its contact details, and no policy can restrict it. A root password without MFA\n\
        or a root access key is the most valuable credential an attacker can find.",
    example: "`AccountMFAEnabled=0` and `AccountAccessKeysPresent=1` fails with both\n\
        shortfalls named.",
    remediation: "Enable MFA on the root user and delete any root access keys; use roles or IAM Identity Center for everyday access.\n\
        \n\
        Sign in as root, assign a hardware or virtual MFA device, and delete the\n\
        root access keys (Security credentials page); use IAM Identity Center or roles for daily work.",
    references: "",
}

impl Rule for RootMfaAndNoKeys {
    type Resource = IamAccount;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, account: &IamAccount, _ctx: &ScanContext) -> Outcome {
        let root = known!(account.root);
        let mut problems = Vec::new();
        if !root.mfa_enabled {
            problems.push("the root user has no MFA");
        }
        if root.access_keys_present {
            problems.push("the root user has access keys");
        }
        if problems.is_empty() {
            Outcome::pass("the root user has MFA and no access keys")
        } else {
            Outcome::fail(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::RootUser;

    fn root(mfa: bool, keys: bool) -> IamAccount {
        IamAccount { root: Ok(RootUser { mfa_enabled: mfa, access_keys_present: keys }), ..IamAccount::fixture() }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamAccount, Status, &str)> = vec![
            ("mfa, no keys", root(true, false), Status::Pass, "the root user has MFA and no access keys"),
            ("no mfa", root(false, false), Status::Fail, "the root user has no MFA"),
            ("keys", root(true, true), Status::Fail, "the root user has access keys"),
            ("both", root(false, true), Status::Fail, "the root user has no MFA; the root user has access keys"),
            (
                "summary unreadable",
                IamAccount {
                    root: Err(CollectError::new(CollectErrorKind::AccessDenied, "iam:GetAccountSummary", "denied")),
                    ..IamAccount::fixture()
                },
                Status::Unknown,
                "could not evaluate: access denied on iam:GetAccountSummary: denied",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, a, want, reason) in cases {
            let o = RootMfaAndNoKeys.evaluate(&a, &ctx);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
            assert_eq!(o.reason, reason, "{name}");
        }
    }
}
