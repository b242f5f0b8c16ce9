//! Seeding the data audit's services on the local AWS through the Rust SDK: DynamoDB tables, KMS
//! keys, SSM parameters and functions with and without log groups, a compliant one of each and
//! one per misconfiguration. Every name starts with `zt-` (parameters with `/zt/`). The secret
//! values planted in `String` parameters are made at run time ([`crate::seed::fresh_secret`]),
//! so none is committed, and are returned for the leak test.
//!
//! moto facts used here (moto 5.1): `GetResourcePolicy` and `PutResourcePolicy` work on tables;
//! `KMSMasterKeyArn` is returned as given at creation; the `aws/dynamodb` key moto creates for
//! `SSEType: KMS` without a key says `KeyManager: CUSTOMER` (so AWS-managed keys are tested with
//! aws-smithy-mocks); `LoggingConfig` is not kept on functions (the custom log group path is
//! tested with aws-smithy-mocks too).

use ztscan::audit::data::collector::sdk::{dynamodb, logs, ssm};

use crate::seed::fresh_secret;
use crate::ACCOUNT;

/// Encrypted with [`GOOD_KEY`]'s ARN, point-in-time recovery and deletion protection on, a
/// policy for one own role.
pub const TABLE_GOOD: &str = "zt-table-good";
/// The defaults: the AWS-owned key, no point-in-time recovery, no deletion protection.
pub const TABLE_PLAIN: &str = "zt-table-plain";
/// Compliant but for a policy that lets everyone read it.
pub const TABLE_PUBLIC: &str = "zt-table-public";

/// The alias of the compliant key (console default policy).
pub const GOOD_KEY: &str = "alias/zt-key-good";
/// A key whose policy lets everyone decrypt.
pub const PUBLIC_KEY: &str = "alias/zt-key-public";
/// A key whose `*` grant is confined by `kms:CallerAccount` to the own account (not public).
pub const CALLER_ACCOUNT_KEY: &str = "alias/zt-key-caller-account";
/// A key scheduled for deletion.
pub const DOOMED_KEY: &str = "alias/zt-key-doomed";

/// A `String` parameter holding a password (planted at run time).
pub const PARAM_PASSWORD: &str = "/zt/prod/db-password";
/// A `String` parameter holding a Stripe live key (planted at run time).
pub const PARAM_STRIPE: &str = "/zt/prod/billing-key";
/// A port number (not a secret).
pub const PARAM_PORT: &str = "/zt/prod/db-port";
/// A URL without credentials (not a secret).
pub const PARAM_URL: &str = "/zt/prod/api-endpoint";
/// A list of hosts (not a secret).
pub const PARAM_HOSTS: &str = "/zt/prod/hosts";
/// A `SecureString` (never read).
pub const PARAM_SECURE: &str = "/zt/prod/db-password-secure";

/// A function whose log group keeps events 14 days.
pub const FN_RETAINED: &str = "zt-fn-logs-retained";
/// A function whose log group never expires.
pub const FN_FOREVER: &str = "zt-fn-logs-forever";
/// A function without a log group.
pub const FN_MISSING: &str = "zt-fn-logs-missing";

/// What [`seed_data`] made that the tests need: the keys' ids by alias and the planted values.
pub struct DataSeed {
    pub keys: std::collections::BTreeMap<&'static str, String>,
    pub planted_secrets: Vec<String>,
}

/// A key policy with the account's root statement and `extra` statements.
pub fn key_policy(extra: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}{extra}]}}"#
    )
}

/// The `zt-key-public` statement: everyone may decrypt.
pub const PUBLIC_KEY_STATEMENT: &str =
    r#",{"Sid":"Anyone","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}"#;

/// The `zt-key-caller-account` statement: everyone of the own account, through DynamoDB.
pub fn caller_account_statement() -> String {
    format!(
        r#",{{"Sid":"ViaDynamoDB","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{ACCOUNT}"}}}}}}"#
    )
}

/// A table policy granting `dynamodb:GetItem` to `principal` (a JSON value).
pub fn table_policy(table: &str, principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Principal":{principal},"Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"}}]}}"#
    )
}

async fn key(kms: &aws_sdk_kms::Client, alias: &str, policy: &str) -> String {
    let out =
        kms.create_key().policy(policy).description(alias).send().await.unwrap_or_else(|e| panic!("{alias}: {e:?}"));
    let id = out.key_metadata().map(|m| m.key_id().to_string()).expect("key id");
    kms.create_alias().alias_name(alias).target_key_id(&id).send().await.unwrap_or_else(|e| panic!("{alias}: {e:?}"));
    id
}

async fn table(ddb: &dynamodb::Client, name: &str, key_arn: Option<&str>, hardened: bool) {
    use dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, SseSpecification, SseType,
    };
    let mut create = ddb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .deletion_protection_enabled(hardened);
    if let Some(key_arn) = key_arn {
        create = create.sse_specification(
            SseSpecification::builder().enabled(true).sse_type(SseType::Kms).kms_master_key_id(key_arn).build(),
        );
    }
    create.send().await.unwrap_or_else(|e| panic!("create table {name}: {e:?}"));
    if hardened {
        ddb.update_continuous_backups()
            .table_name(name)
            .point_in_time_recovery_specification(
                dynamodb::types::PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("PITR {name}: {e:?}"));
    }
}

async fn parameter(ssm: &ssm::Client, name: &str, kind: ssm::types::ParameterType, value: &str) {
    ssm.put_parameter()
        .name(name)
        .r#type(kind)
        .value(value)
        .overwrite(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put parameter {name}: {e:?}"));
}

/// The IAM role and functions of the log-group cases (moto creates no log group for a function).
async fn functions(sdk: &aws_config::SdkConfig) {
    let iam = aws_sdk_iam::Client::new(sdk);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    if let Err(e) = iam.create_role().role_name("zt-data-fn-role").assume_role_policy_document(trust).send().await {
        let code = aws_sdk_iam::error::ProvideErrorMetadata::code(&e);
        assert_eq!(code, Some("EntityAlreadyExists"), "create role: {e:?}");
    }
    let lambda = aws_sdk_lambda::Client::new(sdk);
    for name in [FN_RETAINED, FN_FOREVER, FN_MISSING] {
        let code = aws_sdk_lambda::types::FunctionCode::builder()
            .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06demo-only".to_vec()))
            .build();
        let created = lambda
            .create_function()
            .function_name(name)
            .runtime(aws_sdk_lambda::types::Runtime::Python313)
            .handler("app.handler")
            .role(format!("arn:aws:iam::{ACCOUNT}:role/zt-data-fn-role"))
            .code(code)
            .send()
            .await;
        if let Err(e) = created {
            let code = aws_sdk_lambda::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("ResourceConflictException"), "create function {name}: {e:?}");
        }
    }
}

/// Seed every data case. Safe to run twice on the same server (the demo does not reset it).
pub async fn seed_data(sdk: &aws_config::SdkConfig) -> DataSeed {
    let kms = aws_sdk_kms::Client::new(sdk);
    let mut keys = std::collections::BTreeMap::new();
    let existing = kms.list_aliases().send().await.expect("list aliases");
    let known: std::collections::BTreeMap<String, String> = existing
        .aliases()
        .iter()
        .filter_map(|a| Some((a.alias_name()?.to_string(), a.target_key_id()?.to_string())))
        .collect();
    for (alias, policy) in [
        (GOOD_KEY, key_policy("")),
        (PUBLIC_KEY, key_policy(PUBLIC_KEY_STATEMENT)),
        (CALLER_ACCOUNT_KEY, key_policy(&caller_account_statement())),
        (DOOMED_KEY, key_policy("")),
    ] {
        let id = match known.get(alias) {
            Some(id) => id.clone(),
            None => key(&kms, alias, &policy).await,
        };
        keys.insert(alias, id);
    }
    if !known.contains_key(DOOMED_KEY) {
        kms.schedule_key_deletion()
            .key_id(&keys[DOOMED_KEY])
            .pending_window_in_days(7)
            .send()
            .await
            .expect("schedule deletion");
    }

    let ddb = dynamodb::Client::new(sdk);
    let listed = ddb.list_tables().send().await.expect("list tables");
    if !listed.table_names().iter().any(|t| t == TABLE_GOOD) {
        let good_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", keys[GOOD_KEY]);
        table(&ddb, TABLE_GOOD, Some(&good_arn), true).await;
        table(&ddb, TABLE_PLAIN, None, false).await;
        table(&ddb, TABLE_PUBLIC, Some(&good_arn), true).await;
        for (name, principal) in [
            (TABLE_GOOD, format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:role/zt-app"}}"#)),
            (TABLE_PUBLIC, r#""*""#.to_string()),
        ] {
            ddb.put_resource_policy()
                .resource_arn(format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{name}"))
                .policy(table_policy(name, &principal))
                .send()
                .await
                .unwrap_or_else(|e| panic!("table policy {name}: {e:?}"));
        }
    }

    let ssm = ssm::Client::new(sdk);
    let password = fresh_secret("Zq9!");
    let stripe = fresh_secret("sk_live_");
    use ssm::types::ParameterType::{SecureString, String as Plain, StringList};
    parameter(&ssm, PARAM_PASSWORD, Plain, &password).await;
    parameter(&ssm, PARAM_STRIPE, Plain, &stripe).await;
    parameter(&ssm, PARAM_PORT, Plain, "5432").await;
    parameter(&ssm, PARAM_URL, Plain, "https://api.example.com/v1").await;
    parameter(&ssm, PARAM_HOSTS, StringList, "10.0.0.1,10.0.0.2").await;
    parameter(&ssm, PARAM_SECURE, SecureString, &fresh_secret("Zq9!")).await;

    functions(sdk).await;
    let logs = logs::Client::new(sdk);
    for (name, retention) in [(FN_RETAINED, Some(14)), (FN_FOREVER, None)] {
        let group = format!("/aws/lambda/{name}");
        if let Err(e) = logs.create_log_group().log_group_name(&group).send().await {
            let code = logs::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("ResourceAlreadyExistsException"), "create log group {group}: {e:?}");
        }
        if let Some(days) = retention {
            logs.put_retention_policy().log_group_name(&group).retention_in_days(days).send().await.expect("retention");
        }
    }
    DataSeed { keys, planted_secrets: vec![password, stripe] }
}
