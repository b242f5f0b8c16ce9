//! The rule `iam.no-privilege-escalation`; its documentation is on [`NoPrivilegeEscalation`].

use std::collections::{BTreeMap, HashMap};

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{Effect, PolicyDocument, Statement};
use crate::resources::iam::IamIdentity;
use crate::rules::Rule;

use super::privesc::METHODS;

rule! {
    pub struct NoPrivilegeEscalation;
    id: "iam.no-privilege-escalation",
    title: "No IAM role or user is granted a known privilege-escalation combination",
    severity: High,
    resource_type: "AwsIamRole",
    trigger: Change,
    mappings: [Prowler("iam_policy_allows_privilege_escalation")],
    seeds: ["004"],
    what_it_checks: "No role or user is granted, across all its policies together (inline,\n\
        attached customer- and AWS-managed, and for a user its groups' policies), every action of a\n\
        known privilege-escalation method from the catalogue in `super::privesc` (Rhino Security\n\
        Labs' 21 methods, its CodeStar method, and Cloudsplaining's additions such as\n\
        `iam:PassRole` + `sagemaker:CreateNotebookInstance`, CodeBuild, ECS, Glue jobs and\n\
        `ssm:SendCommand`).\n\
        \n\
        An action is granted when\n\
        - some `Allow` statement covers it, through `Action` or `NotAction`, with wildcards and in\n\
          any letter case (`IAM:PassRole`, `iam:passrole` and `Iam:Pass*` all grant\n\
          `iam:PassRole`). Resource scoping does not lift a grant (`iam:PassRole` on one role is\n\
          enough to become that role), except for the methods that act on *another* user\n\
          (`iam:CreateAccessKey`, `iam:CreateLoginProfile`, `iam:UpdateLoginProfile`): a statement\n\
          whose every resource is the caller itself (`${aws:username}`) does not grant those;\n\
          conditions on an `Allow` do not lift it either;\n\
        - no `Deny` statement without conditions covers it on every resource (`Resource` of `*`\n\
          or no resource element), in any of the identity's policies;\n\
        - when the identity has a permissions boundary, the boundary also allows it (same test).\n\
        \n\
        Outcomes: FAIL names each method found (first five, then a count), its actions and the\n\
        policies granting each. UNKNOWN when the boundary could not be read, or when a policy could\n\
        not be read and the readable ones prove no escalation. PASS otherwise.",
    why_it_matters: "A principal that can escalate is effectively an administrator: a\n\
        compromised function or user with `iam:PassRole` + `lambda:CreateFunction` +\n\
        `lambda:InvokeFunction` can run code as any role it may pass.",
    example: "A role with `{\"Effect\":\"Allow\",\"Action\":\"iam:CreatePolicyVersion\",\"Resource\":\"*\"}`\n\
        fails (it can rewrite any policy it holds); a user whose only IAM grant is\n\
        `iam:CreateAccessKey` on `arn:aws:iam::*:user/${aws:username}` passes.",
    remediation: "Remove the escalation actions (policy and credential management, or iam:PassRole with a compute-creating action) from the identity, scope iam:PassRole to specific roles, or add a permissions boundary that denies them.\n\
        \n\
        Remove the permissions-management actions from workload identities, scope\n\
        `iam:PassRole` to the exact roles with an `iam:PassedToService` condition, and set a\n\
        permissions boundary that denies the catalogued actions.",
    references: "Rhino Security Labs, \"AWS\n\
        IAM Privilege Escalation – Methods and Mitigation\"; Cloudsplaining privilege-escalation\n\
        list.",
}

/// Methods listed in a reason before the rest are counted.
const MAX_METHODS_IN_REASON: usize = 5;
/// Policies named per action before the rest are counted.
const MAX_POLICIES_PER_ACTION: usize = 2;

/// True when every resource of the statement is the calling user itself.
fn only_self(s: &Statement) -> bool {
    s.resource
        .as_ref()
        .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r.to_ascii_lowercase().contains("${aws:username}")))
}

/// Does this `Allow` statement grant `action` for `method`?
/// `needs_other_principal` is [`super::privesc::EscalationMethod::needs_other_principal`] of the method asking.
fn allow_grants(s: &Statement, action: &str, needs_other_principal: bool) -> bool {
    s.effect == Effect::Allow && s.applies_to_action(action) && !(needs_other_principal && only_self(s))
}

/// Does an unconditional `Deny` on every resource in `doc` block `action`?
fn denies(doc: &PolicyDocument, action: &str) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.conditions.is_empty()
            && s.resource.as_ref().is_none_or(|r| r.iter().any(|p| !p.is_empty() && p.chars().all(|c| c == '*')))
            && s.not_resource.is_none()
            && s.applies_to_action(action)
    })
}

/// The boundary allows `action` (for `method`) when one of its statements allows it and none
/// denies it.
fn boundary_allows(boundary: &PolicyDocument, action: &str, needs_other_principal: bool) -> bool {
    boundary.statements.iter().any(|s| allow_grants(s, action, needs_other_principal)) && !denies(boundary, action)
}

/// Which readable policies grant `action`, or `None` when it is not effectively granted.
fn granting_policies(
    docs: &[(String, &PolicyDocument)],
    boundary: Option<&PolicyDocument>,
    action: &str,
    needs_other_principal: bool,
) -> Option<Vec<String>> {
    let labels: Vec<String> = docs
        .iter()
        .filter(|(_, d)| d.statements.iter().any(|s| allow_grants(s, action, needs_other_principal)))
        .map(|(label, _)| label.clone())
        .collect();
    if labels.is_empty() || docs.iter().any(|(_, d)| denies(d, action)) {
        return None;
    }
    if boundary.is_some_and(|b| !boundary_allows(b, action, needs_other_principal)) {
        return None;
    }
    Some(labels)
}

fn name_policies(labels: &[String]) -> String {
    let mut out = labels.iter().take(MAX_POLICIES_PER_ACTION).cloned().collect::<Vec<_>>().join(", ");
    if labels.len() > MAX_POLICIES_PER_ACTION {
        out.push_str(&format!(" +{} more", labels.len() - MAX_POLICIES_PER_ACTION));
    }
    out
}

impl Rule for NoPrivilegeEscalation {
    type Resource = IamIdentity;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, identity: &IamIdentity, _ctx: &ScanContext) -> Outcome {
        let boundary = match &identity.permissions_boundary {
            None => None,
            Some(Ok(doc)) => Some(doc),
            Some(Err(e)) => return Outcome::unknown(format!("could not evaluate the permissions boundary: {e}")),
        };
        let mut docs: Vec<(String, &PolicyDocument)> = Vec::new();
        let mut unreadable: Vec<String> = Vec::new();
        for p in &identity.policies {
            match &p.document {
                Ok(doc) => docs.push((p.label(), doc)),
                Err(e) => unreadable.push(format!("{}: {e}", p.label())),
            }
        }

        let mut found: Vec<String> = Vec::new();
        // Many methods share actions (`iam:PassRole` is in most): decide each action once.
        let mut decided: HashMap<(&'static str, bool), Option<Vec<String>>> = HashMap::new();
        for method in METHODS {
            // action -> granting policies, for every action of the method, or skip the method.
            let mut grants: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for (i, action) in method.actions.iter().enumerate() {
                let granted = decided
                    .entry((*action, method.needs_other_principal))
                    .or_insert_with(|| granting_policies(&docs, boundary, action, method.needs_other_principal));
                match granted.clone() {
                    Some(labels) => {
                        grants.insert(i, labels);
                    }
                    None => break,
                }
            }
            if grants.len() == method.actions.len() {
                let parts: Vec<String> = grants
                    .iter()
                    .map(|(i, labels)| format!("{} via {}", method.actions[*i], name_policies(labels)))
                    .collect();
                found.push(format!("{} ({})", method.name, parts.join("; ")));
            }
        }

        if !found.is_empty() {
            let total = found.len();
            let mut reason = format!(
                "{total} privilege-escalation method{} granted: {}",
                if total == 1 { "" } else { "s" },
                found.iter().take(MAX_METHODS_IN_REASON).cloned().collect::<Vec<_>>().join(" | ")
            );
            if total > MAX_METHODS_IN_REASON {
                reason.push_str(&format!(" | and {} more", total - MAX_METHODS_IN_REASON));
            }
            if !unreadable.is_empty() {
                reason.push_str(&format!(" ({} more policies could not be read)", unreadable.len()));
            }
            return Outcome::fail(reason);
        }
        if !unreadable.is_empty() {
            return Outcome::unknown(format!(
                "no escalation in the readable policies, but could not evaluate: {}",
                unreadable.join("; ")
            ));
        }
        Outcome::pass(format!(
            "none of the {} catalogued escalation methods is granted by its {} policies",
            METHODS.len(),
            docs.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::resources::iam::{
        aws_managed_fixture, doc_fixture as doc, inline_fixture, managed_fixture, IamPolicy, OwnerKind,
    };

    fn eval(i: &IamIdentity) -> Outcome {
        NoPrivilegeEscalation.evaluate(i, &ScanContext::fixture())
    }

    fn allow(actions: &str) -> String {
        doc(&format!(r#"{{"Effect":"Allow","Action":{actions},"Resource":"*"}}"#))
    }

    fn identity(policies: Vec<IamPolicy>) -> IamIdentity {
        IamIdentity {
            kind: OwnerKind::Role,
            arn: "arn:aws:iam::123456789012:role/app".into(),
            name: "app".into(),
            policies,
            permissions_boundary: None,
        }
    }

    fn broken(name: &str) -> IamPolicy {
        let mut p = managed_fixture(name, &allow(r#""s3:GetObject""#));
        p.document = Err(CollectError::new(CollectErrorKind::AccessDenied, "iam:GetPolicyVersion", "denied"));
        p
    }

    #[test]
    fn single_policy_table() {
        let cases: &[(&str, String, Status, &str)] = &[
            ("create policy version", allow(r#""iam:CreatePolicyVersion""#), Status::Fail, "CreatePolicyVersion"),
            (
                "lambda triple",
                allow(r#"["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"]"#),
                Status::Fail,
                "PassRoleToNewLambdaThenInvoke",
            ),
            (
                "mixed case service prefix",
                allow(r#"["IAM:PassRole","Lambda:CreateFunction","LAMBDA:invokefunction"]"#),
                Status::Fail,
                "PassRoleToNewLambdaThenInvoke",
            ),
            (
                "lower case action",
                allow(r#"["iam:passrole","ec2:runinstances"]"#),
                Status::Fail,
                "PassRoleToNewEc2Instance",
            ),
            ("mixed case wildcard", allow(r#"["Iam:Pass*","EC2:Run*"]"#), Status::Fail, "PassRoleToNewEc2Instance"),
            ("iam star", allow(r#""iam:*""#), Status::Fail, "CreatePolicyVersion"),
            ("everything", allow(r#""*""#), Status::Fail, "and "),
            (
                "notaction allow",
                doc(r#"{"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"}"#),
                Status::Fail,
                "CreatePolicyVersion",
            ),
            (
                "conditions do not lift the grant",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                Status::Fail,
                "PutRolePolicy",
            ),
            (
                "resource scoping does not lift passrole",
                doc(
                    r#"{"Effect":"Allow","Action":["iam:PassRole","cloudformation:CreateStack"],"Resource":"arn:aws:iam::123456789012:role/deploy"}"#,
                ),
                Status::Fail,
                "PassRoleToCloudFormation",
            ),
            ("passrole alone", allow(r#""iam:PassRole""#), Status::Pass, "none of the"),
            ("two of three", allow(r#"["iam:PassRole","lambda:CreateFunction"]"#), Status::Pass, "none of the"),
            ("read only", allow(r#"["iam:Get*","iam:List*","s3:GetObject"]"#), Status::Pass, "none of the"),
            (
                "self-service credentials are not escalation",
                doc(
                    r#"{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile","iam:CreateLoginProfile"],"Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
                ),
                Status::Pass,
                "none of the",
            ),
            (
                "access keys for other users are",
                doc(r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/*"}"#),
                Status::Fail,
                "CreateAccessKey",
            ),
            (
                "self-scoped put user policy still escalates",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:PutUserPolicy","Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
                ),
                Status::Fail,
                "PutUserPolicy",
            ),
            (
                "unconditional deny removes the action",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":["IAM:*"],"Resource":"*"}"#,
                ),
                Status::Pass,
                "none of the",
            ),
            (
                "conditional deny does not",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}"#,
                ),
                Status::Fail,
                "AttachRolePolicy",
            ),
            (
                "deny on some resources does not",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::123456789012:role/admin"}"#,
                ),
                Status::Fail,
                "AttachRolePolicy",
            ),
        ];
        for (name, json, want, needle) in cases {
            let o = eval(&identity(vec![managed_fixture("p", json)]));
            assert_eq!(o.status, *want, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
    }

    #[test]
    fn combines_actions_across_policies_and_names_them() {
        let group_inline = inline_fixture(OwnerKind::Group, "devs", "invoke", &allow(r#""lambda:InvokeFunction""#));
        let aws_managed = aws_managed_fixture("AWSLambda_FullAccess", &allow(r#""lambda:CreateFunction""#));
        let pass = managed_fixture("pass", &allow(r#""iam:PassRole""#));
        let o = eval(&identity(vec![pass, aws_managed, group_inline]));
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        for needle in [
            "PassRoleToNewLambdaThenInvoke",
            "iam:PassRole via arn:aws:iam::123456789012:policy/pass",
            "lambda:CreateFunction via arn:aws:iam::aws:policy/AWSLambda_FullAccess",
            "lambda:InvokeFunction via arn:aws:iam::123456789012:group/devs/inline-policy/invoke",
        ] {
            assert!(o.reason.contains(needle), "{needle}: {}", o.reason);
        }
    }

    #[test]
    fn a_deny_in_another_policy_applies() {
        let grant = managed_fixture("grant", &allow(r#""iam:CreatePolicyVersion""#));
        let guard = managed_fixture("guard", &doc(r#"{"Effect":"Deny","Action":"iam:Create*","Resource":"*"}"#));
        assert_eq!(eval(&identity(vec![grant, guard])).status, Status::Pass);
    }

    #[test]
    fn boundary_limits_what_is_granted() {
        let admin = managed_fixture("admin", &allow(r#""*""#));
        let boundary = |json: &str| {
            Some(
                PolicyDocument::parse(json)
                    .map_err(|e| CollectError::new(CollectErrorKind::Malformed, "iam:GetPolicyVersion", e.to_string())),
            )
        };
        let mut i = identity(vec![admin]);
        i.permissions_boundary = boundary(&allow(r#"["s3:*","lambda:InvokeFunction"]"#));
        assert_eq!(eval(&i).status, Status::Pass, "boundary without IAM");

        i.permissions_boundary = boundary(&doc(
            r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["iam:*","sts:*","lambda:*","ec2:*","glue:*","cloudformation:*","datapipeline:*","codestar:*","sagemaker:*","codebuild:*","ecs:*","apprunner:*","ssm:*","ec2-instance-connect:*","bedrock-agentcore:*"],"Resource":"*"}"#,
        ));
        assert_eq!(eval(&i).status, Status::Pass, "boundary denying the escalation services");

        i.permissions_boundary = boundary(&allow(r#"["iam:pass*","ECS:*"]"#));
        let o = eval(&i);
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("PassRoleToEcsRunTask"), "{}", o.reason);
        assert!(!o.reason.contains("CreatePolicyVersion"), "{}", o.reason);
    }

    #[test]
    fn unknown_when_the_boundary_cannot_be_read() {
        let mut i = identity(vec![managed_fixture("admin", &allow(r#""*""#))]);
        i.permissions_boundary =
            Some(Err(CollectError::new(CollectErrorKind::AccessDenied, "iam:GetPolicy", "boundary denied")));
        let o = eval(&i);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("boundary denied"));
    }

    #[test]
    fn unknown_when_a_policy_cannot_be_read_and_the_rest_prove_nothing() {
        let o = eval(&identity(vec![managed_fixture("ro", &allow(r#""s3:GetObject""#)), broken("hidden")]));
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("arn:aws:iam::123456789012:policy/hidden"), "{}", o.reason);
    }

    #[test]
    fn fails_when_a_policy_cannot_be_read_but_the_rest_prove_escalation() {
        let o = eval(&identity(vec![managed_fixture("w", &allow(r#""iam:AttachUserPolicy""#)), broken("hidden")]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("could not be read"), "{}", o.reason);
    }

    #[test]
    fn passes_with_no_policies() {
        assert_eq!(eval(&identity(Vec::new())).status, Status::Pass);
    }
}
