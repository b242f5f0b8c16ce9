//! The rule `dynamodb.deletion-protection-enabled`; its documentation is on
//! [`DeletionProtectionEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::DynamoTable;
use crate::rules::Rule;

rule! {
    pub struct DeletionProtectionEnabled;
    id: "dynamodb.deletion-protection-enabled",
    title: "DynamoDB table has deletion protection on",
    severity: Low,
    resource_type: "AwsDynamoDbTable",
    trigger: Change,
    mappings: [Fsbp("DynamoDB.6")],
    seeds: ["001"],
    what_it_checks: "`DescribeTable` reports `DeletionProtectionEnabled: true`; absent or\n\
        `false` fails. A table being deleted or archived is NOT_APPLICABLE; a description that\n\
        could not be read is UNKNOWN with the reason.",
    why_it_matters: "One `DeleteTable` call (a mistaken stack update, a cleanup script, a\n\
        stolen credential) destroys the table and its point-in-time recovery window; deletion\n\
        protection makes that a two-step, deliberate act.",
    example: "`aws dynamodb create-table ...` without `--deletion-protection-enabled`.",
    remediation: "Turn on deletion protection (dynamodb update-table --deletion-protection-enabled).\n\
        \n\
        `aws dynamodb update-table --table-name <t> --deletion-protection-enabled`; in\n\
        CloudFormation, `DeletionProtectionEnabled: true` (and `DeletionPolicy: Retain`).",
    references: "",
}

impl Rule for DeletionProtectionEnabled {
    type Resource = DynamoTable;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, table: &DynamoTable, _ctx: &ScanContext) -> Outcome {
        if let Some(why) = table.not_applicable() {
            return Outcome::not_applicable(why);
        }
        if known!(table.description).deletion_protection {
            Outcome::pass("deletion protection is on")
        } else {
            Outcome::fail("deletion protection is off: one DeleteTable call destroys the table")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::denied;

    fn with(protected: bool, status: &str) -> DynamoTable {
        let mut t = DynamoTable::fixture("t");
        if let Ok(d) = t.description.as_mut() {
            d.deletion_protection = protected;
            d.status = status.into();
        }
        t
    }

    #[test]
    fn table() {
        let cases = [
            ("on", with(true, "ACTIVE"), Status::Pass, "is on"),
            ("off", with(false, "ACTIVE"), Status::Fail, "is off"),
            ("off while updating", with(false, "UPDATING"), Status::Fail, "is off"),
            ("being archived", with(false, "ARCHIVING"), Status::NotApplicable, "being archived"),
            (
                "unreadable",
                DynamoTable { description: Err(denied("dynamodb:DescribeTable")), ..DynamoTable::fixture("t") },
                Status::Unknown,
                "access denied on dynamodb:DescribeTable",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, table, status, needle) in cases {
            let o = DeletionProtectionEnabled.evaluate(&table, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
