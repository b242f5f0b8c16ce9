//! DynamoDB rules: encryption, recovery, deletion protection and exposure of each table. Every
//! rule reads the table's description, continuous-backup settings or resource policy; none
//! reads an item.

use crate::resources::data::DynamoTable;

use super::Rule;

mod deletion_protection_enabled;
mod pitr_enabled;
mod table_encrypted_with_cmk;
mod table_not_public;

pub use deletion_protection_enabled::DeletionProtectionEnabled;
pub use pitr_enabled::PitrEnabled;
pub use table_encrypted_with_cmk::TableEncryptedWithCmk;
pub use table_not_public::TableNotPublic;

/// Rules evaluated once per table.
pub static TABLE_RULES: &[&dyn Rule<Resource = DynamoTable>] =
    &[&TableEncryptedWithCmk, &PitrEnabled, &DeletionProtectionEnabled, &TableNotPublic];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn every_table_rule_is_a_change_triggered_table_rule_passing_on_the_fixture() {
        let ctx = ScanContext::fixture();
        assert_eq!(TABLE_RULES.len(), 4);
        for rule in TABLE_RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("dynamodb."), "{}", m.id);
            assert_eq!(m.resource_type, "AwsDynamoDbTable", "{}", m.id);
            assert_eq!(m.trigger, Trigger::Change, "{}", m.id);
            let o = rule.evaluate(&DynamoTable::fixture("t"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", m.id, o.reason);
        }
    }
}
