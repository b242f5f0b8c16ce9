//! The IAM collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: Access Advisor jobs (in progress, then completed over two pages), a
//! paginated authorization-details listing, AccessDenied on the listing and on the credential
//! report, a policy document that is not JSON, and Lambda functions over two pages.

use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
use aws_sdk_iam::operation::generate_service_last_accessed_details::GenerateServiceLastAccessedDetailsOutput;
use aws_sdk_iam::operation::get_account_authorization_details::{
    GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
};
use aws_sdk_iam::operation::get_credential_report::{GetCredentialReportError, GetCredentialReportOutput};
use aws_sdk_iam::operation::get_service_last_accessed_details::GetServiceLastAccessedDetailsOutput;
use aws_sdk_iam::types::{
    JobStatusType, ManagedPolicyDetail, PolicyVersion, ReportStateType, RoleDetail, ServiceLastAccessed, UserDetail,
};
use aws_sdk_lambda::operation::list_functions::{ListFunctionsError, ListFunctionsOutput};
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::DateTime;
use ztscan::audit::iam::collector::IamCollector;
use ztscan::collect::CollectErrorKind;
use ztscan::resources::iam::IamInventory;
use ztscan::ScanConfig;
use ztscan_tests::{mock_iam, mock_lambda, ACCOUNT};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// URL-encode like IAM does (every byte but unreserved characters as `%XX`).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn role(name: &str, path: &str) -> RoleDetail {
    RoleDetail::builder()
        .role_name(name)
        .path(path)
        .role_id(format!("AROA{name}"))
        .arn(format!("arn:aws:iam::{ACCOUNT}:role{path}{name}"))
        .assume_role_policy_document(encode(TRUST))
        .build()
}

fn user(name: &str) -> UserDetail {
    UserDetail::builder()
        .user_name(name)
        .user_id(format!("AIDA{name}"))
        .arn(format!("arn:aws:iam::{ACCOUNT}:user/{name}"))
        .build()
}

fn listing(roles: Vec<RoleDetail>, users: Vec<UserDetail>) -> Rule {
    mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(move || {
        GetAccountAuthorizationDetailsOutput::builder()
            .set_role_detail_list(Some(roles.clone()))
            .set_user_detail_list(Some(users.clone()))
            .is_truncated(false)
            .build()
    })
}

async fn collect(iam: aws_sdk_iam::Client, lambda: aws_sdk_lambda::Client) -> IamInventory {
    IamCollector::from_clients(iam, lambda, &ScanConfig::default()).collect_all(ACCOUNT).await
}

fn advisor_page(
    status: JobStatusType,
    services: &[(&str, Option<i64>)],
    marker: Option<&str>,
) -> GetServiceLastAccessedDetailsOutput {
    let services = services
        .iter()
        .map(|(ns, used)| {
            let mut s = ServiceLastAccessed::builder().service_name(format!("Amazon {ns}")).service_namespace(*ns);
            if let Some(secs) = used {
                s = s.last_authenticated(DateTime::from_secs(*secs));
            }
            s.build().expect("service entry")
        })
        .collect::<Vec<_>>();
    GetServiceLastAccessedDetailsOutput::builder()
        .job_status(status)
        .job_creation_date(DateTime::from_secs(1_700_000_000))
        .job_completion_date(DateTime::from_secs(1_700_000_100))
        .set_services_last_accessed(Some(services))
        .is_truncated(marker.is_some())
        .set_marker(marker.map(str::to_string))
        .build()
        .expect("advisor page")
}

#[tokio::test]
async fn access_advisor_waits_for_the_job_and_reads_every_page() {
    let list = listing(
        vec![role("app", "/"), role("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/")],
        vec![],
    );
    let generate = mock!(aws_sdk_iam::Client::generate_service_last_accessed_details)
        .match_requests(|r| r.arn() == Some("arn:aws:iam::123456789012:role/app"))
        .then_output(|| GenerateServiceLastAccessedDetailsOutput::builder().job_id("job-1").build());
    let first = mock!(aws_sdk_iam::Client::get_service_last_accessed_details)
        .match_requests(|r| r.job_id() == Some("job-1") && r.marker().is_none())
        .sequence()
        .output(|| advisor_page(JobStatusType::InProgress, &[], None))
        .output(|| advisor_page(JobStatusType::Completed, &[("s3", Some(1_699_000_000))], Some("m2")))
        .build();
    let second = mock!(aws_sdk_iam::Client::get_service_last_accessed_details)
        .match_requests(|r| r.job_id() == Some("job-1") && r.marker() == Some("m2"))
        .then_output(|| advisor_page(JobStatusType::Completed, &[("dynamodb", None)], None));
    let inv = collect(mock_iam(&[&list, &generate, &first, &second]), mock_lambda(&[])).await;

    let app = inv.roles.iter().find(|r| r.name == "app").expect("app role");
    let services = app.service_last_accessed.as_ref().expect("advisor read").as_ref().expect("requested");
    assert_eq!(services.len(), 2);
    assert_eq!(services[0].namespace, "s3");
    assert_eq!(services[0].last_authenticated.map(|t| t.timestamp()), Some(1_699_000_000));
    assert_eq!(services[1].namespace, "dynamodb");
    assert_eq!(services[1].last_authenticated, None, "never used");
    assert_eq!((generate.num_calls(), first.num_calls(), second.num_calls()), (1, 2, 1));

    let linked = inv.roles.iter().find(|r| r.name == "AWSServiceRoleForSupport").expect("service-linked role");
    assert_eq!(linked.service_last_accessed, Ok(None), "not requested for service-linked roles");
}

#[tokio::test]
async fn a_failed_access_advisor_job_is_an_error_on_the_role() {
    let list = listing(vec![role("app", "/")], vec![]);
    let generate = mock!(aws_sdk_iam::Client::generate_service_last_accessed_details)
        .then_output(|| GenerateServiceLastAccessedDetailsOutput::builder().job_id("job-9").build());
    let failed = mock!(aws_sdk_iam::Client::get_service_last_accessed_details)
        .then_output(|| advisor_page(JobStatusType::Failed, &[], None));
    let inv = collect(mock_iam(&[&list, &generate, &failed]), mock_lambda(&[])).await;
    let e = inv.roles[0].service_last_accessed.as_ref().expect_err("a failed job is not data");
    assert!(e.message.contains("failed") && e.action == "iam:GetServiceLastAccessedDetails", "{e}");
}

#[tokio::test]
async fn access_denied_on_the_listing_leaves_everything_unknown() {
    let denied = mock!(aws_sdk_iam::Client::get_account_authorization_details).then_error(|| {
        GetAccountAuthorizationDetailsError::generic(
            ErrorMetadata::builder().code("AccessDenied").message("not authorized").build(),
        )
    });
    let inv = collect(mock_iam(&[&denied]), mock_lambda(&[])).await;
    let e = inv.listing.expect_err("the listing failed");
    assert_eq!(e.kind, CollectErrorKind::AccessDenied);
    assert_eq!(e.action, "iam:GetAccountAuthorizationDetails");
    assert!(inv.policies.is_empty() && inv.roles.is_empty() && inv.users.is_empty() && inv.identities.is_empty());
}

#[tokio::test]
async fn access_denied_on_the_credential_report_is_an_error_on_each_user() {
    let list = listing(vec![], vec![user("alice"), user("bob")]);
    let generate = mock!(aws_sdk_iam::Client::generate_credential_report)
        .then_output(|| GenerateCredentialReportOutput::builder().state(ReportStateType::Complete).build());
    let denied = mock!(aws_sdk_iam::Client::get_credential_report).then_error(|| {
        GetCredentialReportError::generic(ErrorMetadata::builder().code("AccessDenied").message("no").build())
    });
    let inv = collect(mock_iam(&[&list, &generate, &denied]), mock_lambda(&[])).await;
    assert!(inv.listing.is_ok());
    assert_eq!(inv.users.len(), 2);
    for u in &inv.users {
        let e = u.credentials.as_ref().expect_err("no report");
        assert_eq!(e.kind, CollectErrorKind::AccessDenied, "{}", u.name);
        assert_eq!(e.action, "iam:GetCredentialReport");
    }
}

#[tokio::test]
async fn a_report_in_progress_is_polled_until_ready() {
    let list = listing(vec![], vec![user("alice")]);
    let generate = mock!(aws_sdk_iam::Client::generate_credential_report)
        .then_output(|| GenerateCredentialReportOutput::builder().state(ReportStateType::Started).build());
    let report = mock!(aws_sdk_iam::Client::get_credential_report)
        .sequence()
        .error(|| {
            GetCredentialReportError::generic(ErrorMetadata::builder().code("ReportInProgress").message("wait").build())
        })
        .output(|| {
            let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
                       alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,2024-05-01T00:00:00+00:00,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
            GetCredentialReportOutput::builder().content(aws_smithy_types::Blob::new(csv.as_bytes().to_vec())).build()
        })
        .build();
    let inv = collect(mock_iam(&[&list, &generate, &report]), mock_lambda(&[])).await;
    let creds = inv.users[0].credentials.as_ref().expect("report read").as_ref().expect("alice's row");
    assert!(creds.password_enabled && creds.mfa_active);
    assert_eq!(report.num_calls(), 2);
}

#[tokio::test]
async fn the_listing_follows_markers_across_pages() {
    let first = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role("page1", "/"))
                .user_detail_list(user("alice"))
                .is_truncated(true)
                .marker("p2")
                .build()
        });
    let second = mock!(aws_sdk_iam::Client::get_account_authorization_details)
        .match_requests(|r| r.marker() == Some("p2"))
        .then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role("page2", "/"))
                .policies(
                    ManagedPolicyDetail::builder()
                        .arn("arn:aws:iam::123456789012:policy/p")
                        .policy_name("p")
                        .default_version_id("v2")
                        .attachment_count(0)
                        .policy_version_list(
                            PolicyVersion::builder()
                                .version_id("v1")
                                .is_default_version(false)
                                .document(encode(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#))
                                .build(),
                        )
                        .policy_version_list(
                            PolicyVersion::builder()
                                .version_id("v2")
                                .is_default_version(true)
                                .document(encode(
                                    r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                                ))
                                .build(),
                        )
                        .build(),
                )
                .is_truncated(false)
                .build()
        });
    let inv = collect(mock_iam(&[&first, &second]), mock_lambda(&[])).await;
    assert!(inv.listing.is_ok());
    let roles: Vec<&str> = inv.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(roles, vec!["page1", "page2"]);
    assert_eq!(inv.users.len(), 1);
    assert_eq!(inv.identities.len(), 3);
    let p = inv.policies.iter().find(|p| p.name == "p").expect("policy from page 2");
    let doc = p.document.as_ref().expect("parsed");
    assert!(
        doc.statements[0].applies_to_action("s3:GetObject") && !doc.statements[0].applies_to_action("iam:PassRole"),
        "the default version, not v1"
    );
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_policy_that_is_not_json_is_malformed_naming_the_policy() {
    let list = mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .policies(
                ManagedPolicyDetail::builder()
                    .arn("arn:aws:iam::123456789012:policy/broken")
                    .policy_name("broken")
                    .default_version_id("v1")
                    .policy_version_list(
                        PolicyVersion::builder()
                            .version_id("v1")
                            .is_default_version(true)
                            .document(encode("{not json"))
                            .build(),
                    )
                    .build(),
            )
            .is_truncated(false)
            .build()
    });
    let inv = collect(mock_iam(&[&list]), mock_lambda(&[])).await;
    let p = inv.policies.iter().find(|p| p.name == "broken").expect("the broken policy is kept");
    let e = p.document.as_ref().expect_err("not JSON");
    assert_eq!(e.kind, CollectErrorKind::Malformed);
    assert!(
        e.message.contains("arn:aws:iam::123456789012:policy/broken") && e.message.contains("not valid JSON"),
        "{e}"
    );
}

#[tokio::test]
async fn lambda_functions_are_mapped_to_roles_across_pages_and_a_failure_marks_every_role() {
    let function = |name: &str, role: &str| {
        FunctionConfiguration::builder()
            .function_name(name)
            .function_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"))
            .role(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
            .build()
    };
    let page1 = mock!(aws_sdk_lambda::Client::list_functions)
        .match_requests(|r| r.marker().is_none())
        .then_output(move || ListFunctionsOutput::builder().functions(function("f1", "app")).next_marker("n2").build());
    let page2 = mock!(aws_sdk_lambda::Client::list_functions).match_requests(|r| r.marker() == Some("n2")).then_output(
        move || {
            ListFunctionsOutput::builder().functions(function("f2", "app")).functions(function("f3", "other")).build()
        },
    );
    let list = listing(vec![role("app", "/"), role("idle", "/")], vec![]);
    let inv = collect(mock_iam(&[&list]), mock_lambda(&[&page1, &page2])).await;
    let app = inv.roles.iter().find(|r| r.name == "app").expect("app");
    assert_eq!(
        app.lambda_functions,
        Ok(vec![
            format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:f1"),
            format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:f2")
        ])
    );
    assert_eq!(inv.roles.iter().find(|r| r.name == "idle").expect("idle").lambda_functions, Ok(vec![]));

    let denied = mock!(aws_sdk_lambda::Client::list_functions).then_error(|| {
        ListFunctionsError::generic(
            aws_sdk_lambda::error::ErrorMetadata::builder().code("AccessDeniedException").build(),
        )
    });
    let list = listing(vec![role("app", "/"), role("idle", "/")], vec![]);
    let inv = collect(mock_iam(&[&list]), mock_lambda(&[&denied])).await;
    for r in &inv.roles {
        let e = r.lambda_functions.as_ref().expect_err("listing failed");
        assert_eq!((e.kind, e.action.as_str()), (CollectErrorKind::AccessDenied, "lambda:ListFunctions"), "{}", r.name);
    }
}

#[tokio::test]
async fn an_unreachable_access_advisor_is_asked_once_and_marks_every_role() {
    let list = listing(vec![role("a", "/"), role("b", "/"), role("c", "/"), role("d", "/")], vec![]);
    let missing = mock!(aws_sdk_iam::Client::generate_service_last_accessed_details)
        .sequence()
        .http_status(500, Some("<html>not implemented</html>".to_string()))
        .repeatedly()
        .build();
    let inv = collect(mock_iam(&[&list, &missing]), mock_lambda(&[])).await;
    // One role's attempts (the SDK retries a 500), where asking each of the four roles would
    // take at least four.
    assert!((1..4).contains(&missing.num_calls()), "{} calls", missing.num_calls());
    for r in &inv.roles {
        let e = r.service_last_accessed.as_ref().expect_err("no Access Advisor");
        assert_eq!(
            (e.kind, e.action.as_str()),
            (CollectErrorKind::Unreadable, "iam:GenerateServiceLastAccessedDetails")
        );
    }
}

#[tokio::test]
async fn access_denied_on_access_advisor_is_asked_per_role() {
    let list = listing(vec![role("a", "/"), role("b", "/")], vec![]);
    let denied = mock!(aws_sdk_iam::Client::generate_service_last_accessed_details).then_error(|| {
        aws_sdk_iam::operation::generate_service_last_accessed_details::GenerateServiceLastAccessedDetailsError::generic(
            ErrorMetadata::builder().code("AccessDenied").message("no").build(),
        )
    });
    let inv = collect(mock_iam(&[&list, &denied]), mock_lambda(&[])).await;
    assert_eq!(denied.num_calls(), 2, "a coded refusal may differ from role to role");
    for r in &inv.roles {
        assert_eq!(r.service_last_accessed.as_ref().map_err(|e| e.kind), Err(CollectErrorKind::AccessDenied));
    }
}
