//! Seeding CloudFormation on the local AWS through the Rust SDK: an open stack (no termination
//! protection, no notification topic) whose output and parameter default hold secrets made at
//! run time, and a compliant stack (protection on at creation, an SNS topic, nothing secret in
//! its outputs; its one secret is a `NoEcho` parameter, which must not be reported). Every
//! name starts with `zt-stack-`.
//!
//! No secret is committed: the values come from [`fresh_secret`] on every run and are returned
//! in [`StackSeed::planted_secrets`] so tests can assert that none of them appears anywhere
//! ztscan writes. Nothing here prints them.
//!
//! moto facts used (moto 5.1): `CreateStack` honours `EnableTerminationProtection` and
//! `NotificationARNs` (moto has no `UpdateTerminationProtection`); `GetTemplateSummary` returns
//! `DefaultValue` and `NoEcho`; `DescribeStacks` returns a `NoEcho` value in clear (AWS masks
//! it as `****`), so the collector's "declared NoEcho" skip is exercised for real. Nested stacks
//! need a template in S3 and moto sets no `ParentId`/`RootId`: they are covered with mocks.

use aws_sdk_cloudformation::types::Parameter;
use aws_sdk_cloudformation::Client;

use crate::seed::fresh_secret;

/// No termination protection, no notification topic, an output `ApiKey` and a parameter
/// `DbPassword` whose default (and so deployed value) are fresh secrets.
pub const OPEN: &str = "zt-stack-open";
/// Termination protection and a notification topic; a `NoEcho` parameter `AdminToken` given a
/// fresh secret, and harmless outputs and defaults.
pub const GOOD: &str = "zt-stack-good";
/// The `NoEcho` parameter of [`GOOD`].
pub const NO_ECHO_PARAMETER: &str = "AdminToken";
/// Every stack `seed_stacks` creates.
pub const STACKS: &[&str] = &[GOOD, OPEN];
/// The SNS topic the compliant stack notifies.
pub const EVENTS_TOPIC: &str = "zt-stack-events";

/// What `seed_stacks` planted.
pub struct StackSeed {
    /// Each stack name with its stack id (ARN).
    pub ids: Vec<(String, String)>,
    /// The secret values put into outputs, defaults and the `NoEcho` parameter. Never print
    /// them.
    pub planted_secrets: Vec<String>,
    /// The notification topic's ARN.
    pub topic_arn: String,
}

fn open_template(api_key: &str, db_password: &str) -> String {
    serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "ztscan demo: an open stack",
        "Parameters": {
            "DbPassword": {"Type": "String", "Default": db_password},
            "Stage": {"Type": "String", "Default": "demo"}
        },
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "ApiKey": {"Value": api_key},
            "QueueUrl": {"Value": {"Ref": "Queue"}}
        }
    })
    .to_string()
}

fn good_template() -> String {
    serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "ztscan demo: a compliant stack",
        "Parameters": {
            "AdminToken": {"Type": "String", "NoEcho": true},
            "Stage": {"Type": "String", "Default": "prod"},
            "DbSecretArn": {
                "Type": "String",
                "Default": format!("arn:aws:secretsmanager:us-east-1:{}:secret:prod/db-AbCdEf", crate::ACCOUNT)
            }
        },
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "QueueUrl": {"Value": {"Ref": "Queue"}},
            "Stage": {"Value": {"Ref": "Stage"}}
        }
    })
    .to_string()
}

async fn create(
    cf: &Client,
    name: &str,
    request: aws_sdk_cloudformation::operation::create_stack::builders::CreateStackFluentBuilder,
) -> String {
    match request.send().await {
        Ok(out) => out.stack_id().unwrap_or_default().to_string(),
        Err(e) => {
            let code = aws_sdk_cloudformation::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("AlreadyExistsException"), "seed stack {name}: {e:?}");
            let out = cf.describe_stacks().stack_name(name).send().await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            out.stacks().first().and_then(|s| s.stack_id()).unwrap_or_default().to_string()
        }
    }
}

/// The demo account's stacks (see the constants).
pub async fn seed_stacks(sdk: &aws_config::SdkConfig) -> StackSeed {
    let sns = aws_sdk_sns::Client::new(sdk);
    let topic_arn = sns
        .create_topic()
        .name(EVENTS_TOPIC)
        .send()
        .await
        .expect("create the stack events topic")
        .topic_arn()
        .unwrap_or_default()
        .to_string();
    let cf = &Client::new(sdk);
    let api_key = fresh_secret("sk_live_");
    let db_password = fresh_secret("Zq9!");
    let admin_token = fresh_secret("Xt4#");

    let open =
        create(cf, OPEN, cf.create_stack().stack_name(OPEN).template_body(open_template(&api_key, &db_password))).await;
    let good = create(
        cf,
        GOOD,
        cf.create_stack()
            .stack_name(GOOD)
            .template_body(good_template())
            .parameters(Parameter::builder().parameter_key(NO_ECHO_PARAMETER).parameter_value(&admin_token).build())
            .enable_termination_protection(true)
            .notification_arns(&topic_arn),
    )
    .await;
    StackSeed {
        ids: vec![(GOOD.to_string(), good), (OPEN.to_string(), open)],
        planted_secrets: vec![api_key, db_password, admin_token],
        topic_arn,
    }
}
