//! Lambda evaluation benchmark: `ztscan::audit::lambda::report_full` (every `lambda.*` rule over
//! every function, plus the scan summary) on generated inventories of 1,000 and 5,000
//! functions (`support/lambda_fleet.rs`: public and service-grant policies with and without
//! `aws:SourceArn`, secret detections, VPCs in one or two AZs, foreign layers, deprecated
//! runtimes, function URLs, missing settings, unreadable aspects). Throughput is functions per
//! second. The collection cost (the SDK calls and the conversion) is not measured here: it
//! cannot run without the SDK.
//!
//! Run with `scripts/bench-lambda.sh` (`cargo bench -p ztscan --bench lambda_eval`).

#[path = "support/lambda_fleet.rs"]
mod lambda_fleet;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ztscan::audit::lambda::{report_full, rule_ids};
use ztscan::context::ScanContext;
use ztscan::model::Status;
use ztscan::resources::lambda::LambdaInventory;

const SIZES: &[usize] = &[1_000, 5_000];

fn bench(c: &mut Criterion) {
    let ctx = ScanContext::fixture();
    let rules = rule_ids().len();
    let mut group = c.benchmark_group("lambda_eval");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for &n in SIZES {
        let inventory = LambdaInventory::of_functions(Ok(lambda_fleet::fleet(n)));
        // Check, before measuring, that the fleet exercises every outcome.
        let report = report_full(&inventory, &ctx);
        assert_eq!(report.findings.len(), n * rules, "one finding per rule and function");
        let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
        for f in &report.findings {
            *by_status.entry(f.status).or_default() += 1;
        }
        for s in [Status::Pass, Status::Fail, Status::NotApplicable, Status::Unknown] {
            assert!(by_status.get(&s).is_some_and(|&k| k > 0), "the fleet of {n} gives no {s:?} finding");
        }
        eprintln!("lambda_eval/{n}: {} findings {by_status:?}", report.findings.len());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("report_full", n), &inventory, |b, inv| {
            b.iter(|| report_full(black_box(inv), &ctx).findings.len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
