//! Seeding Secrets Manager on the local AWS through the Rust SDK: one secret per
//! misconfiguration and a compliant one. Every name starts with `zt-secret-`. The values are
//! obvious placeholders; nothing reads them back.

use aws_sdk_secretsmanager::types::RotationRulesType;
use aws_sdk_secretsmanager::Client;

use crate::ACCOUNT;

/// A customer-managed key, by ARN: moto accepts a key id it has never seen, so no KMS client
/// is needed.
pub const CMK_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Rotation on (managed, every 30 days), a customer-managed key, a policy for one own role.
pub const GOOD: &str = "zt-secret-good";
/// Nothing configured: no rotation, the AWS-managed key, no policy.
pub const PLAIN: &str = "zt-secret-plain";
/// A CMK and rotation, but a policy that lets everyone read it.
pub const PUBLIC: &str = "zt-secret-public";
/// A rotation whose function does not exist: the new version is left `AWSPENDING`.
pub const ROTATION_FAILED: &str = "zt-secret-rotation-failed";
/// Every secret `seed_secrets` creates.
pub const SECRETS: &[&str] = &[GOOD, PLAIN, PUBLIC, ROTATION_FAILED];

const PLACEHOLDER: &str = "placeholder-not-a-secret";

/// A policy granting `GetSecretValue` to `principal` (a JSON value).
pub fn secret_policy(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Principal":{principal},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    )
}

/// The policy of `zt-secret-public`.
pub fn public_policy() -> String {
    secret_policy(r#""*""#)
}

/// The policy of `zt-secret-good`: one role of the own account.
pub fn restricted_policy() -> String {
    secret_policy(&format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:role/zt-app"}}"#))
}

async fn create(sm: &Client, name: &str, kms_key: Option<&str>) -> String {
    let result = sm
        .create_secret()
        .name(name)
        .secret_string(PLACEHOLDER)
        .set_kms_key_id(kms_key.map(str::to_string))
        .tags(aws_sdk_secretsmanager::types::Tag::builder().key("owner").value("platform").build())
        .send()
        .await;
    match result {
        Ok(out) => out.arn().unwrap_or_default().to_string(),
        Err(e) => {
            let code = aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("ResourceExistsException"), "seed secret {name}: {e:?}");
            let out = sm.describe_secret().secret_id(name).send().await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            out.arn().unwrap_or_default().to_string()
        }
    }
}

async fn put_policy(sm: &Client, name: &str, policy: &str) {
    sm.put_resource_policy()
        .secret_id(name)
        .resource_policy(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("policy of {name}: {e:?}"));
}

/// The demo account's secrets (see the constants). Returns each name with its ARN.
pub async fn seed_secrets(sdk: &aws_config::SdkConfig) -> Vec<(String, String)> {
    let sm = &Client::new(sdk);
    let mut arns = Vec::new();
    for name in SECRETS {
        let key = if *name == PLAIN { None } else { Some(CMK_ARN) };
        arns.push((name.to_string(), create(sm, name, key).await));
    }
    let every_30_days = RotationRulesType::builder().automatically_after_days(30).build();
    for name in [GOOD, PUBLIC] {
        sm.rotate_secret()
            .secret_id(name)
            .rotation_rules(every_30_days.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("rotation of {name}: {e:?}"));
    }
    // A rotation function that does not exist: moto (like AWS) leaves the new version staged
    // AWSPENDING only, with rotation enabled. The error is the point.
    let failed = sm
        .rotate_secret()
        .secret_id(ROTATION_FAILED)
        .rotation_lambda_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:zt-missing-rotator"))
        .rotation_rules(every_30_days)
        .send()
        .await;
    assert!(failed.is_err(), "the rotation of {ROTATION_FAILED} was expected to fail");
    put_policy(sm, GOOD, &restricted_policy()).await;
    put_policy(sm, PUBLIC, &public_policy()).await;
    arns
}
