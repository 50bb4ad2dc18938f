//! # mapi-logoff
//!
//! An executable reference for how MAPI logs off message stores and
//! transport providers: IMsgStore::StoreLogoff,
//! IMAPISupport::StoreLogoffTransports, IXPLogon::TransportLogoff, with
//! FlushQueues, TransportNotify, MakeInvalid, support-object release and the
//! MAPI allocator around them.
//!
//! The model is small and deterministic. A [`Scenario`] describes the parts
//! (stores, transport providers and their sessions, queued and inbound
//! mail), the readings chosen where Microsoft's documentation contradicts
//! itself, the provider faults to switch on, and a list of [`Action`]s.
//! Each action is applied through one entry point and answers with an
//! [`Outcome`]: the HRESULT, the out flags, the rule ids that decided it and
//! what changed. Every call between parts is recorded in the trace, and
//! [`check_invariants`] reports broken invariants (I1-I6) and rules with
//! their ids. The same scenario always gives the same trace, byte for byte.
//!
//! ```
//! use mapi_logoff::{Action, HResult, Scenario, Simulation, StoreLogoffOutFlags};
//!
//! // A mailbox with one message queued for an SMTP transport.
//! let scenario = Scenario::from_json(r#"{
//!     "version": 1,
//!     "stores": [{ "name": "Mailbox", "defaultInbox": true,
//!                  "outboundQueue": [{ "addressType": "SMTP" }] }],
//!     "transports": [{ "name": "Internet",
//!                      "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }]
//! }"#).unwrap();
//! let mut sim = Simulation::new(&scenario).unwrap();
//!
//! // S3: LOGOFF_QUIET is vetoed while mail waits in the outbound queue.
//! let quiet = sim.apply(Action::StoreLogoffTransports {
//!     store: 0, flags: 0x10, support: Default::default() }).unwrap();
//! assert_eq!(quiet.hresult, HResult::S_OK);
//! assert_eq!(quiet.out_flags, Some(StoreLogoffOutFlags::LOGOFF_OUTBOUND_QUEUE));
//!
//! // S1: two input flags at once are bad input, and nothing changes; the
//! // call is the client's mistake (M3).
//! let bad = sim.apply(Action::StoreLogoff { store: 0, flags: 0x6 }).unwrap();
//! assert_eq!(bad.hresult, HResult::MAPI_E_INVALID_PARAMETER);
//! assert!(bad.changes.is_empty());
//! assert_eq!(bad.new_violations[0].mistake, Some(mapi_logoff::RuleId::M3));
//!
//! // S7: LOGOFF_PURGE flushes the queue and returns only when it is sent.
//! let purge = sim.apply(Action::StoreLogoffTransports {
//!     store: 0, flags: 0x4, support: Default::default() }).unwrap();
//! assert_eq!(purge.out_flags, Some(StoreLogoffOutFlags::LOGOFF_COMPLETE));
//! assert_eq!(sim.state().stores[0].sent.len(), 1);
//! assert_eq!(sim.violations().len(), 1, "only the client's bad call");
//! println!("{}", sim.trace_text());
//! ```
//!
//! One run shows one interleaving; the [`explore`] module visits them all.
//! Here it proves that from a mailbox with a send in progress,
//! `LOGOFF_QUIET` can answer `LOGOFF_OUTBOUND` (a veto, S3), and that no
//! interleaving loses a message:
//!
//! ```
//! use mapi_logoff::explore::{explore, ExploreOptions, LogoffCall, OutcomeGoal, Property, Verdict};
//! use mapi_logoff::{Scenario, StoreLogoffFlag, StoreLogoffOutFlags};
//!
//! let scenario = Scenario::from_json(r#"{
//!     "version": 1,
//!     "stores": [{ "name": "Mailbox", "outboundQueue": [{ "addressType": "SMTP" }] }],
//!     "transports": [{ "name": "Internet",
//!                      "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }]
//! }"#).unwrap();
//! let quiet_vetoes = Property::Reachable(OutcomeGoal {
//!     call: LogoffCall::StoreLogoffTransports,
//!     flag: StoreLogoffFlag::Quiet,
//!     hresult: None,
//!     out_flags: Some(StoreLogoffOutFlags::LOGOFF_OUTBOUND),
//! });
//! let options = ExploreOptions {
//!     properties: vec![Property::NoMessageLost, quiet_vetoes],
//!     ..ExploreOptions::default()
//! };
//! let report = explore(&scenario, options).unwrap();
//! let verdicts: Vec<Verdict> = report.properties.iter().map(|p| p.verdict).collect();
//! // I1-I6 (always checked), no message lost, and the goal, with its shortest witness.
//! assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds, Verdict::Reachable]);
//! let witness = report.properties[2].counterexample.as_ref().unwrap();
//! assert_eq!(witness.path.len(), 2); // begin the send, StoreLogoff(QUIET): vetoed at once
//! ```
//!
//! `docs/protocol.md` explains every rule id and how the explorer judges
//! each property; `ARCHITECTURE.md` maps the modules.

#![forbid(unsafe_code)]

pub mod check;
mod delta;
pub mod engine;
pub mod error;
pub mod explore;
pub mod faults;
mod fingerprint;
pub mod flags;
pub mod hresult;
pub mod invariants;
mod json;
pub mod matrix;
pub mod memory;
pub mod readings;
pub mod rules;
pub mod scenario;
pub mod spooler;
pub mod state;
pub mod store;
pub mod trace;
pub mod tracefile;
pub mod transport;
#[cfg(not(target_arch = "wasm32"))]
pub mod typescript;
pub mod workload;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use engine::{Action, Change, Direction, Outcome, RunReport, Simulation, StateView, apply, enabled_actions, run_scenario};
pub use error::{ErrorCode, InputError};
pub use faults::{StoreFault, TransportFault};
pub use flags::{FlagSet, StoreLogoffFlag, StoreLogoffOutFlags};
pub use hresult::HResult;
pub use invariants::{Violation, check_invariants, invariants_hold};
pub use rules::RuleId;
pub use scenario::Scenario;
pub use state::{State, Topology};
pub use trace::{Event, NoTrace, Recorder, Trace};

/// The crate version, as the bindings and the CLI report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
