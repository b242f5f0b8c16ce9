//! The Lambda audit's layer listing against the moto server: two layers published through the
//! Rust SDK, one shared with everyone (`add-layer-version-permission --principal *`), one not;
//! collected with the real collector and judged by `lambda.layer-not-public`. (moto keeps no
//! organisation condition on a layer permission; the organisation-only case is in
//! `lambda_layers_mocks.rs`.)

use aws_sdk_lambda::types::LayerVersionContentInput;
use ztscan::audit::lambda as lambda_audit;
use ztscan::audit::lambda::collector::LambdaCollector;
use ztscan::{ScanConfig, ScanContext, Status};
use ztscan_tests::{moto, ACCOUNT};

async fn publish(lambda: &aws_sdk_lambda::Client, name: &str) -> i64 {
    let content = LayerVersionContentInput::builder()
        .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06demo-only".to_vec()))
        .build();
    lambda
        .publish_layer_version()
        .layer_name(name)
        .content(content)
        .send()
        .await
        .unwrap_or_else(|e| panic!("publish {name}: {e:?}"))
        .version()
}

#[tokio::test]
async fn a_layer_shared_with_everyone_fails_and_an_unshared_one_passes() {
    let m = moto().await;
    let lambda = aws_sdk_lambda::Client::new(&m.sdk);
    let public = publish(&lambda, "zt-layer-public").await;
    let private = publish(&lambda, "zt-layer-private").await;
    lambda
        .add_layer_version_permission()
        .layer_name("zt-layer-public")
        .version_number(public)
        .statement_id("everyone")
        .action("lambda:GetLayerVersion")
        .principal("*")
        .send()
        .await
        .expect("share the layer");
    let ctx = ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default());
    let report = lambda_audit::scan_all(&LambdaCollector::new(&m.sdk, &ScanConfig::default()), &ctx).await;
    let finding = |id: String| {
        report
            .findings
            .iter()
            .find(|f| f.rule_id == "lambda.layer-not-public" && f.resource.id == id)
            .unwrap_or_else(|| panic!("no finding for {id}"))
    };
    let open = finding(format!("zt-layer-public:{public}"));
    assert_eq!(open.status, Status::Fail, "{}", open.reason);
    assert!(open.reason.contains("statement everyone allows lambda:GetLayerVersion to everyone"), "{}", open.reason);
    let closed = finding(format!("zt-layer-private:{private}"));
    assert_eq!(closed.status, Status::Pass, "{}", closed.reason);
    assert!(report.summary.expect("both listings succeeded").rule_ids.contains(&"lambda.layer-not-public".to_string()));
}
