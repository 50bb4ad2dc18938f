//! The logging kit (src/c/mapi_logoff_trace.h) as a provider author uses
//! it: tests/kit/provider.c, a store and a transport provider logging off
//! against stand-in MAPI declarations, is compiled with the system C
//! compiler (`$CC`, else `cc`) as C99 and, when a C++ compiler is there
//! (`$CXX`, else `c++`), as C++11, warnings as errors. Its logs go through
//! the checker: a conforming logoff checks clean, each injected mistake
//! gives exactly its own diagnostic with the right party, and names that
//! need escaping come out as valid JSON. Without a C compiler the test
//! fails: it is part of what `cargo test` proves.

use mapi_logoff::RuleId;
use mapi_logoff::check::{Party, Report, Severity, check_trace};
use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Warnings a header shipped to other people's builds must not raise.
const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wshadow", "-Wconversion", "-Wsign-conversion", "-Wcast-qual"];

/// A directory under the system's temp dir, removed when dropped (also
/// when the test fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mapi-logoff-kit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The compiler named by `chosen` (the CC or CXX variable), else `default`,
/// if it runs.
fn find_compiler(chosen: Option<OsString>, default: &str, variable: &str) -> Result<OsString, String> {
    let program = chosen.filter(|p| !p.is_empty()).unwrap_or_else(|| default.into());
    match Command::new(&program).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(program),
        Ok(out) => Err(format!("the compiler {program:?} exited with {} on --version; set {variable} to a working compiler", out.status)),
        Err(e) => Err(format!(
            "no C compiler: {program:?} cannot be run ({e}); the logging kit's test compiles tests/kit/provider.c, so install gcc (or clang) or set {variable}"
        )),
    }
}

#[derive(Clone, Copy, Debug)]
enum Language {
    C,
    Cpp,
}

/// Compiles tests/kit/provider.c into `dir`.
fn compile(compiler: &OsStr, language: Language, dir: &Path, defines: &[&str]) -> PathBuf {
    let exe = dir.join(format!("provider-{language:?}{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = Command::new(compiler);
    match language {
        Language::C => cmd.arg("-std=c99"),
        Language::Cpp => cmd.args(["-x", "c++", "-std=c++11"]),
    };
    cmd.args(WARNINGS)
        .args(defines)
        .arg("-I")
        .arg(Path::new(ROOT).join("src/c"))
        .arg("-I")
        .arg(Path::new(ROOT).join("tests/kit"))
        .arg(Path::new(ROOT).join("tests/kit/provider.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-pthread");
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "compiling tests/kit/provider.c as {language:?} failed ({cmd:?}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs the program in `mode` and returns the log it wrote.
fn run(exe: &Path, mode: &str, dir: &Path) -> String {
    let log = dir.join(format!("{mode}.jsonl"));
    let out = Command::new(exe).arg(mode).arg(&log).output().unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(out.status.success(), "{} {mode} exited with {}:\n{}", exe.display(), out.status, String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("reading {}: {e}", log.display()))
}

fn lines(trace: &str) -> Vec<Value> {
    trace
        .lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {} is not JSON ({e}): {l}", i + 1)))
        .collect()
}

/// The method of the call a line (1-based) belongs to: its own, or for a
/// return line that of the entry line it returns.
fn method_at(trace: &[Value], line: u64) -> String {
    let at = &trace[usize::try_from(line).expect("small") - 1];
    let entry = match at.get("return") {
        None => at,
        Some(id) => trace
            .iter()
            .find(|l| l.get("call") == Some(id) && l.get("thread") == at.get("thread"))
            .unwrap_or_else(|| panic!("no entry line for {at}")),
    };
    entry["method"].as_str().unwrap_or_default().to_string()
}

fn show(report: &Report) -> String {
    report.diagnostics.iter().map(|d| format!("\n  line {}: {:?} {} {:?}: {}", d.line, d.severity, d.code, d.mistake, d.message)).collect()
}

/// A conforming logoff: nothing to report, and the log shows what the
/// kit is for (two threads, entry and return lines, hex pointer ids).
fn assert_conforming(trace: &str, language: Language) {
    let report = check_trace(trace);
    assert!(report.diagnostics.is_empty(), "{language:?}: the conforming provider was reported:{}", show(&report));
    // 20 calls (14 of the transport, 6 of the store), 7 of them with a
    // return line, and the header.
    assert_eq!((report.calls, report.lines), (20, 28), "{language:?}:\n{trace}");
    let parsed = lines(trace);
    let threads: BTreeSet<String> = parsed.iter().filter_map(|l| l.get("thread")).map(Value::to_string).collect();
    assert_eq!(threads.len(), 2, "{language:?}: the store and the transport log from two threads");
    // pthread_self() values are addresses below 2^48, so numbers, which
    // the kit writes while they stay below 2^53.
    assert!(parsed.iter().filter_map(|l| l.get("thread")).all(Value::is_u64), "{language:?}: threads are numbers");
    assert_eq!(parsed.iter().filter(|l| l.get("call").is_some()).count(), 7);
    assert_eq!(parsed.iter().filter(|l| l.get("return").is_some()).count(), 7);
    for line in &parsed[1..] {
        let id = line.get("object").and_then(|o| o.get("id")).and_then(Value::as_str);
        if let Some(id) = id {
            assert!(id.starts_with("0x") && u64::from_str_radix(&id[2..], 16).is_ok(), "{language:?}: id {id} is not a hex pointer");
        }
    }
}

/// (mode, rule, mistake, party, the method of the line it is reported at)
const MISTAKES: &[(&str, &str, RuleId, Party, &str)] = &[
    ("m1", "S14", RuleId::M1, Party::StoreProvider, "IMAPISupport::Release"),
    ("m2", "S10", RuleId::M2, Party::StoreProvider, "IMAPISupport::StoreLogoffTransports"),
    ("m6", "T6", RuleId::M6, Party::TransportProvider, "MAPIFreeBuffer"),
    ("m7", "T5", RuleId::M7, Party::TransportProvider, "IXPLogon::TransportLogoff"),
    ("m8", "T5", RuleId::M8, Party::TransportProvider, "MAPIFreeBuffer"),
];

fn assert_mistake(trace: &str, language: Language, (mode, rule, mistake, party, method): (&str, &str, RuleId, Party, &str)) {
    let report = check_trace(trace);
    let [d] = report.diagnostics.as_slice() else {
        panic!("{language:?} {mode}: expected exactly {rule}/{} and got:{}", mistake.as_str(), show(&report));
    };
    assert_eq!(
        (d.code.as_str(), d.mistake, d.party, d.severity),
        (rule, Some(mistake), Some(party), Severity::Error),
        "{language:?} {mode}: {}",
        d.message
    );
    assert_eq!(method_at(&lines(trace), d.line), method, "{language:?} {mode}: reported at line {}", d.line);
}

/// Names with quotes, control characters, UTF-8 and a byte that is not
/// UTF-8 come out as JSON strings; the kit's refusals write nothing (the
/// program itself checks the codes they return).
fn assert_names(trace: &str, language: Language) {
    let parsed = lines(trace);
    assert_eq!(parsed.len(), 5, "{language:?}: the header and four lines; the refused ones are not written:\n{trace}");
    assert_eq!(parsed[1]["declare"]["id"], "q\"b\\s\nt\tc\u{1} \u{e9}\u{20ac}\u{1f600} \u{fffd}!");
    assert_eq!(parsed[2]["object"]["id"].as_str().map(str::len), Some(256));
    assert_eq!(parsed[3]["object"]["id"], format!("{:#x}", usize::MAX), "the widest pointer keeps every digit");
    assert_eq!(
        (&parsed[3]["flags"], &parsed[3]["hresult"], &parsed[3]["outFlags"]),
        (&Value::from("0x00000010"), &Value::from("0x80040102"), &Value::from("0x80000000"))
    );
    assert_eq!(parsed[4]["block"], Value::Null);
    assert_eq!(parsed[4]["caller"]["id"], "s\"1");
    let report = check_trace(trace);
    assert!(report.diagnostics.iter().all(|d| d.code != "malformedLine"), "{language:?}:{}", show(&report));
}

#[test]
fn the_kit_logs_a_conforming_logoff_clean_and_each_injected_mistake_alone() {
    let cc = find_compiler(std::env::var_os("CC"), "cc", "CC").unwrap_or_else(|e| panic!("{e}"));
    let mut builds = vec![(Language::C, cc)];
    // C++ is checked where a C++ compiler is installed; the C build, which
    // the header's users on every compiler share, always is.
    match find_compiler(std::env::var_os("CXX"), "c++", "CXX") {
        Ok(cxx) => builds.push((Language::Cpp, cxx)),
        Err(e) => eprintln!("the header was not compiled as C++: {e}"),
    }
    let scratch = Scratch::new("logoff");
    for (language, compiler) in builds {
        let exe = compile(&compiler, language, &scratch.0, &[]);
        assert_conforming(&run(&exe, "conforming", &scratch.0), language);
        for &case in MISTAKES {
            assert_mistake(&run(&exe, case.0, &scratch.0), language, case);
        }
        assert_names(&run(&exe, "names", &scratch.0), language);
    }
}

#[test]
fn with_mlt_disabled_the_same_provider_compiles_and_writes_nothing() {
    let cc = find_compiler(std::env::var_os("CC"), "cc", "CC").unwrap_or_else(|e| panic!("{e}"));
    let scratch = Scratch::new("disabled");
    let exe = compile(&cc, Language::C, &scratch.0, &["-DMLT_DISABLED"]);
    assert_eq!(run(&exe, "conforming", &scratch.0), "");
}

#[test]
fn with_the_providers_own_lock_the_log_checks_the_same() {
    let cc = find_compiler(std::env::var_os("CC"), "cc", "CC").unwrap_or_else(|e| panic!("{e}"));
    let scratch = Scratch::new("locked");
    let exe = compile(&cc, Language::C, &scratch.0, &["-DPROVIDER_LOCKED"]);
    assert_conforming(&run(&exe, "conforming", &scratch.0), Language::C);
    let leak = *MISTAKES.iter().find(|m| m.0 == "m7").expect("m7 is listed");
    assert_mistake(&run(&exe, "m7", &scratch.0), Language::C, leak);
}

#[test]
fn a_missing_compiler_is_a_failure_that_says_what_to_install() {
    let err = find_compiler(Some("mapi-logoff-no-such-cc".into()), "cc", "CC").expect_err("a compiler that does not exist");
    assert!(err.contains("no C compiler") && err.contains("install gcc") && err.contains("set CC"), "{err}");
}
