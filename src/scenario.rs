//! Scenarios: a versioned JSON document with the initial parts, the
//! settings (including the readings chosen where the docs contradict
//! themselves), the provider faults and a list of actions.
//!
//! ```json
//! { "version": 1,
//!   "stores": [{ "name": "Mailbox", "defaultInbox": true,
//!                "outboundQueue": [{ "addressType": "SMTP" }] }],
//!   "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }],
//!   "actions": [{ "type": "storeLogoff", "store": 0, "flags": "LOGOFF_QUIET" }] }
//! ```

use crate::engine::Action;
use crate::error::{ErrorCode, InputError};
use crate::faults::{StoreFault, StoreFaults, TransportFault, TransportFaults};
use crate::json::{self, Fields};
use crate::memory::{Allocator, BlockKind};
use crate::state::*;
use serde::Serialize;

/// The scenario format this build reads and writes.
pub const SCENARIO_VERSION: u32 = 1;

/// Limits that keep every id in its compact integer type and every input
/// small enough to check interactively. Exceeding one is an input error.
pub mod limits {
    pub const STORES: usize = 32;
    pub const TRANSPORTS: usize = 16;
    pub const SESSIONS: usize = 32;
    pub const ADDRESS_TYPES: usize = 32;
    pub const MESSAGES: usize = 20_000;
    pub const REFERENCES: u16 = 1_000;
    pub const STEPS: u8 = 100;
    pub const BLOCKS_PER_SESSION: u8 = 64;
    /// Memory blocks in one scenario, initial and allocated.
    pub const BLOCKS: usize = 60_000;
    pub const ACTIONS: usize = 100_000;
    /// Names of parts, provider names and address types, in characters.
    pub const NAME_LEN: usize = 64;
    /// A scenario's own name, in characters.
    pub const TITLE_LEN: usize = 200;
    /// A scenario's description, in characters.
    pub const DESCRIPTION_LEN: usize = 4096;
    pub const JSON_BYTES: usize = 16 * 1024 * 1024;
}

json::string_enum! {
    /// LOGOFF_ABORT: the page says both "should be stopped before logoff.
    /// Control is returned to the client after the activity is stopped and
    /// the MAPI spooler has logged off the store" and "if any transport
    /// activity is taking place, the logoff does not occur" (S4). Each
    /// reading is named by what it does; no public sample shows which one
    /// the spooler implements.
    #[derive(Default)]
    pub enum AbortReading {
        /// The page's first two sentences: cancel the store's transfers
        /// (nothing is lost), release the store, COMPLETE.
        #[default]
        StopThenRelease = "stopThenRelease",
        /// The page's third sentence: veto while busy, like LOGOFF_QUIET.
        VetoWhileBusy = "vetoWhileBusy",
    }
}

impl AbortReading {
    /// Names of protocol revision 1 that still load: saved scenarios and
    /// shared links keep working. Only the current names are written.
    pub const ALIASES: &'static [(&'static str, AbortReading)] =
        &[("sampleStore", AbortReading::StopThenRelease), ("literal", AbortReading::VetoWhileBusy)];
}

json::string_enum! {
    /// When the store calls StoreLogoffTransports (S13, S14, S17).
    #[derive(Default)]
    pub enum StoreLogoffTransportsTiming {
        /// The page: "typically called from a store provider's StoreLogoff
        /// method". StoreLogoff calls it at once and returns what it got; a
        /// store whose call never returned COMPLETE calls it with
        /// LOGOFF_ABORT at its final Release (S14).
        #[default]
        Immediate = "immediate",
        /// The page's "it can also be called from the IUnknown::Release
        /// method", as the SDK sample store does: StoreLogoff saves the flag
        /// and returns S_OK with COMPLETE; the call is made at the final
        /// Release, just before the support object is released.
        AtFinalRelease = "atFinalRelease",
    }
}

/// The readings chosen where the MAPI docs contradict themselves (see
/// `readings()`), and the explorer's message budget.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// S4. The names of protocol revision 1, "sampleStore" and "literal", still load.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<crate::typescript::AbortReadingOrAlias>", optional))]
    pub abort_reading: AbortReading,
    /// S13/S17: when the store calls StoreLogoffTransports.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub store_logoff_transports: StoreLogoffTransportsTiming,
    /// How many messages the explorer may create with new-mail actions
    /// (client submissions and arrivals), counted over all messages.
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub new_message_limit: u16,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// A message in a store's outbound queue when the scenario starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MessageSpec {
    pub address_type: String,
    /// Steps a transport needs to carry it (1-100, default 2).
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub steps: u8,
}

/// A message a transport holds for delivery when the scenario starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct InboundSpec {
    /// Steps a transport needs to receive it (1-100, default 2).
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub steps: u8,
}

// In TypeScript, the documents are typed as a caller writes them: a field
// the reader defaults is optional (`#[ts(as = "Option<_>", optional)]`),
// though the core always writes it.

/// A message store: its name, its sharing, the mail it holds and its faults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoreSpec {
    pub name: String,
    /// Holds the profile's default Inbox: mail is received into it.
    #[serde(skip_serializing_if = "is_false")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub default_inbox: bool,
    /// Opened by another process of the same profile (S8).
    #[serde(skip_serializing_if = "is_false")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub shared_with_other_process: bool,
    /// Client references when the scenario starts (1-1000, default 1).
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub references: u16,
    /// Store provider name; stores naming the same provider share it.
    /// Defaults to the store's own name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(optional))]
    pub provider: Option<String>,
    /// The support object MAPI hands the store (S11); default "messageStore".
    #[serde(skip_serializing_if = "is_default")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub support_kind: SupportKind,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub outbound_queue: Vec<MessageSpec>,
    #[serde(skip_serializing_if = "is_default")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub faults: StoreFaults,
}

/// A transport logon session, with the address types it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SessionSpec {
    pub name: String,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub address_types: Vec<String>,
    /// Data blocks from MAPIAllocateBuffer held since logon.
    #[serde(skip_serializing_if = "is_default")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub memory_blocks: u8,
    /// MAPIAllocateMore blocks linked to the first data block.
    #[serde(skip_serializing_if = "is_default")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub child_blocks: u8,
    /// Inbound mail the transport holds when the scenario starts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub inbound: Vec<InboundSpec>,
}

/// A transport provider, with its sessions and faults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TransportSpec {
    pub name: String,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub sessions: Vec<SessionSpec>,
    #[serde(skip_serializing_if = "is_default")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub faults: TransportFaults,
}

/// A versioned scenario document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    /// The format's version: 1.
    // SCENARIO_VERSION, as a literal type (tests/typescript.rs checks it).
    #[cfg_attr(not(target_arch = "wasm32"), ts(type = "1"))]
    pub version: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub description: String,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub settings: Settings,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub stores: Vec<StoreSpec>,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub transports: Vec<TransportSpec>,
    #[cfg_attr(not(target_arch = "wasm32"), ts(as = "Option<_>", optional))]
    pub actions: Vec<Action>,
}

type Read<T> = Result<T, InputError>;

/// A name, provider name or address type: at most [`limits::NAME_LEN`] characters.
fn name_text(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<String> {
    json::bounded_string(v, path, code, limits::NAME_LEN)
}

impl Settings {
    /// Parses settings from JSON text (used by the bindings' outcomeMatrix).
    pub fn from_json(text: &str) -> Read<Settings> {
        Settings::from_value(&json::parse(text, ErrorCode::InvalidScenario)?)
    }

    /// Reads settings from a JSON tree.
    pub(crate) fn from_value(v: &serde_json::Value) -> Read<Settings> {
        Settings::read(v, "", ErrorCode::InvalidScenario)
    }

    fn read(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<Settings> {
        let f = Fields::of(v, path, code, "settings", &["abortReading", "storeLogoffTransports", "newMessageLimit"])?;
        Ok(Settings {
            abort_reading: f.or("abortReading", AbortReading::default(), |v, p, c| {
                json::name_or_alias(v, p, c, AbortReading::NAMES, AbortReading::ALIASES)
            })?,
            store_logoff_transports: f.or("storeLogoffTransports", StoreLogoffTransportsTiming::default(), |v, p, c| {
                json::name(v, p, c, StoreLogoffTransportsTiming::NAMES)
            })?,
            new_message_limit: f.or("newMessageLimit", 0, json::u16_)?,
        })
    }
}

impl MessageSpec {
    fn read(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<MessageSpec> {
        let f = Fields::of(v, path, code, "a message", &["addressType", "steps"])?;
        Ok(MessageSpec { address_type: f.required("addressType", name_text)?, steps: f.or("steps", 2, json::u8_)? })
    }
}

impl StoreSpec {
    fn read(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<StoreSpec> {
        let known = ["name", "defaultInbox", "sharedWithOtherProcess", "references", "provider", "supportKind", "outboundQueue", "faults"];
        let f = Fields::of(v, path, code, "a store", &known)?;
        Ok(StoreSpec {
            name: f.required("name", name_text)?,
            default_inbox: f.or("defaultInbox", false, json::boolean)?,
            shared_with_other_process: f.or("sharedWithOtherProcess", false, json::boolean)?,
            references: f.or("references", 1, json::u16_)?,
            provider: f.optional("provider", name_text)?,
            support_kind: f.or("supportKind", SupportKind::default(), |v, p, c| json::name(v, p, c, SupportKind::NAMES))?,
            outbound_queue: f.or("outboundQueue", Vec::new(), |v, p, c| json::list(v, p, c, MessageSpec::read))?,
            faults: f
                .or("faults", Vec::new(), |v, p, c| json::list(v, p, c, |v, p, c| json::name(v, p, c, StoreFault::NAMES)))?
                .into_iter()
                .collect(),
        })
    }
}

impl SessionSpec {
    fn read(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<SessionSpec> {
        let f = Fields::of(v, path, code, "a session", &["name", "addressTypes", "memoryBlocks", "childBlocks", "inbound"])?;
        let inbound = |v: &serde_json::Value, p: &str, c| {
            let f = Fields::of(v, p, c, "an inbound message", &["steps"])?;
            Ok(InboundSpec { steps: f.or("steps", 2, json::u8_)? })
        };
        Ok(SessionSpec {
            name: f.required("name", name_text)?,
            address_types: f.or("addressTypes", Vec::new(), |v, p, c| json::list(v, p, c, name_text))?,
            memory_blocks: f.or("memoryBlocks", 0, json::u8_)?,
            child_blocks: f.or("childBlocks", 0, json::u8_)?,
            inbound: f.or("inbound", Vec::new(), |v, p, c| json::list(v, p, c, inbound))?,
        })
    }
}

impl TransportSpec {
    fn read(v: &serde_json::Value, path: &str, code: ErrorCode) -> Read<TransportSpec> {
        let f = Fields::of(v, path, code, "a transport", &["name", "sessions", "faults"])?;
        Ok(TransportSpec {
            name: f.required("name", name_text)?,
            sessions: f.or("sessions", Vec::new(), |v, p, c| json::list(v, p, c, SessionSpec::read))?,
            faults: f
                .or("faults", Vec::new(), |v, p, c| json::list(v, p, c, |v, p, c| json::name(v, p, c, TransportFault::NAMES)))?
                .into_iter()
                .collect(),
        })
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            name: String::new(),
            description: String::new(),
            settings: Settings::default(),
            stores: Vec::new(),
            transports: Vec::new(),
            actions: Vec::new(),
        }
    }
}

impl Scenario {
    /// Parses JSON text; errors name the path of the bad field.
    pub fn from_json(text: &str) -> Result<Scenario, InputError> {
        Scenario::from_value(&json::parse(text, ErrorCode::InvalidJson)?)
    }

    /// Reads a scenario from a JSON tree. The version is checked first, so
    /// that a document of another version gets that error, not an error
    /// about fields this version does not know.
    pub(crate) fn from_value(v: &serde_json::Value) -> Result<Scenario, InputError> {
        const CODE: ErrorCode = ErrorCode::InvalidJson;
        if v.is_object() {
            let version = match v.get("version") {
                Some(n) => json::u32_(n, "version", CODE)?,
                None => {
                    return Err(InputError::new(
                        CODE,
                        "version",
                        format!("missing field `version` (this build reads version {SCENARIO_VERSION})"),
                    ));
                }
            };
            if version != SCENARIO_VERSION {
                let message = format!("scenario version {version} is not supported; this build reads version {SCENARIO_VERSION}");
                return Err(InputError::new(ErrorCode::UnsupportedVersion, "version", message));
            }
        }
        let f = Fields::of(v, "", CODE, "a scenario", &["version", "name", "description", "settings", "stores", "transports", "actions"])?;
        let mut scenario = Scenario {
            version: SCENARIO_VERSION,
            name: f.or("name", String::new(), |v, p, c| json::bounded_string(v, p, c, limits::TITLE_LEN))?,
            description: f.or("description", String::new(), |v, p, c| json::bounded_string(v, p, c, limits::DESCRIPTION_LEN))?,
            settings: f.or("settings", Settings::default(), Settings::read)?,
            stores: f.or("stores", Vec::new(), |v, p, c| json::list(v, p, c, StoreSpec::read))?,
            transports: f.or("transports", Vec::new(), |v, p, c| json::list(v, p, c, TransportSpec::read))?,
            actions: Vec::new(),
        };
        // Actions may name an address type ("SMTP"): read them once the
        // parts that declare the names are read.
        let address_types = scenario.address_types();
        scenario.actions =
            f.or("actions", Vec::new(), |v, p, c| json::list(v, p, c, |v, p, _| Action::from_value(v, p, &address_types)))?;
        Ok(scenario)
    }

    /// The scenario's address types, numbered as `build` numbers them (and
    /// as `state().topology.addressTypes` lists them): the sessions' in
    /// order, then the stores' queued messages', each name once, compared
    /// without case. Unchecked: `build` refuses what is wrong with them.
    pub fn address_types(&self) -> Vec<String> {
        let sessions = self.transports.iter().flat_map(|t| &t.sessions).flat_map(|s| &s.address_types);
        let queued = self.stores.iter().flat_map(|s| &s.outbound_queue).map(|m| &m.address_type);
        let mut names: Vec<String> = Vec::new();
        for name in sessions.chain(queued).map(|n| n.trim()) {
            if !name.is_empty() && !names.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                names.push(name.to_string());
            }
        }
        names
    }

    pub fn to_json(&self) -> String {
        crate::json::to_pretty_text(self)
    }

    /// Checks the constraints serde cannot express and builds the fixed
    /// topology and the initial state.
    pub fn build(&self) -> Result<(Topology, State), InputError> {
        let bad = |path: String, msg: String| InputError::new(ErrorCode::InvalidScenario, path, msg);
        let too_many = |path: &str, n: usize, max: usize| {
            if n > max {
                Err(InputError::new(ErrorCode::TooLarge, path, format!("{n} entries; at most {max} are supported")))
            } else {
                Ok(())
            }
        };
        // The reader bounds every string; a scenario built in Rust is held to
        // the same limits here.
        let too_long = |path: String, text: &str, max: usize| {
            let chars = text.chars().count();
            if chars > max {
                Err(InputError::new(ErrorCode::TooLarge, path, format!("{chars} characters; at most {max} are allowed")))
            } else {
                Ok(())
            }
        };
        too_long("name".into(), &self.name, limits::TITLE_LEN)?;
        too_long("description".into(), &self.description, limits::DESCRIPTION_LEN)?;
        too_many("stores", self.stores.len(), limits::STORES)?;
        too_many("transports", self.transports.len(), limits::TRANSPORTS)?;
        too_many("actions", self.actions.len(), limits::ACTIONS)?;
        let session_count: usize = self.transports.iter().map(|t| t.sessions.len()).sum();
        too_many("transports[].sessions", session_count, limits::SESSIONS)?;
        let message_count: usize = self.stores.iter().map(|s| s.outbound_queue.len()).sum::<usize>()
            + self.transports.iter().flat_map(|t| &t.sessions).map(|s| s.inbound.len()).sum::<usize>();
        too_many("messages", message_count, limits::MESSAGES)?;

        let check_name = |path: String, name: &str, seen: &mut Vec<String>| -> Result<(), InputError> {
            if name.trim().is_empty() {
                return Err(bad(path, "must not be empty".into()));
            }
            if name.chars().count() > limits::NAME_LEN {
                return Err(bad(path, format!("longer than {} characters", limits::NAME_LEN)));
            }
            if seen.iter().any(|n| n == name) {
                return Err(bad(path, format!("duplicate name `{name}`")));
            }
            seen.push(name.to_string());
            Ok(())
        };
        let check_steps = |path: String, steps: u8| {
            if steps == 0 || steps > limits::STEPS {
                Err(bad(path, format!("{steps} is out of range: a transfer takes 1 to {} steps", limits::STEPS)))
            } else {
                Ok(())
            }
        };

        let mut address_types: Vec<String> = Vec::new();
        let mut intern = |path: String, name: &str| -> Result<u8, InputError> {
            let name = name.trim();
            if name.is_empty() {
                return Err(bad(path, "an address type must not be empty".into()));
            }
            too_long(path.clone(), name, limits::NAME_LEN)?;
            if let Some(i) = address_types.iter().position(|a| a.eq_ignore_ascii_case(name)) {
                return Ok(i as u8);
            }
            if address_types.len() == limits::ADDRESS_TYPES {
                return Err(InputError::new(
                    ErrorCode::TooLarge,
                    path,
                    format!("more than {} distinct address types", limits::ADDRESS_TYPES),
                ));
            }
            address_types.push(name.to_string());
            Ok((address_types.len() - 1) as u8)
        };

        // Transports first so that address types are numbered in session order.
        let mut names = Vec::new();
        let mut session_names = Vec::new();
        let mut transports = Vec::new();
        let mut sessions = Vec::new();
        for (ti, t) in self.transports.iter().enumerate() {
            check_name(format!("transports[{ti}].name"), &t.name, &mut names)?;
            transports.push(TransportInfo { name: t.name.as_str().into(), faults: t.faults });
            for (si, s) in t.sessions.iter().enumerate() {
                let p = format!("transports[{ti}].sessions[{si}]");
                check_name(format!("{p}.name"), &s.name, &mut session_names)?;
                let mut mask = 0u32;
                for (ai, a) in s.address_types.iter().enumerate() {
                    mask |= 1 << intern(format!("{p}.addressTypes[{ai}]"), a)?;
                }
                if s.memory_blocks > limits::BLOCKS_PER_SESSION || s.child_blocks > limits::BLOCKS_PER_SESSION {
                    return Err(bad(format!("{p}.memoryBlocks"), format!("at most {} blocks per session", limits::BLOCKS_PER_SESSION)));
                }
                if s.child_blocks > 0 && s.memory_blocks == 0 {
                    return Err(bad(format!("{p}.childBlocks"), "child blocks need a root: set memoryBlocks to at least 1 (MAPIAllocateMore links to a MAPIAllocateBuffer block, T5)".into()));
                }
                for (ii, m) in s.inbound.iter().enumerate() {
                    check_steps(format!("{p}.inbound[{ii}].steps"), m.steps)?;
                }
                sessions.push(SessionInfo { name: s.name.as_str().into(), transport: ti as u8, address_types: mask });
            }
        }

        let mut store_names = Vec::new();
        let mut store_providers: Vec<Name> = Vec::new();
        let mut stores = Vec::new();
        let mut inbox_at: Option<usize> = None;
        for (i, s) in self.stores.iter().enumerate() {
            check_name(format!("stores[{i}].name"), &s.name, &mut store_names)?;
            if s.default_inbox {
                if let Some(first) = inbox_at {
                    return Err(bad(
                        format!("stores[{i}].defaultInbox"),
                        format!("only one store holds the profile's default Inbox, and stores[{first}] already does"),
                    ));
                }
                inbox_at = Some(i);
            }
            if s.references == 0 || s.references > limits::REFERENCES {
                return Err(bad(
                    format!("stores[{i}].references"),
                    format!("{} is out of range: an open store has 1 to {} client references", s.references, limits::REFERENCES),
                ));
            }
            let provider = s.provider.clone().unwrap_or_else(|| s.name.clone());
            if provider.trim().is_empty() {
                return Err(bad(format!("stores[{i}].provider"), "must not be empty".into()));
            }
            too_long(format!("stores[{i}].provider"), &provider, limits::NAME_LEN)?;
            let pi = match store_providers.iter().position(|p| *p == provider) {
                Some(pi) => pi,
                None => {
                    store_providers.push(provider.into());
                    store_providers.len() - 1
                }
            };
            stores.push(StoreInfo {
                name: s.name.as_str().into(),
                default_inbox: s.default_inbox,
                shared_with_other_process: s.shared_with_other_process,
                support_kind: s.support_kind,
                provider: pi as u8,
                faults: s.faults,
            });
        }

        let mut messages = Vec::new();
        let mut store_states = Vec::new();
        for (i, s) in self.stores.iter().enumerate() {
            let mut queue = Vec::new();
            for (mi, m) in s.outbound_queue.iter().enumerate() {
                let p = format!("stores[{i}].outboundQueue[{mi}]");
                check_steps(format!("{p}.steps"), m.steps)?;
                let at = intern(format!("{p}.addressType"), &m.address_type)?;
                messages.push(Message { origin: Some(i as u8), address_type: at, steps: m.steps });
                queue.push((messages.len() - 1) as MessageId);
            }
            store_states.push(StoreState {
                refs: s.references,
                phase: StorePhase::Open,
                saved_flag: None,
                store_logoff_transports: Default::default(),
                spooler: SpoolerLogon::initial(s.support_kind),
                support_released: false,
                queue,
                inbox: Vec::new(),
                sent: Vec::new(),
            });
        }

        let mut memory = Allocator::default();
        let mut session_states = Vec::new();
        let flat_sessions = self.transports.iter().flat_map(|t| &t.sessions);
        for (si, s) in flat_sessions.enumerate() {
            let owner = si as u8;
            let address_types_block = memory.allocate(owner, BlockKind::AddressTypes);
            let roots: Vec<_> = (0..s.memory_blocks).map(|_| memory.allocate(owner, BlockKind::Data)).collect();
            if let Some(&root) = roots.first() {
                for _ in 0..s.child_blocks {
                    memory.allocate_more(owner, root).expect("a fresh root accepts children");
                }
            }
            let first_type = (0..32).find(|b| sessions[si].address_types & (1 << b) != 0).unwrap_or(0) as u8;
            let mut held = Vec::new();
            for m in &s.inbound {
                messages.push(Message { origin: None, address_type: first_type, steps: m.steps });
                held.push((messages.len() - 1) as MessageId);
            }
            session_states.push(SessionState {
                phase: SessionPhase::LoggedOn,
                routing: true,
                inbound_enabled: true,
                outbound_enabled: true,
                flushing: 0,
                sending: None,
                receiving: None,
                held,
                invalid: false,
                support_released: false,
                address_types_block,
                cleanup_skipped: None,
                cleanup_leaked: None,
            });
        }
        let topology = Topology { stores, store_providers, transports, sessions, address_types };
        let state = State {
            store_providers: vec![ProviderPhase::Active; topology.store_providers.len()],
            transports: vec![ProviderPhase::Active; topology.transports.len()],
            stores: store_states,
            sessions: session_states,
            messages,
            memory,
            errors: Vec::new(),
        };
        Ok((topology, state))
    }
}
