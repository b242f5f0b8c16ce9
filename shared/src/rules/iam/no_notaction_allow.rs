//! The rule `iam.no-notaction-allow`; its documentation is on [`NoNotActionAllow`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::Effect;
use crate::resources::iam::IamPolicy;
use crate::rules::Rule;

rule! {
    pub struct NoNotActionAllow;
    id: "iam.no-notaction-allow",
    title: "No IAM Allow statement uses NotAction or NotResource",
    severity: Medium,
    resource_type: "AwsIamPolicy",
    trigger: Change,
    mappings: [Parliament("NOTRESOURCE_WITH_ALLOW")],
    seeds: ["000"],
    what_it_checks: "No `Allow` statement of a customer-managed or inline policy uses\n\
        `NotAction` or `NotResource`. `Deny` statements may use them (a `Deny` with `NotAction` is a\n\
        common, safe guard rail: \"deny everything except ...\"). AWS-managed policies are\n\
        skipped: a scan reports no finding of this rule for them (the customer cannot change them,\n\
        and `PowerUserAccess` uses `NotAction`; evaluated directly, the rule answers\n\
        NOT_APPLICABLE); they are judged where they are attached.",
    why_it_matters: "`Allow` + `NotAction` grants every action except the listed ones, and\n\
        `Allow` + `NotResource` every resource except the listed ones: both turn IAM's default deny\n\
        into a default allow, so every new service, action or resource AWS adds is granted\n\
        automatically, and a typo in the exclusion list silently grants what it meant to exclude.",
    example: "`{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}` fails;\n\
        `{\"Effect\":\"Deny\",\"NotAction\":[\"sts:GetCallerIdentity\"],\"Resource\":\"*\",\"Condition\":...}`\n\
        passes.",
    remediation: "Rewrite Allow statements that use NotAction or NotResource as explicit Allow lists, and express exclusions as separate Deny statements.\n\
        \n\
        Rewrite the statement as an `Allow` of the actions and resources needed;\n\
        express exclusions as a separate `Deny` statement.",
    references: "Parliament `NOTRESOURCE_WITH_ALLOW` and the AWS IAM guide (\"NotAction with\n\
        Allow ... use this element with caution\").",
}

impl Rule for NoNotActionAllow {
    type Resource = IamPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, policy: &IamPolicy, _ctx: &ScanContext) -> Outcome {
        if !policy.is_customer_policy() {
            return Outcome::not_applicable("AWS-managed policy: judged where it is attached");
        }
        let doc = known!(policy.document);
        let mut found = Vec::new();
        for (i, s) in doc.statements.iter().enumerate().filter(|(_, s)| s.effect == Effect::Allow) {
            let mut elements = Vec::new();
            if s.not_action.is_some() {
                elements.push("NotAction");
            }
            if s.not_resource.is_some() {
                elements.push("NotResource");
            }
            if !elements.is_empty() {
                let name = s.sid.as_ref().map_or_else(|| format!("statement {i}"), |sid| format!("statement {sid:?}"));
                found.push(format!("{name} uses {}", elements.join(" and ")));
            }
        }
        if found.is_empty() {
            Outcome::pass("no Allow statement uses NotAction or NotResource")
        } else {
            Outcome::fail(format!("Allow with an exclusion list: {}", found.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::rules::iam::policy_rule_tests::{check_scope, run_table, Case};

    #[test]
    fn table() {
        let cases: &[Case] = &[
            (
                "allow notaction",
                r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
                Status::Fail,
                "statement 0 uses NotAction",
            ),
            (
                "allow notresource, named by sid",
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"Most","Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}"#,
                Status::Fail,
                "statement \"Most\" uses NotResource",
            ),
            (
                "both",
                r#"{"Effect":"Allow","NotAction":"s3:Delete*","NotResource":"arn:aws:s3:::b"}"#,
                Status::Fail,
                "NotAction and NotResource",
            ),
            (
                "deny notaction is a guard rail",
                r#"{"Effect":"Deny","NotAction":["sts:GetCallerIdentity"],"Resource":"*"}"#,
                Status::Pass,
                "no Allow",
            ),
            (
                "plain allow",
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                Status::Pass,
                "no Allow",
            ),
        ];
        run_table(&NoNotActionAllow, cases);
    }

    #[test]
    fn inline_policies_are_judged_aws_managed_ones_are_not_and_unread_ones_are_unknown() {
        check_scope(&NoNotActionAllow, r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    }
}
