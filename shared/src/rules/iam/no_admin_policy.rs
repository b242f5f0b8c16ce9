//! The rule `iam.no-admin-policy`; its documentation is on [`NoAdminPolicy`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{wildcard_match, Effect, Statement};
use crate::resources::iam::IamPolicy;
use crate::rules::Rule;

rule! {
    pub struct NoAdminPolicy;
    id: "iam.no-admin-policy",
    title: "No customer-managed or inline IAM policy allows * on *",
    severity: Critical,
    resource_type: "AwsIamPolicy",
    trigger: Change,
    mappings: [Fsbp("IAM.1"), Cis("1.16")],
    seeds: ["001", "003"],
    what_it_checks: "No customer-managed or inline policy allows every action on every\n\
        resource. A policy fails when one of its `Allow` statements\n\
        - lists an action pattern that matches every action (`*`, `*:*`, `**`),\n\
          on every resource (`Resource` with a pattern made only of `*`, no `Resource` at all, or a\n\
          `NotResource`, which means \"every resource except\"); or\n\
        - uses `NotAction` on every resource while the excluded actions still leave the\n\
          permissions-management actions that let a principal grant itself anything\n\
          (`SELF_GRANT_ACTIONS`: attaching or putting policies on users, groups and roles, or\n\
          rewriting a managed policy's version). Such a statement is effectively administrator\n\
          access: `NotAction: \"s3:DeleteBucket\"` on `*` grants `iam:AttachUserPolicy`, and from\n\
          there `AdministratorAccess`. `NotAction: [\"iam:*\", \"organizations:*\"]` (the\n\
          `PowerUserAccess` shape) does not fail here; `iam.no-notaction-allow` reports it.\n\
        \n\
        Decisions:\n\
        - A condition does not make the statement non-admin: `aws:MultiFactorAuthPresent`, a\n\
          source IP or a time window narrows *when* the access can be used, not *what* it is.\n\
          The finding still fails and names the condition keys so a reviewer can weigh them.\n\
        - A `Deny` in the same document does not lift the failure (as in FSBP IAM.1, which judges\n\
          the `Allow` alone): the fix is to write the `Allow` narrowly.\n\
        - AWS-managed policies are skipped: a scan reports no finding of this rule for them (the\n\
          customer cannot change them; evaluated directly, the rule answers NOT_APPLICABLE); they\n\
          are judged where they are attached (`iam.lambda-role-no-broad-managed-policy`,\n\
          `iam.no-privilege-escalation`, `iam.users-have-mfa`).",
    why_it_matters: "A principal holding such a policy can do anything in the account,\n\
        including erasing the audit trail and granting itself or others any access; least\n\
        privilege starts by granting only what a task needs.",
    example: "`{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}` fails, and so does\n\
        `{\"Effect\":\"Allow\",\"NotAction\":\"s3:DeleteBucket\",\"Resource\":\"*\"}`.\n\
        `{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}` passes here (it fails\n\
        `iam.no-service-wildcard-actions`).",
    remediation: "Replace the statement that allows all actions on all resources with the specific actions and resources the principal needs, then detach or delete the broad policy.\n\
        \n\
        Replace the statement with the actions and resources the workload needs\n\
        (IAM Access Analyzer can generate a policy from CloudTrail activity), then detach the old\n\
        policy.",
    references: "FSBP IAM.1 (\"IAM policies should not allow full `*` administrative\n\
        privileges\").",
}

/// The IAM actions that let a principal grant itself any permission. A `NotAction` statement
/// on every resource that still allows one of them is effectively administrator access.
pub const SELF_GRANT_ACTIONS: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
];

/// Actions of different shapes; a pattern made only of wildcards that matches all of them
/// matches every action.
const ACTION_PROBES: &[&str] = &["a:b", "s3:GetObject", "iam:PassRole", "execute-api:Invoke"];

/// An action pattern that matches every action (`*`, `*:*`, `**`, `?*`): made only of `*`,
/// `?` and `:`, and matching actions of every shape.
fn matches_every_action(pattern: &str) -> bool {
    let p = pattern.trim();
    p.chars().all(|c| matches!(c, '*' | '?' | ':')) && ACTION_PROBES.iter().all(|a| wildcard_match(p, a, true))
}

/// A resource pattern that matches every resource: only `*`.
fn is_every_resource(pattern: &str) -> bool {
    let p = pattern.trim();
    !p.is_empty() && p.chars().all(|c| c == '*')
}

/// True when the statement's resource element covers every resource: a `Resource` pattern
/// of only `*`, a `NotResource` (everything except the listed resources), or no resource
/// element at all.
fn on_every_resource(s: &Statement) -> bool {
    s.resource.as_ref().is_none_or(|list| list.iter().any(|r| is_every_resource(r)))
}

/// Why an Allow statement is administrator access, or `None`.
fn admin_reason(s: &Statement) -> Option<String> {
    if s.effect != Effect::Allow || !on_every_resource(s) {
        return None;
    }
    if let Some(actions) = &s.action {
        let pattern = actions.iter().find(|a| matches_every_action(a))?;
        return Some(format!("allows Action {pattern:?} on every resource"));
    }
    if s.not_action.is_some() {
        let kept: Vec<&str> = SELF_GRANT_ACTIONS.iter().copied().filter(|a| s.applies_to_action(a)).collect();
        if !kept.is_empty() {
            return Some(format!(
                "allows everything except its NotAction list on every resource, which still includes {}",
                kept.join(", ")
            ));
        }
    }
    None
}

impl Rule for NoAdminPolicy {
    type Resource = IamPolicy;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, policy: &IamPolicy, _ctx: &ScanContext) -> Outcome {
        if !policy.is_customer_policy() {
            return Outcome::not_applicable("AWS-managed policy: judged where it is attached");
        }
        let doc = known!(policy.document);
        let mut findings = Vec::new();
        for (i, s) in doc.statements.iter().enumerate() {
            if let Some(why) = admin_reason(s) {
                let name = s.sid.as_ref().map_or_else(|| format!("statement {i}"), |sid| format!("statement {sid:?}"));
                let conditions = if s.conditions.is_empty() {
                    String::new()
                } else {
                    let keys: Vec<&str> = s.conditions.iter().map(|c| c.key.as_str()).collect();
                    format!(" (conditions on {} do not limit what it grants)", keys.join(", "))
                };
                findings.push(format!("{name} {why}{conditions}"));
            }
        }
        if findings.is_empty() {
            Outcome::pass("no statement allows all actions on all resources")
        } else {
            Outcome::fail(format!("administrator access: {}", findings.join("; ")))
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
            ("star on star", r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, Status::Fail, "\"*\""),
            (
                "star-colon-star",
                r#"{"Effect":"Allow","Action":["s3:GetObject","*:*"],"Resource":["*"]}"#,
                Status::Fail,
                "*:*",
            ),
            ("no resource element", r#"{"Effect":"Allow","Action":"*"}"#, Status::Fail, "administrator"),
            (
                "not resource",
                r#"{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::b"}"#,
                Status::Fail,
                "administrator",
            ),
            (
                "mfa condition still fails and is named",
                r#"{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                Status::Fail,
                "aws:MultiFactorAuthPresent",
            ),
            (
                "notaction with a tiny exclusion list",
                r#"{"Effect":"Allow","NotAction":"s3:DeleteBucket","Resource":"*"}"#,
                Status::Fail,
                "iam:AttachUserPolicy",
            ),
            (
                "notaction excluding one iam action still leaves self-grant",
                r#"{"Effect":"Allow","NotAction":["iam:DeleteUser"],"Resource":"*"}"#,
                Status::Fail,
                "iam:PutRolePolicy",
            ),
            (
                "power user shape passes here",
                r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}"#,
                Status::Pass,
                "no statement",
            ),
            (
                "mixed-case exclusion list is honoured",
                r#"{"Effect":"Allow","NotAction":["IAM:*"],"Resource":"*"}"#,
                Status::Pass,
                "no statement",
            ),
            (
                "star on one bucket",
                r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}"#,
                Status::Pass,
                "no statement",
            ),
            ("service wildcard", r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#, Status::Pass, "no statement"),
            ("deny star", r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#, Status::Pass, "no statement"),
            ("partial wildcard", r#"{"Effect":"Allow","Action":"i*","Resource":"*"}"#, Status::Pass, "no statement"),
        ];
        run_table(&NoAdminPolicy, cases);
    }

    #[test]
    fn every_action_patterns() {
        for (p, want) in [
            ("*", true),
            ("*:*", true),
            ("**", true),
            ("s3:*", false),
            ("*:Get*", false),
            ("?*", true),
            ("?:?", false),
            ("*:?", false),
        ] {
            assert_eq!(matches_every_action(p), want, "{p}");
        }
    }

    #[test]
    fn inline_policies_are_judged_aws_managed_ones_are_not_and_unread_ones_are_unknown() {
        check_scope(&NoAdminPolicy, r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
    }
}
