//! Seeding the network on the local AWS through the Rust SDK: two VPCs and the groups the
//! `ec2.*` rules judge. Names start with `zt-net-`.
//!
//! - VPC `zt-net-open` (10.43.0.0/16): no flow log, no endpoint; its default group gets an extra
//!   ingress rule; group `zt-net-open-ssh` opens tcp 22 to `0.0.0.0/0`, group `zt-net-open-v6`
//!   opens tcp 0-65535 to `::/0`.
//! - VPC `zt-net-good` (10.44.0.0/16): an active flow log (to an S3 bucket), endpoints for S3 and
//!   Secrets Manager, a default group with every rule revoked, and the function `zt-net-fn`
//!   in group `zt-net-fn-sg`, whose egress is only tcp 443 inside the VPC.
//!
//! moto also has a default VPC with a default group in every region (its default group keeps
//! AWS's rules), and `seed_lambda` adds VPC 10.42.0.0/16 with `zt-fn-sg`: tests look up the
//! seeded resources by id and never count everything.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, ResourceType, Tag, TagSpecification, TrafficType};
use aws_sdk_ec2::Client;

use super::{iam_role, iam_role_arn, trust};

/// The ids of what `seed_network` created.
#[derive(Debug, Clone)]
pub struct NetworkSeed {
    pub open_vpc: String,
    pub good_vpc: String,
    pub open_default_sg: String,
    pub good_default_sg: String,
    pub ssh_sg: String,
    pub v6_sg: String,
    pub fn_sg: String,
}

/// The function `seed_network` puts in the compliant VPC.
pub const NETWORK_FUNCTION: &str = "zt-net-fn";
const ROLE: &str = "zt-net-fn-role";
const FLOW_LOG_BUCKET: &str = "zt-net-flow-logs";

fn named(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder().resource_type(resource).tags(Tag::builder().key("Name").value(name).build()).build()
}

fn world_v4(protocol: &str, from: i32, to: i32) -> IpPermission {
    IpPermission::builder()
        .ip_protocol(protocol)
        .from_port(from)
        .to_port(to)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

async fn vpc(ec2: &Client, cidr: &str, name: &str) -> String {
    let out = ec2
        .create_vpc()
        .cidr_block(cidr)
        .tag_specifications(named(ResourceType::Vpc, name))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create vpc {name}: {e:?}"));
    out.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string()
}

async fn group(ec2: &Client, vpc: &str, name: &str) -> String {
    let out = ec2
        .create_security_group()
        .group_name(name)
        .description(format!("ztscan demo {name}"))
        .vpc_id(vpc)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create group {name}: {e:?}"));
    out.group_id().expect("group id").to_string()
}

/// The default security group of `vpc`.
pub async fn default_group(ec2: &Client, vpc: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let out = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(Filter::builder().name("group-name").values("default").build())
        .send()
        .await
        .expect("describe default group");
    out.security_groups().first().cloned().unwrap_or_else(|| panic!("{vpc} has no default group"))
}

/// Revoke every ingress and egress rule of a group.
async fn revoke_all(ec2: &Client, group: &aws_sdk_ec2::types::SecurityGroup) {
    let id = group.group_id().expect("group id");
    if !group.ip_permissions().is_empty() {
        ec2.revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(group.ip_permissions().to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("revoke ingress of {id}: {e:?}"));
    }
    if !group.ip_permissions_egress().is_empty() {
        ec2.revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(group.ip_permissions_egress().to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("revoke egress of {id}: {e:?}"));
    }
}

/// The demo account's network (see the module doc).
pub async fn seed_network(sdk: &aws_config::SdkConfig) -> NetworkSeed {
    let ec2 = &Client::new(sdk);

    // The open VPC.
    let open_vpc = vpc(ec2, "10.43.0.0/16", "zt-net-open").await;
    let ssh_sg = group(ec2, &open_vpc, "zt-net-open-ssh").await;
    ec2.authorize_security_group_ingress()
        .group_id(&ssh_sg)
        .ip_permissions(world_v4("tcp", 22, 22))
        .send()
        .await
        .expect("open ssh");
    let v6_sg = group(ec2, &open_vpc, "zt-net-open-v6").await;
    ec2.authorize_security_group_ingress()
        .group_id(&v6_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(0)
                .to_port(65535)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .expect("open every port to ::/0");
    let open_default_sg = default_group(ec2, &open_vpc).await.group_id().expect("group id").to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&open_default_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("10.43.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .expect("a rule on the default group");

    // The compliant VPC.
    let good_vpc = vpc(ec2, "10.44.0.0/16", "zt-net-good").await;
    let good_default = default_group(ec2, &good_vpc).await;
    revoke_all(ec2, &good_default).await;
    let good_default_sg = good_default.group_id().expect("group id").to_string();

    let s3 = aws_sdk_s3::Client::new(sdk);
    if let Err(e) = s3.create_bucket().bucket(FLOW_LOG_BUCKET).send().await {
        let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e);
        assert!(matches!(code, Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")), "flow-log bucket: {e:?}");
    }
    let flow = ec2
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&good_vpc)
        .traffic_type(TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::S3)
        .log_destination(format!("arn:aws:s3:::{FLOW_LOG_BUCKET}"))
        .send()
        .await
        .expect("create flow log");
    assert!(flow.unsuccessful().is_empty(), "flow log: {:?}", flow.unsuccessful());
    let subnet = ec2
        .create_subnet()
        .vpc_id(&good_vpc)
        .cidr_block("10.44.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("create subnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    let route_table = ec2
        .create_route_table()
        .vpc_id(&good_vpc)
        .send()
        .await
        .expect("create route table")
        .route_table()
        .and_then(|r| r.route_table_id())
        .expect("route table id")
        .to_string();
    ec2.create_vpc_endpoint()
        .vpc_id(&good_vpc)
        .service_name("com.amazonaws.us-east-1.s3")
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Gateway)
        .route_table_ids(&route_table)
        .send()
        .await
        .expect("s3 endpoint");
    let fn_sg = group(ec2, &good_vpc, "zt-net-fn-sg").await;
    ec2.create_vpc_endpoint()
        .vpc_id(&good_vpc)
        .service_name("com.amazonaws.us-east-1.secretsmanager")
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .subnet_ids(&subnet)
        .security_group_ids(&fn_sg)
        .send()
        .await
        .expect("secrets manager endpoint");
    let fn_group = ec2
        .describe_security_groups()
        .group_ids(&fn_sg)
        .send()
        .await
        .expect("describe fn group")
        .security_groups()
        .first()
        .cloned()
        .expect("fn group");
    revoke_all(ec2, &fn_group).await;
    ec2.authorize_security_group_egress()
        .group_id(&fn_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("10.44.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .expect("egress 443 inside the VPC");

    let iam = &aws_sdk_iam::Client::new(sdk);
    iam_role(iam, ROLE, &trust(r#"{"Service":"lambda.amazonaws.com"}"#, None), None).await;
    let lambda = aws_sdk_lambda::Client::new(sdk);
    let created = lambda
        .create_function()
        .function_name(NETWORK_FUNCTION)
        .runtime(aws_sdk_lambda::types::Runtime::Python313)
        .handler("app.handler")
        .role(iam_role_arn(ROLE))
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(b"PK\x05\x06demo-only".to_vec()))
                .build(),
        )
        .vpc_config(aws_sdk_lambda::types::VpcConfig::builder().subnet_ids(&subnet).security_group_ids(&fn_sg).build())
        .send()
        .await;
    if let Err(e) = created {
        let code = aws_sdk_lambda::error::ProvideErrorMetadata::code(&e);
        assert_eq!(code, Some("ResourceConflictException"), "create {NETWORK_FUNCTION}: {e:?}");
    }

    NetworkSeed { open_vpc, good_vpc, open_default_sg, good_default_sg, ssh_sg, v6_sg, fn_sg }
}
