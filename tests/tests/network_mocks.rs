//! The network collector's real code path on answers moto cannot give, served by
//! `aws-smithy-mocks`: every listing over two pages (and the configured page size sent,
//! clamped to EC2's 5..=1000), AccessDenied (`UnauthorizedOperation`) on each listing, and a
//! deleted or unreadable resource named by a change event.

use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_ec2::operation::describe_flow_logs::{DescribeFlowLogsError, DescribeFlowLogsOutput};
use aws_sdk_ec2::operation::describe_security_groups::{DescribeSecurityGroupsError, DescribeSecurityGroupsOutput};
use aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsOutput;
use aws_sdk_ec2::operation::describe_vpcs::{DescribeVpcsError, DescribeVpcsOutput};
use aws_sdk_ec2::types::{FlowLog, IpPermission, IpRange, Ipv6Range, SecurityGroup, State, Vpc, VpcEndpoint};
use aws_sdk_lambda::operation::list_functions::{ListFunctionsError, ListFunctionsOutput};
use aws_sdk_lambda::types::{FunctionConfiguration, VpcConfigResponse};
use aws_smithy_mocks::{mock, Rule};
use ztscan::audit::network as network_audit;
use ztscan::audit::network::collector::NetworkCollector;
use ztscan::collect::CollectErrorKind;
use ztscan::events::ChangedResource;
use ztscan::{ScanConfig, ScanContext, Status};
use ztscan_tests::{mock_ec2, mock_lambda, ACCOUNT};

fn sg(id: &str, name: &str, vpc: &str, ingress: Vec<IpPermission>, egress: Vec<IpPermission>) -> SecurityGroup {
    SecurityGroup::builder()
        .group_id(id)
        .group_name(name)
        .vpc_id(vpc)
        .owner_id(ACCOUNT)
        .set_ip_permissions(Some(ingress))
        .set_ip_permissions_egress(Some(egress))
        .build()
}

fn all_to_world() -> IpPermission {
    IpPermission::builder().ip_protocol("-1").ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build()).build()
}

fn rdp_from_v6() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(3380)
        .to_port(3390)
        .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
        .build()
}

fn vpc(id: &str) -> Vpc {
    Vpc::builder().vpc_id(id).owner_id(ACCOUNT).cidr_block("10.0.0.0/16").is_default(false).build()
}

fn function(name: &str, groups: &[&str]) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"))
        .vpc_config(
            VpcConfigResponse::builder()
                .subnet_ids("subnet-1")
                .set_security_group_ids(Some(groups.iter().map(|g| g.to_string()).collect()))
                .vpc_id("vpc-reported")
                .build(),
        )
        .build()
}

fn denied_metadata() -> ErrorMetadata {
    ErrorMetadata::builder().code("UnauthorizedOperation").message("You are not authorized").build()
}

/// Two pages of every listing: groups sg-1 (RDP range open to ::/0, used by fn-a) and sg-2
/// (default group of vpc-2, all egress, used by fn-b); VPCs vpc-1 and vpc-2; a flow log of vpc-1
/// on the second page; endpoints for vpc-1 (S3 on page one, Secrets Manager on page two).
fn two_page_listings() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_ec2::Client::describe_security_groups)
            .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(5))
            .then_output(|| {
                DescribeSecurityGroupsOutput::builder()
                    .security_groups(sg("sg-1", "web", "vpc-1", vec![rdp_from_v6()], vec![]))
                    .next_token("t2")
                    .build()
            }),
        mock!(aws_sdk_ec2::Client::describe_security_groups)
            .match_requests(|r| r.next_token() == Some("t2"))
            .then_output(|| {
                DescribeSecurityGroupsOutput::builder()
                    .security_groups(sg("sg-2", "default", "vpc-2", vec![], vec![all_to_world()]))
                    .build()
            }),
        mock!(aws_sdk_ec2::Client::describe_vpcs)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| DescribeVpcsOutput::builder().vpcs(vpc("vpc-1")).next_token("v2").build()),
        mock!(aws_sdk_ec2::Client::describe_vpcs)
            .match_requests(|r| r.next_token() == Some("v2"))
            .then_output(|| DescribeVpcsOutput::builder().vpcs(vpc("vpc-2")).build()),
        mock!(aws_sdk_ec2::Client::describe_flow_logs).match_requests(|r| r.next_token().is_none()).then_output(|| {
            DescribeFlowLogsOutput::builder()
                .flow_logs(
                    FlowLog::builder()
                        .flow_log_id("fl-subnet")
                        .resource_id("subnet-1")
                        .flow_log_status("ACTIVE")
                        .build(),
                )
                .next_token("f2")
                .build()
        }),
        mock!(aws_sdk_ec2::Client::describe_flow_logs).match_requests(|r| r.next_token() == Some("f2")).then_output(
            || {
                DescribeFlowLogsOutput::builder()
                    .flow_logs(
                        FlowLog::builder().flow_log_id("fl-1").resource_id("vpc-1").flow_log_status("ACTIVE").build(),
                    )
                    .build()
            },
        ),
        mock!(aws_sdk_ec2::Client::describe_vpc_endpoints).match_requests(|r| r.next_token().is_none()).then_output(
            || {
                DescribeVpcEndpointsOutput::builder()
                    .vpc_endpoints(
                        VpcEndpoint::builder()
                            .vpc_endpoint_id("vpce-s3")
                            .vpc_id("vpc-1")
                            .service_name("com.amazonaws.us-east-1.s3")
                            .state(State::Available)
                            .build(),
                    )
                    .next_token("e2")
                    .build()
            },
        ),
        mock!(aws_sdk_ec2::Client::describe_vpc_endpoints)
            .match_requests(|r| r.next_token() == Some("e2"))
            .then_output(|| {
                DescribeVpcEndpointsOutput::builder()
                    .vpc_endpoints(
                        VpcEndpoint::builder()
                            .vpc_endpoint_id("vpce-sm")
                            .vpc_id("vpc-1")
                            .service_name("com.amazonaws.us-east-1.secretsmanager")
                            .state(State::Available)
                            .build(),
                    )
                    .build()
            }),
    ]
}

fn function_pages() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_lambda::Client::list_functions).match_requests(|r| r.marker().is_none()).then_output(|| {
            ListFunctionsOutput::builder().functions(function("fn-a", &["sg-1"])).next_marker("n2").build()
        }),
        mock!(aws_sdk_lambda::Client::list_functions)
            .match_requests(|r| r.marker() == Some("n2"))
            .then_output(|| ListFunctionsOutput::builder().functions(function("fn-b", &["sg-2"])).build()),
    ]
}

fn collector(ec2: &[&Rule], lambda: &[&Rule]) -> NetworkCollector {
    let config = ScanConfig { page_size: Some(2), ..ScanConfig::default() };
    NetworkCollector::from_clients(mock_ec2(ec2), mock_lambda(lambda), "us-east-1", &config)
}

fn refs(rules: &[Rule]) -> Vec<&Rule> {
    rules.iter().collect()
}

fn status(findings: &[ztscan::Finding], id: &str, rule: &str) -> (Status, String) {
    findings
        .iter()
        .find(|f| f.resource.id == id && f.rule_id == rule)
        .map(|f| (f.status, f.reason.clone()))
        .unwrap_or_else(|| panic!("no {rule} finding for {id}"))
}

#[tokio::test]
async fn every_listing_is_paginated_and_shared_out() {
    let ec2 = two_page_listings();
    let lambda = function_pages();
    let inv = collector(&refs(&ec2), &refs(&lambda)).collect_all().await;
    for rule in ec2.iter().chain(&lambda) {
        assert_eq!(rule.num_calls(), 1, "every page is asked for once");
    }
    let groups = inv.security_groups.as_ref().expect("groups");
    assert_eq!(groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), ["sg-1", "sg-2"]);
    assert_eq!(groups[0].lambda_functions, Ok(vec!["fn-a".to_string()]));
    let vpcs = inv.vpcs.as_ref().expect("vpcs");
    assert_eq!(vpcs.len(), 2);
    assert_eq!(vpcs[0].flow_logs.as_ref().map(Vec::len), Ok(1), "the subnet's flow log is not the VPC's");
    assert_eq!(vpcs[1].flow_logs, Ok(vec![]));
    assert_eq!(vpcs[0].endpoints.as_ref().map(Vec::len), Ok(2));
    assert_eq!(vpcs[0].lambda_functions, Ok(vec!["fn-a".to_string()]), "placed by its group, not the reported VpcId");
    assert_eq!(vpcs[1].lambda_functions, Ok(vec!["fn-b".to_string()]));

    let report = network_audit::report_full(&inv, &ScanContext::fixture());
    assert!(report.summary.is_some());
    let f = &report.findings;
    let (s, reason) = status(f, "sg-1", "ec2.no-open-admin-ports");
    assert_eq!(s, Status::Fail);
    assert!(reason.contains("tcp 3380-3390 from ::/0 (admin port(s) 3389)"), "{reason}");
    assert_eq!(status(f, "sg-1", "ec2.lambda-egress-restricted").0, Status::Pass);
    assert_eq!(status(f, "sg-2", "ec2.default-sg-restricts-all").0, Status::Fail);
    assert_eq!(status(f, "sg-2", "ec2.lambda-egress-restricted").0, Status::Fail);
    assert_eq!(status(f, "vpc-1", "ec2.vpc-flow-logs-enabled").0, Status::Pass);
    assert_eq!(status(f, "vpc-1", "ec2.vpc-has-private-endpoints").0, Status::Pass);
    assert_eq!(status(f, "vpc-2", "ec2.vpc-flow-logs-enabled").0, Status::Fail);
    let (s, reason) = status(f, "vpc-2", "ec2.vpc-has-private-endpoints");
    assert_eq!(s, Status::Fail);
    assert!(reason.contains("(hosting fn-b) has no VPC endpoint for s3, secretsmanager"), "{reason}");
}

#[tokio::test]
async fn access_denied_on_the_group_listing_is_unknown_without_an_archive_sweep() {
    let mut ec2 = vec![mock!(aws_sdk_ec2::Client::describe_security_groups)
        .then_error(|| DescribeSecurityGroupsError::generic(denied_metadata()))];
    ec2.extend(two_page_listings());
    let lambda = function_pages();
    let inv = collector(&refs(&ec2), &refs(&lambda)).collect_all().await;
    let e = inv.security_groups.as_ref().expect_err("denied");
    assert_eq!((e.kind, e.action.as_str()), (CollectErrorKind::AccessDenied, "ec2:DescribeSecurityGroups"));
    let report = network_audit::report_full(&inv, &ScanContext::fixture());
    assert!(report.summary.is_none(), "nothing is archived on the strength of a failed listing");
    let unknown: Vec<_> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
    // The three group rules on the account, and each VPC's endpoint rule: which VPCs host
    // functions is read through their security groups, so it is not known either (never an
    // empty map taken for "no functions").
    assert_eq!(unknown.len(), 5, "{unknown:#?}");
    let (accounts, vpcs): (Vec<&&ztscan::Finding>, Vec<&&ztscan::Finding>) =
        unknown.iter().partition(|f| f.resource.resource_type == "AwsAccount");
    assert_eq!(accounts.len(), 3);
    assert!(vpcs.iter().all(|f| f.rule_id == "ec2.vpc-has-private-endpoints"), "{vpcs:#?}");
    assert_eq!(status(&report.findings, "vpc-1", "ec2.vpc-flow-logs-enabled").0, Status::Pass, "VPCs still evaluated");
}

#[tokio::test]
async fn access_denied_on_the_vpc_listing_is_unknown_without_an_archive_sweep() {
    let mut ec2 =
        vec![mock!(aws_sdk_ec2::Client::describe_vpcs).then_error(|| DescribeVpcsError::generic(denied_metadata()))];
    ec2.extend(two_page_listings());
    let lambda = function_pages();
    let inv = collector(&refs(&ec2), &refs(&lambda)).collect_all().await;
    let report = network_audit::report_full(&inv, &ScanContext::fixture());
    assert!(report.summary.is_none());
    let unknown: Vec<_> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
    assert_eq!(unknown.len(), 2);
    assert!(unknown.iter().all(|f| f.reason.contains("ec2:DescribeVpcs")));
}

#[tokio::test]
async fn denied_aspects_make_only_their_rules_unknown() {
    let mut ec2 =
        vec![mock!(aws_sdk_ec2::Client::describe_flow_logs)
            .then_error(|| DescribeFlowLogsError::generic(denied_metadata()))];
    ec2.extend(two_page_listings());
    let lambda = vec![mock!(aws_sdk_lambda::Client::list_functions).then_error(|| {
        ListFunctionsError::generic(
            aws_sdk_lambda::error::ErrorMetadata::builder().code("AccessDeniedException").message("no").build(),
        )
    })];
    let inv = collector(&refs(&ec2), &refs(&lambda)).collect_all().await;
    let report = network_audit::report_full(&inv, &ScanContext::fixture());
    assert!(report.summary.is_some(), "the groups and VPCs were listed");
    let f = &report.findings;
    let (s, reason) = status(f, "vpc-1", "ec2.vpc-flow-logs-enabled");
    assert_eq!(s, Status::Unknown);
    assert!(reason.contains("ec2:DescribeFlowLogs"), "{reason}");
    let (s, reason) = status(f, "sg-2", "ec2.lambda-egress-restricted");
    assert_eq!(s, Status::Unknown);
    assert!(reason.contains("lambda:ListFunctions"), "{reason}");
    assert_eq!(status(f, "vpc-1", "ec2.vpc-has-private-endpoints").0, Status::Unknown);
    assert_eq!(status(f, "sg-1", "ec2.no-open-admin-ports").0, Status::Fail, "needs nothing that failed");
    assert_eq!(status(f, "sg-2", "ec2.default-sg-restricts-all").0, Status::Fail);
}

fn change(resource_type: &str, id: &str) -> ChangedResource {
    ChangedResource::fixture(resource_type, id)
}

#[tokio::test]
async fn a_changed_resource_that_is_gone_is_not_applicable_and_an_unreadable_one_unknown() {
    let ec2 = vec![
        mock!(aws_sdk_ec2::Client::describe_security_groups)
            .match_requests(|r| r.group_ids() == ["sg-gone"])
            .then_error(|| {
                DescribeSecurityGroupsError::generic(
                    ErrorMetadata::builder()
                        .code("InvalidGroup.NotFound")
                        .message("The security group 'sg-gone' does not exist")
                        .build(),
                )
            }),
        mock!(aws_sdk_ec2::Client::describe_security_groups)
            .then_error(|| DescribeSecurityGroupsError::generic(denied_metadata())),
        mock!(aws_sdk_ec2::Client::describe_vpcs).then_error(|| {
            DescribeVpcsError::generic(ErrorMetadata::builder().code("InvalidVpcID.NotFound").message("gone").build())
        }),
    ];
    let c = collector(&refs(&ec2), &[]);
    let ctx = ScanContext::fixture();
    let gone = network_audit::scan_changed(&c, &change(network_audit::SECURITY_GROUP_TYPE, "sg-gone"), &ctx).await;
    assert_eq!(gone.findings.len(), 3);
    assert!(gone.findings.iter().all(|f| f.status == Status::NotApplicable));
    let denied = network_audit::scan_changed(&c, &change(network_audit::SECURITY_GROUP_TYPE, "sg-1"), &ctx).await;
    assert_eq!(denied.findings.len(), 3);
    assert!(denied
        .findings
        .iter()
        .all(|f| f.status == Status::Unknown && f.reason.contains("ec2:DescribeSecurityGroups")));
    assert!(denied
        .findings
        .iter()
        .all(|f| f.resource.id == "sg-1" && f.resource.resource_type == "AwsEc2SecurityGroup"));
    let vpc = network_audit::scan_changed(&c, &change(network_audit::VPC_TYPE, "vpc-gone"), &ctx).await;
    assert_eq!(vpc.findings.len(), 2);
    assert!(vpc.findings.iter().all(|f| f.status == Status::NotApplicable && f.resource.resource_type == "AwsEc2Vpc"));
}
