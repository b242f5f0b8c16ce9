//! ztscan as an AWS Config custom rule (issue 6): the audit functions accept the Config rule
//! invocation event and report through `PutEvaluations`.
//!
//! - aws-smithy-mocks pin the SDK half (`publish::config_evaluations::AwsConfigRules`): chunks of
//!   100 with the result token, refused evaluations and AccessDenied as errors naming what
//!   failed, and the configuration history read for an oversized item.
//! - moto runs the real `s3-audit` binary through the Lambda Runtime API with the three
//!   sample invocations in `events/config-rule-*.json`. moto accepts `PutEvaluations` only with
//!   `TestMode`, hence `CONFIG_EVALUATIONS_TEST_MODE=true`; its `GetResourceConfigHistory`
//!   answers the current item of a bucket.

use aws_sdk_config::error::ErrorMetadata;
use aws_sdk_config::operation::get_resource_config_history::{
    GetResourceConfigHistoryError, GetResourceConfigHistoryOutput,
};
use aws_sdk_config::operation::put_evaluations::{PutEvaluationsError, PutEvaluationsOutput};
use aws_sdk_config::types::{ConfigurationItem, ConfigurationItemStatus, Evaluation as SdkEvaluation, ResourceType};
use aws_smithy_mocks::mock;
use chrono::{TimeZone, Utc};
use ztscan::config_rule_invocation::{Compliance, Evaluation};
use ztscan::publish::config_evaluations::{AwsConfigRules, ConfigRules};
use ztscan_tests::lambda::Emulator;
use ztscan_tests::seed::create_pipeline;
use ztscan_tests::{mock_config, moto, root};

fn evaluation(i: usize) -> Evaluation {
    Evaluation {
        resource_type: "AWS::S3::Bucket".into(),
        resource_id: format!("bucket-{i:03}"),
        compliance: if i.is_multiple_of(2) { Compliance::Compliant } else { Compliance::NonCompliant },
        annotation: "ztscan: test".into(),
        ordering: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
    }
}

#[tokio::test]
async fn evaluations_go_in_chunks_of_100_with_the_result_token() {
    let full = mock!(aws_sdk_config::Client::put_evaluations)
        .match_requests(|r| {
            r.result_token() == Some("tok") && r.evaluations().len() == 100 && r.test_mode() == Some(false)
        })
        .then_output(|| PutEvaluationsOutput::builder().build());
    let rest = mock!(aws_sdk_config::Client::put_evaluations)
        .match_requests(|r| {
            r.result_token() == Some("tok")
                && r.evaluations().len() == 50
                && r.evaluations()[49].compliance_resource_id() == "bucket-249"
                && r.evaluations()[49].compliance_type().as_str() == "NON_COMPLIANT"
        })
        .then_output(|| PutEvaluationsOutput::builder().build());
    let config = AwsConfigRules::new(mock_config(&[&full, &rest]), false);
    let evaluations: Vec<Evaluation> = (0..250).map(evaluation).collect();
    assert_eq!(config.put_evaluations("tok", &evaluations).await.unwrap(), 250);
    assert_eq!((full.num_calls(), rest.num_calls()), (2, 1));
}

#[tokio::test]
async fn refused_or_denied_evaluations_are_errors_naming_what_failed() {
    let refused = mock!(aws_sdk_config::Client::put_evaluations).then_output(|| {
        PutEvaluationsOutput::builder()
            .failed_evaluations(
                SdkEvaluation::builder()
                    .compliance_resource_type("AWS::S3::Bucket")
                    .compliance_resource_id("bucket-001")
                    .compliance_type(aws_sdk_config::types::ComplianceType::NonCompliant)
                    .ordering_timestamp(aws_smithy_types::DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let config = AwsConfigRules::new(mock_config(&[&refused]), false);
    let err = config.put_evaluations("tok", &[evaluation(1)]).await.unwrap_err().to_string();
    assert!(err.contains("refused 1") && err.contains("bucket-001"), "{err}");

    let denied = mock!(aws_sdk_config::Client::put_evaluations).then_error(|| {
        PutEvaluationsError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
    });
    let config = AwsConfigRules::new(mock_config(&[&denied]), false);
    let evaluations: Vec<Evaluation> = (0..3).map(evaluation).collect();
    let err = config.put_evaluations("tok", &evaluations).await.unwrap_err().to_string();
    assert!(err.contains("AccessDenied") && err.contains("0 of 3"), "{err}");
}

#[tokio::test]
async fn the_history_gives_the_full_item_of_an_oversized_change() {
    let history = mock!(aws_sdk_config::Client::get_resource_config_history)
        .match_requests(|r| {
            r.resource_type() == Some(&ResourceType::from("AWS::S3::Bucket"))
                && r.resource_id() == Some("big-bucket")
                && r.limit() == Some(1)
                && r.later_time().is_some()
        })
        .then_output(|| {
            GetResourceConfigHistoryOutput::builder()
                .configuration_items(
                    ConfigurationItem::builder()
                        .resource_type(ResourceType::from("AWS::S3::Bucket"))
                        .resource_id("big-bucket")
                        .resource_name("big-bucket")
                        .aws_region("eu-west-1")
                        .account_id("123456789012")
                        .arn("arn:aws:s3:::big-bucket")
                        .configuration_item_status(ConfigurationItemStatus::ResourceDeleted)
                        .build(),
                )
                .build()
        });
    let config = AwsConfigRules::new(mock_config(&[&history]), false);
    let at = Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
    let item = config.item("AWS::S3::Bucket", "big-bucket", at).await.unwrap().expect("an item");
    assert_eq!((item.resource_id.as_str(), item.region.as_str(), item.deleted), ("big-bucket", "eu-west-1", true));

    let missing = mock!(aws_sdk_config::Client::get_resource_config_history).then_error(|| {
        GetResourceConfigHistoryError::generic(
            ErrorMetadata::builder().code("ResourceNotDiscoveredException").message("not recorded").build(),
        )
    });
    let config = AwsConfigRules::new(mock_config(&[&missing]), false);
    let err = config.item("AWS::S3::Bucket", "big-bucket", at).await.unwrap_err().to_string();
    assert!(err.contains("GetResourceConfigHistory") && err.contains("big-bucket"), "{err}");
}

#[tokio::test]
async fn the_s3_audit_binary_answers_config_rule_invocations_on_moto() {
    let m = moto().await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&m.sdk).force_path_style(true).build());
    for name in ["demo-public-bucket", "zt-config-rule-other"] {
        s3.create_bucket().bucket(name).send().await.expect("create bucket");
    }
    let p = create_pipeline(&m.sdk).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("CONFIG_EVALUATIONS_TEST_MODE", "true"));
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let invoke = |file: &str| {
        audit
            .invoke("s3-audit", &root().join("events").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}\n{}", audit.function_log("s3-audit")))
    };

    let periodic = invoke("config-rule-periodic.json");
    assert_eq!(periodic["mode"], "config-rule-periodic", "{periodic}");
    assert_eq!(periodic["archive_sweep"], true, "{periodic}");
    // Both buckets, the pipeline's own buckets if any, and the account.
    assert!(periodic["evaluations"].as_u64().unwrap_or(0) >= 3, "{periodic}");

    let change = invoke("config-rule-s3-bucket-change.json");
    assert_eq!(
        (change["mode"].as_str(), change["evaluations"].as_u64()),
        (Some("config-rule-change"), Some(1)),
        "{change}"
    );
    assert!(change["findings"].as_u64().unwrap_or(0) > 0, "{change}");

    let oversized = invoke("config-rule-s3-bucket-oversized.json");
    assert_eq!(
        (oversized["mode"].as_str(), oversized["evaluations"].as_u64()),
        (Some("config-rule-change"), Some(1)),
        "{oversized}"
    );
    let log = audit.function_log("s3-audit");
    assert!(log.contains("reported to AWS Config"), "{log}");
}
