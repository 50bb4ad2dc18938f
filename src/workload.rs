//! The reference workload of the benchmarks: a busy profile (four stores,
//! three sessions on two transports, queued and inbound mail) and a long,
//! fixed list of actions that keeps the spooler, the stores and the
//! transports working. The native benchmark and the wasm benchmark under
//! Node both run exactly this, so their figures compare.

use crate::engine::Action;
use crate::flags::{FlushFlags, StoreLogoffFlag};
use crate::scenario::{InboundSpec, MessageSpec, Scenario, SessionSpec, StoreSpec, TransportSpec};

const TYPES: [&str; 3] = ["SMTP", "X400", "FAX"];

/// A profile with `messages` queued outbound messages spread over four
/// stores (and a quarter as many inbound ones held by the first session).
pub fn busy_scenario(messages: usize) -> Scenario {
    let store = |name: &str, inbox: bool, shared: bool, offset: usize| StoreSpec {
        name: name.into(),
        default_inbox: inbox,
        shared_with_other_process: shared,
        references: 2,
        provider: Some(if inbox { "Exchange" } else { "PST" }.into()),
        support_kind: Default::default(),
        outbound_queue: (0..messages / 4).map(|i| MessageSpec { address_type: TYPES[(i + offset) % 3].into(), steps: 2 }).collect(),
        faults: Default::default(),
    };
    let session = |name: &str, types: &[&str], inbound: usize| SessionSpec {
        name: name.into(),
        address_types: types.iter().map(|t| t.to_string()).collect(),
        memory_blocks: 2,
        child_blocks: 1,
        inbound: (0..inbound).map(|_| InboundSpec { steps: 3 }).collect(),
    };
    Scenario {
        name: format!("busy profile with {messages} queued messages"),
        stores: vec![
            store("Mailbox", true, false, 0),
            store("Archive", false, false, 1),
            store("Shared", false, true, 2),
            store("Team", false, false, 0),
        ],
        transports: vec![
            TransportSpec {
                name: "Internet".into(),
                sessions: vec![session("smtp", &["SMTP"], messages / 16), session("x400", &["X400", "SMTP"], 0)],
                faults: Default::default(),
            },
            TransportSpec { name: "Fax".into(), sessions: vec![session("fax", &["FAX"], 0)], faults: Default::default() },
        ],
        // The deferred reading keeps the workload's calls (and so the
        // benchmark figures) comparable with those of protocol revision 1.
        settings: crate::scenario::Settings {
            store_logoff_transports: crate::scenario::StoreLogoffTransportsTiming::AtFinalRelease,
            ..Default::default()
        },
        ..Scenario::default()
    }
}

/// `rounds` rounds of new mail and spooler work with logoff attempts mixed
/// in, then every store and session logged off. About `7 * rounds + 20`
/// actions; every one is valid for [`busy_scenario`].
pub fn busy_actions(rounds: usize) -> Vec<Action> {
    let mut actions = Vec::new();
    for round in 0..rounds {
        actions.push(Action::SubmitMessage { store: (round % 4) as u16, address_type: (round % 3) as u8, steps: 2 });
        actions.push(Action::MailArrives { session: 0, steps: 2 });
        actions.extend(std::iter::repeat_n(Action::SpoolerStep, 4));
        match round % 50 {
            25 => actions.push(Action::StoreLogoffTransports {
                store: (round % 4) as u16,
                flags: StoreLogoffFlag::Quiet.bits(),
                support: Default::default(),
            }),
            49 => actions.push(Action::FlushQueues {
                session: (round % 3) as u16,
                flags: (FlushFlags::FLUSH_UPLOAD | FlushFlags::FLUSH_DOWNLOAD).bits(),
            }),
            _ => actions.push(Action::AddRef { store: (round % 4) as u16 }),
        }
    }
    let logoff = |store: u16, flag: StoreLogoffFlag| Action::StoreLogoff { store, flags: flag.bits() };
    actions.extend([
        logoff(1, StoreLogoffFlag::Orderly),
        logoff(3, StoreLogoffFlag::NoWait),
        logoff(2, StoreLogoffFlag::Quiet),
        // PURGE starts no new reception (S7): let the spooler deliver first.
        Action::RunUntilIdle,
        Action::StoreLogoffTransports { store: 0, flags: StoreLogoffFlag::Purge.bits(), support: Default::default() },
        Action::RunUntilIdle,
        Action::LogoffSession { session: 1, flags: 0 },
        Action::LogoffSession { session: 0, flags: 0 },
        Action::ShutdownProvider { transport: 1, flags: 0 },
    ]);
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Simulation;
    use crate::state::{SessionPhase, SpoolerLogon};

    #[test]
    fn the_workload_is_valid_busy_and_clean() {
        let mut sim = Simulation::new(&busy_scenario(40)).unwrap();
        let actions = busy_actions(60);
        let outcomes = sim.run(actions.clone()).unwrap();
        assert_eq!(outcomes.len(), actions.len());
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
        assert!(sim.trace().iter().any(|e| e.depth > 0), "the workload makes nested calls");
        let state = sim.state();
        assert!(state.stores.iter().map(|s| s.sent.len()).sum::<usize>() > 40, "mail was sent");
        assert!(!state.stores[0].inbox.is_empty(), "mail was received");
        assert_eq!(state.stores[0].spooler, SpoolerLogon::Released, "PURGE released the default Inbox store");
        assert!(state.sessions.iter().all(|s| s.phase == SessionPhase::Released));
    }
}
