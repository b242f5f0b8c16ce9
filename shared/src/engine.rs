//! The engine: runs rules over collected resources and turns outcomes into findings.

use crate::context::ScanContext;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::rules::Rule;

/// A collected resource that findings can be about.
pub trait Resource {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef;
}

/// The account itself, as a finding's resource (ASFF type `AwsAccount`).
pub fn account_ref(account: &str, ctx: &ScanContext) -> ResourceRef {
    ResourceRef {
        resource_type: "AwsAccount".into(),
        id: account.to_string(),
        arn: Some(format!("arn:{}:::{account}", ctx.partition)),
        account: account.to_string(),
        region: ctx.region.clone(),
        partition: ctx.partition.clone(),
    }
}

/// Evaluate every rule on every resource.
pub fn evaluate_all<R: Resource>(
    rules: &[&dyn Rule<Resource = R>],
    resources: &[R],
    ctx: &ScanContext,
) -> Vec<Finding> {
    let mut out = Vec::with_capacity(rules.len() * resources.len());
    for resource in resources {
        let rref = resource.resource_ref(ctx);
        for rule in rules {
            out.push(Finding::new(rule.meta(), rref.clone(), rule.evaluate(resource, ctx), ctx.now));
        }
    }
    out
}

/// One finding per rule with the same outcome (an UNKNOWN when a listing failed, a
/// NOT_APPLICABLE when the resource was deleted).
pub fn same_outcome_for_all<R>(
    rules: &[&dyn Rule<Resource = R>],
    resource: &ResourceRef,
    outcome: &Outcome,
    ctx: &ScanContext,
) -> Vec<Finding> {
    rules.iter().map(|rule| Finding::new(rule.meta(), resource.clone(), outcome.clone(), ctx.now)).collect()
}
