//! The rule `dynamodb.pitr-enabled`; its documentation is on [`PitrEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::DynamoTable;
use crate::rules::Rule;

rule! {
    pub struct PitrEnabled;
    id: "dynamodb.pitr-enabled",
    title: "DynamoDB table has point-in-time recovery on",
    severity: Medium,
    resource_type: "AwsDynamoDbTable",
    trigger: Change,
    mappings: [Fsbp("DynamoDB.2")],
    seeds: ["003"],
    what_it_checks: "`DescribeContinuousBackups` reports\n\
        `PointInTimeRecoveryDescription.PointInTimeRecoveryStatus: ENABLED`. `DISABLED` (or no\n\
        description) fails. A table being deleted or archived is NOT_APPLICABLE; settings that\n\
        could not be read are UNKNOWN with the reason.",
    why_it_matters: "Without point-in-time recovery a bad deploy, a buggy function or a stolen\n\
        credential that overwrites or deletes items cannot be undone: on-demand backups only\n\
        restore to the moment they were taken.",
    example: "A table created with the defaults (point-in-time recovery is off unless asked for).",
    remediation: "Turn on point-in-time recovery (dynamodb update-continuous-backups --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true).\n\
        \n\
        `aws dynamodb update-continuous-backups --table-name <t>\n\
        --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true` (optionally\n\
        `RecoveryPeriodInDays`); in CloudFormation, `PointInTimeRecoverySpecification`.",
    references: "",
}

impl Rule for PitrEnabled {
    type Resource = DynamoTable;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, table: &DynamoTable, _ctx: &ScanContext) -> Outcome {
        if let Some(why) = table.not_applicable() {
            return Outcome::not_applicable(why);
        }
        if *known!(table.pitr_enabled) {
            Outcome::pass("point-in-time recovery is on")
        } else {
            Outcome::fail("point-in-time recovery is off: overwritten or deleted items cannot be restored")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::denied;

    #[test]
    fn table() {
        let base = DynamoTable::fixture("t");
        let mut deleting = DynamoTable { pitr_enabled: Ok(false), ..base.clone() };
        if let Ok(d) = deleting.description.as_mut() {
            d.status = "DELETING".into();
        }
        let cases = [
            ("on", base.clone(), Status::Pass, "is on"),
            ("off", DynamoTable { pitr_enabled: Ok(false), ..base.clone() }, Status::Fail, "is off"),
            ("being deleted", deleting, Status::NotApplicable, "being deleted"),
            (
                "unreadable",
                DynamoTable { pitr_enabled: Err(denied("dynamodb:DescribeContinuousBackups")), ..base },
                Status::Unknown,
                "access denied on dynamodb:DescribeContinuousBackups",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, table, status, needle) in cases {
            let o = PitrEnabled.evaluate(&table, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
