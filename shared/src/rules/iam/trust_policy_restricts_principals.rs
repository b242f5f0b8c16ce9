//! The rule `iam.trust-policy-restricts-principals`; its documentation is on [`TrustPolicyRestrictsPrincipals`].

use std::collections::BTreeSet;

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::policy::{is_public_statement, is_restricting_condition, Condition, Effect, PolicyDocument, Statement};
use crate::resources::iam::IamRole;
use crate::rules::Rule;

rule! {
    pub struct TrustPolicyRestrictsPrincipals;
    id: "iam.trust-policy-restricts-principals",
    title: "Role trust policies admit only named principals, with external id, organisation, source or subject conditions",
    severity: High,
    resource_type: "AwsIamRole",
    trigger: Change,
    mappings: [Prowler("iam_role_cross_service_confused_deputy_prevention")],
    seeds: ["002", "004"],
    what_it_checks: "Every `Allow` statement of a role's trust policy that covers\n\
        `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity` or `sts:AssumeRoleWithSAML` names its\n\
        principals tightly enough:\n\
        - **Everyone.** `Principal: \"*\"`, `{\"AWS\": \"*\"}` or a `NotPrincipal` fails unless a\n\
          restricting condition (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceIp`, ...;\n\
          see `policy::exposure`) narrows it.\n\
        - **Other accounts.** An `AWS` principal in an account other than the scanned one and the\n\
          configured `trusted_accounts` fails without a positive `sts:ExternalId` condition (the\n\
          third-party pattern) or an `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` condition (the\n\
          same-organisation pattern).\n\
        - **Service principals (confused deputy).** A service principal in\n\
          `SOURCE_CONDITION_SERVICES` fails without a restricting `aws:SourceArn`,\n\
          `aws:SourceAccount` or `aws:SourceOrgID` condition. The list holds only services whose\n\
          own documentation shows those keys in the trust policy of the roles they assume (each\n\
          entry names its page). Execution-role services (`lambda`, `edgelambda`, `ec2`,\n\
          `ecs-tasks`, ...) are deliberately not on it: the role is handed to them with\n\
          `iam:PassRole`, which AWS does not allow across accounts, so another customer cannot make\n\
          them use it; several services also do not send the keys at all, and adding them breaks\n\
          the integration (AWS Support stated that no public list of supporting services exists,\n\
          prowler-cloud/prowler#2810; CloudTrail-to-CloudWatch and Elastic Transcoder roles broke,\n\
          prowler-cloud/prowler#4714). Service principals that are not on the list are not judged,\n\
          and the PASS reason names them.\n\
        - **Web identity (OIDC).** A `Federated` OIDC provider (`...:oidc-provider/<host>` or a bare\n\
          host such as `cognito-identity.amazonaws.com`) fails without a positive condition on one\n\
          of its own claims (`<host>:aud`, `<host>:sub`, ...). For GitHub Actions\n\
          (`token.actions.githubusercontent.com`) the condition must be on\n\
          `token.actions.githubusercontent.com:sub` and every value must name a repository owner\n\
          (`repo:my-org/*` passes; `*`, `repo:*` and `*:ref:refs/heads/main` do not): with only\n\
          the `aud` check, any GitHub repository in the world can assume the role. SAML providers\n\
          are account-owned identity providers whose assertions are signed by the customer's IdP,\n\
          so they are not judged here.\n\
        \n\
        `Deny` statements are not credited (they only narrow). Service-linked roles are\n\
        NOT_APPLICABLE (AWS owns their trust policy); an unreadable trust policy is UNKNOWN.",
    why_it_matters: "Whoever the trust policy admits gets every permission of the role. A\n\
        wildcard principal opens the role to every AWS account; a vendor's account without an\n\
        external id lets any other customer of that vendor aim the vendor at your role (the confused\n\
        deputy); an OIDC trust without a `sub` condition lets anyone with a token from that\n\
        provider in.",
    example: "`{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"token.actions.githubusercontent.com:aud\":\"sts.amazonaws.com\"}}}`\n\
        lets a workflow in any GitHub repository assume the role.",
    remediation: "Remove wildcard principals; require sts:ExternalId or aws:PrincipalOrgID for other accounts, aws:SourceArn/aws:SourceAccount for cross-service principals and a sub condition for OIDC providers.\n\
        \n\
        Name the exact accounts or roles that may assume the role; require\n\
        `sts:ExternalId` from third parties and `aws:PrincipalOrgID` for your own organisation; add\n\
        `aws:SourceArn`/`aws:SourceAccount` for the services listed; pin OIDC roles to a subject\n\
        (`token.actions.githubusercontent.com:sub` = `repo:<org>/<repo>:ref:refs/heads/main`).",
    references: "Prowler `iam_role_cross_service_confused_deputy_prevention`;\n\
        IAM User Guide, \"The confused deputy problem\" and \"Configuring a role for GitHub OIDC\n\
        identity provider\"; the per-service pages listed in `SOURCE_CONDITION_SERVICES`.",
}

/// The actions that assume a role.
const ASSUME_ACTIONS: &[&str] = &["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"];

/// Service principals (the first label of `<service>.amazonaws.com`) whose documentation shows
/// `aws:SourceArn` / `aws:SourceAccount` in the trust policy of the roles the service assumes,
/// with the page that says so.
pub const SOURCE_CONDITION_SERVICES: &[(&str, &str)] = &[
    (
        "autoscaling",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/cross-service-confused-deputy-prevention.html",
    ),
    ("codedeploy", "https://docs.aws.amazon.com/codedeploy/latest/userguide/security_confused_deputy.html"),
    (
        "greengrass",
        "https://docs.aws.amazon.com/greengrass/v2/developerguide/cross-service-confused-deputy-prevention.html",
    ),
    ("iot", "https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html"),
    ("personalize", "https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html"),
    ("rekognition", "https://docs.aws.amazon.com/rekognition/latest/dg/cross-service-confused-deputy-prevention.html"),
    (
        "ssm",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html",
    ),
];

/// Condition keys that bind a service principal to the customer's own resource or account.
const SOURCE_KEYS: &[&str] = &["aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID"];

const GITHUB_OIDC_HOST: &str = "token.actions.githubusercontent.com";

impl Rule for TrustPolicyRestrictsPrincipals {
    type Resource = IamRole;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, role: &IamRole, ctx: &ScanContext) -> Outcome {
        if role.is_service_linked() {
            return Outcome::not_applicable("service-linked roles have a trust policy owned by AWS");
        }
        let doc = known!(role.trust_policy);
        let mut problems: Vec<String> = Vec::new();
        let mut unjudged_services: BTreeSet<String> = BTreeSet::new();
        for (index, statement) in doc.statements.iter().enumerate() {
            if statement.effect != Effect::Allow || !ASSUME_ACTIONS.iter().any(|a| statement.applies_to_action(a)) {
                continue;
            }
            let label = statement_label(doc, index);
            if is_public_statement(statement) {
                problems.push(format!("{label} lets any AWS principal assume the role"));
                continue;
            }
            let Some(principal) = &statement.principal else { continue };
            let foreign: BTreeSet<String> =
                principal.aws_accounts().into_iter().filter(|a| !ctx.is_trusted_account(a)).collect();
            if !foreign.is_empty() && !has_external_id_or_org(statement) {
                let accounts: Vec<&str> = foreign.iter().map(String::as_str).collect();
                problems.push(format!(
                    "{label} trusts account {} without an sts:ExternalId or aws:PrincipalOrgID condition",
                    accounts.join(", ")
                ));
            }
            for service in principal.values("Service") {
                let name = service_name(service);
                if SOURCE_CONDITION_SERVICES.iter().any(|(s, _)| *s == name) {
                    if !has_source_condition(statement) {
                        problems.push(format!(
                            "{label} trusts {service} without an aws:SourceArn or aws:SourceAccount condition"
                        ));
                    }
                } else {
                    unjudged_services.insert(service.to_ascii_lowercase());
                }
            }
            for federated in principal.values("Federated") {
                if let Some(problem) = federated_problem(statement, federated) {
                    problems.push(format!("{label} {problem}"));
                }
            }
        }
        if !problems.is_empty() {
            return Outcome::fail(format!("the trust policy {}", problems.join("; ")));
        }
        let mut reason = "the trust policy admits only named principals under restricting conditions".to_string();
        if !unjudged_services.is_empty() {
            let names: Vec<&str> = unjudged_services.iter().map(String::as_str).collect();
            reason.push_str(&format!(
                " (service principals without documented source-condition support, not judged: {})",
                names.join(", ")
            ));
        }
        Outcome::pass(reason)
    }
}

/// How a statement is named in a reason: its `Sid`, or its position.
fn statement_label(doc: &PolicyDocument, index: usize) -> String {
    match doc.statements.get(index).and_then(|s| s.sid.as_deref()) {
        Some(sid) if !sid.is_empty() => format!("statement {sid:?}"),
        _ => format!("Statement[{index}]"),
    }
}

/// `lambda.amazonaws.com`, `logs.us-east-1.amazonaws.com`, `ssm.amazonaws.com.cn` -> the
/// first label, lower-cased.
fn service_name(principal: &str) -> String {
    principal.split('.').next().unwrap_or(principal).to_ascii_lowercase()
}

/// A condition that requires a request value to match, and that a request without the key
/// does not satisfy: `StringEquals`, `StringEqualsIgnoreCase`, `StringLike` (optionally
/// `ForAnyValue:`), without `IfExists`, with at least one value and no value that matches
/// everything.
fn is_positive_string_match(condition: &Condition) -> bool {
    let op = condition.operator.to_ascii_lowercase();
    if op.ends_with("ifexists") || op.starts_with("forallvalues:") {
        return false;
    }
    ["stringequals", "stringequalsignorecase", "stringlike"].contains(&condition.base_operator().as_str())
        && !condition.values.is_empty()
        && !condition.values.iter().any(|v| matches_everything(v))
}

fn matches_everything(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || (v.contains('*') && v.chars().all(|c| c == '*' || c == '?'))
}

fn has_external_id_or_org(statement: &Statement) -> bool {
    statement.conditions.iter().any(|c| {
        (c.key_is("sts:ExternalId") && is_positive_string_match(c))
            || ((c.key_is("aws:PrincipalOrgID") || c.key_is("aws:PrincipalOrgPaths")) && is_restricting_condition(c))
    })
}

fn has_source_condition(statement: &Statement) -> bool {
    statement.conditions.iter().any(|c| SOURCE_KEYS.iter().any(|k| c.key_is(k)) && is_restricting_condition(c))
}

/// What is wrong with a `Federated` principal, or `None`.
fn federated_problem(statement: &Statement, federated: &str) -> Option<String> {
    if federated.contains(":saml-provider/") {
        return None;
    }
    let host = federated.split_once(":oidc-provider/").map_or(federated, |(_, host)| host);
    if host.eq_ignore_ascii_case(GITHUB_OIDC_HOST) {
        let sub_key = format!("{GITHUB_OIDC_HOST}:sub");
        let subs: Vec<&Condition> = statement.conditions_on(&sub_key).collect();
        if !subs.iter().any(|c| is_positive_string_match(c)) {
            return Some(format!(
                "trusts GitHub Actions OIDC without a {sub_key} condition: any repository can assume it"
            ));
        }
        let loose: Vec<&str> = subs
            .iter()
            .flat_map(|c| c.values.iter())
            .map(String::as_str)
            .filter(|v| !github_subject_names_owner(v))
            .collect();
        if !loose.is_empty() {
            return Some(format!(
                "trusts GitHub Actions OIDC with a {sub_key} value that names no repository owner: {}",
                loose.join(", ")
            ));
        }
        return None;
    }
    let prefix = format!("{}:", host.to_ascii_lowercase());
    let pinned = statement
        .conditions
        .iter()
        .any(|c| c.key.to_ascii_lowercase().starts_with(&prefix) && is_positive_string_match(c));
    if pinned {
        None
    } else {
        Some(format!("trusts web identity provider {host} without a condition on its {host}:aud or {host}:sub claim"))
    }
}

/// True when a GitHub `sub` pattern is limited to one owner: it does not start with a
/// wildcard, and a `repo:<owner>/...` subject has an owner without wildcards.
fn github_subject_names_owner(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.starts_with('*') || v.starts_with('?') {
        return false;
    }
    match v.strip_prefix("repo:") {
        Some(rest) => match rest.split_once('/') {
            Some((owner, _)) => !owner.is_empty() && !owner.contains(['*', '?']),
            None => false,
        },
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;

    fn role(statements: &str) -> IamRole {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap();
        IamRole { trust_policy: Ok(doc), ..IamRole::fixture("r") }
    }

    fn eval(r: &IamRole) -> Outcome {
        TrustPolicyRestrictsPrincipals.evaluate(r, &ScanContext::fixture())
    }

    const GH: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

    fn github(conditions: &str) -> IamRole {
        role(&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{GH}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{conditions}}}"#
        ))
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, IamRole, Status)> = vec![
            // Service principals.
            ("lambda execution role", IamRole::fixture("r"), Status::Pass),
            (
                "ec2 without source keys",
                role(r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#),
                Status::Pass,
            ),
            (
                "ssm without source keys",
                role(r#"{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}"#),
                Status::Fail,
            ),
            (
                "ssm with SourceAccount",
                role(
                    r#"{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "codedeploy with SourceArn",
                role(
                    r#"{"Effect":"Allow","Principal":{"Service":["codedeploy.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:app/*"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "rekognition with IfExists source key",
                role(
                    r#"{"Effect":"Allow","Principal":{"Service":"rekognition.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}}"#,
                ),
                Status::Fail,
            ),
            (
                "personalize with wildcard SourceArn",
                role(
                    r#"{"Effect":"Allow","Principal":{"Service":"personalize.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"*"}}}"#,
                ),
                Status::Fail,
            ),
            // Everyone.
            ("star principal", role(r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#), Status::Fail),
            ("AWS star", role(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#), Status::Fail),
            (
                "star limited to the organisation",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "NotPrincipal",
                role(
                    r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}"#,
                ),
                Status::Fail,
            ),
            ("deny star", role(r#"{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}"#), Status::Pass),
            (
                "star on a non-assume action only",
                role(r#"{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}"#),
                Status::Pass,
            ),
            ("star with sts:*", role(r#"{"Effect":"Allow","Principal":"*","Action":"sts:*"}"#), Status::Fail),
            // Accounts.
            (
                "own account",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}"#,
                ),
                Status::Pass,
            ),
            (
                "foreign account",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/vendor"},"Action":"sts:AssumeRole"}"#,
                ),
                Status::Fail,
            ),
            (
                "foreign account with external id",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"f3c1b9e2"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "foreign account with wildcard external id",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"*"}}}"#,
                ),
                Status::Fail,
            ),
            (
                "foreign account with IfExists external id",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"sts:ExternalId":"x"}}}"#,
                ),
                Status::Fail,
            ),
            (
                "foreign account in the organisation",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "foreign account with an unrelated condition",
                role(
                    r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                Status::Fail,
            ),
            (
                "deleted principal (unique id)",
                role(r#"{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID"},"Action":"sts:AssumeRole"}"#),
                Status::Pass,
            ),
            // Web identity.
            ("github without conditions", github("{}"), Status::Fail),
            (
                "github with aud only",
                github(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#),
                Status::Fail,
            ),
            (
                "github pinned to a repository",
                github(
                    r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:my-org/app:ref:refs/heads/main"}}"#,
                ),
                Status::Pass,
            ),
            (
                "github pinned to an owner",
                github(r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}}"#),
                Status::Pass,
            ),
            (
                "github sub any repo",
                github(r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}"#),
                Status::Fail,
            ),
            (
                "github sub star",
                github(r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"*"}}"#),
                Status::Fail,
            ),
            (
                "github sub wildcard owner",
                github(r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*/app:*"}}"#),
                Status::Fail,
            ),
            (
                "github sub leading wildcard",
                github(
                    r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:my-org/app:*","*:ref:refs/heads/main"]}}"#,
                ),
                Status::Fail,
            ),
            (
                "github sub negated",
                github(r#"{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:evil/*"}}"#),
                Status::Fail,
            ),
            (
                "cognito with aud",
                role(
                    r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:1234"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "cognito without conditions",
                role(
                    r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}"#,
                ),
                Status::Fail,
            ),
            (
                "eks with sub",
                role(
                    r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:ns:sa"}}}"#,
                ),
                Status::Pass,
            ),
            (
                "saml provider",
                role(
                    r#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/corp"},"Action":"sts:AssumeRoleWithSAML"}"#,
                ),
                Status::Pass,
            ),
            // Not applicable / unknown.
            (
                "service-linked",
                IamRole {
                    path: "/aws-service-role/ssm.amazonaws.com/".into(),
                    ..role(r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#)
                },
                Status::NotApplicable,
            ),
            (
                "unreadable trust policy",
                IamRole {
                    trust_policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "iam:GetAccountAuthorizationDetails",
                        "bad JSON",
                    )),
                    ..IamRole::fixture("r")
                },
                Status::Unknown,
            ),
        ];
        for (name, r, want) in cases {
            let o = eval(&r);
            assert_eq!(o.status, want, "{name}: {}", o.reason);
        }
    }

    #[test]
    fn trusted_accounts_are_not_foreign() {
        let r = role(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}"#,
        );
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).trusted_accounts.push("111122223333".into());
        assert_eq!(TrustPolicyRestrictsPrincipals.evaluate(&r, &ctx).status, Status::Pass);
        assert_eq!(eval(&r).status, Status::Fail);
    }

    #[test]
    fn fail_reason_names_every_problem_with_its_statement() {
        let r = role(
            r#"{"Sid":"Vendor","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666","123456789012"]},"Action":"sts:AssumeRole"},
               {"Effect":"Allow","Principal":{"Service":["ssm.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}"#,
        );
        let o = eval(&r);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(
            o.reason,
            "the trust policy statement \"Vendor\" trusts account 111122223333, 444455556666 without an sts:ExternalId or aws:PrincipalOrgID condition; Statement[1] trusts ssm.amazonaws.com without an aws:SourceArn or aws:SourceAccount condition"
        );
    }

    #[test]
    fn pass_reason_names_unjudged_service_principals() {
        let r = role(
            r#"{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com","Lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}"#,
        );
        let o = eval(&r);
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.ends_with("not judged: events.amazonaws.com, lambda.amazonaws.com)"), "{}", o.reason);
    }

    #[test]
    fn github_reason_says_any_repository() {
        let o = eval(&github(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#));
        assert!(
            o.reason.contains("token.actions.githubusercontent.com:sub") && o.reason.contains("any repository"),
            "{}",
            o.reason
        );
    }

    #[test]
    fn github_subject_table() {
        let cases = [
            ("repo:my-org/app:ref:refs/heads/main", true),
            ("repo:my-org/*", true),
            ("repo:my-org/app:environment:prod", true),
            ("repository_owner:my-org", true),
            ("repo:*", false),
            ("repo:*/app", false),
            ("repo:my-*/app", false),
            ("repo:/app", false),
            ("repo:my-org", false),
            ("*", false),
            ("", false),
        ];
        for (v, want) in cases {
            assert_eq!(github_subject_names_owner(v), want, "{v}");
        }
    }

    #[test]
    fn every_listed_service_has_a_documentation_page() {
        for (service, page) in SOURCE_CONDITION_SERVICES {
            assert!(!service.contains('.') && service.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{service}");
            assert!(page.starts_with("https://docs.aws.amazon.com/"), "{service}: {page}");
        }
    }
}
