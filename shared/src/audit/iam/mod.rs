//! The IAM audit: every `iam.*` rule over one `GetAccountAuthorizationDetails` listing.
//!
//! A full scan evaluates the account, every customer-managed and inline policy, every role and
//! user, and every identity (a role or user with all the policies that grant it permissions).
//! A Config change event for `AWS::IAM::Role`, `AWS::IAM::User` or `AWS::IAM::Policy`
//! re-evaluates only that resource, from the same listing (IAM has no cheaper way to resolve
//! the attached and group policies an identity holds): a role or user gets its own rules, the
//! identity rule and the rules of its inline policies; a managed policy gets the policy rules,
//! and the identity rule is re-run for every identity it is attached to, because privilege
//! escalation depends on the combination. A resource that is gone gets NOT_APPLICABLE, so the
//! publisher archives its findings.
pub mod collector;

use self::collector::{IamCollector, IAM_ACTIONS};
use crate::context::ScanContext;
use crate::engine::{account_ref, evaluate_all, same_outcome_for_all, Resource};
use crate::events::ChangedResource;
use crate::model::{Finding, Outcome, ResourceRef};
use crate::resources::iam::{
    IamAccount, IamIdentity, IamInventory, IamPolicy, IamRole, IamUser, OwnerKind, PolicyKind,
};
use crate::rules::iam::{ACCOUNT_RULES, IDENTITY_RULES, POLICY_RULES, ROLE_RULES, USER_RULES};

use super::AuditReport;
use super::{metas, AuditRunner, BoxFuture, ChangeTriggers, Deployment, Descriptor, GrantScope, ReadGrant, Schedule};

/// The IAM audit in the registry.
pub static AUDIT: Descriptor = Descriptor {
    name: "iam",
    function: "iam-audit",
    title: "IAM",
    about: include_str!("README.md"),
    change: ChangeTriggers { config_types: CHANGE_TYPES, config_names: &[], api_calls: &[], mode: "resource" },
    rules: || {
        [metas(ACCOUNT_RULES), metas(POLICY_RULES), metas(IDENTITY_RULES), metas(ROLE_RULES), metas(USER_RULES)]
            .concat()
    },
    change_rules: || [metas(POLICY_RULES), metas(IDENTITY_RULES), metas(ROLE_RULES), metas(USER_RULES)].concat(),
    collector_actions: IAM_ACTIONS,
    grants: &[
        ReadGrant {
            sid: "ReadIamAccountConfiguration",
            why: "without resource-level scoping (all Read/List)",
            actions: &[
                "iam:GetAccountAuthorizationDetails",
                "iam:GetAccountSummary",
                "iam:GetAccountPasswordPolicy",
                "iam:GenerateCredentialReport",
                "iam:GetCredentialReport",
                "iam:GetServiceLastAccessedDetails",
                "lambda:ListFunctions",
            ],
            scope: GrantScope::Any,
        },
        ReadGrant {
            sid: "GenerateRoleAccessAdvisorReports",
            why: "Access Advisor reports for roles only",
            actions: &["iam:GenerateServiceLastAccessedDetails"],
            scope: GrantScope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
        },
    ],
    // IAM publishes no request rate; calls beyond an unpublished account-wide rate fail with
    // `Throttling` (<https://repost.aws/knowledge-center/iam-sts-throttling-error>): one bucket of
    // 20 per second shared by every IAM read.
    api_rates: &[("iam", 20)],
    schedule: Schedule::Regular,
    deployment: Deployment { memory_mb: 512, timeout_seconds: 600, reserved_concurrency: 1 },
    connect: |sdk, config, _progress| Box::new(Runner(IamCollector::new(sdk, config))),
    deleted: |changed, ctx| deleted(changed, ctx),
    rescans_deleted: |_| false,
};

/// The IAM audit over its real collector.
struct Runner(IamCollector);

impl AuditRunner for Runner {
    fn scan_all<'a>(&'a self, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_all(&self.0, ctx))
    }
    fn scan_changed<'a>(&'a self, changed: &'a ChangedResource, ctx: &'a ScanContext) -> BoxFuture<'a, AuditReport> {
        Box::pin(scan_changed(&self.0, changed, ctx))
    }
}

/// The Config resource types a change event may name.
pub const CHANGE_TYPES: &[&str] = &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Policy"];

/// Every rule id this audit runs (the archive scope of a full scan).
pub fn rule_ids() -> Vec<String> {
    AUDIT.rule_ids()
}

/// IAM is global: findings carry the scan's home region.
fn iam_ref(resource_type: &str, id: String, arn: Option<String>, ctx: &ScanContext) -> ResourceRef {
    ResourceRef {
        resource_type: resource_type.to_string(),
        id,
        arn,
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        partition: ctx.partition.clone(),
    }
}

impl Resource for IamPolicy {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        match &self.kind {
            PolicyKind::Managed { arn, .. } => iam_ref("AwsIamPolicy", arn.clone(), Some(arn.clone()), ctx),
            // An inline policy has no ARN of its own: it is named by its owner and name.
            PolicyKind::Inline { .. } => iam_ref("AwsIamPolicy", self.label(), None, ctx),
        }
    }
}

impl Resource for IamIdentity {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        iam_ref(self.kind.asff_type(), self.arn.clone(), Some(self.arn.clone()), ctx)
    }
}

impl Resource for IamRole {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        iam_ref("AwsIamRole", self.arn.clone(), Some(self.arn.clone()), ctx)
    }
}

impl Resource for IamUser {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        iam_ref("AwsIamUser", self.arn.clone(), Some(self.arn.clone()), ctx)
    }
}

impl Resource for IamAccount {
    fn resource_ref(&self, ctx: &ScanContext) -> ResourceRef {
        account_ref(&self.account, ctx)
    }
}

/// The policies the per-policy rules judge: customer-managed and inline ones.
fn customer_policies(inventory: &IamInventory) -> Vec<IamPolicy> {
    inventory.policies.iter().filter(|p| p.is_customer_policy()).cloned().collect()
}

/// Evaluate a collected inventory (pure).
pub fn evaluate(inventory: &IamInventory, ctx: &ScanContext) -> Vec<Finding> {
    let mut findings = evaluate_all(ACCOUNT_RULES, std::slice::from_ref(&inventory.account), ctx);
    if let Err(e) = &inventory.listing {
        let outcome = Outcome::unknown(format!("could not list IAM authorization details: {e}"));
        let account = account_ref(&ctx.account, ctx);
        findings.extend(same_outcome_for_all(POLICY_RULES, &account, &outcome, ctx));
        findings.extend(same_outcome_for_all(IDENTITY_RULES, &account, &outcome, ctx));
        findings.extend(same_outcome_for_all(ROLE_RULES, &account, &outcome, ctx));
        findings.extend(same_outcome_for_all(USER_RULES, &account, &outcome, ctx));
        return findings;
    }
    findings.extend(evaluate_all(POLICY_RULES, &customer_policies(inventory), ctx));
    findings.extend(evaluate_all(IDENTITY_RULES, &inventory.identities, ctx));
    findings.extend(evaluate_all(ROLE_RULES, &inventory.roles, ctx));
    findings.extend(evaluate_all(USER_RULES, &inventory.users, ctx));
    findings
}

/// A full scan of the account.
pub async fn scan_all(collector: &IamCollector, ctx: &ScanContext) -> AuditReport {
    let inventory = collector.collect_all(&ctx.account).await;
    report_full(&inventory, ctx)
}

/// The report of a full scan over a collected inventory: the summary (which lets the publisher
/// archive findings of vanished resources) only when the listing succeeded.
pub fn report_full(inventory: &IamInventory, ctx: &ScanContext) -> AuditReport {
    let findings = evaluate(inventory, ctx);
    AuditReport::full_scan(AUDIT.name, findings, inventory.listing.is_ok().then(rule_ids), ctx)
}

/// Re-evaluate the one resource a Config change event names.
pub async fn scan_changed(collector: &IamCollector, changed: &ChangedResource, ctx: &ScanContext) -> AuditReport {
    if changed.deleted {
        return AuditReport { findings: deleted(changed, ctx), summary: None };
    }
    let inventory = collector.collect_all(&ctx.account).await;
    AuditReport { findings: evaluate_changed(&inventory, changed, ctx), summary: None }
}

/// Does `name_or_id` name this role/user/policy? Config's `resourceId` is the IAM unique id
/// (`AROA...`, `AIDA...`, `ANPA...`) and `resourceName` the name; the ARN is compared when given.
fn names(changed: &ChangedResource, arn: &str, name: &str, unique_id: Option<&str>) -> bool {
    changed.arn.as_deref() == Some(arn)
        || changed.resource_name.as_deref() == Some(name)
        || unique_id.is_some_and(|id| id == changed.resource_id)
        || changed.resource_id == name
}

/// The findings for one changed resource, from a fresh inventory (pure).
pub fn evaluate_changed(inventory: &IamInventory, changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    if let Err(e) = &inventory.listing {
        let outcome = Outcome::unknown(format!("could not list IAM authorization details: {e}"));
        let rref = changed_ref(changed, ctx);
        return rules_for_type(&changed.resource_type)
            .into_iter()
            .map(|meta| Finding::new(meta, rref.clone(), outcome.clone(), ctx.now))
            .collect();
    }
    let inline_of = |owner_arn: &str| -> Vec<IamPolicy> {
        inventory
            .policies
            .iter()
            .filter(|p| matches!(&p.kind, PolicyKind::Inline { owner_arn: o, .. } if o == owner_arn))
            .cloned()
            .collect()
    };
    let identity = |arn: &str| inventory.identities.iter().find(|i| i.arn == arn).cloned();
    let mut findings = Vec::new();
    match changed.resource_type.as_str() {
        "AWS::IAM::Role" => {
            let Some(role) = inventory.roles.iter().find(|r| names(changed, &r.arn, &r.name, Some(&r.role_id))) else {
                return deleted(changed, ctx);
            };
            findings.extend(evaluate_all(ROLE_RULES, std::slice::from_ref(role), ctx));
            findings.extend(evaluate_all(IDENTITY_RULES, &identity(&role.arn).into_iter().collect::<Vec<_>>(), ctx));
            findings.extend(evaluate_all(POLICY_RULES, &inline_of(&role.arn), ctx));
        }
        "AWS::IAM::User" => {
            let Some(user) = inventory.users.iter().find(|u| names(changed, &u.arn, &u.name, Some(&u.user_id))) else {
                return deleted(changed, ctx);
            };
            findings.extend(evaluate_all(USER_RULES, std::slice::from_ref(user), ctx));
            findings.extend(evaluate_all(IDENTITY_RULES, &identity(&user.arn).into_iter().collect::<Vec<_>>(), ctx));
            findings.extend(evaluate_all(POLICY_RULES, &inline_of(&user.arn), ctx));
        }
        _ => {
            let Some(policy) = inventory.policies.iter().find(|p| match &p.kind {
                PolicyKind::Managed { arn, aws_managed: false } => names(changed, arn, &p.name, None),
                _ => false,
            }) else {
                return deleted(changed, ctx);
            };
            findings.extend(evaluate_all(POLICY_RULES, std::slice::from_ref(policy), ctx));
            // Escalation depends on the combination of policies: re-judge every holder.
            let holders: Vec<IamIdentity> = inventory
                .identities
                .iter()
                .filter(|i| i.policies.iter().any(|p| p.kind == policy.kind))
                .cloned()
                .collect();
            findings.extend(evaluate_all(IDENTITY_RULES, &holders, ctx));
        }
    }
    findings
}

/// The rules that report on a resource of a Config type.
fn rules_for_type(resource_type: &str) -> Vec<&'static crate::model::RuleMeta> {
    match resource_type {
        "AWS::IAM::Role" => {
            ROLE_RULES.iter().map(|r| r.meta()).chain(IDENTITY_RULES.iter().map(|r| r.meta())).collect()
        }
        "AWS::IAM::User" => {
            USER_RULES.iter().map(|r| r.meta()).chain(IDENTITY_RULES.iter().map(|r| r.meta())).collect()
        }
        _ => POLICY_RULES.iter().map(|r| r.meta()).collect(),
    }
}

/// The resource reference of a changed resource known only from the event.
fn changed_ref(changed: &ChangedResource, ctx: &ScanContext) -> ResourceRef {
    let name = changed.resource_name.clone().unwrap_or_else(|| changed.resource_id.clone());
    let (asff, arn) = match changed.resource_type.as_str() {
        "AWS::IAM::Role" => {
            (OwnerKind::Role.asff_type(), format!("arn:{}:iam::{}:role/{name}", ctx.partition, ctx.account))
        }
        "AWS::IAM::User" => {
            (OwnerKind::User.asff_type(), format!("arn:{}:iam::{}:user/{name}", ctx.partition, ctx.account))
        }
        _ => ("AwsIamPolicy", format!("arn:{}:iam::{}:policy/{name}", ctx.partition, ctx.account)),
    };
    // Config's ARN includes the path, which the name alone does not give.
    let arn = changed.arn.clone().unwrap_or(arn);
    iam_ref(asff, arn.clone(), Some(arn), ctx)
}

/// NOT_APPLICABLE for every rule of a resource that is gone, so its findings are archived.
/// The inline policies of a deleted role or user are archived by the next full scan.
pub fn deleted(changed: &ChangedResource, ctx: &ScanContext) -> Vec<Finding> {
    let outcome = Outcome::not_applicable("the resource no longer exists");
    let rref = changed_ref(changed, ctx);
    rules_for_type(&changed.resource_type)
        .into_iter()
        .map(|meta| Finding::new(meta, rref.clone(), outcome.clone(), ctx.now))
        .collect()
}
