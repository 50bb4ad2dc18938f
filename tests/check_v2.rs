//! Trace format version 2 and the checker's judgement on real providers'
//! logs (issue 11): entry and return lines, threads, hex pointers, owners
//! and declarations; the party each diagnostic names; the severity the
//! page's words give; the false alarms a conforming provider must never
//! see, and the breaches that must be caught where they become certain.
//! docs/trace-format.md is the reference for every line written here.

use mapi_logoff::RuleId::{self, *};
use mapi_logoff::check::{Party, Report, Severity, check_trace};

/// (code, mistake, party, line) of every error and warning.
fn findings(report: &Report) -> Vec<(String, Option<RuleId>, Option<Party>, u64)> {
    report.diagnostics.iter().filter(|d| d.severity != Severity::Info).map(|d| (d.code.clone(), d.mistake, d.party, d.line)).collect()
}

fn check(lines: &[&str]) -> Report {
    check_trace(&lines.join("\n"))
}

#[track_caller]
fn clean(lines: &[&str]) {
    let report = check(lines);
    assert_eq!(findings(&report), [], "{:#?}", report.diagnostics);
}

fn f(code: &str, mistake: Option<RuleId>, party: Party, line: u64) -> (String, Option<RuleId>, Option<Party>, u64) {
    (code.to_string(), mistake, Some(party), line)
}

const V2: &str = r#"{"format":"mapi-logoff-trace","version":2}"#;

// ---- the store side, written by a store provider that logs entry and return lines

const OPEN: &str =
    r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"0x7ff6a0c01230"},"method":"IMAPISession::OpenMsgStore","hresult":0}"#;
const LOGOFF_QUIET_BEGIN: &str = r#"{"thread":7,"call":1,"caller":{"kind":"client"},"object":{"kind":"store","id":"0x7FF6A0C01230"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_QUIET"}"#;
const SLT_QUIET_VETOED: &str = r#"{"thread":7,"caller":{"kind":"store","id":"0x7ff6a0c01230"},"object":{"kind":"storeSupport","id":"0x7ff6a0c01230"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_QUIET","hresult":0,"outFlags":"LOGOFF_OUTBOUND_QUEUE"}"#;
const LOGOFF_QUIET_VETOED: &str = r#"{"thread":7,"return":1,"hresult":0,"outFlags":"LOGOFF_OUTBOUND_QUEUE"}"#;
const RELEASE_BEGIN: &str =
    r#"{"thread":7,"call":2,"caller":{"kind":"client"},"object":{"kind":"store","id":"0x00007ff6a0c01230"},"method":"IMsgStore::Release"}"#;
const SLT_ABORT: &str = r#"{"thread":7,"caller":{"kind":"store","id":"0x7ff6a0c01230"},"object":{"kind":"storeSupport","id":"0x7ff6a0c01230"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ABORT","hresult":0,"outFlags":"LOGOFF_COMPLETE"}"#;
const SUPPORT_RELEASE: &str = r#"{"thread":7,"caller":{"kind":"store","id":"0x7ff6a0c01230"},"object":{"kind":"storeSupport","id":"0x7ff6a0c01230"},"method":"IMAPISupport::Release","hresult":0}"#;
const RELEASE_RETURNS_0: &str = r#"{"thread":7,"return":2,"hresult":0,"refCount":0}"#;

#[test]
fn s14_a_veto_from_store_logoff_then_abort_inside_the_final_release_is_clean() {
    clean(&[
        V2,
        OPEN,
        LOGOFF_QUIET_BEGIN,
        SLT_QUIET_VETOED,
        LOGOFF_QUIET_VETOED,
        RELEASE_BEGIN,
        SLT_ABORT,
        SUPPORT_RELEASE,
        RELEASE_RETURNS_0,
    ]);
}

#[test]
fn s14_a_veto_from_store_logoff_then_no_second_call_is_clean() {
    // "If a call has not occurred": one has, so none at the release conforms.
    clean(&[V2, OPEN, LOGOFF_QUIET_BEGIN, SLT_QUIET_VETOED, LOGOFF_QUIET_VETOED, RELEASE_BEGIN, SUPPORT_RELEASE, RELEASE_RETURNS_0]);
}

#[test]
fn s14_no_call_at_all_is_m1_by_the_store_provider_where_the_support_object_goes() {
    let report = check(&[V2, OPEN, RELEASE_BEGIN, SUPPORT_RELEASE, RELEASE_RETURNS_0]);
    assert_eq!(findings(&report), [f("S14", Some(M1), Party::StoreProvider, 4)]);
    assert_eq!(report.diagnostics[0].severity, Severity::Error, "\"must be called once during the shutdown process\"");
}

#[test]
fn pointers_are_one_object_however_they_are_printed() {
    // The ids above differ in case and padding: one store. Nothing is
    // reported about "another" store whose support object was never
    // released.
    let report = check(&[V2, OPEN, RELEASE_BEGIN, SLT_ABORT, SUPPORT_RELEASE, RELEASE_RETURNS_0]);
    assert_eq!(findings(&report), []);
    assert_eq!(report.calls, 4, "entry lines are calls; return lines complete them");
}

#[test]
fn a_return_line_without_its_entry_is_malformed_and_one_never_returned_is_noted() {
    let report = check(&[V2, r#"{"thread":7,"return":99,"hresult":0}"#]);
    assert_eq!(report.diagnostics[0].code, "malformedLine");
    assert!(report.diagnostics[0].message.contains("99"), "{}", report.diagnostics[0].message);
    let report = check(&[
        V2,
        OPEN,
        RELEASE_BEGIN,
        r#"{"thread":7,"call":3,"object":{"kind":"store","id":"x"},"method":"IMsgStore::GetProps"}"#,
        SUPPORT_RELEASE,
        RELEASE_RETURNS_0,
    ]);
    assert!(report.diagnostics.iter().any(|d| d.code == "notReturned" && d.severity == Severity::Info), "{:#?}", report.diagnostics);
}

#[test]
fn threads_nest_separately_and_may_interleave() {
    let mine = |line: &str| {
        line.replace(r#""thread":7"#, r#""thread":"worker-2""#)
            .replace("0x7ff6a0c01230", "0x1000")
            .replace("0x7FF6A0C01230", "0x1000")
            .replace("0x00007ff6a0c01230", "0x1000")
    };
    let (b, s, r, e) = (mine(RELEASE_BEGIN), mine(SLT_ABORT), mine(SUPPORT_RELEASE), mine(RELEASE_RETURNS_0));
    let open2 = OPEN.replace("0x7ff6a0c01230", "0x1000");
    // Two stores released at the same time on two threads.
    clean(&[V2, OPEN, &open2, RELEASE_BEGIN, &b, SLT_ABORT, &s, SUPPORT_RELEASE, &r, RELEASE_RETURNS_0, &e]);
}

// ---- the transport side

const S: &str = r#"{"kind":"session","id":"0xdead0000","provider":"MRXP"}"#;

fn by_session(object: &str, method: &str, extra: &str) -> String {
    format!(r#"{{"thread":3,"caller":{S},"object":{object},"method":"{method}"{extra}}}"#)
}

fn spooler(method: &str, extra: &str) -> String {
    format!(r#"{{"thread":3,"caller":{{"kind":"spooler"}},"object":{S},"method":"{method}"{extra}}}"#)
}

/// A session with a root block and its AddressTypes array, logged off in
/// the order T6 asks: MakeInvalid, the memory, the support object last.
fn transport_logoff(cleanup: &[&str]) -> Vec<String> {
    let block = |b: &str| format!(r#"{{"kind":"block","id":"{b}"}}"#);
    let mut lines = vec![
        V2.to_string(),
        by_session(
            &block("0xFFFFFFFFFFFFFFF0"),
            "MAPIAllocateBuffer",
            r#","block":"0xFFFFFFFFFFFFFFF0","hresult":0,"purpose":"addressTypes""#,
        ),
        by_session(&block("0x20"), "MAPIAllocateBuffer", r#","block":"0x20","hresult":0"#),
        spooler("IXPLogon::TransportNotify", r#","flags":"NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND","hresult":0"#),
        spooler("IXPLogon::TransportLogoff", r#","call":"tl","flags":0"#),
    ];
    lines.extend(cleanup.iter().map(|l| l.to_string()));
    lines.push(r#"{"thread":3,"return":"tl","hresult":0}"#.to_string());
    lines.push(spooler("IXPLogon::Release", r#","hresult":0,"refCount":0"#));
    lines
}

fn make_invalid() -> String {
    by_session(r#"{"kind":"sessionSupport","id":"0xdead0000"}"#, "IMAPISupport::MakeInvalid", r#","hresult":0"#)
}
fn free(block: &str) -> String {
    by_session(&format!(r#"{{"kind":"block","id":"{block}"}}"#), "MAPIFreeBuffer", &format!(r#","block":"{block}","hresult":0"#))
}
fn support_release() -> String {
    by_session(r#"{"kind":"sessionSupport","id":"0xdead0000"}"#, "IMAPISupport::Release", r#","hresult":0"#)
}

fn check_owned(lines: &[String]) -> Report {
    check_trace(&lines.join("\n"))
}

#[test]
fn a_well_ordered_transport_logoff_with_pointers_above_2_pow_53_is_clean() {
    let lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    assert_eq!(findings(&check_owned(&lines)), []);
}

#[test]
fn t5_memory_freed_after_transport_logoff_returned_is_m7_at_the_return() {
    let mut lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &support_release()]);
    lines.push(free("0x20"));
    // Line 9 is the return line of TransportLogoff: the breach is certain there.
    assert_eq!(findings(&check_owned(&lines)), [f("T5", Some(M7), Party::TransportProvider, 9)]);
}

#[test]
fn t6_support_released_without_make_invalid_first_is_a_warning() {
    let lines = transport_logoff(&[&free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    let report = check_owned(&lines);
    assert_eq!(findings(&report), [f("T6", None, Party::TransportProvider, 8)]);
    assert_eq!(report.diagnostics[0].severity, Severity::Warning, "\"should first invalidate its logon object\"");
}

#[test]
fn t4_a_send_transport_logoff_does_not_stop_is_reported_at_its_return() {
    let mut lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    lines.insert(3, spooler("IXPLogon::SubmitMessage", r#","message":"0xabc","hresult":0"#));
    let report = check_owned(&lines);
    assert_eq!(findings(&report), [f("T4", None, Party::TransportProvider, 11)]);
    assert_eq!(report.diagnostics[0].severity, Severity::Warning, "\"should stop the sending process\"");
}

#[test]
fn t1_reserved_flags_are_the_callers_mistake_and_a_refusal_with_cleanup_is_clean() {
    let mut lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    lines[4] = spooler("IXPLogon::TransportLogoff", r#","call":"tl","flags":"LOGOFF_HURRY""#);
    let n = lines.len();
    lines[n - 2] = r#"{"thread":3,"return":"tl","hresult":"MAPI_E_UNKNOWN_FLAGS"}"#.to_string();
    let report = check_owned(&lines);
    assert_eq!(findings(&report), [f("T1", Some(M11), Party::Mapi, 10)]);
    assert_eq!(report.diagnostics[0].severity, Severity::Error, "\"Reserved; must be zero\"");
}

#[test]
fn t7_a_refusal_that_skips_the_cleanup_is_m9() {
    let mut lines = transport_logoff(&[]);
    lines[4] = spooler("IXPLogon::TransportLogoff", r#","call":"tl","flags":"LOGOFF_HURRY""#);
    let n = lines.len();
    lines[n - 2] = r#"{"thread":3,"return":"tl","hresult":"MAPI_E_UNKNOWN_FLAGS"}"#.to_string();
    let report = check_owned(&lines);
    let mistakes: Vec<_> = findings(&report).into_iter().map(|(code, m, _, _)| (code, m)).collect();
    assert_eq!(mistakes, [("T1".into(), Some(M11)), ("T5".into(), Some(M9)), ("I2".into(), Some(M9))], "{:#?}", report.diagnostics);
}

#[test]
fn owner_names_who_must_free_memory_mapi_allocated() {
    // MAPI allocated a block for the session; the session never frees it.
    let mut lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    lines.insert(
        3,
        r#"{"thread":3,"caller":{"kind":"mapi"},"object":{"kind":"block","id":"0x30"},"method":"MAPIAllocateBuffer","block":"0x30","hresult":0,"owner":{"kind":"session","id":"0xdead0000"}}"#
            .to_string(),
    );
    assert_eq!(findings(&check_owned(&lines)), [f("T5", Some(M7), Party::TransportProvider, 11)]);
}

#[test]
fn a_block_allocated_before_the_log_began_may_be_freed() {
    let lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &free("0x999"), &support_release()]);
    assert_eq!(findings(&check_owned(&lines)), []);
}

#[test]
fn release_honours_the_reference_count() {
    // A Release that leaves a reference does not destroy the logon: the
    // later final Release is not an over-release (I4).
    let mut lines = transport_logoff(&[&make_invalid(), &free("0xfffffffffffffff0"), &free("0x20"), &support_release()]);
    let n = lines.len();
    lines[n - 1] = spooler("IXPLogon::Release", r#","hresult":0,"refCount":1"#);
    lines.push(spooler("IXPLogon::Release", r#","hresult":0,"refCount":0"#));
    assert_eq!(findings(&check_owned(&lines)), []);
}

#[test]
fn hex_flags_are_read_on_every_method() {
    let line = spooler("IXPLogon::Idle", r#","flags":"0x00000001","hresult":0"#);
    let report = check_trace(&line);
    assert!(report.diagnostics.iter().all(|d| d.code != "malformedLine"), "{:#?}", report.diagnostics);
}

// ---- the client side and sharing

const PST: &str = r#"{"kind":"store","id":"PST"}"#;

fn client(method: &str, extra: &str) -> String {
    format!(r#"{{"caller":{{"kind":"client"}},"object":{PST},"method":"{method}"{extra}}}"#)
}

#[test]
fn a_reused_flags_variable_blames_the_client_first() {
    // MFCMAPI's loop over a profile's stores: the LOGOFF_COMPLETE the first
    // store wrote back goes into the next StoreLogoff.
    let lines = [client("IMsgStore::StoreLogoff", r#","flags":"LOGOFF_NO_WAIT | LOGOFF_COMPLETE","hresult":"MAPI_E_INVALID_PARAMETER""#)];
    let report = check_owned(&lines);
    assert_eq!(findings(&report), [f("S1", Some(M3), Party::Client, 1)]);
    assert!(report.diagnostics[0].message.starts_with("the client"), "{}", report.diagnostics[0].message);
}

#[test]
fn any_store_call_after_complete_but_release_is_m5_and_add_ref_is_tolerated() {
    let lines = [
        client("IMsgStore::StoreLogoff", r#","flags":"LOGOFF_ORDERLY","hresult":0,"outFlags":"LOGOFF_COMPLETE""#),
        client("IMsgStore::AddRef", r#","hresult":0,"refCount":2"#),
        client("IMsgStore::OpenEntry", r#","hresult":"MAPI_E_INVALID_OBJECT""#),
        client("IMsgStore::GetReceiveFolder", r#","hresult":0"#),
    ];
    let report = check_owned(&lines);
    assert_eq!(
        findings(&report),
        [f("I3", Some(M5), Party::Client, 3), f("I3", Some(M5), Party::Client, 4), f("S9", Some(M5), Party::StoreProvider, 4)]
    );
}

#[test]
fn the_spooler_delivering_through_its_own_logon_after_complete_is_clean() {
    let lines = [
        client("IMsgStore::StoreLogoff", r#","flags":"LOGOFF_ORDERLY","hresult":0,"outFlags":"LOGOFF_COMPLETE""#),
        format!(r#"{{"caller":{{"kind":"spooler"}},"object":{PST},"method":"IMsgStore::NotifyNewMail","hresult":0,"message":5}}"#),
    ];
    assert_eq!(findings(&check_owned(&lines)), []);
}

#[test]
fn the_spooler_returning_from_orderly_after_the_work_is_clean() {
    // NO_WAIT and ORDERLY answered after the work also conform (S5, S6).
    let slt = |extra: &str| {
        format!(
            r#"{{"caller":{{"kind":"store","id":"PST"}},"object":{{"kind":"storeSupport","id":"PST"}},"method":"IMAPISupport::StoreLogoffTransports"{extra}}}"#
        )
    };
    let lines = [
        client("IMsgStore::StoreLogoff", r#","call":1,"flags":"LOGOFF_ORDERLY""#),
        slt(r#","call":2,"flags":"LOGOFF_ORDERLY""#),
        r#"{"caller":{"kind":"spooler"},"object":{"kind":"session","id":"smtp"},"method":"IXPLogon::EndMessage","message":4,"hresult":0}"#
            .to_string(),
        format!(r#"{{"caller":{{"kind":"spooler"}},"object":{PST},"method":"IMsgStore::NotifyNewMail","hresult":0,"message":5}}"#),
        r#"{"return":2,"hresult":0,"outFlags":"LOGOFF_COMPLETE"}"#.to_string(),
        r#"{"return":1,"hresult":0,"outFlags":"LOGOFF_COMPLETE"}"#.to_string(),
        client("IMsgStore::Release", r#","call":3"#),
        r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::Release","hresult":0}"#.to_string(),
        r#"{"return":3,"hresult":0,"refCount":0}"#.to_string(),
    ];
    assert_eq!(findings(&check_owned(&lines)), [], "{:#?}", check_owned(&lines).diagnostics);
}

#[test]
fn two_processes_hold_one_store_and_one_releases_its_copy() {
    let open = |p: u64| client("IMAPISession::OpenMsgStore", &format!(r#","hresult":0,"process":{p},"profile":"Outlook""#));
    let release = |p: u64| client("IMsgStore::Release", &format!(r#","hresult":0,"refCount":0,"process":{p}"#));
    let support = |p: u64| {
        format!(
            r#"{{"caller":{{"kind":"store","id":"PST"}},"object":{{"kind":"storeSupport","id":"PST"}},"method":"IMAPISupport::Release","hresult":0,"process":{p}}}"#
        )
    };
    let slt = |p: u64| {
        format!(
            r#"{{"caller":{{"kind":"store","id":"PST"}},"object":{{"kind":"storeSupport","id":"PST"}},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ABORT","hresult":0,"outFlags":"LOGOFF_COMPLETE","process":{p}}}"#
        )
    };
    let lines = [open(1), open(2), release(1), slt(1), support(1), release(2), slt(2), support(2)];
    assert_eq!(findings(&check_owned(&lines)), [], "{:#?}", check_owned(&lines).diagnostics);
}

#[test]
fn s8_is_seen_across_any_two_processes_of_a_profile() {
    // Opened by processes 1 (profile A), 2 (profile B), 3 (profile A): 1
    // and 3 share it, so MAPI must ignore the call; this MAPI did not.
    let open =
        |p: u64, profile: &str| client("IMAPISession::OpenMsgStore", &format!(r#","hresult":0,"process":{p},"profile":"{profile}""#));
    let slt = r#"{"caller":{"kind":"store","id":"PST"},"object":{"kind":"storeSupport","id":"PST"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_QUIET","hresult":0,"outFlags":"LOGOFF_OUTBOUND"}"#;
    let lines = [open(1, "A"), open(2, "B"), open(3, "A"), slt.to_string()];
    assert_eq!(findings(&check_owned(&lines)), [f("S8", None, Party::Mapi, 4)]);
}

#[test]
fn a_forwarding_support_object_is_not_counted_twice() {
    // The wrapped-PST way: the wrapper's own support object forwards
    // StoreLogoffTransports to MAPI's.
    let call = |object: &str, extra: &str| {
        format!(
            r#"{{"caller":{{"kind":"store","id":"WRAP"}},"object":{{"kind":"storeSupport","id":"{object}"}},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ABORT","hresult":0,"outFlags":"LOGOFF_COMPLETE"{extra}}}"#
        )
    };
    let support_release = |object: &str| {
        format!(
            r#"{{"caller":{{"kind":"store","id":"WRAP"}},"object":{{"kind":"storeSupport","id":"{object}"}},"method":"IMAPISupport::Release","hresult":0}}"#
        )
    };
    let lines = [
        r#"{"declare":{"kind":"storeSupport","id":"WRAP"},"forwardsTo":{"kind":"storeSupport","id":"MAPI-SUP"}}"#.to_string(),
        call("WRAP", ""),
        call("MAPI-SUP", ""),
        support_release("WRAP"),
        support_release("MAPI-SUP"),
    ];
    assert_eq!(findings(&check_owned(&lines)), [], "{:#?}", check_owned(&lines).diagnostics);
    let undeclared = &lines[1..];
    assert!(findings(&check_owned(undeclared)).is_empty(), "two objects: each shutdown has one call");
}

#[test]
fn a_wrapped_store_names_its_wrapper_as_the_client() {
    let lines = [
        r#"{"declare":{"kind":"store","id":"WRAP"},"wraps":{"kind":"store","id":"PST"}}"#.to_string(),
        r#"{"caller":{"kind":"store","id":"WRAP"},"object":{"kind":"store","id":"PST"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_QUIET | LOGOFF_ABORT","hresult":"MAPI_E_INVALID_PARAMETER"}"#.to_string(),
    ];
    let report = check_owned(&lines);
    assert_eq!(findings(&report), [f("S1", Some(M3), Party::Client, 2)]);
    assert!(report.diagnostics[0].message.contains("wrapping store WRAP"), "{}", report.diagnostics[0].message);
}

#[test]
fn version_1_traces_check_unchanged() {
    for entry in std::fs::read_dir("tests/scenarios").unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".trace.jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let v1 = text.replacen(r#""version":2"#, r#""version":1"#, 1);
        assert_eq!(check_trace(&v1), check_trace(&text), "{}", path.display());
    }
}
