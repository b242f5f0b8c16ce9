//! The rule `lambda.url-cors-restricted`; its documentation is on [`UrlCorsRestricted`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::{FunctionUrl, LambdaFunction};
use crate::rules::Rule;

rule! {
    pub struct UrlCorsRestricted;
    id: "lambda.url-cors-restricted",
    title: "Lambda function URL CORS does not open the URL to every website",
    severity: Medium,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [Prowler("awslambda_function_url_cors_policy")],
    seeds: ["004"],
    what_it_checks: "No function URL of the function or its aliases has a CORS configuration that\n\
        allows every origin (`AllowOrigins` containing `*`) together with `AllowCredentials`, nor\n\
        every origin on a URL with `AuthType NONE` (any website may then call the open endpoint\n\
        from its visitors' browsers and read the answers). A FAIL names each URL and why. A URL\n\
        without CORS, or whose origins are listed, passes. A function without URL is\n\
        NOT_APPLICABLE; URLs that could not be read (`ListFunctionUrlConfigs`) are UNKNOWN.",
    why_it_matters: "CORS is what stops a malicious page from using a visitor's browser to call\n\
        your endpoint and read the answer. `*` with credentials hands the visitor's session to any\n\
        website; `*` on an unauthenticated URL lets any website drive it.",
    example: "`aws lambda create-function-url-config --function-name f --auth-type NONE --cors\n\
        AllowOrigins=*,AllowCredentials=true`.",
    remediation: "List the exact origins allowed to call the function URL (AllowOrigins), and never combine * with AllowCredentials or with AuthType NONE.\n\
        \n\
        `aws lambda update-function-url-config --function-name f --cors\n\
        AllowOrigins=https://app.example.com,AllowCredentials=true`.",
    references: "https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors",
}

/// Why a URL's CORS is too open, if it is.
fn too_open(url: &FunctionUrl) -> Option<&'static str> {
    let cors = url.cors.as_ref()?;
    if !cors.allow_origins.iter().any(|o| o.trim() == "*") {
        return None;
    }
    if cors.allow_credentials {
        Some("every origin with credentials")
    } else if url.auth_type.eq_ignore_ascii_case("NONE") {
        Some("every origin on an AuthType NONE URL")
    } else {
        None
    }
}

impl Rule for UrlCorsRestricted {
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
            .filter_map(|u| too_open(u).map(|why| format!("{} ({}) allows {why}", u.function_arn, u.url)))
            .collect();
        if open.is_empty() {
            return Outcome::pass(format!(
                "no function URL's CORS allows every origin unsafely ({} URL(s))",
                urls.len()
            ));
        }
        Outcome::fail(open.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::lambda::UrlCors;

    fn url(auth: &str, origins: Option<&[&str]>, credentials: bool) -> FunctionUrl {
        FunctionUrl {
            url: "https://x.lambda-url.us-east-1.on.aws/".into(),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
            auth_type: auth.into(),
            cors: origins.map(|o| UrlCors {
                allow_origins: o.iter().map(|s| s.to_string()).collect(),
                allow_credentials: credentials,
            }),
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, Collected, Status, &str)> = vec![
            ("no URL", Ok(vec![]), Status::NotApplicable, "no function URL"),
            ("no CORS", Ok(vec![url("NONE", None, false)]), Status::Pass, "1 URL(s)"),
            (
                "listed origins with credentials",
                Ok(vec![url("AWS_IAM", Some(&["https://app.example.com"]), true)]),
                Status::Pass,
                "no function URL's CORS",
            ),
            (
                "* on an IAM URL without credentials",
                Ok(vec![url("AWS_IAM", Some(&["*"]), false)]),
                Status::Pass,
                "no function URL's CORS",
            ),
            (
                "* with credentials",
                Ok(vec![url("AWS_IAM", Some(&["*"]), true)]),
                Status::Fail,
                "allows every origin with credentials",
            ),
            (
                "* on an open URL",
                Ok(vec![url("NONE", Some(&["https://a.example", "*"]), false)]),
                Status::Fail,
                "every origin on an AuthType NONE URL",
            ),
            (
                "URLs unread",
                Err(LambdaFunction::denied("lambda:ListFunctionUrlConfigs")),
                Status::Unknown,
                "access denied on lambda:ListFunctionUrlConfigs",
            ),
        ];
        for (name, urls, status, needle) in cases {
            let f = LambdaFunction { urls, ..LambdaFunction::fixture("f") };
            let o = UrlCorsRestricted.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    type Collected = crate::collected::Collected<Vec<FunctionUrl>>;
}
