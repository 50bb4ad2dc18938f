//! The outcome matrix: every input flag of StoreLogoffTransports against
//! every mix of activity (a receive in progress, a send in progress, mail
//! queued) and sharing (S8), each cell computed by running the engine on a
//! small scenario that builds exactly that situation.

use crate::engine::{Action, Simulation};
use crate::flags::{StoreLogoffFlag, StoreLogoffOutFlags};
use crate::hresult::HResult;
use crate::rules::RuleId;
use crate::scenario::{InboundSpec, MessageSpec, Scenario, SessionSpec, Settings, StoreSpec, TransportSpec};
use crate::state::SpoolerLogon;
use serde::Serialize;

/// The situation of one cell.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Situation {
    /// A message is being received into the store (LOGOFF_INBOUND).
    pub inbound: bool,
    /// A message of the store is being sent (LOGOFF_OUTBOUND).
    pub outbound: bool,
    /// Mail waits in the store's outbound queue (LOGOFF_OUTBOUND_QUEUE).
    pub queued: bool,
    /// Another process of the profile has the store open (S8).
    pub shared: bool,
}

impl Situation {
    /// All sixteen situations, idle first.
    pub fn all() -> Vec<Situation> {
        (0..16u8).map(|b| Situation { inbound: b & 1 != 0, outbound: b & 2 != 0, queued: b & 4 != 0, shared: b & 8 != 0 }).collect()
    }

    /// A scenario that reaches this situation and then calls
    /// StoreLogoffTransports with `flag` on the store.
    pub fn scenario(self, flag: StoreLogoffFlag, settings: Settings) -> Scenario {
        let smtp = || MessageSpec { address_type: "SMTP".into(), steps: 2 };
        let queued = usize::from(self.queued) + usize::from(self.outbound);
        let mut actions = Vec::new();
        if self.outbound {
            actions.push(Action::BeginSend { session: 0 });
        }
        if self.inbound {
            actions.push(Action::BeginReceive { session: 0 });
        }
        actions.push(Action::StoreLogoffTransports { store: 0, flags: flag.bits(), support: Default::default() });
        let label = |on: bool, text: &'static str| if on { Some(text) } else { None };
        let mix: Vec<&str> =
            [label(self.inbound, "inbound"), label(self.outbound, "outbound"), label(self.queued, "queued"), label(self.shared, "shared")]
                .into_iter()
                .flatten()
                .collect();
        Scenario {
            name: format!("{} on a store that is {}", flag.name(), if mix.is_empty() { "idle".to_string() } else { mix.join(", ") }),
            settings,
            stores: vec![StoreSpec {
                name: "Mailbox".into(),
                default_inbox: true,
                shared_with_other_process: self.shared,
                references: 1,
                provider: None,
                support_kind: Default::default(),
                outbound_queue: (0..queued).map(|_| smtp()).collect(),
                faults: Default::default(),
            }],
            transports: vec![TransportSpec {
                name: "Internet".into(),
                sessions: vec![SessionSpec {
                    name: "smtp".into(),
                    address_types: vec!["SMTP".into()],
                    memory_blocks: 0,
                    child_blocks: 0,
                    inbound: if self.inbound { vec![InboundSpec { steps: 2 }] } else { Vec::new() },
                }],
                faults: Default::default(),
            }],
            actions,
            ..Scenario::default()
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MatrixCell {
    pub flag: StoreLogoffFlag,
    pub situation: Situation,
    pub hresult: HResult,
    pub out_flags: Option<StoreLogoffOutFlags>,
    pub rules: Vec<RuleId>,
    pub explanation: String,
    /// Whether the spooler had released the store when the call returned
    /// (NO_WAIT and ORDERLY release it in later steps).
    pub released_at_return: bool,
    /// The scenario that reproduces the cell.
    pub scenario: Scenario,
}

/// Every flag against every situation: 5 x 16 cells, flag-major.
pub fn outcome_matrix(settings: Settings) -> Vec<MatrixCell> {
    let mut cells = Vec::new();
    for flag in StoreLogoffFlag::ALL {
        for situation in Situation::all() {
            let scenario = situation.scenario(flag, settings);
            let mut sim = Simulation::new(&Scenario { actions: Vec::new(), ..scenario.clone() }).expect("matrix scenarios are valid");
            let mut outcomes = sim.run(scenario.actions.clone()).expect("matrix actions are valid");
            let last = outcomes.pop().expect("each cell ends with the logoff call");
            cells.push(MatrixCell {
                flag,
                situation,
                hresult: last.hresult,
                out_flags: last.out_flags,
                rules: last.rules,
                explanation: last.explanation,
                released_at_return: sim.state().stores[0].spooler == SpoolerLogon::Released,
                scenario,
            });
        }
    }
    cells
}
