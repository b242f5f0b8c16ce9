//! The rule `cloudformation.no-secrets-in-outputs`; its documentation is on [`NoSecretsInOutputs`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::cloudformation::Stack;
use crate::rules::Rule;
use crate::secrets::Detection;

rule! {
    pub struct NoSecretsInOutputs;
    id: "cloudformation.no-secrets-in-outputs",
    title: "CloudFormation stack outputs and parameter defaults hold no secrets",
    severity: High,
    resource_type: "AwsCloudFormationStack",
    trigger: Change,
    mappings: [Prowler("cloudformation_stack_outputs_find_secrets")],
    seeds: ["000"],
    what_it_checks: "No stack output, no parameter default in the stack's template, and no\n\
        deployed parameter value (of a parameter that is not `NoEcho`) looks like it holds a secret.\n\
        The collector runs the shared secret detector (`secrets::Detector`, with the configured\n\
        `secret_ignore` patterns, exactly as for Lambda environment variables) while it holds the\n\
        SDK output, and keeps only the names and the detector that fired; this rule reads those\n\
        detections and never sees a value. Values of `NoEcho` parameters (masked `****` by the API)\n\
        are not scanned. A stack with no output and no parameter is NOT_APPLICABLE. When\n\
        `GetTemplateSummary` failed, the parameter defaults are unknown: the result is UNKNOWN\n\
        naming that error, unless the outputs or parameter values already fail.",
    why_it_matters: "Outputs and parameters are readable by anyone with\n\
        `cloudformation:DescribeStacks` (a read-only permission most roles hold), appear in the\n\
        console, in exports other stacks import, and in CI logs; parameter defaults live in the\n\
        template, in source control. A credential there has none of the access control or rotation\n\
        of Secrets Manager.",
    example: "A template that outputs `ApiKey: !GetAtt ApiKey.Value`, or declares\n\
        `DbPassword` with a `Default`: the finding reads `Output ApiKey (generic-high-entropy),\n\
        Parameter default DbPassword (generic-high-entropy)`.",
    remediation: "Move the secret to Secrets Manager and reference it with {{resolve:secretsmanager:...}} (or a NoEcho parameter without a default), remove the output, and rotate the exposed credential.\n\
        \n\
        Keep the secret in Secrets Manager and reference it with\n\
        `{{resolve:secretsmanager:...}}` (or pass it as a `NoEcho` parameter without a default),\n\
        remove the output, and rotate the exposed credential. Add a name that only looks secret\n\
        (e.g. `BuildToken` holding a build number) to `secret_ignore`.",
    references: "",
}

fn named(detections: &[&Detection]) -> String {
    detections.iter().map(|d| format!("{} ({})", d.variable, d.detector)).collect::<Vec<_>>().join(", ")
}

impl Rule for NoSecretsInOutputs {
    type Resource = Stack;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, stack: &Stack, _ctx: &ScanContext) -> Outcome {
        if stack.output_keys.is_empty() && stack.parameter_keys.is_empty() {
            return Outcome::not_applicable("the stack has no outputs and no parameters");
        }
        let mut found: Vec<&Detection> = stack.detections.iter().collect();
        if let Ok(t) = &stack.template {
            found.extend(t.detections.iter());
        }
        if !found.is_empty() {
            let unread = match &stack.template {
                Err(e) => format!("; the parameter defaults could not be read ({e})"),
                Ok(_) => String::new(),
            };
            return Outcome::fail(format!(
                "outputs or parameters look like secrets: {} (values are never read into findings){unread}",
                named(&found)
            ));
        }
        let template = match &stack.template {
            Ok(t) => t,
            Err(e) => {
                return Outcome::unknown(format!(
                    "could not evaluate the parameter defaults: {e} (the {} outputs and {} parameter values hold no secret)",
                    stack.output_keys.len(),
                    stack.parameter_keys.len()
                ))
            }
        };
        Outcome::pass(format!(
            "none of the {} outputs, {} parameter defaults and {} parameter values looks like a secret",
            stack.output_keys.len(),
            template.with_default.len(),
            stack.parameter_keys.len() - template.no_echo.iter().filter(|n| stack.parameter_keys.contains(n)).count()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::cloudformation::TemplateParameters;

    fn detection(variable: &str) -> Detection {
        Detection { variable: variable.into(), detector: "generic-high-entropy" }
    }

    #[test]
    fn table() {
        let base = Stack::fixture("app");
        let denied = Stack::denied("cloudformation:GetTemplateSummary");
        let with_default_secret = TemplateParameters {
            detections: vec![detection("Parameter default DbPassword")],
            ..TemplateParameters::default()
        };
        let cases: Vec<(&str, Stack, Status, &[&str])> = vec![
            ("clean", base.clone(), Status::Pass, &["1 outputs, 1 parameter defaults and 1 parameter values"]),
            (
                "nothing to scan",
                Stack {
                    output_keys: Vec::new(),
                    parameter_keys: Vec::new(),
                    template: Err(denied.clone()),
                    ..base.clone()
                },
                Status::NotApplicable,
                &["no outputs and no parameters"],
            ),
            (
                "an output",
                Stack { detections: vec![detection("Output ApiKey")], ..base.clone() },
                Status::Fail,
                &["Output ApiKey (generic-high-entropy)"],
            ),
            (
                "a default and a deployed value",
                Stack {
                    detections: vec![detection("Parameter DbPassword")],
                    template: Ok(with_default_secret),
                    ..base.clone()
                },
                Status::Fail,
                &["Parameter DbPassword (generic-high-entropy), Parameter default DbPassword"],
            ),
            (
                "an output, template unreadable",
                Stack { detections: vec![detection("Output ApiKey")], template: Err(denied.clone()), ..base.clone() },
                Status::Fail,
                &["Output ApiKey", "parameter defaults could not be read", "cloudformation:GetTemplateSummary"],
            ),
            (
                "clean outputs, template unreadable",
                Stack { template: Err(denied.clone()), ..base.clone() },
                Status::Unknown,
                &[
                    "could not evaluate the parameter defaults",
                    "access denied on cloudformation:GetTemplateSummary",
                    "1 outputs",
                ],
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, stack, status, needles) in cases {
            let o = NoSecretsInOutputs.evaluate(&stack, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            for n in needles {
                assert!(o.reason.contains(n), "{name}: {}", o.reason);
            }
        }
    }
}
