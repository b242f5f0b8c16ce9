//! The rule `lambda.service-invoke-has-source-condition`; its documentation is on [`ServiceInvokeHasSourceCondition`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{external_grants, Effect, Statement};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct ServiceInvokeHasSourceCondition;
    id: "lambda.service-invoke-has-source-condition",
    title: "Lambda function policy binds service principals to this account's resources",
    severity: High,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.1")],
    seeds: ["002", "004"],
    what_it_checks: "Every `Allow` statement of the function's resource-based policy whose\n\
        principal is an AWS service (`s3.amazonaws.com`, `sns.amazonaws.com`,\n\
        `events.amazonaws.com`, ...) carries a condition confining it to this account's own\n\
        resources, as decided by the shared `policy::external_grants` evaluator: a positive\n\
        `aws:SourceAccount` (or `aws:SourceOwner`) naming the scanned account or a\n\
        `trusted_accounts` entry, or an `aws:SourceArn` whose ARN is in one of those accounts (also\n\
        `aws:SourceOrgID` equal to the configured `organization_id`). `...IfExists`, negated\n\
        operators and `*` values never confine. An `aws:SourceArn` naming an S3 bucket\n\
        (`arn:aws:s3:::b`, an ARN without an account) cannot be verified and fails: bucket names\n\
        are global and can be re-registered by another account after deletion, which is why AWS\n\
        recommends `aws:SourceAccount` for S3 triggers. A function with no policy, or whose policy\n\
        has no service-principal grant, is NOT_APPLICABLE.",
    why_it_matters: "Without a source condition the service will invoke the function on\n\
        behalf of *any* account's resource: anyone can point their own bucket notification, SNS\n\
        topic or EventBridge rule at your function (the confused-deputy problem) and run your code\n\
        with your execution role.",
    example: "`aws lambda add-permission --principal s3.amazonaws.com --action\n\
        lambda:InvokeFunction` without `--source-account`/`--source-arn` writes\n\
        `{\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\"}` with no\n\
        condition.",
    remediation: "Re-create each service permission with --source-account set to this account and --source-arn set to the invoking resource (aws lambda add-permission), then remove the unconditioned statement.\n\
        \n\
        Re-create the permission with `--source-account <this account>` and\n\
        `--source-arn <the topic, rule or bucket ARN>` (SAM: `SourceAccount`/`SourceArn` on\n\
        `AWS::Lambda::Permission`).",
    references: "FSBP Lambda.1 (the S3 case).",
}

impl Rule for ServiceInvokeHasSourceCondition {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(function.policy) else {
            return Outcome::not_applicable("the function has no resource-based policy");
        };
        let service_statements = doc.statements.iter().filter(|s| is_service_grant(s)).count();
        if service_statements == 0 {
            return Outcome::not_applicable("the policy grants no service principal");
        }
        let unconfined: Vec<String> = external_grants(doc, &ctx.trust())
            .into_iter()
            .filter(|g| is_service_grant(g.statement))
            .map(|g| format!("statement {}: {}", g.label, g.who))
            .collect();
        if unconfined.is_empty() {
            return Outcome::pass(format!(
                "every service-principal grant ({service_statements} statement(s)) is bound to this account by aws:SourceAccount/aws:SourceArn"
            ));
        }
        Outcome::fail(unconfined.join("; "))
    }
}

/// An `Allow` statement naming at least one `Service` principal.
fn is_service_grant(statement: &Statement) -> bool {
    statement.effect == Effect::Allow && statement.principal.as_ref().is_some_and(|p| !p.values("Service").is_empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;

    fn with_statements(statements: &str) -> LambdaFunction {
        let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        LambdaFunction { policy: LambdaFunction::policy_fixture(&json), ..LambdaFunction::fixture("f") }
    }

    fn service(service: &str, condition: &str) -> String {
        let cond = if condition.is_empty() { String::new() } else { format!(r#","Condition":{condition}"#) };
        format!(
            r#"{{"Sid":"invoke","Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"{cond}}}"#
        )
    }

    #[test]
    fn table() {
        let cases: Vec<(String, Status, &str)> = vec![
            (service("s3.amazonaws.com", ""), Status::Fail, "statement invoke: service s3.amazonaws.com without"),
            (
                service("s3.amazonaws.com", r#"{"StringEquals":{"aws:SourceAccount":"123456789012"}}"#),
                Status::Pass,
                "1 statement(s)",
            ),
            (
                service(
                    "s3.amazonaws.com",
                    r#"{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b"}}"#,
                ),
                Status::Pass,
                "bound to this account",
            ),
            (
                service("sns.amazonaws.com", r#"{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:123456789012:t"}}"#),
                Status::Pass,
                "bound to this account",
            ),
            (
                service("s3.amazonaws.com", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b"}}"#),
                Status::Fail,
                "aws:SourceArn arn:aws:s3:::b",
            ),
            (
                service("events.amazonaws.com", r#"{"StringEquals":{"aws:SourceAccount":"999999999999"}}"#),
                Status::Fail,
                "aws:SourceAccount 999999999999",
            ),
            (
                service("sns.amazonaws.com", r#"{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}"#),
                Status::Fail,
                "service sns.amazonaws.com",
            ),
            (
                format!(
                    "{},{}",
                    service("s3.amazonaws.com", r#"{"StringEquals":{"aws:SourceAccount":"123456789012"}}"#),
                    service("sqs.amazonaws.com", "").replace("invoke", "second")
                ),
                Status::Fail,
                "statement second: service sqs.amazonaws.com",
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/r"},"Action":"lambda:InvokeFunction"}"#.into(),
                Status::NotApplicable,
                "no service principal",
            ),
            (
                r#"{"Effect":"Deny","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction"}"#.into(),
                Status::NotApplicable,
                "no service principal",
            ),
        ];
        for (statements, want, reason_has) in cases {
            let o = ServiceInvokeHasSourceCondition.evaluate(&with_statements(&statements), &ScanContext::fixture());
            assert_eq!(o.status, want, "{statements}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{statements}: {}", o.reason);
        }
    }

    #[test]
    fn passes_when_source_account_is_trusted() {
        let f =
            with_statements(&service("sns.amazonaws.com", r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#));
        assert_eq!(ServiceInvokeHasSourceCondition.evaluate(&f, &ScanContext::fixture()).status, Status::Fail);
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).trusted_accounts.push("111122223333".into());
        assert_eq!(ServiceInvokeHasSourceCondition.evaluate(&f, &ctx).status, Status::Pass);
    }

    #[test]
    fn not_applicable_without_policy() {
        let o = ServiceInvokeHasSourceCondition.evaluate(&LambdaFunction::fixture("f"), &ScanContext::fixture());
        assert_eq!(o.status, Status::NotApplicable);
    }

    #[test]
    fn unknown_when_policy_could_not_be_read() {
        let f =
            LambdaFunction { policy: Err(LambdaFunction::denied("lambda:GetPolicy")), ..LambdaFunction::fixture("f") };
        let o = ServiceInvokeHasSourceCondition.evaluate(&f, &ScanContext::fixture());
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("lambda:GetPolicy"), "{}", o.reason);
    }
}
