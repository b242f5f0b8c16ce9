//! The rule `lambda.env-encrypted-with-cmk`; its documentation is on [`EnvEncryptedWithCmk`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct EnvEncryptedWithCmk;
    id: "lambda.env-encrypted-with-cmk",
    title: "Lambda function environment variables are encrypted with a customer-managed KMS key",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_env_vars_not_encrypted_with_cmk")],
    seeds: ["002"],
    what_it_checks: "A function with environment variables encrypts them with a\n\
        customer-managed KMS key (`KMSKeyArn` set). Without one, Lambda uses the AWS-managed key\n\
        `aws/lambda`, and the rule fails. A function without environment variables is\n\
        NOT_APPLICABLE. The key ARN is part of the function configuration, so there is no UNKNOWN\n\
        outcome (even when Lambda could not decrypt the variables, the key in use is known).",
    why_it_matters: "With the AWS-managed key, anyone allowed to read the function's\n\
        configuration sees the variables in clear text; a customer-managed key lets the key policy\n\
        decide who may decrypt them, and its use is logged per caller in CloudTrail.",
    example: "A function with `TABLE_NAME` and `API_URL` set and no `KMSKeyArn`.",
    remediation: "Set a customer-managed KMS key for the environment (aws lambda update-function-configuration --kms-key-arn) and grant the execution role kms:Decrypt on it.\n\
        \n\
        `aws lambda update-function-configuration --function-name f --kms-key-arn\n\
        <CMK ARN>`, granting the execution role `kms:Decrypt` on the key; keep secrets themselves in\n\
        Secrets Manager (`lambda.no-secrets-in-env`).",
    references: "",
}

impl Rule for EnvEncryptedWithCmk {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        if function.environment.is_none() {
            return Outcome::not_applicable("the function has no environment variables");
        }
        match &function.kms_key_arn {
            Some(key) => Outcome::pass(format!("environment variables are encrypted with {key}")),
            None => Outcome::fail("environment variables are encrypted with the AWS-managed key aws/lambda"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::Environment;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn table() {
        let env = || Some(Environment { names: vec!["TABLE".into()], ..Environment::default() });
        let cases: Vec<(Option<Environment>, Option<&str>, Status, &str)> = vec![
            (env(), Some(KEY), Status::Pass, KEY),
            (env(), None, Status::Fail, "aws/lambda"),
            (
                Some(Environment { error: Some("KMSAccessDeniedException".into()), ..Environment::default() }),
                Some(KEY),
                Status::Pass,
                KEY,
            ),
            (None, None, Status::NotApplicable, "no environment variables"),
            (None, Some(KEY), Status::NotApplicable, "no environment variables"),
        ];
        for (environment, key, want, reason_has) in cases {
            let f = LambdaFunction {
                environment: environment.clone(),
                kms_key_arn: key.map(str::to_string),
                ..LambdaFunction::fixture("f")
            };
            let o = EnvEncryptedWithCmk.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{environment:?} {key:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{environment:?} {key:?}: {}", o.reason);
        }
    }
}
