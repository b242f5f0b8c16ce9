//! The rule `iam.no-service-wildcard-actions`; its documentation is on [`NoServiceWildcardActions`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::Effect;
use crate::resources::iam::IamPolicy;
use crate::rules::Rule;

rule! {
    pub struct NoServiceWildcardActions;
    id: "iam.no-service-wildcard-actions",
    title: "No customer IAM policy allows service:* actions",
    severity: Medium,
    resource_type: "AwsIamPolicy",
    trigger: Change,
    mappings: [Fsbp("IAM.21")],
    seeds: ["001", "004"],
    what_it_checks: "No `Allow` statement of a customer-managed or inline policy lists a\n\
        service-wide action wildcard: `service:*` in any letter case (`s3:*`, `S3:*`, `Lambda:**`).\n\
        An action pattern counts when its part after the `:` is made only of `*`. `s3:Get*` or\n\
        `s3:*Object` are narrower and pass.\n\
        \n\
        Decisions:\n\
        - `*` and `*:*` (every action of every service) fail here too, whatever the resource, as\n\
          FSBP IAM.21 flags them. On `Resource: \"*\"` the same statement also fails\n\
          `iam.no-admin-policy`; both findings are true and each has its own remediation.\n\
        - `NotAction` statements are left to `iam.no-notaction-allow`, and `Deny` statements with a\n\
          wildcard are fine (denying broadly is safe).\n\
        - AWS-managed policies are skipped: a scan reports no finding of this rule for them (the\n\
          customer cannot change them; evaluated directly, the rule answers NOT_APPLICABLE).",
    why_it_matters: "`service:*` grants every current *and future* action of the service,\n\
        including its permissions-management and destructive ones (`s3:PutBucketPolicy`,\n\
        `s3:DeleteBucket`, `kms:ScheduleKeyDeletion`), far beyond what a workload needs.",
    example: "`{\"Effect\":\"Allow\",\"Action\":\"dynamodb:*\",\"Resource\":\"arn:aws:dynamodb:...:table/t\"}`\n\
        fails; `{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],...}` passes.",
    remediation: "Replace service:* (and *) in Allow statements with the specific actions the workload uses, e.g. from IAM Access Analyzer policy generation.\n\
        \n\
        List the specific actions the workload uses (IAM Access Analyzer policy\n\
        generation or Access Advisor's last-accessed actions show them).",
    references: "FSBP IAM.21 (\"IAM customer managed policies that you create should not\n\
        allow wildcard actions for services\"); Cloudsplaining \"ServiceWildcard\".",
}

/// True for `service:*` (any case, any run of `*`), `*` and `*:*`.
fn is_service_wildcard(pattern: &str) -> bool {
    let p = pattern.trim();
    let all_stars = |s: &str| !s.is_empty() && s.chars().all(|c| c == '*');
    match p.split_once(':') {
        None => all_stars(p),
        Some((service, action)) => !service.is_empty() && all_stars(action),
    }
}

impl Rule for NoServiceWildcardActions {
    type Resource = IamPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, policy: &IamPolicy, _ctx: &ScanContext) -> Outcome {
        if !policy.is_customer_policy() {
            return Outcome::not_applicable("AWS-managed policy: the customer cannot change it");
        }
        let doc = known!(policy.document);
        let mut found: Vec<&str> = Vec::new();
        for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for a in s.action.iter().flatten() {
                if is_service_wildcard(a) && !found.contains(&a.as_str()) {
                    found.push(a);
                }
            }
        }
        if found.is_empty() {
            Outcome::pass("no Allow statement uses a service-wide action wildcard")
        } else {
            Outcome::fail(format!("Allow statements grant every action of a service: {}", found.join(", ")))
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
            ("s3 star", r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, Status::Fail, "s3:*"),
            ("upper case", r#"{"Effect":"Allow","Action":["S3:*"],"Resource":"*"}"#, Status::Fail, "S3:*"),
            (
                "mixed case double star",
                r#"{"Effect":"Allow","Action":"Lambda:**","Resource":"*"}"#,
                Status::Fail,
                "Lambda:**",
            ),
            ("bare star", r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}"#, Status::Fail, "*"),
            ("star colon star", r#"{"Effect":"Allow","Action":"*:*","Resource":"*"}"#, Status::Fail, "*:*"),
            (
                "several listed once each",
                r#"{"Effect":"Allow","Action":["sqs:*","sns:Publish"],"Resource":"*"},{"Effect":"Allow","Action":["sqs:*","kms:*"],"Resource":"*"}"#,
                Status::Fail,
                "sqs:*, kms:*",
            ),
            ("prefix wildcard", r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#, Status::Pass, "no Allow"),
            ("suffix wildcard", r#"{"Effect":"Allow","Action":"s3:*Object","Resource":"*"}"#, Status::Pass, "no Allow"),
            ("deny wildcard", r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#, Status::Pass, "no Allow"),
            (
                "notaction is another rule's",
                r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#,
                Status::Pass,
                "no Allow",
            ),
            (
                "specific actions",
                r#"{"Effect":"Allow","Action":["dynamodb:GetItem"],"Resource":"*"}"#,
                Status::Pass,
                "no Allow",
            ),
        ];
        run_table(&NoServiceWildcardActions, cases);
    }

    #[test]
    fn inline_policies_are_judged_aws_managed_ones_are_not_and_unread_ones_are_unknown() {
        check_scope(&NoServiceWildcardActions, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    }
}
