//! Golden scenarios: every `tests/scenarios/NAME.json` is run and its trace
//! compared byte for byte with `NAME.trace.txt` (the text trace followed by
//! one `VIOLATION ...` line per violation, as `examples/run.rs` prints it)
//! `NAME.trace.json` (`Simulation::trace_json()`) and `NAME.trace.jsonl`
//! (`Simulation::trace_jsonl()`, the checker's file format). There is no update
//! mode: a changed trace is reviewed against the spec and the files are
//! regenerated deliberately.

use mapi_logoff::{Scenario, Simulation};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("scenarios")
}

/// Every scenario file, sorted by name.
fn scenarios() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".json") && !name.ends_with(".trace.json")
        })
        .collect();
    paths.sort();
    paths
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text the example prints: the trace, then the violations.
fn printed(sim: &Simulation) -> String {
    let mut out = sim.trace_text();
    for v in sim.violations() {
        writeln!(out, "VIOLATION {v}").unwrap();
    }
    out
}

/// A line diff (longest common subsequence): `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            writeln!(out, "  {}", a[i]).unwrap();
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            writeln!(out, "- {}", a[i]).unwrap();
            i += 1;
        } else {
            writeln!(out, "+ {}", b[j]).unwrap();
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the files differ in the final newline)\n");
    }
    out
}

/// Checks one scenario; returns a description of every mismatch.
fn check(path: &Path) -> Vec<String> {
    let stem = path.file_name().unwrap().to_str().unwrap().trim_end_matches(".json");
    let mut problems = Vec::new();
    let scenario = match Scenario::from_json(&read(path)) {
        Ok(s) => s,
        Err(e) => return vec![format!("{stem}: the scenario does not parse: {e}")],
    };
    if scenario.name != stem {
        problems.push(format!("{stem}: `name` is {:?}, expected the file name {stem:?}", scenario.name));
    }
    if scenario.description.trim().is_empty() {
        problems.push(format!("{stem}: `description` is empty"));
    }
    let sim = match Simulation::new(&scenario) {
        Ok(sim) => sim,
        Err(e) => return vec![format!("{stem}: the scenario does not run: {e}")],
    };
    let text = printed(&sim);
    let expected_text = read(&path.with_file_name(format!("{stem}.trace.txt")));
    if text != expected_text {
        problems.push(format!("{stem}.trace.txt differs (- expected, + actual):\n{}", diff(&expected_text, &text)));
    }
    let json = sim.trace_json();
    let expected_json = read(&path.with_file_name(format!("{stem}.trace.json")));
    if json != expected_json {
        let at = json.bytes().zip(expected_json.bytes()).position(|(x, y)| x != y).unwrap_or(json.len().min(expected_json.len()));
        let window = |s: &str| s.get(at.saturating_sub(60)..(at + 60).min(s.len())).unwrap_or("").to_string();
        problems.push(format!(
            "{stem}.trace.json differs from byte {at}:\n  expected …{}…\n  actual   …{}…",
            window(&expected_json),
            window(&json)
        ));
    }
    // The trace in the file format of the checker: also a worked example of
    // that format for provider authors.
    let jsonl = sim.trace_jsonl();
    let expected_jsonl = read(&path.with_file_name(format!("{stem}.trace.jsonl")));
    if jsonl != expected_jsonl {
        problems.push(format!("{stem}.trace.jsonl differs (- expected, + actual):\n{}", diff(&expected_jsonl, &jsonl)));
    }
    problems
}

#[test]
fn golden_scenarios_match_their_traces() {
    let paths = scenarios();
    assert!(!paths.is_empty(), "no scenarios in {}", scenario_dir().display());
    let problems: Vec<String> = paths.iter().flat_map(|p| check(p)).collect();
    assert!(problems.is_empty(), "{} of {} golden scenarios differ:\n\n{}", problems.len(), paths.len(), problems.join("\n"));
}

#[test]
fn every_golden_file_belongs_to_a_scenario_and_the_readme_lists_it() {
    let dir = scenario_dir();
    let stems: Vec<String> =
        scenarios().iter().map(|p| p.file_name().unwrap().to_str().unwrap().trim_end_matches(".json").to_string()).collect();
    let readme = read(&dir.join("README.md"));
    for stem in &stems {
        assert!(readme.contains(&format!("`{stem}`")), "README.md does not list `{stem}`");
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let owner =
            name.trim_end_matches(".trace.txt").trim_end_matches(".trace.jsonl").trim_end_matches(".trace.json").trim_end_matches(".json");
        assert!(name == "README.md" || stems.iter().any(|s| s == owner), "{name} belongs to no scenario");
    }
}

#[test]
fn the_diff_shows_changed_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
    assert_eq!(diff("a\n", "a"), "  a\n(the files differ in the final newline)\n");
}
