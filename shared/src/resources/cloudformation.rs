//! Plain structs describing CloudFormation stacks as the collector saw them (`DescribeStacks`,
//! plus `GetTemplateSummary` for the template's parameter declarations). Rules read only these;
//! SDK types never leave the collectors (`audit/<name>/collector.rs`).
//!
//! **Output and parameter values are never stored.** The collector runs the secret detector
//! while it holds the SDK output and keeps only the output and parameter *names* and the
//! [`Detection`]s (a label such as `Output ApiKey` and a detector id), so nothing downstream
//! (rules, findings, renderers, logs) can ever see a value.

use crate::collected::{CollectError, CollectErrorKind, Collected};
use crate::secrets::Detection;

/// The status of a stack whose deletion finished: such a stack is gone.
pub const DELETE_COMPLETE: &str = "DELETE_COMPLETE";
/// The status of a stack created by `CreateChangeSet` whose change set was never executed:
/// nothing is deployed yet, so the audit skips it.
pub const REVIEW_IN_PROGRESS: &str = "REVIEW_IN_PROGRESS";

/// What `GetTemplateSummary` says about the parameters the stack's template declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateParameters {
    /// Every declared parameter name, sorted.
    pub names: Vec<String>,
    /// The names of the parameters that have a `Default`, sorted. Never the defaults.
    pub with_default: Vec<String>,
    /// The names of the `NoEcho` parameters, sorted.
    pub no_echo: Vec<String>,
    /// Parameter defaults the secret detector flagged, labelled `Parameter default <name>`.
    pub detections: Vec<Detection>,
}

/// Everything the CloudFormation rules need to know about one stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// The stack id: its ARN (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`).
    pub id: String,
    pub name: String,
    /// The stack's region (from its ARN).
    pub region: String,
    /// `StackStatus`, e.g. `CREATE_COMPLETE`.
    pub status: String,
    /// `EnableTerminationProtection` (absent means off).
    pub termination_protection: bool,
    /// The SNS topics the stack's events go to.
    pub notification_arns: Vec<String>,
    /// Set on a nested stack: the id of the stack that directly contains it.
    pub parent_id: Option<String>,
    /// Set on a nested stack: the id of the top-level stack it belongs to.
    pub root_id: Option<String>,
    /// The output keys, sorted. Never the values.
    pub output_keys: Vec<String>,
    /// The deployed parameter names, sorted. Never the values.
    pub parameter_keys: Vec<String>,
    /// Outputs (`Output <key>`) and deployed parameter values (`Parameter <key>`) the secret
    /// detector flagged. Values of `NoEcho` parameters (masked `****` by the API, or declared
    /// `NoEcho` in the template) are not scanned.
    pub detections: Vec<Detection>,
    /// The template's parameter declarations; an error when `GetTemplateSummary` failed (only
    /// the parameter defaults are then unknown).
    pub template: Collected<TemplateParameters>,
}

impl Default for Stack {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            region: "us-east-1".into(),
            status: "CREATE_COMPLETE".into(),
            termination_protection: false,
            notification_arns: Vec::new(),
            parent_id: None,
            root_id: None,
            output_keys: Vec::new(),
            parameter_keys: Vec::new(),
            detections: Vec::new(),
            template: Ok(TemplateParameters::default()),
        }
    }
}

/// Every stack of the region (not deleted), or why they could not be listed.
#[derive(Debug, Clone, PartialEq)]
pub struct StackInventory {
    /// The listing; an error here means no stack could be evaluated, and nothing may be archived
    /// as gone.
    pub stacks: Collected<Vec<Stack>>,
}

impl Stack {
    /// The stack id of `name` in `us-east-1` of the test account.
    pub fn arn_for(name: &str) -> String {
        format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
    }

    /// A stack that passes every CloudFormation rule: termination protection on, an SNS
    /// notification topic, one output and one parameter (with a default) that hold no secret.
    pub fn fixture(name: &str) -> Self {
        Self {
            id: Self::arn_for(name),
            name: name.to_string(),
            region: "us-east-1".into(),
            status: "UPDATE_COMPLETE".into(),
            termination_protection: true,
            notification_arns: vec!["arn:aws:sns:us-east-1:123456789012:stack-events".into()],
            parent_id: None,
            root_id: None,
            output_keys: vec!["BucketName".into()],
            parameter_keys: vec!["Environment".into()],
            detections: Vec::new(),
            template: Ok(TemplateParameters {
                names: vec!["Environment".into()],
                with_default: vec!["Environment".into()],
                no_echo: Vec::new(),
                detections: Vec::new(),
            }),
        }
    }

    /// An AccessDenied collection error for `action`, for tests.
    pub fn denied(action: &str) -> CollectError {
        CollectError::new(CollectErrorKind::AccessDenied, action, "AccessDenied: not authorized")
    }

    /// True for a nested stack (one created by an `AWS::CloudFormation::Stack` resource).
    pub fn is_nested(&self) -> bool {
        self.parent_id.is_some() || self.root_id.as_deref().is_some_and(|r| r != self.id)
    }
}

/// The region in a CloudFormation stack ARN (`arn:aws:cloudformation:<region>:...`); `None`
/// for any other ARN.
pub fn region_of_arn(arn: &str) -> Option<&str> {
    (arn.split(':').nth(2) == Some("cloudformation")).then(|| super::region_of_arn(arn)).flatten()
}

/// The stack name in a stack ARN (`...:stack/<name>/<uuid>`).
pub fn name_of_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":stack/")?;
    rest.split('/').next().filter(|n| !n.is_empty())
}

impl crate::collected::Resource for Stack {
    fn resource_ref(&self, ctx: &crate::context::ScanContext) -> crate::model::ResourceRef {
        crate::model::ResourceRef::new(
            "AwsCloudFormationStack",
            self.name.clone(),
            Some(self.id.clone()),
            &ctx.account,
            &self.region,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_and_name_come_from_the_arn() {
        let arn = "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/0a1b2c3d-4e5f";
        assert_eq!(region_of_arn(arn), Some("eu-west-1"));
        assert_eq!(name_of_arn(arn), Some("app"));
        assert_eq!(region_of_arn("app"), None);
        assert_eq!(name_of_arn("app"), None);
        assert_eq!(region_of_arn("arn:aws:sns:eu-west-1:123456789012:topic"), None);
    }

    #[test]
    fn a_stack_is_nested_when_it_has_a_parent_or_another_root() {
        let top = Stack::fixture("top");
        assert!(!top.is_nested());
        let own_root = Stack { root_id: Some(top.id.clone()), ..top.clone() };
        assert!(!own_root.is_nested());
        let nested = Stack { parent_id: Some(top.id.clone()), root_id: Some(top.id.clone()), ..Stack::fixture("n") };
        assert!(nested.is_nested());
    }
}
