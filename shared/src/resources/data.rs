//! Plain structs describing where serverless functions keep data and keys, as the data collector
//! saw them: DynamoDB tables (encryption, point-in-time recovery, deletion protection, resource
//! policy), KMS keys (manager, state, deletion date, key policy), SSM parameters (type, and for
//! `String`/`StringList` parameters only the secret detector's verdict: never the value) and
//! each Lambda function's CloudWatch Logs group (existence and retention). Rules read only
//! these; SDK types never leave the collectors (`audit/<name>/collector.rs`).

use chrono::{DateTime, Utc};

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::context::ScanContext;
use crate::model::ResourceRef;
use crate::policy::PolicyDocument;

pub use super::region_of_arn;

/// The key manager `DescribeKey` reports for a key AWS creates and manages for a service
/// (`aws/dynamodb`, `aws/ssm`, ...).
pub const AWS_MANAGED: &str = "AWS";
/// The key manager of a customer-managed key.
pub const CUSTOMER_MANAGED: &str = "CUSTOMER";

/// A DynamoDB table (`ListTables`, then `DescribeTable`, `DescribeContinuousBackups` and
/// `GetResourcePolicy`, each of which may fail on its own).
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoTable {
    pub name: String,
    pub arn: String,
    pub region: String,
    /// What `DescribeTable` says.
    pub description: Collected<TableDescription>,
    /// `PointInTimeRecoveryStatus` is `ENABLED` (`DescribeContinuousBackups`).
    pub pitr_enabled: Collected<bool>,
    /// The table's resource policy; `None` when it has none.
    pub policy: Collected<Option<PolicyDocument>>,
}

/// The facts of `DescribeTable` the rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDescription {
    /// `TableStatus`: `ACTIVE`, `UPDATING`, `CREATING`, `DELETING`, `ARCHIVING`, `ARCHIVED`,
    /// `INACCESSIBLE_ENCRYPTION_CREDENTIALS`.
    pub status: String,
    pub encryption: TableEncryption,
    /// `DeletionProtectionEnabled` (absent means off).
    pub deletion_protection: bool,
}

/// How a table is encrypted at rest.
#[derive(Debug, Clone, PartialEq)]
pub enum TableEncryption {
    /// No `SSEDescription` (or `SSEType` `AES256`): the AWS-owned key, which the account cannot
    /// see, restrict or audit.
    AwsOwned,
    /// `SSEType` `KMS` with `KMSMasterKeyArn`, and who manages that key (`CUSTOMER` or `AWS`,
    /// from `DescribeKey`; a key in another account is customer-managed by construction).
    Kms { key_arn: String, manager: Collected<String> },
}

impl DynamoTable {
    /// Why the table is not judged (it is being deleted or archived), or `None`.
    pub fn not_applicable(&self) -> Option<String> {
        let why = match self.description.as_ref().ok()?.status.as_str() {
            "DELETING" => "the table is being deleted",
            "ARCHIVING" => "the table is being archived",
            "ARCHIVED" => "the table is archived (its KMS key became inaccessible)",
            _ => return None,
        };
        Some(why.to_string())
    }

    /// A table that passes every DynamoDB rule: encrypted with a customer-managed key, point-in-
    /// time recovery and deletion protection on, and a policy that grants only the own account.
    pub fn fixture(name: &str) -> Self {
        let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"App","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:role/app"}},"Action":"dynamodb:GetItem","Resource":"{arn}"}}]}}"#
        );
        Self {
            name: name.to_string(),
            region: "us-east-1".into(),
            description: Ok(TableDescription {
                status: "ACTIVE".into(),
                encryption: TableEncryption::Kms {
                    key_arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
                    manager: Ok(CUSTOMER_MANAGED.into()),
                },
                deletion_protection: true,
            }),
            pitr_enabled: Ok(true),
            policy: Ok(PolicyDocument::parse(&policy).ok()),
            arn,
        }
    }
}

impl crate::collected::Resource for DynamoTable {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        ResourceRef::new("AwsDynamoDbTable", self.name.clone(), Some(self.arn.clone()), &ctx.account, &self.region)
    }
}

/// A KMS key of the region (`ListKeys`, `DescribeKey`, and `GetKeyPolicy` for customer-managed
/// keys).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyWithPolicy {
    pub id: String,
    pub arn: String,
    pub region: String,
    /// What `DescribeKey` says.
    pub description: Collected<KeyDescription>,
    /// The key policy (`default`); `Ok(None)` for an AWS-managed key, whose policy is not read.
    pub policy: Collected<Option<PolicyDocument>>,
}

/// The facts of `DescribeKey` the rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescription {
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingReplicaDeletion`, `PendingImport`, ...
    pub state: String,
    /// When a key pending deletion will be deleted.
    pub deletion_date: Option<DateTime<Utc>>,
}

impl KeyWithPolicy {
    /// Why the key's rules do not apply, or `None`: an AWS-managed key belongs to a service,
    /// and its policy and lifecycle are AWS's.
    pub fn not_applicable(&self) -> Option<String> {
        let d = self.description.as_ref().ok()?;
        (!d.manager.eq_ignore_ascii_case(CUSTOMER_MANAGED))
            .then(|| format!("a key managed by {} (its policy and lifecycle are AWS's)", d.manager))
    }

    /// An enabled customer-managed key whose policy is the console default (the own account).
    pub fn fixture(id: &str) -> Self {
        let policy = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;
        Self {
            id: id.to_string(),
            arn: format!("arn:aws:kms:us-east-1:123456789012:key/{id}"),
            region: "us-east-1".into(),
            description: Ok(KeyDescription {
                manager: CUSTOMER_MANAGED.into(),
                state: "Enabled".into(),
                deletion_date: None,
            }),
            policy: Ok(PolicyDocument::parse(policy).ok()),
        }
    }
}

impl crate::collected::Resource for KeyWithPolicy {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        ResourceRef::new("AwsKmsKey", self.id.clone(), Some(self.arn.clone()), &ctx.account, &self.region)
    }
}

/// An SSM parameter's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterType {
    String,
    StringList,
    SecureString,
    /// A type this version does not know, as the API spelled it.
    Other(String),
}

impl ParameterType {
    /// The type as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::String => "String",
            Self::StringList => "StringList",
            Self::SecureString => "SecureString",
            Self::Other(s) => s,
        }
    }

    /// True for the plain-text types whose values the collector reads (and drops).
    pub fn is_plain_text(&self) -> bool {
        matches!(self, Self::String | Self::StringList)
    }
}

/// An SSM parameter (`DescribeParameters`), and for a `String`/`StringList` parameter what the
/// secret detector said about its name and value (`GetParameters`, `WithDecryption` false). The
/// value itself is never kept.
#[derive(Debug, Clone, PartialEq)]
pub struct SsmParameter {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub parameter_type: ParameterType,
    /// The id of the detector that fired on the name and value (`None`: nothing secret-looking);
    /// `Ok(None)` for a `SecureString`, whose value is never read.
    pub detection: Collected<Option<&'static str>>,
}

impl SsmParameter {
    /// A `String` parameter holding nothing secret.
    pub fn fixture(name: &str) -> Self {
        Self {
            name: name.to_string(),
            arn: parameter_arn("us-east-1", "123456789012", name),
            region: "us-east-1".into(),
            parameter_type: ParameterType::String,
            detection: Ok(None),
        }
    }
}

/// The ARN of parameter `name` (hierarchical names start with `/`, which the ARN does not
/// double).
pub fn parameter_arn(region: &str, account: &str, name: &str) -> String {
    let partition = crate::context::partition_for(region);
    format!("arn:{partition}:ssm:{region}:{account}:parameter/{}", name.strip_prefix('/').unwrap_or(name))
}

impl crate::collected::Resource for SsmParameter {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        // Security Hub has no SSM parameter resource type; `Other` is its type for such resources.
        ResourceRef::new("Other", self.name.clone(), Some(self.arn.clone()), &ctx.account, &self.region)
    }
}

/// A log group as `DescribeLogGroups` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogGroupState {
    /// No log group of that name exists.
    Missing,
    /// The group exists without `retentionInDays`: its events never expire.
    NeverExpires,
    /// The group keeps events this many days.
    Retained(i32),
}

/// A Lambda function (from the lambda collector's `ListFunctions` listing) and the log group it
/// writes to.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionLogGroup {
    pub function_name: String,
    pub function_arn: String,
    pub region: String,
    /// `LoggingConfig.LogGroup`, else `/aws/lambda/<function name>`.
    pub log_group: String,
    /// What `DescribeLogGroups` says about that group.
    pub group: Collected<LogGroupState>,
}

impl FunctionLogGroup {
    /// The default group name of a function.
    pub fn default_group(function_name: &str) -> String {
        format!("/aws/lambda/{function_name}")
    }

    /// A function whose default group keeps events 30 days.
    pub fn fixture(name: &str) -> Self {
        Self {
            function_name: name.to_string(),
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            region: "us-east-1".into(),
            log_group: Self::default_group(name),
            group: Ok(LogGroupState::Retained(30)),
        }
    }
}

impl crate::collected::Resource for FunctionLogGroup {
    /// The finding is about the function (it names the function), under the same resource as
    /// the Lambda audit's findings.
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        ResourceRef::new(
            "AwsLambdaFunction",
            self.function_name.clone(),
            Some(self.function_arn.clone()),
            &ctx.account,
            &self.region,
        )
    }
}

/// What the data collector returns for a full scan of a region: one listing per service, each
/// of which may fail on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct DataInventory {
    pub tables: Collected<Vec<DynamoTable>>,
    pub keys: Collected<Vec<KeyWithPolicy>>,
    pub parameters: Collected<Vec<SsmParameter>>,
    pub function_logs: Collected<Vec<FunctionLogGroup>>,
}

impl DataInventory {
    /// An inventory of one fixture of each kind, every rule passing.
    pub fn fixture() -> Self {
        Self {
            tables: Ok(vec![DynamoTable::fixture("orders")]),
            keys: Ok(vec![KeyWithPolicy::fixture("1234abcd-12ab-34cd-56ef-1234567890ab")]),
            parameters: Ok(vec![SsmParameter::fixture("/app/prod/log-level")]),
            function_logs: Ok(vec![FunctionLogGroup::fixture("api")]),
        }
    }
}

/// An error value for tests: AccessDenied on `action`.
pub fn denied(action: &str) -> CollectError {
    CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDeniedException: not authorised")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Resource;

    #[test]
    fn parameter_arns_do_not_double_the_slash() {
        assert_eq!(parameter_arn("eu-west-1", "1", "/a/b"), "arn:aws:ssm:eu-west-1:1:parameter/a/b");
        assert_eq!(parameter_arn("eu-west-1", "1", "flat"), "arn:aws:ssm:eu-west-1:1:parameter/flat");
        assert_eq!(parameter_arn("cn-north-1", "1", "x"), "arn:aws-cn:ssm:cn-north-1:1:parameter/x");
    }

    #[test]
    fn tables_being_deleted_and_aws_managed_keys_are_not_judged() {
        let mut t = DynamoTable::fixture("t");
        assert_eq!(t.not_applicable(), None);
        if let Ok(d) = t.description.as_mut() {
            d.status = "DELETING".into();
        }
        assert_eq!(t.not_applicable().as_deref(), Some("the table is being deleted"));
        let mut k = KeyWithPolicy::fixture("k");
        assert_eq!(k.not_applicable(), None);
        if let Ok(d) = k.description.as_mut() {
            d.manager = AWS_MANAGED.into();
        }
        assert!(k.not_applicable().is_some_and(|r| r.contains("managed by AWS")));
    }

    #[test]
    fn a_function_log_finding_is_about_the_function() {
        let ctx = ScanContext::fixture();
        let r = FunctionLogGroup::fixture("api").resource_ref(&ctx);
        assert_eq!((r.resource_type.as_str(), r.id.as_str()), ("AwsLambdaFunction", "api"));
        assert_eq!(FunctionLogGroup::default_group("api"), "/aws/lambda/api");
    }
}
