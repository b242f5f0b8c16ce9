//! The fault layer as a standalone proxy, for trying ztscan against a misbehaving local AWS by
//! hand: `ztscan-faults --upstream http://127.0.0.1:5000 [--port 5100] [--rate 0.2] [--seed 42]
//! [--kinds throttle,5xx,drop,latency,truncate] [--services sqs,sns]`, then point `AWS_ENDPOINT_URL` at the printed
//! endpoint. Every 10 seconds (and at end of input on stdin) it prints the requests and faults
//! so far, and the busiest APIs.

use std::process::ExitCode;
use std::time::Duration;

use ztscan_tests::faults::{FaultKind, FaultPlan, FaultProxy};

const USAGE: &str = "usage: ztscan-faults --upstream URL [--port N] [--rate 0.0-1.0] [--seed N] [--kinds throttle,5xx,drop,latency,truncate] [--services sqs,sns]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let Some(upstream) = value("--upstream") else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let parsed = (|| -> Result<(u16, FaultPlan), String> {
        let port = value("--port").map(|p| p.parse().map_err(|_| format!("--port {p} is not a port"))).transpose()?;
        let rate: f64 = value("--rate")
            .map(|r| r.parse().map_err(|_| format!("--rate {r} is not a number")))
            .transpose()?
            .unwrap_or(0.2);
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("--rate {rate} is outside 0.0..=1.0"));
        }
        let seed = value("--seed")
            .map(|s| s.parse().map_err(|_| format!("--seed {s} is not a number")))
            .transpose()?
            .unwrap_or(42);
        let kinds = match value("--kinds") {
            Some(list) => list
                .split(',')
                .map(|k| FaultKind::parse(k.trim()).ok_or_else(|| format!("--kinds: unknown fault {k:?}")))
                .collect::<Result<Vec<_>, _>>()?,
            None => FaultKind::ALL.to_vec(),
        };
        let services =
            value("--services").map(|l| l.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default();
        Ok((port.unwrap_or(0), FaultPlan { seed, rate, kinds, services }))
    })();
    let (port, plan) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ztscan-faults: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let proxy = match FaultProxy::start_on(&upstream, plan.clone(), port) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ztscan-faults: cannot listen: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "fault layer on {} → {upstream} (seed {}, {:.0}% faults: {:?})",
        proxy.endpoint(),
        plan.seed,
        plan.rate * 100.0,
        plan.kinds
    );
    // End of input on stdin (Ctrl-D, or the parent closing the pipe) ends the proxy.
    let (closed_tx, mut closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        let _ = closed_tx.send(());
    });
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(10)) => report(&proxy),
            _ = &mut closed => {
                report(&proxy);
                return ExitCode::SUCCESS;
            }
        }
    }
}

fn report(proxy: &FaultProxy) {
    let summary = proxy.summary();
    println!("{summary}");
    let mut busiest: Vec<(&String, &usize)> = summary.per_api.iter().collect();
    busiest.sort_by(|a, b| b.1.cmp(a.1));
    for (api, n) in busiest.into_iter().take(5) {
        println!("  {n:>6}  {api}");
    }
}
