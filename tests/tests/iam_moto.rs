//! The IAM collector against the moto server: an account seeded through the Rust SDK
//! (`seed_iam`) and collected with the real collector. Asserts what the rules will read:
//! decoded documents, identities with their group policies, attached AWS-managed policies,
//! credential report rows, the password policy, the account summary and Lambda roles.
//!
//! moto gaps (checked against moto 5.1): `GetAccountAuthorizationDetails` is never truncated
//! (pagination is tested with mocks), Access Advisor (`GenerateServiceLastAccessedDetails`) is
//! not implemented (answers HTTP 500, stored as an error on each role; the success path is
//! tested with mocks), and the credential report is ready at once.

use ztscan::audit::iam::collector::IamCollector;
use ztscan::policy::PolicyDocument;
use ztscan::resources::iam::{IamInventory, IamPolicy, OwnerKind, PolicyKind};
use ztscan::ScanConfig;
use ztscan_tests::seed::{
    iam_policy_arn, iam_role_arn, iam_user_arn, seed_iam, ADMIN_POLICY, ESCALATION_POLICY, GROUP_INLINE_POLICY,
    IAM_POLICIES, IAM_ROLES, IAM_USERS, S3_WILDCARD_POLICY,
};
use ztscan_tests::{moto, ACCOUNT};

async fn collect(sdk: &aws_config::SdkConfig) -> IamInventory {
    IamCollector::new(sdk, &ScanConfig::default()).collect_all(ACCOUNT).await
}

fn policy<'a>(inv: &'a IamInventory, label: &str) -> &'a IamPolicy {
    inv.policies.iter().find(|p| p.label() == label).unwrap_or_else(|| {
        panic!("no policy {label} in {:?}", inv.policies.iter().map(IamPolicy::label).collect::<Vec<_>>())
    })
}

fn doc(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json).expect("test document parses")
}

#[tokio::test]
async fn the_collector_reads_the_seeded_account() {
    let m = moto().await;
    seed_iam(&m.sdk).await;
    let started = std::time::Instant::now();
    let inv = collect(&m.sdk).await;
    eprintln!("collect_all against moto took {:?}", started.elapsed());
    assert!(inv.listing.is_ok(), "{:?}", inv.listing);

    // Policies: the five customer-managed ones, the two attached AWS-managed ones, and the
    // three inline policies (of a role, a Lambda role and a group).
    for name in IAM_POLICIES {
        let p = policy(&inv, &iam_policy_arn(name));
        assert!(p.is_customer_policy());
        assert!(p.document.is_ok(), "{name}: {:?}", p.document);
    }
    assert_eq!(policy(&inv, &iam_policy_arn("zt-escalation")).document, Ok(doc(ESCALATION_POLICY)));
    assert_eq!(policy(&inv, &iam_policy_arn("zt-s3-wildcard")).document, Ok(doc(S3_WILDCARD_POLICY)));
    for arn in [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ] {
        let p = policy(&inv, arn);
        assert!(p.is_aws_managed());
        assert!(p.document.as_ref().is_ok_and(|d| !d.statements.is_empty()), "{arn}: {:?}", p.document);
    }
    assert!(
        !inv.policies.iter().any(|p| p.label() == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        "unattached AWS-managed policies are left out"
    );
    let admin_inline = policy(&inv, &format!("{}/inline-policy/admin", iam_role_arn("zt-admin-role")));
    assert_eq!(admin_inline.document, Ok(doc(ADMIN_POLICY)));
    assert!(
        matches!(&admin_inline.kind, PolicyKind::Inline { owner: OwnerKind::Role, owner_name, .. } if owner_name == "zt-admin-role")
    );
    let group_inline = policy(&inv, &format!("arn:aws:iam::{ACCOUNT}:group/zt-developers/inline-policy/read-logs"));
    assert_eq!(group_inline.document, Ok(doc(GROUP_INLINE_POLICY)));
    assert_eq!(inv.policies.len(), 5 + 2 + 3, "{:?}", inv.policies.iter().map(IamPolicy::label).collect::<Vec<_>>());

    // Roles.
    assert_eq!(inv.roles.len(), IAM_ROLES.len());
    let role = |name: &str| inv.roles.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no role {name}"));
    for name in IAM_ROLES {
        let r = role(name);
        assert_eq!(r.arn, iam_role_arn(name));
        assert!(r.trust_policy.is_ok(), "{name}: {:?}", r.trust_policy);
        // moto has no Access Advisor: the error is kept, never an empty success.
        assert!(r.service_last_accessed.is_err(), "{name}: {:?}", r.service_last_accessed);
    }
    assert!(role("zt-trust-everyone").trust_policy.as_ref().unwrap().statements[0].applies_to_everyone());
    let good = role("zt-lambda-good");
    assert_eq!(good.permissions_boundary.as_deref(), Some(iam_policy_arn("zt-boundary").as_str()));
    assert!(good.is_lambda_execution_role());
    assert_eq!(good.inline_policy_names, vec!["logs"]);
    assert_eq!(good.lambda_functions, Ok(vec![format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:zt-fn-good")]));
    let broad = role("zt-lambda-broad");
    assert_eq!(broad.permissions_boundary, None);
    let mut attached: Vec<&str> = broad.attached_policies.iter().map(|a| a.name.as_str()).collect();
    attached.sort();
    assert_eq!(attached, vec!["AWSLambdaBasicExecutionRole", "AdministratorAccess"]);
    assert_eq!(broad.lambda_functions.as_ref().map(Vec::len), Ok(2), "the shared role serves two functions");
    assert_eq!(role("zt-admin-role").lambda_functions, Ok(Vec::new()));

    // Users and their credential report rows.
    assert_eq!(inv.users.len(), IAM_USERS.len());
    let user = |name: &str| inv.users.iter().find(|u| u.name == name).unwrap_or_else(|| panic!("no user {name}"));
    let console = user("zt-console-user");
    assert_eq!(console.group_names, vec!["zt-developers"]);
    let creds = console.credentials.as_ref().expect("credential report read").as_ref().expect("a row for the user");
    assert!(creds.password_enabled && !creds.mfa_active);
    assert!(creds.access_keys.is_empty());
    let keyed = user("zt-key-user");
    assert_eq!(keyed.attached_policies.len(), 1);
    let creds = keyed.credentials.as_ref().expect("credential report read").as_ref().expect("a row for the user");
    assert!(!creds.password_enabled);
    assert_eq!(creds.access_keys.len(), 1);
    assert!(creds.access_keys[0].active && creds.access_keys[0].last_rotated.is_some());
    assert!(
        inv.users.iter().flat_map(|u| &u.policies).all(|p| p.document.as_ref().is_ok_and(|d| !d.grants_full_admin())),
        "every policy a seeded user holds is readable, and none allows `*` on `*`"
    );

    // Identities: roles and users with every granting policy.
    assert_eq!(inv.identities.len(), IAM_ROLES.len() + IAM_USERS.len());
    let identity =
        |arn: &str| inv.identities.iter().find(|i| i.arn == arn).unwrap_or_else(|| panic!("no identity {arn}"));
    let console_id = identity(&iam_user_arn("zt-console-user"));
    let mut names: Vec<&str> = console_id.policies.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["read-logs", "zt-dev-read"], "the group's inline and attached policies");
    let deployer = identity(&iam_role_arn("zt-deployer"));
    assert_eq!(deployer.policies.len(), 3);
    assert!(deployer.policies.iter().all(|p| p.document.is_ok()));
    let broad_id = identity(&iam_role_arn("zt-lambda-broad"));
    assert!(broad_id.policies.iter().any(|p| p.name == "AdministratorAccess" && p.is_aws_managed()));
    assert!(broad_id.permissions_boundary.is_none());
    let good_id = identity(&iam_role_arn("zt-lambda-good"));
    assert!(
        matches!(&good_id.permissions_boundary, Some(Ok(d)) if d.statements[0].applies_to_action("dynamodb:GetItem"))
    );

    // Account: the weak password policy and the summary.
    let pp = inv.account.password_policy.as_ref().expect("password policy read").as_ref().expect("a policy is set");
    assert_eq!(pp.minimum_password_length, 8);
    assert!(!pp.require_symbols && pp.require_numbers && !pp.require_uppercase && pp.require_lowercase);
    assert_eq!(pp.password_reuse_prevention, None);
    let root = inv.account.root.as_ref().expect("account summary read");
    assert!(!root.mfa_enabled && !root.access_keys_present, "moto's root has neither");
}

#[tokio::test]
async fn an_empty_account_has_no_password_policy_and_seeding_twice_is_harmless() {
    let m = moto().await;
    let inv = collect(&m.sdk).await;
    assert!(inv.listing.is_ok());
    assert_eq!(inv.account.password_policy, Ok(None), "NoSuchEntity means no policy");
    assert!(inv.users.is_empty() && inv.identities.iter().all(|i| i.kind == OwnerKind::Role));
    assert!(inv.policies.iter().all(IamPolicy::is_aws_managed), "only attached AWS-managed policies, if any");

    seed_iam(&m.sdk).await;
    let first = collect(&m.sdk).await;
    seed_iam(&m.sdk).await;
    let second = collect(&m.sdk).await;
    assert_eq!(first.policies.len(), second.policies.len());
    assert_eq!(first.roles.len(), second.roles.len());
    let keys = |inv: &IamInventory| {
        inv.users.iter().map(|u| u.credentials.clone().ok().flatten().map(|c| c.access_keys.len())).collect::<Vec<_>>()
    };
    assert_eq!(keys(&first), keys(&second), "no second access key");
}
