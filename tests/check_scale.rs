//! The checker on logs of any length: what it holds follows the objects
//! alive in a log, not its length or the objects it ever named; bytes fed
//! in chunks cut anywhere (inside a line, a character, a CRLF) give the
//! report of the lines fed one by one; what it keeps is capped and what it
//! counts is exact. Everything here is counted, never timed (the timings
//! are `cargo bench --bench check` and `npm run bench`).

use mapi_logoff::check::{Checker, MAX_DIAGNOSTICS, MAX_LINE, MAX_OPEN_CALLS, RETIRED_WINDOW, Report, Tracked, workload};
use proptest::prelude::*;
use std::path::Path;

/// Checks `lines` lines of the workload, a cycle at a time, and returns
/// the report and the most the checker held at any cycle's end.
fn run_workload(lines: u64) -> (Report, Tracked) {
    let mut checker = Checker::new();
    let mut most = Tracked::default();
    workload::write(lines, |piece| {
        checker.feed(piece);
        let now = checker.tracked();
        most = Tracked {
            live: most.live.max(now.live),
            retired: most.retired.max(now.retired),
            open_calls: most.open_calls.max(now.open_calls),
            other: most.other.max(now.other),
            openers: most.openers.max(now.openers),
            diagnostics: most.diagnostics.max(now.diagnostics),
        };
    });
    (checker.finish(), most)
}

#[test]
fn the_workload_is_a_clean_trace_of_the_length_asked() {
    for lines in [1, 2, 31, 32, 1000, 10_007] {
        let report = mapi_logoff::check::check_trace(&workload::trace(lines));
        assert_eq!(report.lines, lines);
        assert_eq!((report.errors, report.warnings, report.diagnostics.len()), (0, 0, 0), "{:#?}", report.diagnostics);
    }
}

/// Each cycle names a new store, session, transport and three blocks: a
/// checker that kept every object, or scanned them per line, would grow
/// with the log. What it holds at the end of each cycle must not: the
/// objects alive are the same at 1,000 and at 300,000 lines, and the
/// finished ones it remembers stop at the window.
#[test]
fn what_the_checker_holds_does_not_grow_with_the_objects_a_log_ever_named() {
    let (small_report, small) = run_workload(1_000);
    let (large_report, large) = run_workload(300_000);
    assert_eq!(small_report.errors + large_report.errors, 0);
    let cycles = 300_000 / workload::CYCLE_LINES as usize;
    assert!(cycles > RETIRED_WINDOW, "the log outlives the window of every table");
    assert_eq!(large.live, small.live, "objects alive at a cycle's end: {small:?} at 1,000 lines, {large:?} at 300,000");
    assert_eq!(large.open_calls, small.open_calls);
    assert_eq!(large.other, small.other);
    assert!(large.openers <= RETIRED_WINDOW + large.live, "who opened each store: as long as the store is remembered: {large:?}");
    // Stores, sessions, transports: one per cycle, each remembered for a
    // window; blocks three per cycle, a window of them.
    assert_eq!(large.retired, 4 * RETIRED_WINDOW, "{large:?}");
    assert!(small.retired < 4 * RETIRED_WINDOW);
}

const STORE_CYCLE: [&str; 4] = [
    r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"ID"},"method":"IMAPISession::OpenMsgStore","hresult":0}"#,
    r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"ID"},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":0,"outFlags":"LOGOFF_COMPLETE","depth":0}"#,
    r#"{"caller":{"kind":"store","id":"ID"},"object":{"kind":"storeSupport","id":"ID"},"method":"IMAPISupport::StoreLogoffTransports","flags":"LOGOFF_ORDERLY","hresult":0,"outFlags":"LOGOFF_COMPLETE","depth":1}"#,
    r#"{"caller":{"kind":"client"},"object":{"kind":"store","id":"ID"},"method":"IMsgStore::Release","hresult":0,"refCount":0,"depth":0}"#,
];
const SUPPORT_RELEASE: &str = r#"{"caller":{"kind":"store","id":"ID"},"object":{"kind":"storeSupport","id":"ID"},"method":"IMAPISupport::Release","hresult":0,"depth":1}"#;

fn store_shutdown(checker: &mut Checker, id: &str) {
    for line in STORE_CYCLE.iter().chain([&SUPPORT_RELEASE]) {
        checker.line(&line.replace("ID", id));
    }
}

/// A call on a store released a window of stores ago is still a call on a
/// released store (I4); one released longer ago is forgotten, and judged as
/// in a log that begins at that call (a final Release whose support
/// release the log does not show, S16).
#[test]
fn a_release_after_the_last_is_judged_while_the_store_is_remembered() {
    let over_release = STORE_CYCLE[3].replace("ID", "first");
    let alone = mapi_logoff::check::check_trace(&over_release);
    let codes = |r: &Report| r.diagnostics.iter().map(|d| d.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&alone), ["S16"]);
    for (others, judged) in [(RETIRED_WINDOW - 1, true), (RETIRED_WINDOW, false)] {
        let mut checker = Checker::new();
        store_shutdown(&mut checker, "first");
        for i in 0..others {
            store_shutdown(&mut checker, &format!("0x{:x}", 0x1000 + i));
        }
        checker.line(&over_release);
        let report = checker.finish();
        assert_eq!(codes(&report), if judged { vec!["I4".to_string()] } else { codes(&alone) }, "after {others} other stores");
    }
}

/// A logger that loses its return lines: the calls waiting for them are
/// capped per thread, and the count of lines and calls stays exact.
#[test]
fn calls_that_never_return_do_not_make_memory_grow() {
    let mut checker = Checker::new();
    let n = 3 * MAX_OPEN_CALLS as u64;
    for i in 0..n {
        checker.line(&format!(
            r#"{{"thread":1,"call":{i},"caller":{{"kind":"spooler"}},"object":{{"kind":"session","id":"s"}},"method":"IXPLogon::Poll"}}"#
        ));
    }
    assert_eq!(checker.tracked().open_calls, MAX_OPEN_CALLS);
    let report = checker.finish();
    assert_eq!((report.lines, report.calls), (n, n));
}

/// A log of short-lived threads: the threads whose calls are over are
/// forgotten, so memory follows the threads with calls in progress.
#[test]
fn threads_whose_calls_are_over_are_forgotten() {
    let mut checker = Checker::new();
    for i in 0..10_000 {
        checker.line(&format!(
            r#"{{"thread":{i},"call":1,"caller":{{"kind":"spooler"}},"object":{{"kind":"session","id":"s"}},"method":"IXPLogon::Poll"}}"#
        ));
        checker.line(&format!(r#"{{"thread":{i},"return":1,"hresult":0}}"#));
        assert!(checker.tracked().other <= 64, "{:?} after {i} threads", checker.tracked());
    }
    assert_eq!(checker.finish().errors, 0);
}

/// Past the diagnostics kept, the rest are counted: every count exact.
#[test]
fn diagnostics_past_the_cap_are_counted_not_kept() {
    let mut checker = Checker::new();
    let n = MAX_DIAGNOSTICS as u64 + 2_500;
    for _ in 0..n {
        checker.line("not json");
    }
    assert_eq!(checker.tracked().diagnostics, MAX_DIAGNOSTICS);
    let report = checker.finish();
    assert_eq!((report.lines, report.errors, report.diagnostics.len() as u64, report.omitted), (n, n, MAX_DIAGNOSTICS as u64, 2_500));
}

// ---- chunks of bytes ------------------------------------------------------

/// The report of `bytes` read line by line: split at line feeds, a trailing
/// `\r` dropped, bytes that are not UTF-8 read as U+FFFD, a line cut at
/// MAX_LINE bytes, a last line without a line feed counted unless blank.
fn line_by_line(bytes: &[u8]) -> Report {
    let mut checker = Checker::new();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let last = lines.pop().unwrap_or_default();
    // At most MAX_LINE bytes, not inside a character (three bytes at most continue one).
    let cut = |line: &[u8]| {
        let mut cut = line.len().min(MAX_LINE);
        while cut < line.len() && cut > MAX_LINE - 3 && line[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        String::from_utf8_lossy(&line[..cut]).into_owned()
    };
    let text = |line: &[u8]| {
        let text = cut(line);
        text.strip_suffix('\r').map(str::to_string).unwrap_or(text)
    };
    for line in lines {
        checker.line(&text(line));
    }
    if !cut(last).trim().is_empty() {
        checker.line(&text(last));
    }
    checker.finish()
}

fn in_chunks(bytes: &[u8], cuts: &[usize]) -> Report {
    let mut checker = Checker::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        checker.push_bytes(&bytes[start..cut]);
        start = cut;
    }
    checker.finish()
}

/// Lines of real traces, and lines that test the edges: CRLF, blank
/// lines, characters of two to four bytes, bytes that are not UTF-8, a
/// lone `\r`, an unknown method with a multi-byte name.
fn sample_lines() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for name in ["kopano-transport-logoff-keeps-memory.jsonl", "wrappst-orderly-through-wrapper.jsonl"] {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name)).expect("corpus trace");
        lines.extend(text.lines().map(|l| l.as_bytes().to_vec()));
    }
    lines.extend(workload::trace(63).lines().map(|l| l.as_bytes().to_vec()));
    let odd: [&[u8]; 9] = [
        b"",
        b"   ",
        b"\r",
        "{\"caller\":{\"kind\":\"client\"},\"object\":{\"kind\":\"store\",\"id\":\"Bo\u{ee}te \u{1F4EC}\"},\"method\":\"IMsgStore::StoreLogoff\",\"flags\":\"LOGOFF_ORDERLY\",\"hresult\":0,\"outFlags\":\"LOGOFF_COMPLETE\"}".as_bytes(),
        "{\"object\":{\"kind\":\"store\",\"id\":\"\u{4e2d}\u{6587}\"},\"method\":\"IMsgStore::\u{00c9}tat\"}".as_bytes(),
        b"{\"object\":{\"kind\":\"store\",\"id\":\"\xff\xfe\"},\"method\":\"IMsgStore::Release\",\"refCount\":0}",
        b"{\"object\":{\"kind\":\"store\",\"id\":\"\xe2\x82\"},\"method\":\"IMsgStore::Release\"}",
        b"\xf0\x9f\x93",
        b"not a call \xc3\xa9",
    ];
    lines.extend(odd.iter().map(|l| l.to_vec()));
    lines
}

fn text_of(picks: &[(prop::sample::Index, bool)], last_newline: bool) -> Vec<u8> {
    let lines = sample_lines();
    let mut bytes = Vec::new();
    for (i, (pick, crlf)) in picks.iter().enumerate() {
        bytes.extend_from_slice(&lines[pick.index(lines.len())]);
        if i + 1 < picks.len() || last_newline {
            bytes.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Chunks cut anywhere, inside a line, a character or a CRLF, give the
    /// report of the lines fed one by one; for valid UTF-8, so does text.
    #[test]
    fn chunks_of_bytes_cut_anywhere_give_the_report_of_the_lines_one_by_one(
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..40),
        last_newline in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let bytes = text_of(&picks, last_newline);
        let expected = line_by_line(&bytes);
        prop_assert_eq!(&in_chunks(&bytes, &cuts), &expected);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let mut checker = Checker::new();
            let mut start = 0;
            for i in (1..text.len()).filter(|&i| text.is_char_boundary(i) && cuts.iter().any(|c| c % text.len() == i)) {
                checker.feed(&text[start..i]);
                start = i;
            }
            checker.feed(&text[start..]);
            prop_assert_eq!(&checker.finish(), &expected);
        }
    }
}

/// Byte by byte, and in one piece, gives the same report.
#[test]
fn one_byte_at_a_time_gives_the_report_of_the_whole() {
    let mut bytes = Vec::new();
    for (i, line) in sample_lines().iter().enumerate() {
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(in_chunks(&bytes, &cuts), line_by_line(&bytes));
    assert_eq!(in_chunks(&bytes, &[]), line_by_line(&bytes));
}

/// A line longer than MAX_LINE is cut there, at a character boundary,
/// however the chunks fall: the same malformed line, and the next line read
/// as usual.
#[test]
fn a_line_past_the_limit_is_cut_the_same_way_in_any_chunks() {
    let call = workload::trace(32);
    for pad in ["x", "\u{e9}", "\u{1F4EC}"] {
        for extra in [0, 1, 2, 3] {
            let mut line = String::from("{\"note\":\"");
            while line.len() < MAX_LINE - extra {
                line.push_str(pad);
            }
            line.push_str("\"}");
            let bytes = format!("{line}\r\n{call}").into_bytes();
            let expected = line_by_line(&bytes);
            assert_eq!(expected.lines, 33);
            assert_eq!(expected.diagnostics.len(), 1, "only the cut line: {:?}", expected.diagnostics);
            for cuts in [
                vec![],
                vec![MAX_LINE - 1, MAX_LINE, MAX_LINE + 1],
                vec![7, MAX_LINE - 2, MAX_LINE + 2],
                (0..bytes.len()).step_by(4093).collect(),
            ] {
                assert_eq!(in_chunks(&bytes, &cuts), expected, "pad {pad:?}, extra {extra}, cuts {cuts:?}");
            }
        }
    }
}
