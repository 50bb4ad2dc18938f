//! Checks a trace file natively and prints the report's counts and the
//! time it took; or writes the checker's benchmark workload.
//!
//! ```sh
//! cargo run --profile bench --example check -- trace.jsonl        # counts, time, lines/s
//! cargo run --profile bench --example check -- --generate 1000000 > big.jsonl
//! ```
//!
//! `npm run bench` uses both: the workload file is what the wasm module and
//! the CLI check in its checker rows, and this program measures the native
//! side of the same file with `/usr/bin/time -v` when it is there.
use mapi_logoff::check::{Checker, workload};
use std::io::{Read, Write};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n] = args.as_slice()
        && flag == "--generate"
    {
        let Ok(lines) = n.parse::<u64>() else { usage() };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut failed = false;
        workload::write(lines, |piece| failed |= out.write_all(piece.as_bytes()).is_err());
        if failed || out.flush().is_err() {
            std::process::exit(1);
        }
        return;
    }
    let [path] = args.as_slice() else { usage() };
    let mut input: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        }
    };
    let started = Instant::now();
    let mut checker = Checker::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                bytes += n as u64;
                checker.push_bytes(&buffer[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        }
    }
    let report = checker.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} lines, {} bytes, {} calls: {} errors, {} warnings, {} diagnostics ({} omitted); {:.3} s, {:.0} lines/s",
        report.lines,
        bytes,
        report.calls,
        report.errors,
        report.warnings,
        report.diagnostics.len() as u64 + report.omitted,
        report.omitted,
        seconds,
        report.lines as f64 / seconds
    );
}

fn usage() -> ! {
    eprintln!("usage: check TRACE.jsonl | -    or    check --generate LINES");
    std::process::exit(2);
}
