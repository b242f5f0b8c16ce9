//! The data collector: where the region's serverless functions keep data and keys.
//!
//! - **DynamoDB**: paginated `ListTables`, then per table `DescribeTable`,
//!   `DescribeContinuousBackups` and `GetResourcePolicy` (each kept on the table, so one failed
//!   read makes only its rule UNKNOWN). Who manages a table's KMS key comes from the key
//!   listing below (`DescribeKey` for a key the listing does not hold); a key in another
//!   account is customer-managed by construction.
//! - **KMS**: the account audit's key listing (`audit::account::collector::list_keys`, paginated
//!   `ListKeys`), `DescribeKey` per key, and `GetKeyPolicy` (`default`) per customer-managed key.
//!   Never `kms:Decrypt`.
//! - **SSM**: paginated `DescribeParameters` (names and types), then `GetParameters` with
//!   `WithDecryption` false for `String` and `StringList` parameters only, in batches of 10.
//!   **Values are dropped here**: each goes through the shared secret detector the moment its
//!   batch arrives (exactly as the Lambda collector treats environment variables) and only the
//!   detector's id is kept. Nothing in this module logs, formats or stores a value. A
//!   `SecureString` is never read.
//! - **CloudWatch Logs**: the function list from the Lambda collector's own listing
//!   (`LambdaCollector::list_converted`, `ListFunctions`), each function's group
//!   (`LoggingConfig.LogGroup`, else `/aws/lambda/<name>`), and `DescribeLogGroups`: one
//!   paginated listing under the `/aws/lambda/` prefix, plus one per distinct custom group
//!   outside it.
//!
//! Every request waits for a permit of one semaphore of `ScanConfig::concurrency`. A failed
//! listing is the inventory's error for that service (its rules UNKNOWN on the account, no
//! archive sweep for them); any other failure is kept on the resource it concerns.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_lambda::types::FunctionConfiguration;
use futures_util::stream::{self, StreamExt};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::audit::account::collector::{key_arn, list_keys};
use crate::audit::lambda::collector::LambdaCollector;
use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::data::{
    parameter_arn, DataInventory, DynamoTable, FunctionLogGroup, KeyDescription, KeyWithPolicy, LogGroupState,
    ParameterType, SsmParameter, TableDescription, TableEncryption, CUSTOMER_MANAGED,
};
use crate::scan_config::ScanConfig;
use crate::secrets::Detector;

/// The SDK crates this collector adds, for the integration tests' seeding and mocks (their one
/// version pin is in `shared/Cargo.toml`).
pub mod sdk {
    pub use aws_sdk_cloudwatchlogs as logs;
    pub use aws_sdk_dynamodb as dynamodb;
    pub use aws_sdk_ssm as ssm;
}

/// Every IAM action this collector calls, as data. The data-audit role must grant exactly these
/// (checked by `tests/tests/template_permissions.rs`); `kms:Decrypt` and `ssm:GetParameter*`
/// with decryption are not among them, so a `SecureString` cannot be read.
pub const IAM_ACTIONS: &[&str] = &[
    LIST_TABLES,
    DESCRIBE_TABLE,
    DESCRIBE_BACKUPS,
    GET_TABLE_POLICY,
    LIST_KEYS,
    DESCRIBE_KEY,
    GET_KEY_POLICY,
    DESCRIBE_PARAMETERS,
    GET_PARAMETERS,
    DESCRIBE_LOG_GROUPS,
    LIST_FUNCTIONS,
];

const LIST_TABLES: &str = "dynamodb:ListTables";
const DESCRIBE_TABLE: &str = "dynamodb:DescribeTable";
const DESCRIBE_BACKUPS: &str = "dynamodb:DescribeContinuousBackups";
const GET_TABLE_POLICY: &str = "dynamodb:GetResourcePolicy";
const LIST_KEYS: &str = "kms:ListKeys";
const DESCRIBE_KEY: &str = "kms:DescribeKey";
const GET_KEY_POLICY: &str = "kms:GetKeyPolicy";
const DESCRIBE_PARAMETERS: &str = "ssm:DescribeParameters";
const GET_PARAMETERS: &str = "ssm:GetParameters";
const DESCRIBE_LOG_GROUPS: &str = "logs:DescribeLogGroups";
const LIST_FUNCTIONS: &str = "lambda:ListFunctions";

/// `GetParameters` accepts at most 10 names per call.
pub const PARAMETERS_PER_CALL: usize = 10;
/// `DescribeParameters` returns at most 50 per page.
const MAX_PARAMETER_PAGE: i32 = 50;
/// `ListTables` returns at most 100 per page.
const MAX_TABLE_PAGE: i32 = 100;
/// `DescribeLogGroups` returns at most 50 per page.
const MAX_LOG_GROUP_PAGE: i32 = 50;
/// The prefix of every function's default log group.
const LAMBDA_LOG_PREFIX: &str = "/aws/lambda/";

/// What the secret detector said about one parameter's value (the detector's id, or `None`),
/// or why the value could not be read; `None` when the parameter no longer exists.
type Verdict = Option<Collected<Option<&'static str>>>;

/// The clients the data collector reads with (tests pass mocked ones).
#[derive(Clone, Debug)]
pub struct DataClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub kms: aws_sdk_kms::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl DataClients {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            kms: aws_sdk_kms::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
        }
    }
}

/// Reads DynamoDB tables, KMS keys, SSM parameters and functions' log groups for one account and
/// region.
#[derive(Clone)]
pub struct DataCollector {
    clients: DataClients,
    lambda: LambdaCollector,
    detector: Detector,
    permits: Arc<Semaphore>,
    concurrency: usize,
    page_size: Option<i32>,
}

impl DataCollector {
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_clients(DataClients::new(sdk), LambdaCollector::new(sdk, config), config)
    }

    /// A collector over given clients and function lister.
    pub fn from_clients(clients: DataClients, lambda: LambdaCollector, config: &ScanConfig) -> Self {
        let concurrency = config.concurrency.max(1);
        Self {
            clients,
            lambda,
            detector: Detector::new(&config.secret_ignore),
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            page_size: config.page_size,
        }
    }

    async fn permit(&self) -> Option<SemaphorePermit<'_>> {
        // The semaphore is never closed, so this is always `Some`.
        self.permits.acquire().await.ok()
    }

    /// The client's region, for ARNs the API does not give.
    fn region(&self) -> String {
        self.clients.dynamodb.config().region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string())
    }

    /// Everything of the region. `account` builds ARNs the API leaves out. Never fails as a
    /// whole: each listing that failed is that service's error.
    pub async fn collect_all(&self, account: &str) -> DataInventory {
        let (keys, tables, parameters, function_logs) =
            tokio::join!(self.keys(account), self.tables(account), self.parameters(account), self.function_logs());
        let tables = match tables {
            Ok(tables) => Ok(self.with_key_managers(tables, &keys, account).await),
            Err(e) => Err(e),
        };
        DataInventory { tables, keys, parameters, function_logs }
    }

    // ---- DynamoDB ----

    async fn tables(&self, account: &str) -> Collected<Vec<DynamoTable>> {
        let request = self.clients.dynamodb.list_tables().set_limit(self.page_size.map(|p| p.clamp(1, MAX_TABLE_PAGE)));
        let pages = all_pages(LIST_TABLES, Some(&self.permits), request.into_paginator().send()).await?;
        let names: Vec<String> = pages.iter().flat_map(|p| p.table_names()).cloned().collect();
        let mut tables: Vec<DynamoTable> = stream::iter(names)
            .map(|name| self.read_table(name, account))
            .buffer_unordered(self.concurrency)
            .filter_map(|t| async move { t })
            .collect()
            .await;
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tables)
    }

    /// One table by name (a Config change event): `Ok(None)` when it no longer exists.
    pub async fn collect_table(&self, name: &str, account: &str) -> Collected<Option<DynamoTable>> {
        let Some(table) = self.read_table(name.to_string(), account).await else { return Ok(None) };
        if let Err(e) = &table.description {
            return Err(e.clone());
        }
        Ok(self.with_key_managers(vec![table], &Ok(Vec::new()), account).await.into_iter().next())
    }

    /// The table's three reads; `None` when `DescribeTable` says it is gone. The key manager is
    /// filled in later ([`Self::with_key_managers`]).
    async fn read_table(&self, name: String, account: &str) -> Option<DynamoTable> {
        let region = self.region();
        let arn = format!("arn:{}:dynamodb:{region}:{account}:table/{name}", crate::context::partition_for(&region));
        let (description, pitr_enabled, policy) =
            tokio::join!(self.describe_table(&name), self.pitr(&name), self.table_policy(&name, &arn));
        let description = match description {
            Ok(None) => return None,
            Ok(Some(d)) => Ok(d),
            Err(e) => Err(e),
        };
        Some(DynamoTable { name, arn, region, description, pitr_enabled, policy })
    }

    async fn describe_table(&self, name: &str) -> Collected<Option<TableDescription>> {
        let out = {
            let _permit = self.permit().await;
            self.clients.dynamodb.describe_table().table_name(name).send().await
        };
        let out = match out {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => return Ok(None),
            Err(e) => return Err(sdk_error(DESCRIBE_TABLE, &e)),
        };
        let Some(t) = out.table() else {
            return Err(CollectError::new(
                CollectErrorKind::Malformed,
                DESCRIBE_TABLE,
                format!("the answer for table {name} has no Table"),
            ));
        };
        let sse = t.sse_description();
        let kms = sse.filter(|s| s.sse_type().is_some_and(|k| k.as_str() == "KMS"));
        let encryption = match kms.and_then(|s| s.kms_master_key_arn()) {
            Some(key_arn) => TableEncryption::Kms {
                key_arn: key_arn.to_string(),
                // Filled in from the key listing.
                manager: Ok(String::new()),
            },
            None if kms.is_some() => {
                return Err(CollectError::new(
                    CollectErrorKind::Malformed,
                    DESCRIBE_TABLE,
                    format!("table {name} is encrypted with KMS but the answer names no key"),
                ))
            }
            None => TableEncryption::AwsOwned,
        };
        Ok(Some(TableDescription {
            status: t.table_status().map(|s| s.as_str().to_string()).unwrap_or_else(|| "UNKNOWN".into()),
            encryption,
            deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
        }))
    }

    async fn pitr(&self, name: &str) -> Collected<bool> {
        let out = {
            let _permit = self.permit().await;
            required(
                DESCRIBE_BACKUPS,
                self.clients.dynamodb.describe_continuous_backups().table_name(name).send().await,
            )?
        };
        let status = out
            .continuous_backups_description()
            .and_then(|c| c.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status());
        Ok(status.is_some_and(|s| s.as_str() == "ENABLED"))
    }

    async fn table_policy(&self, name: &str, arn: &str) -> Collected<Option<PolicyDocument>> {
        let out = {
            let _permit = self.permit().await;
            self.clients.dynamodb.get_resource_policy().resource_arn(arn).send().await
        };
        let out = match out {
            Ok(out) => out,
            // A table without a policy: a fact, not an error.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_policy_not_found_exception()) => return Ok(None),
            Err(e) => return Err(sdk_error(GET_TABLE_POLICY, &e)),
        };
        match out.policy().map(str::trim).filter(|p| !p.is_empty()) {
            None => Ok(None),
            Some(text) => PolicyDocument::parse(text).map(Some).map_err(|e| {
                CollectError::new(
                    CollectErrorKind::Malformed,
                    GET_TABLE_POLICY,
                    format!("resource policy of table {name}: {e}"),
                )
            }),
        }
    }

    /// Who manages each KMS-encrypted table's key: from `keys` (the region's key listing) when it
    /// holds the key, else `DescribeKey` on it; a key of another account is customer-managed.
    async fn with_key_managers(
        &self,
        mut tables: Vec<DynamoTable>,
        keys: &Collected<Vec<KeyWithPolicy>>,
        account: &str,
    ) -> Vec<DynamoTable> {
        let listed: HashMap<&str, &Collected<KeyDescription>> = match keys {
            Ok(keys) => keys.iter().map(|k| (k.arn.as_str(), &k.description)).collect(),
            Err(_) => HashMap::new(),
        };
        let mut described: HashMap<String, Collected<String>> = HashMap::new();
        for table in &mut tables {
            let Ok(TableDescription { encryption: TableEncryption::Kms { key_arn, manager }, .. }) =
                &mut table.description
            else {
                continue;
            };
            let key_account = key_arn.split(':').nth(4).unwrap_or_default();
            *manager = if !key_account.is_empty() && key_account != account {
                Ok(CUSTOMER_MANAGED.to_string())
            } else if let Some(d) = listed.get(key_arn.as_str()) {
                d.as_ref().map(|d| d.manager.clone()).map_err(Clone::clone)
            } else if let Some(read) = described.get(key_arn.as_str()) {
                read.clone()
            } else {
                let read = self.describe_key(key_arn).await.and_then(|d| {
                    d.map(|(_, _, d)| d.manager).ok_or_else(|| {
                        CollectError::new(
                            CollectErrorKind::Malformed,
                            DESCRIBE_KEY,
                            format!("the table's key {key_arn} does not exist"),
                        )
                    })
                });
                described.insert(key_arn.clone(), read.clone());
                read
            };
        }
        tables
    }

    // ---- KMS ----

    async fn keys(&self, account: &str) -> Collected<Vec<KeyWithPolicy>> {
        let listed = list_keys(&self.clients.kms, self.page_size, &self.permits).await?;
        let region = self.region();
        let mut keys: Vec<KeyWithPolicy> = stream::iter(listed)
            .map(|(id, arn)| {
                let arn = arn.unwrap_or_else(|| key_arn(&region, account, &id));
                async move { self.read_key(id, arn).await }
            })
            .buffer_unordered(self.concurrency)
            .filter_map(|k| async move { k })
            .collect()
            .await;
        keys.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(keys)
    }

    /// One key by id or ARN (a Config change event): `Ok(None)` when it no longer exists.
    pub async fn collect_key(&self, key_id: &str, account: &str) -> Collected<Option<KeyWithPolicy>> {
        let id = key_id.rsplit('/').next().unwrap_or(key_id).to_string();
        let arn = if key_id.starts_with("arn:") { key_id.to_string() } else { key_arn(&self.region(), account, &id) };
        match self.read_key(id, arn).await {
            Some(KeyWithPolicy { description: Err(e), .. }) => Err(e),
            other => Ok(other),
        }
    }

    /// `DescribeKey`, then `GetKeyPolicy` for a customer-managed key. `None` when the key is
    /// gone; a failed description is kept on the key.
    async fn read_key(&self, id: String, arn: String) -> Option<KeyWithPolicy> {
        let region = crate::resources::region_of_arn(&arn).map(str::to_string).unwrap_or_else(|| self.region());
        let (id, arn, description) = match self.describe_key(&arn).await {
            Ok(None) => return None,
            Ok(Some((described_id, described_arn, d))) => (described_id, described_arn.unwrap_or(arn), Ok(d)),
            Err(e) => (id, arn, Err(e)),
        };
        let policy = match &description {
            Err(e) => Err(e.clone()),
            Ok(d) if !d.manager.eq_ignore_ascii_case(CUSTOMER_MANAGED) => Ok(None),
            Ok(_) => self.key_policy(&id).await.map(Some),
        };
        Some(KeyWithPolicy { id, arn, region, description, policy })
    }

    /// The key's id, ARN and description; `None` when it does not exist.
    async fn describe_key(&self, key: &str) -> Collected<Option<(String, Option<String>, KeyDescription)>> {
        let out = {
            let _permit = self.permit().await;
            self.clients.kms.describe_key().key_id(key).send().await
        };
        let out = match out {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => return Ok(None),
            Err(e) => return Err(sdk_error(DESCRIBE_KEY, &e)),
        };
        let Some(meta) = out.key_metadata() else {
            return Err(CollectError::new(
                CollectErrorKind::Malformed,
                DESCRIBE_KEY,
                format!("no KeyMetadata for key {key}"),
            ));
        };
        let description = KeyDescription {
            manager: meta.key_manager().map(|m| m.as_str().to_string()).unwrap_or_else(|| CUSTOMER_MANAGED.into()),
            state: meta.key_state().map(|s| s.as_str().to_string()).unwrap_or_else(|| {
                if meta.enabled() {
                    "Enabled".into()
                } else {
                    "Disabled".into()
                }
            }),
            deletion_date: meta
                .deletion_date()
                .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
        };
        Ok(Some((meta.key_id().to_string(), meta.arn().map(str::to_string), description)))
    }

    async fn key_policy(&self, id: &str) -> Collected<PolicyDocument> {
        let out = {
            let _permit = self.permit().await;
            required(GET_KEY_POLICY, self.clients.kms.get_key_policy().key_id(id).policy_name("default").send().await)?
        };
        let text = out.policy().map(str::trim).filter(|p| !p.is_empty()).ok_or_else(|| {
            CollectError::new(CollectErrorKind::Malformed, GET_KEY_POLICY, format!("key {id} returned no policy"))
        })?;
        PolicyDocument::parse(text).map_err(|e| {
            CollectError::new(CollectErrorKind::Malformed, GET_KEY_POLICY, format!("key policy of key {id}: {e}"))
        })
    }

    // ---- SSM ----

    async fn parameters(&self, account: &str) -> Collected<Vec<SsmParameter>> {
        let region = self.region();
        let request = self
            .clients
            .ssm
            .describe_parameters()
            .set_max_results(Some(self.page_size.map_or(MAX_PARAMETER_PAGE, |p| p.clamp(1, MAX_PARAMETER_PAGE))));
        let pages = all_pages(DESCRIBE_PARAMETERS, Some(&self.permits), request.into_paginator().send()).await?;
        let mut listed: Vec<SsmParameter> = Vec::new();
        for meta in pages.iter().flat_map(|p| p.parameters()) {
            let Some(name) = meta.name().filter(|n| !n.is_empty()) else {
                return Err(CollectError::new(
                    CollectErrorKind::Malformed,
                    DESCRIBE_PARAMETERS,
                    "a parameter without a Name",
                ));
            };
            let parameter_type = match meta.r#type().map(|t| t.as_str()) {
                Some("String") => ParameterType::String,
                Some("StringList") => ParameterType::StringList,
                Some("SecureString") => ParameterType::SecureString,
                other => ParameterType::Other(other.unwrap_or("(none)").to_string()),
            };
            let detection = if parameter_type.is_plain_text() {
                Err(CollectError::new(
                    CollectErrorKind::Malformed,
                    GET_PARAMETERS,
                    format!("parameter {name} was not read"),
                ))
            } else {
                Ok(None)
            };
            listed.push(SsmParameter {
                arn: meta.arn().map(str::to_string).unwrap_or_else(|| parameter_arn(&region, account, name)),
                name: name.to_string(),
                region: region.clone(),
                parameter_type,
                detection,
            });
        }
        let plain: Vec<String> =
            listed.iter().filter(|p| p.parameter_type.is_plain_text()).map(|p| p.name.clone()).collect();
        let batches: Vec<Vec<String>> = plain.chunks(PARAMETERS_PER_CALL).map(<[String]>::to_vec).collect();
        let verdicts: Vec<BTreeMap<String, Verdict>> = stream::iter(batches)
            .map(|batch| async move { self.scan_values(&batch).await })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let verdicts: BTreeMap<String, Verdict> = verdicts.into_iter().flatten().collect();
        let mut parameters: Vec<SsmParameter> = listed
            .into_iter()
            .filter_map(|mut p| {
                match verdicts.get(&p.name) {
                    // Deleted between the listing and the read: not reported.
                    Some(None) => return None,
                    Some(Some(detection)) => p.detection = detection.clone(),
                    None => {}
                }
                Some(p)
            })
            .collect();
        parameters.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(parameters)
    }

    /// `GetParameters` for one batch of names (`WithDecryption` false). Each value goes through
    /// the secret detector at once and is dropped with the answer; only the detector's id is
    /// kept. Per name: `Some(verdict)`, or `None` when the parameter no longer exists.
    async fn scan_values(&self, batch: &[String]) -> BTreeMap<String, Verdict> {
        let answer = {
            let _permit = self.permit().await;
            self.clients.ssm.get_parameters().set_names(Some(batch.to_vec())).with_decryption(false).send().await
        };
        let out = match required(GET_PARAMETERS, answer) {
            Ok(out) => out,
            Err(e) => return batch.iter().map(|n| (n.clone(), Some(Err(e.clone())))).collect(),
        };
        let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
        for parameter in out.parameters() {
            let Some(name) = parameter.name() else { continue };
            let verdict = self.detector.scan(name, parameter.value().unwrap_or_default()).map(|d| d.detector);
            verdicts.insert(name.to_string(), Some(Ok(verdict)));
        }
        drop(out);
        for name in batch {
            verdicts.entry(name.clone()).or_insert(None);
        }
        verdicts
    }

    // ---- CloudWatch Logs ----

    async fn function_logs(&self) -> Collected<Vec<FunctionLogGroup>> {
        let region = self.region();
        let mut functions = self.lambda.list_converted(|f| log_target(f, &region)).await?;
        let default_prefix = functions.iter().any(|f| f.log_group.starts_with(LAMBDA_LOG_PREFIX));
        let custom: BTreeSet<String> = functions
            .iter()
            .filter(|f| !f.log_group.starts_with(LAMBDA_LOG_PREFIX))
            .map(|f| f.log_group.clone())
            .collect();
        let mut prefixes: Vec<String> = custom.into_iter().collect();
        if default_prefix {
            prefixes.push(LAMBDA_LOG_PREFIX.to_string());
        }
        let listings: Vec<(String, Collected<BTreeMap<String, LogGroupState>>)> = stream::iter(prefixes)
            .map(|prefix| async move {
                let groups = self.log_groups(&prefix).await;
                (prefix, groups)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for f in &mut functions {
            let prefix =
                if f.log_group.starts_with(LAMBDA_LOG_PREFIX) { LAMBDA_LOG_PREFIX } else { f.log_group.as_str() };
            f.group = match listings.iter().find(|(p, _)| p == prefix) {
                Some((_, Ok(groups))) => Ok(groups.get(&f.log_group).copied().unwrap_or(LogGroupState::Missing)),
                Some((_, Err(e))) => Err(e.clone()),
                None => {
                    Err(CollectError::new(CollectErrorKind::Malformed, DESCRIBE_LOG_GROUPS, "the group was not listed"))
                }
            };
        }
        functions.sort_by(|a, b| a.function_name.cmp(&b.function_name));
        Ok(functions)
    }

    /// Every log group whose name starts with `prefix`, with its retention.
    async fn log_groups(&self, prefix: &str) -> Collected<BTreeMap<String, LogGroupState>> {
        let request = self
            .clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .set_limit(self.page_size.map(|p| p.clamp(1, MAX_LOG_GROUP_PAGE)));
        let pages = all_pages(DESCRIBE_LOG_GROUPS, Some(&self.permits), request.into_paginator().send()).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.log_groups())
            .filter_map(|g| {
                let state = match g.retention_in_days() {
                    Some(days) => LogGroupState::Retained(days),
                    None => LogGroupState::NeverExpires,
                };
                Some((g.log_group_name()?.to_string(), state))
            })
            .collect())
    }
}

/// A listed function's log group (`LoggingConfig.LogGroup`, else the default), its group not
/// yet read.
fn log_target(f: &FunctionConfiguration, region: &str) -> Collected<FunctionLogGroup> {
    let malformed = |what: &str| CollectError::new(CollectErrorKind::Malformed, LIST_FUNCTIONS, what.to_string());
    let name = f.function_name().ok_or_else(|| malformed("a function without a FunctionName"))?;
    let arn = f.function_arn().ok_or_else(|| malformed("a function without a FunctionArn"))?;
    let log_group = f
        .logging_config()
        .and_then(|l| l.log_group())
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| FunctionLogGroup::default_group(name));
    Ok(FunctionLogGroup {
        function_name: name.to_string(),
        function_arn: arn.to_string(),
        region: crate::resources::region_of_arn(arn).unwrap_or(region).to_string(),
        log_group,
        group: Ok(LogGroupState::Missing),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_a_read_and_none_decrypts() {
        let services = ["dynamodb:", "kms:", "ssm:", "logs:", "lambda:"];
        for a in IAM_ACTIONS {
            assert!(services.iter().any(|s| a.starts_with(s)), "{a}");
            assert!(!a.contains("Decrypt") && !a.ends_with(":GetParameter"), "{a}");
        }
        let unique: BTreeSet<&str> = IAM_ACTIONS.iter().copied().collect();
        assert_eq!(unique.len(), IAM_ACTIONS.len());
    }

    #[test]
    fn a_function_logs_to_its_configured_group_or_the_default() {
        let plain = FunctionConfiguration::builder()
            .function_name("api")
            .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:api")
            .build();
        let f = log_target(&plain, "us-east-1").unwrap();
        assert_eq!((f.log_group.as_str(), f.region.as_str()), ("/aws/lambda/api", "eu-west-1"));
        let custom = FunctionConfiguration::builder()
            .function_name("api")
            .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:api")
            .logging_config(aws_sdk_lambda::types::LoggingConfig::builder().log_group("/shared/app").build())
            .build();
        assert_eq!(log_target(&custom, "us-east-1").unwrap().log_group, "/shared/app");
        let nameless = FunctionConfiguration::builder().build();
        assert_eq!(log_target(&nameless, "us-east-1").unwrap_err().kind, CollectErrorKind::Malformed);
    }
}
