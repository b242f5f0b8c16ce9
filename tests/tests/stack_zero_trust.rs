//! ztscan's own stack is zero-trust (issue 17), asserted on the parsed templates (`template.yaml`
//! and `scripts/deploy/*.yaml`):
//! - no role is ever without a permissions boundary: the stack's own ceiling
//!   (`PermissionsBoundaryPolicy`) or a supplied one, and the ceiling covers every grant;
//! - only the stack's roles touch the findings queue and the DLQs (the queue policies deny
//!   everyone else, and purge), and publish-findings is told which senders to trust;
//! - the deploy roles require the boundary for what the execution role creates, scope KMS to
//!   the stack's own key, and their names can never match the stack's `<stack>-*` grants.
//! - hub and spoke: the external id is in no function's environment (only its secret's ARN,
//!   read at cold start), each hub function may read that one secret and assume only its own
//!   kind of member role, the member roles trust exact hub role ARNs, and only publish-findings
//!   may import findings in a member; every function's member session policy fits STS's limit.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_yaml::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn load(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    template.get("Resources").and_then(|r| r.get(id)).unwrap_or_else(|| panic!("no resource {id}"))
}

fn resources_of_type<'a>(template: &'a Value, ty: &'a str) -> Vec<(&'a str, &'a Value)> {
    template
        .get("Resources")
        .and_then(Value::as_mapping)
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(ty))
        .map(|(id, r)| (id.as_str().expect("string ids"), r))
        .collect()
}

fn property<'a>(resource: &'a Value, name: &str) -> Option<&'a Value> {
    resource.get("Properties").and_then(|p| p.get(name))
}

/// A short-form tag's name and value (`!GetAtt X.Arn` is `("GetAtt", "X.Arn")`).
fn tagged(value: &Value) -> Option<(&'static str, &Value)> {
    const TAGS: &[&str] = &[
        "GetAtt",
        "Ref",
        "Sub",
        "If",
        "Join",
        "Equals",
        "Not",
        "Split",
        "Condition",
        "And",
        "Or",
        "FindInMap",
        "Select",
    ];
    match value {
        Value::Tagged(t) => TAGS.iter().find(|name| t.tag == **name).map(|name| (*name, &t.value)),
        _ => None,
    }
}

/// `!GetAtt X.Attr` as `X.Attr`.
fn get_att(value: &Value) -> Option<&str> {
    match tagged(value)? {
        ("GetAtt", v) => v.as_str(),
        _ => None,
    }
}

/// `!Ref X` as `X`.
fn reference(value: &Value) -> Option<&str> {
    match tagged(value)? {
        ("Ref", v) => v.as_str(),
        _ => None,
    }
}

fn one_or_many(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    one_or_many(value).into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// The statements of a policy document, with `!If [c, s, !Ref AWS::NoValue]` expanded to `s`.
fn statements(document: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for s in one_or_many(document.get("Statement").expect("a Statement")) {
        match tagged(s) {
            Some(("If", Value::Sequence(parts))) => {
                out.extend(parts.iter().skip(1).filter(|p| reference(p) != Some("AWS::NoValue")))
            }
            _ => out.push(s),
        }
    }
    out
}

fn sid(statement: &Value) -> &str {
    statement.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)")
}

fn statement<'a>(document: &'a Value, wanted: &str) -> &'a Value {
    statements(document).into_iter().find(|s| sid(s) == wanted).unwrap_or_else(|| panic!("no statement {wanted}"))
}

fn queue_policy<'a>(template: &'a Value, queue: &str) -> &'a Value {
    let (_, policy) = resources_of_type(template, "AWS::SQS::QueuePolicy")
        .into_iter()
        .find(|(_, p)| {
            property(p, "Queues").map(one_or_many).unwrap_or_default().iter().any(|q| reference(q) == Some(queue))
        })
        .unwrap_or_else(|| panic!("no queue policy for {queue}"));
    property(policy, "PolicyDocument").expect("a PolicyDocument")
}

/// The role ARNs a deny statement exempts (`ArnNotEquals: {aws:PrincipalArn: ...}`), as the
/// logical ids of `!GetAtt <Role>.Arn`.
fn exempted_roles(deny: &Value) -> BTreeSet<String> {
    let arns = deny
        .get("Condition")
        .and_then(|c| c.get("ArnNotEquals"))
        .and_then(|c| c.get("aws:PrincipalArn"))
        .unwrap_or_else(|| panic!("{}: no ArnNotEquals aws:PrincipalArn", sid(deny)));
    one_or_many(arns)
        .into_iter()
        .map(|a| get_att(a).and_then(|a| a.strip_suffix(".Arn")).expect("!GetAtt <Role>.Arn").to_string())
        .collect()
}

fn assert_denies_everyone(deny: &Value, actions: &[&str]) {
    assert_eq!(deny.get("Effect").and_then(Value::as_str), Some("Deny"), "{}", sid(deny));
    assert_eq!(deny.get("Principal").and_then(Value::as_str), Some("*"), "{}: Principal '*'", sid(deny));
    let denied = strings(deny.get("Action").expect("Action"));
    for action in actions {
        assert!(denied.contains(*action), "{} does not deny {action}", sid(deny));
    }
}

fn audit_roles() -> BTreeSet<String> {
    ztscan::audit::AUDITS.iter().map(|a| format!("{}Role", logical_id(a.function))).collect()
}

/// `s3-audit` → `S3Audit` (as the generator names logical ids).
fn logical_id(function: &str) -> String {
    function.split('-').map(|p| p[..1].to_ascii_uppercase() + &p[1..]).collect()
}

#[test]
fn only_the_audit_roles_send_and_only_publish_findings_consumes_the_findings_queue() {
    let template = load("template.yaml");
    let policy = queue_policy(&template, "FindingsQueue");

    let senders = statement(policy, "DenyOtherSenders");
    assert_denies_everyone(senders, &["sqs:SendMessage"]);
    let mut expected = audit_roles();
    // publish-findings queues an alert whose channels failed back on the queue.
    expected.insert("PublishFindingsRole".into());
    assert_eq!(exempted_roles(senders), expected);

    let consumers = statement(policy, "DenyOtherConsumers");
    assert_denies_everyone(consumers, &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]);
    assert_eq!(exempted_roles(consumers), BTreeSet::from(["PublishFindingsRole".to_string()]));

    let purge = statement(policy, "DenyPurge");
    assert_denies_everyone(purge, &["sqs:PurgeQueue"]);
    assert!(purge.get("Condition").is_none(), "nobody purges the findings queue");

    // Every Allow names one of the stack's roles, never an account or a wildcard.
    for s in statements(policy).into_iter().filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow")) {
        let principal = s.get("Principal").and_then(|p| p.get("AWS")).expect("an AWS principal");
        let role = get_att(principal).and_then(|a| a.strip_suffix(".Arn")).expect("!GetAtt <Role>.Arn");
        assert!(expected.contains(role), "{} allows {role}", sid(s));
    }
}

#[test]
fn every_dead_letter_queue_denies_every_sender_but_its_writer_and_purge() {
    let template = load("template.yaml");
    let mut dlqs: Vec<(String, String)> = vec![("FindingsDLQ".into(), "PublishFindingsRole".into())];
    for a in ztscan::audit::AUDITS {
        let id = logical_id(a.function);
        dlqs.push((format!("{id}DLQ"), format!("{id}Role")));
    }
    for (queue, writer) in dlqs {
        let policy = queue_policy(&template, &queue);
        let senders = statement(policy, "DenyOtherSenders");
        assert_denies_everyone(senders, &["sqs:SendMessage"]);
        assert_eq!(exempted_roles(senders), BTreeSet::from([writer]), "{queue}");
        assert_denies_everyone(statement(policy, "DenyPurge"), &["sqs:PurgeQueue"]);
    }
}

#[test]
fn publish_findings_is_told_exactly_the_audit_roles_and_its_own_as_senders() {
    let template = load("template.yaml");
    let function = resource(&template, "PublishFindingsFunction");
    let vars = property(function, "Environment").and_then(|e| e.get("Variables")).expect("Variables");
    let join = match tagged(vars.get("AUDIT_ROLE_IDS").expect("AUDIT_ROLE_IDS")) {
        Some(("Join", Value::Sequence(parts))) => parts,
        other => panic!("AUDIT_ROLE_IDS must be !Join [',', [...]], found {other:?}"),
    };
    assert_eq!(join[0].as_str(), Some(","));
    let ids: BTreeSet<String> = one_or_many(&join[1])
        .into_iter()
        .map(|v| get_att(v).and_then(|a| a.strip_suffix(".RoleId")).expect("!GetAtt <Role>.RoleId").to_string())
        .collect();
    assert_eq!(ids, audit_roles());
    assert_eq!(vars.get("PUBLISHER_ROLE_ID").and_then(get_att), Some("PublishFindingsRole.RoleId"));
}

/// Every action any role of the stack is granted (its inline policies' Allow statements).
fn granted_actions(template: &Value) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for (_, role) in resources_of_type(template, "AWS::IAM::Role") {
        for policy in property(role, "Policies").map(one_or_many).unwrap_or_default() {
            for s in statements(policy.get("PolicyDocument").expect("PolicyDocument")) {
                if s.get("Effect").and_then(Value::as_str) == Some("Allow") {
                    actions.extend(strings(s.get("Action").expect("Action")));
                }
            }
        }
    }
    actions
}

#[test]
fn every_role_carries_a_boundary_in_every_configuration_and_the_stacks_own_covers_every_grant() {
    let template = load("template.yaml");
    let roles = resources_of_type(&template, "AWS::IAM::Role");
    assert!(roles.len() > 9);
    for (id, role) in &roles {
        let boundary = property(role, "PermissionsBoundary").unwrap_or_else(|| panic!("{id}: no boundary"));
        let parts = match tagged(boundary) {
            Some(("If", Value::Sequence(parts))) => parts,
            other => panic!("{id}: PermissionsBoundary must be an !If, found {other:?}"),
        };
        assert_eq!(parts[0].as_str(), Some("HasPermissionsBoundary"), "{id}");
        assert_eq!(reference(&parts[1]), Some("PermissionsBoundaryArn"), "{id}: the supplied boundary");
        assert_eq!(reference(&parts[2]), Some("PermissionsBoundaryPolicy"), "{id}: else the stack's own, never none");
    }
    // The stack's own exists exactly when none is supplied.
    let conditions = template.get("Conditions").expect("Conditions");
    let has = conditions.get("HasPermissionsBoundary").expect("HasPermissionsBoundary");
    let uses = conditions.get("UsesStackBoundary").expect("UsesStackBoundary");
    let equals = |v: &Value| match tagged(v) {
        Some(("Equals", Value::Sequence(p))) => {
            reference(&p[0]) == Some("PermissionsBoundaryArn") && p[1].as_str() == Some("")
        }
        _ => false,
    };
    assert!(equals(uses), "UsesStackBoundary: PermissionsBoundaryArn is empty");
    assert!(
        matches!(tagged(has), Some(("Not", Value::Sequence(p))) if equals(&p[0])),
        "HasPermissionsBoundary: the negation"
    );
    let policy = resource(&template, "PermissionsBoundaryPolicy");
    assert_eq!(policy.get("Type").and_then(Value::as_str), Some("AWS::IAM::ManagedPolicy"));
    assert_eq!(policy.get("Condition").and_then(Value::as_str), Some("UsesStackBoundary"));

    // The ceiling: every action some role is granted, and nothing that writes beyond them.
    let document = property(policy, "PolicyDocument").expect("PolicyDocument");
    let mut ceiling = BTreeSet::new();
    for s in statements(document) {
        assert_eq!(s.get("Effect").and_then(Value::as_str), Some("Allow"), "{}", sid(s));
        ceiling.extend(strings(s.get("Action").expect("Action")));
    }
    let granted = granted_actions(&template);
    let missing: Vec<_> = granted.difference(&ceiling).collect();
    assert!(missing.is_empty(), "the boundary would deny what a role needs: {missing:?}");
    let beyond: Vec<_> = ceiling.difference(&granted).collect();
    assert!(beyond.is_empty(), "the boundary allows what no role is granted: {beyond:?}");
    assert!(ceiling.iter().all(|a| !a.contains('*')), "no wildcard action in the boundary");
}

#[test]
fn the_execution_role_creates_roles_only_with_the_boundary_and_never_removes_it() {
    let template = load("scripts/deploy/deploy-role.yaml");
    let exec = resource(&template, "ExecutionRole");
    let document = property(exec, "Policies").map(one_or_many).expect("Policies")[0].get("PolicyDocument").unwrap();
    let manage = statement(document, "ManageStackRoles");
    let actions = strings(manage.get("Action").unwrap());
    for a in ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"] {
        assert!(actions.contains(a), "ManageStackRoles: {a}");
    }
    let boundary = manage
        .get("Condition")
        .and_then(|c| c.get("StringEquals"))
        .and_then(|c| c.get("iam:PermissionsBoundary"))
        .expect("CreateRole is always conditioned on iam:PermissionsBoundary");
    let parts = match tagged(boundary) {
        Some(("If", Value::Sequence(parts))) => parts,
        other => panic!("the boundary is the supplied one or the stack's own, found {other:?}"),
    };
    assert_eq!(reference(&parts[1]), Some("PermissionsBoundaryArn"));
    let own = tagged(&parts[2]).and_then(|(_, v)| v.as_str()).expect("!Sub of the stack's boundary ARN");
    assert!(own.ends_with(":policy/${ZtscanStackName}-permissions-boundary"), "{own}");
    // No other statement allows an action that creates or re-bounds a role or edits its policies.
    for s in statements(document).into_iter().filter(|s| sid(s) != "ManageStackRoles") {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = strings(s.get("Action").unwrap());
        for a in ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"] {
            assert!(!actions.contains(a), "{} allows {a} without the boundary condition", sid(s));
        }
        assert!(!actions.contains("iam:DeleteRolePermissionsBoundary"), "{}", sid(s));
    }
    let keep = statement(document, "KeepTheBoundary");
    assert_eq!(keep.get("Effect").and_then(Value::as_str), Some("Deny"));
    assert!(strings(keep.get("Action").unwrap()).contains("iam:DeleteRolePermissionsBoundary"));
}

#[test]
fn the_execution_role_touches_only_the_stacks_own_key_and_config_rules_only_when_enabled() {
    let template = load("scripts/deploy/deploy-role.yaml");
    let exec = resource(&template, "ExecutionRole");
    let document = property(exec, "Policies").map(one_or_many).expect("Policies")[0].get("PolicyDocument").unwrap();
    for s in statements(document) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = strings(s.get("Action").unwrap());
        let key_changes: Vec<&String> = actions
            .iter()
            .filter(|a| {
                a.starts_with("kms:") && !a.starts_with("kms:List") && *a != "kms:Decrypt" && *a != "kms:DescribeKey"
            })
            .filter(|a| !a.ends_with("Alias") || sid(s) != "ManageStackKeyAliases")
            .collect();
        if key_changes.is_empty() {
            continue;
        }
        let condition = s.get("Condition").and_then(|c| c.get("StringEquals")).unwrap_or_else(|| {
            panic!("{} changes keys ({key_changes:?}) without a ztscan-stack tag condition", sid(s))
        });
        let tag =
            condition.get("aws:ResourceTag/ztscan-stack").or_else(|| condition.get("aws:RequestTag/ztscan-stack"));
        assert_eq!(tag.and_then(reference), Some("ZtscanStackName"), "{}: scoped to the stack's tag", sid(s));
    }
    // The alerts key carries that tag.
    let stack = load("template.yaml");
    let tags = property(resource(&stack, "AlertsKey"), "Tags").map(one_or_many).expect("AlertsKey tags");
    assert!(
        tags.iter().any(|t| t.get("Key").and_then(Value::as_str) == Some("ztscan-stack")
            && t.get("Value").and_then(reference) == Some("AWS::StackName")),
        "AlertsKey must carry ztscan-stack: !Ref AWS::StackName"
    );
    // Config rules cannot be told apart by IAM (no tags, generated ids): only when enabled.
    let raw = document.get("Statement").and_then(Value::as_sequence).expect("a list of statements");
    let config: Vec<&Value> = raw
        .iter()
        .filter(|s| {
            format!("{s:?}").contains("config:PutConfigRule") || format!("{s:?}").contains("config:DeleteConfigRule")
        })
        .collect();
    assert_eq!(config.len(), 1, "one statement manages Config rules");
    assert!(
        matches!(tagged(config[0]), Some(("If", Value::Sequence(p))) if p[0].as_str() == Some("HasConfigRules")),
        "Config rules are manageable only with EnableConfigRules"
    );
}

/// The deploy and execution roles' names can never match the stack's `<stack>-*` grants: a stack
/// name is letters, digits and hyphens, and the names' pattern puts one of `_ . @ + = ,` before
/// the first hyphen.
#[test]
fn no_stack_name_prefix_can_match_the_deploy_roles() {
    const PATTERN: &str = "^[A-Za-z0-9]*[_.@+=,][A-Za-z0-9+=,.@_-]{0,62}$";
    for file in ["scripts/deploy/deploy-role.yaml", "scripts/deploy/pipeline.yaml"] {
        let template = load(file);
        for name in ["DeployRoleName", "ExecutionRoleName"] {
            let parameter = template.get("Parameters").and_then(|p| p.get(name)).expect(name);
            assert_eq!(parameter.get("AllowedPattern").and_then(Value::as_str), Some(PATTERN), "{file} {name}");
            let default = parameter.get("Default").and_then(Value::as_str).expect("a default");
            let before_hyphen = default.split('-').next().unwrap_or_default();
            assert!(
                before_hyphen.bytes().any(|b| b"_.@+=,".contains(&b)),
                "{file} {name}: default {default} could match <stack>-*"
            );
        }
    }
    let stack_name = load("scripts/deploy/deploy-role.yaml");
    let pattern = stack_name
        .get("Parameters")
        .and_then(|p| p.get("ZtscanStackName"))
        .and_then(|p| p.get("AllowedPattern"))
        .and_then(Value::as_str);
    assert_eq!(pattern, Some("^[A-Za-z][A-Za-z0-9-]{0,40}$"), "stack names have no _ . @ + = ,");
}

/// Every statement of every key policy of the templates.
fn key_policy_statements(template: &Value) -> Vec<(String, Value)> {
    resources_of_type(template, "AWS::KMS::Key")
        .into_iter()
        .flat_map(|(id, key)| {
            let policy = property(key, "KeyPolicy").expect("KeyPolicy");
            statements(policy).into_iter().map(move |s| (id.to_string(), s.clone()))
        })
        .collect()
}

#[test]
fn no_key_policy_lets_the_account_administer_a_key_and_use_goes_through_the_service() {
    for file in ["template.yaml", "scripts/deploy/pipeline.yaml"] {
        let template = load(file);
        for (key, s) in key_policy_statements(&template) {
            let actions = strings(s.get("Action").expect("Action"));
            let administers = actions.iter().any(|a| {
                a == "kms:*"
                    || a.starts_with("kms:Create")
                    || a.starts_with("kms:Put")
                    || a == "kms:ScheduleKeyDeletion"
                    || a == "kms:DisableKey"
            });
            if administers {
                let admin = s
                    .get("Condition")
                    .and_then(|c| c.get("ArnEquals"))
                    .and_then(|c| c.get("aws:PrincipalArn"))
                    .unwrap_or_else(|| panic!("{file} {key} {}: administration not limited to a named role", sid(&s)));
                assert!(!format!("{admin:?}").contains(":root"), "{file} {key} {}: the admin is a role", sid(&s));
                assert!(actions.iter().all(|a| !a.contains('*')), "{file} {key} {}: no wildcard", sid(&s));
            }
        }
    }
    let template = load("template.yaml");
    let publisher = key_policy_statements(&template)
        .into_iter()
        .find(|(_, s)| sid(s) == "PublisherUse")
        .map(|(_, s)| s)
        .expect("PublisherUse");
    let via = publisher.get("Condition").and_then(|c| c.get("StringEquals")).and_then(|c| c.get("kms:ViaService"));
    assert!(via.is_some(), "PublisherUse: kms:ViaService");
}

#[test]
fn only_the_listed_endpoint_or_the_security_team_subscribes_to_alerts() {
    let template = load("template.yaml");
    let policy = property(resource(&template, "AlertsTopicPolicy"), "PolicyDocument").expect("PolicyDocument");
    let deny = statement(policy, "DenyOtherSubscriptions");
    assert_denies_everyone(deny, &["sns:Subscribe"]);
    let condition = deny.get("Condition").expect("Condition");
    assert!(condition.get("StringNotEquals").and_then(|c| c.get("sns:Endpoint")).is_some());
    assert!(condition.get("ArnNotEquals").and_then(|c| c.get("aws:PrincipalArn")).is_some());
}

/// Every trust or grant to an AWS service that names the source account also names the source
/// ARN. (Lambda's execution-role trust takes neither: Lambda documents no source condition for
/// assuming an execution role.)
#[test]
fn every_service_trust_names_its_source_arn() {
    let mut checked = 0;
    for file in ["template.yaml", "scripts/deploy/pipeline.yaml", "scripts/deploy/deploy-role.yaml"] {
        let template = load(file);
        let resources = template.get("Resources").and_then(Value::as_mapping).expect("Resources");
        for (id, r) in resources {
            let text = format!("{r:?}");
            // `aws:SourceAccount` in a policy, `SourceAccount` on a Lambda permission.
            if text.contains("SourceAccount") {
                assert!(text.contains("SourceArn"), "{file} {id:?}: SourceAccount without SourceArn");
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} service trusts found");
}

#[test]
fn the_pipeline_enforces_its_approval_and_deploys_only_what_it_built() {
    let pipeline = load("scripts/deploy/pipeline.yaml");
    // Each CodeBuild role is trusted only for its own project.
    for (project_id, project) in resources_of_type(&pipeline, "AWS::CodeBuild::Project") {
        let role_id = property(project, "ServiceRole").and_then(get_att).and_then(|a| a.strip_suffix(".Arn")).unwrap();
        let name = property(project, "Name").and_then(tagged).and_then(|(_, v)| v.as_str()).unwrap();
        let trust = property(resource(&pipeline, role_id), "AssumeRolePolicyDocument").unwrap();
        for s in statements(trust) {
            let source = s
                .get("Condition")
                .and_then(|c| c.get("ArnEquals"))
                .and_then(|c| c.get("aws:SourceArn"))
                .and_then(tagged)
                .and_then(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{role_id}: no aws:SourceArn"));
            assert!(source.ends_with(&format!(":project/{name}")), "{role_id} trusts {source}, not {project_id}");
        }
        // Deploy projects run the buildspec defined in the template, never a file of the build.
        if project_id.starts_with("Deploy") {
            let spec = property(project, "Source").and_then(|s| s.get("BuildSpec")).expect("Source.BuildSpec");
            assert!(matches!(tagged(spec), Some(("FindInMap", _))), "{project_id}: BuildSpec must be !FindInMap");
        }
    }
    let spec = pipeline
        .get("Mappings")
        .and_then(|m| m.get("Buildspecs"))
        .and_then(|m| m.get("Deploy"))
        .and_then(|m| m.get("Spec"))
        .and_then(Value::as_str)
        .expect("the deploy buildspec in Mappings");
    assert!(
        spec.contains("\"$CODEBUILD_INITIATOR\" = \"codepipeline/$PIPELINE_NAME\""),
        "started by the pipeline only"
    );
    assert!(spec.contains("APPROVER_ROLE_NAME") && spec.contains("lastUpdatedBy"), "prod checks its approver");
    assert!(spec.contains("$CODEBUILD_SRC_DIR_Packaged/packaged.yaml"), "only the package comes from the build");
    // The deploy stages take the Source artifact as primary input (deploy.sh, samconfig.toml).
    let text = std::fs::read_to_string(repo_root().join("scripts/deploy/pipeline.yaml")).unwrap();
    assert_eq!(text.matches("PrimarySource: Source").count(), 3);
    // A named approver, granted the approval, and told to the prod project.
    let approver = pipeline.get("Parameters").and_then(|p| p.get("ProdApproverRoleArn")).expect("ProdApproverRoleArn");
    assert!(approver.get("Default").is_none(), "the approver must be named");
    let grant = property(resource(&pipeline, "ProdApproverPolicy"), "PolicyDocument").unwrap();
    let approve = statement(grant, "ApproveProd");
    assert_eq!(approve.get("Action").and_then(Value::as_str), Some("codepipeline:PutApprovalResult"));
    assert!(format!("{:?}", resource(&pipeline, "DeployProdProject")).contains("APPROVER_ROLE_NAME"));
    // The build's output is the package alone, its code pinned to object versions.
    let build: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("scripts/deploy/buildspec-build.yml")).unwrap())
            .unwrap();
    let files = strings(build.get("artifacts").and_then(|a| a.get("files")).unwrap());
    assert_eq!(files, BTreeSet::from(["packaged.yaml".to_string()]));
    let commands = format!("{:?}", build.get("phases").and_then(|p| p.get("build")).unwrap());
    assert!(commands.contains("pin-versions.py packaged.yaml") && commands.contains("--signing-profiles"));
}

#[test]
fn staging_and_prod_deploy_only_with_code_signing() {
    let samconfig = std::fs::read_to_string(repo_root().join("samconfig.toml")).unwrap();
    for env in ["staging", "prod"] {
        let start = samconfig.find(&format!("[{env}.deploy.parameters]")).expect(env);
        let section = &samconfig[start + 1..];
        let section = &section[..section.find("\n[").unwrap_or(section.len())];
        let set = section.lines().any(|l| l.trim_start().starts_with("\"CodeSigningConfigArn=arn:"));
        assert!(set, "{env}: CodeSigningConfigArn is set (not commented out)");
    }
    let deploy = std::fs::read_to_string(repo_root().join("scripts/deploy.sh")).unwrap();
    assert!(deploy.contains("code signing is required for"), "deploy.sh refuses staging/prod without it");
}

#[test]
fn every_checkov_skip_reason_is_still_true() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    for false_reason in ["The environment holds no secret", "The queue policy already limits access"] {
        assert!(!text.contains(false_reason), "a skip still says {false_reason:?}");
    }
    let template = load("template.yaml");
    let skips = format!("{:?}", resource(&template, "PublishFindingsFunction").get("Metadata").unwrap());
    assert!(skips.contains("POSTs alerts over https"), "publish-findings' CKV_AWS_117 names the webhook");
}

/// The statements of a policy document with the template condition each is under (`None`:
/// unconditional), `!Ref AWS::NoValue` branches dropped.
fn statements_with_conditions(document: &Value) -> Vec<(Option<&str>, &Value)> {
    let mut out = Vec::new();
    for s in one_or_many(document.get("Statement").expect("a Statement")) {
        match tagged(s) {
            Some(("If", Value::Sequence(parts))) => out.extend(
                parts.iter().skip(1).filter(|p| reference(p) != Some("AWS::NoValue")).map(|p| (parts[0].as_str(), p)),
            ),
            _ => out.push((None, s)),
        }
    }
    out
}

/// The one inline policy document of a role.
fn role_policy<'a>(template: &'a Value, role: &str) -> &'a Value {
    let policies = property(resource(template, role), "Policies").map(one_or_many).expect("Policies");
    assert_eq!(policies.len(), 1, "{role}: one inline policy");
    policies[0].get("PolicyDocument").expect("PolicyDocument")
}

/// `!Sub text` as `text`.
fn sub(value: &Value) -> Option<&str> {
    match tagged(value)? {
        ("Sub", v) => v.as_str(),
        _ => None,
    }
}

/// The hub's function roles and their functions: every audit's, then publish-findings'.
fn hub_roles() -> Vec<(String, &'static str)> {
    let mut roles: Vec<(String, &str)> =
        ztscan::audit::AUDITS.iter().map(|a| (format!("{}Role", logical_id(a.function)), a.function)).collect();
    roles.push(("PublishFindingsRole".to_string(), "publish-findings"));
    roles
}

/// Item 3: the external id is in no function's environment. Each function gets the ARN of the
/// secret holding it (hub mode only), and the external id parameter feeds only the member roles'
/// trust policies.
#[test]
fn no_function_environment_holds_the_external_id_only_its_secret_s_arn() {
    let template = load("template.yaml");
    let functions = resources_of_type(&template, "AWS::Serverless::Function");
    assert_eq!(functions.len(), ztscan::audit::AUDITS.len() + 1, "every audit and publish-findings");
    if let Some(globals) = template.get("Globals") {
        assert!(!format!("{globals:?}").contains("MemberAuditExternalId"), "Globals hold the external id");
    }
    for (id, function) in &functions {
        let vars = property(function, "Environment").and_then(|e| e.get("Variables")).expect("Variables");
        let text = format!("{vars:?}");
        assert!(!text.contains("MemberAuditExternalId"), "{id}: the external id is in its environment");
        assert!(!text.contains("\"MEMBER_EXTERNAL_ID\""), "{id}: MEMBER_EXTERNAL_ID is no setting any more");
        let secret = vars.get("MEMBER_EXTERNAL_ID_SECRET_ID").unwrap_or_else(|| panic!("{id}: no secret id"));
        match tagged(secret) {
            Some(("If", Value::Sequence(p))) => {
                assert_eq!(p[0].as_str(), Some("ReadsMemberExternalId"), "{id}");
                assert_eq!(reference(&p[1]), Some("MemberExternalIdSecretArn"), "{id}");
                assert_eq!(reference(&p[2]), Some("AWS::NoValue"), "{id}");
            }
            other => panic!(
                "{id}: MEMBER_EXTERNAL_ID_SECRET_ID must be !If [ReadsMemberExternalId, !Ref MemberExternalIdSecretArn, ...], found {other:?}"
            ),
        }
    }
    assert!(ztscan::settings::variable("MEMBER_EXTERNAL_ID").is_none(), "no code reads it from the environment");
    // Hub mode only: the condition implies IsHub.
    let reads =
        format!("{:?}", template.get("Conditions").and_then(|c| c.get("ReadsMemberExternalId")).expect("condition"));
    assert!(reads.contains("And") && reads.contains("IsHub") && reads.contains("MemberExternalIdSecretArn"), "{reads}");
    // The parameter is used by the member roles' trust only, and never echoed.
    let users: Vec<&str> = template
        .get("Resources")
        .and_then(Value::as_mapping)
        .expect("Resources")
        .iter()
        .filter(|(_, r)| format!("{r:?}").contains("MemberAuditExternalId"))
        .filter_map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(users, ["MemberAuditRole", "MemberPublishRole"]);
    let parameters = template.get("Parameters").expect("Parameters");
    let external_id = parameters.get("MemberAuditExternalId").expect("MemberAuditExternalId");
    assert_eq!(external_id.get("NoEcho").and_then(Value::as_bool), Some(true));
    let secret = parameters.get("MemberExternalIdSecretArn").expect("MemberExternalIdSecretArn");
    assert!(secret.get("AllowedPattern").and_then(Value::as_str).is_some_and(|p| p.contains(":secretsmanager:")));
    // Rules: a hub without the secret, or a member without the external id, is refused.
    let rules = template.get("Rules").expect("Rules");
    for (rule, when, needs) in [
        ("HubNeedsExternalIdSecret", "MemberAccountIds", "MemberExternalIdSecretArn"),
        ("MemberNeedsExternalId", "HubAccountId", "MemberAuditExternalId"),
    ] {
        let text = format!("{:?}", rules.get(rule).unwrap_or_else(|| panic!("no rule {rule}")));
        assert!(text.contains(when) && text.contains(needs), "{rule}: {when} requires {needs}");
    }
}

/// Item 3: each hub function may read the external id's secret (that one ARN, hub mode only) and
/// assume its own kind of member role: the audits the read-only one, publish-findings the
/// import one.
#[test]
fn each_hub_function_reads_only_the_external_id_secret_and_assumes_only_its_own_member_role() {
    let template = load("template.yaml");
    for (role, function) in hub_roles() {
        let document = role_policy(&template, &role);
        let mut reads_external_id = false;
        for (condition, s) in statements_with_conditions(document) {
            let actions = strings(s.get("Action").expect("Action"));
            if actions.contains("secretsmanager:GetSecretValue") {
                match sid(s) {
                    "ReadMemberExternalId" => {
                        assert_eq!(condition, Some("ReadsMemberExternalId"), "{role}: hub mode only");
                        assert_eq!(reference(s.get("Resource").unwrap()), Some("MemberExternalIdSecretArn"), "{role}");
                        assert_eq!(actions.len(), 1, "{role}");
                        reads_external_id = true;
                    }
                    "ReadAlertWebhookSecret" if function == "publish-findings" => {
                        assert_eq!(condition, Some("HasAlertWebhook"));
                    }
                    other => panic!("{role}: {other} reads a secret"),
                }
            }
            if actions.contains("sts:AssumeRole") {
                assert_eq!(condition, Some("IsHub"), "{role}");
                let target = sub(s.get("Resource").unwrap()).expect("!Sub role ARN");
                let own = if function == "publish-findings" { "MemberPublishRoleName" } else { "MemberAuditRoleName" };
                assert!(target.ends_with(&format!(":role/${{{own}}}")), "{role} assumes {target}");
            }
        }
        assert!(reads_external_id, "{role}: cannot read the external id's secret");
        let (_, function_resource) = resources_of_type(&template, "AWS::Serverless::Function")
            .into_iter()
            .find(|(_, f)| property(f, "Role").and_then(get_att) == Some(&format!("{role}.Arn")))
            .expect("the role's function");
        let vars = property(function_resource, "Environment").and_then(|e| e.get("Variables")).unwrap();
        let own = if function == "publish-findings" { "MemberPublishRoleName" } else { "MemberAuditRoleName" };
        assert_eq!(vars.get("MEMBER_ROLE_NAME").and_then(reference), Some(own), "{role}");
    }
}

/// Item 3: in a member, only the hub's publish-findings may import findings (its own role,
/// trusted by that one ARN), the audits' role only reads, and every hub function's member
/// session policy, derived from the registry, fits STS's limit.
#[test]
fn only_publish_findings_may_import_findings_in_a_member() {
    let template = load("template.yaml");
    let granted = |role: &str| -> BTreeSet<String> {
        statements(role_policy(&template, role))
            .into_iter()
            .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
            .flat_map(|s| strings(s.get("Action").unwrap()))
            .collect()
    };
    let trusted = |role: &str| -> BTreeSet<String> {
        let r = resource(&template, role);
        assert_eq!(r.get("Condition").and_then(Value::as_str), Some("IsMember"), "{role}");
        let trust = property(r, "AssumeRolePolicyDocument").expect("trust");
        let mut arns = BTreeSet::new();
        for s in statements(trust) {
            let condition = s.get("Condition").expect("conditions");
            assert_eq!(
                condition.get("StringEquals").and_then(|c| c.get("sts:ExternalId")).and_then(reference),
                Some("MemberAuditExternalId"),
                "{role}: sts:ExternalId"
            );
            assert!(condition.get("ArnLike").is_none() && condition.get("StringLike").is_none(), "{role}: no pattern");
            let principals = condition.get("ArnEquals").and_then(|c| c.get("aws:PrincipalArn")).expect("exact ARNs");
            arns.extend(one_or_many(principals).into_iter().map(|v| sub(v).expect("!Sub ARN").to_string()));
        }
        assert!(arns.iter().all(|a| !a.contains('*')), "{role}: {arns:?}");
        arns
    };
    let hub_role =
        |function: &str| format!("arn:${{AWS::Partition}}:iam::${{HubAccountId}}:role/${{HubStackName}}-{function}");

    let reads = granted("MemberAuditRole");
    let want: BTreeSet<String> = ztscan::permissions::member_audit_role().into_iter().map(str::to_string).collect();
    assert_eq!(reads, want);
    assert!(!reads.iter().any(|a| a.starts_with("securityhub:BatchImport")), "the audits' member role imports");
    let audit_arns: BTreeSet<String> = ztscan::audit::AUDITS.iter().map(|a| hub_role(a.function)).collect();
    assert_eq!(trusted("MemberAuditRole"), audit_arns, "the read role trusts exactly the hub's audit roles");

    let imports = granted("MemberPublishRole");
    let want: BTreeSet<String> = ztscan::permissions::member_publish_role().into_iter().map(str::to_string).collect();
    assert_eq!(imports, want);
    assert_eq!(trusted("MemberPublishRole"), BTreeSet::from([hub_role("publish-findings")]), "publish-findings only");
    let publish = role_policy(&template, "MemberPublishRole");
    assert!(sub(statement(publish, "ImportOwnFindings").get("Resource").unwrap())
        .unwrap()
        .ends_with(":product/${AWS::AccountId}/default"));
    assert!(sub(statement(publish, "ReadOwnFindings").get("Resource").unwrap()).unwrap().ends_with(":hub/default"));

    // The hub side: each function's sessions carry its own actions, within STS's limit.
    for (_, function) in hub_roles() {
        let actions = ztscan::permissions::member_session_actions(function).expect("known function");
        let policy = ztscan::collect::members::session_policy(&actions);
        assert!(policy.len() <= ztscan::collect::members::MAX_SESSION_POLICY_CHARS, "{function}: {}", policy.len());
        let imports = actions.iter().any(|a| a.starts_with("securityhub:BatchImport"));
        assert_eq!(imports, function == "publish-findings", "{function}'s session may import: {imports}");
    }
}

/// Item 3: Security Hub's import and reads are scoped, in every role of the stack, to the
/// account's own default product and hub (`GetFindings` authorizes on the hub ARN), never `*`.
#[test]
fn findings_are_imported_and_read_only_on_the_own_product_and_hub() {
    let template = load("template.yaml");
    let mut checked = 0;
    for (id, role) in resources_of_type(&template, "AWS::IAM::Role") {
        for policy in property(role, "Policies").map(one_or_many).unwrap_or_default() {
            for s in statements(policy.get("PolicyDocument").expect("PolicyDocument")) {
                let actions = strings(s.get("Action").expect("Action"));
                for (action, suffix) in [
                    ("securityhub:BatchImportFindings", ":product/${AWS::AccountId}/default"),
                    ("securityhub:GetFindings", ":hub/default"),
                ] {
                    if actions.contains(action) {
                        let resource = s.get("Resource").and_then(sub).unwrap_or_else(|| panic!("{id}: {action} on *"));
                        assert!(resource.ends_with(suffix), "{id} {}: {action} on {resource}", sid(s));
                        assert_eq!(actions.len(), 1, "{id} {}: {action} has a statement of its own", sid(s));
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4, "publish-findings' and the member publish role's import and read");
}
