//! Runs a scenario file and prints its trace: as text followed by one
//! `VIOLATION` line per violation (the `.trace.txt` golden form), or with
//! `--json` as the trace JSON (the `.trace.json` golden form), or with
//! `--jsonl` in the trace file format the checker reads (`.trace.jsonl`).
//!
//! `cargo run --example run -- tests/scenarios/purge-busy.json [--json]`
//!
//! Golden files are never rewritten by the tests. After a deliberate change
//! of behaviour, regenerate them with this program, read the diff line by
//! line against docs/protocol.md, and commit it with the change.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let jsonl = args.iter().any(|a| a == "--jsonl");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: run SCENARIO.json [--json | --jsonl]");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match mapi_logoff::Simulation::from_json(&text) {
        Ok(sim) if json => print!("{}", sim.trace_json()),
        Ok(sim) if jsonl => print!("{}", sim.trace_jsonl()),
        Ok(sim) => {
            print!("{}", sim.trace_text());
            for v in sim.violations() {
                println!("VIOLATION {v}");
            }
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    }
}
