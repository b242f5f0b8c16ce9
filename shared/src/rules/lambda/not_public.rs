//! The rule `lambda.not-public`; its documentation is on [`NotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{public_statements, Statement};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

use super::{describe_actions, statement_label};

rule! {
    pub struct NotPublic;
    id: "lambda.not-public",
    title: "Lambda function policy grants no public access",
    severity: Critical,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Fsbp("Lambda.1")],
    seeds: ["002", "004"],
    what_it_checks: "The function's resource-based policy has no `Allow` statement that\n\
        applies to everyone (`Principal: \"*\"`, `{\"AWS\": \"*\"}` or a `NotPrincipal`) without a\n\
        restricting condition, as decided by the shared `policy::exposure` test: a positive match on\n\
        an account, organisation, principal, source ARN/account, VPC or IP key restricts;\n\
        `...IfExists`, negated operators and `*` values do not. So a grant to `*` under\n\
        `aws:SourceAccount` or `aws:SourceArn` (what `lambda add-permission --source-account` writes)\n\
        is restricted and passes. `lambda:FunctionUrlAuthType` is **not** a restricting key: the\n\
        statement Lambda writes for a function URL with `AuthType NONE` (`Principal: \"*\"`,\n\
        `lambda:InvokeFunctionUrl`, `lambda:FunctionUrlAuthType = NONE`) is public and fails, and the\n\
        reason says it is a function URL grant. Statements are named by `Sid` or position. A function\n\
        with no policy passes.",
    why_it_matters: "Anyone on the internet (any AWS account, or any anonymous caller for a\n\
        URL) can invoke a public function: they run your code with your execution role's\n\
        permissions, at your cost, with inputs you did not plan for.",
    example: "`{\"Sid\":\"open\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:...:function:f\"}`.",
    remediation: "Remove resource-policy statements that allow Principal \"*\" without an aws:SourceAccount/aws:SourceArn/aws:PrincipalOrgID condition (aws lambda remove-permission), and use AuthType AWS_IAM for function URLs.\n\
        \n\
        Remove the statement (`aws lambda remove-permission --function-name f\n\
        --statement-id open`) and grant the specific principal, or add `--source-account` /\n\
        `--source-arn` (or `--principal-org-id`) so only your own resources can invoke it; give\n\
        function URLs `AuthType AWS_IAM`.",
    references: "",
}

impl Rule for NotPublic {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(function.policy) else {
            return Outcome::pass("the function has no resource-based policy");
        };
        let public = public_statements(doc);
        if public.is_empty() {
            return Outcome::pass("no policy statement allows everyone without a restricting condition");
        }
        let described: Vec<String> = public
            .iter()
            .map(|s| {
                let url = if is_unauthenticated_url_grant(s) { ", a function URL with AuthType NONE" } else { "" };
                format!("{} ({}{url})", statement_label(doc, s), describe_actions(s))
            })
            .collect();
        Outcome::fail(format!(
            "policy statement {} allows everyone without a restricting condition",
            described.join(", ")
        ))
    }
}

/// True for the statement Lambda writes for a function URL without authentication.
fn is_unauthenticated_url_grant(statement: &Statement) -> bool {
    statement
        .conditions_on("lambda:FunctionUrlAuthType")
        .any(|c| c.values.iter().any(|v| v.eq_ignore_ascii_case("NONE")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    fn with_statement(statement: &str) -> LambdaFunction {
        let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        LambdaFunction { policy: LambdaFunction::policy_fixture(&json), ..LambdaFunction::fixture("f") }
    }

    #[test]
    fn table() {
        let cases: &[(&str, Status, &str)] = &[
            (
                r#"{"Sid":"open","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"ARN"}"#,
                Status::Fail,
                "\"open\" (lambda:InvokeFunction)",
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"lambda:*","Resource":"ARN"}"#,
                Status::Fail,
                "Statement[0] (lambda:*)",
            ),
            (
                r#"{"Sid":"FunctionURLAllowPublicAccess","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"ARN","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}"#,
                Status::Fail,
                "a function URL with AuthType NONE",
            ),
            (
                r#"{"Sid":"s3","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"ARN","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"}}}"#,
                Status::Pass,
                "no policy statement allows everyone",
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"ARN","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:123456789012:t"}}}"#,
                Status::Pass,
                "no policy statement",
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"ARN","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}}"#,
                Status::Fail,
                "Statement[0]",
            ),
            (
                r#"{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"ARN"}"#,
                Status::Pass,
                "no policy statement",
            ),
            (
                r#"{"Effect":"Deny","Principal":"*","Action":"lambda:InvokeFunction","Resource":"ARN"}"#,
                Status::Pass,
                "no policy statement",
            ),
        ];
        for (statement, want, reason_has) in cases {
            let statement = statement.replace("ARN", ARN);
            let o = NotPublic.evaluate(&with_statement(&statement), &ScanContext::fixture());
            assert_eq!(o.status, *want, "{statement}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{statement}: {}", o.reason);
        }
    }

    #[test]
    fn passes_when_no_policy() {
        let o = NotPublic.evaluate(&LambdaFunction::fixture("f"), &ScanContext::fixture());
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("no resource-based policy"));
    }

    #[test]
    fn unknown_when_policy_could_not_be_read() {
        let f =
            LambdaFunction { policy: Err(LambdaFunction::denied("lambda:GetPolicy")), ..LambdaFunction::fixture("f") };
        let o = NotPublic.evaluate(&f, &ScanContext::fixture());
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("lambda:GetPolicy"), "{}", o.reason);
    }
}
