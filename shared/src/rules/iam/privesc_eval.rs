//! How `iam.no-privilege-escalation` decides whether, and how far, an identity's policies grant
//! each method of the catalogue in [`super::privesc`]: a pure function of the identity.
//!
//! An action of a method is granted when some `Allow` statement covers it and
//! - names a resource the action can act on: each pattern of `Resource` is intersected with
//!   the ARN formats of the action's resource types (from the generated resource table), so
//!   `iam:PassRole` on `arn:aws:s3:::bucket` grants nothing, and an action without resource
//!   types is granted only on `*`;
//! - has no condition that, evaluated, rules the method out: `iam:PassedToService` naming only
//!   other services than the method's; `iam:PolicyARN` on an attach action naming only
//!   AWS-managed policies recorded as harmless (`shared/data/aws-managed-privesc.tsv`);
//!   `ssm:SendCommand` only on documents that run nothing the caller chooses. Any other
//!   condition, or one that cannot be evaluated (`IfExists`, `ForAllValues`, variables,
//!   wildcards in a policy ARN), keeps the grant: the conservative answer.
//!
//! and no unconditional `Deny` on every resource removes it, and the permissions boundary, when
//! there is one, grants it by the same test.
//!
//! The *reach* of a method is read from its pivot action's granting statements: [`Reach::Any`]
//! when one of them names every resource of the type (`*`, `role/*`, `function:*`) with no
//! narrowing condition; otherwise [`Reach::Limited`], described by the first narrowing
//! condition (`aws:CalledVia`, a resource tag, ...) or the resource patterns it names.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use crate::policy::{wildcard_match, Condition, Effect, PolicyDocument, Statement};
use crate::resources::iam::IamIdentity;

use super::privesc::{resource_types, EscalationMethod, ResourceTypes, COMMAND_DOCUMENTS, METHODS};

/// How far a granted method reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every resource of the pivot's type: any role, any function, any instance.
    Any,
    /// Only what the description names: resource patterns or a condition.
    Limited(String),
}

/// One method the identity's policies grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodGrant {
    pub method: &'static EscalationMethod,
    pub reach: Reach,
    /// Indexes into [`Assessment::policies`] of the policies granting any of its actions.
    pub policies: BTreeSet<usize>,
}

/// What the identity's readable policies grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Index of a policy that grants `*` on `*` when nothing (a narrowing condition, a boundary,
    /// a Deny) limits it.
    pub full_admin: Option<usize>,
    pub methods: Vec<MethodGrant>,
    /// The readable policies, as positions in `identity.policies`.
    pub policies: Vec<usize>,
    /// Labels and errors of the policies that could not be read.
    pub unreadable: Vec<String>,
}

/// The AWS-managed policies whose recorded verdict (the regression corpus) is PASS: attaching
/// one of them grants no escalation.
static AWS_MANAGED_VERDICTS: &str = include_str!("../../../data/aws-managed-privesc.tsv");

fn harmless_aws_managed() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        AWS_MANAGED_VERDICTS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                let name = f.next()?;
                (f.next()? == "PASS").then_some(name)
            })
            .collect()
    })
}

/// True when `arn` names exactly one AWS-managed policy recorded as harmless.
fn is_harmless_policy_arn(arn: &str) -> bool {
    if arn.contains(['*', '?', '$']) {
        return false;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else { return false };
    if prefix != "arn" || !partition.starts_with("aws") || service != "iam" || !region.is_empty() || account != "aws" {
        return false;
    }
    let Some(path_and_name) = resource.strip_prefix("policy/") else { return false };
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    harmless_aws_managed().contains(name)
}

/// `${...}` policy variables and ARN-format placeholders become `*`: any value.
fn as_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn all_stars(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|b| b == b'*')
}

/// Can the resource pattern name some ARN the format (or probe) describes? Compared segment by
/// segment, as IAM matches ARNs: the first five colon-separated segments each, then the rest.
/// A pattern that is not a six-segment ARN (other than `*`) counts when it has a wildcard.
fn arn_overlap(pattern: &str, format: &str) -> bool {
    if all_stars(pattern) {
        return true;
    }
    // The format's resource segment counts from its first placeholder on as any text: the
    // resource *type* decides (`stack/name` without the stack id still names a stack).
    let p = as_glob(pattern);
    let ps: Vec<&str> = p.splitn(6, ':').collect();
    let mut fs: Vec<String> = format.splitn(6, ':').map(as_glob).collect();
    if let Some(resource) = format.splitn(6, ':').nth(5) {
        if let Some(i) = resource.find("${") {
            fs[5] = format!("{}*", &resource[..i]);
        }
    }
    if ps.len() != 6 || fs.len() != 6 {
        return pattern.contains('*');
    }
    ps.iter().zip(&fs).all(|(a, b)| crate::policy::globs_intersect(a, b))
}

/// Can a resource pattern of a statement match some ARN of one of the action's resource types?
fn reaches_type(pattern: &str, types: &ResourceTypes) -> bool {
    match types {
        ResourceTypes::Unknown => true,
        ResourceTypes::OnlyStar => all_stars(pattern),
        ResourceTypes::Arns(formats) => formats.iter().any(|f| arn_overlap(pattern, f)),
    }
}

/// Does the pattern name every resource of its type (`*`, `arn:aws:iam::*:role/*`,
/// `arn:aws:lambda:*:*:function:*`)? A pattern too short to have a resource part counts as
/// every resource when it has a wildcard. A policy variable (`user/${aws:username}`: the
/// caller itself, whose permissions it can then rewrite) is not a limit either.
fn names_every_resource(pattern: &str) -> bool {
    if all_stars(pattern) || pattern.contains("${") {
        return true;
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let Some(resource) = parts.get(5) else { return pattern.contains('*') };
    let name = match resource.find(['/', ':']) {
        Some(i) => &resource[i + 1..],
        None => resource,
    };
    all_stars(name) || resource.starts_with('*')
}

/// The resource part of a pattern, for a reason: `role/service-role/AmazonSageMaker*`.
fn short_resource(pattern: &str) -> &str {
    pattern.splitn(6, ':').nth(5).unwrap_or(pattern)
}

/// Condition operators that require the key to match one of the values.
fn is_positive(base: &str) -> bool {
    matches!(base, "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike")
}

fn is_negative(base: &str) -> bool {
    matches!(base, "stringnotequals" | "stringnotequalsignorecase" | "stringnotlike" | "arnnotequals" | "arnnotlike")
}

/// Can the condition be evaluated as a plain single-valued test (no `IfExists`, no
/// `ForAllValues`)? `ForAnyValue` on a single-valued key is the plain test.
fn plain(c: &Condition) -> bool {
    let op = c.operator.to_ascii_lowercase();
    !op.ends_with("ifexists") && !op.starts_with("forallvalues:")
}

/// Does one value of the condition match `actual`, as the operator compares?
fn value_matches(c: &Condition, actual: &str) -> bool {
    let like = matches!(
        c.base_operator().as_str(),
        "stringlike" | "stringnotlike" | "arnequals" | "arnlike" | "arnnotequals" | "arnnotlike"
    );
    c.values.iter().any(|v| if like { wildcard_match(v, actual, false) } else { v.eq_ignore_ascii_case(actual) })
}

/// What one condition of a granting statement says about the method.
enum Verdict {
    /// The condition rules the method out.
    Excludes,
    /// The condition limits what the method reaches (described).
    Narrows(String),
    /// Nothing decidable: the grant stands.
    Neutral,
}

const NARROWING_KEYS: &[&str] =
    &["aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "iam:associatedresourcearn", "aws:sourcearn"];

fn judge_condition(c: &Condition, action: &str, method: &EscalationMethod) -> Verdict {
    let key = c.key.to_ascii_lowercase();
    let base = c.base_operator();
    if key == "iam:passedtoservice" && action.eq_ignore_ascii_case("iam:PassRole") && !method.passed_to.is_empty() {
        if !plain(c) {
            return Verdict::Neutral;
        }
        let matched = method.passed_to.iter().filter(|svc| value_matches(c, svc)).count();
        return match () {
            _ if is_positive(&base) && matched == 0 => Verdict::Excludes,
            _ if is_negative(&base) && matched == method.passed_to.len() => Verdict::Excludes,
            _ => Verdict::Neutral,
        };
    }
    if key == "iam:policyarn" && is_attach(action) {
        let harmless = plain(c) && is_positive(&base) && c.values.iter().all(|v| is_harmless_policy_arn(v));
        return if harmless { Verdict::Excludes } else { Verdict::Neutral };
    }
    narrowing(c).map_or(Verdict::Neutral, Verdict::Narrows)
}

/// The limit a condition puts on what a grant reaches, described, or `None` when it puts none
/// that this rule reads: a resource tag, the calling service (`aws:CalledVia`,
/// `aws:ViaAWSService`, `aws:IsMcpServiceAction`), an associated resource or source ARN.
fn narrowing(c: &Condition) -> Option<String> {
    let key = c.key.to_ascii_lowercase();
    let base = c.base_operator();
    let first = c.values.first().map(String::as_str).unwrap_or("");
    let more = if c.values.len() > 1 { format!(" +{}", c.values.len() - 1) } else { String::new() };
    let tag_key = key.contains(":resourcetag/");
    // `...IfExists` passes when the key is absent, so it limits nothing.
    if !plain(c) {
        return None;
    }
    if is_positive(&base) && (tag_key || NARROWING_KEYS.contains(&key.as_str())) {
        return Some(format!("{} {first}{more}", c.key));
    }
    if base == "null" && tag_key && c.values.iter().all(|v| v.eq_ignore_ascii_case("false")) {
        return Some(format!("{} present", c.key));
    }
    let via_service = key == "aws:viaawsservice" || key == "aws:ismcpserviceaction";
    if base == "bool" && via_service && c.values.iter().all(|v| v.eq_ignore_ascii_case("true")) {
        return Some(format!("{} true", c.key));
    }
    None
}

fn is_attach(action: &str) -> bool {
    ["iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action))
}

fn is_send_command(action: &str) -> bool {
    action.eq_ignore_ascii_case("ssm:SendCommand")
}

/// Does a resource pattern reach a document that runs commands the caller supplies?
fn reaches_command_document(pattern: &str) -> bool {
    if all_stars(pattern) {
        return true;
    }
    let glob = as_glob(pattern);
    let aws_owned = COMMAND_DOCUMENTS.iter().any(|d| arn_overlap(pattern, &format!("arn:*:ssm:*::document/{d}")));
    // Customer documents live in an account; AWS reserves the name prefixes aws, amazon, amzn.
    let customer = arn_overlap(pattern, "arn:*:ssm:*:?*:document/*") && {
        let name = glob.rsplit_once("document/").map_or("*", |(_, n)| n);
        let literal: String =
            name.chars().take_while(|c| *c != '*' && *c != '?').collect::<String>().to_ascii_lowercase();
        !["aws", "amazon", "amzn"].iter().any(|r| literal.starts_with(r))
    };
    aws_owned || customer
}

/// The instance resource types `ssm:SendCommand` targets.
const SSM_TARGETS: &[&str] = &["arn:*:ec2:*:*:instance/*", "arn:*:ssm:*:*:managed-instance/*"];

/// What one statement grants of `action` for `method`.
struct StatementGrant {
    /// The reach through this statement; `None` when it names no resource the pivot acts on
    /// (`ssm:SendCommand` on documents only).
    reach: Option<Reach>,
    /// For `ssm:SendCommand`: a command-running document is among its resources.
    command_document: bool,
}

/// True when every resource of the statement is the calling user itself.
fn only_self(s: &Statement) -> bool {
    s.resource
        .as_ref()
        .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r.to_ascii_lowercase().contains("${aws:username}")))
}

fn statement_grant(s: &Statement, action: &str, method: &EscalationMethod) -> Option<StatementGrant> {
    if s.effect != Effect::Allow || !s.applies_to_action(action) {
        return None;
    }
    if method.needs_other_principal && only_self(s) {
        return None;
    }
    let types = resource_types(action);
    let patterns: Vec<&str> = match (&s.resource, &s.not_resource) {
        (Some(list), _) => list.iter().map(String::as_str).filter(|p| reaches_type(p, &types)).collect(),
        // `NotResource` covers everything not listed; no element at all is not valid in an
        // identity policy and is read as every resource.
        _ => vec!["*"],
    };
    if patterns.is_empty() {
        return None;
    }
    let mut narrowing = None;
    for c in &s.conditions {
        match judge_condition(c, action, method) {
            Verdict::Excludes => return None,
            Verdict::Narrows(d) => {
                narrowing.get_or_insert(d);
            }
            Verdict::Neutral => {}
        }
    }
    let send_command = is_send_command(action);
    let targets: Vec<&str> = if send_command {
        patterns.iter().copied().filter(|p| SSM_TARGETS.iter().any(|t| arn_overlap(p, t))).collect()
    } else {
        patterns.clone()
    };
    let reach = if targets.is_empty() {
        None
    } else if let Some(d) = narrowing {
        Some(Reach::Limited(d))
    } else if targets.iter().any(|p| names_every_resource(p)) {
        Some(Reach::Any)
    } else {
        let more = if targets.len() > 1 { format!(" +{}", targets.len() - 1) } else { String::new() };
        Some(Reach::Limited(format!("{}{more}", short_resource(targets[0]))))
    };
    Some(StatementGrant {
        reach,
        command_document: send_command && patterns.iter().any(|p| reaches_command_document(p)),
    })
}

/// Does an unconditional `Deny` on every resource in `doc` block `action`?
fn denies(doc: &PolicyDocument, action: &str) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.conditions.is_empty()
            && s.resource.as_ref().is_none_or(|r| r.iter().any(|p| all_stars(p)))
            && s.not_resource.is_none()
            && s.applies_to_action(action)
    })
}

/// The policies (positions in `docs`) granting `action` for `method`, with the reach, or
/// `None` when it is not granted.
fn action_grant(docs: &[&PolicyDocument], action: &str, method: &EscalationMethod) -> Option<ActionGranted> {
    if docs.iter().any(|d| denies(d, action)) {
        return None;
    }
    let mut policies = BTreeSet::new();
    let mut reach: Option<Reach> = None;
    let mut command_document = !is_send_command(action);
    for (i, doc) in docs.iter().enumerate() {
        for s in &doc.statements {
            let Some(g) = statement_grant(s, action, method) else { continue };
            policies.insert(i);
            command_document |= g.command_document;
            reach = match (reach, g.reach) {
                (Some(Reach::Any), _) | (_, Some(Reach::Any)) => Some(Reach::Any),
                (Some(r), _) | (None, Some(r)) => Some(r),
                (None, None) => None,
            };
        }
    }
    match reach {
        Some(r) if command_document => Some((policies, r)),
        _ => None,
    }
}

/// The policies granting an action and the reach through them.
type ActionGranted = (BTreeSet<usize>, Reach);
/// What an action's grant depends on besides the action: whether the method acts on another
/// user, and the services an `iam:PassRole` is passed to.
type GrantContext = (&'static str, bool, &'static [&'static str]);

/// Assess an identity; `Err` with the reason when its permissions boundary cannot be read.
pub fn assess(identity: &IamIdentity) -> Result<Assessment, String> {
    let boundary = match &identity.permissions_boundary {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => return Err(format!("could not evaluate the permissions boundary: {e}")),
    };
    let mut policies = Vec::new();
    let mut docs: Vec<&PolicyDocument> = Vec::new();
    let mut unreadable = Vec::new();
    for (i, p) in identity.policies.iter().enumerate() {
        match &p.document {
            Ok(doc) => {
                policies.push(i);
                docs.push(doc);
            }
            Err(e) => unreadable.push(format!("{}: {e}", p.label())),
        }
    }
    let any_deny = docs.iter().any(|d| d.statements.iter().any(|s| s.effect == Effect::Deny));
    // `*` on `*` without a condition that limits it (an MFA condition does not; a calling
    // service does).
    let unlimited_admin = |s: &Statement| {
        s.effect == Effect::Allow
            && s.action.as_ref().is_some_and(|a| a.iter().any(|a| a.trim() == "*"))
            && s.resource.as_ref().is_some_and(|r| r.iter().any(|r| r.trim() == "*"))
            && s.conditions.iter().all(|c| narrowing(c).is_none())
    };
    let full_admin = if boundary.is_none() && !any_deny {
        docs.iter().position(|d| d.statements.iter().any(unlimited_admin))
    } else {
        None
    };

    let mut methods = Vec::new();
    // Many methods share actions (`iam:PassRole` is in most): decide each once per context.
    let mut decided: HashMap<GrantContext, Option<ActionGranted>> = HashMap::new();
    'methods: for method in METHODS {
        let mut held = BTreeSet::new();
        let mut reach = Reach::Any;
        for (i, action) in method.actions.iter().enumerate() {
            let passed_to = if action.eq_ignore_ascii_case("iam:PassRole") { method.passed_to } else { &[] };
            let granted = decided
                .entry((*action, method.needs_other_principal, passed_to))
                .or_insert_with(|| {
                    let granted = action_grant(&docs, action, method)?;
                    match boundary {
                        Some(b) if action_grant(&[b], action, method).is_none() => None,
                        _ => Some(granted),
                    }
                })
                .clone();
            let Some((by, r)) = granted else { continue 'methods };
            held.extend(by);
            if i == method.pivot {
                reach = r;
            }
        }
        methods.push(MethodGrant { method, reach, policies: held });
    }
    Ok(Assessment { full_admin, methods, policies, unreadable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_overlap_segment_by_segment() {
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        let cases = [
            ("*", true),
            ("arn:aws:iam::*:role/*", true),
            ("arn:aws:iam::123456789012:role/app", true),
            ("arn:aws:iam::*:user/*", false),
            ("arn:aws:iam::*:*", true),
            ("arn:aws:s3:::bucket/*", false),
            ("arn:aws:*:*:*:role/x", true),
            ("arn:aws:iam:us-east-1:*:role/x", false),
            ("arn:aws:iam::*", true),
            ("arn:aws:iam::1", false),
            ("arn:aws:iam::${aws:PrincipalAccount}:role/x", true),
        ];
        let stack = "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}";
        assert!(arn_overlap("arn:aws:cloudformation:*:*:stack/name", stack), "a stack without its id is a stack");
        assert!(!arn_overlap("arn:aws:cloudformation:*:*:stackset/name:*", stack));
        for (pattern, want) in cases {
            assert_eq!(arn_overlap(pattern, role), want, "{pattern}");
        }
    }

    #[test]
    fn command_documents() {
        for (pattern, want) in [
            ("*", true),
            ("arn:aws:ssm:*::document/AWS-RunShellScript", true),
            ("arn:aws:ssm:us-east-1::document/AWS-RunPowerShellScript", true),
            ("arn:aws:ssm:*::document/AWS-ConfigureAWSPackage", false),
            ("arn:aws:ssm:*::document/*", true),
            ("arn:aws:ssm:*:*:document/*", true),
            ("arn:aws:ssm:*:123456789012:document/MyOps", true),
            ("arn:aws:ssm:*:*:document/AWSEC2-*", false),
            ("arn:aws:ssm:*:*:document/Amazon*", false),
            ("arn:aws:ec2:*:*:instance/*", false),
            ("arn:aws:s3:::bucket", false),
        ] {
            assert_eq!(reaches_command_document(pattern), want, "{pattern}");
        }
    }

    #[test]
    fn every_resource_or_named_ones() {
        for (pattern, want) in [
            ("*", true),
            ("arn:aws:iam::*:role/*", true),
            ("arn:aws:iam::123456789012:role/*", true),
            ("arn:aws:lambda:*:*:function:*", true),
            ("arn:aws:iam::*:role/service-role/*", false),
            ("arn:aws:iam::*:role/app-*", false),
            ("arn:aws:iam::*:user/${aws:username}", true),
            ("arn:aws:ec2:*:*:instance/i-123", false),
        ] {
            assert_eq!(names_every_resource(pattern), want, "{pattern}");
        }
    }

    #[test]
    fn harmless_policy_arns_are_exact_aws_managed_names() {
        // AWS-managed and recorded PASS in the corpus.
        assert!(is_harmless_policy_arn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
        assert!(is_harmless_policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
        for arn in [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/AmazonSSM*",
            "arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:policy/NoSuchPolicyInTheCorpus",
            "AmazonSSMManagedInstanceCore",
        ] {
            assert!(!is_harmless_policy_arn(arn), "{arn}");
        }
    }
}
