//! Plain structs describing Lambda functions as the collector saw them. Rules read only these;
//! SDK types never leave the collectors (`audit/<name>/collector.rs`).
//!
//! **Environment variable values are never stored.** The collector runs the secret detector
//! while it holds a function's configuration and keeps only the variable *names* and the
//! [`Detection`]s (a name and a detector id), so nothing downstream (rules, findings, renderers,
//! logs) can ever see a value.

use std::collections::BTreeMap;

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::policy::PolicyDocument;
use crate::secrets::Detection;

/// How the function's code is packaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageType {
    Zip,
    /// A container image: no managed runtime, no layers, no code signing.
    Image,
}

/// What the collector learned about the function's environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The variable names, sorted. Never the values.
    pub names: Vec<String>,
    /// Variables the secret detector flagged (name and detector only).
    pub detections: Vec<Detection>,
    /// Lambda could not decrypt the variables (`Environment.Error`): the error code, e.g.
    /// `KMSAccessDeniedException`. The names are then unknown.
    pub error: Option<String>,
}

/// The function's VPC attachment (`None` on the function when it is not attached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcAttachment {
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    /// The Availability Zone of each subnet, as EC2 reported it (`ec2:DescribeSubnets`).
    pub subnet_azs: Collected<BTreeMap<String, String>>,
}

/// The code-signing config attached to the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSigning {
    pub config_arn: String,
    /// `Enforce` or `Warn`; `Err` when the config itself could not be read.
    pub untrusted_artifact_on_deployment: Collected<String>,
    /// Signing profile version ARNs the config allows.
    pub allowed_publishers: Vec<String>,
}

/// One function URL (the unqualified function or an alias).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUrl {
    pub url: String,
    /// The function or alias ARN the URL belongs to.
    pub function_arn: String,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// The URL's CORS configuration; `None` when it has none (browsers then apply the
    /// same-origin policy).
    pub cors: Option<UrlCors>,
}

/// A function URL's CORS configuration, as far as the rules need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlCors {
    /// `AllowOrigins` (`*` for every origin).
    pub allow_origins: Vec<String>,
    /// `AllowCredentials`: browsers send cookies and authorisation headers cross-origin.
    pub allow_credentials: bool,
}

/// One version of a Lambda layer the account owns (`ListLayers`, `ListLayerVersions`), with
/// who it is shared with (`GetLayerVersionPolicy`).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerVersion {
    pub name: String,
    /// The layer version's ARN (`...:layer:<name>:<version>`).
    pub arn: String,
    pub version: i64,
    pub region: String,
    /// The layer version's policy; `None` when it is not shared at all.
    pub policy: Collected<Option<PolicyDocument>>,
}

impl LayerVersion {
    /// An unshared layer version.
    pub fn fixture(name: &str, version: i64) -> Self {
        Self {
            name: name.to_string(),
            arn: format!("arn:aws:lambda:us-east-1:123456789012:layer:{name}:{version}"),
            version,
            region: "us-east-1".into(),
            policy: Ok(None),
        }
    }
}

impl crate::collected::Resource for LayerVersion {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        crate::model::ResourceRef::new(
            "AwsLambdaLayerVersion",
            format!("{}:{}", self.name, self.version),
            Some(self.arn.clone()),
            &ctx.account,
            &self.region,
        )
    }
}

/// One asynchronous-invocation config (`PutFunctionEventInvokeConfig`), per qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInvokeConfig {
    /// The function (or version/alias) ARN it applies to.
    pub function_arn: String,
    /// The on-failure destination ARN, if any.
    pub on_failure: Option<String>,
}

/// Everything the Lambda rules need to know about one function (its unqualified `$LATEST`).
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaFunction {
    pub name: String,
    pub arn: String,
    pub region: String,
    /// The managed runtime identifier (`python3.12`, `provided.al2023`); `None` for images.
    pub runtime: Option<String>,
    pub package_type: PackageType,
    /// The execution role ARN.
    pub role: String,
    /// `None` when the function has no environment variables.
    pub environment: Option<Environment>,
    /// The customer-managed KMS key encrypting the environment; `None` for the AWS-managed key.
    pub kms_key_arn: Option<String>,
    /// `None` when the function is not attached to a VPC.
    pub vpc: Option<VpcAttachment>,
    /// `Active` or `PassThrough`.
    pub tracing_mode: Option<String>,
    /// The dead-letter queue or topic ARN.
    pub dead_letter_target: Option<String>,
    /// Layer version ARNs.
    pub layers: Vec<String>,
    /// The resource-based policy; `None` when the function has none.
    pub policy: Collected<Option<PolicyDocument>>,
    /// Reserved concurrent executions; `None` when not configured.
    pub reserved_concurrency: Collected<Option<i32>>,
    /// `None` when no code-signing config is attached.
    pub code_signing: Collected<Option<CodeSigning>>,
    /// Every function URL of the function and its aliases (empty when there is none).
    pub urls: Collected<Vec<FunctionUrl>>,
    pub tags: Collected<BTreeMap<String, String>>,
    /// Asynchronous-invocation configs for the function and its qualifiers.
    pub event_invoke_configs: Collected<Vec<EventInvokeConfig>>,
}

/// Every function of the account in the scanned region, or why they could not be listed.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaInventory {
    pub functions: Collected<Vec<LambdaFunction>>,
    /// Every version of every layer the account owns in the region, or why they could not be
    /// listed.
    pub layers: Collected<Vec<LayerVersion>>,
}

impl LambdaInventory {
    /// An inventory of `functions` and no layers.
    pub fn of_functions(functions: Collected<Vec<LambdaFunction>>) -> Self {
        Self { functions, layers: Ok(Vec::new()) }
    }
}

impl LambdaFunction {
    /// The ARN of `name` in `region` of `account`.
    pub fn arn_for(name: &str, region: &str, account: &str) -> String {
        format!("arn:{}:lambda:{region}:{account}:function:{name}", crate::context::partition_for(region))
    }

    /// The account id in the function's ARN.
    pub fn account(&self) -> Option<&str> {
        self.arn.split(':').nth(4)
    }

    /// A function with every aspect readable and compliant with the default configuration:
    /// python3.13, no environment, tracing active, reserved concurrency, code signing enforced,
    /// no policy, no URL, the required tags, an on-failure destination.
    pub fn fixture(name: &str) -> Self {
        let region = "us-east-1";
        let arn = Self::arn_for(name, region, "123456789012");
        Self {
            name: name.to_string(),
            arn: arn.clone(),
            region: region.into(),
            runtime: Some("python3.13".into()),
            package_type: PackageType::Zip,
            role: "arn:aws:iam::123456789012:role/fn-role".into(),
            environment: None,
            kms_key_arn: None,
            vpc: None,
            tracing_mode: Some("Active".into()),
            dead_letter_target: None,
            layers: Vec::new(),
            policy: Ok(None),
            reserved_concurrency: Ok(Some(5)),
            code_signing: Ok(Some(CodeSigning {
                config_arn: "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0".into(),
                untrusted_artifact_on_deployment: Ok("Enforce".into()),
                allowed_publishers: vec![
                    "arn:aws:signer:us-east-1:123456789012:/signing-profiles/ztscan/abcdefghij".into()
                ],
            })),
            urls: Ok(Vec::new()),
            tags: Ok(BTreeMap::from([
                ("owner".to_string(), "platform".to_string()),
                ("data-classification".to_string(), "internal".to_string()),
            ])),
            event_invoke_configs: Ok(vec![EventInvokeConfig {
                function_arn: arn,
                on_failure: Some("arn:aws:sqs:us-east-1:123456789012:fn-failures".into()),
            }]),
        }
    }

    /// An AccessDenied collection error for `action`, for tests.
    pub fn denied(action: &str) -> CollectError {
        CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDeniedException: not authorized")
    }

    /// A policy document from JSON, for tests.
    pub fn policy_fixture(json: &str) -> Collected<Option<PolicyDocument>> {
        Ok(Some(
            PolicyDocument::parse(json)
                .map_err(|e| CollectError::new(CollectErrorKind::Malformed, "lambda:GetPolicy", e.to_string()))?,
        ))
    }
}
