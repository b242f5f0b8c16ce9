//! The rule `iam.no-privilege-escalation`; its documentation is on [`NoPrivilegeEscalation`].
//! The decision itself is [`super::privesc_eval::assess`]; this file grades and explains it.

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta, Severity};
use crate::resources::iam::{IamIdentity, IamPolicy, PolicyKind};
use crate::rules::Rule;

use super::privesc::METHODS;
use super::privesc_eval::{assess, Assessment, MethodGrant, Reach};

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
        known privilege-escalation method from the catalogue (Rhino Security Labs' 21 methods, its\n\
        CodeStar method, and Cloudsplaining's additions such as `iam:PassRole` +\n\
        `sagemaker:CreateNotebookInstance`, CodeBuild, ECS, Glue jobs and `ssm:SendCommand`). Each\n\
        method has a stable id, listed with its reference in `docs/privesc-methods.md`.\n\
        \n\
        An action is granted when\n\
        - some `Allow` statement covers it, through `Action` or `NotAction`, with wildcards and in\n\
          any letter case, on a resource the action can act on: each `Resource` pattern is\n\
          intersected with the ARN formats of the action's resource types (AWS's Service\n\
          Authorization Reference), so `iam:PassRole` on a bucket ARN grants nothing and an action\n\
          without resource types is granted only on `*`. The methods that act on *another* user\n\
          (`iam:CreateAccessKey`, `iam:CreateLoginProfile`, `iam:UpdateLoginProfile`) are not\n\
          granted by a statement whose every resource is the caller itself (`${aws:username}`);\n\
        - its conditions do not rule the method out. Evaluated: `iam:PassedToService` (a role\n\
          passed only to other services than the method's does not count); `iam:PolicyARN` on\n\
          `iam:Attach*Policy` (attaching only named AWS-managed policies that are themselves\n\
          recorded as harmless in the regression corpus is not an escalation);\n\
          `ssm:SendCommand` counts only on documents that run caller-supplied commands\n\
          (`AWS-RunShellScript`, `AWS-RunPowerShellScript`, `AWS-RunRemoteScript`,\n\
          `AWS-RunDocument`, any customer document, `*`) and on instances. Any other condition,\n\
          or one that cannot be evaluated (`IfExists`, `ForAllValues`, wildcards or variables in\n\
          a policy ARN), keeps the grant;\n\
        - no `Deny` statement without conditions covers it on every resource, in any of the\n\
          identity's policies;\n\
        - when the identity has a permissions boundary, the boundary also grants it (same test).\n\
        \n\
        Severity of a FAIL, by reach:\n\
        - CRITICAL: full administrator, a policy allows `*` on `*` without a narrowing condition\n\
          (no boundary, no `Deny`);\n\
        - HIGH: a method reaches any role, user, policy, function or instance (its pivot action\n\
          is granted on `*` or `role/*`-like patterns without a narrowing condition);\n\
        - MEDIUM: every method found is limited to named resources (`role/service-role/X*`),\n\
          resource tags, or `aws:CalledVia`/`aws:ViaAWSService`; the reason names the scope.\n\
        \n\
        The reason names the reach, the method ids (first three, then a count) and the granting\n\
        policies once, in at most about 300 characters; the remediation fits the policy kind.\n\
        UNKNOWN when the boundary could not be read, or when a policy could not be read and the\n\
        readable ones prove no escalation. PASS otherwise.",
    why_it_matters: "A principal that can escalate is effectively an administrator: a\n\
        compromised function or user with `iam:PassRole` + `lambda:CreateFunction` +\n\
        `lambda:InvokeFunction` can run code as any role it may pass.",
    example: "A role with `{\"Effect\":\"Allow\",\"Action\":\"iam:CreatePolicyVersion\",\"Resource\":\"*\"}`\n\
        fails at HIGH (it can rewrite any policy it holds); one with `iam:PassRole` on\n\
        `role/service-role/AmazonSageMaker*` and `sagemaker:CreateTrainingJob` fails at MEDIUM;\n\
        `AmazonDynamoDBFullAccess` (`iam:PassRole` only to Application Auto Scaling and DAX) passes.",
    remediation: "Scope the customer policy: remove the escalation actions, limit iam:PassRole to named roles with an iam:PassedToService condition, or set a permissions boundary that denies them.\n\
        \n\
        For an AWS-managed policy, which cannot be edited, detach it and attach a\n\
        customer-managed policy with only the actions the identity needs. The method ids in the\n\
        reason are documented in `docs/privesc-methods.md`.",
    references: "Rhino Security Labs, \"AWS\n\
        IAM Privilege Escalation – Methods and Mitigation\"; Cloudsplaining privilege-escalation\n\
        list; `docs/privesc-methods.md`.",
}

/// Method ids listed in a reason before the rest are counted.
const IDS_IN_REASON: usize = 3;
/// Policies named in a reason before the rest are counted.
const POLICIES_IN_REASON: usize = 2;
/// The longest reason, in characters; longer ones are cut with an ellipsis.
pub const MAX_REASON_CHARS: usize = 300;
/// The longest scope description quoted from a policy.
const MAX_SCOPE_CHARS: usize = 70;
/// The longest policy name in a reason (IAM allows 128 characters).
const MAX_POLICY_NAME_CHARS: usize = 90;

const REMEDIATION_AWS_MANAGED: &str = "Detach the AWS-managed policy that grants the escalation (it cannot be edited) and attach a customer-managed policy with only the actions the identity needs, or set a permissions boundary that denies them.";
const REMEDIATION_MIXED: &str = "Detach the AWS-managed policies that grant the escalation and scope the customer ones (remove the escalation actions, limit iam:PassRole to named roles), or set a permissions boundary that denies them.";

/// A policy as a reason names it: `AWS-managed AdministratorAccess`, `customer-managed deploy`,
/// `inline policy ops of role app`.
fn policy_name(p: &IamPolicy) -> String {
    match &p.kind {
        PolicyKind::Managed { aws_managed: true, .. } => format!("AWS-managed {}", p.name),
        PolicyKind::Managed { .. } => format!("customer-managed {}", p.name),
        PolicyKind::Inline { owner, owner_name, .. } => {
            let kind = owner.asff_type().trim_start_matches("AwsIam").to_ascii_lowercase();
            format!("inline policy {} of {kind} {owner_name}", p.name)
        }
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn list_ids(grants: &[&MethodGrant]) -> String {
    let mut parts: Vec<&str> = grants.iter().take(IDS_IN_REASON).map(|g| g.method.id).collect();
    let more = format!("+{} more", grants.len().saturating_sub(IDS_IN_REASON));
    if grants.len() > IDS_IN_REASON {
        parts.push(&more);
    }
    parts.join(", ")
}

fn scope(g: &MethodGrant) -> &str {
    match &g.reach {
        Reach::Limited(scope) => scope,
        Reach::Any => "",
    }
}

/// The FAIL reason and severity for the methods found: the reach and method ids first, then
/// the granting policies, named once (never cut).
fn explain(identity: &IamIdentity, a: &Assessment) -> (String, Severity, &'static str) {
    let any: Vec<&MethodGrant> = a.methods.iter().filter(|g| g.reach == Reach::Any).collect();
    let limited: Vec<&MethodGrant> = a.methods.iter().filter(|g| g.reach != Reach::Any).collect();
    let mut head = match (any.as_slice(), limited.as_slice()) {
        ([one], _) => format!("can {} for any {} [{}]", one.method.description, one.method.target, one.method.id),
        ([], [one]) => {
            format!("can {}, only for {} [{}]", one.method.description, cut(scope(one), MAX_SCOPE_CHARS), one.method.id)
        }
        ([], many) => {
            let first = scope(many[0]);
            let same = many.iter().all(|g| scope(g) == first);
            let limit = if same { "only for" } else { "each limited, e.g. to" };
            format!(
                "can escalate by {} methods, {limit} {} [{}]",
                many.len(),
                cut(first, MAX_SCOPE_CHARS),
                list_ids(many)
            )
        }
        (many, _) => format!("can escalate by {} methods for any role or resource [{}]", many.len(), list_ids(many)),
    };
    if !any.is_empty() && !limited.is_empty() {
        head.push_str(&format!(", {} more limited", limited.len()));
    }
    let mut granting: Vec<usize> = a.methods.iter().flat_map(|g| g.policies.iter().map(|i| a.policies[*i])).collect();
    granting.sort_unstable();
    granting.dedup();
    let names: Vec<String> = granting
        .iter()
        .take(POLICIES_IN_REASON)
        .map(|i| cut(&policy_name(&identity.policies[*i]), MAX_POLICY_NAME_CHARS))
        .collect();
    let mut tail = format!("; granted by {}", names.join(", "));
    if granting.len() > POLICIES_IN_REASON {
        tail.push_str(&format!(" +{} more", granting.len() - POLICIES_IN_REASON));
    }
    if !a.unreadable.is_empty() {
        tail.push_str(&format!(" ({} more could not be read)", a.unreadable.len()));
    }
    let reason = format!("{}{tail}", cut(&head, MAX_REASON_CHARS.saturating_sub(tail.chars().count())));
    let severity = if any.is_empty() { Severity::Medium } else { Severity::High };
    (reason, severity, remediation(granting.iter().map(|i| &identity.policies[*i])))
}

/// The remediation for the kinds of the granting policies.
fn remediation<'a>(granting: impl Iterator<Item = &'a IamPolicy>) -> &'static str {
    let (mut aws, mut customer) = (false, false);
    for p in granting {
        if p.is_aws_managed() {
            aws = true;
        } else {
            customer = true;
        }
    }
    match (aws, customer) {
        (true, false) => REMEDIATION_AWS_MANAGED,
        (true, true) => REMEDIATION_MIXED,
        _ => META.remediation(),
    }
}

impl Rule for NoPrivilegeEscalation {
    type Resource = IamIdentity;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, identity: &IamIdentity, _ctx: &ScanContext) -> Outcome {
        let a = match assess(identity) {
            Ok(a) => a,
            Err(reason) => return Outcome::unknown(reason),
        };
        if let Some(i) = a.full_admin {
            let p = &identity.policies[a.policies[i]];
            let reason = format!("full administrator: {} allows every action on every resource", policy_name(p));
            return Outcome::fail(cut(&reason, MAX_REASON_CHARS))
                .with_severity(Severity::Critical)
                .with_remediation(remediation(std::iter::once(p)));
        }
        if !a.methods.is_empty() {
            let (reason, severity, fix) = explain(identity, &a);
            return Outcome::fail(cut(&reason, MAX_REASON_CHARS)).with_severity(severity).with_remediation(fix);
        }
        if !a.unreadable.is_empty() {
            return Outcome::unknown(cut(
                &format!(
                    "no escalation in the readable policies, but {} could not be read: {}",
                    a.unreadable.len(),
                    a.unreadable.join("; ")
                ),
                MAX_REASON_CHARS,
            ));
        }
        let n = METHODS.len();
        Outcome::pass(match a.policies.len() {
            0 => format!("it holds no policy, so it is granted none of the {n} catalogued escalation methods"),
            1 => format!("its one policy grants none of the {n} catalogued escalation methods"),
            k => format!("its {k} policies together grant none of the {n} catalogued escalation methods"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
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

    /// (case, document, status, severity of a FAIL, a needle of the reason)
    type Case = (&'static str, String, Status, Option<Severity>, &'static str);

    fn check(cases: &[Case]) {
        for (name, json, want, severity, needle) in cases {
            let o = eval(&identity(vec![managed_fixture("p", json)]));
            assert_eq!(o.status, *want, "{name}: {}", o.reason);
            assert_eq!(o.severity, *severity, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
            assert!(o.reason.chars().count() <= MAX_REASON_CHARS, "{name}: {}", o.reason);
        }
    }

    #[test]
    fn actions_and_wildcards() {
        use Severity::{Critical, High};
        check(&[
            (
                "create policy version",
                allow(r#""iam:CreatePolicyVersion""#),
                Status::Fail,
                Some(High),
                "[iam-create-policy-version]",
            ),
            (
                "lambda triple",
                allow(r#"["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"]"#),
                Status::Fail,
                Some(High),
                "can pass a role to a new Lambda function and invoke it for any role [passrole-lambda-invoke]",
            ),
            (
                "mixed case service prefix",
                allow(r#"["IAM:PassRole","Lambda:CreateFunction","LAMBDA:invokefunction"]"#),
                Status::Fail,
                Some(High),
                "passrole-lambda-invoke",
            ),
            (
                "lower case action",
                allow(r#"["iam:passrole","ec2:runinstances"]"#),
                Status::Fail,
                Some(High),
                "passrole-ec2-instance",
            ),
            (
                "mixed case wildcard",
                allow(r#"["Iam:Pass*","EC2:Run*"]"#),
                Status::Fail,
                Some(High),
                "passrole-ec2-instance",
            ),
            (
                "iam star",
                allow(r#""iam:*""#),
                Status::Fail,
                Some(High),
                "methods for any role or resource [iam-create-policy-version",
            ),
            (
                "everything",
                allow(r#""*""#),
                Status::Fail,
                Some(Critical),
                "full administrator: customer-managed p allows every action",
            ),
            (
                "notaction allow",
                doc(r#"{"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"}"#),
                Status::Fail,
                Some(High),
                "iam-create-policy-version",
            ),
            (
                "an unrelated condition does not lift the grant",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                Status::Fail,
                Some(High),
                "iam-put-role-policy",
            ),
            ("passrole alone", allow(r#""iam:PassRole""#), Status::Pass, None, "its one policy grants none of the"),
            ("two of three", allow(r#"["iam:PassRole","lambda:CreateFunction"]"#), Status::Pass, None, "none of the"),
            ("read only", allow(r#"["iam:Get*","iam:List*","s3:GetObject"]"#), Status::Pass, None, "none of the"),
            (
                "self-service credentials are not escalation",
                doc(
                    r#"{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile","iam:CreateLoginProfile"],"Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
                ),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "access keys for other users are",
                doc(r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::*:user/*"}"#),
                Status::Fail,
                Some(High),
                "can create an access key for another user for any user [iam-create-access-key]",
            ),
            (
                "self-scoped put user policy still escalates",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:PutUserPolicy","Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
                ),
                Status::Fail,
                Some(High),
                "can write an inline policy on a user for any user [iam-put-user-policy]",
            ),
            (
                "unconditional deny removes the action",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":["IAM:*"],"Resource":"*"}"#,
                ),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "conditional deny does not",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}"#,
                ),
                Status::Fail,
                Some(High),
                "iam-attach-role-policy",
            ),
            (
                "deny on some resources does not",
                doc(
                    r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::123456789012:role/admin"}"#,
                ),
                Status::Fail,
                Some(High),
                "iam-attach-role-policy",
            ),
            (
                "admin under MFA is still full administrator",
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                Status::Fail,
                Some(Critical),
                "full administrator",
            ),
            (
                "admin only through a service is limited",
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:IsMcpServiceAction":"true"}}}"#,
                ),
                Status::Fail,
                Some(Severity::Medium),
                "only for aws:IsMcpServiceAction true [",
            ),
            (
                "admin with a deny is graded by its methods",
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
                ),
                Status::Fail,
                Some(High),
                "methods for any role or resource",
            ),
        ]);
    }

    #[test]
    fn conditions_and_resources_decide_the_method() {
        use Severity::{High, Medium};
        check(&[
            (
                "passrole only to other services",
                doc(r#"{"Effect":"Allow","Action":["iam:PassRole","lambda:*","datapipeline:*"],"Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":["application-autoscaling.amazonaws.com","dax.amazonaws.com"]}}},{"Effect":"Allow","Action":["lambda:*","datapipeline:*"],"Resource":"*"}"#),
                Status::Fail,
                Some(High),
                "lambda-update-function-code",
            ),
            (
                "passrole only to other services, no other method",
                doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"dax.amazonaws.com"}}},{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "passrole to the method's service",
                doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringLike":{"iam:PassedToService":"lambda.amazon*"}}},{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#),
                Status::Fail,
                Some(High),
                "passrole-lambda-invoke",
            ),
            (
                "passedtoservice not-equals the method's service",
                doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringNotEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "an IfExists passedtoservice is not evaluated",
                doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEqualsIfExists":{"iam:PassedToService":"dax.amazonaws.com"}}},{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}"#),
                Status::Fail,
                Some(High),
                "passrole-lambda-invoke",
            ),
            (
                "attach only a harmless AWS-managed policy",
                doc(r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}}}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "attach AdministratorAccess",
                doc(r#"{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{"StringEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}}"#),
                Status::Fail,
                Some(High),
                "iam-attach-role-policy",
            ),
            (
                "attach a wildcard or customer policy",
                doc(r#"{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::*:policy/CodeStar_*"}}}"#),
                Status::Fail,
                Some(High),
                "iam-attach-user-policy",
            ),
            (
                "send command with fixed AWS documents",
                doc(r#"{"Effect":"Allow","Action":"ssm:SendCommand","Resource":["arn:aws:ssm:*::document/AWS-ConfigureAWSPackage","arn:aws:ec2:*:*:instance/*"]}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "send command with a shell document",
                doc(r#"{"Effect":"Allow","Action":"ssm:SendCommand","Resource":["arn:aws:ssm:*::document/AWS-RunShellScript","arn:aws:ec2:*:*:instance/*"]}"#),
                Status::Fail,
                Some(High),
                "[ssm-send-command]",
            ),
            (
                "send command with any customer document, tagged instances",
                doc(r#"{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:document/*"},{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"ssm:resourceTag/Team":"ops"}}}"#),
                Status::Fail,
                Some(Medium),
                "only for ssm:resourceTag/Team ops [ssm-send-command]",
            ),
            (
                "send command on documents only",
                doc(r#"{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:document/*"}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "resources of other types",
                doc(r#"{"Effect":"Allow","Action":["iam:PassRole","iam:PutRolePolicy","lambda:*"],"Resource":["arn:aws:s3:::bucket/*","arn:aws:dynamodb:*:*:table/t"]}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "an action without resource types needs *",
                doc(r#"{"Effect":"Allow","Action":["iam:PassRole","glue:CreateDevEndpoint"],"Resource":"arn:aws:glue:*:*:devEndpoint/*"}"#),
                Status::Pass,
                None,
                "none of the",
            ),
            (
                "named roles are a limited reach",
                doc(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/service-role/AmazonSageMaker*"},{"Effect":"Allow","Action":"sagemaker:CreateTrainingJob","Resource":"*"}"#),
                Status::Fail,
                Some(Medium),
                "can pass a role to a new SageMaker training job, only for role/service-role/AmazonSageMaker* [passrole-sagemaker-training-job]",
            ),
            (
                "called via a service is a limited reach",
                doc(r#"{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":"cloudformation.amazonaws.com"}}}"#),
                Status::Fail,
                Some(Medium),
                "only for aws:CalledVia cloudformation.amazonaws.com",
            ),
            (
                "a tag condition with IfExists limits nothing",
                doc(r#"{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/team":"ops"}}}"#),
                Status::Fail,
                Some(High),
                "for any role [iam-put-role-policy]",
            ),
            (
                "one broad grant makes the reach unlimited",
                doc(r#"{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"arn:aws:iam::*:role/app-*"},{"Effect":"Allow","Action":"iam:PutRolePolicy","Resource":"arn:aws:iam::123456789012:role/*"}"#),
                Status::Fail,
                Some(High),
                "for any role [iam-put-role-policy]",
            ),
        ]);
    }

    #[test]
    fn combines_actions_across_policies_and_names_each_policy_once() {
        let group_inline = inline_fixture(OwnerKind::Group, "devs", "invoke", &allow(r#""lambda:InvokeFunction""#));
        let aws_managed = aws_managed_fixture("AWSLambda_FullAccess", &allow(r#""lambda:CreateFunction""#));
        let pass = managed_fixture("pass", &allow(r#""iam:PassRole""#));
        let o = eval(&identity(vec![pass, aws_managed, group_inline]));
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert_eq!(o.severity, Some(Severity::High));
        assert!(o.reason.contains("[passrole-lambda-invoke]"), "{}", o.reason);
        assert!(
            o.reason.ends_with("granted by customer-managed pass, AWS-managed AWSLambda_FullAccess +1 more"),
            "{}",
            o.reason
        );
        assert_eq!(o.remediation, Some(REMEDIATION_MIXED));
    }

    #[test]
    fn remediation_fits_the_policy_kind() {
        let o = eval(&identity(vec![aws_managed_fixture("IAMFullAccess", &allow(r#""iam:*""#))]));
        assert_eq!(o.remediation, Some(REMEDIATION_AWS_MANAGED), "{}", o.reason);
        assert!(o.reason.contains("granted by AWS-managed IAMFullAccess"), "{}", o.reason);
        let o = eval(&identity(vec![managed_fixture("mine", &allow(r#""iam:*""#))]));
        assert_eq!(o.remediation, Some(META.remediation()));
        let o = eval(&identity(vec![aws_managed_fixture("AdministratorAccess", &allow(r#""*""#))]));
        assert_eq!(
            o.reason,
            "full administrator: AWS-managed AdministratorAccess allows every action on every resource"
        );
        assert_eq!(o.remediation, Some(REMEDIATION_AWS_MANAGED));
    }

    #[test]
    fn a_deny_in_another_policy_applies() {
        let grant = managed_fixture("grant", &allow(r#""iam:CreatePolicyVersion""#));
        let guard = managed_fixture("guard", &doc(r#"{"Effect":"Deny","Action":"iam:Create*","Resource":"*"}"#));
        let o = eval(&identity(vec![grant, guard]));
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.reason,
            format!("its 2 policies together grant none of the {} catalogued escalation methods", METHODS.len())
        );
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
        assert_eq!(o.severity, Some(Severity::High), "a boundary rules out full administrator");
        assert!(o.reason.contains("passrole-ecs-run-task"), "{}", o.reason);
        assert!(!o.reason.contains("iam-create-policy-version"), "{}", o.reason);

        // A boundary that allows PassRole only to another service rules the methods out.
        i.permissions_boundary = boundary(&doc(
            r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"dax.amazonaws.com"}}},{"Effect":"Allow","Action":["ecs:RegisterTaskDefinition","ecs:RunTask"],"Resource":"*"}"#,
        ));
        assert_eq!(eval(&i).status, Status::Pass, "{}", eval(&i).reason);
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
        let o = eval(&identity(Vec::new()));
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.reason,
            format!("it holds no policy, so it is granted none of the {} catalogued escalation methods", METHODS.len())
        );
    }

    #[test]
    fn long_reasons_are_cut() {
        let long = "x".repeat(400);
        assert_eq!(cut(&long, MAX_REASON_CHARS).chars().count(), MAX_REASON_CHARS);
        assert!(cut(&long, MAX_REASON_CHARS).ends_with('…'));
        assert_eq!(cut("short", MAX_REASON_CHARS), "short");
    }
}
