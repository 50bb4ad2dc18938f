//! The checker's benchmark workload: a valid trace of a long-running
//! spooler in which every logon cycle names fresh objects, as a real
//! million-line log does (allocators hand out new pointers, providers are
//! loaded again, messages get new ids).
//!
//! One cycle ([`CYCLE_LINES`] lines) opens a store and logs it off with
//! LOGOFF_ORDERLY, and takes a transport session through its whole life:
//! its AddressTypes array and a block with a MAPIAllocateMore child, a send
//! and a receive, TransportNotify, TransportLogoff with MakeInvalid, the
//! frees and the support release, the final Release, and the provider's
//! Shutdown. The client's thread writes one-line calls with `depth` (the
//! engine's style), the spooler's thread entry and return lines (a real
//! logger's); store pointers are written in upper case with leading zeros
//! now and then. The whole trace checks clean (tests/check_scale.rs).
//!
//! `cargo bench --bench check` measures the checker on it, `npm run bench`
//! the wasm module and the CLI on the same file.

use std::fmt::Write as _;

/// Lines in one cycle.
pub const CYCLE_LINES: u64 = 31;

/// The first line of every trace.
pub const HEADER: &str = r#"{"format":"mapi-logoff-trace","version":2}"#;

/// Appends cycle `k` (its lines, each ending with a line feed) to `out`.
pub fn cycle(k: u64, out: &mut String) {
    let store =
        if k % 4 == 3 { format!("0x{:016X}", 0x7ff6_a000_0000 + k * 0x1000) } else { format!("0x{:x}", 0x7ff6_a000_0000 + k * 0x1000) };
    let session = format!(r#"{{"kind":"session","id":"smtp-{k}","provider":"Internet-{k}"}}"#);
    let support = format!(r#"{{"kind":"sessionSupport","id":"smtp-{k}"}}"#);
    let client = r#"{"kind":"client"}"#;
    let spooler = r#"{"kind":"spooler"}"#;
    let mapi = r#"{"kind":"mapi"}"#;
    let store_ref = format!(r#"{{"kind":"store","id":"{store}"}}"#);
    let store_support = format!(r#"{{"kind":"storeSupport","id":"{store}"}}"#);
    let block = |i: u64| format!("0x{:x}", 0x2_0000_0000 + (3 * k + i) * 0x40);
    let (b0, b1, b2) = (block(0), block(1), block(2));
    let (m0, m1) = (2 * k, 2 * k + 1);
    let t1 = r#"{"thread":1,"#;
    let t2 = r#"{"thread":2,"#;
    let mut line = |text: std::fmt::Arguments| {
        let _ = out.write_fmt(text);
        out.push('\n');
    };
    // The client's thread opens the store; the spooler's logs the session on.
    line(format_args!(
        r#"{t1}"caller":{client},"object":{store_ref},"method":"IMAPISession::OpenMsgStore","hresult":"S_OK","refCount":1,"profile":"default","depth":0}}"#
    ));
    line(format_args!(
        r#"{t2}"caller":{session},"object":{{"kind":"block","id":"{b0}"}},"method":"MAPIAllocateBuffer","block":"{b0}","hresult":"S_OK","purpose":"addressTypes"}}"#
    ));
    line(format_args!(
        r#"{t2}"caller":{session},"object":{{"kind":"block","id":"{b1}"}},"method":"MAPIAllocateBuffer","block":"{b1}","hresult":0}}"#
    ));
    line(format_args!(
        r#"{t2}"caller":{session},"object":{{"kind":"block","id":"{b2}"}},"method":"MAPIAllocateMore","block":"{b2}","parent":"{b1}","hresult":0}}"#
    ));
    // A send, with a notification made inside it, and a receive.
    line(format_args!(r#"{t2}"call":1,"caller":{spooler},"object":{session},"method":"IXPLogon::SubmitMessage","message":{m0}}}"#));
    line(format_args!(r#"{t2}"caller":{session},"object":{support},"method":"IMAPISupport::SpoolerNotify","flags":1,"hresult":0}}"#));
    line(format_args!(r#"{t2}"return":1,"hresult":0}}"#));
    line(format_args!(r#"{t2}"caller":{spooler},"object":{session},"method":"IXPLogon::StartMessage","message":{m1},"hresult":0}}"#));
    line(format_args!(r#"{t2}"caller":{spooler},"object":{session},"method":"IXPLogon::EndMessage","message":{m0},"hresult":0}}"#));
    // The client logs the store off and lets go of it.
    line(format_args!(
        r#"{t1}"caller":{client},"object":{store_ref},"method":"IMsgStore::StoreLogoff","flags":"LOGOFF_ORDERLY","hresult":0,"outFlags":65536,"depth":0}}"#
    ));
    line(format_args!(
        r#"{t1}"caller":{store_ref},"object":{store_support},"method":"IMAPISupport::StoreLogoffTransports","flags":2,"hresult":0,"outFlags":"LOGOFF_COMPLETE","depth":1}}"#
    ));
    line(format_args!(r#"{t1}"caller":{client},"object":{store_ref},"method":"IMsgStore::AddRef","hresult":0,"refCount":2,"depth":0}}"#));
    line(format_args!(r#"{t1}"caller":{client},"object":{store_ref},"method":"IMsgStore::Release","hresult":0,"refCount":1,"depth":0}}"#));
    line(format_args!(r#"{t1}"caller":{client},"object":{store_ref},"method":"IMsgStore::Release","hresult":0,"refCount":0,"depth":0}}"#));
    line(format_args!(
        r#"{t1}"caller":{store_ref},"object":{store_support},"method":"IMAPISupport::Release","hresult":"S_OK","depth":1}}"#
    ));
    line(format_args!(r#"{t1}"caller":{mapi},"object":{mapi},"method":"MAPI::RemoveStatusRow","depth":2}}"#));
    // The spooler delivers the received message and lets go of the store.
    line(format_args!(r#"{t2}"caller":{spooler},"object":{store_ref},"method":"IMsgStore::NotifyNewMail","message":{m1},"hresult":0}}"#));
    line(format_args!(r#"{t2}"caller":{spooler},"object":{spooler},"method":"Spooler::ReleaseStoreLogon"}}"#));
    line(format_args!(r#"{t2}"caller":{mapi},"object":{store_ref},"method":"IMSLogon::Logoff","flags":0,"hresult":0}}"#));
    line(format_args!(r#"{t2}"caller":{mapi},"object":{store_ref},"method":"IMSLogon::Release","hresult":0}}"#));
    // The session's logoff: traffic ended, TransportLogoff cleans up, Release.
    line(format_args!(
        r#"{t2}"caller":{spooler},"object":{session},"method":"IXPLogon::TransportNotify","flags":"NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND","hresult":0}}"#
    ));
    line(format_args!(r#"{t2}"caller":{spooler},"object":{session},"method":"Spooler::DiscardAddressTypes"}}"#));
    line(format_args!(r#"{t2}"call":2,"caller":{spooler},"object":{session},"method":"IXPLogon::TransportLogoff","flags":0}}"#));
    line(format_args!(r#"{t2}"caller":{session},"object":{support},"method":"IMAPISupport::MakeInvalid","flags":0,"hresult":0}}"#));
    line(format_args!(
        r#"{t2}"caller":{session},"object":{{"kind":"block","id":"{b0}"}},"method":"MAPIFreeBuffer","block":"{b0}","hresult":0}}"#
    ));
    line(format_args!(
        r#"{t2}"caller":{session},"object":{{"kind":"block","id":"{b1}"}},"method":"MAPIFreeBuffer","block":"{b1}","hresult":0}}"#
    ));
    line(format_args!(r#"{t2}"caller":{session},"object":{support},"method":"IMAPISupport::Release","hresult":0}}"#));
    line(format_args!(r#"{t2}"return":2,"hresult":"S_OK"}}"#));
    line(format_args!(r#"{t2}"call":3,"caller":{spooler},"object":{session},"method":"IXPLogon::Release"}}"#));
    line(format_args!(r#"{t2}"return":3,"hresult":0,"refCount":0}}"#));
    // The transport provider goes.
    line(format_args!(
        r#"{t2}"caller":{mapi},"object":{{"kind":"transport","id":"Internet-{k}"}},"method":"IXPProvider::Shutdown","flags":0,"hresult":0}}"#
    ));
}

/// A trace of exactly `lines` lines (`lines` >= 1): the header, whole
/// cycles, and blank lines to make up the count. Each piece is passed to
/// `out` as it is written (a cycle at a time), so a file of any size can be
/// written without holding it.
pub fn write(lines: u64, mut out: impl FnMut(&str)) {
    let mut text = String::with_capacity(8 * 1024);
    text.push_str(HEADER);
    text.push('\n');
    out(&text);
    let cycles = lines.saturating_sub(1) / CYCLE_LINES;
    for k in 0..cycles {
        text.clear();
        cycle(k, &mut text);
        out(&text);
    }
    for _ in 1 + cycles * CYCLE_LINES..lines {
        out("\n");
    }
}

/// The trace of [`write`] as one text.
pub fn trace(lines: u64) -> String {
    let mut text = String::new();
    write(lines, |piece| text.push_str(piece));
    text
}
