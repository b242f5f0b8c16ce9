//! The rule `cognito.identity-pool-no-unauthenticated`; its documentation is on
//! [`IdentityPoolNoUnauthenticated`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::api::IdentityPool;
use crate::rules::Rule;

use super::listed;

rule! {
    pub struct IdentityPoolNoUnauthenticated;
    id: "cognito.identity-pool-no-unauthenticated",
    title: "Cognito identity pool gives no credentials to unauthenticated guests",
    severity: Medium,
    resource_type: "AwsCognitoIdentityPool",
    trigger: Periodic,
    mappings: [Prowler("cognito_identity_pool_guest_access_disabled")],
    seeds: ["003"],
    what_it_checks: "An identity pool (`DescribeIdentityPool`) does not allow unauthenticated\n\
        identities (`AllowUnauthenticatedIdentities` is false). A pool that does fails, unless it\n\
        is listed in `public_identity_pools` (names or ids, globs; empty by default): then it passes\n\
        with a note that its unauthenticated role must grant only what a guest may do. A pool that\n\
        could not be described is UNKNOWN.",
    why_it_matters: "Guest access hands AWS credentials for the pool's unauthenticated role to\n\
        anyone who asks with the pool id, which ships inside every web and mobile client: whatever\n\
        that role allows, the internet can do.",
    example: "An identity pool created with `--allow-unauthenticated-identities` for a demo and\n\
        kept in production.",
    remediation: "Turn off unauthenticated identities on the identity pool, or list it in public_identity_pools and keep its unauthenticated role to the least a guest needs.\n\
        \n\
        `aws cognito-identity update-identity-pool --identity-pool-id <id> --identity-pool-name <name> --no-allow-unauthenticated-identities`.",
    references: "https://docs.aws.amazon.com/cognito/latest/developerguide/identity-pools.html",
}

impl Rule for IdentityPoolNoUnauthenticated {
    type Resource = IdentityPool;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, pool: &IdentityPool, ctx: &ScanContext) -> Outcome {
        if !*known!(pool.allow_unauthenticated) {
            return Outcome::pass("unauthenticated identities are not allowed");
        }
        match listed(&ctx.config.public_identity_pools, &pool.name, &pool.id) {
            Some(pattern) => Outcome::pass(format!(
                "guests get credentials by design (public_identity_pools: {pattern}); keep the unauthenticated role minimal"
            )),
            None => Outcome::fail("unauthenticated identities are allowed: anyone with the pool id gets AWS credentials"),
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

    fn with(guests: bool, name: &str) -> IdentityPool {
        IdentityPool { allow_unauthenticated: Ok(guests), ..IdentityPool::fixture(name) }
    }

    #[test]
    fn table() {
        let mut ctx = ScanContext::fixture();
        ctx.config =
            Arc::new(ScanConfig { public_identity_pools: vec!["public-site".into()], ..ScanConfig::default() });
        let cases: Vec<(&str, IdentityPool, Status, &str)> = vec![
            ("no guests", with(false, "app"), Status::Pass, "not allowed"),
            ("guests", with(true, "app"), Status::Fail, "anyone with the pool id gets AWS credentials"),
            ("guests by design", with(true, "public-site"), Status::Pass, "public_identity_pools: public-site"),
            (
                "denied",
                IdentityPool {
                    allow_unauthenticated: Err(denied("cognito-identity:DescribeIdentityPool")),
                    ..IdentityPool::fixture("p")
                },
                Status::Unknown,
                "access denied on cognito-identity:DescribeIdentityPool",
            ),
        ];
        for (name, pool, status, needle) in cases {
            let o = IdentityPoolNoUnauthenticated.evaluate(&pool, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
