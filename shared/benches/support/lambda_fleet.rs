//! A generated fleet of Lambda functions for the Lambda evaluation benchmark
//! (`benches/lambda_eval.rs`) and its peak-memory probe (`examples/lambda_eval_memory.rs`),
//! which include this file with `#[path]`.
//!
//! Functions start from `LambdaFunction::fixture` (compliant) and are varied by index, in
//! proportions meant to look like a real account: about one in ten with a public resource
//! policy, a service grant without `aws:SourceArn` or one with it; environments (one in seven
//! with a secret detection); VPC attachments in one or two AZs; layers from foreign accounts;
//! deprecated runtimes and container images; function URLs with and without auth; missing tags,
//! tracing, concurrency, code signing and destinations; and a few aspects that could not be
//! read (AccessDenied), which the rules turn into UNKNOWN.

use std::collections::BTreeMap;

use ztscan::policy::PolicyDocument;
use ztscan::resources::lambda::{Environment, FunctionUrl, LambdaFunction, PackageType, VpcAttachment};
use ztscan::secrets::Detection;

const ACCOUNT: &str = "123456789012";

fn policy(json: &str) -> Option<PolicyDocument> {
    match PolicyDocument::parse(json) {
        Ok(doc) => Some(doc),
        Err(e) => panic!("generated function policy does not parse: {e}"),
    }
}

/// The resource policy of function `i` (`None` for most functions).
fn resource_policy(i: usize, arn: &str) -> Option<PolicyDocument> {
    let statement = match i % 10 {
        0 => format!(
            r#"{{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"{arn}"}}"#
        ),
        1 => format!(
            r#"{{"Sid":"S3Invoke","Effect":"Allow","Principal":{{"Service":"s3.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{arn}"}}"#
        ),
        2 => format!(
            r#"{{"Sid":"SnsInvoke","Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{arn}","Condition":{{"ArnLike":{{"AWS:SourceArn":"arn:aws:sns:us-east-1:{ACCOUNT}:topic-{i}"}}}}}}"#
        ),
        3 => format!(
            r#"{{"Sid":"ApiGw","Effect":"Allow","Principal":{{"Service":"apigateway.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{arn}","Condition":{{"ArnLike":{{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:{ACCOUNT}:api{i}/*/POST/orders"}}}}}},{{"Sid":"Partner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{:012}:root"}},"Action":"lambda:InvokeFunction","Resource":"{arn}"}}"#,
            900_000_000_000usize + i
        ),
        4 if i % 20 == 4 => format!(
            r#"{{"Sid":"OrgOnly","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"{arn}","Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ),
        _ => return None,
    };
    policy(&format!(r#"{{"Version":"2012-10-17","Id":"default","Statement":[{statement}]}}"#))
}

fn environment(i: usize) -> Option<Environment> {
    if i % 4 == 3 {
        return None;
    }
    let mut names: Vec<String> = ["LOG_LEVEL", "TABLE_NAME", "POWERTOOLS_SERVICE_NAME", "API_BASE_URL", "QUEUE_URL"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut detections = Vec::new();
    if i.is_multiple_of(7) {
        let (name, detector) = match i % 3 {
            0 => ("DB_PASSWORD", "generic-high-entropy"),
            1 => ("STRIPE_KEY", "stripe-live-key"),
            _ => ("DEPLOY_KEY_ID", "aws-access-key-id"),
        };
        names.push(name.to_string());
        detections.push(Detection { variable: name.to_string(), detector });
    }
    names.sort();
    let error = i.is_multiple_of(97).then(|| "KMSAccessDeniedException".to_string());
    Some(Environment { names: if error.is_some() { Vec::new() } else { names }, detections, error })
}

fn vpc(i: usize) -> Option<VpcAttachment> {
    if !i.is_multiple_of(5) {
        return None;
    }
    let subnets: Vec<String> =
        (0..if i.is_multiple_of(15) { 1 } else { 2 }).map(|k| format!("subnet-{:017x}", i * 2 + k)).collect();
    let subnet_azs = if i.is_multiple_of(45) {
        Err(LambdaFunction::denied("ec2:DescribeSubnets"))
    } else {
        Ok(subnets
            .iter()
            .enumerate()
            .map(|(k, s)| (s.clone(), format!("us-east-1{}", ['a', 'b', 'c'][k % 3])))
            .collect())
    };
    Some(VpcAttachment {
        vpc_id: Some(format!("vpc-{:017x}", i / 100)),
        subnet_ids: subnets,
        security_group_ids: vec![format!("sg-{:017x}", i)],
        subnet_azs,
    })
}

/// Function `i` of a generated fleet.
pub fn function(i: usize) -> LambdaFunction {
    let mut f = LambdaFunction::fixture(&format!("svc-{:02}-fn-{i:05}", i % 37));
    f.policy = if i.is_multiple_of(53) {
        Err(LambdaFunction::denied("lambda:GetPolicy"))
    } else {
        Ok(resource_policy(i, &f.arn))
    };
    f.environment = environment(i);
    if f.environment.is_some() && i.is_multiple_of(2) {
        f.kms_key_arn = Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{:08x}-0000-4000-8000-000000000000", i));
    }
    f.vpc = vpc(i);
    f.runtime = Some(
        match i % 12 {
            0 => "python3.8",
            1 => "nodejs16.x",
            2 => "nodejs18.x",
            3 | 4 => "nodejs20.x",
            5 => "java21",
            6 => "provided.al2023",
            _ => "python3.12",
        }
        .to_string(),
    );
    if i.is_multiple_of(13) {
        f.package_type = PackageType::Image;
        f.runtime = None;
    } else if i.is_multiple_of(3) {
        f.layers = vec![format!("arn:aws:lambda:us-east-1:{ACCOUNT}:layer:shared-lib:{}", 1 + i % 9)];
        if i.is_multiple_of(9) {
            f.layers
                .push(format!("arn:aws:lambda:us-east-1:{:012}:layer:vendor-agent:42", 800_000_000_000usize + i % 4));
        }
    }
    f.urls = match i % 11 {
        0 => Ok(vec![FunctionUrl {
            url: format!("https://{i:032x}.lambda-url.us-east-1.on.aws/"),
            function_arn: f.arn.clone(),
            auth_type: if i.is_multiple_of(22) { "NONE" } else { "AWS_IAM" }.into(),
            cors: None,
        }]),
        1 if i % 89 == 1 => Err(LambdaFunction::denied("lambda:ListFunctionUrlConfigs")),
        _ => Ok(Vec::new()),
    };
    if i.is_multiple_of(6) {
        f.tracing_mode = Some("PassThrough".into());
    }
    if i % 4 == 1 {
        f.reserved_concurrency = Ok(None);
    }
    if i % 8 == 2 {
        f.code_signing = Ok(None);
    }
    if i % 5 == 2 {
        f.tags = Ok(BTreeMap::from([("owner".to_string(), "team-a".to_string())]));
    } else if i.is_multiple_of(101) {
        f.tags = Err(LambdaFunction::denied("lambda:ListTags"));
    }
    if i % 3 == 2 {
        f.event_invoke_configs = Ok(Vec::new());
        if i % 9 == 2 {
            f.dead_letter_target = Some(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:dlq-{i}"));
        }
    }
    f
}

/// A fleet of `n` functions.
pub fn fleet(n: usize) -> Vec<LambdaFunction> {
    (0..n).map(function).collect()
}
