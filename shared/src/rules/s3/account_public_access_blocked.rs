//! The rule `s3.account-public-access-blocked`; its documentation is on [`AccountPublicAccessBlocked`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Account;
use crate::rules::Rule;

rule! {
    pub struct AccountPublicAccessBlocked;
    id: "s3.account-public-access-blocked",
    title: "Account-level S3 Block Public Access is fully enabled",
    severity: High,
    resource_type: "AwsAccount",
    trigger: Periodic,
    mappings: [Fsbp("S3.1")],
    seeds: ["001"],
    what_it_checks: "The account-level S3 Block Public Access setting has all four switches\n\
        on.",
    why_it_matters: "The account-level setting is a guard rail over every bucket, present and\n\
        future: a new bucket or a careless policy cannot become public while it is on.",
    example: "`BlockPublicPolicy=false` at account level lets any bucket policy grant `*`.",
    remediation: "Turn on all four account-level S3 Block Public Access settings (s3control PutPublicAccessBlock).\n\
        \n\
        `aws s3control put-public-access-block --account-id <id>\n\
        --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`.",
    references: "",
}

impl Rule for AccountPublicAccessBlocked {
    type Resource = S3Account;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, account: &S3Account, _ctx: &ScanContext) -> Outcome {
        match known!(account.public_access_block) {
            None => Outcome::fail("account-level Block Public Access is not configured"),
            Some(pab) if pab.all_on() => Outcome::pass("all four account-level Block Public Access settings are on"),
            Some(pab) => Outcome::fail(format!(
                "account-level Block Public Access settings off: {}",
                pab.settings_off().join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::s3::{PublicAccessBlock, S3Bucket};

    fn eval(a: &S3Account) -> Outcome {
        AccountPublicAccessBlocked.evaluate(a, &ScanContext::fixture())
    }

    #[test]
    fn passes_when_all_four_settings_are_on() {
        assert_eq!(eval(&S3Account::fixture()).status, Status::Pass);
    }

    #[test]
    fn fails_when_not_configured() {
        let a = S3Account { public_access_block: Ok(None), ..S3Account::fixture() };
        assert_eq!(eval(&a).status, Status::Fail);
    }

    #[test]
    fn fails_naming_the_setting_that_is_off() {
        let a = S3Account {
            public_access_block: Ok(Some(PublicAccessBlock {
                block_public_policy: false,
                ..PublicAccessBlock::ALL_ON
            })),
            ..S3Account::fixture()
        };
        let o = eval(&a);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("BlockPublicPolicy"));
    }

    #[test]
    fn unknown_when_access_denied() {
        let a = S3Account {
            public_access_block: Err(S3Bucket::denied("s3:GetAccountPublicAccessBlock")),
            ..S3Account::fixture()
        };
        let o = eval(&a);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetAccountPublicAccessBlock"));
    }
}
