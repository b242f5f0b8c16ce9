//! The rule `cloudformation.termination-protection-enabled`; its documentation is on [`TerminationProtectionEnabled`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::cloudformation::Stack;
use crate::rules::Rule;

rule! {
    pub struct TerminationProtectionEnabled;
    id: "cloudformation.termination-protection-enabled",
    title: "CloudFormation stack has termination protection enabled",
    severity: Medium,
    resource_type: "AwsCloudFormationStack",
    trigger: Change,
    mappings: [AwsConfig("cloudformation-termination-protection-check")],
    seeds: ["001"],
    what_it_checks: "The stack has termination protection on (`EnableTerminationProtection`).\n\
        A nested stack (one with a `ParentId`/`RootId`) cannot carry its own protection: it follows\n\
        its root stack, so it is NOT_APPLICABLE and the finding names the root, whose own finding\n\
        carries the verdict. The verdict needs only the listing, so it is never UNKNOWN on its own\n\
        (a failed listing makes every rule UNKNOWN at the audit level).",
    why_it_matters: "Deleting a stack deletes every resource it manages that has no\n\
        `DeletionPolicy: Retain`: databases, buckets, keys, the whole application. Termination\n\
        protection makes `DeleteStack` fail until someone deliberately turns it off, so a wrong\n\
        stack name in a script or a console slip cannot take production down.",
    example: "`aws cloudformation delete-stack --stack-name prod-api` run in the wrong\n\
        terminal: without protection, the stack and its RDS instance are gone minutes later.",
    remediation: "Enable termination protection on the stack (cloudformation update-termination-protection --enable-termination-protection), on the root stack for nested stacks.\n\
        \n\
        `aws cloudformation update-termination-protection\n\
        --enable-termination-protection --stack-name <name>` (on the root stack for nested ones), or\n\
        `--enable-termination-protection` at `create-stack` / `EnableTerminationProtection` in the\n\
        pipeline that deploys it.",
    references: "",
}

impl Rule for TerminationProtectionEnabled {
    type Resource = Stack;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, stack: &Stack, _ctx: &ScanContext) -> Outcome {
        if stack.is_nested() {
            let root = stack.root_id.as_deref().or(stack.parent_id.as_deref()).unwrap_or("its root stack");
            return Outcome::not_applicable(format!(
                "a nested stack cannot have its own termination protection: it follows the root stack {root}"
            ));
        }
        if stack.termination_protection {
            Outcome::pass("termination protection is enabled")
        } else {
            Outcome::fail(
                "termination protection is not enabled, so one DeleteStack call deletes the stack and its resources",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    #[test]
    fn table() {
        let base = Stack::fixture("app");
        let root = Stack::arn_for("root");
        let cases: Vec<(&str, Stack, Status, &str)> = vec![
            ("protected", base.clone(), Status::Pass, "enabled"),
            ("unprotected", Stack { termination_protection: false, ..base.clone() }, Status::Fail, "not enabled"),
            (
                "nested, unprotected itself",
                Stack {
                    termination_protection: false,
                    parent_id: Some(root.clone()),
                    root_id: Some(root.clone()),
                    ..base.clone()
                },
                Status::NotApplicable,
                "follows the root stack arn:aws:cloudformation:us-east-1:123456789012:stack/root/",
            ),
            (
                "nested, root only",
                Stack { root_id: Some(root.clone()), ..base.clone() },
                Status::NotApplicable,
                "stack/root/",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, stack, status, needle) in cases {
            let o = TerminationProtectionEnabled.evaluate(&stack, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }
}
