//! The rule `dynamodb.table-encrypted-with-cmk`; its documentation is on
//! [`TableEncryptedWithCmk`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::{DynamoTable, TableEncryption, CUSTOMER_MANAGED};
use crate::rules::Rule;

rule! {
    pub struct TableEncryptedWithCmk;
    id: "dynamodb.table-encrypted-with-cmk",
    title: "DynamoDB table is encrypted with a customer-managed KMS key",
    severity: Medium,
    resource_type: "AwsDynamoDbTable",
    trigger: Change,
    mappings: [Prowler("dynamodb_tables_kms_cmk_encryption_enabled")],
    seeds: ["003"],
    what_it_checks: "`DescribeTable`'s `SSEDescription` says `SSEType: KMS` and its\n\
        `KMSMasterKeyArn` is a customer-managed key. The ARN alone does not say who manages a key\n\
        (the AWS-managed `aws/dynamodb` key is named by its key ARN too), so the audit reads the\n\
        key's `KeyManager` from `DescribeKey` (from its own listing of the region's keys); a key in\n\
        another account is customer-managed by construction (AWS-managed keys are never shared).\n\
        - no `SSEDescription` (or `SSEType: AES256`): the AWS-owned key: FAIL;\n\
        - `aws/dynamodb` (`KeyManager: AWS`): FAIL;\n\
        - a customer-managed key: PASS, naming it.\n\
        \n\
        A table being deleted or archived is NOT_APPLICABLE. A description or key that could not\n\
        be read is UNKNOWN with the reason.",
    why_it_matters: "With the AWS-owned or AWS-managed key, anyone the table's own permissions\n\
        allow can read its items: there is no key policy to narrow, no separate grant to revoke,\n\
        no per-key CloudTrail record of decryption, and no way to make the data unreadable at once\n\
        by disabling the key.",
    example: "`aws dynamodb create-table --table-name orders ...` without `--sse-specification`.",
    remediation: "Switch the table to a customer-managed KMS key (dynamodb update-table --sse-specification Enabled=true,SSEType=KMS,KMSMasterKeyId=<key>) whose key policy limits use to the table's readers.\n\
        \n\
        `aws dynamodb update-table --table-name <t> --sse-specification\n\
        Enabled=true,SSEType=KMS,KMSMasterKeyId=<cmk arn>`; the switch is online. Grant the key to\n\
        the table's readers through `kms:ViaService` `dynamodb.<region>.amazonaws.com`.",
    references: "",
}

impl Rule for TableEncryptedWithCmk {
    type Resource = DynamoTable;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, table: &DynamoTable, _ctx: &ScanContext) -> Outcome {
        if let Some(why) = table.not_applicable() {
            return Outcome::not_applicable(why);
        }
        match &known!(table.description).encryption {
            TableEncryption::AwsOwned => {
                Outcome::fail("encrypted with the AWS-owned key, which the account cannot see, restrict or audit")
            }
            TableEncryption::Kms { key_arn, manager } => {
                let manager = known!(manager);
                if manager.eq_ignore_ascii_case(CUSTOMER_MANAGED) {
                    Outcome::pass(format!("encrypted with the customer-managed key {key_arn}"))
                } else {
                    Outcome::fail(format!(
                        "encrypted with the AWS-managed key aws/dynamodb ({key_arn}), whose key policy cannot be restricted"
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::{denied, TableDescription, AWS_MANAGED};

    fn with(encryption: TableEncryption, status: &str) -> DynamoTable {
        DynamoTable {
            description: Ok(TableDescription { status: status.into(), encryption, deletion_protection: true }),
            ..DynamoTable::fixture("t")
        }
    }

    fn kms(manager: Result<&str, &str>) -> TableEncryption {
        TableEncryption::Kms {
            key_arn: "arn:aws:kms:us-east-1:123456789012:key/k1".into(),
            manager: manager.map(str::to_string).map_err(denied),
        }
    }

    #[test]
    fn table() {
        let cases = [
            (
                "customer-managed key",
                with(kms(Ok(CUSTOMER_MANAGED)), "ACTIVE"),
                Status::Pass,
                "customer-managed key arn:aws:kms:us-east-1:123456789012:key/k1",
            ),
            ("AWS-owned key", with(TableEncryption::AwsOwned, "ACTIVE"), Status::Fail, "AWS-owned key"),
            (
                "aws/dynamodb",
                with(kms(Ok(AWS_MANAGED)), "ACTIVE"),
                Status::Fail,
                "AWS-managed key aws/dynamodb (arn:aws:kms:us-east-1:123456789012:key/k1)",
            ),
            ("being deleted", with(TableEncryption::AwsOwned, "DELETING"), Status::NotApplicable, "being deleted"),
            ("archived", with(kms(Ok(AWS_MANAGED)), "ARCHIVED"), Status::NotApplicable, "archived"),
            (
                "key unreadable",
                with(kms(Err("kms:DescribeKey")), "ACTIVE"),
                Status::Unknown,
                "access denied on kms:DescribeKey",
            ),
            (
                "table unreadable",
                DynamoTable { description: Err(denied("dynamodb:DescribeTable")), ..DynamoTable::fixture("t") },
                Status::Unknown,
                "access denied on dynamodb:DescribeTable",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, table, status, needle) in cases {
            let o = TableEncryptedWithCmk.evaluate(&table, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
