//! Seeding the account baseline on the local AWS through the Rust SDK, in two regions
//! ([`ACCOUNT_REGIONS`]: us-east-1 and eu-west-1), for the `account.*` rules. Names start with
//! `zt-`.
//!
//! - CloudTrail: `zt-trail-org`, a multi-region trail from us-east-1 with log-file validation,
//!   logging (so it covers both regions); `zt-trail-local`, a single-region trail in eu-west-1
//!   without validation (never enough on its own).
//! - GuardDuty: a detector in us-east-1 with Lambda protection (`LAMBDA_NETWORK_LOGS`)
//!   disabled; none in eu-west-1.
//! - Config: a recorder of all supported types, recording, in us-east-1 only.
//! - Inspector: Lambda scanning enabled in us-east-1 only.
//! - KMS: in us-east-1 `zt-key-rotating` (rotation on) and `zt-key-plain` (rotation off) and an
//!   asymmetric signing key; in eu-west-1 `zt-key-west` (rotation off).
//!
//! - Security Hub: enabled in us-east-1 only (where the pipeline imports findings).
//!
//! moto has no IAM Access Analyzer.

use aws_sdk_guardduty::types::{DetectorFeature, DetectorFeatureConfiguration, FeatureStatus};
use aws_sdk_inspector2::types::ResourceScanType;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use ztscan::audit::account::collector::RegionClients;
use ztscan::collect::aws::s3_client;

use crate::ACCOUNT;

/// The regions the demo's and the tests' account scans cover.
pub const ACCOUNT_REGIONS: &[&str] = &["us-east-1", "eu-west-1"];
/// [`ACCOUNT_REGIONS`] as a `ZTSCAN_CONFIG` document (the demo's and the tests' functions).
pub const ACCOUNT_REGIONS_CONFIG: &str = r#"{"account_regions": ["us-east-1", "eu-west-1"]}"#;
pub const ORG_TRAIL: &str = "zt-trail-org";
pub const LOCAL_TRAIL: &str = "zt-trail-local";
const TRAIL_BUCKET: &str = "zt-trail-logs";

/// The ids of what `seed_account` created.
#[derive(Debug, Clone)]
pub struct AccountSeed {
    pub detector: String,
    pub rotating_key: String,
    pub plain_key: String,
    pub signing_key: String,
    pub west_key: String,
}

async fn key(kms: &aws_sdk_kms::Client, description: &str, rotate: bool) -> String {
    let id = kms
        .create_key()
        .description(description)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create key {description}: {e:?}"))
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .expect("key metadata");
    if rotate {
        kms.enable_key_rotation().key_id(&id).send().await.expect("enable key rotation");
    }
    id
}

/// Seed the account baseline; returns the ids the tests look things up by.
pub async fn seed_account(sdk: &aws_config::SdkConfig) -> AccountSeed {
    let east = RegionClients::for_region(sdk, "us-east-1");
    let west = RegionClients::for_region(sdk, "eu-west-1");

    super::create(&s3_client(sdk, None), TRAIL_BUCKET, "us-east-1").await;
    east.cloudtrail
        .create_trail()
        .name(ORG_TRAIL)
        .s3_bucket_name(TRAIL_BUCKET)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("create the multi-region trail");
    east.cloudtrail.start_logging().name(ORG_TRAIL).send().await.expect("start logging");
    west.cloudtrail
        .create_trail()
        .name(LOCAL_TRAIL)
        .s3_bucket_name(TRAIL_BUCKET)
        .send()
        .await
        .expect("create the single-region trail");
    west.cloudtrail.start_logging().name(LOCAL_TRAIL).send().await.expect("start logging");

    let detector = east
        .guardduty
        .create_detector()
        .enable(true)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::LambdaNetworkLogs)
                .status(FeatureStatus::Disabled)
                .build(),
        )
        .send()
        .await
        .expect("create detector")
        .detector_id()
        .expect("detector id")
        .to_string();

    east.config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!(
                    "arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
                ))
                .recording_group(
                    aws_sdk_config::types::RecordingGroup::builder()
                        .all_supported(true)
                        .include_global_resource_types(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("put configuration recorder");
    east.config
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder().name("default").s3_bucket_name(TRAIL_BUCKET).build(),
        )
        .send()
        .await
        .expect("put delivery channel");
    east.config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .expect("start configuration recorder");

    east.inspector2
        .enable()
        .account_ids(ACCOUNT)
        .resource_types(ResourceScanType::Lambda)
        .send()
        .await
        .expect("enable Inspector for Lambda");

    east.securityhub.enable_security_hub().send().await.expect("enable Security Hub");

    let rotating_key = key(&east.kms, "zt-key-rotating", true).await;
    let plain_key = key(&east.kms, "zt-key-plain", false).await;
    let signing_key = east
        .kms
        .create_key()
        .description("zt-key-signing")
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("create signing key")
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .expect("key metadata");
    let west_key = key(&west.kms, "zt-key-west", false).await;
    AccountSeed { detector, rotating_key, plain_key, signing_key, west_key }
}
