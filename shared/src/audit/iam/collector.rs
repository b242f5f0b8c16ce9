//! The IAM collector: one paginated `GetAccountAuthorizationDetails` listing (users, roles,
//! groups, customer-managed and AWS-managed policies) serves every IAM rule. Around it, the
//! account summary, the password policy, the credential report, Access Advisor for each role
//! and `lambda:ListFunctions` (which functions use which role). Each part that fails is kept as
//! a `CollectError` on the resources it concerns, so the rules report UNKNOWN with the reason;
//! `collect_all` itself never fails.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, EntityType, JobStatusType, SummaryKeyType};
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};

use crate::collect::error::{required, sdk_error, CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::policy::PolicyDocument;
use crate::resources::iam::{
    AccessKeyInfo, AttachedPolicy, Credentials, IamAccount, IamIdentity, IamInventory, IamPolicy, IamRole, IamUser,
    OwnerKind, PasswordPolicy, PolicyKind, RootUser, ServiceLastAccessed,
};
use crate::scan_config::ScanConfig;

/// Every action this collector calls, as data. The iam-audit role must grant exactly these.
pub const IAM_ACTIONS: &[&str] = &[
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountSummary",
    "iam:GetAccountPasswordPolicy",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
    "lambda:ListFunctions",
];

const GAAD: &str = "iam:GetAccountAuthorizationDetails";
const SUMMARY: &str = "iam:GetAccountSummary";
const PASSWORD_POLICY: &str = "iam:GetAccountPasswordPolicy";
const GENERATE_REPORT: &str = "iam:GenerateCredentialReport";
const GET_REPORT: &str = "iam:GetCredentialReport";
const GENERATE_ADVISOR: &str = "iam:GenerateServiceLastAccessedDetails";
const GET_ADVISOR: &str = "iam:GetServiceLastAccessedDetails";
const LIST_FUNCTIONS: &str = "lambda:ListFunctions";

/// How long to wait for an asynchronous IAM job (the credential report, an Access Advisor
/// job): the first delay doubles up to `max`, for at most `attempts` polls. The defaults
/// wait about ten seconds in all before giving up with a `CollectError`.
#[derive(Debug, Clone, Copy)]
struct Poll {
    first: Duration,
    max: Duration,
    attempts: u32,
}

impl Poll {
    const DEFAULT: Poll = Poll { first: Duration::from_millis(100), max: Duration::from_secs(2), attempts: 10 };

    fn delay(&self, attempt: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(attempt)).min(self.max)
    }
}

/// Reads IAM for one account, and which Lambda functions use which role.
#[derive(Clone)]
pub struct IamCollector {
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
    concurrency: usize,
    page_size: Option<i32>,
    poll: Poll,
}

fn to_chrono(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn malformed(action: &str, message: impl Into<String>) -> CollectError {
    CollectError::new(CollectErrorKind::Malformed, action, message)
}

/// Parse a policy document as IAM returns it (URL-encoded JSON). `what` names the document in
/// the error, e.g. `policy arn:aws:iam::123456789012:policy/x`.
pub fn parse_iam_document(text: Option<&str>, what: &str) -> Collected<PolicyDocument> {
    let Some(text) = text else {
        return Err(malformed(GAAD, format!("{what}: no document was returned")));
    };
    // IAM URL-encodes documents (`%7B...`); `parse_iam` decodes them.
    PolicyDocument::parse_iam(text).map_err(|e| malformed(GAAD, format!("{what}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// The listing, converted from SDK types into plain data at once.

/// An inline policy as listed: its name and its (still URL-encoded) document.
#[derive(Debug, Clone)]
struct RawInline {
    name: String,
    document: Option<String>,
}

#[derive(Debug, Clone)]
struct RawManaged {
    arn: String,
    name: String,
    attachment_count: Option<u32>,
    /// The default version's document, URL-encoded.
    document: Option<String>,
}

#[derive(Debug, Clone)]
struct RawGroup {
    arn: String,
    name: String,
    inline: Vec<RawInline>,
    attached: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone)]
struct RawRole {
    role: IamRole,
    inline: Vec<RawInline>,
}

#[derive(Debug, Clone)]
struct RawUser {
    user: IamUser,
    inline: Vec<RawInline>,
}

#[derive(Debug, Clone, Default)]
struct Listing {
    managed: Vec<RawManaged>,
    groups: Vec<RawGroup>,
    roles: Vec<RawRole>,
    users: Vec<RawUser>,
}

fn inline_from_sdk(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<RawInline> {
    list.iter()
        .map(|p| RawInline {
            name: p.policy_name().unwrap_or_default().to_string(),
            document: p.policy_document().map(str::to_string),
        })
        .collect()
}

fn attached_from_sdk(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .map(|p| AttachedPolicy {
            arn: p.policy_arn().unwrap_or_default().to_string(),
            name: p.policy_name().unwrap_or_default().to_string(),
        })
        .collect()
}

fn tags_from_sdk(tags: &[aws_sdk_iam::types::Tag]) -> BTreeMap<String, String> {
    tags.iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
}

fn role_from_sdk(r: &aws_sdk_iam::types::RoleDetail) -> RawRole {
    let name = r.role_name().unwrap_or_default().to_string();
    let role = IamRole {
        arn: r.arn().unwrap_or_default().to_string(),
        path: r.path().unwrap_or("/").to_string(),
        role_id: r.role_id().unwrap_or_default().to_string(),
        create_date: to_chrono(r.create_date()),
        trust_policy: parse_iam_document(r.assume_role_policy_document(), &format!("trust policy of role {name}")),
        inline_policy_names: r.role_policy_list().iter().filter_map(|p| p.policy_name()).map(str::to_string).collect(),
        attached_policies: attached_from_sdk(r.attached_managed_policies()),
        permissions_boundary: r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
        last_used: r.role_last_used().and_then(|u| to_chrono(u.last_used_date())),
        tags: tags_from_sdk(r.tags()),
        lambda_functions: Ok(Vec::new()),
        service_last_accessed: Ok(None),
        name,
    };
    RawRole { role, inline: inline_from_sdk(r.role_policy_list()) }
}

fn user_from_sdk(u: &aws_sdk_iam::types::UserDetail) -> RawUser {
    let user = IamUser {
        arn: u.arn().unwrap_or_default().to_string(),
        name: u.user_name().unwrap_or_default().to_string(),
        user_id: u.user_id().unwrap_or_default().to_string(),
        create_date: to_chrono(u.create_date()),
        inline_policy_names: u.user_policy_list().iter().filter_map(|p| p.policy_name()).map(str::to_string).collect(),
        attached_policies: attached_from_sdk(u.attached_managed_policies()),
        group_names: u.group_list().to_vec(),
        permissions_boundary: u.permissions_boundary().and_then(|b| b.permissions_boundary_arn()).map(str::to_string),
        tags: tags_from_sdk(u.tags()),
        credentials: Ok(None),
        policies: Vec::new(),
    };
    RawUser { user, inline: inline_from_sdk(u.user_policy_list()) }
}

fn group_from_sdk(g: &aws_sdk_iam::types::GroupDetail) -> RawGroup {
    RawGroup {
        arn: g.arn().unwrap_or_default().to_string(),
        name: g.group_name().unwrap_or_default().to_string(),
        inline: inline_from_sdk(g.group_policy_list()),
        attached: attached_from_sdk(g.attached_managed_policies()),
    }
}

fn managed_from_sdk(p: &aws_sdk_iam::types::ManagedPolicyDetail) -> RawManaged {
    let default_version = p.default_version_id();
    let document = p
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version() || (default_version.is_some() && v.version_id() == default_version))
        .and_then(|v| v.document())
        .map(str::to_string);
    let arn = p.arn().unwrap_or_default();
    RawManaged {
        arn: arn.to_string(),
        // moto leaves PolicyName out of this listing; the ARN ends with the name.
        name: p.policy_name().unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default()).to_string(),
        attachment_count: p.attachment_count().and_then(|c| u32::try_from(c).ok()),
        document,
    }
}

// ---------------------------------------------------------------------------------------------
// Assembling policies, roles, users and identities from the listing (pure).

#[derive(Debug, Clone, Default, PartialEq)]
struct Assembled {
    policies: Vec<IamPolicy>,
    roles: Vec<IamRole>,
    users: Vec<IamUser>,
    identities: Vec<IamIdentity>,
}

fn is_aws_managed_arn(arn: &str) -> bool {
    arn.contains(":iam::aws:policy/")
}

fn managed_policy(m: &RawManaged) -> IamPolicy {
    IamPolicy {
        kind: PolicyKind::Managed { arn: m.arn.clone(), aws_managed: is_aws_managed_arn(&m.arn) },
        name: m.name.clone(),
        document: parse_iam_document(m.document.as_deref(), &format!("policy {}", m.arn)),
        attachment_count: m.attachment_count,
    }
}

fn inline_policy(owner: OwnerKind, owner_arn: &str, owner_name: &str, p: &RawInline) -> IamPolicy {
    let owner_word = match owner {
        OwnerKind::Role => "role",
        OwnerKind::User => "user",
        OwnerKind::Group => "group",
    };
    IamPolicy {
        kind: PolicyKind::Inline { owner, owner_arn: owner_arn.to_string(), owner_name: owner_name.to_string() },
        name: p.name.clone(),
        document: parse_iam_document(
            p.document.as_deref(),
            &format!("inline policy {} of {owner_word} {owner_name}", p.name),
        ),
        attachment_count: None,
    }
}

/// An attached managed policy that the listing did not contain.
fn missing_managed(a: &AttachedPolicy) -> IamPolicy {
    IamPolicy {
        kind: PolicyKind::Managed { arn: a.arn.clone(), aws_managed: a.is_aws_managed() },
        name: a.name.clone(),
        document: Err(CollectError::new(
            CollectErrorKind::Api,
            GAAD,
            format!("policy {} is attached but was not in the listing", a.arn),
        )),
        attachment_count: None,
    }
}

fn assemble(listing: &Listing) -> Assembled {
    // Which managed policies something refers to (attached, or used as a boundary).
    let mut attached_arns: HashSet<&str> = HashSet::new();
    let mut boundary_arns: HashSet<&str> = HashSet::new();
    for r in &listing.roles {
        attached_arns.extend(r.role.attached_policies.iter().map(|a| a.arn.as_str()));
        boundary_arns.extend(r.role.permissions_boundary.as_deref());
    }
    for u in &listing.users {
        attached_arns.extend(u.user.attached_policies.iter().map(|a| a.arn.as_str()));
        boundary_arns.extend(u.user.permissions_boundary.as_deref());
    }
    for g in &listing.groups {
        attached_arns.extend(g.attached.iter().map(|a| a.arn.as_str()));
    }

    // Parse each managed policy that is kept or needed, once.
    let mut managed: HashMap<&str, IamPolicy> = HashMap::new();
    let mut out = Assembled::default();
    for m in &listing.managed {
        let aws = is_aws_managed_arn(&m.arn);
        let attached = m.attachment_count.is_some_and(|c| c > 0) || attached_arns.contains(m.arn.as_str());
        let keep = !aws || attached;
        if keep || boundary_arns.contains(m.arn.as_str()) {
            let policy = managed_policy(m);
            if keep {
                out.policies.push(policy.clone());
            }
            managed.insert(m.arn.as_str(), policy);
        }
    }
    let resolve = |a: &AttachedPolicy| managed.get(a.arn.as_str()).cloned().unwrap_or_else(|| missing_managed(a));
    let boundary = |arn: &Option<String>| {
        arn.as_deref().map(|arn| match managed.get(arn) {
            Some(p) => p.document.clone(),
            None => Err(CollectError::new(
                CollectErrorKind::Api,
                GAAD,
                format!("permissions boundary {arn} was not in the listing"),
            )),
        })
    };

    let mut groups: HashMap<&str, Vec<IamPolicy>> = HashMap::new();
    let mut group_inline = Vec::new();
    for g in &listing.groups {
        let inline: Vec<IamPolicy> =
            g.inline.iter().map(|p| inline_policy(OwnerKind::Group, &g.arn, &g.name, p)).collect();
        let mut granting = inline.clone();
        granting.extend(g.attached.iter().map(resolve));
        groups.insert(g.name.as_str(), granting);
        group_inline.extend(inline);
    }

    let mut user_inline = Vec::new();
    for r in &listing.roles {
        let inline: Vec<IamPolicy> =
            r.inline.iter().map(|p| inline_policy(OwnerKind::Role, &r.role.arn, &r.role.name, p)).collect();
        let mut granting = inline.clone();
        granting.extend(r.role.attached_policies.iter().map(resolve));
        out.policies.extend(inline);
        out.identities.push(IamIdentity {
            kind: OwnerKind::Role,
            arn: r.role.arn.clone(),
            name: r.role.name.clone(),
            policies: granting,
            permissions_boundary: boundary(&r.role.permissions_boundary),
        });
        out.roles.push(r.role.clone());
    }
    for u in &listing.users {
        let inline: Vec<IamPolicy> =
            u.inline.iter().map(|p| inline_policy(OwnerKind::User, &u.user.arn, &u.user.name, p)).collect();
        let mut granting = inline.clone();
        granting.extend(u.user.attached_policies.iter().map(resolve));
        for g in &u.user.group_names {
            match groups.get(g.as_str()) {
                Some(policies) => granting.extend(policies.iter().cloned()),
                None => granting.push(IamPolicy {
                    kind: PolicyKind::Inline { owner: OwnerKind::Group, owner_arn: g.clone(), owner_name: g.clone() },
                    name: g.clone(),
                    document: Err(CollectError::new(
                        CollectErrorKind::Api,
                        GAAD,
                        format!("group {g} of user {} was not in the listing", u.user.name),
                    )),
                    attachment_count: None,
                }),
            }
        }
        let mut user = u.user.clone();
        user.policies = granting.clone();
        user_inline.extend(inline);
        out.identities.push(IamIdentity {
            kind: OwnerKind::User,
            arn: user.arn.clone(),
            name: user.name.clone(),
            policies: granting,
            permissions_boundary: boundary(&user.permissions_boundary),
        });
        out.users.push(user);
    }
    out.policies.extend(user_inline);
    out.policies.extend(group_inline);
    out
}

// ---------------------------------------------------------------------------------------------
// The credential report (CSV).

/// Split one CSV line into fields. Quoted fields may contain commas and doubled quotes.
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            _ => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field".to_string());
    }
    fields.push(field);
    Ok(fields)
}

/// `N/A`, `not_supported`, `no_information` and an empty cell mean "no value".
fn report_value(v: &str) -> Option<&str> {
    match v.trim() {
        "" | "N/A" | "not_supported" | "no_information" => None,
        other => Some(other),
    }
}

/// Parse the credential report CSV into each user's credentials, keyed by user ARN. The root
/// row (`<root_account>`) is skipped: the account summary covers root.
pub fn parse_credential_report(text: &str) -> Result<HashMap<String, Credentials>, String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("the report is empty")?;
    let header = csv_fields(header).map_err(|e| format!("header: {e}"))?;
    let column = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| format!("the report has no column {name}"))
    };
    let user_col = column("user")?;
    let arn_col = column("arn")?;
    let password_enabled = column("password_enabled")?;
    let password_last_used = column("password_last_used")?;
    let mfa_active = column("mfa_active")?;
    let mut key_cols = Vec::new();
    for slot in [1u8, 2] {
        key_cols.push((
            slot,
            column(&format!("access_key_{slot}_active"))?,
            column(&format!("access_key_{slot}_last_rotated"))?,
            column(&format!("access_key_{slot}_last_used_date"))?,
        ));
    }

    let mut out = HashMap::new();
    for (i, line) in lines {
        let line_no = i + 1;
        let row = csv_fields(line).map_err(|e| format!("line {line_no}: {e}"))?;
        if row.len() != header.len() {
            return Err(format!("line {line_no}: {} fields where the header has {}", row.len(), header.len()));
        }
        if row[user_col] == "<root_account>" {
            continue;
        }
        let boolean = |col: usize| match row[col].trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("line {line_no}: {}: expected true or false, got {other:?}", header[col])),
        };
        let date = |col: usize| match report_value(&row[col]) {
            None => Ok(None),
            Some(v) => DateTime::parse_from_rfc3339(v)
                .map(|d| Some(d.with_timezone(&Utc)))
                .map_err(|e| format!("line {line_no}: {}: {v:?} is not a date: {e}", header[col])),
        };
        let mut access_keys = Vec::new();
        for &(slot, active_col, rotated_col, used_col) in &key_cols {
            let active = boolean(active_col)?;
            let last_rotated = date(rotated_col)?;
            // A slot holds a key when it is active or has a rotation date (an inactive key).
            if active || last_rotated.is_some() {
                access_keys.push(AccessKeyInfo { slot, active, last_rotated, last_used: date(used_col)? });
            }
        }
        let credentials = Credentials {
            password_enabled: boolean(password_enabled)?,
            password_last_used: date(password_last_used)?,
            mfa_active: boolean(mfa_active)?,
            access_keys,
        };
        out.insert(row[arn_col].clone(), credentials);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------

fn password_policy_from_sdk(p: &aws_sdk_iam::types::PasswordPolicy) -> PasswordPolicy {
    let positive = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0);
    PasswordPolicy {
        minimum_password_length: positive(p.minimum_password_length()).unwrap_or(0),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase: p.require_uppercase_characters(),
        require_lowercase: p.require_lowercase_characters(),
        allow_users_to_change_password: p.allow_users_to_change_password(),
        max_password_age: positive(p.max_password_age()),
        password_reuse_prevention: positive(p.password_reuse_prevention()),
        hard_expiry: p.hard_expiry().unwrap_or(false),
    }
}

/// A failed Access Advisor request; `unreachable` when starting the job got an answer without
/// an AWS error code (the API is missing or the endpoint is down), which will not differ from
/// role to role.
struct AdvisorError {
    error: CollectError,
    unreachable: bool,
}

impl IamCollector {
    /// Build the collector's clients from the shared SDK configuration.
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        Self::from_clients(aws_sdk_iam::Client::new(sdk), aws_sdk_lambda::Client::new(sdk), config)
    }

    /// Build from ready clients (tests with `aws-smithy-mocks`).
    pub fn from_clients(iam: aws_sdk_iam::Client, lambda: aws_sdk_lambda::Client, config: &ScanConfig) -> Self {
        Self { iam, lambda, concurrency: config.concurrency.max(1), page_size: config.page_size, poll: Poll::DEFAULT }
    }

    /// Everything, for a full scan. Never fails as a whole: each failed part is a
    /// `CollectError` in its `Collected<_>` field.
    pub async fn collect_all(&self, account_id: &str) -> IamInventory {
        let (listing, root, password_policy, report, functions) = tokio::join!(
            self.list(),
            self.root(),
            self.password_policy(),
            self.credential_report(),
            self.lambda_functions(),
        );
        let account = IamAccount { account: account_id.to_string(), root, password_policy };
        let listing = match listing {
            Ok(l) => l,
            Err(e) => {
                return IamInventory {
                    account,
                    listing: Err(e),
                    policies: Vec::new(),
                    roles: Vec::new(),
                    users: Vec::new(),
                    identities: Vec::new(),
                }
            }
        };
        let Assembled { policies, mut roles, mut users, identities } = assemble(&listing);
        for user in &mut users {
            user.credentials = match &report {
                Ok(rows) => Ok(rows.get(&user.arn).cloned()),
                Err(e) => Err(e.clone()),
            };
        }
        // Owned inputs: a closure over borrowed roles makes the future not `Send` (a
        // higher-ranked lifetime error), which a Lambda handler needs.
        let mut wanted: Vec<String> = roles.iter().filter(|r| !r.is_service_linked()).map(|r| r.arn.clone()).collect();
        let mut advisor: HashMap<String, Collected<Option<Vec<ServiceLastAccessed>>>> = HashMap::new();
        // One role first: when Access Advisor cannot be reached at all (an answer without an
        // AWS error code, e.g. an endpoint that lacks the API), every role gets that error
        // rather than each waiting through the SDK's retries.
        if let Some(first) = wanted.pop() {
            match self.access_advisor(&first).await {
                Err(AdvisorError { error, unreachable: true }) => {
                    for arn in wanted.drain(..) {
                        advisor.insert(arn, Err(error.clone()));
                    }
                    advisor.insert(first, Err(error));
                }
                other => {
                    advisor.insert(first, other.map(Some).map_err(|e| e.error));
                }
            }
        }
        let rest: Vec<(String, Collected<Option<Vec<ServiceLastAccessed>>>)> = stream::iter(wanted)
            .map(|arn| async move {
                let data = self.access_advisor(&arn).await.map(Some).map_err(|e| e.error);
                (arn, data)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        advisor.extend(rest);
        for role in &mut roles {
            role.lambda_functions = match &functions {
                Ok(by_role) => Ok(by_role.get(&role.arn).cloned().unwrap_or_default()),
                Err(e) => Err(e.clone()),
            };
            if let Some(data) = advisor.get(&role.arn) {
                role.service_last_accessed = data.clone();
            }
        }
        IamInventory { account, listing: Ok(()), policies, roles, users, identities }
    }

    /// The whole authorization-details listing, every page.
    async fn list(&self) -> Collected<Listing> {
        let pages = self
            .iam
            .get_account_authorization_details()
            .filter(EntityType::User)
            .filter(EntityType::Role)
            .filter(EntityType::Group)
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::AwsManagedPolicy)
            .set_max_items(self.page_size)
            .into_paginator()
            .send();
        let mut listing = Listing::default();
        for page in all_pages(GAAD, None, pages).await? {
            listing.users.extend(page.user_detail_list().iter().map(user_from_sdk));
            listing.roles.extend(page.role_detail_list().iter().map(role_from_sdk));
            listing.groups.extend(page.group_detail_list().iter().map(group_from_sdk));
            listing.managed.extend(page.policies().iter().map(managed_from_sdk));
        }
        Ok(listing)
    }

    async fn root(&self) -> Collected<RootUser> {
        let out = required(SUMMARY, self.iam.get_account_summary().send().await)?;
        let map = out.summary_map().ok_or_else(|| malformed(SUMMARY, "the response has no SummaryMap"))?;
        let flag = |key: SummaryKeyType| map.get(&key).is_some_and(|v| *v == 1);
        Ok(RootUser {
            mfa_enabled: flag(SummaryKeyType::AccountMfaEnabled),
            access_keys_present: flag(SummaryKeyType::AccountAccessKeysPresent),
        })
    }

    async fn password_policy(&self) -> Collected<Option<PasswordPolicy>> {
        match self.iam.get_account_password_policy().send().await {
            Ok(out) => Ok(out.password_policy().map(password_policy_from_sdk)),
            Err(e) if e.code() == Some("NoSuchEntity") => Ok(None),
            Err(e) => Err(sdk_error(PASSWORD_POLICY, &e)),
        }
    }

    /// Ask for a credential report and wait (bounded) until it can be read.
    async fn credential_report(&self) -> Collected<HashMap<String, Credentials>> {
        required(GENERATE_REPORT, self.iam.generate_credential_report().send().await)?;
        for attempt in 0..self.poll.attempts {
            match self.iam.get_credential_report().send().await {
                Ok(out) => {
                    let content = out.content().ok_or_else(|| malformed(GET_REPORT, "the report has no content"))?;
                    let text = std::str::from_utf8(content.as_ref())
                        .map_err(|e| malformed(GET_REPORT, format!("the report is not UTF-8: {e}")))?;
                    return parse_credential_report(text).map_err(|e| malformed(GET_REPORT, e));
                }
                Err(e) if e.code() == Some("ReportInProgress") => {}
                Err(e) if matches!(e.code(), Some("ReportNotPresent" | "ReportExpired")) => {
                    required(GENERATE_REPORT, self.iam.generate_credential_report().send().await)?;
                }
                Err(e) => return Err(sdk_error(GET_REPORT, &e)),
            }
            tokio::time::sleep(self.poll.delay(attempt)).await;
        }
        Err(CollectError::new(
            CollectErrorKind::Api,
            GET_REPORT,
            format!("the credential report was not ready after {} attempts", self.poll.attempts),
        ))
    }

    /// Access Advisor for one role: start a service-level job, wait (bounded) until it
    /// completes, and read every page of its result.
    async fn access_advisor(&self, role_arn: &str) -> Result<Vec<ServiceLastAccessed>, AdvisorError> {
        let job = self
            .iam
            .generate_service_last_accessed_details()
            .arn(role_arn)
            .granularity(AccessAdvisorUsageGranularityType::ServiceLevel)
            .send()
            .await
            .map_err(|e| AdvisorError { unreachable: e.code().is_none(), error: sdk_error(GENERATE_ADVISOR, &e) })?;
        self.advisor_job(role_arn, job).await.map_err(|error| AdvisorError { error, unreachable: false })
    }

    /// Wait for one Access Advisor job and read every page of its result.
    async fn advisor_job(
        &self,
        role_arn: &str,
        job: aws_sdk_iam::operation::generate_service_last_accessed_details::GenerateServiceLastAccessedDetailsOutput,
    ) -> Collected<Vec<ServiceLastAccessed>> {
        let job_id = job.job_id().ok_or_else(|| malformed(GENERATE_ADVISOR, "the response has no JobId"))?;
        let mut services = Vec::new();
        let mut marker: Option<String> = None;
        let mut attempt = 0;
        loop {
            let out = required(
                GET_ADVISOR,
                self.iam.get_service_last_accessed_details().job_id(job_id).set_marker(marker.clone()).send().await,
            )?;
            match out.job_status() {
                JobStatusType::Completed => {
                    services.extend(out.services_last_accessed().iter().map(|s| ServiceLastAccessed {
                        namespace: s.service_namespace().to_string(),
                        service_name: s.service_name().to_string(),
                        last_authenticated: to_chrono(s.last_authenticated()),
                    }));
                    match out.marker().filter(|_| out.is_truncated()) {
                        Some(m) if marker.as_deref() != Some(m) => marker = Some(m.to_string()),
                        Some(m) => {
                            return Err(malformed(GET_ADVISOR, format!("the service repeated the marker {m:?}")))
                        }
                        None => return Ok(services),
                    }
                }
                JobStatusType::Failed => {
                    let why = out.error().map(|e| format!("{}: {}", e.code(), e.message())).unwrap_or_default();
                    return Err(CollectError::new(
                        CollectErrorKind::Api,
                        GET_ADVISOR,
                        format!("the Access Advisor job for {role_arn} failed {why}").trim_end().to_string(),
                    ));
                }
                _ => {
                    if attempt + 1 >= self.poll.attempts {
                        return Err(CollectError::new(
                            CollectErrorKind::Api,
                            GET_ADVISOR,
                            format!(
                                "the Access Advisor job for {role_arn} did not complete after {} polls",
                                self.poll.attempts
                            ),
                        ));
                    }
                    tokio::time::sleep(self.poll.delay(attempt)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Function ARNs by execution role ARN, over every function in the region.
    async fn lambda_functions(&self) -> Collected<HashMap<String, Vec<String>>> {
        let pages = self.lambda.list_functions().set_max_items(self.page_size).into_paginator().send();
        let mut by_role: HashMap<String, Vec<String>> = HashMap::new();
        for f in all_pages(LIST_FUNCTIONS, None, pages).await?.iter().flat_map(|p| p.functions()) {
            if let (Some(role), Some(arn)) = (f.role(), f.function_arn()) {
                by_role.entry(role.to_string()).or_default().push(arn.to_string());
            }
        }
        for arns in by_role.values_mut() {
            arns.sort();
        }
        Ok(by_role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const READ: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn encode(doc: &str) -> String {
        percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    fn inline(name: &str, doc: &str) -> RawInline {
        RawInline { name: name.into(), document: Some(encode(doc)) }
    }

    fn managed(arn: &str, name: &str, count: u32, doc: &str) -> RawManaged {
        RawManaged { arn: arn.into(), name: name.into(), attachment_count: Some(count), document: Some(encode(doc)) }
    }

    fn attached(arn: &str) -> AttachedPolicy {
        AttachedPolicy { arn: arn.into(), name: arn.rsplit('/').next().unwrap_or_default().into() }
    }

    const CUSTOMER: &str = "arn:aws:iam::123456789012:policy/reader";
    const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/boundary";
    const AWS_ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    const AWS_UNUSED: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

    fn listing() -> Listing {
        let mut role = IamRole::fixture("app");
        role.attached_policies = vec![attached(CUSTOMER)];
        role.permissions_boundary = Some(BOUNDARY.into());
        let mut alice = IamUser::fixture("alice");
        alice.group_names = vec!["admins".into()];
        let mut bob = IamUser::fixture("bob");
        bob.attached_policies = vec![attached(CUSTOMER)];
        Listing {
            managed: vec![
                managed(CUSTOMER, "reader", 2, READ),
                managed(BOUNDARY, "boundary", 0, READ),
                managed(AWS_ADMIN, "AdministratorAccess", 0, ADMIN),
                managed(AWS_UNUSED, "AmazonS3ReadOnlyAccess", 0, READ),
            ],
            groups: vec![RawGroup {
                arn: "arn:aws:iam::123456789012:group/admins".into(),
                name: "admins".into(),
                inline: vec![inline("group-inline", READ)],
                attached: vec![attached(AWS_ADMIN)],
            }],
            roles: vec![RawRole { role, inline: vec![inline("role-inline", READ)] }],
            users: vec![
                RawUser { user: alice, inline: Vec::new() },
                RawUser { user: bob, inline: vec![inline("bob-inline", READ)] },
            ],
        }
    }

    #[test]
    fn documents_are_url_decoded_and_bad_ones_name_the_policy() {
        let doc = parse_iam_document(Some(&encode(ADMIN)), "policy x").unwrap();
        assert!(doc.grants_full_admin());
        // Already decoded text is read as is.
        assert!(parse_iam_document(Some(ADMIN), "policy x").is_ok());
        let err = parse_iam_document(Some("%7Bnot%20json"), "policy arn:aws:iam::1:policy/bad").unwrap_err();
        assert_eq!(err.kind, CollectErrorKind::Malformed);
        assert!(err.message.contains("policy arn:aws:iam::1:policy/bad") && err.message.contains("not valid JSON"));
        let err = parse_iam_document(Some("%FF%FE"), "policy y").unwrap_err();
        assert!(err.message.contains("UTF-8"), "{err}");
        assert!(parse_iam_document(None, "policy z").unwrap_err().message.contains("no document"));
    }

    #[test]
    fn keeps_customer_and_attached_aws_policies_and_every_inline_policy() {
        let a = assemble(&listing());
        let labels: Vec<String> = a.policies.iter().map(IamPolicy::label).collect();
        assert!(labels.contains(&CUSTOMER.to_string()));
        assert!(labels.contains(&BOUNDARY.to_string()), "customer-managed policies are kept even unattached");
        assert!(labels.contains(&AWS_ADMIN.to_string()), "attached through a group, though the count says 0");
        assert!(!labels.contains(&AWS_UNUSED.to_string()));
        for suffix in [
            "role/app/inline-policy/role-inline",
            "user/bob/inline-policy/bob-inline",
            "group/admins/inline-policy/group-inline",
        ] {
            assert!(labels.iter().any(|l| l.ends_with(suffix)), "{suffix} in {labels:?}");
        }
        assert_eq!(a.policies.len(), 6);
        assert!(a.policies.iter().all(|p| p.document.is_ok()));
    }

    #[test]
    fn identities_hold_inline_attached_and_group_policies() {
        let a = assemble(&listing());
        assert_eq!(a.identities.len(), 3);
        let role = a.identities.iter().find(|i| i.name == "app").unwrap();
        assert_eq!(role.kind, OwnerKind::Role);
        let names: Vec<&str> = role.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["role-inline", "reader"]);
        assert!(matches!(&role.permissions_boundary, Some(Ok(doc)) if !doc.grants_full_admin()));

        let alice = a.identities.iter().find(|i| i.name == "alice").unwrap();
        let names: Vec<&str> = alice.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["group-inline", "AdministratorAccess"]);
        assert!(alice.permissions_boundary.is_none());
        let alice_user = a.users.iter().find(|u| u.name == "alice").unwrap();
        let held: Vec<&str> = alice_user.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(held, vec!["group-inline", "AdministratorAccess"], "the user holds its group's policies");

        let bob = a.identities.iter().find(|i| i.name == "bob").unwrap();
        let names: Vec<&str> = bob.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["bob-inline", "reader"]);
        assert_eq!(a.users.iter().find(|u| u.name == "bob").unwrap().policies.len(), 2);
    }

    #[test]
    fn unknown_attachments_and_groups_are_errors_not_gaps() {
        let mut l = listing();
        l.users[1].user.attached_policies.push(attached("arn:aws:iam::123456789012:policy/gone"));
        l.users[1].user.group_names.push("ghosts".into());
        l.roles[0].role.permissions_boundary = Some("arn:aws:iam::123456789012:policy/nope".into());
        let a = assemble(&l);
        let bob = a.identities.iter().find(|i| i.name == "bob").unwrap();
        let errors: Vec<String> =
            bob.policies.iter().filter_map(|p| p.document.as_ref().err()).map(|e| e.message.clone()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("policy/gone")));
        assert!(errors.iter().any(|e| e.contains("group ghosts")));
        let role = a.identities.iter().find(|i| i.name == "app").unwrap();
        assert!(matches!(&role.permissions_boundary, Some(Err(e)) if e.message.contains("policy/nope")));
    }

    #[test]
    fn a_malformed_inline_policy_is_kept_as_an_error() {
        let mut l = listing();
        l.roles[0].inline.push(RawInline { name: "broken".into(), document: Some("%7B%22Statement".into()) });
        let a = assemble(&l);
        let broken = a.policies.iter().find(|p| p.name == "broken").unwrap();
        let e = broken.document.as_ref().unwrap_err();
        assert_eq!(e.kind, CollectErrorKind::Malformed);
        assert!(e.message.contains("inline policy broken of role app"), "{e}");
    }

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn credential_report_rows_map_to_users() {
        let report = format!(
            "{HEADER}\n\
             <root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,no_information,2020-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
             \"bob\",arn:aws:iam::123456789012:user/bob,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,true,true,2024-02-03T04:05:06+00:00,2024-03-01T00:00:00+00:00,us-east-1,s3,false,2023-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
        );
        let rows = parse_credential_report(&report).unwrap();
        assert_eq!(rows.len(), 2, "root is skipped");
        let alice = &rows["arn:aws:iam::123456789012:user/alice"];
        assert!(alice.password_enabled && !alice.mfa_active);
        assert_eq!(alice.password_last_used, None);
        assert!(alice.access_keys.is_empty());
        let bob = &rows["arn:aws:iam::123456789012:user/bob"];
        assert!(!bob.password_enabled && bob.mfa_active);
        assert_eq!(bob.access_keys.len(), 2);
        assert_eq!(bob.access_keys[0].slot, 1);
        assert!(bob.access_keys[0].active);
        assert_eq!(bob.access_keys[0].last_rotated.unwrap().to_rfc3339(), "2024-02-03T04:05:06+00:00");
        assert!(bob.access_keys[0].last_used.is_some());
        assert!(!bob.access_keys[1].active, "an inactive key with a rotation date is still a key");
    }

    #[test]
    fn csv_quotes_are_handled() {
        assert_eq!(csv_fields(r#"a,"b,c","d""e",,"#).unwrap(), vec!["a", "b,c", "d\"e", "", ""]);
        assert!(csv_fields(r#"a,"open"#).unwrap_err().contains("unterminated"));
    }

    #[test]
    fn bad_reports_name_the_problem() {
        assert!(parse_credential_report("").unwrap_err().contains("empty"));
        assert!(parse_credential_report("user,arn\nx,y\n").unwrap_err().contains("no column password_enabled"));
        let short = format!("{HEADER}\nalice,arn:aws:iam::1:user/alice,x\n");
        assert!(parse_credential_report(&short).unwrap_err().contains("line 2: 3 fields"));
        let bad_bool = format!("{HEADER}\nalice,arn,t,maybe,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        assert!(parse_credential_report(&bad_bool).unwrap_err().contains("password_enabled"));
        let bad_date = format!("{HEADER}\nalice,arn,t,true,yesterday,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        assert!(parse_credential_report(&bad_date).unwrap_err().contains("password_last_used"));
    }

    #[test]
    fn poll_delays_grow_and_are_capped() {
        let p = Poll::DEFAULT;
        assert_eq!(p.delay(0), Duration::from_millis(100));
        assert_eq!(p.delay(3), Duration::from_millis(800));
        assert_eq!(p.delay(30), Duration::from_secs(2));
    }
}
