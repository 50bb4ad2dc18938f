//! The docs site's live examples (`docs/examples/`): each `ID.json` is a
//! scenario and `ID.expect.json` says what it must show. Both the site (in
//! the reader's browser) and this test read the same files, so an example
//! that stops illustrating its rule fails `cargo test`, not just the page.
//!
//! An expectation file:
//! - `rule`: the id the example illustrates (S1-S17, T1-T9, I1-I6, M1-M11);
//!   it must be cited by a checked outcome, by a trace event of the run, or
//!   by a violation (as its rule or its mistake).
//! - `checks`: `{action, hresult, outFlags?}` per action worth showing; the
//!   first one is the example's headline. `outFlags: null` means none written.
//! - `trace`: substrings the text trace must contain, in this order.
//! - `traceLacks`: substrings it must not contain.
//! - `violations`: exactly the violations at the end, as `"RULE"` or
//!   `"RULE MISTAKE"`, in the engine's order.
//! - `reading` (reading pairs): `{setting, values: [{value, checks, trace?,
//!   traceLacks?, violations}]}`; the scenario runs once per value with
//!   `settings[setting]` replaced.

use mapi_logoff::{Action, RuleId, Scenario, Simulation};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join("examples")
}

/// Every `*.expect.json`, sorted, with its id (the file stem).
fn expectation_files() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(examples_dir())
        .expect("docs/examples exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let id = name.strip_suffix(".expect.json")?.to_string();
            Some((id, p))
        })
        .collect();
    out.sort();
    out
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn str_list(v: Option<&Value>, what: &str) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            items.iter().map(|i| i.as_str().unwrap_or_else(|| panic!("{what}: every item must be a string")).to_string()).collect()
        }
        Some(_) => panic!("{what}: must be a list of strings"),
    }
}

/// What one run of a scenario showed, for checking and for failure messages.
struct Run {
    outcomes: Vec<Value>,
    trace_text: String,
    cited: BTreeSet<String>,
    violations: Vec<String>,
}

fn run(scenario_json: &Value) -> Result<Run, String> {
    let scenario = Scenario::from_json(&scenario_json.to_string()).map_err(|e| format!("the scenario does not load: {e}"))?;
    let actions: Vec<Action> = scenario.actions.clone();
    let mut sim = Simulation::new(&Scenario { actions: Vec::new(), ..scenario }).map_err(|e| e.to_string())?;
    let mut outcomes = Vec::new();
    let mut cited = BTreeSet::new();
    for (i, action) in actions.into_iter().enumerate() {
        let outcome = sim.apply(action).map_err(|e| format!("actions[{i}]: {e}"))?;
        cited.extend(outcome.rules.iter().map(|r| r.as_str().to_string()));
        outcomes.push(serde_json::to_value(&outcome).expect("an outcome serialises"));
    }
    for event in sim.trace() {
        cited.extend(event.rules.iter().map(|r| r.as_str().to_string()));
    }
    let mut violations = Vec::new();
    for v in sim.violations() {
        cited.insert(v.rule.as_str().to_string());
        match v.mistake {
            Some(m) => {
                cited.insert(m.as_str().to_string());
                violations.push(format!("{} {}", v.rule.as_str(), m.as_str()));
            }
            None => violations.push(v.rule.as_str().to_string()),
        }
    }
    Ok(Run { outcomes, trace_text: sim.trace_text(), cited, violations })
}

fn text_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.get("text")?.as_str()
}

/// Every difference between what `expect` asks of one run and what it showed.
fn compare(rule: &str, expect: &Value, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    let checks = expect.get("checks").and_then(Value::as_array).cloned().unwrap_or_default();
    if checks.is_empty() {
        problems.push("no checks: an example must say what its headline call answers".to_string());
    }
    for check in &checks {
        let Some(i) = check.get("action").and_then(Value::as_u64).map(|i| i as usize) else {
            problems.push(format!("check {check}: `action` must be an action index"));
            continue;
        };
        let Some(outcome) = run.outcomes.get(i) else {
            problems.push(format!("check of actions[{i}]: the scenario has {} actions", run.outcomes.len()));
            continue;
        };
        let want = check.get("hresult").and_then(Value::as_str).unwrap_or("(missing)");
        let got = text_at(outcome, "hresult").unwrap_or("(none)");
        if want != got {
            problems.push(format!("actions[{i}]: HRESULT {got}, expected {want} ({})", outcome["explanation"]));
        }
        if let Some(want_flags) = check.get("outFlags") {
            let got_flags = text_at(outcome, "outFlags");
            match (want_flags.as_str(), got_flags) {
                (None, None) => {}
                (Some(w), Some(g)) if w == g => {}
                (w, g) => problems.push(format!("actions[{i}]: out flags {g:?}, expected {w:?}")),
            }
        }
    }
    let mut from = 0;
    for needle in str_list(expect.get("trace"), "trace") {
        match run.trace_text[from..].find(&needle) {
            Some(at) => from += at + needle.len(),
            None => problems.push(format!("the trace lacks {needle:?} (after the earlier expected calls)")),
        }
    }
    for needle in str_list(expect.get("traceLacks"), "traceLacks") {
        if run.trace_text.contains(&needle) {
            problems.push(format!("the trace contains {needle:?}, which this rule excludes"));
        }
    }
    let want_violations = str_list(expect.get("violations"), "violations");
    if expect.get("violations").is_none() {
        problems.push("no `violations` list (use [] for a clean run)".to_string());
    } else if want_violations != run.violations {
        problems.push(format!("violations {:?}, expected {want_violations:?}", run.violations));
    }
    if !run.cited.contains(rule) {
        problems.push(format!("nothing in the run cites {rule} (cited: {:?})", run.cited));
    }
    problems
}

fn describe(run: &Run) -> String {
    let mut out = String::new();
    for (i, o) in run.outcomes.iter().enumerate() {
        out.push_str(&format!(
            "    actions[{i}] {} {} {} {}\n",
            o["action"]["type"],
            text_at(o, "hresult").unwrap_or("-"),
            text_at(o, "outFlags").unwrap_or("-"),
            o["rules"]
        ));
    }
    out.push_str(&format!("    violations {:?}\n", run.violations));
    for line in run.trace_text.lines() {
        out.push_str("    | ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Checks one example; returns its problems, each prefixed with its id.
fn check_example(id: &str, expect_path: &Path) -> Vec<String> {
    let expect = read_json(expect_path);
    let scenario_path = examples_dir().join(format!("{id}.json"));
    if !scenario_path.exists() {
        return vec![format!("{id}: no scenario {id}.json beside {id}.expect.json")];
    }
    let scenario = read_json(&scenario_path);
    let Some(rule) = expect.get("rule").and_then(Value::as_str) else {
        return vec![format!("{id}: no `rule`")];
    };
    if RuleId::ALL.iter().all(|r| r.as_str() != rule) {
        return vec![format!("{id}: `rule` {rule:?} is no rule id")];
    }
    let report = |label: String, expect: &Value, scenario: &Value| -> Option<String> {
        match run(scenario) {
            Ok(r) => {
                let p = compare(rule, expect, &r);
                (!p.is_empty()).then(|| format!("{label} ({rule}):\n  - {}\n  what it did:\n{}", p.join("\n  - "), describe(&r)))
            }
            Err(e) => Some(format!("{label}: {e}")),
        }
    };
    let mut problems = Vec::new();
    match expect.get("reading") {
        None => problems.extend(report(id.to_string(), &expect, &scenario)),
        Some(reading) => {
            let setting = reading["setting"].as_str().unwrap_or_else(|| panic!("{id}: reading.setting"));
            let values = reading["values"].as_array().unwrap_or_else(|| panic!("{id}: reading.values"));
            if values.len() < 2 {
                problems.push(format!("{id}: a reading pair needs at least two values"));
            }
            for v in values {
                let value = v["value"].as_str().unwrap_or_else(|| panic!("{id}: reading.values[].value"));
                let mut s = scenario.clone();
                s["settings"][setting] = Value::String(value.to_string());
                problems.extend(report(format!("{id} with {setting}={value}"), v, &s));
            }
        }
    }
    problems
}

#[test]
fn every_docs_example_shows_what_its_expectation_says() {
    let files = expectation_files();
    assert!(!files.is_empty(), "docs/examples has no *.expect.json");
    let problems: Vec<String> = files.iter().flat_map(|(id, p)| check_example(id, p)).collect();
    assert!(problems.is_empty(), "{} docs example problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_rule_invariant_and_mistake_has_an_example() {
    let covered: BTreeSet<String> = expectation_files()
        .iter()
        .filter(|(_, p)| read_json(p).get("reading").is_none())
        .filter_map(|(_, p)| read_json(p).get("rule").and_then(Value::as_str).map(str::to_string))
        .collect();
    let missing: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "no docs example for {missing:?}");
}

#[test]
fn every_reading_setting_has_a_side_by_side_example() {
    let settings: BTreeSet<String> =
        expectation_files().iter().filter_map(|(_, p)| read_json(p).get("reading")?.get("setting")?.as_str().map(str::to_string)).collect();
    for setting in ["abortReading", "storeLogoffTransports"] {
        assert!(settings.contains(setting), "no reading pair for {setting}");
    }
}

#[test]
fn scenario_files_all_have_an_expectation() {
    for entry in std::fs::read_dir(examples_dir()).expect("docs/examples exists") {
        let name = entry.expect("entry").file_name().to_string_lossy().to_string();
        if let Some(id) = name.strip_suffix(".json").filter(|n| !n.ends_with(".expect") && *n != "index") {
            assert!(examples_dir().join(format!("{id}.expect.json")).exists(), "docs/examples/{name} has no {id}.expect.json");
        }
    }
}
