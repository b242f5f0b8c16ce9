//! The rule `lambda.has-required-tags`; its documentation is on [`HasRequiredTags`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LambdaFunction;
use crate::rules::Rule;

rule! {
    pub struct HasRequiredTags;
    id: "lambda.has-required-tags",
    title: "Lambda function carries the required tags",
    severity: Low,
    resource_type: "AwsLambdaFunction",
    trigger: Change,
    mappings: [],
    seeds: ["000"],
    what_it_checks: "The function carries every tag key in the configured `required_tags`\n\
        (default `owner` and `data-classification`). Keys are compared case-sensitively, as AWS\n\
        compares them (`Owner` does not satisfy `owner`). A key whose value is empty or blank counts\n\
        as missing: it names no owner or classification. The finding lists the missing keys (and,\n\
        separately, the empty ones). With `required_tags` configured empty the rule is\n\
        NOT_APPLICABLE. When the tags could not be listed the result is UNKNOWN.",
    why_it_matters: "Incident response needs to know at once who owns a function and what\n\
        data it touches; the tags are also what cost allocation and tag-based access control\n\
        (ABAC) rely on.",
    example: "A function tagged only `{\"team\": \"payments\"}` lacks `owner` and\n\
        `data-classification`.",
    remediation: "Tag the function with every required key and a non-empty value (aws lambda tag-resource --tags owner=...,data-classification=...).\n\
        \n\
        `aws lambda tag-resource --resource <function ARN> --tags\n\
        owner=<team>,data-classification=<level>` (SAM: `Tags` on the function, or `Globals`), and\n\
        enforce it with a tag policy or an SCP.",
    references: "",
}

impl Rule for HasRequiredTags {
    type Resource = LambdaFunction;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, function: &LambdaFunction, ctx: &ScanContext) -> Outcome {
        let required = &ctx.config.required_tags;
        if required.is_empty() {
            return Outcome::not_applicable("no required tag keys are configured (required_tags is empty)");
        }
        let tags = known!(function.tags);
        let missing: Vec<&str> = required.iter().filter(|k| !tags.contains_key(*k)).map(String::as_str).collect();
        let empty: Vec<&str> =
            required.iter().filter(|k| tags.get(*k).is_some_and(|v| v.trim().is_empty())).map(String::as_str).collect();
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing required tag(s) {}", missing.join(", ")));
        }
        if !empty.is_empty() {
            problems.push(format!("required tag(s) {} have an empty value", empty.join(", ")));
        }
        if problems.is_empty() {
            return Outcome::pass(format!("the function carries the required tags {}", required.join(", ")));
        }
        Outcome::fail(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn table() {
        let cases: Vec<(BTreeMap<String, String>, Status, &str)> = vec![
            (tags(&[("owner", "a"), ("data-classification", "internal")]), Status::Pass, "owner, data-classification"),
            (tags(&[("owner", "a"), ("data-classification", "internal"), ("x", "y")]), Status::Pass, "carries"),
            (tags(&[("team", "payments")]), Status::Fail, "missing required tag(s) owner, data-classification"),
            (
                tags(&[("Owner", "a"), ("data-classification", "internal")]),
                Status::Fail,
                "missing required tag(s) owner",
            ),
            (tags(&[("owner", " "), ("data-classification", "internal")]), Status::Fail, "owner have an empty value"),
            (tags(&[]), Status::Fail, "missing"),
        ];
        for (t, want, reason_has) in cases {
            let f = LambdaFunction { tags: Ok(t.clone()), ..LambdaFunction::fixture("f") };
            let o = HasRequiredTags.evaluate(&f, &ScanContext::fixture());
            assert_eq!(o.status, want, "{t:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{t:?}: {}", o.reason);
        }
    }

    #[test]
    fn follows_the_configured_keys() {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).required_tags = vec!["cost-center".into()];
        let o = HasRequiredTags.evaluate(&LambdaFunction::fixture("f"), &ctx);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("cost-center"), "{}", o.reason);
        Arc::make_mut(&mut ctx.config).required_tags.clear();
        assert_eq!(HasRequiredTags.evaluate(&LambdaFunction::fixture("f"), &ctx).status, Status::NotApplicable);
    }

    #[test]
    fn unknown_when_tags_could_not_be_listed() {
        let f = LambdaFunction { tags: Err(LambdaFunction::denied("lambda:ListTags")), ..LambdaFunction::fixture("f") };
        let o = HasRequiredTags.evaluate(&f, &ScanContext::fixture());
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("lambda:ListTags"), "{}", o.reason);
    }
}
