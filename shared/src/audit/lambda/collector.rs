//! The Lambda collector: lists every function of the region (paginated `ListFunctions`, which
//! already carries each function's configuration), then reads, per function, its resource
//! policy, reserved concurrency, code-signing config, function URLs, tags and
//! asynchronous-invocation configs: one call per function per aspect. Code-signing configs
//! shared by many functions are read once each, and the Availability Zones of every subnet the
//! functions use come from one batched `ec2:DescribeSubnets`. Every request waits for a permit
//! of one semaphore of `ScanConfig::concurrency`, so a large account is read quickly without
//! being throttled.
//!
//! **Secret values are dropped here.** The environment variables in a function's configuration
//! go through the secret detector at once; only the names and the detections are kept (see
//! `resources::lambda`). Nothing in this module logs, formats or stores a value.
//!
//! "Not configured" (no policy, no concurrency, no code-signing config) becomes `None`; any
//! other failure is kept on the function as a `CollectError`, so the rules report UNKNOWN.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::FunctionConfiguration;
use futures_util::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::lambda::{
    CodeSigning, Environment, EventInvokeConfig, FunctionUrl, LambdaFunction, LambdaInventory, LayerVersion,
    PackageType, UrlCors, VpcAttachment,
};
use crate::scan_config::ScanConfig;
use crate::secrets::Detector;

/// Every IAM action this collector calls, as data. The lambda-audit role must grant exactly
/// these (checked by `tests/tests/template_permissions.rs`).
pub const IAM_ACTIONS: &[&str] = &[
    LIST_FUNCTIONS,
    GET_CONFIGURATION,
    GET_POLICY,
    GET_CONCURRENCY,
    GET_FUNCTION_CSC,
    GET_CSC,
    LIST_URLS,
    LIST_TAGS,
    LIST_EVENT_INVOKE,
    DESCRIBE_SUBNETS,
    LIST_LAYERS,
    LIST_LAYER_VERSIONS,
    GET_LAYER_POLICY,
];

const LIST_FUNCTIONS: &str = "lambda:ListFunctions";
const GET_CONFIGURATION: &str = "lambda:GetFunctionConfiguration";
const GET_POLICY: &str = "lambda:GetPolicy";
const GET_CONCURRENCY: &str = "lambda:GetFunctionConcurrency";
const GET_FUNCTION_CSC: &str = "lambda:GetFunctionCodeSigningConfig";
const GET_CSC: &str = "lambda:GetCodeSigningConfig";
const LIST_URLS: &str = "lambda:ListFunctionUrlConfigs";
const LIST_TAGS: &str = "lambda:ListTags";
const LIST_EVENT_INVOKE: &str = "lambda:ListFunctionEventInvokeConfigs";
const DESCRIBE_SUBNETS: &str = "ec2:DescribeSubnets";
const LIST_LAYERS: &str = "lambda:ListLayers";
const LIST_LAYER_VERSIONS: &str = "lambda:ListLayerVersions";
const GET_LAYER_POLICY: &str = "lambda:GetLayerVersionPolicy";

/// `ListLayers` and `ListLayerVersions` accept at most 50 items per page.
const MAX_LAYER_PAGE: i32 = 50;

/// Subnet ids per `DescribeSubnets` filter (the API accepts up to 200 values per filter).
const SUBNETS_PER_CALL: usize = 100;

/// Reads Lambda functions for one account and region.
#[derive(Clone)]
pub struct LambdaCollector {
    lambda: aws_sdk_lambda::Client,
    ec2: aws_sdk_ec2::Client,
    detector: Detector,
    permits: Arc<Semaphore>,
    concurrency: usize,
    page_size: Option<i32>,
}

/// A function's configuration with everything but the secrets: what `ListFunctions` and
/// `GetFunctionConfiguration` say, converted at once.
struct Listed {
    function: LambdaFunction,
}

impl LambdaCollector {
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_clients(aws_sdk_lambda::Client::new(sdk), aws_sdk_ec2::Client::new(sdk), config)
    }

    /// A collector over given clients (tests pass mocked ones).
    pub fn from_clients(lambda: aws_sdk_lambda::Client, ec2: aws_sdk_ec2::Client, config: &ScanConfig) -> Self {
        let concurrency = config.concurrency.max(1);
        Self {
            lambda,
            ec2,
            detector: Detector::new(&config.secret_ignore),
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            page_size: config.page_size,
        }
    }

    /// Every function of the region with every aspect read. Never fails: a failed listing is
    /// the inventory's error, a failed aspect is that aspect's error.
    pub async fn collect_all(&self) -> LambdaInventory {
        let (functions, layers) = tokio::join!(self.functions(), self.layers());
        LambdaInventory { functions, layers }
    }

    async fn functions(&self) -> Collected<Vec<LambdaFunction>> {
        let listed = self.list().await?;
        Ok(self.complete(listed).await)
    }

    /// Every version of every layer the account owns in the region (`ListLayers`, then
    /// `ListLayerVersions` per layer), each with its policy (`GetLayerVersionPolicy`). A failed
    /// listing fails the whole layer inventory: a version that was not listed cannot be judged.
    async fn layers(&self) -> Collected<Vec<LayerVersion>> {
        let page = self.page_size.map(|p| p.clamp(1, MAX_LAYER_PAGE));
        let pages = self.lambda.list_layers().set_max_items(page).into_paginator().send();
        let pages = all_pages(LIST_LAYERS, Some(&self.permits), pages).await?;
        let names: Vec<String> =
            pages.iter().flat_map(|p| p.layers()).filter_map(|l| l.layer_name()).map(str::to_string).collect();
        let listed: Vec<Collected<Vec<LayerVersion>>> = stream::iter(names)
            .map(|name| async move {
                let pages =
                    self.lambda.list_layer_versions().layer_name(&name).set_max_items(page).into_paginator().send();
                let pages = all_pages(LIST_LAYER_VERSIONS, Some(&self.permits), pages).await?;
                Ok(pages
                    .iter()
                    .flat_map(|p| p.layer_versions())
                    .filter_map(|v| {
                        let arn = v.layer_version_arn()?.to_string();
                        let region = arn.split(':').nth(3).unwrap_or_default().to_string();
                        Some(LayerVersion { name: name.clone(), arn, version: v.version(), region, policy: Ok(None) })
                    })
                    .collect())
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        let mut versions = Vec::new();
        for layer in listed {
            versions.extend(layer?);
        }
        let mut versions: Vec<LayerVersion> = stream::iter(versions)
            .map(|mut v| async move {
                v.policy = self.layer_policy(&v).await;
                v
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        versions.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
        Ok(versions)
    }

    /// A layer version's policy: `None` when it is not shared.
    async fn layer_policy(&self, layer: &LayerVersion) -> Collected<Option<PolicyDocument>> {
        let result = {
            let _permit = self.permit().await;
            self.lambda.get_layer_version_policy().layer_name(&layer.name).version_number(layer.version).send().await
        };
        let text = match result {
            Ok(out) => out.policy().map(str::to_string),
            Err(e) if e.code() == Some("ResourceNotFoundException") => None,
            Err(e) => return Err(sdk_error(GET_LAYER_POLICY, &e)),
        };
        match text.filter(|t| !t.trim().is_empty()) {
            None => Ok(None),
            Some(t) => PolicyDocument::parse(&t).map(Some).map_err(|e| {
                CollectError::new(
                    CollectErrorKind::Malformed,
                    GET_LAYER_POLICY,
                    format!("layer {}:{}: {e}", layer.name, layer.version),
                )
            }),
        }
    }

    /// One function by name or ARN: `Ok(None)` when it does not exist (deleted).
    pub async fn collect_one(&self, name_or_arn: &str) -> Collected<Option<LambdaFunction>> {
        let result = {
            let _permit = self.permit().await;
            self.lambda.get_function_configuration().function_name(name_or_arn).send().await
        };
        let config = match result {
            Ok(c) => c,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(sdk_error(GET_CONFIGURATION, &e)),
        };
        let listed = self.convert(&to_function_configuration(config))?;
        Ok(self.complete(vec![listed]).await.into_iter().next())
    }

    async fn permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed, so this is always `Some`.
        self.permits.acquire().await.ok()
    }

    async fn list(&self) -> Collected<Vec<Listed>> {
        self.list_converted(|f| self.convert(f)).await
    }

    /// Every function of the region (paginated `ListFunctions`), each configuration converted by
    /// `convert` into plain data: the one listing of functions, shared with the audits that need
    /// the function list (the data audit reads each function's log group from it).
    pub async fn list_converted<T>(
        &self,
        convert: impl Fn(&FunctionConfiguration) -> Collected<T>,
    ) -> Collected<Vec<T>> {
        let pages = self.lambda.list_functions().set_max_items(self.page_size).into_paginator().send();
        let pages = all_pages(LIST_FUNCTIONS, Some(&self.permits), pages).await?;
        pages.iter().flat_map(|p| p.functions()).map(convert).collect()
    }

    /// Convert one configuration into plain data, running the secret detector over the
    /// environment and keeping no value.
    fn convert(&self, f: &FunctionConfiguration) -> Collected<Listed> {
        let malformed = |what: &str| CollectError::new(CollectErrorKind::Malformed, LIST_FUNCTIONS, what.to_string());
        let name = f.function_name().ok_or_else(|| malformed("a function without a FunctionName"))?.to_string();
        let arn = f.function_arn().ok_or_else(|| malformed("a function without a FunctionArn"))?.to_string();
        let region = arn.split(':').nth(3).unwrap_or_default().to_string();
        let environment = f.environment().and_then(|env| {
            let error = env.error().map(|e| e.error_code().unwrap_or("unknown error").to_string());
            let vars = env.variables();
            if error.is_none() && vars.is_none_or(|v| v.is_empty()) {
                return None;
            }
            let mut names: Vec<String> = vars.map(|v| v.keys().cloned().collect()).unwrap_or_default();
            names.sort();
            let mut detections = vars
                .map(|v| self.detector.scan_all(v.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
                .unwrap_or_default();
            detections.sort_by(|a, b| a.variable.cmp(&b.variable));
            Some(Environment { names, detections, error })
        });
        let vpc = f.vpc_config().filter(|v| !v.subnet_ids().is_empty()).map(|v| VpcAttachment {
            vpc_id: v.vpc_id().filter(|id| !id.is_empty()).map(str::to_string),
            subnet_ids: v.subnet_ids().to_vec(),
            security_group_ids: v.security_group_ids().to_vec(),
            subnet_azs: Ok(BTreeMap::new()),
        });
        let package_type = match f.package_type() {
            Some(aws_sdk_lambda::types::PackageType::Image) => PackageType::Image,
            _ => PackageType::Zip,
        };
        let function = LambdaFunction {
            name,
            arn,
            region,
            runtime: f.runtime().map(|r| r.as_str().to_string()),
            package_type,
            role: f.role().unwrap_or_default().to_string(),
            environment,
            kms_key_arn: f.kms_key_arn().filter(|k| !k.is_empty()).map(str::to_string),
            vpc,
            tracing_mode: f.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str().to_string()),
            dead_letter_target: f
                .dead_letter_config()
                .and_then(|d| d.target_arn())
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            layers: f.layers().iter().filter_map(|l| l.arn()).map(str::to_string).collect(),
            policy: Ok(None),
            reserved_concurrency: Ok(None),
            code_signing: Ok(None),
            urls: Ok(Vec::new()),
            tags: Ok(BTreeMap::new()),
            event_invoke_configs: Ok(Vec::new()),
        };
        Ok(Listed { function })
    }

    /// Read every per-function aspect, the shared code-signing configs and the subnets' AZs.
    async fn complete(&self, listed: Vec<Listed>) -> Vec<LambdaFunction> {
        let mut functions: Vec<(LambdaFunction, Collected<Option<String>>)> =
            stream::iter(listed).map(|l| self.aspects(l.function)).buffered(self.concurrency).collect().await;
        let csc_arns: BTreeSet<String> =
            functions.iter().filter_map(|(_, csc)| csc.as_ref().ok().cloned().flatten()).collect();
        let configs: HashMap<String, Collected<(String, Vec<String>)>> = stream::iter(csc_arns)
            .map(|arn| async move {
                let cfg = self.code_signing_config(&arn).await;
                (arn, cfg)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let subnets: BTreeSet<String> =
            functions.iter().filter_map(|(f, _)| f.vpc.as_ref()).flat_map(|v| v.subnet_ids.iter().cloned()).collect();
        let azs = if subnets.is_empty() { Ok(BTreeMap::new()) } else { self.subnet_azs(&subnets).await };
        for (f, csc) in &mut functions {
            f.code_signing = match csc {
                Err(e) => Err(e.clone()),
                Ok(None) => Ok(None),
                Ok(Some(arn)) => {
                    let cfg = configs.get(arn.as_str());
                    Ok(Some(CodeSigning {
                        config_arn: arn.clone(),
                        untrusted_artifact_on_deployment: match cfg {
                            Some(Ok((policy, _))) => Ok(policy.clone()),
                            Some(Err(e)) => Err(e.clone()),
                            None => Err(CollectError::new(CollectErrorKind::Api, GET_CSC, "not read")),
                        },
                        allowed_publishers: match cfg {
                            Some(Ok((_, publishers))) => publishers.clone(),
                            _ => Vec::new(),
                        },
                    }))
                }
            };
            if let Some(vpc) = &mut f.vpc {
                vpc.subnet_azs = match &azs {
                    Ok(all) => {
                        Ok(vpc.subnet_ids.iter().filter_map(|s| all.get(s).map(|az| (s.clone(), az.clone()))).collect())
                    }
                    Err(e) => Err(e.clone()),
                };
            }
        }
        functions.into_iter().map(|(f, _)| f).collect()
    }

    /// The per-function aspects, read concurrently (each call under a permit). Returns the
    /// function and its code-signing config ARN (read separately, once per config).
    async fn aspects(&self, mut f: LambdaFunction) -> (LambdaFunction, Collected<Option<String>>) {
        let arn = f.arn.clone();
        let (policy, concurrency, csc, urls, tags, invoke) = tokio::join!(
            self.policy(&arn),
            self.concurrency_of(&arn),
            self.function_csc(&arn, f.package_type),
            self.urls(&arn),
            self.tags(&arn),
            self.event_invoke_configs(&arn),
        );
        f.policy = policy;
        f.reserved_concurrency = concurrency;
        f.urls = urls;
        f.tags = tags;
        f.event_invoke_configs = invoke;
        (f, csc)
    }

    async fn policy(&self, arn: &str) -> Collected<Option<PolicyDocument>> {
        let result = {
            let _permit = self.permit().await;
            self.lambda.get_policy().function_name(arn).send().await
        };
        let text = match result {
            Ok(out) => out.policy().map(str::to_string),
            Err(e) if e.code() == Some("ResourceNotFoundException") => None,
            Err(e) => return Err(sdk_error(GET_POLICY, &e)),
        };
        match text {
            None => Ok(None),
            Some(t) => PolicyDocument::parse(&t).map(Some).map_err(|e| {
                CollectError::new(CollectErrorKind::Malformed, GET_POLICY, format!("function {arn}: {e}"))
            }),
        }
    }

    async fn concurrency_of(&self, arn: &str) -> Collected<Option<i32>> {
        let _permit = self.permit().await;
        let out = required(GET_CONCURRENCY, self.lambda.get_function_concurrency().function_name(arn).send().await)?;
        Ok(out.reserved_concurrent_executions())
    }

    /// The ARN of the function's code-signing config, `None` when none is attached. Container
    /// images cannot be signed, so they are not asked.
    async fn function_csc(&self, arn: &str, package: PackageType) -> Collected<Option<String>> {
        if package == PackageType::Image {
            return Ok(None);
        }
        let result = {
            let _permit = self.permit().await;
            self.lambda.get_function_code_signing_config().function_name(arn).send().await
        };
        match result {
            Ok(out) => Ok(Some(out.code_signing_config_arn()).filter(|a| !a.is_empty()).map(str::to_string)),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(sdk_error(GET_FUNCTION_CSC, &e)),
        }
    }

    /// `UntrustedArtifactOnDeployment` and the allowed signing profiles of one config.
    async fn code_signing_config(&self, arn: &str) -> Collected<(String, Vec<String>)> {
        let _permit = self.permit().await;
        let out = required(GET_CSC, self.lambda.get_code_signing_config().code_signing_config_arn(arn).send().await)?;
        let cfg = out.code_signing_config();
        let policy = cfg
            .and_then(|c| c.code_signing_policies())
            .and_then(|p| p.untrusted_artifact_on_deployment())
            .map(|p| p.as_str().to_string())
            // The API's documented default.
            .unwrap_or_else(|| "Warn".to_string());
        let publishers = cfg
            .and_then(|c| c.allowed_publishers())
            .map(|p| p.signing_profile_version_arns().to_vec())
            .unwrap_or_default();
        Ok((policy, publishers))
    }

    async fn urls(&self, arn: &str) -> Collected<Vec<FunctionUrl>> {
        let pages = self.lambda.list_function_url_configs().function_name(arn).into_paginator().send();
        let pages = all_pages(LIST_URLS, Some(&self.permits), pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.function_url_configs())
            .map(|u| FunctionUrl {
                url: u.function_url().to_string(),
                function_arn: u.function_arn().to_string(),
                auth_type: u.auth_type().as_str().to_string(),
                cors: u.cors().map(|c| UrlCors {
                    allow_origins: c.allow_origins().to_vec(),
                    allow_credentials: c.allow_credentials().unwrap_or(false),
                }),
            })
            .collect())
    }

    async fn tags(&self, arn: &str) -> Collected<BTreeMap<String, String>> {
        let _permit = self.permit().await;
        let out = required(LIST_TAGS, self.lambda.list_tags().resource(arn).send().await)?;
        Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }

    async fn event_invoke_configs(&self, arn: &str) -> Collected<Vec<EventInvokeConfig>> {
        let pages = self.lambda.list_function_event_invoke_configs().function_name(arn).into_paginator().send();
        let pages = all_pages(LIST_EVENT_INVOKE, Some(&self.permits), pages).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.function_event_invoke_configs())
            .map(|c| EventInvokeConfig {
                function_arn: c.function_arn().unwrap_or(arn).to_string(),
                on_failure: c
                    .destination_config()
                    .and_then(|d| d.on_failure())
                    .and_then(|o| o.destination())
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
            })
            .collect())
    }

    /// The Availability Zone of each subnet, by id. Subnets are matched with a `subnet-id`
    /// filter, so a subnet that no longer exists is simply absent (an id list would fail the
    /// whole call).
    async fn subnet_azs(&self, subnets: &BTreeSet<String>) -> Collected<BTreeMap<String, String>> {
        let ids: Vec<String> = subnets.iter().cloned().collect();
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(SUBNETS_PER_CALL) {
            let filter =
                aws_sdk_ec2::types::Filter::builder().name("subnet-id").set_values(Some(chunk.to_vec())).build();
            let pages = self.ec2.describe_subnets().filters(filter).into_paginator().send();
            for s in all_pages(DESCRIBE_SUBNETS, Some(&self.permits), pages).await?.iter().flat_map(|p| p.subnets()) {
                if let (Some(id), Some(az)) = (s.subnet_id(), s.availability_zone()) {
                    out.insert(id.to_string(), az.to_string());
                }
            }
        }
        Ok(out)
    }
}

/// `GetFunctionConfiguration`'s output as the `FunctionConfiguration` shape `ListFunctions`
/// returns, so one conversion serves both.
fn to_function_configuration(
    c: aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput,
) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .set_function_name(c.function_name)
        .set_function_arn(c.function_arn)
        .set_runtime(c.runtime)
        .set_role(c.role)
        .set_environment(c.environment)
        .set_kms_key_arn(c.kms_key_arn)
        .set_vpc_config(c.vpc_config)
        .set_tracing_config(c.tracing_config)
        .set_dead_letter_config(c.dead_letter_config)
        .set_layers(c.layers)
        .set_package_type(c.package_type)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_unique_and_name_services() {
        let mut seen = BTreeSet::new();
        for a in IAM_ACTIONS {
            assert!(seen.insert(*a), "{a} twice");
            assert!(a.starts_with("lambda:") || a.starts_with("ec2:"), "{a}");
        }
    }
}
