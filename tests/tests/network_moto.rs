//! The network collector and audit against the moto server: VPCs, groups, a flow log,
//! endpoints and functions seeded through the Rust SDK (`seed_network`, with `seed_lambda`'s
//! VPC and moto's own default VPC alongside), collected with the real collector and evaluated
//! with the real rules. Everything is looked up by the ids the seed returned: moto's default
//! VPC and group are there too and are never counted.

use std::collections::BTreeMap;

use ztscan::audit::network as network_audit;
use ztscan::audit::network::collector::NetworkCollector;
use ztscan::events::ChangedResource;
use ztscan::resources::network::{NetworkInventory, Peer, SecurityGroup, Vpc};
use ztscan::{Finding, ScanConfig, ScanContext, Status};
use ztscan_tests::seed::network::{seed_network, NETWORK_FUNCTION};
use ztscan_tests::seed::seed_lambda;
use ztscan_tests::{moto, ACCOUNT};

fn collector(sdk: &aws_config::SdkConfig) -> NetworkCollector {
    NetworkCollector::new(sdk, &ScanConfig::default())
}

fn group<'a>(inv: &'a NetworkInventory, id: &str) -> &'a SecurityGroup {
    inv.security_groups
        .as_ref()
        .expect("groups listed")
        .iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn vpc<'a>(inv: &'a NetworkInventory, id: &str) -> &'a Vpc {
    inv.vpcs.as_ref().expect("vpcs listed").iter().find(|v| v.id == id).unwrap_or_else(|| panic!("no {id}"))
}

/// rule id → (status, reason), for one resource id.
fn results(findings: &[Finding], id: &str) -> BTreeMap<String, (Status, String)> {
    findings.iter().filter(|f| f.resource.id == id).map(|f| (f.rule_id.clone(), (f.status, f.reason.clone()))).collect()
}

fn ctx() -> ScanContext {
    ScanContext::new(ACCOUNT, "us-east-1", chrono::Utc::now(), ScanConfig::default())
}

#[tokio::test]
async fn the_collector_reads_groups_vpcs_flow_logs_endpoints_and_function_attachments() {
    let m = moto().await;
    let seed = seed_network(&m.sdk).await;
    let inv = collector(&m.sdk).collect_all().await;

    let ssh = group(&inv, &seed.ssh_sg);
    assert_eq!(ssh.name, "zt-net-open-ssh");
    assert_eq!(ssh.vpc_id.as_deref(), Some(seed.open_vpc.as_str()));
    let open: Vec<_> = ssh.ingress.iter().filter(|r| r.world_peers().count() > 0).collect();
    assert_eq!(open.len(), 1, "{:?}", ssh.ingress);
    assert_eq!((open[0].protocol.as_str(), open[0].from_port, open[0].to_port), ("tcp", Some(22), Some(22)));

    let v6 = group(&inv, &seed.v6_sg);
    assert!(v6.ingress.iter().any(|r| r.peers.contains(&Peer::Ipv6("::/0".into())) && r.covers_all_ports()), "{v6:?}");

    let good_default = group(&inv, &seed.good_default_sg);
    assert_eq!(good_default.name, "default");
    assert!(good_default.ingress.is_empty() && good_default.egress.is_empty(), "{good_default:?}");

    let fn_sg = group(&inv, &seed.fn_sg);
    assert_eq!(fn_sg.lambda_functions, Ok(vec![NETWORK_FUNCTION.to_string()]));
    assert_eq!(ssh.lambda_functions, Ok(vec![]));

    let good = vpc(&inv, &seed.good_vpc);
    let logs = good.flow_logs.as_ref().expect("flow logs listed");
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].status.as_deref(), Some("ACTIVE"));
    let mut services: Vec<&str> =
        good.endpoints.as_ref().expect("endpoints listed").iter().map(|e| e.short_service()).collect();
    services.sort();
    assert_eq!(services, ["s3", "secretsmanager"]);
    // moto reports a made-up VpcId for functions; the function is placed by its group's VPC.
    assert_eq!(good.lambda_functions, Ok(vec![NETWORK_FUNCTION.to_string()]));

    let open_vpc = vpc(&inv, &seed.open_vpc);
    assert_eq!(open_vpc.flow_logs, Ok(vec![]));
    assert_eq!(open_vpc.endpoints, Ok(vec![]));
    assert_eq!(open_vpc.lambda_functions, Ok(vec![]));
    assert!(!open_vpc.is_default);
    assert!(inv.vpcs.as_ref().expect("vpcs").iter().any(|v| v.is_default), "moto's default VPC is listed too");
}

#[tokio::test]
async fn the_audit_finds_each_seeded_misconfiguration() {
    let m = moto().await;
    let seed = seed_network(&m.sdk).await;
    seed_lambda(&m.sdk).await;
    let ctx = ctx();
    let report = network_audit::scan_all(&collector(&m.sdk), &ctx).await;
    assert!(report.summary.is_some(), "complete listings archive what they did not see");

    let ssh = results(&report.findings, &seed.ssh_sg);
    let (status, reason) = &ssh["ec2.no-open-admin-ports"];
    assert_eq!(*status, Status::Fail);
    assert!(reason.contains("tcp 22 from 0.0.0.0/0"), "{reason}");
    assert_eq!(ssh["ec2.default-sg-restricts-all"].0, Status::NotApplicable);
    assert_eq!(ssh["ec2.lambda-egress-restricted"].0, Status::NotApplicable);

    let (status, reason) = &results(&report.findings, &seed.v6_sg)["ec2.no-open-admin-ports"];
    assert_eq!(*status, Status::Fail);
    assert!(reason.contains("tcp 0-65535 from ::/0") && reason.contains("22, 23"), "{reason}");

    let (status, reason) = &results(&report.findings, &seed.open_default_sg)["ec2.default-sg-restricts-all"];
    assert_eq!(*status, Status::Fail);
    assert!(reason.contains("ingress rule(s)"), "{reason}");
    assert_eq!(results(&report.findings, &seed.good_default_sg)["ec2.default-sg-restricts-all"].0, Status::Pass);

    let fn_sg = results(&report.findings, &seed.fn_sg);
    assert_eq!(fn_sg["ec2.lambda-egress-restricted"].0, Status::Pass, "{:?}", fn_sg["ec2.lambda-egress-restricted"]);
    assert_eq!(fn_sg["ec2.no-open-admin-ports"].0, Status::Pass);

    // seed_lambda's functions use zt-fn-sg, which keeps AWS's default all-traffic egress, in a
    // VPC with no endpoint and no flow log.
    let inv = collector(&m.sdk).collect_all().await;
    let zt_fn_sg = inv
        .security_groups
        .as_ref()
        .expect("groups")
        .iter()
        .find(|g| g.name == "zt-fn-sg")
        .expect("seed_lambda's group")
        .clone();
    let (status, reason) = &results(&report.findings, &zt_fn_sg.id)["ec2.lambda-egress-restricted"];
    assert_eq!(*status, Status::Fail);
    assert!(reason.contains("zt-fn-hardened") && reason.contains("all traffic to 0.0.0.0/0"), "{reason}");
    let lambda_vpc = zt_fn_sg.vpc_id.expect("vpc of zt-fn-sg");
    let lv = results(&report.findings, &lambda_vpc);
    assert_eq!(lv["ec2.vpc-flow-logs-enabled"].0, Status::Fail);
    let (status, reason) = &lv["ec2.vpc-has-private-endpoints"];
    assert_eq!(*status, Status::Fail);
    assert!(reason.contains("no VPC endpoint for s3, secretsmanager"), "{reason}");

    let open = results(&report.findings, &seed.open_vpc);
    assert_eq!(open["ec2.vpc-flow-logs-enabled"].0, Status::Fail);
    assert_eq!(open["ec2.vpc-has-private-endpoints"].0, Status::NotApplicable, "no function in it");

    let good = results(&report.findings, &seed.good_vpc);
    assert_eq!(good["ec2.vpc-flow-logs-enabled"].0, Status::Pass);
    assert_eq!(good["ec2.vpc-has-private-endpoints"].0, Status::Pass, "{:?}", good["ec2.vpc-has-private-endpoints"]);

    assert!(report.findings.iter().all(|f| f.status != Status::Unknown), "nothing is UNKNOWN on moto");
    assert!(report
        .findings
        .iter()
        .all(|f| matches!(f.resource.resource_type.as_str(), "AwsEc2SecurityGroup" | "AwsEc2Vpc")));
}

fn change(resource_type: &str, id: &str) -> ChangedResource {
    ChangedResource::fixture(resource_type, id)
}

#[tokio::test]
async fn change_events_re_evaluate_one_group_or_vpc_and_gone_ones_are_not_applicable() {
    let m = moto().await;
    let seed = seed_network(&m.sdk).await;
    let c = collector(&m.sdk);
    let ctx = ctx();

    let one = network_audit::scan_changed(&c, &change(network_audit::SECURITY_GROUP_TYPE, &seed.ssh_sg), &ctx).await;
    assert!(one.summary.is_none());
    assert_eq!(one.findings.len(), 3);
    assert!(one.findings.iter().all(|f| f.resource.id == seed.ssh_sg));
    assert!(one.findings.iter().any(|f| f.rule_id == "ec2.no-open-admin-ports" && f.status == Status::Fail));

    let fn_group = c.collect_security_group(&seed.fn_sg).await.expect("read").expect("exists");
    assert_eq!(fn_group.lambda_functions, Ok(vec![NETWORK_FUNCTION.to_string()]));

    let good = network_audit::scan_changed(&c, &change(network_audit::VPC_TYPE, &seed.good_vpc), &ctx).await;
    assert_eq!(good.findings.len(), 2);
    assert!(good.findings.iter().all(|f| f.status == Status::Pass), "{:?}", good.findings);

    // The same finding ids as a full scan.
    let full = network_audit::scan_all(&c, &ctx).await;
    let full_ids: Vec<String> = full.findings.iter().map(Finding::id).collect();
    assert!(one.findings.iter().chain(&good.findings).all(|f| full_ids.contains(&f.id())));

    let gone_sg =
        network_audit::scan_changed(&c, &change(network_audit::SECURITY_GROUP_TYPE, "sg-0123456789abcdef0"), &ctx)
            .await;
    assert_eq!(gone_sg.findings.len(), 3);
    assert!(gone_sg.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", gone_sg.findings);
    let gone_vpc =
        network_audit::scan_changed(&c, &change(network_audit::VPC_TYPE, "vpc-0123456789abcdef0"), &ctx).await;
    assert_eq!(gone_vpc.findings.len(), 2);
    assert!(gone_vpc.findings.iter().all(|f| f.status == Status::NotApplicable), "{:?}", gone_vpc.findings);
}
