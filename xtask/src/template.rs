//! The audit blocks of `template.yaml`, generated from the registry.
//!
//! The template keeps its hand-written parts (parameters, conditions, the publisher, the queue,
//! topic, key and member role) and holds five generated regions, each between
//! `# BEGIN GENERATED <region>` and `# END GENERATED <region>` comment lines:
//! - `audit-parameters`: each audit function's reserved-concurrency parameter;
//! - `audit-functions`: each audit's log group, role, dead-letter queue and its policy, function
//!   (schedule and Config change rule), and optional Config rule with its invoke permission;
//! - `audit-queue-grants`: each audit role's `sqs:SendMessage` grant on the findings queue;
//! - `audit-queue-deny`: the findings queue's deny of every sender but the stack's roles;
//! - `audit-role-ids`: the audit roles' unique ids, publish-findings' trusted senders
//!   (`AUDIT_ROLE_IDS`);
//! - `member-trust`: the hub audit roles the member audit role trusts, by exact ARN;
//! - `member-reads`: the member audit role's reads (every collector's actions);
//! - `boundary-reads`: the same reads, the read part of the stack's permissions boundary;
//! - `audit-outputs`: each audit function's name.
//!
//! [`regenerate`] replaces what is between the markers and leaves everything else as it is, so
//! a test can regenerate in memory and compare with the committed file.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use ztscan::audit::{Descriptor, GrantScope, Schedule, AUDITS};

/// What [`regenerate`] could not do.
#[derive(Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// A region's `# BEGIN GENERATED` or `# END GENERATED` line is missing or out of order.
    Marker { region: &'static str, what: &'static str },
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Marker { region, what } => {
                write!(f, "generated region `{region}`: {what} (expected `# BEGIN GENERATED {region}` … `# END GENERATED {region}`)")
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// What fills a generated region, for the given audits.
type Render = fn(&[&Descriptor]) -> String;

/// The generated regions and what fills each.
const REGIONS: &[(&str, Render)] = &[
    ("audit-parameters", parameters),
    ("audit-functions", functions),
    ("audit-queue-grants", queue_grants),
    ("audit-queue-deny", queue_deny),
    ("audit-role-ids", role_ids),
    ("member-trust", member_trust),
    ("member-reads", member_reads),
    ("boundary-reads", boundary_reads),
    ("audit-outputs", outputs),
];

/// `template` with every generated region rewritten from the registry.
pub fn regenerate(template: &str) -> Result<String, TemplateError> {
    regenerate_for(template, AUDITS)
}

/// `template` with every generated region rewritten for `audits`.
pub fn regenerate_for(template: &str, audits: &[&Descriptor]) -> Result<String, TemplateError> {
    let mut out = template.to_string();
    for (region, render) in REGIONS {
        out = replace_region(&out, region, &render(audits))?;
    }
    Ok(out)
}

/// Replace the lines strictly between the region's markers with `body` (the markers stay).
fn replace_region(text: &str, region: &'static str, body: &str) -> Result<String, TemplateError> {
    let begin = format!("# BEGIN GENERATED {region} ");
    let end = format!("# END GENERATED {region}");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let find = |marker: &str, from: usize| {
        lines.iter().enumerate().skip(from).find(|(_, l)| l.trim_start().starts_with(marker)).map(|(i, _)| i)
    };
    let start = find(&begin, 0).ok_or(TemplateError::Marker { region, what: "no BEGIN line" })?;
    let stop = find(&end, start + 1).ok_or(TemplateError::Marker { region, what: "no END line after BEGIN" })?;
    if find(&begin, start + 1).is_some() {
        return Err(TemplateError::Marker { region, what: "more than one BEGIN line" });
    }
    let mut out: String = lines[..=start].concat();
    out.push_str(body);
    out.push_str(&lines[stop..].concat());
    Ok(out)
}

/// `s3-audit` → `S3Audit`: the prefix of the function's logical ids.
pub fn logical_id(function: &str) -> String {
    function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// `s3-audit` → `s3`: the suffix of its Config rule's name.
fn short_name(function: &str) -> &str {
    function.strip_suffix("-audit").unwrap_or(function)
}

/// How SAM builds a function: its `CodeUri` and the `Metadata` lines before the checkov skips.
/// The one place that says it for every generated function.
fn build(function: &str) -> (&'static str, String) {
    let metadata = format!("      BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: {function}\n");
    (".", metadata)
}

/// `# text` wrapped to 100 columns at `indent` spaces.
fn comment(indent: usize, text: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && pad.len() + 2 + line.len() + 1 + word.len() > 100 {
            let _ = writeln!(out, "{pad}# {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{pad}# {line}");
    }
    out
}

fn parameters(audits: &[&Descriptor]) -> String {
    let mut out = String::new();
    for a in audits {
        let id = logical_id(a.function);
        let _ = write!(
            out,
            "  {id}ReservedConcurrency:\n    Type: Number\n    Description: Reserved concurrent executions of {}.\n    Default: {}\n    MinValue: 1\n",
            a.function, a.deployment.reserved_concurrency
        );
    }
    out
}

fn functions(audits: &[&Descriptor]) -> String {
    audits.iter().map(|a| function_block(a)).collect::<Vec<_>>().join("\n")
}

/// The collector's reads, one statement per [`ztscan::audit::ReadGrant`].
fn read_statements(a: &Descriptor) -> String {
    let mut out = String::new();
    for g in a.grants {
        out.push_str(&comment(14, &format!("{}'s collector reads: {}.", a.function, g.why)));
        let _ = writeln!(out, "              - Sid: {}", g.sid);
        out.push_str("                Effect: Allow\n");
        match g.actions {
            [one] => {
                let _ = writeln!(out, "                Action: {one}");
            }
            many => {
                out.push_str("                Action:\n");
                for action in many {
                    let _ = writeln!(out, "                  - {action}");
                }
            }
        }
        match g.scope {
            GrantScope::Any => out.push_str("                Resource: '*'\n"),
            GrantScope::Arn(arn) => {
                let _ = writeln!(out, "                Resource: !Sub {arn}");
            }
        }
    }
    out
}

/// One audit's resources: log group, role, DLQ and its policy, function, Config rule and its
/// invoke permission.
fn function_block(a: &Descriptor) -> String {
    let id = logical_id(a.function);
    let (code_uri, build_metadata) = build(a.function);
    let (schedule_param, schedule_desc) = match a.schedule {
        Schedule::Regular => ("ScanSchedule", format!("Periodic full ztscan {} scan.", a.title)),
        Schedule::Daily => ("AccountScanSchedule", format!("Daily full ztscan {} scan.", a.title)),
    };
    let types: String = a.change.config_types.iter().map(|t| format!("                    - {t}\n")).collect();
    let scope_types: String = a.change.config_types.iter().map(|t| format!("          - {t}\n")).collect();
    let header = comment(
        2,
        &format!(
            "{}: evaluates the {} controls on a schedule and on Config changes, and sends the findings to FindingsQueue.",
            a.function, a.title
        ),
    );
    FUNCTION_BLOCK
        .replace("@HEADER@", &header)
        .replace("@READS@", &read_statements(a))
        .replace("@BUILD@", &build_metadata)
        .replace("@CODE_URI@", code_uri)
        .replace("@SCHEDULE_PARAM@", schedule_param)
        .replace("@SCHEDULE_DESC@", &schedule_desc)
        .replace("@TYPES@", &types)
        .replace("@SCOPE_TYPES@", &scope_types)
        .replace("@MEMORY@", &a.deployment.memory_mb.to_string())
        .replace("@TIMEOUT@", &a.deployment.timeout_seconds.to_string())
        .replace("@EVENT@", &logical_id(short_name(a.function)))
        .replace("@SHORT@", short_name(a.function))
        .replace("@TITLE@", a.title)
        .replace("@FUNCTION@", a.function)
        .replace("@ID@", &id)
}

fn queue_grants(audits: &[&Descriptor]) -> String {
    let mut out = String::new();
    for a in audits {
        let id = logical_id(a.function);
        let _ = write!(
            out,
            "          - Sid: Allow{id}Send\n            Effect: Allow\n            Principal:\n              AWS: !GetAtt {id}Role.Arn\n            Action: sqs:SendMessage\n            Resource: !GetAtt FindingsQueue.Arn\n"
        );
    }
    out
}

/// The audit roles' ARNs, the principals the findings queue's deny of other senders exempts.
fn queue_deny(audits: &[&Descriptor]) -> String {
    audits.iter().map(|a| format!("                  - !GetAtt {}Role.Arn\n", logical_id(a.function))).collect()
}

/// The audit roles' unique ids, joined into publish-findings' `AUDIT_ROLE_IDS`.
fn role_ids(audits: &[&Descriptor]) -> String {
    audits.iter().map(|a| format!("                - !GetAtt {}Role.RoleId\n", logical_id(a.function))).collect()
}

/// The hub stack's audit roles, by exact ARN: the member audit role trusts these, never a name
/// prefix (the hub's publish-findings is trusted by the member publish role alone).
fn member_trust(audits: &[&Descriptor]) -> String {
    audits
        .iter()
        .map(|a| {
            format!(
                "                  - !Sub arn:${{AWS::Partition}}:iam::${{HubAccountId}}:role/${{HubStackName}}-{}\n",
                a.function
            )
        })
        .collect()
}

/// Every audit collector's actions, sorted: the member role's `ReadConfiguration` statement.
fn member_reads(audits: &[&Descriptor]) -> String {
    let actions: BTreeSet<&str> = audits.iter().flat_map(|a| a.collector_actions).copied().collect();
    actions.iter().map(|a| format!("                  - {a}\n")).collect()
}

/// The same reads, as the `AuditReads` statement of the stack's permissions boundary.
fn boundary_reads(audits: &[&Descriptor]) -> String {
    let actions: BTreeSet<&str> = audits.iter().flat_map(|a| a.collector_actions).copied().collect();
    actions.iter().map(|a| format!("              - {a}\n")).collect()
}

fn outputs(audits: &[&Descriptor]) -> String {
    let mut out = String::new();
    for a in audits {
        let id = logical_id(a.function);
        let _ = write!(
            out,
            "  {id}FunctionName:\n    Description: Name of the {} function.\n    Value: !Ref {id}Function\n",
            a.function
        );
    }
    out
}

/// One audit's resources. `@…@` are filled by [`function_block`].
const FUNCTION_BLOCK: &str = r#"  # ---------------------------------------------------------------------------------------------
@HEADER@  # ---------------------------------------------------------------------------------------------
  @ID@LogGroup:
    Type: AWS::Logs::LogGroup
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_158
            comment: "Encrypted at rest by CloudWatch Logs with service keys. ztscan logs names and ARNs, never secret values; who reads is set by IAM. A CMK would add a key-policy gate this data does not need, at a cost per stack."
    Properties:
      LogGroupName: !Sub /aws/lambda/${AWS::StackName}-@FUNCTION@
      RetentionInDays: !Ref LogRetentionDays
      Tags:
        - Key: owner
          Value: !Ref Owner
        - Key: data-classification
          Value: !Ref DataClassification

  @ID@Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${AWS::StackName}-@FUNCTION@
      Description: Execution role of the ztscan @FUNCTION@ function (read-only @TITLE@ configuration access).
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      PermissionsBoundary: !If [HasPermissionsBoundary, !Ref PermissionsBoundaryArn, !Ref PermissionsBoundaryPolicy]
      Policies:
        - PolicyName: @FUNCTION@
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
@READS@              # ztscan::publish::sqs::SEND_ACTIONS; Lambda also uses it to deliver failed async events to the DLQ.
              - Sid: SendFindings
                Effect: Allow
                Action: sqs:SendMessage
                Resource:
                  - !GetAtt FindingsQueue.Arn
                  - !GetAtt @ID@DLQ.Arn
              # ztscan::publish::config_evaluations::IAM_ACTIONS, only with EnableConfigRules (neither action
              # has resource-level permissions).
              - !If
                - HasConfigRules
                - Sid: ReportToConfig
                  Effect: Allow
                  Action:
                    - config:GetResourceConfigHistory
                    - config:PutEvaluations
                  Resource: '*'
                - !Ref AWS::NoValue
              # ztscan::collect::members::IAM_ACTIONS, hub mode only: the member audit role in the
              # listed member accounts, nowhere else.
              - !If
                - IsHub
                - Sid: AssumeMemberAuditRoles
                  Effect: Allow
                  Action: sts:AssumeRole
                  Resource: !Sub arn:${AWS::Partition}:iam::*:role/${MemberAuditRoleName}
                  Condition:
                    StringEquals:
                      aws:ResourceAccount: !Split [',', !Ref MemberAccountIds]
                - !Ref AWS::NoValue
              # ztscan::secret_store::IAM_ACTIONS, hub mode only: the member external id's secret,
              # read once at cold start.
              - !If
                - ReadsMemberExternalId
                - Sid: ReadMemberExternalId
                  Effect: Allow
                  Action: secretsmanager:GetSecretValue
                  Resource: !Ref MemberExternalIdSecretArn
                - !Ref AWS::NoValue
              # ztscan::permissions::LOGGING_ACTIONS, on this function's own log group only.
              - Sid: WriteOwnLogs
                Effect: Allow
                Action:
                  - logs:CreateLogStream
                  - logs:PutLogEvents
                Resource: !GetAtt @ID@LogGroup.Arn
              # Active tracing (X-Ray has no resource-level permissions).
              - Sid: WriteTraces
                Effect: Allow
                Action:
                  - xray:PutTraceSegments
                  - xray:PutTelemetryRecords
                Resource: '*'
      Tags:
        - Key: owner
          Value: !Ref Owner
        - Key: data-classification
          Value: !Ref DataClassification

  @ID@DLQ:
    Type: AWS::SQS::Queue
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_27
            comment: "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); checkov only looks for KmsMasterKeyId. The queue policy denies every sender but the function's role, denies purge, and denies access without TLS; a CMK would add KMS grants to every role and cost."
    Properties:
      SqsManagedSseEnabled: true
      MessageRetentionPeriod: 1209600
      Tags:
        - Key: owner
          Value: !Ref Owner
        - Key: data-classification
          Value: !Ref DataClassification

  @ID@DLQPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues:
        - !Ref @ID@DLQ
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: Allow@ID@FailedEvents
            Effect: Allow
            Principal:
              AWS: !GetAtt @ID@Role.Arn
            Action: sqs:SendMessage
            Resource: !GetAtt @ID@DLQ.Arn
          # Lambda sends failed events with the function's role; no one else may add to it.
          - Sid: DenyOtherSenders
            Effect: Deny
            Principal: '*'
            Action: sqs:SendMessage
            Resource: !GetAtt @ID@DLQ.Arn
            Condition:
              ArnNotEquals:
                aws:PrincipalArn: !GetAtt @ID@Role.Arn
          - Sid: DenyPurge
            Effect: Deny
            Principal: '*'
            Action: sqs:PurgeQueue
            Resource: !GetAtt @ID@DLQ.Arn
          - Sid: DenyInsecureTransport
            Effect: Deny
            Principal: '*'
            Action: sqs:*
            Resource: !GetAtt @ID@DLQ.Arn
            Condition:
              Bool:
                aws:SecureTransport: 'false'

  @ID@Function:
    Type: AWS::Serverless::Function
    Metadata:
@BUILD@      checkov:
        skip:
          - id: CKV_AWS_117
            comment: "Calls only public AWS service APIs and reaches no private resource; a VPC would need NAT or many interface endpoints (cost) and add no control over what the least-privilege role can do."
          - id: CKV_AWS_173
            comment: "No credential, key or external id is in the environment: the queue URL, settings, and in hub mode the ARN of the member external id's secret (never its value, which the function reads from Secrets Manager at cold start). Lambda encrypts it at rest with the AWS-managed key."
    Properties:
      FunctionName: !Sub ${AWS::StackName}-@FUNCTION@
      Description: ztscan @FUNCTION@ - evaluates the @TITLE@ controls and queues the findings.
      CodeUri: @CODE_URI@
      Handler: bootstrap
      Runtime: provided.al2023
      Architectures:
        - arm64
      MemorySize: @MEMORY@
      Timeout: @TIMEOUT@
      Role: !GetAtt @ID@Role.Arn
      ReservedConcurrentExecutions: !Ref @ID@ReservedConcurrency
      Tracing: Active
      CodeSigningConfigArn: !If [HasCodeSigning, !Ref CodeSigningConfigArn, !Ref AWS::NoValue]
      LoggingConfig:
        LogFormat: JSON
        LogGroup: !Ref @ID@LogGroup
        ApplicationLogLevel: INFO
        SystemLogLevel: WARN
      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt @ID@DLQ.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 2
        MaximumEventAgeInSeconds: 3600
      Environment:
        Variables:
          FINDINGS_QUEUE_URL: !Ref FindingsQueue
          MEMBER_ACCOUNT_IDS: !Ref MemberAccountIds
          MEMBER_ROLE_NAME: !Ref MemberAuditRoleName
          # The secret's ARN only: the external id is read from Secrets Manager at cold start.
          MEMBER_EXTERNAL_ID_SECRET_ID: !If [ReadsMemberExternalId, !Ref MemberExternalIdSecretArn, !Ref AWS::NoValue]
          ZTSCAN_CONFIG: !Ref ZtscanConfig
      Events:
        Schedule:
          Type: Schedule
          Properties:
            Description: @SCHEDULE_DESC@
            Schedule: !Ref @SCHEDULE_PARAM@
            State: ENABLED
        @EVENT@ConfigChange:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source:
                - aws.config
              detail-type:
                - Config Configuration Item Change
              detail:
                configurationItem:
                  resourceType:
@TYPES@      PropagateTags: true
      Tags:
        owner: !Ref Owner
        data-classification: !Ref DataClassification

  # Optional (EnableConfigRules): @FUNCTION@ is also the Lambda of an AWS Config custom rule over
  # its resource types, on change notifications (oversized ones too) and periodically.
  @ID@ConfigRulePermission:
    Type: AWS::Lambda::Permission
    Condition: HasConfigRules
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt @ID@Function.Arn
      Principal: config.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
      # The rule's ARN ends in a generated id (and naming it here would be a cycle): this
      # account's rules in this region.
      SourceArn: !Sub arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*

  @ID@ConfigRule:
    Type: AWS::Config::ConfigRule
    Condition: HasConfigRules
    DependsOn: @ID@ConfigRulePermission
    Properties:
      ConfigRuleName: !Sub ${AWS::StackName}-@SHORT@
      Description: ztscan @FUNCTION@ as a Config rule (the worst ztscan verdict on each resource).
      Scope:
        ComplianceResourceTypes:
@SCOPE_TYPES@      Source:
        Owner: CUSTOM_LAMBDA
        SourceIdentifier: !GetAtt @ID@Function.Arn
        SourceDetails:
          - EventSource: aws.config
            MessageType: ConfigurationItemChangeNotification
          - EventSource: aws.config
            MessageType: OversizedConfigurationItemChangeNotification
          - EventSource: aws.config
            MessageType: ScheduledNotification
            MaximumExecutionFrequency: !Ref ConfigRulePeriod
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_template_is_what_the_registry_generates() {
        let path = crate::template_path();
        let committed = std::fs::read_to_string(&path).expect("template.yaml");
        let generated = regenerate(&committed).expect("every generated region has its markers");
        if generated != committed {
            let first = committed
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| "(length differs)".to_string(), |i| format!("line {}", i + 1));
            panic!("template.yaml is stale (first difference at {first}): run `cargo run -p xtask -- template`");
        }
    }

    #[test]
    fn regeneration_replaces_only_between_the_markers_and_is_idempotent() {
        let text = "a: 1\n  # BEGIN GENERATED member-reads (x)\nold\n  # END GENERATED member-reads\nb: 2\n";
        let once = replace_region(text, "member-reads", "new\n").unwrap();
        assert_eq!(once, "a: 1\n  # BEGIN GENERATED member-reads (x)\nnew\n  # END GENERATED member-reads\nb: 2\n");
        assert_eq!(replace_region(&once, "member-reads", "new\n").unwrap(), once);
    }

    #[test]
    fn a_missing_or_doubled_marker_is_a_clear_error() {
        let err = replace_region("a: 1\n", "audit-outputs", "x").unwrap_err();
        assert!(err.to_string().contains("audit-outputs") && err.to_string().contains("no BEGIN"), "{err}");
        let open = "# BEGIN GENERATED audit-outputs (x)\nold\n";
        assert!(replace_region(open, "audit-outputs", "x").unwrap_err().to_string().contains("no END"));
        let twice =
            "# BEGIN GENERATED audit-outputs (x)\n# END GENERATED audit-outputs\n# BEGIN GENERATED audit-outputs (x)\n";
        assert!(replace_region(twice, "audit-outputs", "x").unwrap_err().to_string().contains("more than one"));
    }

    #[test]
    fn logical_ids_and_comments() {
        assert_eq!(logical_id("s3-audit"), "S3Audit");
        assert_eq!(logical_id("secrets-audit"), "SecretsAudit");
        assert_eq!(logical_id(short_name("stack-audit")), "Stack");
        let wrapped = comment(14, &"word ".repeat(40));
        assert!(wrapped.lines().all(|l| l.len() <= 100 && l.starts_with("              # ")), "{wrapped}");
    }

    #[test]
    fn every_audit_gets_a_block_with_its_reads_types_and_schedule() {
        let all = functions(AUDITS);
        for a in AUDITS {
            let id = logical_id(a.function);
            for logical in ["LogGroup", "Role", "DLQ", "DLQPolicy", "Function", "ConfigRulePermission", "ConfigRule"] {
                assert!(all.contains(&format!("\n  {id}{logical}:\n")), "{id}{logical}");
            }
            let block = function_block(a);
            for g in a.grants {
                assert!(block.contains(&format!("- Sid: {}\n", g.sid)), "{}: {}", a.function, g.sid);
            }
            for t in a.change.config_types {
                assert_eq!(
                    block.matches(&format!("- {t}\n")).count(),
                    2,
                    "{}: {t} in the rule and the scope",
                    a.function
                );
            }
            let param = if a.schedule == Schedule::Daily { "AccountScanSchedule" } else { "ScanSchedule" };
            assert!(block.contains(&format!("Schedule: !Ref {param}\n")), "{}", a.function);
            assert!(!block.contains('@'), "{}: a placeholder was left unfilled", a.function);
        }
    }

    /// A ninth audit, as the breadth issue will add one: a descriptor is all the template needs.
    static NINTH: Descriptor = Descriptor {
        name: "dynamodb",
        function: "dynamodb-audit",
        title: "DynamoDB",
        about: "`dynamodb-audit` reads every table of the region.",
        change: ztscan::audit::ChangeTriggers {
            config_types: &["AWS::DynamoDB::Table"],
            config_names: &[],
            api_calls: &[],
            mode: "table",
        },
        rules: Vec::new,
        change_rules: Vec::new,
        collector_actions: &["dynamodb:ListTables", "dynamodb:DescribeTable"],
        grants: &[
            ztscan::audit::ReadGrant {
                sid: "ListTables",
                why: "the listing has no resource-level scoping",
                actions: &["dynamodb:ListTables"],
                scope: GrantScope::Any,
            },
            ztscan::audit::ReadGrant {
                sid: "DescribeTables",
                why: "this account's tables in this region",
                actions: &["dynamodb:DescribeTable"],
                scope: GrantScope::Arn("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"),
            },
        ],
        api_rates: &[],
        schedule: Schedule::Regular,
        deployment: ztscan::audit::Deployment { memory_mb: 256, timeout_seconds: 300, reserved_concurrency: 1 },
        connect: |sdk, config, progress| (ztscan::audit::s3::AUDIT.connect)(sdk, config, progress),
        deleted: |_, _| Vec::new(),
        rescans_deleted: |_| false,
    };

    #[test]
    fn a_ninth_audit_adds_only_generated_lines_to_the_template() {
        let committed = std::fs::read_to_string(crate::template_path()).expect("template.yaml");
        let with_ninth: Vec<&Descriptor> = AUDITS.iter().copied().chain([&NINTH]).collect();
        let grown = regenerate_for(&committed, &with_ninth).expect("markers");
        // Every committed line is still there, in order, and every added line is generated.
        let (mut old, mut added) = (committed.lines().peekable(), Vec::new());
        for line in grown.lines() {
            if old.peek() == Some(&line) {
                old.next();
            } else {
                added.push(line);
            }
        }
        assert!(old.peek().is_none(), "a committed line was changed: {:?}", old.peek());
        let text = added.join("\n");
        for logical in ["LogGroup", "Role", "DLQ", "DLQPolicy", "Function", "ConfigRulePermission", "ConfigRule"] {
            assert!(text.contains(&format!("  DynamodbAudit{logical}:")), "{logical}");
        }
        for expected in [
            "  DynamodbAuditReservedConcurrency:",
            "          - Sid: AllowDynamodbAuditSend",
            // (its reads are already among the data audit's, so no member-reads line is added)
            "                  - !GetAtt DynamodbAuditRole.Arn",
            "                - !GetAtt DynamodbAuditRole.RoleId",
            "                  - !Sub arn:${AWS::Partition}:iam::${HubAccountId}:role/${HubStackName}-dynamodb-audit",
            "  DynamodbAuditFunctionName:",
            "        Binary: dynamodb-audit",
        ] {
            assert!(added.contains(&expected), "{expected} is not among the added lines");
        }
        // Then the new crate's one-line main.rs and one line in AUDITS: nothing else by hand.
        assert!(added.len() > 250, "about 260 generated lines, found {}", added.len());
    }
}
