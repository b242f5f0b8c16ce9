//! The engine: runs rules over collected resources and turns outcomes into findings.

pub use crate::collected::{account_ref, Resource};
use crate::context::ScanContext;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::rules::Rule;

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
