//! Rule ids: every behaviour of the model, every invariant and every
//! provider mistake has one, so an outcome, a test name, a diagnostic and
//! the playground's explanation all point to the same place in
//! `docs/protocol.md`.
//!
//! Each rule also says where it comes from, and only from a source that
//! says it: one of the two reference pages (quoted word for word), another
//! MAPI reference page, a header (for values), the SDK samples (for
//! behaviour), or the model's own choice, stated as such.

use serde::Serialize;
use std::fmt;

const DOCS: &str = "https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/";

/// The two pages that define the protocol.
const STL: &str = "imapisupport-storelogofftransports";
const TL: &str = "ixplogon-transportlogoff";

crate::json::string_enum! {
    /// What kind of source a rule cites.
    pub enum SourceKind {
        /// IMAPISupport::StoreLogoffTransports or IXPLogon::TransportLogoff,
        /// with the sentence quoted.
        ReferencePage = "referencePage",
        /// Another page of the MAPI reference.
        OtherPage = "otherPage",
        /// A MAPI header, for values.
        Header = "header",
        /// The MAPI SDK samples (MSPMS.C, XPBASE.C), for behaviour.
        SdkSample = "sdkSample",
        /// Nothing public says it: the model's own choice.
        ModelChoice = "modelChoice",
    }
}

/// Where a rule comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(target_arch = "wasm32"), ts(rename = "RuleSource"))]
pub struct Source {
    pub kind: SourceKind,
    /// The page's file name under `docs/outlook/mapi/`, or the sample's or
    /// header's file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub page: Option<&'static str>,
    /// The page's own words, verbatim (English reference). Not in the wasm
    /// modules (their size budget): `mapi-logoff/rules.json` has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub quote: Option<&'static str>,
    /// What the model adds to the source, or why nothing public says it.
    /// Not in the wasm modules either.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub note: Option<&'static str>,
}

/// A rule id with its one-line summary and the Microsoft page behind it.
// Built where it is used (rules() in src/wasm/engine.rs): a constructor
// here, called from one module and not the others, changed how LTO inlined
// the other modules (20-30 bytes each).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RuleInfo {
    pub id: RuleId,
    pub title: &'static str,
    /// The Microsoft page the rule cites; absent for samples and model choices.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub doc_url: Option<String>,
    pub source: Source,
}

const fn page(kind: SourceKind, page: &'static str, quote: &'static str, note: &'static str) -> Source {
    Source { kind, page: Some(page), quote: note_text(quote), note: note_text(note) }
}

const fn model(note: &'static str) -> Source {
    Source { kind: SourceKind::ModelChoice, page: None, quote: None, note: note_text(note) }
}

/// Quotes and notes are the reference's prose: docs/protocol.md (section
/// 9) prints them and docs/rules.json carries them for the playground, the
/// docs site and the package (`mapi-logoff/rules.json`). The wasm modules
/// leave them out, for their 100 KiB budget; the kind and page of a
/// rule's source stay in every module.
#[cfg(not(target_arch = "wasm32"))]
const fn note_text(note: &'static str) -> Option<&'static str> {
    if note.is_empty() { None } else { Some(note) }
}

#[cfg(target_arch = "wasm32")]
const fn note_text(_: &'static str) -> Option<&'static str> {
    None
}

use SourceKind::{OtherPage, ReferencePage, SdkSample};

macro_rules! rules {
    ($($id:ident => $title:literal, $source:expr;)*) => {
        /// A rule (S1-S17 stores, T1-T9 transports), an invariant (I1-I6)
        /// or a provider mistake (M1-M11).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub enum RuleId { $($id),* }

        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$id),*];

            pub const fn as_str(self) -> &'static str {
                match self { $(RuleId::$id => stringify!($id)),* }
            }

            /// One line saying what the rule requires.
            pub const fn title(self) -> &'static str {
                match self { $(RuleId::$id => $title),* }
            }

            /// Where the rule comes from. A mistake cites the source of the
            /// rule it breaks.
            pub const fn source(self) -> Source {
                match self { $(RuleId::$id => $source),* }
            }
        }
    };
}

rules! {
    S1 => "Exactly one input flag per call; anything else fails and changes nothing",
        page(ReferencePage, STL, "On input, all flags for this parameter are mutually exclusive; only one of the following flags can be set per call:", "The page does not say what MAPI answers otherwise: the two error codes are the model's choice.");
    S2 => "Output flags report state: COMPLETE, INBOUND, OUTBOUND, OUTBOUND_QUEUE",
        page(ReferencePage, STL, "On output, MAPI spooler can return one or more of the following flags:", "");
    S3 => "LOGOFF_QUIET: a veto that reports the activity; without activity, release and COMPLETE",
        page(ReferencePage, STL, "The logoff should not occur if any transport provider activity is taking place. The type of activity taking place is returned as a flag on output.", "");
    S4 => "LOGOFF_ABORT: stop the activity, release, COMPLETE; or veto while busy (a reading)",
        page(ReferencePage, STL, "Any transport provider activity for this store should be stopped before logoff. Control is returned to the client after the activity is stopped and the MAPI spooler has logged off the store.", "The next sentence says the opposite (a veto while busy): both are readings; no public sample shows which the spooler does.");
    S5 => "LOGOFF_NO_WAIT: ready mail is sent, the receive in progress finishes, then the store is released",
        page(ReferencePage, STL, "The MAPI spooler should release the store and return control to the client immediately after all outbound mail that is ready to be sent is sent. If the message store has the default Inbox, any in-process message is received, and then further reception is disabled.", "The model returns COMPLETE at once and does the work in the background; returning after the work also conforms.");
    S6 => "LOGOFF_ORDERLY: what is in progress finishes, nothing new starts, then the store is released",
        page(ReferencePage, STL, "The MAPI spooler should release the store and return control to the client immediately after any pending messages are finished processing. No new messages should be processed.", "The model returns COMPLETE at once and does the work in the background; returning after the work also conforms.");
    S7 => "LOGOFF_PURGE: works as NO_WAIT and returns COMPLETE only when the work is done",
        page(ReferencePage, STL, "Works the same as the LOGOFF_NO_WAIT flag. The LOGOFF_PURGE flag returns control to the caller after completion.", "The page links IXPLogon::FlushQueues: the model pushes the store's outbound mail with FLUSH_UPLOAD.");
    S8 => "Another process of the profile has the store open: MAPI ignores the call, S_OK with COMPLETE",
        page(ReferencePage, STL, "If another process has the store to be logged off open for the same profile, MAPI ignores a call to StoreLogoffTransports and returns the flag LOGOFF_COMPLETE in the lpulFlags parameter.", "That an ignored call is ignored before its flags are checked is the model's reading of \"ignores\".");
    S9 => "After COMPLETE only Release should be called; a veto leaves the store usable",
        page(ReferencePage, STL, "Only the message store's IUnknown::Release method should be called at this point.", "Refusing other calls with MAPI_E_INVALID_OBJECT is the model's choice; COM still allows AddRef and QueryInterface.");
    S10 => "StoreLogoffTransports is called once per shutdown; a call after COMPLETE is refused",
        page(OtherPage, "shutting-down-a-message-store-provider", "StoreLogoffTransports must be called once during the shutdown process.", "The answer to a second call is the model's choice.");
    S11 => "Only a message-store support object implements StoreLogoffTransports; MAPI_E_NO_SUPPORT is normal",
        page(ReferencePage, STL, "The IMAPISupport::StoreLogoffTransports method is implemented for message store provider support objects.", "MAPI_E_NO_SUPPORT from other support objects is the model's choice.");
    S12 => "The store passes StoreLogoffTransports the client's StoreLogoff flag, unchanged",
        page(ReferencePage, STL, "That is, if a client called your StoreLogoff method with ulFlags set to LOGOFF_ORDERLY, you should call StoreLogoffTransports with ulFlags set to LOGOFF_ORDERLY.", "");
    S13 => "StoreLogoffTransports is called from StoreLogoff (default) or from the final Release (a reading)",
        page(ReferencePage, STL, "StoreLogoffTransports is typically called from a store provider's IMsgStore::StoreLogoff method. However, it can also be called from the IUnknown::Release method of the message store.", "The deferred way is the SDK sample store's (MSPMS.C).");
    S14 => "At the final Release, if no call has occurred, call StoreLogoffTransports with LOGOFF_ABORT",
        page(ReferencePage, STL, "Implement the Release method of your message store so you can check whether or not a call to StoreLogoffTransports has occurred. If a call has not occurred, call StoreLogoffTransports with the LOGOFF_ABORT flag set.", "After a veto, a second call with ABORT and no second call both conform; the model makes the call.");
    S15 => "StoreLogoff on a store other clients still use: answered at once, or at the final Release (deferred)",
        model("Not on the two pages; it follows from each reading of S13.");
    S16 => "Releasing the store's support object logs its logon off, once the spooler let go of its own",
        page(OtherPage, "shutting-down-a-message-store-provider", "Calls IMSLogon::Logoff to release all open objects, subobjects, and status objects.", "One of the tasks of MAPI's Release for message stores; waiting for the spooler's own logon is the model's choice.");
    S17 => "StoreLogoff returns what StoreLogoffTransports returned (default), or S_OK with COMPLETE (deferred)",
        page(ReferencePage, STL, "The type of activity taking place is returned as a flag on output.", "The deferred answer is the SDK sample store's (MSPMS.C).");
    T1 => "TransportLogoff's ulFlags is reserved and must be zero; non-zero is the caller's mistake",
        page(ReferencePage, TL, "Reserved; must be zero.", "LOGOFF_NORMAL and LOGOFF_HURRY are defined in MAPISPI.h; a provider may ignore them or answer MAPI_E_UNKNOWN_FLAGS.");
    T2 => "Before TransportLogoff the spooler discards the session's AddressTypes data",
        page(ReferencePage, TL, "Before calling TransportLogoff, the MAPI spooler discards the data about the supported address types for this session passed in IXPLogon::AddressTypes.", "");
    T3 => "Before TransportLogoff the spooler ends the session's traffic with TransportNotify",
        model("How the spooler ends a session's traffic is not on the pages; the values are MAPISPI.h's.");
    T4 => "TransportLogoff may come at any time: a send stops and goes back to its queue; a receive is kept",
        page(ReferencePage, TL, "The transport provider must be ready to accept a call to TransportLogoff at any time. If a message is in process, the provider should stop the sending process.", "Where a stopped message goes (nothing is lost) is the model's choice.");
    T5 => "The provider frees the session's memory during TransportLogoff; AddressTypes arrays not before",
        page(ReferencePage, TL, "The transport provider must release all resources allocated for its current session. If it allocated memory for this session with MAPIAllocateBuffer, it must free it with MAPIFreeBuffer. Any memory allocated to satisfy calls to IXPLogon::AddressTypes can safely be freed.", "");
    T6 => "In TransportLogoff: MakeInvalid first, then the session's resources, the support object last",
        page(ReferencePage, TL, "Typically, when carrying out a TransportLogoff call, a provider should first invalidate its logon object by calling IMAPISupport::MakeInvalid, then release its support object. The provider's TransportLogoff implementation must release the support object last, because when the support object is released the MAPI spooler may also release the provider object itself.", "");
    T7 => "Whatever TransportLogoff returns, the session is logged off",
        page(ReferencePage, TL, "If anything other than S_OK is returned, the provider is logged off.", "");
    T8 => "A final Release or Shutdown without TransportLogoff does the logoff work first",
        page(SdkSample, "XPBASE.C", "", "The SDK sample transport calls its own TransportLogoff from Release.");
    T9 => "MAPIFreeBuffer on a child block, a freed block or a foreign pointer is a provider bug",
        model("The real behaviour is undefined; the model reports it.");
    I1 => "No message is lost or duplicated",
        model("A consequence the model checks: every message is in exactly one place.");
    I2 => "After a session is logged off none of its memory is allocated and its support object is released",
        page(ReferencePage, TL, "The transport provider must release all resources allocated for its current session.", "");
    I3 => "Only Release reaches an invalidated object; no call reaches a released one",
        page(ReferencePage, STL, "Only the message store's IUnknown::Release method should be called at this point.", "Extended by the model to logons invalidated with MakeInvalid and to released objects (COM).");
    I4 => "Reference counts never go below zero",
        model("COM reference counting; no MAPI page states it for these objects.");
    I5 => "Each store shutdown calls StoreLogoffTransports (S14) and none after COMPLETE, with the client's flag or ABORT",
        page(ReferencePage, STL, "If a call has not occurred, call StoreLogoffTransports with the LOGOFF_ABORT flag set.", "A shutdown whose only call was vetoed is legal: the spooler keeps its logon until its work is done.");
    I6 => "A provider is shut down only after its last logon is released",
        model("Follows from T6 (the spooler may release the provider with its support object); no page states it.");
    M1 => "Mistake: release to zero without StoreLogoffTransports", RuleId::S14.source();
    M2 => "Mistake: StoreLogoffTransports again after it returned COMPLETE, or never, in one shutdown", RuleId::S10.source();
    M3 => "Mistake: several input flags at once, or output bits passed back as input", RuleId::S1.source();
    M4 => "Mistake: treating MAPI_E_NO_SUPPORT from StoreLogoffTransports as fatal", RuleId::S11.source();
    M5 => "Mistake: a call other than Release after COMPLETE", RuleId::S9.source();
    M6 => "Mistake: releasing the support object before the rest of the cleanup", RuleId::T6.source();
    M7 => "Mistake: memory not freed during TransportLogoff, or a child block freed", RuleId::T5.source();
    M8 => "Mistake: freeing or changing the AddressTypes arrays before TransportLogoff", RuleId::T5.source();
    M9 => "Mistake: assuming a failing or refused TransportLogoff keeps the session", RuleId::T7.source();
    M10 => "Mistake: logoff not done when Release or Shutdown arrives without TransportLogoff", RuleId::T8.source();
    M11 => "Mistake: non-zero ulFlags passed to TransportLogoff; the caller's, never the provider's", RuleId::T1.source();
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

crate::json::ts_string_union!(
    RuleId,
    "RuleId",
    "Rule ids: S stores, T transports, I invariants, M provider mistakes.",
    RuleId::ALL.iter().map(|r| r.as_str())
);

impl RuleId {
    /// The Microsoft documentation page the rule cites, when it cites one
    /// (samples, headers and model choices have no page to link).
    pub fn doc_page(self) -> Option<&'static str> {
        let source = self.source();
        matches!(source.kind, SourceKind::ReferencePage | SourceKind::OtherPage).then_some(source.page).flatten()
    }

    /// The full address of the documentation page the rule cites.
    pub fn doc_url(self) -> Option<String> {
        self.doc_page().map(|p| format!("{DOCS}{p}"))
    }

    pub fn parse(text: &str) -> Option<RuleId> {
        Self::ALL.iter().copied().find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_reference_has_an_id() {
        let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        for (prefix, n) in [("S", 17), ("T", 9), ("I", 6), ("M", 11)] {
            for i in 1..=n {
                assert!(ids.contains(&format!("{prefix}{i}").as_str()), "{prefix}{i}");
            }
        }
        assert_eq!(RuleId::parse("s3"), Some(RuleId::S3));
        assert!(RuleId::T5.doc_url().unwrap().ends_with("ixplogon-transportlogoff"));
        assert_eq!(RuleId::T9.doc_url(), None);
    }

    #[test]
    fn quotes_come_only_from_pages_and_model_choices_cite_none() {
        for r in RuleId::ALL {
            let s = r.source();
            match s.kind {
                SourceKind::ReferencePage => assert!(s.quote.is_some() && s.page.is_some(), "{r} quotes its reference page"),
                SourceKind::ModelChoice => assert!(s.page.is_none() && s.quote.is_none() && s.note.is_some(), "{r} says it is a choice"),
                _ => assert!(s.page.is_some(), "{r} names its source"),
            }
        }
    }
}
