//! Rule ids: every behaviour of the model, every invariant and every
//! provider mistake has one, so an outcome, a test name, a diagnostic and
//! the playground's explanation all point to the same place in
//! `docs/protocol.md`.

use serde::Serialize;
use std::fmt;

const DOCS: &str = "https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/";

macro_rules! rules {
    ($($id:ident => $page:literal, $title:literal;)*) => {
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

            /// The Microsoft documentation page the rule comes from
            /// (file name under `docs/outlook/mapi/`).
            pub const fn doc_page(self) -> &'static str {
                match self { $(RuleId::$id => $page),* }
            }
        }
    };
}

rules! {
    S1 => "imapisupport-storelogofftransports", "Exactly one input flag; otherwise MAPI_E_UNKNOWN_FLAGS (undefined bit) or MAPI_E_INVALID_PARAMETER, and nothing changes";
    S2 => "imapisupport-storelogofftransports", "Output flags report state: COMPLETE, INBOUND, OUTBOUND, OUTBOUND_QUEUE";
    S3 => "imapisupport-storelogofftransports", "LOGOFF_QUIET vetoes while there is activity and reports it; otherwise releases and returns COMPLETE";
    S4 => "imapisupport-storelogofftransports", "LOGOFF_ABORT stops the store's transport activity (nothing lost), releases, returns COMPLETE; the literal reading vetoes like QUIET";
    S5 => "imapisupport-storelogofftransports", "LOGOFF_NO_WAIT returns COMPLETE at once; the spooler sends ready mail, finishes the receive in progress, then releases";
    S6 => "imapisupport-storelogofftransports", "LOGOFF_ORDERLY returns COMPLETE at once; messages in progress finish, no new one starts, then the spooler releases";
    S7 => "imapisupport-storelogofftransports", "LOGOFF_PURGE flushes the transports' queues and returns COMPLETE only when all of it has completed";
    S8 => "imapisupport-storelogofftransports", "A store another process of the same profile has open: the call is ignored, S_OK with LOGOFF_COMPLETE";
    S9 => "imapisupport-storelogofftransports", "After COMPLETE only Release, AddRef and QueryInterface are valid; after a veto the store stays usable";
    S10 => "imapisupport-storelogofftransports", "StoreLogoffTransports runs exactly once per completed shutdown; again after COMPLETE is MAPI_E_INVALID_OBJECT";
    S11 => "imapisupport-storelogofftransports", "Non-store support objects answer MAPI_E_NO_SUPPORT, which a store provider must treat as normal";
    S12 => "imsgstore-storelogoff", "StoreLogoff saves the caller's flag (a second call overwrites it) and passes it unchanged to StoreLogoffTransports";
    S13 => "imsgstore-storelogoff", "StoreLogoffTransports is called when the last reference is released, just before the support object is released";
    S14 => "imsgstore-storelogoff", "A store released to zero without StoreLogoff calls StoreLogoffTransports with LOGOFF_ABORT";
    S15 => "imsgstore-storelogoff", "StoreLogoff on a store others still use returns at once; the saved flag is used at the final release";
    S16 => "shutting-down-a-message-store-provider", "Releasing the store's support object removes its MAPIUIDs and status row, logs the logon off and may shut the provider down";
    S17 => "imsgstore-storelogoff", "StoreLogoff returns S_OK with COMPLETE (deferred reading) or exactly what StoreLogoffTransports returned (immediate reading)";
    T1 => "ixplogon-transportlogoff", "TransportLogoff gets ulFlags 0; LOGOFF_NORMAL and LOGOFF_HURRY are tolerated; other bits are MAPI_E_UNKNOWN_FLAGS";
    T2 => "ixplogon-transportlogoff", "Before TransportLogoff the spooler discards the session's AddressTypes data";
    T3 => "ixplogon-transportnotify", "Before that the spooler disables traffic with TransportNotify(NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND)";
    T4 => "ixplogon-transportlogoff", "A send in progress stops and its message returns to its outbound queue; a receive in progress is abandoned and kept by the transport";
    T5 => "mapiallocatebuffer", "The provider frees every block it allocated for the session; AddressTypes arrays may be freed now, not before";
    T6 => "releasing-the-transport-provider", "The provider may MakeInvalid its logon and releases its support object last";
    T7 => "ixplogon-transportlogoff", "Whatever TransportLogoff returns, the session is logged off";
    T8 => "ixpprovider-shutdown", "A final Release without TransportLogoff behaves as TransportLogoff then Release; Shutdown logs open sessions off first";
    T9 => "mapifreebuffer", "MAPIFreeBuffer on a child block, a freed block or a foreign pointer is a provider bug";
    I1 => "imapisupport-storelogofftransports", "No message is lost or duplicated";
    I2 => "ixplogon-transportlogoff", "After a session is logged off none of its memory is allocated and its support object is released";
    I3 => "imapisupport-makeinvalid", "No method but Release reaches an invalidated object; no call reaches a released object";
    I4 => "imsgstore-storelogoff", "Reference counts never go below zero";
    I5 => "imsgstore-storelogoff", "Every store shutdown calls StoreLogoffTransports exactly once, with the client's flag or LOGOFF_ABORT";
    I6 => "ixpprovider-shutdown", "A provider is shut down only after its last logon is released";
    M1 => "imsgstore-storelogoff", "Mistake: release to zero without StoreLogoffTransports";
    M2 => "imapisupport-storelogofftransports", "Mistake: StoreLogoffTransports twice, or never, in one shutdown";
    M3 => "imapisupport-storelogofftransports", "Mistake: several input flags at once, or output bits passed back as input";
    M4 => "imapisupport-storelogofftransports", "Mistake: treating MAPI_E_NO_SUPPORT from StoreLogoffTransports as fatal";
    M5 => "imapisupport-storelogofftransports", "Mistake: a call other than Release after COMPLETE";
    M6 => "releasing-the-transport-provider", "Mistake: releasing the support object before the rest of the cleanup";
    M7 => "mapifreebuffer", "Mistake: MAPIAllocateBuffer memory not freed at TransportLogoff, or a child block freed";
    M8 => "ixplogon-addresstypes", "Mistake: freeing or changing the AddressTypes arrays before TransportLogoff";
    M9 => "ixplogon-transportlogoff", "Mistake: assuming a failing TransportLogoff keeps the session";
    M10 => "ixpprovider-shutdown", "Mistake: logoff not done when Release or Shutdown arrives without TransportLogoff";
    M11 => "ixplogon-transportlogoff", "Mistake: non-zero, undefined ulFlags on TransportLogoff, or refusing the defined ones";
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl RuleId {
    /// The full address of the documentation page behind the rule.
    pub fn doc_url(self) -> String {
        format!("{DOCS}{}", self.doc_page())
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
        for n in 1..=17 {
            assert!(ids.contains(&format!("S{n}").as_str()));
        }
        for n in 1..=9 {
            assert!(ids.contains(&format!("T{n}").as_str()));
        }
        for n in 1..=6 {
            assert!(ids.contains(&format!("I{n}").as_str()));
        }
        for n in 1..=11 {
            assert!(ids.contains(&format!("M{n}").as_str()));
        }
        assert_eq!(RuleId::parse("s3"), Some(RuleId::S3));
        assert!(RuleId::T5.doc_url().ends_with("mapiallocatebuffer"));
    }
}
