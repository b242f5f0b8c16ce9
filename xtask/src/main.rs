//! `cargo run -p xtask -- template [--check]`: regenerate the audit blocks of `template.yaml`
//! from the audit registry (`ztscan::audit::AUDITS`), or, with `--check`, fail when the
//! committed template is stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["template"] => false,
        ["template", "--check"] => true,
        _ => {
            eprintln!("usage: cargo run -p xtask -- template [--check]");
            return ExitCode::from(2);
        }
    };
    let path = xtask::template_path();
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("xtask: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let generated = match xtask::template::regenerate(&current) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("xtask: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if generated == current {
        println!("{} is up to date", path.display());
        return ExitCode::SUCCESS;
    }
    if check {
        eprintln!("{} is stale: run `cargo run -p xtask -- template`", path.display());
        return ExitCode::from(1);
    }
    if let Err(e) = std::fs::write(&path, generated) {
        eprintln!("xtask: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("regenerated the audit blocks of {}", path.display());
    ExitCode::SUCCESS
}
