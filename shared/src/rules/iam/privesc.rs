//! The catalogue of known IAM privilege-escalation methods that `iam.no-privilege-escalation`
//! looks for: each method is a set of IAM actions which, granted together to one principal,
//! let it obtain permissions it was not given. Each entry names its source.
//!
//! Sources:
//! - [`Source::Rhino`]: Spencer Gietzen, Rhino Security Labs, "AWS IAM Privilege Escalation –
//!   Methods and Mitigation" (2018), the 21 original methods
//!   (<https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>).
//! - [`Source::RhinoCodeStar`]: Rhino Security Labs, "Escalating AWS IAM Privileges with an
//!   Undocumented CodeStar API" (2019).
//! - [`Source::Cloudsplaining`]: the privilege-escalation list of Salesforce's Cloudsplaining
//!   (`PRIVILEGE_ESCALATION_METHODS`), whose later entries come from DataDog's
//!   pathfinding.cloud; read for the method list only, no code was taken.
//!
//! Where the sources differ, the narrower (more precise) combination is used: Rhino's
//! `iam:UpdateAssumeRolePolicy` method also needs `sts:AssumeRole`, and its Data Pipeline method
//! also needs `datapipeline:PutPipelineDefinition`. Combinations that contain another
//! catalogued method are left out, because they add no detection (e.g. Cloudsplaining's
//! `lambda:UpdateFunctionCode` + `lambda:InvokeFunction` is covered by
//! `lambda:UpdateFunctionCode` alone); a test keeps it that way.

/// Where a method is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Rhino,
    RhinoCodeStar,
    Cloudsplaining,
}

impl Source {
    pub fn citation(self) -> &'static str {
        match self {
            Source::Rhino => "Rhino Security Labs, AWS IAM Privilege Escalation – Methods and Mitigation",
            Source::RhinoCodeStar => {
                "Rhino Security Labs, Escalating AWS IAM Privileges with an Undocumented CodeStar API"
            }
            Source::Cloudsplaining => "Cloudsplaining privilege-escalation list (incl. pathfinding.cloud paths)",
        }
    }
}

/// One escalation method: every action in `actions` must be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationMethod {
    pub name: &'static str,
    pub actions: &'static [&'static str],
    pub description: &'static str,
    pub source: Source,
    /// The method acts on *another* principal (a new access key or password for another
    /// user): a grant scoped to the caller itself (`${aws:username}`) does not enable it. AWS's
    /// "manage your own credentials" policy grants exactly such self-scoped actions.
    pub needs_other_principal: bool,
}

const fn method(
    name: &'static str,
    actions: &'static [&'static str],
    description: &'static str,
    source: Source,
) -> EscalationMethod {
    EscalationMethod { name, actions, description, source, needs_other_principal: false }
}

const fn on_others(
    name: &'static str,
    actions: &'static [&'static str],
    description: &'static str,
    source: Source,
) -> EscalationMethod {
    EscalationMethod { name, actions, description, source, needs_other_principal: true }
}

use Source::{Cloudsplaining, Rhino, RhinoCodeStar};

/// The catalogue, Rhino's 21 methods first in the order of the article.
pub static METHODS: &[EscalationMethod] = &[
    // Rhino Security Labs, methods 1-21.
    method(
        "CreatePolicyVersion",
        &["iam:CreatePolicyVersion"],
        "write a new default version of a managed policy it holds",
        Rhino,
    ),
    method(
        "SetDefaultPolicyVersion",
        &["iam:SetDefaultPolicyVersion"],
        "make a more permissive old version of a policy the default",
        Rhino,
    ),
    method(
        "PassRoleToNewEc2Instance",
        &["iam:PassRole", "ec2:RunInstances"],
        "launch an instance with a privileged instance profile and read its credentials",
        Rhino,
    ),
    on_others("CreateAccessKey", &["iam:CreateAccessKey"], "create an access key for another user", Rhino),
    on_others("CreateLoginProfile", &["iam:CreateLoginProfile"], "set a console password for another user", Rhino),
    on_others("UpdateLoginProfile", &["iam:UpdateLoginProfile"], "change another user's console password", Rhino),
    method("AttachUserPolicy", &["iam:AttachUserPolicy"], "attach any managed policy to a user", Rhino),
    method("AttachGroupPolicy", &["iam:AttachGroupPolicy"], "attach any managed policy to a group", Rhino),
    method("AttachRolePolicy", &["iam:AttachRolePolicy"], "attach any managed policy to a role", Rhino),
    method("PutUserPolicy", &["iam:PutUserPolicy"], "write an inline policy on a user", Rhino),
    method("PutGroupPolicy", &["iam:PutGroupPolicy"], "write an inline policy on a group", Rhino),
    method("PutRolePolicy", &["iam:PutRolePolicy"], "write an inline policy on a role", Rhino),
    method("AddUserToGroup", &["iam:AddUserToGroup"], "join a more privileged group", Rhino),
    method(
        "UpdateAssumeRolePolicy",
        &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
        "rewrite a role's trust policy, then assume the role",
        Rhino,
    ),
    method(
        "PassRoleToNewLambdaThenInvoke",
        &["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
        "create a function with a privileged role and invoke it",
        Rhino,
    ),
    method(
        "PassRoleToNewLambdaViaEventSource",
        &["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
        "create a function with a privileged role and trigger it from an event source",
        Rhino,
    ),
    method(
        "UpdateLambdaFunctionCode",
        &["lambda:UpdateFunctionCode"],
        "replace the code of a function that runs with a privileged role",
        Rhino,
    ),
    method(
        "PassRoleToNewGlueDevEndpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
        "create a Glue dev endpoint with a privileged role and log in to it",
        Rhino,
    ),
    method(
        "UpdateGlueDevEndpoint",
        &["glue:UpdateDevEndpoint"],
        "add an SSH key to a Glue dev endpoint with a privileged role",
        Rhino,
    ),
    method(
        "PassRoleToCloudFormation",
        &["iam:PassRole", "cloudformation:CreateStack"],
        "create a stack that runs with a privileged role",
        Rhino,
    ),
    method(
        "PassRoleToDataPipeline",
        &["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
        "run commands in a pipeline with a privileged role",
        Rhino,
    ),
    // Rhino Security Labs, CodeStar.
    method(
        "CodeStarCreateProjectFromTemplate",
        &["codestar:CreateProjectFromTemplate"],
        "create a CodeStar project whose service role grants project-admin access",
        RhinoCodeStar,
    ),
    method(
        "PassRoleToCodeStar",
        &["iam:PassRole", "codestar:CreateProject"],
        "create a CodeStar project with a privileged role",
        RhinoCodeStar,
    ),
    // Cloudsplaining / pathfinding.cloud additions.
    method(
        "PassRoleToNewLambdaThenAddPermission",
        &["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"],
        "create a function with a privileged role and let itself invoke it",
        Cloudsplaining,
    ),
    method(
        "PassRoleToSageMakerNotebook",
        &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
        "create a notebook instance with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToSageMakerTrainingJob",
        &["iam:PassRole", "sagemaker:CreateTrainingJob"],
        "run a training job with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToSageMakerProcessingJob",
        &["iam:PassRole", "sagemaker:CreateProcessingJob"],
        "run a processing job with a privileged role",
        Cloudsplaining,
    ),
    method(
        "SageMakerPresignedNotebookUrl",
        &["sagemaker:CreatePresignedNotebookInstanceUrl"],
        "open an existing notebook that runs with a privileged role",
        Cloudsplaining,
    ),
    method(
        "SageMakerNotebookLifecycleConfig",
        &[
            "sagemaker:CreateNotebookInstanceLifecycleConfig",
            "sagemaker:StopNotebookInstance",
            "sagemaker:UpdateNotebookInstance",
            "sagemaker:StartNotebookInstance",
        ],
        "inject a start-up script into a notebook with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToCodeBuildProject",
        &["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
        "run a build with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToCodeBuildBatch",
        &["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuildBatch"],
        "run a batch build with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToEc2SpotInstance",
        &["iam:PassRole", "ec2:RequestSpotInstances"],
        "request a spot instance with a privileged instance profile",
        Cloudsplaining,
    ),
    method(
        "PassRoleToEcsRunTask",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        "run a task with a privileged task role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToEcsStartTask",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
        "start a task with a privileged task role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToEcsService",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
        "create a service with a privileged task role",
        Cloudsplaining,
    ),
    method(
        "EcsExecuteCommand",
        &["ecs:ExecuteCommand", "ecs:DescribeTasks"],
        "open a shell in a running task and use its role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToNewGlueJobThenRun",
        &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
        "run a Glue job with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToNewGlueJobViaTrigger",
        &["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"],
        "trigger a Glue job with a privileged role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToUpdatedGlueJobThenRun",
        &["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
        "give an existing Glue job a privileged role and run it",
        Cloudsplaining,
    ),
    method(
        "PassRoleToUpdatedGlueJobViaTrigger",
        &["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"],
        "give an existing Glue job a privileged role and trigger it",
        Cloudsplaining,
    ),
    method(
        "PassRoleToAppRunner",
        &["iam:PassRole", "apprunner:CreateService"],
        "create an App Runner service with a privileged instance role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToCloudFormationStackSet",
        &["iam:PassRole", "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"],
        "deploy a stack set with a privileged administration role",
        Cloudsplaining,
    ),
    method(
        "PassRoleToUpdateCloudFormationStackSet",
        &["iam:PassRole", "cloudformation:UpdateStackSet"],
        "update a stack set to run with a privileged role",
        Cloudsplaining,
    ),
    method(
        "CloudFormationChangeSet",
        &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
        "change a stack that runs with a privileged service role",
        Cloudsplaining,
    ),
    method(
        "Ec2UserDataThenRestart",
        &["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
        "replace an instance's user data and restart it to run code with its role",
        Cloudsplaining,
    ),
    method(
        "Ec2LaunchTemplateVersion",
        &["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
        "make a launch template with a privileged profile run its own code",
        Cloudsplaining,
    ),
    method(
        "Ec2InstanceConnect",
        &["ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"],
        "log in to an instance and use its instance profile",
        Cloudsplaining,
    ),
    method(
        "SsmSendCommand",
        &["ssm:SendCommand"],
        "run commands on a managed instance and use its instance profile (Cloudsplaining's compute-role note)",
        Cloudsplaining,
    ),
    method(
        "BedrockCodeInterpreterSession",
        &["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
        "run code in an existing code interpreter with a privileged role",
        Cloudsplaining,
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn lower(m: &EscalationMethod) -> HashSet<String> {
        m.actions.iter().map(|a| a.to_ascii_lowercase()).collect()
    }

    #[test]
    fn names_are_unique_and_actions_well_formed() {
        let mut names = HashSet::new();
        for m in METHODS {
            assert!(names.insert(m.name), "duplicate method {}", m.name);
            assert!(!m.actions.is_empty() && !m.description.is_empty(), "{}", m.name);
            for a in m.actions {
                let (service, action) = a.split_once(':').unwrap_or(("", ""));
                assert!(!service.is_empty() && !action.is_empty() && !a.contains('*'), "{}: {a}", m.name);
            }
        }
    }

    #[test]
    fn no_method_contains_another() {
        for a in METHODS {
            for b in METHODS {
                if a.name != b.name {
                    assert!(!lower(a).is_superset(&lower(b)), "{} contains {}", a.name, b.name);
                }
            }
        }
    }

    #[test]
    fn all_of_rhinos_21_methods_are_present() {
        assert_eq!(METHODS.iter().filter(|m| m.source == Source::Rhino).count(), 21);
        for needed in [
            &["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"][..],
            &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
            &["glue:UpdateDevEndpoint"],
        ] {
            assert!(METHODS.iter().any(|m| m.actions == needed), "{needed:?}");
        }
    }
}
