//! The conformance corpus (tests/corpus/README.md): traces of real and
//! reconstructed providers' logoff paths, each with a sidecar that cites the
//! source of every line and states the verdict the pages require. A clean
//! trace must give no error and no warning; a faulty one exactly its
//! expected (code, mistake, party, severity, line) findings among the errors
//! and warnings. Infos are the checker's notes, not verdicts, and are ignored.

use mapi_logoff::check::{Diagnostic, Report, Severity, check_trace};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One finding as the sidecar states it and as the checker reports it.
type Finding = (String, Option<String>, Option<String>, String, u64);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

fn traces() -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    list.sort();
    list
}

fn sidecar(trace: &Path) -> PathBuf {
    let stem = trace.file_stem().and_then(|s| s.to_str()).expect("a file name");
    trace.with_file_name(format!("{stem}.expect.json"))
}

fn text(v: &Value, key: &str, whence: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("{whence}: `{key}` must be a string")).to_string()
}

fn expected_findings(expect: &Value, whence: &str) -> Option<Vec<Finding>> {
    if expect.get("clean") == Some(&Value::Bool(true)) {
        assert!(expect.get("diagnostics").is_none(), "{whence}: a clean trace lists no diagnostics");
        return None;
    }
    let list = expect.get("diagnostics").and_then(Value::as_array).unwrap_or_else(|| {
        panic!("{whence}: the sidecar says `\"clean\": true` or lists `diagnostics`");
    });
    assert!(!list.is_empty(), "{whence}: a faulty trace expects at least one diagnostic");
    let mut found: Vec<Finding> = list
        .iter()
        .map(|d| {
            let severity = text(d, "severity", whence);
            assert!(severity == "error" || severity == "warning", "{whence}: expected findings are errors or warnings");
            (
                text(d, "code", whence),
                d.get("mistake").and_then(Value::as_str).map(str::to_string),
                Some(text(d, "party", whence)),
                severity,
                d.get("line").and_then(Value::as_u64).unwrap_or_else(|| panic!("{whence}: `line` must be a line number")),
            )
        })
        .collect();
    found.sort();
    Some(found)
}

fn reported(report: &Report) -> Vec<Finding> {
    let mut found: Vec<Finding> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d: &Diagnostic| {
            (
                d.code.clone(),
                d.mistake.map(|m| m.as_str().to_string()),
                d.party.map(|p| p.as_str().to_string()),
                d.severity.as_str().to_string(),
                d.line,
            )
        })
        .collect();
    found.sort();
    found
}

/// Every line of the trace is cited: `sources` ranges ("3" or "3-7") that
/// cover 1..=lines, each naming a repository, a path and a function.
fn check_citations(expect: &Value, lines: u64, whence: &str) {
    let sources = expect.get("sources").and_then(Value::as_array).unwrap_or_else(|| panic!("{whence}: `sources` is missing"));
    let mut cited = BTreeSet::new();
    for s in sources {
        for key in ["repo", "path", "function"] {
            assert!(!text(s, key, whence).trim().is_empty(), "{whence}: a source's `{key}` is empty");
        }
        let range = text(s, "lines", whence);
        let (from, to) = match range.split_once('-') {
            Some((a, b)) => (a.parse::<u64>(), b.parse::<u64>()),
            None => (range.parse::<u64>(), range.parse::<u64>()),
        };
        let (from, to) = (from.expect("a line number"), to.expect("a line number"));
        assert!(from >= 1 && from <= to && to <= lines, "{whence}: source lines {range} are outside 1..={lines}");
        cited.extend(from..=to);
    }
    let missing: Vec<u64> = (1..=lines).filter(|l| !cited.contains(l)).collect();
    assert!(missing.is_empty(), "{whence}: lines {missing:?} cite no source");
    assert!(text(expect, "argument", whence).len() > 80, "{whence}: the verdict needs its argument from the pages");
    assert!(
        matches!(expect.get("reconstruction"), Some(Value::Bool(false)) | Some(Value::String(_))),
        "{whence}: `reconstruction` says false or what was reconstructed"
    );
}

fn covers(expect: &Value) -> BTreeSet<String> {
    expect.get("covers").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// Issue 11: for each reading and each input flag, a conforming trace that
/// checks clean. A clean trace says what it exercises in `covers`.
fn assert_each_flag_and_reading_has_a_clean_trace(clean: &[BTreeSet<String>]) {
    let has = |want: &[&str]| clean.iter().any(|c| want.iter().all(|w| c.contains(*w)));
    let mut wanted: Vec<Vec<&str>> = Vec::new();
    for flag in ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY", "LOGOFF_PURGE", "LOGOFF_ABORT", "LOGOFF_QUIET"] {
        wanted.push(vec![flag, "immediate"]);
        wanted.push(vec![flag, "atFinalRelease"]);
    }
    wanted.push(vec!["LOGOFF_ABORT", "stopThenRelease"]);
    wanted.push(vec!["LOGOFF_ABORT", "vetoWhileBusy"]);
    for flag in ["LOGOFF_NO_WAIT", "LOGOFF_ORDERLY"] {
        wanted.push(vec![flag, "answeredAtOnce"]);
        wanted.push(vec![flag, "answeredAfterWork"]);
    }
    let missing: Vec<_> = wanted.iter().filter(|w| !has(w)).collect();
    assert!(missing.is_empty(), "no clean trace covers {missing:?}");
}

#[test]
fn every_corpus_trace_checks_as_its_sidecar_argues() {
    let traces = traces();
    assert!(!traces.is_empty(), "the corpus is empty");
    let (mut clean, mut caught, mut failures) = (0, 0, Vec::new());
    let mut mistakes_caught = BTreeSet::new();
    let mut clean_covers: Vec<BTreeSet<String>> = Vec::new();
    for trace in &traces {
        let whence = trace.file_name().and_then(|n| n.to_str()).expect("a file name").to_string();
        let side = sidecar(trace);
        let expect: Value =
            serde_json::from_str(&fs::read_to_string(&side).unwrap_or_else(|_| panic!("{whence} has no sidecar {}", side.display())))
                .unwrap_or_else(|e| panic!("{}: {e}", side.display()));
        let body = fs::read_to_string(trace).expect("a readable trace");
        check_citations(&expect, body.lines().count() as u64, &whence);
        let report = check_trace(&body);
        let got = reported(&report);
        match expected_findings(&expect, &whence) {
            None => {
                if report.errors + report.warnings == 0 {
                    clean += 1;
                    clean_covers.push(covers(&expect));
                } else {
                    failures.push(format!("{whence}: expected clean, got {got:?}"));
                }
            }
            Some(want) => {
                if got == want {
                    caught += 1;
                    mistakes_caught.extend(want.iter().filter_map(|f| f.1.clone()));
                } else {
                    failures.push(format!("{whence}:\n  expected {want:?}\n  got      {got:?}"));
                }
            }
        }
    }
    println!("corpus: {} traces, {clean} clean, {caught} caught", traces.len());
    assert!(failures.is_empty(), "{} of {} traces disagree:\n{}", failures.len(), traces.len(), failures.join("\n"));
    let every: BTreeSet<String> = (1..=11).map(|m| format!("M{m}")).collect();
    assert_eq!(mistakes_caught, every, "the corpus catches each mistake M1-M11 at least once");
    assert_eq!(clean + caught, traces.len());
    assert_each_flag_and_reading_has_a_clean_trace(&clean_covers);
    // The README states the figures; they must stay true.
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
    let figures = format!("{} traces, {clean} clean", traces.len());
    assert!(readme.contains(&figures), "README.md must state the corpus figures \"{figures}\" and \"{caught} caught\"");
    assert!(readme.contains(&format!("{caught} caught")), "README.md must state \"{caught} caught\"");
}

#[test]
fn every_sidecar_has_its_trace() {
    for entry in fs::read_dir(corpus_dir()).expect("tests/corpus exists") {
        let path = entry.expect("a readable entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if let Some(stem) = name.strip_suffix(".expect.json") {
            assert!(path.with_file_name(format!("{stem}.jsonl")).exists(), "{name} has no trace {stem}.jsonl");
        } else {
            assert!(name.ends_with(".jsonl") || name == "README.md", "unexpected file in tests/corpus: {name}");
        }
    }
}
