//! The rule `cognito.user-pool-mfa-required`; its documentation is on [`UserPoolMfaRequired`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::UserPool;
use crate::rules::Rule;

use super::listed;

rule! {
    pub struct UserPoolMfaRequired;
    id: "cognito.user-pool-mfa-required",
    title: "Cognito user pool requires MFA",
    severity: High,
    resource_type: "AwsCognitoUserPool",
    trigger: Change,
    mappings: [Prowler("cognito_user_pool_mfa_enabled")],
    seeds: ["003"],
    what_it_checks: "A user pool's MFA configuration (`GetUserPoolMfaConfig`) is `ON`. `OFF` fails.\n\
        `OPTIONAL` (users may enrol) fails for pools listed in `admin_user_pools` (names or ids,\n\
        globs; empty by default), whose users administer something, and passes with a note\n\
        otherwise: for a consumer pool, optional MFA is a product decision. A configuration that\n\
        could not be read is UNKNOWN; a value this build does not know is UNKNOWN naming it.",
    why_it_matters: "A pool without MFA lets a phished or reused password alone sign a user in,\n\
        and with it whatever the pool's tokens unlock: API routes, identity-pool credentials,\n\
        administrative consoles.",
    example: "A user pool created with the default `MfaConfiguration: OFF`.",
    remediation: "Set the user pool's MFA configuration to ON (TOTP or SMS), at least for pools whose users are administrators.\n\
        \n\
        `aws cognito-idp set-user-pool-mfa-config --user-pool-id <id> --mfa-configuration ON\n\
        --software-token-mfa-configuration Enabled=true`. List pools whose optional MFA is\n\
        acceptable only if their users administer nothing; list administrative pools in\n\
        `admin_user_pools`.",
    references: "https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html",
}

impl Rule for UserPoolMfaRequired {
    type Resource = UserPool;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, pool: &UserPool, ctx: &ScanContext) -> Outcome {
        let mfa = known!(pool.mfa_configuration);
        match mfa.to_ascii_uppercase().as_str() {
            "ON" => Outcome::pass("MFA is required for every user"),
            "OFF" => Outcome::fail("MFA is off: a password alone signs a user in"),
            "OPTIONAL" => match listed(&ctx.config.admin_user_pools, &pool.name, &pool.id) {
                Some(pattern) => Outcome::fail(format!(
                    "MFA is only optional on an administrators' pool (admin_user_pools: {pattern})"
                )),
                None => {
                    Outcome::pass("MFA is optional; list the pool in admin_user_pools if its users are administrators")
                }
            },
            other => Outcome::unknown(format!("MFA configuration {other} is not known to this build")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::resources::api::denied;
    use crate::ScanConfig;

    fn with(mfa: &str, name: &str) -> UserPool {
        UserPool { mfa_configuration: Ok(mfa.into()), ..UserPool::fixture(name) }
    }

    #[test]
    fn table() {
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig { admin_user_pools: vec!["admin-*".into()], ..ScanConfig::default() });
        let cases: Vec<(&str, UserPool, Status, &str)> = vec![
            ("on", with("ON", "customers"), Status::Pass, "required for every user"),
            ("off", with("OFF", "customers"), Status::Fail, "MFA is off"),
            (
                "optional, consumer pool",
                with("OPTIONAL", "customers"),
                Status::Pass,
                "list the pool in admin_user_pools",
            ),
            (
                "optional, admin pool",
                with("OPTIONAL", "admin-portal"),
                Status::Fail,
                "administrators' pool (admin_user_pools: admin-*)",
            ),
            ("unknown value", with("SOMETIMES", "customers"), Status::Unknown, "SOMETIMES is not known"),
            (
                "denied",
                UserPool {
                    mfa_configuration: Err(denied("cognito-idp:GetUserPoolMfaConfig")),
                    ..UserPool::fixture("p")
                },
                Status::Unknown,
                "access denied on cognito-idp:GetUserPoolMfaConfig",
            ),
        ];
        for (name, pool, status, needle) in cases {
            let o = UserPoolMfaRequired.evaluate(&pool, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
