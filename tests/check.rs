//! The trace checker against the engine, both ways, and against
//! hand-written logs of each provider mistake.
//!
//! Cross-validation: the checker only reads calls; the engine keeps
//! invariants over its state. For every run, the checker must find an error
//! exactly when the engine finds a violation, and name the same provider
//! mistakes.

use mapi_logoff::check::{Checker, Diagnostic, Party, Severity, check_trace};
use mapi_logoff::{Action, RuleId, Scenario, Simulation, StoreFault, TransportFault};
use proptest::prelude::*;
use std::collections::BTreeSet;

use RuleId::*;

/// What the checker reports as a problem: errors and warnings ("must"
/// and "should" of the pages); infos are the model's own choices.
fn errors(report: &mapi_logoff::check::Report) -> Vec<&Diagnostic> {
    report.diagnostics.iter().filter(|d| d.severity != Severity::Info).collect()
}

fn engine_mistakes(sim: &Simulation) -> BTreeSet<Option<RuleId>> {
    sim.violations().iter().map(|v| v.mistake).collect()
}

fn checker_mistakes(report: &mapi_logoff::check::Report) -> BTreeSet<Option<RuleId>> {
    errors(report).iter().map(|d| d.mistake).collect()
}

/// Checker and engine agree on this run: errors exactly when violations,
/// and the same mistake ids (a violation without a mistake id matches any
/// error without one).
fn assert_agree(sim: &Simulation, what: &str) {
    let report = check_trace(&sim.trace_jsonl());
    let violations = sim.violations();
    assert_eq!(
        mapi_logoff::invariants_hold(sim.topology(), sim.state()),
        violations.is_empty(),
        "{what}: the explorer's fast invariant check disagrees with check_invariants: {violations:#?}"
    );
    let found = errors(&report);
    assert_eq!(violations.is_empty(), found.is_empty(), "{what}: engine {violations:#?}\nchecker {found:#?}\ntrace:\n{}", sim.trace_text());
    let engine: BTreeSet<_> = engine_mistakes(sim).into_iter().flatten().collect();
    let checker: BTreeSet<_> = checker_mistakes(&report).into_iter().flatten().collect();
    assert_eq!(engine, checker, "{what}: mistakes differ\nengine {violations:#?}\nchecker {found:#?}\ntrace:\n{}", sim.trace_text());
    assert!(report.diagnostics.iter().all(|d| d.code != "malformedLine" && d.code != "notUnderstood"), "{what}: {:#?}", report.diagnostics);
}

fn golden() -> Vec<(String, Scenario)> {
    let mut files: Vec<_> = std::fs::read_dir("tests/scenarios")
        .expect("tests/scenarios exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".trace.json"))
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.display().to_string(), Scenario::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap())).collect()
}

#[test]
fn every_golden_scenario_checks_as_the_engine_judges_it() {
    let all = golden();
    assert!(all.len() >= 20, "the golden scenarios are there");
    for (name, scenario) in all {
        assert_agree(&Simulation::new(&scenario).unwrap(), &name);
    }
}

#[test]
fn each_fault_gives_exactly_its_mistake_and_nothing_without_it() {
    let mut seen_store = BTreeSet::new();
    let mut seen_transport = BTreeSet::new();
    for (name, scenario) in golden() {
        let store_faults: Vec<StoreFault> = scenario.stores.iter().flat_map(|s| s.faults.iter()).collect();
        let transport_faults: Vec<TransportFault> = scenario.transports.iter().flat_map(|t| t.faults.iter()).collect();
        // A caller that passes reserved TransportLogoff flags makes M11 itself,
        // whatever the provider does (T1): the scenario's, not the fault's.
        let caller_m11 = scenario.actions.iter().any(|a| matches!(a, mapi_logoff::Action::LogoffSession { flags, .. } if *flags != 0));
        let mut expected: BTreeSet<RuleId> =
            store_faults.iter().map(|f| f.mistake()).chain(transport_faults.iter().map(|f| f.mistake())).collect();
        if expected.is_empty() {
            continue;
        }
        if caller_m11 {
            expected.insert(RuleId::M11);
        }
        let report = check_trace(&Simulation::new(&scenario).unwrap().trace_jsonl());
        let found: BTreeSet<RuleId> = errors(&report).iter().filter_map(|d| d.mistake).collect();
        assert_eq!(found, expected, "{name}: {:#?}", report.diagnostics);
        assert!(errors(&report).iter().all(|d| d.mistake.is_some()), "{name}: every error is the fault's: {:#?}", report.diagnostics);
        seen_store.extend(store_faults.iter().copied());
        seen_transport.extend(transport_faults);

        let mut clean = scenario.clone();
        clean.stores.iter_mut().for_each(|s| s.faults = Default::default());
        clean.transports.iter_mut().for_each(|t| t.faults = Default::default());
        let sim = Simulation::new(&clean).unwrap();
        let report = check_trace(&sim.trace_jsonl());
        // The accept-calls scenario has the client call after COMPLETE,
        // which is M5 by the client whatever the store does; everywhere else
        // the run without the fault is clean.
        let client_misuse = store_faults.contains(&StoreFault::AcceptCallsAfterComplete);
        let fault_rules: BTreeSet<RuleId> = store_faults.iter().map(|f| f.rule()).collect();
        let others: Vec<_> = errors(&report)
            .into_iter()
            .filter(|d| !client_misuse || d.rule.is_some_and(|r| fault_rules.contains(&r)))
            .filter(|d| !(caller_m11 && d.mistake == Some(RuleId::M11)))
            .collect();
        assert!(others.is_empty(), "{name} without its fault: {others:#?}");
        assert_agree(&sim, &format!("{name} without its fault"));
    }
    assert_eq!(seen_store.len(), StoreFault::ALL.len(), "a golden scenario per store fault");
    assert_eq!(seen_transport.len(), TransportFault::ALL.len(), "a golden scenario per transport fault");
}

// ------------------------------------------------ random runs, both ways

const TYPES: [&str; 2] = ["SMTP", "FAX"];

fn random_scenario() -> impl Strategy<Value = (Scenario, Vec<u16>)> {
    let store = (0usize..3, any::<bool>(), 1u16..=2, prop::collection::vec(any::<bool>(), StoreFault::ALL.len()), 0u8..10);
    let session = (any::<bool>(), 0u8..=2, 0u8..=1, 0usize..2);
    let transport = (prop::collection::vec(session, 1..=2), prop::collection::vec(any::<bool>(), TransportFault::ALL.len()));
    (
        prop::collection::vec(store, 1..=2),
        prop::collection::vec(transport, 1..=2),
        any::<bool>(),
        any::<bool>(),
        0.0f64..0.5,
        prop::collection::vec(any::<u16>(), 0..40),
    )
        .prop_map(|(stores, transports, literal, immediate, fault_rate, picks)| {
            let faulty = |bits: &[bool], i: usize| bits[i] && (i as f64 / 10.0) < fault_rate * 3.0;
            let stores: Vec<serde_json::Value> = stores
                .iter()
                .enumerate()
                .map(|(i, (queued, shared, refs, faults, support))| {
                    let faults: Vec<&str> =
                        StoreFault::ALL.iter().enumerate().filter(|(k, _)| faulty(faults, *k)).map(|(_, f)| f.as_str()).collect();
                    serde_json::json!({
                        "name": format!("Store{i}"),
                        "defaultInbox": i == 0,
                        "sharedWithOtherProcess": *shared && i == 1,
                        "references": refs,
                        "supportKind": if *support == 0 { "transport" } else { "messageStore" },
                        "outboundQueue": (0..*queued).map(|q| serde_json::json!({ "addressType": TYPES[q % 2], "steps": 1 + q % 2 })).collect::<Vec<_>>(),
                        "faults": faults,
                    })
                })
                .collect();
            let mut n = 0;
            let transports: Vec<serde_json::Value> = transports
                .iter()
                .enumerate()
                .map(|(t, (sessions, faults))| {
                    let faults: Vec<&str> =
                        TransportFault::ALL.iter().enumerate().filter(|(k, _)| faulty(faults, *k)).map(|(_, f)| f.as_str()).collect();
                    let sessions: Vec<serde_json::Value> = sessions
                        .iter()
                        .map(|(inbound, blocks, children, ty)| {
                            n += 1;
                            serde_json::json!({
                                "name": format!("s{n}"),
                                "addressTypes": [TYPES[*ty]],
                                "memoryBlocks": blocks,
                                "childBlocks": if *blocks > 0 { *children } else { 0 },
                                "inbound": if *inbound { vec![serde_json::json!({ "steps": 1 })] } else { vec![] },
                            })
                        })
                        .collect();
                    serde_json::json!({ "name": format!("T{t}"), "sessions": sessions, "faults": faults })
                })
                .collect();
            let doc = serde_json::json!({
                "version": 1,
                "settings": {
                    "abortReading": if literal { "vetoWhileBusy" } else { "stopThenRelease" },
                    "storeLogoffTransports": if immediate { "immediate" } else { "atFinalRelease" },
                    "newMessageLimit": 12,
                },
                "stores": stores,
                "transports": transports,
            });
            (Scenario::from_json(&doc.to_string()).expect("generated scenarios are valid"), picks)
        })
}

/// Drives a simulation with the picks: mostly enabled actions, sometimes a
/// client or spooler misuse (calls after COMPLETE, over-release, releasing a
/// session without logoff, undefined TransportLogoff flags, allocations and
/// frees).
fn drive(scenario: &Scenario, picks: &[u16]) -> Simulation {
    let mut sim = Simulation::new(scenario).unwrap();
    let stores = scenario.stores.len() as u16;
    let sessions = scenario.transports.iter().map(|t| t.sessions.len()).sum::<usize>() as u16;
    for &p in picks {
        let action = match p % 10 {
            0 => Action::StoreLogoff { store: p / 10 % stores, flags: [1, 2, 4, 8, 16][usize::from(p / 100 % 5)] },
            1 => Action::Release { store: p / 10 % stores },
            2 => Action::ReleaseSession { session: p / 10 % sessions },
            3 => Action::LogoffSession { session: p / 10 % sessions, flags: [0, 1, 0x8000_0000, 4][usize::from(p / 100 % 4)] },
            4 => Action::Allocate { session: p / 10 % sessions, parent: None },
            5 => Action::Free { session: p / 10 % sessions, block: Some(p / 10 % 8) },
            _ => {
                let enabled = sim.enabled_actions();
                if enabled.is_empty() {
                    continue;
                }
                enabled[usize::from(p) % enabled.len()]
            }
        };
        sim.apply(action).expect("indexes are in range");
    }
    sim
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_runs_check_as_the_engine_judges_them((scenario, picks) in random_scenario()) {
        let sim = drive(&scenario, &picks);
        assert_agree(&sim, &sim.to_scenario().to_json());
    }
}

// ------------------------------------------ hand-written logs of mistakes

/// The error diagnostics of a hand-written log: (code, mistake, line).
fn check(lines: &[&str]) -> Vec<(String, Option<RuleId>, u64)> {
    let report = check_trace(&lines.join("\n"));
    errors(&report).iter().map(|d| (d.code.clone(), d.mistake, d.line)).collect()
}

fn err(code: &str, mistake: Option<RuleId>, line: u64) -> (String, Option<RuleId>, u64) {
    (code.to_string(), mistake, line)
}

const HEADER: &str = r#"{"format":"mapi-logoff-trace","version":1}"#;
const STORE_LOGOFF_ORDERLY: &str = r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE"}"#;
const FINAL_RELEASE: &str =
    r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::Release","hresult":0,"refCount":0}"#;
const SLT_ORDERLY: &str = r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::StoreLogoffTransports","flags":"0x2","hresult":"S_OK","outFlags":"0x00010000","depth":1}"#;
const STORE_SUPPORT_RELEASE: &str = r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::Release","hresult":"S_OK","depth":1}"#;

#[test]
fn a_well_behaved_store_shutdown_gives_no_diagnostic() {
    assert_eq!(check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, SLT_ORDERLY, STORE_SUPPORT_RELEASE]), []);
}

#[test]
fn m1_support_released_without_store_logoff_transports() {
    assert_eq!(check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, STORE_SUPPORT_RELEASE]), [err("S14", Some(M1), 4)]);
}

#[test]
fn m2_store_logoff_transports_twice() {
    assert_eq!(
        check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, SLT_ORDERLY, SLT_ORDERLY, STORE_SUPPORT_RELEASE]),
        [err("S10", Some(M2), 5)]
    );
}

#[test]
fn m3_output_bits_passed_back_as_input() {
    let reused = SLT_ORDERLY
        .replace(r#""flags":"0x2""#, r#""flags":"LOGOFF_ORDERLY | LOGOFF_COMPLETE""#)
        .replace(r#""hresult":"S_OK","outFlags":"0x00010000""#, r#""hresult":"MAPI_E_INVALID_PARAMETER""#);
    assert_eq!(check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, &reused, STORE_SUPPORT_RELEASE]), [err("S1", Some(M3), 4)]);
    // Several flags given to StoreLogoff: the client's mistake, and the
    // store's for accepting them.
    let several = r#"{"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":6,"hresult":"S_OK"}"#;
    assert_eq!(check(&[several]), [err("S1", Some(M3), 1), err("S1", Some(M3), 1)], "a store that accepts several input flags");
    let report = check_trace(several);
    let parties: Vec<_> = report.diagnostics.iter().map(|d| d.party).collect();
    assert_eq!(parties, [Some(Party::Client), Some(Party::StoreProvider)]);
}

#[test]
fn m4_no_support_treated_as_fatal() {
    let no_support = SLT_ORDERLY.replace(r#""hresult":"S_OK","outFlags":"0x00010000""#, r#""hresult":"MAPI_E_NO_SUPPORT""#);
    assert_eq!(check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, &no_support]), [err("S11", Some(M4), 3)]);
    assert_eq!(check(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, &no_support, STORE_SUPPORT_RELEASE]), [], "treated as normal");
}

#[test]
fn m5_calls_after_complete() {
    let submit = |hr: &str| {
        format!(
            r#"{{"caller":{{"kind":"client"}},"object":{{"kind":"store","id":"PST"}},"method":"IMessage::SubmitMessage","hresult":"{hr}"}}"#
        )
    };
    // The client's call is its mistake; a store that accepts it is at fault too.
    assert_eq!(check(&[STORE_LOGOFF_ORDERLY, &submit("S_OK")]), [err("I3", Some(M5), 2), err("S9", Some(M5), 2)], "the store accepted it");
    assert_eq!(check(&[STORE_LOGOFF_ORDERLY, &submit("MAPI_E_INVALID_OBJECT")]), [err("I3", Some(M5), 2)], "the client made it");
    // "Should": warnings, not errors.
    let report = check_trace(&[STORE_LOGOFF_ORDERLY, &submit("MAPI_E_INVALID_OBJECT")].join("\n"));
    assert_eq!((report.errors, report.warnings), (0, 1));
}

const SESSION: &str = r#"{"kind":"session","id":"smtp","provider":"Internet"}"#;

fn session_line(method: &str, extra: &str) -> String {
    format!(r#"{{"caller":{{"kind":"spooler"}},"object":{SESSION},"method":"{method}","hresult":"S_OK"{extra}}}"#)
}

fn by_session(object: &str, method: &str, extra: &str) -> String {
    format!(r#"{{"caller":{SESSION},"object":{object},"method":"{method}","hresult":"S_OK"{extra}}}"#)
}

fn well_behaved_logoff() -> Vec<String> {
    vec![
        by_session(r#"{"kind":"block","id":"0"}"#, "MAPIAllocateBuffer", r#","block":0,"purpose":"addressTypes""#),
        by_session(r#"{"kind":"block","id":"1"}"#, "MAPIAllocateBuffer", r#","block":1"#),
        by_session(r#"{"kind":"block","id":"2"}"#, "MAPIAllocateMore", r#","block":2,"parent":1"#),
        session_line("IXPLogon::TransportNotify", r#","flags":"NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND""#),
        session_line("IXPLogon::TransportLogoff", r#","flags":0"#),
        // T6: MakeInvalid first, then the memory, the support object last.
        by_session(r#"{"kind":"sessionSupport","id":"smtp"}"#, "IMAPISupport::MakeInvalid", r#","depth":1"#),
        by_session(r#"{"kind":"block","id":"0"}"#, "MAPIFreeBuffer", r#","block":0,"depth":1"#),
        by_session(r#"{"kind":"block","id":"1"}"#, "MAPIFreeBuffer", r#","block":1,"depth":1"#),
        by_session(r#"{"kind":"sessionSupport","id":"smtp"}"#, "IMAPISupport::Release", r#","depth":1"#),
        session_line("IXPLogon::Release", ""),
    ]
}

fn check_owned(lines: &[String]) -> Vec<(String, Option<RuleId>, u64)> {
    check(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_well_behaved_transport_logoff_gives_no_diagnostic() {
    assert_eq!(check_owned(&well_behaved_logoff()), []);
}

#[test]
fn m6_support_released_before_cleanup() {
    let mut lines = well_behaved_logoff();
    let release = lines.remove(8);
    lines.insert(5, release);
    // MakeInvalid reaches the released support object, then memory is freed.
    assert_eq!(check_owned(&lines), [err("I3", Some(M6), 7), err("T6", Some(M6), 8)]);
}

#[test]
fn m7_memory_not_freed_or_child_freed() {
    let mut lines = well_behaved_logoff();
    lines.remove(7);
    assert_eq!(check_owned(&lines), [err("T5", Some(M7), 5)], "block 1 leaks: TransportLogoff did not free it");
    let mut lines = well_behaved_logoff();
    lines.insert(6, by_session(r#"{"kind":"block","id":"2"}"#, "MAPIFreeBuffer", r#","block":2"#));
    assert_eq!(check_owned(&lines), [err("T9", Some(M7), 7)], "a child freed");
}

#[test]
fn m8_address_types_freed_before_transport_logoff() {
    let mut lines = well_behaved_logoff();
    let free = lines.remove(6);
    lines.insert(3, free);
    assert_eq!(check_owned(&lines), [err("T5", Some(M8), 4)]);
}

#[test]
fn m9_failing_transport_logoff_assumed_to_keep_the_session() {
    let mut lines = well_behaved_logoff();
    lines[4] = session_line("IXPLogon::TransportLogoff", r#","flags":0"#).replace("S_OK", "MAPI_E_CALL_FAILED");
    lines.drain(5..9);
    assert_eq!(check_owned(&lines), [err("T5", Some(M9), 5), err("I2", Some(M9), 6)]);
}

#[test]
fn m10_release_without_logoff_does_no_cleanup() {
    let mut lines = well_behaved_logoff();
    lines.drain(3..9);
    assert_eq!(check_owned(&lines), [err("I2", Some(M10), 4), err("I2", Some(M10), 4)]);
    let mut lines = well_behaved_logoff();
    lines.truncate(3);
    lines.push(r#"{"caller":{"kind":"spooler"},"object":{"kind":"transport","id":"Internet"},"method":"IXPProvider::Shutdown","flags":"DEINIT_NORMAL","hresult":"S_OK"}"#.into());
    assert_eq!(check_owned(&lines), [err("I6", Some(M10), 4)], "shut down with the session open");
}

#[test]
fn m11_transport_logoff_flags() {
    let mut lines = well_behaved_logoff();
    lines[4] = session_line("IXPLogon::TransportLogoff", r#","flags":"0x4""#).replace("S_OK", "MAPI_E_UNKNOWN_FLAGS");
    assert!(check_owned(&lines).contains(&err("T1", Some(M11), 5)), "undefined flags");
    let mut lines = well_behaved_logoff();
    lines[4] = session_line("IXPLogon::TransportLogoff", r#","flags":"LOGOFF_HURRY""#).replace("S_OK", "MAPI_E_UNKNOWN_FLAGS");
    assert!(check_owned(&lines).contains(&err("T1", Some(M11), 5)), "the spooler passing LOGOFF_HURRY");
    // Refusing it is the provider's right: nothing else is reported.
    assert_eq!(check_owned(&lines), [err("T1", Some(M11), 5)]);
}

#[test]
fn i4_over_release_of_a_store() {
    let again = FINAL_RELEASE.replace(r#","refCount":0"#, "");
    assert_eq!(check(&[STORE_LOGOFF_ORDERLY, FINAL_RELEASE, SLT_ORDERLY, STORE_SUPPORT_RELEASE, &again]), [err("I4", None, 5)]);
}

#[test]
fn s16_store_released_to_zero_keeps_its_support_object() {
    assert_eq!(check(&[STORE_LOGOFF_ORDERLY, FINAL_RELEASE, SLT_ORDERLY]), [err("S16", None, 2)]);
}

// ------------------------------------------------------- real-log robustness

#[test]
fn unknown_methods_are_reported_once_and_skipped() {
    let poll = r#"{"caller":{"kind":"spooler"},"object":{"kind":"session","id":"smtp"},"method":"IXPLogon::Frobnicate","hresult":"S_OK"}"#;
    let report = check_trace(&[poll, poll, poll].join("\n"));
    let infos: Vec<_> = report.diagnostics.iter().filter(|d| d.code == "notUnderstood").collect();
    assert_eq!(infos.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!((infos[0].severity, infos[0].line), (Severity::Info, 1));
    assert_eq!(report.errors, 0);
}

#[test]
fn malformed_lines_are_errors_with_their_number_and_checking_goes_on() {
    let text = [
        HEADER,
        "not json",
        STORE_LOGOFF_ORDERLY,
        r#"{"method":"IMsgStore::Release"}"#,
        r#"{"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_SOON"}"#,
        FINAL_RELEASE,
        STORE_SUPPORT_RELEASE,
    ]
    .join("\n");
    let report = check_trace(&text);
    let malformed: Vec<(u64, &str)> =
        report.diagnostics.iter().filter(|d| d.code == "malformedLine").map(|d| (d.line, d.message.as_str())).collect();
    assert_eq!(malformed.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 4, 5], "{malformed:#?}");
    assert!(malformed[1].1.contains("object: missing field `object`"), "{}", malformed[1].1);
    assert!(malformed[2].1.contains("flags") && malformed[2].1.contains("LOGOFF_SOON"), "{}", malformed[2].1);
    assert!(
        report.diagnostics.iter().any(|d| d.code == "S14" && d.line == 7),
        "checking went on after the bad lines: {:#?}",
        report.diagnostics
    );
}

#[test]
fn another_trace_version_is_refused() {
    let report = check_trace(r#"{"format":"mapi-logoff-trace","version":3}"#);
    assert_eq!(report.errors, 1);
    assert!(report.diagnostics[0].message.contains("version 3 is not supported"), "{}", report.diagnostics[0].message);
    for version in [1, 2] {
        assert_eq!(check_trace(&format!(r#"{{"format":"mapi-logoff-trace","version":{version}}}"#)).diagnostics, []);
    }
}

#[test]
fn flags_and_hresults_read_as_numbers_hex_and_names() {
    for (flags, hr) in [("2", "0"), ("\"0x2\"", "\"0x00000000\""), ("\"LOGOFF_ORDERLY\"", "\"S_OK\"")] {
        let line = format!(
            r#"{{"object":{{"kind":"store","id":"PST"}},"method":"IMsgStore::StoreLogoff","flags":{flags},"hresult":{hr},"outFlags":65536}}"#
        );
        let submit = r#"{"object":{"kind":"store","id":"PST"},"method":"IMessage::SubmitMessage","hresult":"S_OK"}"#;
        assert_eq!(check(&[&line, submit]), [err("I3", Some(M5), 2), err("S9", Some(M5), 2)], "{line}");
    }
}

#[test]
fn chunks_may_split_lines_anywhere() {
    let text = [HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, STORE_SUPPORT_RELEASE].join("\n");
    let whole = check_trace(&text);
    for size in [1, 7, 64] {
        let mut checker = Checker::new();
        let bytes = text.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let mut end = (start + size).min(bytes.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            checker.feed(&text[start..end]);
            start = end;
        }
        assert_eq!(checker.finish(), whole, "chunks of {size}");
    }
}

/// A million lines stream through in bounded memory: the checker keeps
/// state per object, and this log reuses a few hundred objects (buffers are
/// reused after being freed, as real allocators do).
#[test]
fn a_million_lines_stream_through() {
    let mut checker = Checker::new();
    let mut chunk = String::new();
    let mut lines = 0u64;
    for i in 0..250_000u64 {
        let block = i % 500;
        let session = format!(r#"{{"kind":"session","id":"s{}"}}"#, i % 50);
        chunk.push_str(&format!(
            r#"{{"caller":{session},"object":{{"kind":"block","id":"{block}"}},"method":"MAPIAllocateBuffer","block":{block},"hresult":0}}"#
        ));
        chunk.push('\n');
        chunk.push_str(&format!(
            r#"{{"caller":{session},"object":{{"kind":"block","id":"{block}"}},"method":"MAPIFreeBuffer","block":{block},"hresult":0}}"#
        ));
        chunk.push('\n');
        chunk.push_str(r#"{"caller":{"kind":"spooler"},"object":{"kind":"session","id":"s1"},"method":"IXPLogon::Poll","hresult":0}"#);
        chunk.push('\n');
        chunk.push_str(
            r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::AddRef","hresult":0,"refCount":2}"#,
        );
        chunk.push('\n');
        lines += 4;
        if chunk.len() > 1 << 16 {
            checker.feed(&chunk);
            chunk.clear();
        }
    }
    checker.feed(&chunk);
    let report = checker.finish();
    assert_eq!((report.lines, report.calls), (lines, lines));
    assert_eq!(lines, 1_000_000);
    assert_eq!(report.errors, 0, "{:#?}", &report.diagnostics[..report.diagnostics.len().min(5)]);
}

#[test]
fn diagnostics_carry_the_rule_page() {
    let report = check_trace(&[HEADER, STORE_LOGOFF_ORDERLY, FINAL_RELEASE, STORE_SUPPORT_RELEASE].join("\n"));
    let d = &report.diagnostics[0];
    assert_eq!((d.rule, d.mistake, d.objects.as_slice()), (Some(S14), Some(M1), ["store PST".to_string()].as_slice()));
    assert_eq!(d.doc_url, M1.doc_url());
    assert!(d.message.contains("LOGOFF_ORDERLY"), "{}", d.message);
}

// ---- fixes the conformance corpus (tests/corpus) revealed ----------------

fn on_thread(line: &str, thread: u32) -> String {
    line.replacen('{', &format!(r#"{{"thread":{thread},"#), 1)
}

/// A send is in progress from SubmitMessage's entry line: a TransportLogoff
/// on another thread that returns before SubmitMessage does left it running
/// (T4), reported at that return, not at the later Release.
#[test]
fn a_send_begun_on_another_thread_is_judged_when_transport_logoff_returns() {
    let session = r#"{"kind":"session","id":"smtp","provider":"Internet"}"#;
    let support = r#"{"kind":"sessionSupport","id":"smtp"}"#;
    let lines = [
        format!(
            r#"{{"thread":2,"call":1,"caller":{{"kind":"spooler"}},"object":{session},"method":"IXPLogon::SubmitMessage","message":9}}"#
        ),
        on_thread(&session_line("IXPLogon::TransportNotify", r#","flags":"NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND""#), 1),
        format!(
            r#"{{"thread":1,"call":1,"caller":{{"kind":"spooler"}},"object":{session},"method":"IXPLogon::TransportLogoff","flags":0}}"#
        ),
        on_thread(&by_session(support, "IMAPISupport::MakeInvalid", ""), 1),
        on_thread(&by_session(support, "IMAPISupport::Release", ""), 1),
        r#"{"thread":1,"return":1,"hresult":"S_OK"}"#.to_string(),
        r#"{"thread":2,"return":1,"hresult":"S_OK"}"#.to_string(),
        on_thread(&session_line("IXPLogon::Release", ""), 1),
    ];
    let report = check_trace(&lines.join("\n"));
    let found: Vec<_> = errors(&report).iter().map(|d| (d.code.as_str(), d.party, d.severity, d.line)).collect();
    assert_eq!(found, [("T4", Some(Party::TransportProvider), Severity::Warning, 6)]);
}

/// The wrapped-PST sample: the wrapping store holds no support object of its
/// own; the wrapped store's release of MAPI's ends the pair's shutdown.
#[test]
fn a_wrapping_store_ends_its_shutdown_through_the_store_it_wraps() {
    let lines = [
        r#"{"declare":{"kind":"store","id":"WRAP"},"wraps":{"kind":"store","id":"PST"}}"#,
        r#"{"declare":{"kind":"storeSupport","id":"WRAP"},"forwardsTo":{"kind":"storeSupport","id":"PST"}}"#,
        r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"WRAP"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE","depth":0}"#,
        r#"{"caller":{"kind":"store","id":"WRAP"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE","depth":1}"#,
        r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"WRAP"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE","depth":2}"#,
        r#"{"caller":{"kind":"storeSupport","id":"WRAP"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ORDERLY","hresult":"S_OK","outFlags":"LOGOFF_COMPLETE","depth":3}"#,
        r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"WRAP"},"method":"IMsgStore::Release","refCount":0,"depth":0}"#,
        r#"{"caller":{"kind":"store","id":"WRAP"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::Release","refCount":0,"depth":1}"#,
        r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"WRAP"},"method":"IMAPISupport::Release","depth":2}"#,
        r#"{"caller":{"kind":"storeSupport","id":"WRAP"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::Release","depth":3}"#,
    ];
    assert_eq!(check(&lines), []);
    // Nobody releases MAPI's support object: both stores keep the logon.
    assert_eq!(check(&lines[..9]), [err("S16", None, 7), err("S16", None, 8)]);
}
