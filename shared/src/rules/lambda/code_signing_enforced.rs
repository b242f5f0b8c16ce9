//! The rule `lambda.code-signing-enforced`; its documentation is on [`CodeSigningEnforced`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::{LambdaFunction, PackageType};
use crate::rules::Rule;

rule! {
    pub struct CodeSigningEnforced;
    id: "lambda.code-signing-enforced",
    title: "Lambda function enforces code signing",
    severity: Medium,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [],
    seeds: ["002"],
    what_it_checks: "A `.zip` function has a code-signing config attached whose\n\
        `UntrustedArtifactOnDeployment` policy is `Enforce`. `Warn` fails (unsigned or untrusted\n\
        code is still deployed, only logged), as does no config. Container-image functions are\n\
        NOT_APPLICABLE: Lambda code signing does not support images (sign those with ECR/Signer\n\
        image signing instead). When the attachment or the config itself could not be read the\n\
        result is UNKNOWN.",
    why_it_matters: "Enforced code signing makes Lambda reject any deployment package not\n\
        signed by an allowed Signer profile, so stolen deployment credentials or a tampered build\n\
        artifact cannot replace the function's code.",
    example: "A function with no code-signing config, or one with\n\
        `CodeSigningPolicies.UntrustedArtifactOnDeployment=Warn`.",
    remediation: "Attach a code-signing config with UntrustedArtifactOnDeployment=Enforce and an allowed Signer profile (aws lambda put-function-code-signing-config), and sign packages in the deployment pipeline.\n\
        \n\
        Create a Signer profile and a code-signing config with\n\
        `--code-signing-policies UntrustedArtifactOnDeployment=Enforce`, attach it\n\
        (`aws lambda put-function-code-signing-config`), and sign packages in the pipeline\n\
        (`sam deploy --signing-profiles`).",
    references: "",
}

impl Rule for CodeSigningEnforced {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        if function.package_type == PackageType::Image {
            return Outcome::not_applicable("Lambda code signing does not support container images");
        }
        let Some(config) = known!(function.code_signing) else {
            return Outcome::fail("no code-signing config is attached, so unsigned code can be deployed");
        };
        let policy = known!(config.untrusted_artifact_on_deployment);
        if policy.eq_ignore_ascii_case("Enforce") {
            Outcome::pass(format!("code-signing config {} enforces signatures", config.config_arn))
        } else {
            Outcome::fail(format!(
                "code-signing config {} has UntrustedArtifactOnDeployment={policy}, so untrusted code is still deployed",
                config.config_arn
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::lambda::CodeSigning;

    fn with_policy(policy: Collected<String>) -> Collected<Option<CodeSigning>> {
        let Ok(Some(cfg)) = LambdaFunction::fixture("f").code_signing else { unreachable!() };
        Ok(Some(CodeSigning { untrusted_artifact_on_deployment: policy, ..cfg }))
    }

    #[test]
    fn table() {
        let cases: Vec<(PackageType, Collected<Option<CodeSigning>>, Status, &str)> = vec![
            (PackageType::Zip, with_policy(Ok("Enforce".into())), Status::Pass, "code-signing-config:csc-"),
            (PackageType::Zip, with_policy(Ok("Warn".into())), Status::Fail, "UntrustedArtifactOnDeployment=Warn"),
            (PackageType::Zip, Ok(None), Status::Fail, "no code-signing config"),
            (PackageType::Image, Ok(None), Status::NotApplicable, "container images"),
            (
                PackageType::Image,
                Err(LambdaFunction::denied("lambda:GetFunctionCodeSigningConfig")),
                Status::NotApplicable,
                "container",
            ),
            (
                PackageType::Zip,
                Err(LambdaFunction::denied("lambda:GetFunctionCodeSigningConfig")),
                Status::Unknown,
                "lambda:GetFunctionCodeSigningConfig",
            ),
            (
                PackageType::Zip,
                with_policy(Err(LambdaFunction::denied("lambda:GetCodeSigningConfig"))),
                Status::Unknown,
                "lambda:GetCodeSigningConfig",
            ),
        ];
        for (package_type, code_signing, want, reason_has) in cases {
            let f = LambdaFunction {
                package_type,
                runtime: (package_type == PackageType::Zip).then(|| "python3.13".into()),
                code_signing: code_signing.clone(),
                ..LambdaFunction::fixture("f")
            };
            let o = CodeSigningEnforced.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{package_type:?} {code_signing:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{package_type:?} {code_signing:?}: {}", o.reason);
        }
    }
}
