//! The Lambda audit: every `lambda.*` rule over every function of the scanned region.
//!
//! A full scan lists the functions and evaluates each; its summary lets the publisher archive
//! the findings of functions that are gone. A Config change event for `AWS::Lambda::Function`
//! re-reads and re-evaluates that one function; a deleted function gets NOT_APPLICABLE, so its
//! findings are archived. A listing that fails gives one UNKNOWN per rule on the account and no
//! summary (nothing is archived on the strength of a failed listing).
pub mod collector;

use self::collector::{LambdaCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::{evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::lambda::{LambdaFunction, LambdaInventory};
use crate::rules::lambda::{FUNCTION_RULES, LAYER_RULES};

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};
use crate::config_rule_invocation::{ConfigId, ConfigName};

/// The Lambda audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "lambda",
    function: "lambda-audit",
    title: "Lambda",
    about: include_str!("README.md"),
    change: ChangeTriggers {
        config_types: CHANGE_TYPES,
        config_names: &[
            ConfigName { finding_type: "AwsLambdaFunction", config_type: "AWS::Lambda::Function", id: ConfigId::ResourceId },
        ],
        api_calls: &[],
        mode: "function",
    },
    rules: || [metas(FUNCTION_RULES), metas(LAYER_RULES)].concat(),
    change_rules: || metas(FUNCTION_RULES),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ListFunctionsAndSubnets",
            why: "that AWS allows only on '*' (List)",
            actions: &["lambda:ListFunctions", "ec2:DescribeSubnets", "lambda:ListLayers", "lambda:ListLayerVersions"],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "ReadFunctionConfiguration",
            why: "scoped to this account's functions in this region",
            actions: &[
                "lambda:GetFunctionConfiguration",
                "lambda:GetPolicy",
                "lambda:GetFunctionConcurrency",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:ListFunctionUrlConfigs",
                "lambda:ListTags",
                "lambda:ListFunctionEventInvokeConfigs",
            ],
            scope: GrantScope::Arn("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"),
        },
        ReadGrant {
            sid: "ReadCodeSigningConfigs",
            why: "the code-signing configs the functions use",
            actions: &["lambda:GetCodeSigningConfig"],
            scope: GrantScope::Arn(
                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:code-signing-config:*",
            ),
        },
        ReadGrant {
            sid: "ReadLayerVersionPolicies",
            why: "who each of this account's layer versions is shared with. Never lambda:GetLayerVersion (no code download)",
            actions: &["lambda:GetLayerVersionPolicy"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer:*:*"),
        },
    ],
    // Lambda: 15 requests per second for the control plane as a whole, and a separate 15 per
    // second for `GetPolicy` (and 100 for `GetFunction`)
    // (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>, "API requests").
    // The data audit's function listing draws from the same buckets.
    api_rates: &[("lambda", 15), ("lambda:GetPolicy", 15), ("lambda:GetFunction", 100)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 512, timeout_seconds: 900, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(LambdaCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The Lambda audit over its real collector.
struct Runner(LambdaCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &["AWS::Lambda::Function"];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

fn function_ref(name: &str, arn: String, region: &str, ctx: &ScanContext) -> ResourceRef {
    ResourceRef::new("AwsLambdaFunction", name, Some(arn), &ctx.account, region)
}

impl Resource for LambdaFunction {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        function_ref(&self.name, self.arn.clone(), &self.region, ctx)
    }
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &LambdaInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut out = super::evaluate_listing(FUNCTION_RULES, &inventory.functions, "functions", ctx);
    out.extend(super::evaluate_listing(LAYER_RULES, &inventory.layers, "Lambda layers", ctx));
    out
}

/// The report of a full scan over a collected inventory: findings, and a summary whose archive
/// scope is the rules of the listings (functions, layers) that succeeded.
pub fn report_full(inventory: &LambdaInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    let listings = vec![
        (inventory.functions.is_ok(), super::ids(FUNCTION_RULES)),
        (inventory.layers.is_ok(), super::ids(LAYER_RULES)),
    ];
    AuditReport::full_scan_of_listings(AUDIT.name, findings, listings, ctx)
}

/// A full scan of the region.
pub async fn scan_all(collector: &LambdaCollector, ctx: &ScanContext) -> AuditReport {
    report_full(&collector.collect_all().await, ctx)
}

/// The function a change event names: its name (Config's `resourceId`/`resourceName` for a
/// function is its name), and its ARN.
fn changed_function(changed: &ChangedResource, ctx: &ScanContext) -> (String, String) {
    let name = changed.resource_name.clone().unwrap_or_else(|| changed.resource_id.clone());
    let name = name.rsplit(':').next().unwrap_or(&name).to_string();
    let account = changed.account.as_deref().unwrap_or(&ctx.account);
    let arn = changed.arn.clone().unwrap_or_else(|| LambdaFunction::arn_for(&name, &changed.region, account));
    (name, arn)
}

/// Re-evaluate the function a Config change event names. A function that no longer exists
/// gets NOT_APPLICABLE; one that could not be read gets UNKNOWN.
pub async fn scan_changed(collector: &LambdaCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    let (name, arn) = changed_function(changed, ctx);
    let findings = match collector.collect_one(&arn).await {
        Ok(Some(function)) => evaluate_all(FUNCTION_RULES, std::slice::from_ref(&function), ctx),
        Ok(None) => deleted(changed, ctx),
        Err(e) => {
            let outcome = Outcome::unknown(format!("could not read the function: {e}"));
            same_outcome_for_all(FUNCTION_RULES, &function_ref(&name, arn, &changed.region, ctx), &outcome, ctx)
        }
    };
    AuditReport { findings, summary: None }
}

/// NOT_APPLICABLE for every rule: the function is gone, so its findings are archived.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let (name, arn) = changed_function(changed, ctx);
    same_outcome_for_all(
        FUNCTION_RULES,
        &function_ref(&name, arn, &changed.region, ctx),
        &Outcome::not_applicable("the function no longer exists"),
        ctx,
    )
}

#[cfg(test)]
mod tests {
    use super::super::ids;
    use super::*;
    use crate::collect::{CollectError, CollectErrorKind};
    use crate::model::Status;

    fn change(id: &str, arn: Option<&str>) -> ChangedResource {
        ChangedResource {
            resource_name: Some(id.into()),
            arn: arn.map(str::to_string),
            deleted: true,
            ..ChangedResource::fixture("AWS::Lambda::Function", id)
        }
    }

    #[test]
    fn a_full_scan_evaluates_every_rule_on_every_function_and_summarises() {
        let ctx = ScanContext::fixture();
        let inv = LambdaInventory::of_functions(Ok(vec![LambdaFunction::fixture("a"), LambdaFunction::fixture("b")]));
        let report = report_full(&inv, &ctx);
        assert_eq!(report.findings.len(), 2 * FUNCTION_RULES.len());
        let summary = report.summary.expect("a complete listing has a summary");
        assert_eq!(summary.audit, "lambda");
        assert_eq!(summary.rule_ids.len(), FUNCTION_RULES.len() + LAYER_RULES.len());
        assert!(report.findings.iter().all(|f| f.resource.resource_type == "AwsLambdaFunction"));
        assert!(report
            .findings
            .iter()
            .any(|f| f.resource.arn.as_deref() == Some("arn:aws:lambda:us-east-1:123456789012:function:b")));
    }

    #[test]
    fn a_failed_listing_is_unknown_on_the_account_without_a_summary() {
        let ctx = ScanContext::fixture();
        let err = CollectError::new(CollectErrorKind::AccessDenied, "lambda:ListFunctions", "AccessDeniedException");
        let report = report_full(&LambdaInventory::of_functions(Err(err)), &ctx);
        let scope = report.summary.expect("the layer listing succeeded").rule_ids;
        assert_eq!(scope, ids(LAYER_RULES), "no function finding is archived on a failed listing");
        assert_eq!(report.findings.len(), FUNCTION_RULES.len());
        assert!(report
            .findings
            .iter()
            .all(|f| f.status == Status::Unknown && f.reason.contains("lambda:ListFunctions")));
        assert!(report.findings.iter().all(|f| f.resource.resource_type == "AwsAccount"));
    }

    #[test]
    fn a_deleted_function_is_not_applicable_under_the_same_finding_ids() {
        let ctx = ScanContext::fixture();
        let gone = deleted(&change("a", None), &ctx);
        assert_eq!(gone.len(), FUNCTION_RULES.len());
        assert!(gone.iter().all(|f| f.status == Status::NotApplicable));
        let full = report_full(&LambdaInventory::of_functions(Ok(vec![LambdaFunction::fixture("a")])), &ctx).findings;
        let mut a: Vec<String> = gone.iter().map(|f| f.id()).collect();
        let mut b: Vec<String> = full.iter().map(|f| f.id()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "the NOT_APPLICABLE findings replace the full scan's");
    }

    #[test]
    fn layer_versions_are_judged_and_a_failed_layer_listing_is_unknown_on_the_account() {
        use crate::resources::lambda::LayerVersion;
        let ctx = ScanContext::fixture();
        let inv = LambdaInventory { functions: Ok(Vec::new()), layers: Ok(vec![LayerVersion::fixture("lib", 1)]) };
        let report = report_full(&inv, &ctx);
        assert_eq!(report.findings.len(), LAYER_RULES.len());
        assert_eq!(report.findings[0].resource.resource_type, "AwsLambdaLayerVersion");
        assert_eq!(report.findings[0].resource.id, "lib:1");
        let err = CollectError::new(CollectErrorKind::AccessDenied, "lambda:ListLayers", "AccessDeniedException");
        let inv = LambdaInventory { functions: Ok(Vec::new()), layers: Err(err) };
        let report = report_full(&inv, &ctx);
        assert!(report.findings.iter().all(|f| f.status == Status::Unknown && f.reason.contains("lambda:ListLayers")));
        let scope = report.summary.expect("the function listing succeeded").rule_ids;
        assert_eq!(scope, ids(FUNCTION_RULES));
    }

    #[test]
    fn a_change_event_names_the_function_by_name_or_arn() {
        let ctx = ScanContext::fixture();
        let (name, arn) = changed_function(&change("fn-1", None), &ctx);
        assert_eq!(name, "fn-1");
        assert_eq!(arn, "arn:aws:lambda:us-east-1:123456789012:function:fn-1");
        let given = "arn:aws:lambda:us-east-1:123456789012:function:fn-2";
        let (name, arn) = changed_function(&change(given, Some(given)), &ctx);
        assert_eq!((name.as_str(), arn.as_str()), ("fn-2", given));
    }
}
