//! Peak memory of a Lambda evaluation of 5,000 generated functions (the fleet of
//! `benches/lambda_eval.rs`): a counting global allocator reports the heap held by the
//! inventory and the peak while `report_full` builds the findings. Run it under
//! `/usr/bin/time -v` for the process's peak RSS:
//!
//! `cargo build --release -p ztscan --example lambda_eval_memory &&
//!  /usr/bin/time -v target/release/examples/lambda_eval_memory [FUNCTIONS]`

#[path = "../benches/support/lambda_fleet.rs"]
mod lambda_fleet;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ztscan::audit::lambda::report_full;
use ztscan::context::ScanContext;
use ztscan::resources::lambda::LambdaInventory;

/// The system allocator, counting the bytes currently allocated and their peak.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let arg = std::env::args().nth(1);
    let n = match arg.as_deref().map(str::parse::<usize>) {
        None => 5_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("FUNCTIONS must be a whole number of functions: {e}");
            std::process::exit(2);
        }
    };
    let ctx = ScanContext::fixture();
    let base = CURRENT.load(Ordering::Relaxed);
    let inventory = LambdaInventory::of_functions(Ok(lambda_fleet::fleet(n)));
    let inventory_bytes = CURRENT.load(Ordering::Relaxed) - base;
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = Instant::now();
    let report = report_full(&inventory, &ctx);
    let elapsed = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let findings_bytes = CURRENT.load(Ordering::Relaxed) - base - inventory_bytes;
    println!("functions: {n}");
    println!("findings: {}", report.findings.len());
    println!("evaluation time: {:.1} ms", elapsed.as_secs_f64() * 1e3);
    println!("heap held by the inventory: {:.1} MiB", mib(inventory_bytes));
    println!("heap held by the report: {:.1} MiB", mib(findings_bytes));
    println!("heap peak (inventory + evaluation): {:.1} MiB", mib(peak));
}
