//! The data collector's real code path on answers moto cannot give, served by `aws-smithy-mocks`:
//! every listing over two pages; an AWS-managed key (`KeyManager: AWS`, which moto never says)
//! protecting a table; a table under another account's key; a function logging to a custom
//! group through `LoggingConfig` (which moto does not keep); `GetParameters` in batches of at
//! most 10 names with `WithDecryption` false, never naming a `SecureString`, and a parameter
//! deleted between the listing and the read; and AccessDenied on each of the collector's calls,
//! which makes exactly the rules that need that answer UNKNOWN, naming the call.

use std::collections::BTreeMap;

use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use ztscan::audit::data as data_audit;
use ztscan::audit::data::collector::sdk::{
    dynamodb as aws_sdk_dynamodb, logs as aws_sdk_cloudwatchlogs, ssm as aws_sdk_ssm,
};
use ztscan::audit::data::collector::{DataClients, DataCollector, IAM_ACTIONS};
use ztscan::audit::lambda::collector::LambdaCollector;
use ztscan::resources::data::{DataInventory, LogGroupState, TableEncryption};
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::seed::fresh_secret;
use ztscan_tests::ACCOUNT;

/// A client of `$sdk` answered by `rules` (first matching rule wins; rules of other services
/// never match).
macro_rules! client {
    ($sdk:ident, $rules:expr) => {{
        let interceptor =
            $rules.iter().fold(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny), |i, r| i.with_rule(r));
        let conf = $sdk::Config::builder()
            .behavior_version_latest()
            .region($sdk::config::Region::new("us-east-1"))
            .credentials_provider($sdk::config::Credentials::new("testing", "testing", None, None, "mocks"))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        $sdk::Client::from_conf(conf)
    }};
}

fn collector(rules: &[Rule]) -> DataCollector {
    let clients = DataClients {
        dynamodb: client!(aws_sdk_dynamodb, rules),
        kms: client!(aws_sdk_kms, rules),
        ssm: client!(aws_sdk_ssm, rules),
        logs: client!(aws_sdk_cloudwatchlogs, rules),
    };
    let lambda = LambdaCollector::from_clients(client!(aws_sdk_lambda, rules), client!(aws_sdk_ec2, rules), &config());
    DataCollector::from_clients(clients, lambda, &config())
}

fn config() -> ScanConfig {
    ScanConfig { page_size: Some(2), ..ScanConfig::default() }
}

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

fn denied() -> ErrorMetadata {
    ErrorMetadata::builder().code("AccessDeniedException").message("not authorised").build()
}

const KEY_CMK: &str = "k-cmk";
const KEY_AWS: &str = "k-aws";
const TABLE_CMK: &str = "t-cmk";
const TABLE_AWS: &str = "t-aws";
const TABLE_FOREIGN: &str = "t-foreign";
const FN_DEFAULT: &str = "f-default";
const FN_CUSTOM: &str = "f-custom";
const SECURE: &str = "/s/secure";
const LEAKY: &str = "/app/p03-password";
const GONE: &str = "/app/p05";

fn key_arn(id: &str) -> String {
    format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}")
}

/// The plain-text parameters: 12 `String`s on the first page, 11 `StringList`s on the second.
fn plain_names() -> Vec<String> {
    let mut names: Vec<String> =
        (0..12).map(|i| if i == 3 { LEAKY.to_string() } else { format!("/app/p{i:02}") }).collect();
    names.extend((0..11).map(|i| format!("/list/q{i:02}")));
    names
}

/// A healthy account, every listing over two pages. `planted` is the value of [`LEAKY`].
fn healthy(planted: &str) -> Vec<Rule> {
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_cloudwatchlogs::types::LogGroup;
    use aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput;
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
    use aws_sdk_dynamodb::operation::get_resource_policy::GetResourcePolicyError;
    use aws_sdk_dynamodb::operation::list_tables::ListTablesOutput;
    use aws_sdk_dynamodb::types as ddb;
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyOutput;
    use aws_sdk_kms::operation::list_keys::ListKeysOutput;
    use aws_sdk_kms::types::{KeyListEntry, KeyManagerType, KeyMetadata, KeyState};
    use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
    use aws_sdk_lambda::types::{FunctionConfiguration, LoggingConfig};
    use aws_sdk_ssm::operation::describe_parameters::DescribeParametersOutput;
    use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
    use aws_sdk_ssm::types::{Parameter, ParameterMetadata, ParameterType};

    let planted = planted.to_string();
    let tables_1 = mock!(aws_sdk_dynamodb::Client::list_tables)
        .match_requests(|r| r.exclusive_start_table_name().is_none())
        .then_output(|| {
            ListTablesOutput::builder()
                .table_names(TABLE_AWS)
                .table_names(TABLE_CMK)
                .last_evaluated_table_name(TABLE_CMK)
                .build()
        });
    let tables_2 = mock!(aws_sdk_dynamodb::Client::list_tables)
        .match_requests(|r| r.exclusive_start_table_name() == Some(TABLE_CMK))
        .then_output(|| ListTablesOutput::builder().table_names(TABLE_FOREIGN).build());
    let describe_table = mock!(aws_sdk_dynamodb::Client::describe_table).then_compute_output(|r| {
        let name = r.table_name().unwrap_or_default();
        let key = match name {
            TABLE_CMK => key_arn(KEY_CMK),
            TABLE_AWS => key_arn(KEY_AWS),
            _ => "arn:aws:kms:us-east-1:999999999999:key/shared".to_string(),
        };
        let sse = ddb::SseDescription::builder()
            .status(ddb::SseStatus::Enabled)
            .sse_type(ddb::SseType::Kms)
            .kms_master_key_arn(key)
            .build();
        DescribeTableOutput::builder()
            .table(
                ddb::TableDescription::builder()
                    .table_name(name)
                    .table_status(ddb::TableStatus::Active)
                    .sse_description(sse)
                    .deletion_protection_enabled(true)
                    .build(),
            )
            .build()
    });
    let backups = mock!(aws_sdk_dynamodb::Client::describe_continuous_backups).then_output(|| {
        let pitr = ddb::PointInTimeRecoveryDescription::builder()
            .point_in_time_recovery_status(ddb::PointInTimeRecoveryStatus::Enabled)
            .build();
        DescribeContinuousBackupsOutput::builder()
            .continuous_backups_description(
                ddb::ContinuousBackupsDescription::builder()
                    .continuous_backups_status(ddb::ContinuousBackupsStatus::Enabled)
                    .point_in_time_recovery_description(pitr)
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let no_table_policy = mock!(aws_sdk_dynamodb::Client::get_resource_policy).then_error(|| {
        GetResourcePolicyError::PolicyNotFoundException(
            ddb::error::PolicyNotFoundException::builder().message("none").build(),
        )
    });

    let keys_1 = mock!(aws_sdk_kms::Client::list_keys).match_requests(|r| r.marker().is_none()).then_output(|| {
        ListKeysOutput::builder()
            .keys(KeyListEntry::builder().key_id(KEY_CMK).key_arn(key_arn(KEY_CMK)).build())
            .next_marker("m1")
            .truncated(true)
            .build()
    });
    let keys_2 = mock!(aws_sdk_kms::Client::list_keys).match_requests(|r| r.marker() == Some("m1")).then_output(|| {
        ListKeysOutput::builder()
            .keys(KeyListEntry::builder().key_id(KEY_AWS).key_arn(key_arn(KEY_AWS)).build())
            .build()
    });
    let describe_key = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|r| r.key_id().is_some_and(|k| k.ends_with(KEY_CMK) || k.ends_with(KEY_AWS)))
        .then_compute_output(|r| {
            let id = r.key_id().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
            let manager = if id == KEY_AWS { KeyManagerType::Aws } else { KeyManagerType::Customer };
            DescribeKeyOutput::builder()
                .key_metadata(
                    KeyMetadata::builder()
                        .key_id(&id)
                        .arn(key_arn(&id))
                        .key_manager(manager)
                        .key_state(KeyState::Enabled)
                        .enabled(true)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let key_policy = mock!(aws_sdk_kms::Client::get_key_policy)
        .match_requests(|r| r.key_id() == Some(KEY_CMK) && r.policy_name() == Some("default"))
        .then_output(|| {
            GetKeyPolicyOutput::builder()
                .policy(format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
                ))
                .build()
        });

    let names = plain_names();
    let (first, second) = names.split_at(12);
    let (first, second) = (first.to_vec(), second.to_vec());
    let parameters_1 = mock!(aws_sdk_ssm::Client::describe_parameters)
        .match_requests(|r| r.next_token().is_none())
        .then_output(move || {
            let mut out = DescribeParametersOutput::builder()
                .parameters(ParameterMetadata::builder().name(SECURE).r#type(ParameterType::SecureString).build());
            for name in &first {
                out = out.parameters(ParameterMetadata::builder().name(name).r#type(ParameterType::String).build());
            }
            out.next_token("n1").build()
        });
    let parameters_2 = mock!(aws_sdk_ssm::Client::describe_parameters)
        .match_requests(|r| r.next_token() == Some("n1"))
        .then_output(move || {
            let mut out = DescribeParametersOutput::builder();
            for name in &second {
                out = out.parameters(ParameterMetadata::builder().name(name).r#type(ParameterType::StringList).build());
            }
            out.build()
        });
    // Only plain-text names, at most 10 a call, never decrypted: anything else matches no rule
    // and fails the read.
    let values = mock!(aws_sdk_ssm::Client::get_parameters)
        .match_requests(|r| {
            r.with_decryption() == Some(false) && r.names().len() <= 10 && !r.names().iter().any(|n| n == SECURE)
        })
        .then_compute_output(move |r| {
            let mut out = GetParametersOutput::builder();
            for name in r.names() {
                if name == GONE {
                    out = out.invalid_parameters(name);
                    continue;
                }
                let value = if name == LEAKY { planted.clone() } else { "42".to_string() };
                out =
                    out.parameters(Parameter::builder().name(name).r#type(ParameterType::String).value(value).build());
            }
            out.build()
        });

    let functions_1 =
        mock!(aws_sdk_lambda::Client::list_functions).match_requests(|r| r.marker().is_none()).then_output(|| {
            ListFunctionsOutput::builder()
                .functions(
                    FunctionConfiguration::builder()
                        .function_name(FN_DEFAULT)
                        .function_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FN_DEFAULT}"))
                        .build(),
                )
                .next_marker("f1")
                .build()
        });
    let functions_2 =
        mock!(aws_sdk_lambda::Client::list_functions).match_requests(|r| r.marker() == Some("f1")).then_output(|| {
            ListFunctionsOutput::builder()
                .functions(
                    FunctionConfiguration::builder()
                        .function_name(FN_CUSTOM)
                        .function_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FN_CUSTOM}"))
                        .logging_config(LoggingConfig::builder().log_group("/shared/app").build())
                        .build(),
                )
                .build()
        });
    let lambda_groups_1 = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .match_requests(|r| r.log_group_name_prefix() == Some("/aws/lambda/") && r.next_token().is_none())
        .then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(LogGroup::builder().log_group_name("/aws/lambda/a-retired").build())
                .next_token("g1")
                .build()
        });
    let lambda_groups_2 = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .match_requests(|r| r.log_group_name_prefix() == Some("/aws/lambda/") && r.next_token() == Some("g1"))
        .then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(
                    LogGroup::builder()
                        .log_group_name(format!("/aws/lambda/{FN_DEFAULT}"))
                        .retention_in_days(7)
                        .build(),
                )
                .build()
        });
    let custom_groups = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .match_requests(|r| r.log_group_name_prefix() == Some("/shared/app"))
        .then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(LogGroup::builder().log_group_name("/shared/app").build())
                .log_groups(LogGroup::builder().log_group_name("/shared/app-old").retention_in_days(1).build())
                .build()
        });
    vec![
        tables_1,
        tables_2,
        describe_table,
        backups,
        no_table_policy,
        keys_1,
        keys_2,
        describe_key,
        key_policy,
        parameters_1,
        parameters_2,
        values,
        functions_1,
        functions_2,
        lambda_groups_1,
        lambda_groups_2,
        custom_groups,
    ]
}

async fn inventory(rules: &[Rule]) -> DataInventory {
    collector(rules).collect_all(ACCOUNT).await
}

fn by_rule_and_resource(findings: &[Finding]) -> BTreeMap<(String, String), (Status, String)> {
    findings.iter().map(|f| ((f.rule_id.clone(), f.resource.id.clone()), (f.status, f.reason.clone()))).collect()
}

#[tokio::test]
async fn every_listing_pages_and_each_fact_lands_where_it_belongs() {
    let planted = fresh_secret("Zq9!");
    let rules = healthy(&planted);
    let inv = inventory(&rules).await;

    let tables = inv.tables.as_ref().expect("tables listed");
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec![TABLE_AWS, TABLE_CMK, TABLE_FOREIGN], "both pages");
    let manager =
        |name: &str| match &tables.iter().find(|t| t.name == name).unwrap().description.as_ref().unwrap().encryption {
            TableEncryption::Kms { manager, .. } => manager.clone(),
            other => panic!("{other:?}"),
        };
    assert_eq!(manager(TABLE_CMK).as_deref(), Ok("CUSTOMER"));
    assert_eq!(manager(TABLE_AWS).as_deref(), Ok("AWS"));
    assert_eq!(manager(TABLE_FOREIGN).as_deref(), Ok("CUSTOMER"), "another account's key is never AWS-managed");

    let keys = inv.keys.as_ref().expect("keys listed");
    assert_eq!(keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), vec![KEY_AWS, KEY_CMK], "both pages");
    assert_eq!(keys[0].policy, Ok(None), "an AWS-managed key's policy is not read");
    assert_eq!(rules[8].num_calls(), 1, "GetKeyPolicy once, for the customer-managed key");

    let parameters = inv.parameters.as_ref().expect("parameters listed");
    assert_eq!(parameters.len(), 1 + 23 - 1, "the SecureString, and every plain one but the deleted one");
    assert!(parameters.iter().all(|p| p.name != GONE));
    assert_eq!(rules[11].num_calls(), 3, "22 + 1 plain names in batches of at most 10");
    let leaky = parameters.iter().find(|p| p.name == LEAKY).unwrap();
    assert_eq!(leaky.detection, Ok(Some(ztscan::secrets::patterns::GENERIC)));
    assert!(parameters.iter().filter(|p| p.name != LEAKY).all(|p| p.detection == Ok(None)), "{parameters:?}");
    assert!(!format!("{inv:?}").contains(&planted), "the value was dropped after the detector");

    let logs = inv.function_logs.as_ref().expect("functions listed");
    let group = |name: &str| logs.iter().find(|f| f.function_name == name).unwrap();
    assert_eq!(
        (group(FN_DEFAULT).log_group.as_str(), group(FN_DEFAULT).group.clone()),
        ("/aws/lambda/f-default", Ok(LogGroupState::Retained(7)))
    );
    assert_eq!(
        (group(FN_CUSTOM).log_group.as_str(), group(FN_CUSTOM).group.clone()),
        ("/shared/app", Ok(LogGroupState::NeverExpires))
    );

    let report = data_audit::report_full(&inv, &ctx());
    let f = by_rule_and_resource(&report.findings);
    let get = |rule: &str, id: &str| {
        f.get(&(rule.to_string(), id.to_string())).cloned().unwrap_or_else(|| panic!("{rule} {id}"))
    };
    assert_eq!(get("dynamodb.table-encrypted-with-cmk", TABLE_CMK).0, Status::Pass);
    let (s, why) = get("dynamodb.table-encrypted-with-cmk", TABLE_AWS);
    assert!(s == Status::Fail && why.contains("AWS-managed key aws/dynamodb"), "{why}");
    assert_eq!(get("dynamodb.table-encrypted-with-cmk", TABLE_FOREIGN).0, Status::Pass);
    assert_eq!(get("kms.key-policy-not-public", KEY_AWS).0, Status::NotApplicable);
    assert_eq!(get("kms.key-not-pending-deletion", KEY_AWS).0, Status::NotApplicable);
    assert_eq!(get("kms.key-policy-not-public", KEY_CMK).0, Status::Pass);
    assert_eq!(get("ssm.parameter-secrets-are-secure-strings", LEAKY).0, Status::Fail);
    assert_eq!(get("ssm.parameter-secrets-are-secure-strings", SECURE).0, Status::NotApplicable);
    let (s, why) = get("logs.lambda-log-group-retention-set", FN_CUSTOM);
    assert!(s == Status::Fail && why.contains("/shared/app") && why.contains("never expire"), "{why}");
    assert!(report.findings.iter().all(|f| f.status != Status::Unknown));
    assert!(!serde_json::to_string(&report.findings).unwrap().contains(&planted));
}

/// A rule answering `$op` with AccessDenied.
macro_rules! deny {
    ($op:path, $error:path) => {
        mock!($op).then_error(|| <$error>::generic(denied()))
    };
}

/// The rules, and for each the resources, that must be UNKNOWN when a call is denied.
type Expected<'a> = Vec<(&'a str, Vec<&'a str>)>;

#[tokio::test]
async fn access_denied_on_each_call_makes_exactly_the_rules_that_need_it_unknown() {
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsError;
    use aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsError;
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
    use aws_sdk_dynamodb::operation::get_resource_policy::GetResourcePolicyError;
    use aws_sdk_dynamodb::operation::list_tables::ListTablesError;
    use aws_sdk_kms::operation::describe_key::DescribeKeyError;
    use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyError;
    use aws_sdk_kms::operation::list_keys::ListKeysError;
    use aws_sdk_lambda::operation::list_functions::ListFunctionsError;
    use aws_sdk_ssm::operation::describe_parameters::DescribeParametersError;
    use aws_sdk_ssm::operation::get_parameters::GetParametersError;

    let all_tables = [TABLE_AWS, TABLE_CMK, TABLE_FOREIGN];
    // A parameter whose read failed cannot be known to be gone: all 23 plain ones are UNKNOWN.
    let plain_all = plain_names();
    let plain: Vec<&str> = plain_all.iter().map(String::as_str).collect();
    // (action, the failing rule, (rule, resources) that must be UNKNOWN naming the action).
    let cases: Vec<(&str, Rule, Expected)> = vec![
        (
            "dynamodb:ListTables",
            deny!(aws_sdk_dynamodb::Client::list_tables, ListTablesError),
            vec![
                ("dynamodb.table-encrypted-with-cmk", vec![ACCOUNT]),
                ("dynamodb.pitr-enabled", vec![ACCOUNT]),
                ("dynamodb.deletion-protection-enabled", vec![ACCOUNT]),
                ("dynamodb.table-not-public", vec![ACCOUNT]),
            ],
        ),
        (
            "dynamodb:DescribeTable",
            deny!(aws_sdk_dynamodb::Client::describe_table, DescribeTableError),
            vec![
                ("dynamodb.table-encrypted-with-cmk", all_tables.to_vec()),
                ("dynamodb.deletion-protection-enabled", all_tables.to_vec()),
            ],
        ),
        (
            "dynamodb:DescribeContinuousBackups",
            deny!(aws_sdk_dynamodb::Client::describe_continuous_backups, DescribeContinuousBackupsError),
            vec![("dynamodb.pitr-enabled", all_tables.to_vec())],
        ),
        (
            "dynamodb:GetResourcePolicy",
            deny!(aws_sdk_dynamodb::Client::get_resource_policy, GetResourcePolicyError),
            vec![("dynamodb.table-not-public", all_tables.to_vec())],
        ),
        (
            "kms:ListKeys",
            deny!(aws_sdk_kms::Client::list_keys, ListKeysError),
            vec![("kms.key-policy-not-public", vec![ACCOUNT]), ("kms.key-not-pending-deletion", vec![ACCOUNT])],
        ),
        (
            "kms:DescribeKey",
            deny!(aws_sdk_kms::Client::describe_key, DescribeKeyError),
            vec![
                ("kms.key-policy-not-public", vec![KEY_AWS, KEY_CMK]),
                ("kms.key-not-pending-deletion", vec![KEY_AWS, KEY_CMK]),
                ("dynamodb.table-encrypted-with-cmk", vec![TABLE_AWS, TABLE_CMK]),
            ],
        ),
        (
            "kms:GetKeyPolicy",
            deny!(aws_sdk_kms::Client::get_key_policy, GetKeyPolicyError),
            vec![("kms.key-policy-not-public", vec![KEY_CMK])],
        ),
        (
            "ssm:DescribeParameters",
            deny!(aws_sdk_ssm::Client::describe_parameters, DescribeParametersError),
            vec![("ssm.parameter-secrets-are-secure-strings", vec![ACCOUNT])],
        ),
        (
            "ssm:GetParameters",
            deny!(aws_sdk_ssm::Client::get_parameters, GetParametersError),
            vec![("ssm.parameter-secrets-are-secure-strings", plain.clone())],
        ),
        (
            "lambda:ListFunctions",
            deny!(aws_sdk_lambda::Client::list_functions, ListFunctionsError),
            vec![("logs.lambda-log-group-retention-set", vec![ACCOUNT])],
        ),
        (
            "logs:DescribeLogGroups",
            deny!(aws_sdk_cloudwatchlogs::Client::describe_log_groups, DescribeLogGroupsError),
            vec![("logs.lambda-log-group-retention-set", vec![FN_CUSTOM, FN_DEFAULT])],
        ),
    ];
    let mut covered: Vec<&str> = cases.iter().map(|(a, _, _)| *a).collect();
    covered.sort_unstable();
    let mut declared = IAM_ACTIONS.to_vec();
    declared.sort_unstable();
    assert_eq!(covered, declared, "AccessDenied is tested on every call the collector makes");

    let ctx = ctx();
    for (action, failing, want) in cases {
        let mut rules = vec![failing];
        rules.extend(healthy("q8Zr2LwX5vN0pK7tB3mY"));
        let report = data_audit::report_full(&inventory(&rules).await, &ctx);
        let f = by_rule_and_resource(&report.findings);
        let mut expected_unknown = 0;
        for (rule, resources) in &want {
            for id in resources {
                let (s, why) = f
                    .get(&(rule.to_string(), id.to_string()))
                    .cloned()
                    .unwrap_or_else(|| panic!("{action}: no {rule} for {id}"));
                assert_eq!(s, Status::Unknown, "{action}: {rule} {id}: {why}");
                assert!(why.contains(&format!("access denied on {action}")), "{action}: {rule} {id}: {why}");
                expected_unknown += 1;
            }
        }
        let unknown = report.findings.iter().filter(|f| f.status == Status::Unknown).count();
        assert_eq!(
            unknown,
            expected_unknown,
            "{action}: only those rules are UNKNOWN: {:?}",
            report
                .findings
                .iter()
                .filter(|f| f.status == Status::Unknown)
                .map(|f| (&f.rule_id, &f.resource.id, &f.reason))
                .collect::<Vec<_>>()
        );
    }
}
