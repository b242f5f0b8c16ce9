//! Account baseline rules (the catalogue's `account.*` controls): six evaluated once per
//! scanned region (CloudTrail, GuardDuty, Config, Security Hub, Access Analyzer, Inspector),
//! one once per customer-managed KMS key.

use crate::resources::account::{KmsKey, RegionBaseline};

use super::Rule;

mod access_analyzer_enabled;
mod cloudtrail_multi_region;
mod config_recording;
mod guardduty_enabled;
mod inspector_lambda_enabled;
mod kms_rotation_enabled;
mod securityhub_enabled;

pub use access_analyzer_enabled::AccessAnalyzerEnabled;
pub use cloudtrail_multi_region::CloudtrailMultiRegion;
pub use config_recording::ConfigRecording;
pub use guardduty_enabled::GuardDutyEnabled;
pub use inspector_lambda_enabled::InspectorLambdaEnabled;
pub use kms_rotation_enabled::KmsRotationEnabled;
pub use securityhub_enabled::SecurityHubEnabled;

/// Rules evaluated once per region, in catalogue order.
pub static REGION_RULES: &[&dyn Rule<Resource = RegionBaseline>] = &[
    &CloudtrailMultiRegion,
    &GuardDutyEnabled,
    &ConfigRecording,
    &SecurityHubEnabled,
    &AccessAnalyzerEnabled,
    &InspectorLambdaEnabled,
];

/// Rules evaluated once per customer-managed KMS key.
pub static KEY_RULES: &[&dyn Rule<Resource = KmsKey>] = &[&KmsRotationEnabled];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::Status;

    #[test]
    fn rules_have_the_right_resource_types() {
        for rule in REGION_RULES {
            assert!(rule.meta().id.starts_with("account."));
            assert_eq!(rule.meta().resource_type, "AwsAccount", "{}", rule.meta().id);
        }
        assert_eq!(KEY_RULES[0].meta().resource_type, "AwsKmsKey");
    }

    #[test]
    fn the_fixtures_pass_and_an_empty_region_fails_everything() {
        let ctx = ScanContext::fixture();
        for rule in REGION_RULES {
            let o = rule.evaluate(&RegionBaseline::fixture("eu-west-1"), &ctx);
            assert_eq!(o.status, Status::Pass, "{}: {}", rule.meta().id, o.reason);
            let o = rule.evaluate(&RegionBaseline::empty("eu-west-1"), &ctx);
            assert_eq!(o.status, Status::Fail, "{}: {}", rule.meta().id, o.reason);
            assert!(o.reason.contains("eu-west-1"), "{}: the failure names the region: {}", rule.meta().id, o.reason);
        }
        assert_eq!(KEY_RULES[0].evaluate(&KmsKey::fixture("k"), &ctx).status, Status::Pass);
    }
}
