//! The rule `lambda.no-secrets-in-env`; its documentation is on [`NoSecretsInEnv`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct NoSecretsInEnv;
    id: "lambda.no-secrets-in-env",
    title: "Lambda function environment variables hold no secrets",
    severity: Critical,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_no_secrets_in_variables")],
    seeds: ["000", "002"],
    what_it_checks: "No environment variable of the function looks like it holds a secret.\n\
        The collector runs the secret detector (`secrets::Detector`, with the configured\n\
        `secret_ignore` patterns) while it holds the configuration and keeps only the variable\n\
        names and the detector that fired; this rule reads those detections and never sees a value.\n\
        Values that *reference* a secret (a Secrets Manager or SSM ARN or name, `{{resolve:...}}`)\n\
        are not detections. A function without environment variables is NOT_APPLICABLE. When Lambda\n\
        reports it could not decrypt the variables (`Environment.Error`, e.g.\n\
        `KMSAccessDeniedException`) the names are unknown and the result is UNKNOWN naming the\n\
        error code.",
    why_it_matters: "Environment variables are readable by anyone with\n\
        `lambda:GetFunctionConfiguration`, are copied into every published version, and end up in\n\
        templates, CI logs and crash dumps. A credential there is a long-lived secret with none of\n\
        the rotation or access control of Secrets Manager.",
    example: "`DB_PASSWORD=Xk9...` (a random password) or `STRIPE_KEY=sk_live_...`: the finding\n\
        reads `DB_PASSWORD (generic-high-entropy), STRIPE_KEY (stripe-live-key)`.",
    remediation: "Move the secret to Secrets Manager, store only its ARN in the variable, read it at runtime with secretsmanager:GetSecretValue, and rotate the exposed credential.\n\
        \n\
        Move the secret to Secrets Manager (or SSM Parameter Store SecureString),\n\
        put its ARN in the variable, grant the execution role `secretsmanager:GetSecretValue` on it,\n\
        read it at cold start (or through the Parameters and Secrets extension), and rotate the\n\
        exposed credential. Add a variable that only looks random (e.g. `BUILD_ID`) to\n\
        `secret_ignore`.",
    references: "",
}

impl Rule for NoSecretsInEnv {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        let Some(env) = &function.environment else {
            return Outcome::not_applicable("the function has no environment variables");
        };
        if !env.detections.is_empty() {
            let named: Vec<String> =
                env.detections.iter().map(|d| format!("{} ({})", d.variable, d.detector)).collect();
            return Outcome::fail(format!(
                "environment variables look like secrets: {} (values are never read into findings)",
                named.join(", ")
            ));
        }
        if let Some(code) = &env.error {
            return Outcome::unknown(format!(
                "could not evaluate: Lambda could not decrypt the environment variables ({code}), so they were not scanned"
            ));
        }
        Outcome::pass(format!("none of the {} environment variables looks like a secret", env.names.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::Environment;
    use crate::secrets::Detection;

    fn with_env(env: Option<Environment>) -> LambdaFunction {
        LambdaFunction { environment: env, ..LambdaFunction::fixture("f") }
    }

    fn detection(variable: &str, detector: &'static str) -> Detection {
        Detection { variable: variable.into(), detector }
    }

    #[test]
    fn table() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases: Vec<(Option<Environment>, Status, &[&str])> = vec![
            (None, Status::NotApplicable, &["no environment variables"]),
            (
                Some(Environment { names: names(&["LOG_LEVEL", "TABLE"]), ..Environment::default() }),
                Status::Pass,
                &["none of the 2"],
            ),
            (
                Some(Environment {
                    names: names(&["DB_PASSWORD", "LOG_LEVEL", "STRIPE_KEY"]),
                    detections: vec![
                        detection("DB_PASSWORD", "generic-high-entropy"),
                        detection("STRIPE_KEY", "stripe-live-key"),
                    ],
                    error: None,
                }),
                Status::Fail,
                &["DB_PASSWORD (generic-high-entropy), STRIPE_KEY (stripe-live-key)"],
            ),
            (
                Some(Environment { error: Some("KMSAccessDeniedException".into()), ..Environment::default() }),
                Status::Unknown,
                &["KMSAccessDeniedException"],
            ),
        ];
        for (env, want, reason_has) in cases {
            let o = NoSecretsInEnv.evaluate(&with_env(env.clone()), &ScanContext::fixture());
            assert_eq!(o.status, want, "{env:?}: {}", o.reason);
            for r in reason_has {
                assert!(o.reason.contains(r), "{env:?}: {}", o.reason);
            }
        }
    }
}
