//! The data audit: every `dynamodb.*`, `kms.*`, `ssm.*` and `logs.*` rule over where the
//! region's serverless functions keep data and keys: DynamoDB tables, KMS keys, SSM parameters
//! and each function's CloudWatch Logs group. A full scan lists all four (each listing may fail
//! on its own); a Config change event for `AWS::DynamoDB::Table` or `AWS::KMS::Key` re-reads only
//! that table or key. Config records neither SSM parameters nor log groups, so the `ssm.*` and
//! `logs.*` rules run on the schedule only.
//!
//! The archive scope of a full scan is the rules of the services whose listing succeeded.
pub mod collector;

use self::collector::{DataCollector, IAM_ACTIONS};
use super::{evaluate_listing, ids, rescanned, AuditReport};
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};
use crate::context::ScanContext;
use crate::engine::same_outcome_for_all;
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::data::{region_of_arn, DataInventory};
use crate::rules::dynamodb::TABLE_RULES;
use crate::rules::kms::KEY_RULES;
use crate::rules::logs::FUNCTION_LOG_RULES;
use crate::rules::ssm::PARAMETER_RULES;

/// The data audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "data",
    function: "data-audit",
    title: "DynamoDB, KMS key policies, SSM parameters and Lambda log groups",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsDynamoDbTable", config_type: "AWS::DynamoDB::Table", id: ConfigId::ResourceId },
            ConfigName { finding_type: "AwsKmsKey", config_type: "AWS::KMS::Key", id: ConfigId::ResourceId },
        ],
        api_calls: &[],
        mode: "resource",
    },
    rules: || [metas(TABLE_RULES), metas(KEY_RULES), metas(PARAMETER_RULES), metas(FUNCTION_LOG_RULES)].concat(),
    change_rules: || [metas(TABLE_RULES), metas(KEY_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ListDataResources",
            why: "the listings have no resource-level scoping",
            actions: &[
                "dynamodb:ListTables",
                "kms:ListKeys",
                "ssm:DescribeParameters",
                "logs:DescribeLogGroups",
                "lambda:ListFunctions",
            ],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadTables",
            why: "descriptions, backup settings and resource policies of this account's tables in this region. Never an item read",
            actions: &["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:GetResourcePolicy"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"),
        },
        ReadGrant {
            sid: "ReadKeys",
            why: "descriptions and key policies of this account's keys in this region. Never kms:Decrypt",
            actions: &["kms:DescribeKey", "kms:GetKeyPolicy"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
        },
        ReadGrant {
            sid: "ReadPlainParameters",
            why: "String and StringList values, read with WithDecryption false and dropped after the secret detector; without kms:Decrypt a SecureString cannot be decrypted",
            actions: &["ssm:GetParameters"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*"),
        },
    ],
    // CloudWatch Logs: its read APIs have low account-wide quotas shared with every other caller
    // in the account and region (5 per second for `FilterLogEvents`/`GetLogEvents`,
    // <https://repost.aws/knowledge-center/cloudwatch-logs-throttling>), so `DescribeLogGroups`
    // is paced at 5 per second. DynamoDB's control plane, KMS's `ListKeys`/`DescribeKey`/
    // `GetKeyPolicy` and SSM's `DescribeParameters`/`GetParameters` get the shared 10 per second
    // per operation, below their published rates. The function listing uses the lambda audit's.
    api_rates: &[("cloudwatchlogs:DescribeLogGroups", 5)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(DataCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The data audit over its real collector.
struct Runner(DataCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

pub const TABLE_TYPE: &str = "AWS::DynamoDB::Table";
pub const KEY_TYPE: &str = "AWS::KMS::Key";

/// The Config resource types a change event may name (Config records neither
/// `AWS::SSM::Parameter` nor `AWS::Logs::LogGroup`).
pub const CHANGE_TYPES: &[&str] = &[TABLE_TYPE, KEY_TYPE];

/// Every rule id this audit runs.
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// Evaluate a collected inventory (pure). A failed listing makes that service's rules UNKNOWN on
/// the account.
pub fn evaluate(inventory: &DataInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut out = evaluate_listing(TABLE_RULES, &inventory.tables, "DynamoDB tables", ctx);
    out.extend(evaluate_listing(KEY_RULES, &inventory.keys, "KMS keys", ctx));
    out.extend(evaluate_listing(PARAMETER_RULES, &inventory.parameters, "SSM parameters", ctx));
    out.extend(evaluate_listing(FUNCTION_LOG_RULES, &inventory.function_logs, "Lambda functions", ctx));
    out
}

/// A full scan of the region.
pub async fn scan_all(collector: &DataCollector, ctx: &ScanContext) -> AuditReport {
    let inventory = collector.collect_all(&ctx.account).await;
    report_full(&inventory, ctx)
}

/// The report of a full scan over a collected inventory: the archive scope is the rules of
/// every service whose listing succeeded; no summary when none did.
pub fn report_full(inventory: &DataInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let listings = vec![
        (inventory.tables.is_ok(), ids(TABLE_RULES)),
        (inventory.keys.is_ok(), ids(KEY_RULES)),
        (inventory.parameters.is_ok(), ids(PARAMETER_RULES)),
        (inventory.function_logs.is_ok(), ids(FUNCTION_LOG_RULES)),
    ];
    AuditReport::full_scan_of_listings(AUDIT.name, findings, listings, ctx)
}

/// Re-evaluate the one table or key a Config change event names. One that no longer exists
/// gets NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &DataCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let rref = changed_ref(changed, ctx);
    let account = changed.account.as_deref().unwrap_or(&ctx.account);
    match changed.resource_type.as_str() {
        TABLE_TYPE => {
            let read = collector.collect_table(&table_name(changed), account).await;
            rescanned(TABLE_RULES, read, "table", &rref, &gone("table"), ctx)
        }
        KEY_TYPE => {
            let read = collector.collect_key(&key_id(changed), account).await;
            rescanned(KEY_RULES, read, "key", &rref, &gone("key"), ctx)
        }
        _ => AuditReport { findings: Vec::new(), summary: None },
    }
}

fn gone(what: &str) -> Outcome {
    Outcome::not_applicable(format!("the {what} no longer exists"))
}

/// The table name of a change event (Config's `resourceId` for a table is its name).
fn table_name(changed: &ChangedResource) -> String {
    match changed.resource_id.rsplit_once(":table/") {
        Some((_, name)) => name.to_string(),
        None => changed.resource_id.clone(),
    }
}

/// The key id of a change event (Config's `resourceId` for a key is its id).
fn key_id(changed: &ChangedResource) -> String {
    changed.resource_id.rsplit('/').next().unwrap_or(&changed.resource_id).to_string()
}

/// The resource reference of a table or key known only from the event: the id and ARN a full
/// scan uses, so the finding ids match.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let account = changed.account.clone().unwrap_or_else(|| ctx.account.clone());
    let from_event =
        changed.arn.clone().or_else(|| changed.resource_id.starts_with("arn:").then(|| changed.resource_id.clone()));
    let region = from_event.as_deref().and_then(region_of_arn).unwrap_or(&changed.region).to_string();
    let partition = crate::context::partition_for(&region);
    let (resource_type, id, arn) = if changed.resource_type == TABLE_TYPE {
        let name = table_name(changed);
        let arn = format!("arn:{partition}:dynamodb:{region}:{account}:table/{name}");
        ("AwsDynamoDbTable", name, arn)
    } else {
        let id = key_id(changed);
        let arn = format!("arn:{partition}:kms:{region}:{account}:key/{id}");
        ("AwsKmsKey", id, arn)
    };
    ResourceRef::new(resource_type, id, Some(arn), &account, &region)
}

/// NOT_APPLICABLE for every rule of a table or key that is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let rref = changed_ref(changed, ctx);
    match changed.resource_type.as_str() {
        TABLE_TYPE => same_outcome_for_all(TABLE_RULES, &rref, &gone("table"), ctx),
        KEY_TYPE => same_outcome_for_all(KEY_RULES, &rref, &gone("key"), ctx),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Resource;
    use crate::model::Status;
    use crate::resources::data::{denied, DynamoTable, KeyWithPolicy};

    fn changed(resource_type: &str, id: &str, deleted: bool) -> ChangedResource {
        ChangedResource { deleted, ..ChangedResource::fixture(resource_type, id) }
    }

    #[test]
    fn a_full_scan_reports_every_rule_per_resource_and_sweeps_all() {
        let ctx = ScanContext::fixture();
        let report = report_full(&DataInventory::fixture(), &ctx);
        assert_eq!(report.findings.len(), rule_ids().len());
        assert!(report.findings.iter().all(|f| f.status == Status::Pass), "{:?}", report.findings);
        let summary = report.summary.expect("complete listings ask for an archive sweep");
        assert_eq!((summary.rule_ids, summary.audit.as_str()), (rule_ids(), "data"));
    }

    #[test]
    fn one_failed_listing_is_unknown_on_the_account_and_left_out_of_the_sweep() {
        let ctx = ScanContext::fixture();
        let inv = DataInventory { parameters: Err(denied("ssm:DescribeParameters")), ..DataInventory::fixture() };
        let report = report_full(&inv, &ctx);
        let ssm: Vec<_> = report.findings.iter().filter(|f| f.rule_id.starts_with("ssm.")).collect();
        assert_eq!(ssm.len(), PARAMETER_RULES.len());
        for f in ssm {
            assert_eq!((f.status, f.resource.resource_type.as_str()), (Status::Unknown, "AwsAccount"));
            assert!(
                f.reason.contains("could not list SSM parameters: access denied on ssm:DescribeParameters"),
                "{}",
                f.reason
            );
        }
        let summary = report.summary.expect("the other services are still swept");
        assert!(summary.rule_ids.iter().all(|id| !id.starts_with("ssm.")), "{:?}", summary.rule_ids);
        assert!(summary.rule_ids.contains(&"kms.key-policy-not-public".to_string()));

        let none = DataInventory {
            tables: Err(denied("dynamodb:ListTables")),
            keys: Err(denied("kms:ListKeys")),
            parameters: Err(denied("ssm:DescribeParameters")),
            function_logs: Err(denied("lambda:ListFunctions")),
        };
        let report = report_full(&none, &ctx);
        assert!(report.summary.is_none());
        assert_eq!(report.findings.len(), rule_ids().len());
        assert!(report.findings.iter().all(|f| f.status == Status::Unknown));
    }

    #[test]
    fn deleted_tables_and_keys_are_not_applicable_under_the_same_finding_id() {
        let ctx = ScanContext::fixture();
        let key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let cases = [
            (changed(TABLE_TYPE, "orders", true), DynamoTable::fixture("orders").resource_ref(&ctx), TABLE_RULES.len()),
            (changed(KEY_TYPE, key_id, true), KeyWithPolicy::fixture(key_id).resource_ref(&ctx), KEY_RULES.len()),
        ];
        for (c, live, n) in cases {
            let findings = deleted(&c, &ctx);
            assert_eq!(findings.len(), n, "{}", c.resource_type);
            assert!(findings.iter().all(|f| f.status == Status::NotApplicable));
            assert_eq!(findings[0].resource, live, "{}: same resource, so the same finding id", c.resource_type);
        }
        assert!(deleted(&changed("AWS::SSM::Parameter", "/x", true), &ctx).is_empty());
    }

    #[test]
    fn names_and_ids_come_from_the_event() {
        assert_eq!(table_name(&changed(TABLE_TYPE, "orders", false)), "orders");
        assert_eq!(table_name(&changed(TABLE_TYPE, "arn:aws:dynamodb:us-east-1:1:table/orders", false)), "orders");
        assert_eq!(key_id(&changed(KEY_TYPE, "arn:aws:kms:us-east-1:1:key/k-1", false)), "k-1");
        assert_eq!(key_id(&changed(KEY_TYPE, "k-1", false)), "k-1");
    }

    #[test]
    fn the_sample_events_are_table_and_key_changes() {
        use crate::events::{parse_trigger, AuditTrigger};
        let samples = [
            (include_str!("../../../../events/config-change-dynamodb-table.json"), TABLE_TYPE, false),
            (include_str!("../../../../events/config-change-kms-key-deleted.json"), KEY_TYPE, true),
        ];
        let ctx = ScanContext::fixture();
        for (text, ty, is_deleted) in samples {
            let event: serde_json::Value = serde_json::from_str(text).expect("sample event is JSON");
            let Ok(AuditTrigger::ResourceChange(c)) = parse_trigger(&event, CHANGE_TYPES) else {
                panic!("{ty}: not a change event")
            };
            assert_eq!((c.resource_type.as_str(), c.deleted), (ty, is_deleted));
            let r = changed_ref(&c, &ctx);
            assert!(r.arn.as_deref().is_some_and(|a| a.starts_with("arn:aws:")), "{r:?}");
            assert!(!r.id.contains(':') && !r.id.contains('/'), "{r:?}");
        }
    }
}
