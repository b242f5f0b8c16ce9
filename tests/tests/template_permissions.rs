//! `template.yaml` and the code agree: each function's own role grants exactly the IAM actions the
//! code declares (`ztscan::permissions::for_function`), no more and no less, and every function
//! carries the hardening the controls ask of Lambda functions (tracing, reserved concurrency, its
//! own log group, arm64, a permissions boundary on its role).
//!
//! A statement may be conditional (`!If [Condition, statement, !Ref AWS::NoValue]`, e.g. the
//! alert webhook's secret): "exactly" then means the union over every branch, and each grant
//! remembers the conditions it is under so tests can check that optional access stays optional.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_yaml::{Mapping, Value};

/// Actions a role needs because the function has `Tracing: Active` (X-Ray). They are a property
/// of the deployment, not of the code, so `permissions::for_function` does not list them.
const TRACING_ACTIONS: &[&str] = &["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

/// The function crates the template must deploy (its `Metadata.BuildProperties.Binary`): every
/// audit the code knows, and the publisher.
fn functions() -> Vec<&'static str> {
    let mut all: Vec<&str> = ztscan::audit::AUDITS.iter().map(|a| a.function).collect();
    all.push("publish-findings");
    all
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn load_template() -> Value {
    let path = repo_root().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The value under a CloudFormation short-form tag (`!Ref x`, `!GetAtt x.Arn`, `!If [...]`), or the
/// value itself.
fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => &tagged.value,
        other => other,
    }
}

fn str_of(value: &Value) -> Option<&str> {
    untagged(value).as_str()
}

/// A value that is one item or a list of items (IAM `Action`, `Statement`), as a list.
fn one_or_many(value: &Value) -> Vec<&Value> {
    match untagged(value) {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// `!If [cond, then, else]` or `Fn::If: [cond, then, else]`: the three parts.
fn if_parts(value: &Value) -> Option<(&str, &Value, &Value)> {
    let parts = match value {
        Value::Tagged(tagged) if tagged.tag == "If" => &tagged.value,
        Value::Mapping(map) if map.len() == 1 && map.contains_key("Fn::If") => &map["Fn::If"],
        _ => return None,
    };
    match parts.as_sequence().map(Vec::as_slice) {
        Some([condition, then, otherwise]) => Some((condition.as_str()?, then, otherwise)),
        _ => panic!("malformed Fn::If {value:?}"),
    }
}

/// `!Ref AWS::NoValue` (or `Ref: AWS::NoValue`).
fn is_no_value(value: &Value) -> bool {
    match value {
        Value::Tagged(tagged) => tagged.tag == "Ref" && tagged.value.as_str() == Some("AWS::NoValue"),
        Value::Mapping(map) => map.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue"),
        _ => false,
    }
}

/// The statements of a `Statement` value with the conditions each is under (`!C` for the else
/// branch of `C`): conditional statements are expanded, `AWS::NoValue` dropped.
fn statements(value: &Value) -> Vec<(&Value, Vec<String>)> {
    fn expand<'a>(value: &'a Value, under: &[String], out: &mut Vec<(&'a Value, Vec<String>)>) {
        if is_no_value(value) {
            return;
        }
        if let Some((condition, then, otherwise)) = if_parts(value) {
            let with = |c: String| under.iter().cloned().chain([c]).collect::<Vec<_>>();
            expand(then, &with(condition.to_string()), out);
            expand(otherwise, &with(format!("!{condition}")), out);
            return;
        }
        out.push((value, under.to_vec()));
    }
    let items: Vec<&Value> = match value {
        Value::Sequence(items) => items.iter().collect(),
        other if if_parts(other).is_some() => vec![other],
        other => one_or_many(other),
    };
    let mut out = Vec::new();
    for item in items {
        expand(item, &[], &mut out);
    }
    out
}

/// One allowed action of a role, with the template conditions its statement is under.
#[derive(Debug, Clone)]
struct Grant {
    action: String,
    conditions: Vec<String>,
    statement: Value,
}

struct Template {
    resources: Mapping,
}

impl Template {
    fn load() -> Self {
        let doc = load_template();
        let resources =
            doc.get("Resources").and_then(Value::as_mapping).expect("template.yaml has a Resources mapping").clone();
        Self { resources }
    }

    fn resource(&self, logical_id: &str) -> &Value {
        self.resources.get(logical_id).unwrap_or_else(|| panic!("template.yaml has no resource `{logical_id}`"))
    }

    fn resources_of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.resources
            .iter()
            .filter(move |(_, res)| res.get("Type").and_then(Value::as_str) == Some(ty))
            .map(|(id, res)| (id.as_str().expect("logical ids are strings"), res))
    }

    /// The function resource that builds the crate `binary` (`Metadata.BuildProperties.Binary`).
    fn function(&self, binary: &str) -> (&str, &Value) {
        let found: Vec<_> = self
            .resources_of_type("AWS::Serverless::Function")
            .filter(|(_, res)| binary_of(res) == Some(binary))
            .collect();
        match found.as_slice() {
            [one] => *one,
            [] => {
                panic!("template.yaml has no AWS::Serverless::Function with Metadata.BuildProperties.Binary `{binary}`")
            }
            many => panic!("template.yaml has {} functions building `{binary}`", many.len()),
        }
    }

    /// The logical id of the role a function's `Role` property points at (`!GetAtt X.Arn`,
    /// `!GetAtt [X, Arn]` or `Fn::GetAtt: [X, Arn]`).
    fn role_of(&self, function_id: &str, function: &Value) -> String {
        let role = property(function, "Role").unwrap_or_else(|| {
            panic!("{function_id} has no Role property: it must use its own AWS::IAM::Role, not a SAM-generated one")
        });
        let get_att = match role {
            Value::Tagged(tagged) if tagged.tag == "GetAtt" => &tagged.value,
            Value::Mapping(map) if map.len() == 1 && map.contains_key("Fn::GetAtt") => &map["Fn::GetAtt"],
            other => {
                panic!("{function_id}.Role must be `!GetAtt <Role>.Arn` of a role in this template, found {other:?}")
            }
        };
        let (logical_id, attribute) = match get_att {
            Value::String(dotted) => {
                dotted.split_once('.').unwrap_or_else(|| panic!("{function_id}.Role: malformed GetAtt `{dotted}`"))
            }
            Value::Sequence(parts) if parts.len() == 2 => (
                parts[0].as_str().expect("GetAtt logical id is a string"),
                parts[1].as_str().expect("GetAtt attribute is a string"),
            ),
            other => panic!("{function_id}.Role: malformed GetAtt {other:?}"),
        };
        assert_eq!(attribute, "Arn", "{function_id}.Role must use the role's Arn attribute");
        let role = self.resource(logical_id);
        assert_eq!(
            role.get("Type").and_then(Value::as_str),
            Some("AWS::IAM::Role"),
            "{function_id}.Role must point at an AWS::IAM::Role"
        );
        logical_id.to_string()
    }

    /// Every action allowed by the role's inline policies, under any condition.
    fn granted_actions(&self, role_id: &str) -> BTreeSet<String> {
        self.grants(role_id).into_iter().map(|g| g.action).collect()
    }

    /// Every action allowed by the role's inline policies, with the conditions it is under.
    fn grants(&self, role_id: &str) -> Vec<Grant> {
        let role = self.resource(role_id);
        assert!(
            property(role, "ManagedPolicyArns").is_none(),
            "{role_id} attaches managed policies; grant everything inline so the template matches the code exactly"
        );
        let policies = property(role, "Policies").unwrap_or_else(|| panic!("{role_id} has no inline Policies"));
        let mut grants = Vec::new();
        for policy in one_or_many(policies) {
            let name = policy.get("PolicyName").and_then(str_of).unwrap_or("?");
            let document = policy
                .get("PolicyDocument")
                .unwrap_or_else(|| panic!("{role_id} policy `{name}` has no PolicyDocument"));
            let statements =
                document.get("Statement").unwrap_or_else(|| panic!("{role_id} policy `{name}` has no Statement"));
            for (statement, conditions) in self::statements(statements) {
                let sid = statement.get("Sid").and_then(str_of).unwrap_or("(no Sid)");
                assert!(
                    statement.get("NotAction").is_none() && statement.get("NotResource").is_none(),
                    "{role_id} policy `{name}` statement {sid}: NotAction/NotResource are not allowed"
                );
                if statement.get("Effect").and_then(str_of) != Some("Allow") {
                    continue;
                }
                let action = statement
                    .get("Action")
                    .unwrap_or_else(|| panic!("{role_id} policy `{name}` statement {sid} has no Action"));
                for action in one_or_many(action) {
                    let action = str_of(action)
                        .unwrap_or_else(|| panic!("{role_id} statement {sid}: non-string Action {action:?}"));
                    assert!(!action.contains('*'), "{role_id} statement {sid} grants a wildcard action `{action}`");
                    grants.push(Grant {
                        action: action.to_string(),
                        conditions: conditions.clone(),
                        statement: statement.clone(),
                    });
                }
            }
        }
        grants
    }
}

/// The crate a function resource builds (`Metadata.BuildProperties.Binary`).
fn binary_of(resource: &Value) -> Option<&str> {
    resource.get("Metadata")?.get("BuildProperties")?.get("Binary")?.as_str()
}

/// `Properties.<name>` of a resource.
fn property<'a>(resource: &'a Value, name: &str) -> Option<&'a Value> {
    resource.get("Properties").and_then(|p| p.get(name))
}

fn expected_actions(function: &str) -> BTreeSet<String> {
    let declared = ztscan::permissions::for_function(function)
        .unwrap_or_else(|| panic!("ztscan::permissions::for_function(\"{function}\") returned None"));
    declared.iter().chain(TRACING_ACTIONS).map(|a| a.to_string()).collect()
}

fn assert_role_grants_exactly(function: &str) {
    let template = Template::load();
    let (function_id, resource) = template.function(function);
    let role_id = template.role_of(function_id, resource);
    let granted = template.granted_actions(&role_id);
    let expected = expected_actions(function);

    let extra: Vec<_> = granted.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&granted).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "template.yaml role {role_id} (function {function_id}, crate {function}) does not match \
         ztscan::permissions::for_function(\"{function}\") + tracing:\n  \
         granted by the template but not declared by the code: {extra:?}\n  \
         declared by the code but not granted by the template: {missing:?}"
    );
}

/// The account audit reads only: no action of its role can change anything, and the key reads
/// are scoped to this account's keys.
#[test]
fn account_audit_role_reads_only_and_scopes_key_reads() {
    let template = Template::load();
    let (id, res) = template.function("account-audit");
    let role = template.role_of(id, res);
    for grant in template.grants(&role) {
        let action = grant.action;
        // The optional modes' actions are checked by their own tests (Config rules, hub mode).
        if !grant.conditions.is_empty() {
            continue;
        }
        let verb = action.split(':').nth(1).unwrap_or_default();
        assert!(
            ["Describe", "Get", "List", "BatchGet", "Send", "Create", "Put"].iter().any(|p| verb.starts_with(p)),
            "{role} grants {action}"
        );
        assert!(!action.contains('*'), "{role} grants a wildcard action {action}");
    }
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    let block = text.split("AccountAuditRole:").nth(1).and_then(|t| t.split("AccountAuditDLQ:").next()).unwrap_or("");
    let key_statement = block.split("Sid: ReadKeyRotation").nth(1).unwrap_or("");
    assert!(
        key_statement.contains("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"),
        "kms:DescribeKey and kms:GetKeyRotationStatus are scoped to the account's keys"
    );
    for action in ztscan::audit::account::collector::KMS_KEY_ACTIONS {
        let before_scope = key_statement.split("Resource:").next().unwrap_or("");
        assert!(before_scope.contains(action), "{action} is in the key-scoped statement");
    }
}

/// The secrets audit reads metadata and policies only: its role can never read an audited
/// secret's value. (In hub mode it reads one secret, the member external id's, like every hub
/// function: that grant is the only one, and it names that one ARN.)
#[test]
fn secrets_audit_role_cannot_read_secret_values() {
    let template = Template::load();
    let (id, res) = template.function("secrets-audit");
    let role = template.role_of(id, res);
    for grant in template.grants(&role) {
        let a = grant.action.to_ascii_lowercase();
        assert!(!a.contains('*'), "{role} grants {}", grant.action);
        if a.contains("getsecretvalue") {
            assert_eq!(grant.conditions, ["ReadsMemberExternalId"], "{role}: {}", grant.action);
            assert_eq!(str_of(&grant.statement["Sid"]), Some("ReadMemberExternalId"));
            assert_eq!(str_of(&grant.statement["Resource"]), Some("MemberExternalIdSecretArn"));
        }
    }
}

/// The messaging audit reads configuration only: its role can never publish, receive or send
/// to the audited topics and queues (only to the findings queue and its own DLQ), and
/// per-resource reads are scoped to this account and region.
#[test]
fn messaging_audit_role_reads_only() {
    let template = Template::load();
    let (id, res) = template.function("messaging-audit");
    let role = template.role_of(id, res);
    for action in template.granted_actions(&role) {
        let a = action.to_ascii_lowercase();
        assert!(!a.contains('*'), "{role} grants {action}");
        assert!(
            !["sns:publish", "sqs:receivemessage", "sqs:deletemessage", "events:putevents"].contains(&a.as_str()),
            "{role} grants {action}"
        );
    }
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    for scoped in [
        "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*",
        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*",
        "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*",
    ] {
        assert!(text.contains(scoped), "per-resource reads are not scoped to {scoped}");
    }
}

/// The stack audit reads stack descriptions and template summaries only: its role can never
/// change, delete or read the full template of a stack, and template summaries are scoped to
/// this account's stacks in this region.
#[test]
fn stack_audit_role_reads_only() {
    let template = Template::load();
    let (id, res) = template.function("stack-audit");
    let role = template.role_of(id, res);
    for grant in template.grants(&role) {
        let a = grant.action.to_ascii_lowercase();
        if let Some(op) = a.strip_prefix("cloudformation:") {
            assert!(
                ["liststacks", "describestacks", "gettemplatesummary"].contains(&op),
                "{role} grants {}",
                grant.action
            );
        }
        if a == "cloudformation:gettemplatesummary" {
            let resource = grant.statement.get("Resource").expect("a Resource");
            assert!(
                matches!(resource, Value::Tagged(t) if t.tag == "Sub" && t.value.as_str() == Some("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*/*")),
                "GetTemplateSummary must be scoped to this account's stacks, found {resource:?}"
            );
        }
    }
}

/// Every function of the registry (and the publisher): its role grants exactly what the code
/// declares.
#[test]
fn every_function_role_grants_exactly_the_declared_actions() {
    for function in functions() {
        assert_role_grants_exactly(function);
    }
}

/// Each audit's role grants its collector's reads in the statements its descriptor lists, each
/// scoped as the descriptor says: nothing broader than `*` where AWS allows only `*`.
#[test]
fn every_audit_role_scopes_its_reads_as_its_descriptor_says() {
    let template = Template::load();
    for audit in ztscan::audit::AUDITS {
        let (id, res) = template.function(audit.function);
        let role = template.role_of(id, res);
        let grants = template.grants(&role);
        for read in audit.grants {
            let statements: Vec<&Grant> =
                grants.iter().filter(|g| g.statement.get("Sid").and_then(str_of) == Some(read.sid)).collect();
            assert!(!statements.is_empty(), "{role} has no statement {}", read.sid);
            for g in statements {
                assert!(
                    read.actions.contains(&g.action.as_str()),
                    "{role} {}: {} is not declared there",
                    read.sid,
                    g.action
                );
                assert!(g.conditions.is_empty(), "{role} {}: collector reads are unconditional", read.sid);
                let resource = g.statement.get("Resource").expect("a Resource");
                match read.scope {
                    ztscan::audit::GrantScope::Any => assert_eq!(str_of(resource), Some("*"), "{role} {}", read.sid),
                    ztscan::audit::GrantScope::Arn(arn) => assert!(
                        matches!(resource, Value::Tagged(t) if t.tag == "Sub" && t.value.as_str() == Some(arn)),
                        "{role} {}: expected !Sub {arn}, found {resource:?}",
                        read.sid
                    ),
                }
            }
        }
    }
}

/// The alert webhook's secret is read only when a secret is configured, only that secret, and
/// its customer-managed key only through Secrets Manager; the function gets the secret's id,
/// never its value.
#[test]
fn publish_findings_reads_the_webhook_secret_only_when_configured() {
    let template = Template::load();
    let (function_id, function) = template.function("publish-findings");
    let role_id = template.role_of(function_id, function);
    let grants = template.grants(&role_id);

    // (The member external id's secret, hub mode only, is checked in stack_zero_trust.rs.)
    let secret: Vec<&Grant> = grants
        .iter()
        .filter(|g| g.action == "secretsmanager:GetSecretValue" && g.conditions != ["ReadsMemberExternalId"])
        .collect();
    assert_eq!(secret.len(), 1, "{secret:?}");
    assert_eq!(secret[0].conditions, ["HasAlertWebhook"], "GetSecretValue must be granted only under HasAlertWebhook");
    let resource = secret[0].statement.get("Resource").expect("a Resource");
    assert!(
        matches!(resource, Value::Tagged(t) if t.tag == "Ref" && t.value.as_str() == Some("AlertWebhookSecretArn")),
        "GetSecretValue must be scoped to !Ref AlertWebhookSecretArn, found {resource:?}"
    );

    let webhook_key: Vec<&Grant> =
        grants.iter().filter(|g| g.action == "kms:Decrypt" && !g.conditions.is_empty()).collect();
    assert_eq!(webhook_key.len(), 1, "{webhook_key:?}");
    assert_eq!(webhook_key[0].conditions, ["HasAlertWebhookKmsKey"]);
    let via = webhook_key[0]
        .statement
        .get("Condition")
        .and_then(|c| c.get("StringEquals"))
        .and_then(|c| c.get("kms:ViaService"))
        .expect("the webhook key's statement has a kms:ViaService condition");
    assert!(
        matches!(via, Value::Tagged(t) if t.tag == "Sub" && t.value.as_str() == Some("secretsmanager.${AWS::Region}.amazonaws.com")),
        "{via:?}"
    );

    let variables = property(function, "Environment")
        .and_then(|e| e.get("Variables"))
        .unwrap_or_else(|| panic!("{function_id} has no Environment.Variables"));
    let secret_id = variables.get("ALERT_WEBHOOK_SECRET_ID").expect("ALERT_WEBHOOK_SECRET_ID is set");
    let (condition, then, otherwise) =
        if_parts(secret_id).expect("ALERT_WEBHOOK_SECRET_ID is set only under a condition (!If)");
    assert_eq!(condition, "HasAlertWebhook");
    assert!(matches!(then, Value::Tagged(t) if t.tag == "Ref" && t.value.as_str() == Some("AlertWebhookSecretArn")));
    assert!(is_no_value(otherwise));
}

#[test]
fn conditional_statements_are_expanded() {
    let doc: Value = serde_yaml::from_str(
        "- Sid: Always\n  Effect: Allow\n  Action: a:B\n- !If\n  - C\n  - Sid: OnlyC\n    Effect: Allow\n    Action: c:D\n  - !Ref AWS::NoValue\n- Fn::If: [E, {Sid: OnlyE, Action: e:F}, {Sid: NotE, Action: g:H}]\n",
    )
    .unwrap();
    let sids: Vec<(String, Vec<String>)> = statements(&doc)
        .into_iter()
        .map(|(s, c)| (s.get("Sid").and_then(Value::as_str).unwrap_or("").to_string(), c))
        .collect();
    assert_eq!(
        sids,
        [
            ("Always".to_string(), vec![]),
            ("OnlyC".to_string(), vec!["C".to_string()]),
            ("OnlyE".to_string(), vec!["E".to_string()]),
            ("NotE".to_string(), vec!["!E".to_string()]),
        ]
    );
}

#[test]
fn the_template_deploys_exactly_the_known_functions() {
    let template = Template::load();
    let mut binaries: Vec<String> = template
        .resources_of_type("AWS::Serverless::Function")
        .map(|(id, res)| {
            binary_of(res).unwrap_or_else(|| panic!("{id} has no Metadata.BuildProperties.Binary")).to_string()
        })
        .collect();
    binaries.sort();
    let mut known: Vec<String> = functions().iter().map(|f| f.to_string()).collect();
    known.sort();
    assert_eq!(binaries, known, "functions in template.yaml vs the crates this test knows");
    assert_eq!(
        template.resources_of_type("AWS::Lambda::Function").count(),
        0,
        "declare functions as AWS::Serverless::Function"
    );
}

#[test]
fn each_function_has_its_own_role() {
    let template = Template::load();
    let roles: Vec<String> = functions()
        .iter()
        .map(|f| {
            let (id, res) = template.function(f);
            template.role_of(id, res)
        })
        .collect();
    let unique: BTreeSet<_> = roles.iter().collect();
    assert_eq!(unique.len(), roles.len(), "execution roles are shared between functions: {roles:?}");
}

#[test]
fn every_role_has_a_permissions_boundary() {
    let template = Template::load();
    let roles: Vec<_> = template.resources_of_type("AWS::IAM::Role").collect();
    assert!(!roles.is_empty(), "template.yaml declares no roles");
    for (id, role) in roles {
        assert!(property(role, "PermissionsBoundary").is_some(), "role {id} has no PermissionsBoundary");
    }
}

#[test]
fn every_function_is_hardened() {
    let template = Template::load();
    for function in &functions() {
        let (id, res) = template.function(function);

        let tracing = property(res, "Tracing").and_then(str_of);
        assert_eq!(tracing, Some("Active"), "{id}: Tracing must be Active");

        assert!(
            property(res, "ReservedConcurrentExecutions").is_some(),
            "{id}: ReservedConcurrentExecutions is not set"
        );

        let log_group = property(res, "LoggingConfig")
            .and_then(|c| c.get("LogGroup"))
            .unwrap_or_else(|| panic!("{id}: LoggingConfig.LogGroup is not set"));
        // It must be a log group declared in this template (`!Ref <LogGroup>`).
        if let Value::Tagged(tagged) = log_group {
            assert!(
                tagged.tag == "Ref",
                "{id}: LoggingConfig.LogGroup should be !Ref of a log group, found {log_group:?}"
            );
            let target = tagged.value.as_str().expect("!Ref target is a string");
            assert_eq!(
                template.resource(target).get("Type").and_then(Value::as_str),
                Some("AWS::Logs::LogGroup"),
                "{id}: LoggingConfig.LogGroup must reference an AWS::Logs::LogGroup"
            );
            assert!(
                property(template.resource(target), "RetentionInDays").is_some(),
                "{id}: its log group {target} has no RetentionInDays"
            );
        }
        let log_format = property(res, "LoggingConfig").and_then(|c| c.get("LogFormat")).and_then(str_of);
        assert_eq!(log_format, Some("JSON"), "{id}: LoggingConfig.LogFormat must be JSON");

        let architectures: Vec<_> = property(res, "Architectures")
            .map(one_or_many)
            .unwrap_or_default()
            .into_iter()
            .filter_map(str_of)
            .collect();
        assert_eq!(architectures, ["arm64"], "{id}: Architectures must be [arm64]");

        assert_eq!(property(res, "Runtime").and_then(str_of), Some("provided.al2023"), "{id}: Runtime");
        assert_eq!(property(res, "Handler").and_then(str_of), Some("bootstrap"), "{id}: Handler");
    }
}

/// Every sample change event in `events/` names a resource type at least one audit of the
/// registry re-evaluates, and each such audit's Config change rule matches it; every audit's
/// change rule matches exactly its descriptor's Config types.
#[test]
fn config_change_rules_match_the_descriptors_and_the_sample_events() {
    let template = Template::load();
    for audit in ztscan::audit::AUDITS {
        let (id, res) = template.function(audit.function);
        let declared: BTreeSet<String> = audit.change.config_types.iter().map(|t| t.to_string()).collect();
        assert_eq!(change_types(&template, id, res), declared, "{id}: change rule = the descriptor's config_types");
    }
    let mut samples: Vec<String> = std::fs::read_dir(repo_root().join("events"))
        .expect("events/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("config-change-") && name.ends_with(".json"))
        .collect();
    samples.sort();
    assert!(samples.len() >= ztscan::audit::AUDITS.len(), "a sample change event per audit at least: {samples:?}");
    for file in &samples {
        let path = repo_root().join("events").join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let event: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        let resource_type = event
            .pointer("/detail/configurationItem/resourceType")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_else(|| panic!("{file} names no resourceType"));
        let owners: Vec<&str> = ztscan::audit::AUDITS
            .iter()
            .filter(|a| a.change.config_types.contains(&resource_type))
            .map(|a| a.function)
            .collect();
        // A type may concern several audits (a KMS key: the account audit's rotation, the data
        // audit's key policy and deletion); every one of them must match the sample.
        assert!(!owners.is_empty(), "{file}: {resource_type} is re-evaluated by no audit");
        for function in owners {
            assert_change_rule_matches(function, &[file.as_str()]);
        }
    }
}

fn assert_change_rule_matches(function: &str, files: &[&str]) {
    let template = Template::load();
    let (id, res) = template.function(function);
    let events = property(res, "Events").and_then(Value::as_mapping).unwrap_or_else(|| panic!("{id} has no Events"));
    let pattern = events
        .values()
        .filter(|e| e.get("Type").and_then(Value::as_str) == Some("EventBridgeRule"))
        .filter_map(|e| e.get("Properties").and_then(|p| p.get("Pattern")))
        .next()
        .unwrap_or_else(|| panic!("{id} has no EventBridgeRule event with a Pattern"));
    let allowed = |path: &[&str]| -> Vec<String> {
        let mut v = pattern;
        for key in path {
            v = v.get(*key).unwrap_or_else(|| panic!("{id}: rule pattern has no {}", path.join(".")));
        }
        one_or_many(v).into_iter().filter_map(str_of).map(str::to_string).collect()
    };

    for file in files {
        let path = repo_root().join("events").join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let event: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        let field =
            |pointer: &str| event.pointer(pointer).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
        assert!(allowed(&["source"]).contains(&field("/source")), "{file}: source not matched by the rule");
        assert!(
            allowed(&["detail-type"]).contains(&field("/detail-type")),
            "{file}: detail-type not matched by the rule"
        );
        assert!(
            allowed(&["detail", "configurationItem", "resourceType"])
                .contains(&field("/detail/configurationItem/resourceType")),
            "{file}: resourceType not matched by the rule"
        );
    }
}

/// The resource types a function's "Config Configuration Item Change" rule matches.
fn change_types(template: &Template, function_id: &str, function: &Value) -> BTreeSet<String> {
    let _ = template;
    let events = property(function, "Events")
        .and_then(Value::as_mapping)
        .unwrap_or_else(|| panic!("{function_id} has no Events"));
    events
        .values()
        .filter(|e| e.get("Type").and_then(Value::as_str) == Some("EventBridgeRule"))
        .filter_map(|e| {
            e.get("Properties")?.get("Pattern")?.get("detail")?.get("configurationItem")?.get("resourceType")
        })
        .flat_map(one_or_many)
        .filter_map(str_of)
        .map(str::to_string)
        .collect()
}

/// `!GetAtt X.Arn` (or its long forms): `X`.
fn get_att_target(value: &Value) -> Option<String> {
    let inner = match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => &tagged.value,
        Value::Mapping(map) if map.len() == 1 && map.contains_key("Fn::GetAtt") => &map["Fn::GetAtt"],
        _ => return None,
    };
    match inner {
        Value::String(s) => s.split('.').next().map(str::to_string),
        Value::Sequence(parts) => parts.first().and_then(str_of).map(str::to_string),
        _ => None,
    }
}

#[test]
fn every_audit_function_is_an_optional_config_rule_over_its_change_types() {
    let template = Template::load();
    let rules: Vec<(&str, &Value)> = template.resources_of_type("AWS::Config::ConfigRule").collect();
    for function in functions().iter().filter(|f| f.ends_with("-audit")) {
        let (function_id, res) = template.function(function);
        let matching: Vec<&(&str, &Value)> = rules
            .iter()
            .filter(|(_, rule)| {
                property(rule, "Source").and_then(|s| s.get("SourceIdentifier")).and_then(get_att_target).as_deref()
                    == Some(function_id)
            })
            .collect();
        let [(rule_id, rule)] = matching.as_slice() else {
            panic!("{function}: expected exactly one AWS::Config::ConfigRule whose SourceIdentifier is {function_id}")
        };
        assert_eq!(rule.get("Condition").and_then(str_of), Some("HasConfigRules"), "{rule_id} must be optional");
        let source = property(rule, "Source").expect("checked above");
        assert_eq!(source.get("Owner").and_then(str_of), Some("CUSTOM_LAMBDA"), "{rule_id}");
        let messages: BTreeSet<String> = source
            .get("SourceDetails")
            .map(one_or_many)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|d| d.get("MessageType").and_then(str_of).map(str::to_string))
            .collect();
        let want: BTreeSet<String> = [
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
            "ScheduledNotification",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(messages, want, "{rule_id}: message types");
        let scope: BTreeSet<String> = property(rule, "Scope")
            .and_then(|s| s.get("ComplianceResourceTypes"))
            .map(one_or_many)
            .unwrap_or_default()
            .into_iter()
            .filter_map(str_of)
            .map(str::to_string)
            .collect();
        assert_eq!(scope, change_types(&template, function_id, res), "{rule_id}: scope = the function's change types");

        // Config may invoke the function, from this account only, and the rule waits for that.
        let permission_id =
            rule.get("DependsOn").and_then(str_of).unwrap_or_else(|| panic!("{rule_id} has no DependsOn"));
        let permission = template.resource(permission_id);
        assert_eq!(permission.get("Type").and_then(str_of), Some("AWS::Lambda::Permission"), "{permission_id}");
        assert_eq!(permission.get("Condition").and_then(str_of), Some("HasConfigRules"), "{permission_id}");
        assert_eq!(property(permission, "Principal").and_then(str_of), Some("config.amazonaws.com"));
        assert!(property(permission, "SourceAccount").is_some(), "{permission_id} must pin SourceAccount");
        assert_eq!(
            property(permission, "FunctionName").and_then(get_att_target).as_deref(),
            Some(function_id),
            "{permission_id}"
        );

        // The role may report to Config only when the rules exist.
        let role_id = template.role_of(function_id, res);
        for action in ztscan::publish::config_evaluations::IAM_ACTIONS {
            let grants: Vec<Grant> = template.grants(&role_id).into_iter().filter(|g| g.action == *action).collect();
            assert!(!grants.is_empty(), "{role_id} lacks {action}");
            for g in grants {
                assert_eq!(g.conditions, vec!["HasConfigRules".to_string()], "{role_id}: {action} must be conditional");
            }
        }
    }
}

#[test]
fn hub_mode_grants_are_optional_and_the_member_role_is_read_only_and_guarded_by_the_external_id() {
    let template = Template::load();
    // Hub side: every function may assume the member role only in hub mode.
    for function in &functions() {
        let (function_id, res) = template.function(function);
        let role_id = template.role_of(function_id, res);
        let grants: Vec<Grant> =
            template.grants(&role_id).into_iter().filter(|g| g.action == "sts:AssumeRole").collect();
        assert!(!grants.is_empty(), "{role_id} cannot assume member roles");
        for g in &grants {
            assert_eq!(g.conditions, vec!["IsHub".to_string()], "{role_id}: sts:AssumeRole must be hub-only");
            assert!(
                g.statement
                    .get("Condition")
                    .and_then(|c| c.get("StringEquals"))
                    .and_then(|c| c.get("aws:ResourceAccount"))
                    .is_some(),
                "{role_id}: sts:AssumeRole must be pinned to the member accounts"
            );
        }
        let env = property(res, "Environment")
            .and_then(|e| e.get("Variables"))
            .unwrap_or_else(|| panic!("{function_id}: no env"));
        for var in ["MEMBER_ACCOUNT_IDS", "MEMBER_ROLE_NAME", "MEMBER_EXTERNAL_ID_SECRET_ID"] {
            assert!(env.get(var).is_some(), "{function_id} lacks {var}");
        }
    }

    // Member side: the audits' role, exactly the collectors' reads (the Security Hub import is
    // MemberPublishRole's, publish-findings' only: tests/tests/stack_zero_trust.rs).
    let role = template.resource("MemberAuditRole");
    assert_eq!(role.get("Condition").and_then(str_of), Some("IsMember"));
    let granted = template.granted_actions("MemberAuditRole");
    let expected: BTreeSet<String> = ztscan::permissions::member_audit_role().into_iter().map(str::to_string).collect();
    assert_eq!(granted, expected, "MemberAuditRole must grant exactly permissions::member_audit_role()");
    let granted = template.granted_actions("MemberPublishRole");
    let expected: BTreeSet<String> =
        ztscan::permissions::member_publish_role().into_iter().map(str::to_string).collect();
    assert_eq!(granted, expected, "MemberPublishRole must grant exactly permissions::member_publish_role()");
    let trust = property(role, "AssumeRolePolicyDocument").and_then(|d| d.get("Statement")).expect("a trust policy");
    for statement in one_or_many(trust) {
        let condition = statement.get("Condition").expect("every trust statement has conditions");
        assert!(
            condition.get("StringEquals").and_then(|c| c.get("sts:ExternalId")).is_some(),
            "the member role must require sts:ExternalId"
        );
        assert!(condition.get("ArnLike").is_none(), "the member role trusts no ARN pattern");
        let trusted: Vec<&str> = condition
            .get("ArnEquals")
            .and_then(|c| c.get("aws:PrincipalArn"))
            .map(one_or_many)
            .expect("the member role must trust only the hub stack's roles, by exact ARN")
            .into_iter()
            .filter_map(str_of)
            .collect();
        let expected: Vec<String> = ztscan::audit::AUDITS
            .iter()
            .map(|a| format!("arn:${{AWS::Partition}}:iam::${{HubAccountId}}:role/${{HubStackName}}-{}", a.function))
            .collect();
        let mut sorted = trusted.clone();
        sorted.sort_unstable();
        let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
        want.sort_unstable();
        assert_eq!(sorted, want, "the member audit role trusts exactly the hub stack's audit roles");
        assert!(trusted.iter().all(|arn| !arn.contains('*')), "no prefix trust: {trusted:?}");
    }
}

/// Every variable the template sets in a function's environment is one that function reads, as
/// `ztscan::settings::VARIABLES` lists it: a renamed or misspelt variable fails here instead of
/// being silently ignored at run time.
#[test]
fn every_function_environment_variable_is_a_setting_that_function_reads() {
    let template = load_template();
    let resources = template.get("Resources").and_then(Value::as_mapping).expect("Resources");
    let mut checked = 0;
    for (id, resource) in resources {
        let Some(binary) = binary_of(resource) else { continue };
        let Some(vars) = property(resource, "Environment").and_then(|e| e.get("Variables")).and_then(Value::as_mapping)
        else {
            continue;
        };
        let is_audit = ztscan::audit::AUDITS.iter().any(|a| a.function == binary);
        for name in vars.keys().filter_map(Value::as_str) {
            let variable = ztscan::settings::variable(name)
                .unwrap_or_else(|| panic!("{id:?} sets {name}, which ztscan::settings::VARIABLES does not list"));
            let read = if is_audit { variable.read_by.audit_functions() } else { variable.read_by.publish_findings() };
            assert!(read, "{id:?} ({binary}) sets {name}, which that function does not read");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} environment variables found in template.yaml");
}
