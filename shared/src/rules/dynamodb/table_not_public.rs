//! The rule `dynamodb.table-not-public`; its documentation is on [`TableNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::DynamoTable;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct TableNotPublic;
    id: "dynamodb.table-not-public",
    title: "DynamoDB table policy grants no access to everyone or untrusted accounts",
    severity: Critical,
    resource_type: "AwsDynamoDbTable",
    trigger: Change,
    mappings: [Prowler("dynamodb_table_cross_account_access")],
    seeds: ["004"],
    what_it_checks: "The table's resource policy (`GetResourcePolicy`) has no `Allow`\n\
        statement that reaches everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}`, `NotPrincipal`) or a\n\
        foreign account that is not in `trusted_accounts`, unless a condition confines it to this\n\
        account or organisation (`aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:SourceVpce`,\n\
        ...). The decision is the shared policy engine's (`policy::external_grants` with the\n\
        scan's `Trust`), as for SQS and SNS: a condition naming another account or organisation\n\
        does not confine and is named in the finding; an organisation condition while\n\
        `organization_id` is not configured passes with a note. A table without a policy passes.\n\
        A table being deleted or archived is NOT_APPLICABLE; a policy that is not JSON or could\n\
        not be read is UNKNOWN.",
    why_it_matters: "`dynamodb:*` or `dynamodb:Scan` granted to everyone or to an unknown account\n\
        hands the table's items to whoever holds credentials there; the table's own IAM-side\n\
        least privilege no longer matters.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"dynamodb:GetItem\",\"Resource\":\"<table arn>\"}`.",
    remediation: "Remove table policy statements that allow Principal \"*\" or untrusted accounts, or confine them with an aws:PrincipalAccount/aws:PrincipalOrgID condition naming your own account or organisation.\n\
        \n\
        Name the roles that need the table, or add an\n\
        `aws:PrincipalAccount`/`aws:PrincipalOrgID` condition; `aws dynamodb put-resource-policy`\n\
        replaces the policy, `delete-resource-policy` removes it.",
    references: "",
}

impl Rule for TableNotPublic {
    type Resource = DynamoTable;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, table: &DynamoTable, ctx: &ScanContext) -> Outcome {
        if let Some(why) = table.not_applicable() {
            return Outcome::not_applicable(why);
        }
        match known!(table.policy) {
            None => Outcome::pass("the table has no resource policy"),
            Some(doc) => not_public(doc, ctx, "table"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::resources::data::denied;

    fn with_statement(statement: &str) -> DynamoTable {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        DynamoTable { policy: Ok(Some(doc)), ..DynamoTable::fixture("t") }
    }

    const GET: &str = r#""Action":"dynamodb:GetItem","Resource":"*""#;

    #[test]
    fn table() {
        let mut deleting = with_statement(&format!(r#"{{"Effect":"Allow","Principal":"*",{GET}}}"#));
        if let Ok(d) = deleting.description.as_mut() {
            d.status = "DELETING".into();
        }
        let cases: Vec<(&str, DynamoTable, Status, &str)> = vec![
            ("own role", DynamoTable::fixture("t"), Status::Pass, "no table policy statement allows everyone"),
            (
                "no policy",
                DynamoTable { policy: Ok(None), ..DynamoTable::fixture("t") },
                Status::Pass,
                "no resource policy",
            ),
            (
                "everyone",
                with_statement(&format!(r#"{{"Sid":"Open","Effect":"Allow","Principal":"*",{GET}}}"#)),
                Status::Fail,
                "statement Open allows dynamodb:GetItem to everyone without a restricting condition",
            ),
            (
                "foreign account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},{GET}}}"#
                )),
                Status::Fail,
                "account 999999999999",
            ),
            (
                "everyone confined to the own account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalAccount":"123456789012"}}}}}}"#
                )),
                Status::Pass,
                "no table policy statement",
            ),
            (
                "everyone through a VPC endpoint",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:SourceVpce":"vpce-1a2b3c"}}}}}}"#
                )),
                Status::Pass,
                "no table policy statement",
            ),
            (
                "everyone of a foreign account",
                with_statement(&format!(
                    r#"{{"Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalAccount":"999999999999"}}}}}}"#
                )),
                Status::Fail,
                "aws:PrincipalAccount 999999999999",
            ),
            (
                "organisation, organization_id unset",
                with_statement(&format!(
                    r#"{{"Sid":"Org","Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
                )),
                Status::Pass,
                "set organization_id",
            ),
            ("being deleted", deleting, Status::NotApplicable, "being deleted"),
            (
                "not JSON",
                DynamoTable {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "dynamodb:GetResourcePolicy",
                        "resource policy of table t: expected value",
                    )),
                    ..DynamoTable::fixture("t")
                },
                Status::Unknown,
                "malformed document on dynamodb:GetResourcePolicy",
            ),
            (
                "access denied",
                DynamoTable { policy: Err(denied("dynamodb:GetResourcePolicy")), ..DynamoTable::fixture("t") },
                Status::Unknown,
                "access denied on dynamodb:GetResourcePolicy",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, table, status, needle) in cases {
            let o = TableNotPublic.evaluate(&table, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
