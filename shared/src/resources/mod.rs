//! Resources as the collectors saw them: plain structs with `Default` and test fixtures.

pub mod account;
pub mod api;
pub mod cloudformation;
pub mod data;
pub mod iam;
pub mod lambda;
pub mod messaging;
pub mod network;
pub mod s3;
pub mod secretsmanager;

/// The region in an ARN (`arn:<partition>:<service>:<region>:...`), when it names one (IAM and
/// S3 ARNs do not).
pub fn region_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(5, ':');
    let (Some("arn"), Some(_), Some(_), Some(region)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    (!region.is_empty()).then_some(region)
}
