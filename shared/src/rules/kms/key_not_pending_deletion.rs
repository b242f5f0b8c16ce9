//! The rule `kms.key-not-pending-deletion`; its documentation is on [`KeyNotPendingDeletion`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::KeyWithPolicy;
use crate::rules::Rule;

rule! {
    pub struct KeyNotPendingDeletion;
    id: "kms.key-not-pending-deletion",
    title: "No customer-managed KMS key is scheduled for deletion",
    severity: Medium,
    resource_type: "AwsKmsKey",
    trigger: Change,
    mappings: [Fsbp("KMS.3")],
    seeds: ["003"],
    what_it_checks: "`DescribeKey` reports a `KeyState` other than `PendingDeletion` and\n\
        `PendingReplicaDeletion`. A key scheduled for deletion fails, naming its `DeletionDate`\n\
        and the days left. An AWS-managed key is NOT_APPLICABLE; a description that could not be\n\
        read is UNKNOWN with the reason.",
    why_it_matters: "Once the waiting period ends the key material is gone for good, and with it\n\
        every table, secret, parameter, log group or object encrypted under the key: the data is\n\
        unreadable, and no backup encrypted with the same key helps.",
    example: "`aws kms schedule-key-deletion --key-id <id> --pending-window-in-days 7` on a key a\n\
        table still uses.",
    remediation: "Cancel the deletion unless every piece of data under the key is gone (kms cancel-key-deletion, then kms enable-key).\n\
        \n\
        `aws kms cancel-key-deletion --key-id <id>` leaves the key disabled; `aws kms enable-key\n\
        --key-id <id>` brings it back. Before deleting a key, check CloudTrail for recent use and\n\
        disable it for a while first.",
    references: "",
}

impl Rule for KeyNotPendingDeletion {
    type Resource = KeyWithPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, key: &KeyWithPolicy, ctx: &ScanContext) -> Outcome {
        let description = known!(key.description);
        if let Some(why) = key.not_applicable() {
            return Outcome::not_applicable(why);
        }
        if !matches!(description.state.as_str(), "PendingDeletion" | "PendingReplicaDeletion") {
            return Outcome::pass(format!("the key is {}", description.state));
        }
        match description.deletion_date {
            Some(when) => {
                let days = (when - ctx.now).num_days().max(0);
                Outcome::fail(format!(
                    "the key is scheduled for deletion on {} (in {days} days): data encrypted under it becomes unreadable",
                    when.format("%Y-%m-%d")
                ))
            }
            None => Outcome::fail(format!(
                "the key is {}: data encrypted under it becomes unreadable once it is deleted",
                description.state
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::{denied, KeyDescription, AWS_MANAGED, CUSTOMER_MANAGED};

    fn with(manager: &str, state: &str, deletion: Option<&str>) -> KeyWithPolicy {
        let deletion_date = deletion.and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()).map(|d| d.to_utc());
        KeyWithPolicy {
            description: Ok(KeyDescription { manager: manager.into(), state: state.into(), deletion_date }),
            ..KeyWithPolicy::fixture("k")
        }
    }

    #[test]
    fn table() {
        let cases = [
            ("enabled", with(CUSTOMER_MANAGED, "Enabled", None), Status::Pass, "the key is Enabled"),
            ("disabled", with(CUSTOMER_MANAGED, "Disabled", None), Status::Pass, "the key is Disabled"),
            (
                "pending deletion",
                with(CUSTOMER_MANAGED, "PendingDeletion", Some("2026-11-08T12:00:00Z")),
                Status::Fail,
                "scheduled for deletion on 2026-11-08 (in 7 days)",
            ),
            (
                "replica pending deletion without a date",
                with(CUSTOMER_MANAGED, "PendingReplicaDeletion", None),
                Status::Fail,
                "the key is PendingReplicaDeletion",
            ),
            ("AWS-managed", with(AWS_MANAGED, "PendingDeletion", None), Status::NotApplicable, "managed by AWS"),
            (
                "unreadable",
                KeyWithPolicy { description: Err(denied("kms:DescribeKey")), ..KeyWithPolicy::fixture("k") },
                Status::Unknown,
                "access denied on kms:DescribeKey",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, key, status, needle) in cases {
            let o = KeyNotPendingDeletion.evaluate(&key, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
