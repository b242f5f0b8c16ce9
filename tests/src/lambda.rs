//! Running the functions through the real Lambda Runtime API: cargo-lambda's emulator
//! (`cargo lambda watch --only-lambda-apis`) serves the Runtime API, our debug binaries poll it
//! as they would in Lambda, and `cargo lambda invoke --data-file` delivers events. The findings
//! queue is drained into `publish-findings` as Lambda's SQS event source mapping would, with
//! partial batch failures honoured.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::root;

/// The cargo-lambda executable: `.venv/bin/cargo-lambda` (installed by
/// `scripts/setup-tools.sh`), else the one on PATH.
pub fn cargo_lambda() -> PathBuf {
    let venv = root().join(".venv/bin/cargo-lambda");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("cargo-lambda")
    }
}

/// A debug binary of the workspace (built by `cargo build --workspace --all-targets`).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --all-targets` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A per-process scratch directory outside the workspace, for logs and generated events.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ztscan-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_for_port(port: u16, timeout: Duration) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < timeout, "nothing listens on 127.0.0.1:{port} after {timeout:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The emulator and the function processes attached to it; all are killed on drop.
pub struct Emulator {
    pub port: u16,
    children: Vec<Child>,
    /// The emulator's stdin, held open: `cargo lambda watch` stops its scheduler (and every
    /// invoke then hangs) as soon as its stdin reaches end of file.
    _stdin: Option<std::process::ChildStdin>,
    log_dir: PathBuf,
}

impl Emulator {
    /// Start `cargo lambda watch --only-lambda-apis` on a free loopback port.
    pub fn start() -> Self {
        let port = free_port();
        // Outside the workspace: `cargo lambda watch` stops its scheduler when a file under the
        // project changes, so logs and event files must not be written there.
        let log_dir = scratch_dir();
        let log = std::fs::File::create(log_dir.join("cargo-lambda.log")).expect("create log");
        let child = Command::new(cargo_lambda())
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .current_dir(root())
            // Not the test harness's environment: cargo's CARGO_* variables make the emulator
            // act on this crate's build and stop its scheduler.
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start cargo lambda watch");
        let mut child = child;
        let stdin = child.stdin.take();
        wait_for_port(port, Duration::from_secs(60));
        Self { port, children: vec![child], _stdin: stdin, log_dir }
    }

    /// Run a function binary against the emulator's Runtime API, as Lambda would.
    pub fn run_function(&mut self, name: &str, env: &[(&str, &str)]) {
        let log = std::fs::File::create(self.log_dir.join(format!("{name}.log"))).expect("create log");
        let mut cmd = Command::new(binary(name));
        cmd.env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{}/.rt", self.port))
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.children.push(cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}")));
    }

    /// The log a function wrote so far.
    pub fn function_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// `cargo lambda invoke _ --data-file FILE` for the function `name` attached to this emulator,
    /// returning the function's JSON response.
    pub fn invoke(&self, name: &str, data_file: &Path) -> Result<Value, String> {
        let out = Command::new(cargo_lambda())
            .args([
                "lambda",
                "invoke",
                // With --only-lambda-apis the emulator serves one runtime, registered as `_`.
                "_",
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &self.port.to_string(),
                "--output-format",
                "json",
            ])
            .arg("--data-file")
            .arg(data_file)
            .current_dir(root())
            .output()
            .map_err(|e| format!("run cargo lambda invoke: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            return Err(format!("invoke {name} failed: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
        }
        serde_json::from_str(&stdout).map_err(|e| format!("invoke {name}: response is not JSON ({e}): {stdout}"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// What one drain of the findings queue did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PumpReport {
    pub batches: usize,
    pub delivered: usize,
    pub failed: usize,
}

/// One record of an SQS event, as Lambda's event source mapping delivers it from the queue
/// `queue_arn`.
pub fn sqs_record(message_id: &str, receipt_handle: &str, body: &str, md5_of_body: &str, queue_arn: &str) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "local", "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {},
        "md5OfBody": md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1"
    })
}

/// Write an SQS event holding `records` to `path`, for `Emulator::invoke`.
pub fn write_sqs_event(path: &Path, records: Vec<Value>) {
    std::fs::write(path, json!({ "Records": records }).to_string()).expect("write event");
}

/// Drain `queue_url` into `function` in batches of up to 10, as Lambda's SQS event source
/// mapping does: messages the function reports in `batchItemFailures` stay on the queue.
pub async fn pump(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    emulator: &Emulator,
    function: &str,
) -> PumpReport {
    let mut report = PumpReport::default();
    let tmp = scratch_dir().join("sqs-event.json");
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::SenderId)
            .send()
            .await
            .expect("receive from the findings queue");
        let messages = out.messages();
        if messages.is_empty() {
            break;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let mut record = sqs_record(
                    m.message_id().unwrap_or_default(),
                    m.receipt_handle().unwrap_or_default(),
                    m.body().unwrap_or_default(),
                    m.md5_of_body().unwrap_or_default(),
                    queue_arn,
                );
                // The sender SQS recorded, as the event source mapping passes it on (the
                // publisher's sender check reads it).
                let sender =
                    m.attributes().and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::SenderId));
                if let Some(sender) = sender {
                    record["attributes"]["SenderId"] = Value::String(sender.clone());
                }
                record
            })
            .collect();
        write_sqs_event(&tmp, records);
        let response = emulator.invoke(function, &tmp).unwrap_or_else(|e| panic!("{e}"));
        let failed: Vec<String> = response["batchItemFailures"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["itemIdentifier"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        report.batches += 1;
        for m in messages {
            let id = m.message_id().unwrap_or_default();
            if failed.iter().any(|f| f == id) {
                report.failed += 1;
            } else {
                report.delivered += 1;
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("delete");
            }
        }
        if !failed.is_empty() {
            break;
        }
    }
    let _ = std::fs::remove_file(&tmp);
    report
}
