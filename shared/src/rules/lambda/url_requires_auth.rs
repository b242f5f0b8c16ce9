//! The rule `lambda.url-requires-auth`; its documentation is on [`UrlRequiresAuth`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct UrlRequiresAuth;
    id: "lambda.url-requires-auth",
    title: "Lambda function URLs require IAM authentication",
    severity: High,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_url_public")],
    seeds: ["004"],
    what_it_checks: "No function URL of the function, or of any of its aliases, has\n\
        `AuthType NONE`; each must be `AWS_IAM`. The finding names the function or alias ARN each\n\
        open URL belongs to. A function with no URL is NOT_APPLICABLE rather than PASS: there is no\n\
        endpoint to authenticate, and reporting PASS would count every URL-less function as a\n\
        verified URL control. (An unauthenticated URL is also public through the resource policy\n\
        Lambda writes for it; `lambda.not-public` reports that side.)",
    why_it_matters: "A URL with `AuthType NONE` is an HTTPS endpoint anyone on the internet\n\
        can call without credentials, unless the function's own code authenticates every request.",
    example: "`aws lambda create-function-url-config --function-name f --qualifier live\n\
        --auth-type NONE` gives `arn:aws:lambda:us-east-1:123456789012:function:f:live` an open\n\
        `https://<id>.lambda-url.us-east-1.on.aws/`.",
    remediation: "Set AuthType AWS_IAM on every function URL (aws lambda update-function-url-config --auth-type AWS_IAM), or front the function with API Gateway and delete the URL.\n\
        \n\
        `aws lambda update-function-url-config --function-name f [--qualifier q]\n\
        --auth-type AWS_IAM` and sign callers' requests with SigV4, or put the function behind API\n\
        Gateway or CloudFront (with origin access control) and delete the URL.",
    references: "",
}

impl Rule for UrlRequiresAuth {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, _ctx: &ScanContext) -> Outcome {
        let urls = known!(function.urls);
        if urls.is_empty() {
            return Outcome::not_applicable("the function has no function URL");
        }
        let open: Vec<String> = urls
            .iter()
            .filter(|u| !u.auth_type.eq_ignore_ascii_case("AWS_IAM"))
            .map(|u| format!("{} ({}, AuthType {})", u.function_arn, u.url, u.auth_type))
            .collect();
        if open.is_empty() {
            return Outcome::pass(format!("all {} function URL(s) require AWS_IAM authentication", urls.len()));
        }
        Outcome::fail(format!("function URL without IAM authentication: {}", open.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::FunctionUrl;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    fn url(qualifier: &str, auth: &str) -> FunctionUrl {
        let function_arn = if qualifier.is_empty() { ARN.to_string() } else { format!("{ARN}:{qualifier}") };
        FunctionUrl {
            url: format!("https://{qualifier}x.lambda-url.us-east-1.on.aws/"),
            function_arn,
            auth_type: auth.into(),
            cors: None,
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(Vec<FunctionUrl>, Status, &str)> = vec![
            (vec![], Status::NotApplicable, "no function URL"),
            (vec![url("", "AWS_IAM")], Status::Pass, "all 1 function URL"),
            (vec![url("", "AWS_IAM"), url("live", "AWS_IAM")], Status::Pass, "all 2"),
            (vec![url("", "NONE")], Status::Fail, "arn:aws:lambda:us-east-1:123456789012:function:f (https://"),
            (vec![url("", "AWS_IAM"), url("live", "NONE")], Status::Fail, "function:f:live"),
        ];
        for (urls, want, reason_has) in cases {
            let f = LambdaFunction { urls: Ok(urls.clone()), ..LambdaFunction::fixture("f") };
            let o = UrlRequiresAuth.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{urls:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{urls:?}: {}", o.reason);
        }
    }

    #[test]
    fn fail_names_only_the_open_url() {
        let f =
            LambdaFunction { urls: Ok(vec![url("", "AWS_IAM"), url("live", "NONE")]), ..LambdaFunction::fixture("f") };
        let o = UrlRequiresAuth.evaluate(&f, &ScanContext::fixture());
        assert!(!o.reason.contains(&format!("{ARN} (")), "{}", o.reason);
    }

    #[test]
    fn unknown_when_urls_could_not_be_listed() {
        let f = LambdaFunction {
            urls: Err(LambdaFunction::denied("lambda:ListFunctionUrlConfigs")),
            ..LambdaFunction::fixture("f")
        };
        let o = UrlRequiresAuth.evaluate(&f, &ScanContext::fixture());
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("lambda:ListFunctionUrlConfigs"), "{}", o.reason);
    }
}
