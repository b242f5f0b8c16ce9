//! Hub-and-spoke against moto with two account ids (issue 6): the hub (123456789012) runs the
//! real `s3-audit` and `publish-findings` binaries with `MEMBER_ACCOUNT_IDS=222222222222`; they
//! read the external id from a Secrets Manager secret (only its id is in their environment),
//! assume the member role through STS (with the external id and a session policy) and:
//! - the audit scans both accounts (each with its own archive sweep: unit-tested in
//!   `ztscan::lambda`), and each finding names the account its resource lives in;
//! - the publisher imports each account's findings into that account's Security Hub (Security
//!   Hub accepts a default-product finding only from its own account).
//!
//! moto facts: `AssumeRole` into `arn:aws:iam::<id>:role/...` returns credentials that moto
//! serves as account `<id>` (its multi-account support); it does not evaluate trust policies,
//! so the external id's enforcement is the template's (tested in `template_permissions.rs`), and
//! it ignores session policies (the AssumeRole request's policy is checked in
//! `ztscan::collect::members`' tests).
//! The member's resources are seeded through the same assumed-role path the functions use.

use aws_config::SdkConfig;
use ztscan::secret_store::SecretsManagerSource;
use ztscan::settings::MemberAccounts;
use ztscan_tests::lambda::{pump, Emulator};
use ztscan_tests::seed::{create_pipeline, security_hub_findings};
use ztscan_tests::{moto, root, ACCOUNT};

const MEMBER: &str = "222222222222";
const EXTERNAL_ID: &str = "ztscan-hub-test-7c1e";
const EXTERNAL_ID_SECRET: &str = "ztscan/hub-spoke-member-external-id";

/// The hub's secret holding the external id (created once per moto).
async fn external_id_secret(base: &SdkConfig) {
    let secrets = aws_sdk_secretsmanager::Client::new(base);
    if secrets.describe_secret().secret_id(EXTERNAL_ID_SECRET).send().await.is_err() {
        secrets.create_secret().name(EXTERNAL_ID_SECRET).secret_string(EXTERNAL_ID).send().await.expect("secret");
    }
}

async fn member_sdk(base: &SdkConfig) -> SdkConfig {
    external_id_secret(base).await;
    let members = MemberAccounts::from_lookup(
        |k| match k {
            "MEMBER_ACCOUNT_IDS" => Some(MEMBER.to_string()),
            "MEMBER_EXTERNAL_ID_SECRET_ID" => Some(EXTERNAL_ID_SECRET.to_string()),
            _ => None,
        },
        Some(ACCOUNT),
    )
    .expect("valid member settings");
    let secrets = SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(base));
    let external_id = ztscan::secret_store::member_external_id(&secrets, &members).await.expect("the external id");
    let access = members.access(external_id, "test-seeder", &["s3:CreateBucket", "securityhub:*"]).expect("access");
    access.sdk_config_for(base, "aws", MEMBER).await
}

#[tokio::test]
async fn a_hub_audits_and_publishes_for_a_member_account() {
    let m = moto().await;
    let member = member_sdk(&m.sdk).await;
    let sts = aws_sdk_sts::Client::new(&member);
    let who = sts.get_caller_identity().send().await.expect("member identity");
    assert_eq!(who.account(), Some(MEMBER), "the assumed role acts in the member account");

    let hub_s3 = ztscan::collect::aws::s3_client(&m.sdk, None);
    hub_s3.create_bucket().bucket("zt-hub-bucket").send().await.expect("hub bucket");
    let member_s3 = ztscan::collect::aws::s3_client(&member, None);
    member_s3.create_bucket().bucket("zt-member-bucket").send().await.expect("member bucket");
    aws_sdk_securityhub::Client::new(&member).enable_security_hub().send().await.ok();

    let p = create_pipeline(&m.sdk).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("MEMBER_ACCOUNT_IDS", MEMBER));
    env.push(("MEMBER_EXTERNAL_ID_SECRET_ID", EXTERNAL_ID_SECRET));
    assert!(env.iter().all(|(_, v)| !v.contains(EXTERNAL_ID)), "the external id is in no environment variable");
    let mut audit = Emulator::start();
    audit.run_function("s3-audit", &env);
    let resp = audit
        .invoke("s3-audit", &root().join("events/scheduled.json"))
        .unwrap_or_else(|e| panic!("{e}\n{}", audit.function_log("s3-audit")));
    assert_eq!(resp["accounts"], 2, "{resp}");
    assert_eq!(resp["archive_sweep"], true, "{resp}");
    assert_eq!(resp["unknown"], 0, "{resp}\n{}", audit.function_log("s3-audit"));
    assert!(!audit.function_log("s3-audit").contains(EXTERNAL_ID), "the external id is never logged");

    let sqs = aws_sdk_sqs::Client::new(&m.sdk);
    let mut publisher = Emulator::start();
    publisher.run_function("publish-findings", &env);
    let pumped = pump(&sqs, &p.findings_queue_url, &p.findings_queue_arn, &publisher, "publish-findings").await;
    assert_eq!(pumped.failed, 0, "{pumped:?}\n{}", publisher.function_log("publish-findings"));
    assert!(!publisher.function_log("publish-findings").contains(EXTERNAL_ID));

    let hub_findings = security_hub_findings(&m.sdk).await;
    let member_findings = security_hub_findings(&member).await;
    let about = |all: &[aws_sdk_securityhub::types::AwsSecurityFinding], bucket: &str| {
        all.iter().filter(|f| f.resources().iter().any(|r| r.id() == Some(&format!("arn:aws:s3:::{bucket}")))).count()
    };
    assert!(about(&member_findings, "zt-member-bucket") > 5, "the member's findings are in its Security Hub");
    assert_eq!(about(&member_findings, "zt-hub-bucket"), 0);
    assert!(about(&hub_findings, "zt-hub-bucket") > 5, "the hub's findings are in its own Security Hub");
    assert_eq!(about(&hub_findings, "zt-member-bucket"), 0, "no member finding is imported as the hub");
    assert!(member_findings.iter().all(|f| f.aws_account_id() == Some(MEMBER)));
}

/// A hub function whose external id cannot be read does not start: its cold start fails with an
/// error naming the variable, the secret and the AWS error code (and no function runs half-wired,
/// auditing its own account while silently skipping the members).
#[tokio::test]
async fn a_hub_function_whose_external_id_cannot_be_read_fails_its_cold_start_naming_the_secret() {
    let m = moto().await;
    let p = create_pipeline(&m.sdk).await;
    let mut env = p.function_env(&m.endpoint);
    env.push(("MEMBER_ACCOUNT_IDS", MEMBER));
    env.push(("MEMBER_EXTERNAL_ID_SECRET_ID", "ztscan/no-such-external-id"));
    for function in ["s3-audit", "publish-findings"] {
        let mut emulator = Emulator::start();
        emulator.run_function(function, &env);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut log = emulator.function_log(function);
        while !log.contains("cold start failed") && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            log = emulator.function_log(function);
        }
        assert!(
            log.contains("MEMBER_EXTERNAL_ID_SECRET_ID")
                && log.contains("ztscan/no-such-external-id")
                && log.contains("ResourceNotFoundException"),
            "{function}: {log}"
        );
    }
}
