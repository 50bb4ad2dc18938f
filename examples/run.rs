//! Runs a scenario file and prints its trace as text, then any violations.
//! `cargo run --example run -- tests/scenarios/purge-busy.json`
fn main() {
    let path = std::env::args().nth(1).expect("usage: run SCENARIO.json");
    let text = std::fs::read_to_string(&path).expect("readable scenario file");
    match mapi_logoff::Simulation::from_json(&text) {
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
