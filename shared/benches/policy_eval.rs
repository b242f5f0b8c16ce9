//! Policy engine benchmark: parse (URL-encoded, as IAM returns documents) and evaluate
//! (`external_grants`, `allowed_actions`) realistic resource and identity policies of 1 to
//! 1,000 statements. Throughput is reported in statements per second.
//!
//! Run with `scripts/bench-policy.sh` (`cargo bench -p ztscan --bench policy_eval`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ztscan::policy::{external_grants, PolicyDocument, Trust};

const SIZES: &[usize] = &[1, 10, 100, 1_000];

/// Statement `i` of a generated policy: a rotation of eight shapes seen in real bucket, queue,
/// key and identity policies (cross-account grants, org-restricted public access, TLS denies,
/// service principals with source conditions, action wildcards, one `NotAction`).
fn statement(i: usize) -> String {
    match i % 8 {
        0 => format!(
            r#"{{"Sid":"CrossAccount{i}","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{:012}:root","arn:aws:iam::111111111111:role/app-{i}"]}},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-{i}","arn:aws:s3:::bucket-{i}/*"]}}"#,
            900_000_000_000usize + i
        ),
        1 => format!(
            r#"{{"Sid":"Org{i}","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-{i}/*","Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ),
        2 => format!(
            r#"{{"Sid":"Tls{i}","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bucket-{i}/*","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#
        ),
        3 => format!(
            r#"{{"Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111111111111:q{i}","Condition":{{"ArnEquals":{{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:t{i}"}}}}}}"#
        ),
        4 => format!(
            r#"{{"Sid":"Kms{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111111111111:role/r{i}"}},"Action":["kms:Decrypt","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"111111111111"}},"ForAnyValue:StringLike":{{"kms:EncryptionContextKeys":"app-*"}}}}}}"#
        ),
        5 => format!(
            r#"{{"Sid":"Office{i}","Effect":"Allow","Principal":"*","Action":["s3:Get*","s3:List*"],"Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":["203.0.113.0/24","198.51.100.{}/32"]}}}}}}"#,
            i % 256
        ),
        6 => format!(
            r#"{{"Sid":"Admin{i}","Effect":"Allow","Action":["iam:Get*","iam:List*","ec2:Describe*","cloudwatch:*"],"Resource":"*"}}"#
        ),
        _ => format!(
            r#"{{"Sid":"AllButIam{i}","Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*","Condition":{{"BoolIfExists":{{"aws:MultiFactorAuthPresent":"true"}}}}}}"#
        ),
    }
}

/// A policy of `n` statements, URL-encoded as IAM's API returns it.
fn encoded_policy(n: usize) -> String {
    let body: Vec<String> = (0..n).map(statement).collect();
    let json = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, body.join(","));
    json.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let trusted = vec!["222222222222".to_string()];
    let trust = Trust { account: "111111111111", organization_id: Some("o-abc123"), trusted_accounts: &trusted };
    let evaluate = |doc: &PolicyDocument| {
        let grants = external_grants(doc, &trust).len();
        let actions: usize = doc.statements.iter().map(|s| s.allowed_actions().len()).sum();
        (grants, actions)
    };
    // Parse the action table once, outside the measurements.
    let _ = ztscan::policy::actions::all();

    let mut group = c.benchmark_group("policy");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    for &n in SIZES {
        let text = encoded_policy(n);
        let doc = match PolicyDocument::parse_iam(&text) {
            Ok(doc) => doc,
            Err(e) => panic!("generated policy of {n} statements does not parse: {e}"),
        };
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse_iam", n), &text, |b, t| {
            b.iter(|| PolicyDocument::parse_iam(black_box(t)).map(|d| d.statements.len()))
        });
        group.bench_with_input(BenchmarkId::new("external_grants", n), &doc, |b, d| {
            b.iter(|| external_grants(black_box(d), &trust).len())
        });
        group.bench_with_input(BenchmarkId::new("allowed_actions", n), &doc, |b, d| {
            b.iter(|| black_box(d).statements.iter().map(|s| s.allowed_actions().len()).sum::<usize>())
        });
        group.bench_with_input(BenchmarkId::new("parse_and_evaluate", n), &text, |b, t| {
            b.iter(|| PolicyDocument::parse_iam(black_box(t)).map(|d| evaluate(&d)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
