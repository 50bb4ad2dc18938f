//! Property tests over random scenarios and random action sequences.
//!
//! (a) Well-behaved providers driven only by enabled actions never break an
//!     invariant, after any step.
//! (b) Any action, however malformed, never panics; an `Err` from
//!     `Simulation::apply` changes neither the state nor the trace.
//! (c) Every provider fault is found by a seeded search over action
//!     sequences, and the same sequence without the fault does not show it.
//! (d) The same scenario always gives the same trace, byte for byte.

use mapi_logoff::faults::{StoreFaults, TransportFaults};
use mapi_logoff::scenario::{
    AbortReading, InboundSpec, MessageSpec, Scenario, SessionSpec, Settings, StoreLogoffTransportsTiming, StoreSpec, TransportSpec,
};
use mapi_logoff::state::SupportKind;
use mapi_logoff::{Action, Direction, ErrorCode, NoTrace, RuleId, Simulation, StoreFault, TransportFault, Violation};
use proptest::prelude::*;
use proptest::test_runner::Config;

const ADDRESS_TYPES: [&str; 3] = ["SMTP", "X400", "FAX"];

// ------------------------------------------------------------- strategies

#[derive(Clone, Debug)]
struct StorePlan {
    queued: Vec<(usize, u8)>,
    references: u16,
    shared: bool,
    provider: Option<u8>,
    support: SupportKind,
}

#[derive(Clone, Debug)]
struct SessionPlan {
    types: Vec<bool>,
    memory_blocks: u8,
    child_blocks: u8,
    inbound: Vec<u8>,
}

fn support_kind() -> impl Strategy<Value = SupportKind> {
    prop_oneof![
        6 => Just(SupportKind::MessageStore),
        1 => Just(SupportKind::Transport),
        1 => Just(SupportKind::AddressBook),
        1 => Just(SupportKind::Configuration),
    ]
}

fn store_plan() -> impl Strategy<Value = StorePlan> {
    (
        prop::collection::vec((0..ADDRESS_TYPES.len(), 1u8..=3), 0..=3),
        1u16..=3,
        prop::bool::weighted(0.15),
        prop::option::of(0u8..2),
        support_kind(),
    )
        .prop_map(|(queued, references, shared, provider, support)| StorePlan { queued, references, shared, provider, support })
}

fn session_plan() -> impl Strategy<Value = SessionPlan> {
    (prop::collection::vec(any::<bool>(), ADDRESS_TYPES.len()), 0u8..=2, 0u8..=2, prop::collection::vec(1u8..=3, 0..=2)).prop_map(
        |(types, memory_blocks, child_blocks, inbound)| SessionPlan {
            types,
            memory_blocks,
            child_blocks: if memory_blocks == 0 { 0 } else { child_blocks },
            inbound,
        },
    )
}

fn settings() -> impl Strategy<Value = Settings> {
    (any::<bool>(), any::<bool>(), 0u16..=12).prop_map(|(literal, immediate, new_message_limit)| Settings {
        abort_reading: if literal { AbortReading::VetoWhileBusy } else { AbortReading::StopThenRelease },
        store_logoff_transports: if immediate {
            StoreLogoffTransportsTiming::Immediate
        } else {
            StoreLogoffTransportsTiming::AtFinalRelease
        },
        new_message_limit,
    })
}

/// 1-3 stores (at most one holds the default Inbox), 1-2 transports with
/// 1-2 sessions each, some queued and inbound mail, some memory blocks.
/// Providers are well behaved: no faults.
fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(store_plan(), 1..=3),
        prop::option::of(0usize..3),
        prop::collection::vec(prop::collection::vec(session_plan(), 1..=2), 1..=2),
        settings(),
    )
        .prop_map(|(stores, inbox, transports, settings)| build(&stores, inbox, &transports, settings))
}

fn build(stores: &[StorePlan], inbox: Option<usize>, transports: &[Vec<SessionPlan>], settings: Settings) -> Scenario {
    let stores = stores
        .iter()
        .enumerate()
        .map(|(i, p)| StoreSpec {
            name: format!("Store{i}"),
            default_inbox: inbox == Some(i),
            shared_with_other_process: p.shared,
            references: p.references,
            provider: p.provider.map(|k| format!("Provider{k}")),
            support_kind: p.support,
            outbound_queue: p.queued.iter().map(|&(t, steps)| MessageSpec { address_type: ADDRESS_TYPES[t].into(), steps }).collect(),
            faults: StoreFaults::default(),
        })
        .collect();
    let mut n = 0;
    let transports = transports
        .iter()
        .enumerate()
        .map(|(t, sessions)| TransportSpec {
            name: format!("Transport{t}"),
            sessions: sessions
                .iter()
                .map(|p| {
                    n += 1;
                    SessionSpec {
                        name: format!("session{n}"),
                        address_types: ADDRESS_TYPES.iter().zip(&p.types).filter(|(_, on)| **on).map(|(a, _)| a.to_string()).collect(),
                        memory_blocks: p.memory_blocks,
                        child_blocks: p.child_blocks,
                        inbound: p.inbound.iter().map(|&steps| InboundSpec { steps }).collect(),
                    }
                })
                .collect(),
            faults: TransportFaults::default(),
        })
        .collect();
    Scenario { settings, stores, transports, ..Scenario::default() }
}

/// How a well-behaved driver picks the next action.
#[derive(Clone, Copy, Debug)]
enum Choice {
    /// `enabled_actions()[i % len]`.
    Enabled(u16),
    SpoolerStep,
    RunUntilIdle,
}

fn choices(max: usize) -> impl Strategy<Value = Vec<Choice>> {
    prop::collection::vec(
        prop_oneof![
            10 => any::<u16>().prop_map(Choice::Enabled),
            1 => Just(Choice::SpoolerStep),
            1 => Just(Choice::RunUntilIdle),
        ],
        0..=max,
    )
}

/// The action a choice stands for now, if any is possible.
fn pick(sim: &Simulation, choice: Choice) -> Option<Action> {
    match choice {
        Choice::Enabled(i) => {
            let enabled = sim.enabled_actions();
            (!enabled.is_empty()).then(|| enabled[usize::from(i) % enabled.len()])
        }
        Choice::SpoolerStep => Some(Action::SpoolerStep),
        Choice::RunUntilIdle => Some(Action::RunUntilIdle),
    }
}

/// Indexes mostly in range, sometimes far out of it.
fn index() -> impl Strategy<Value = u16> {
    prop_oneof![8 => 0u16..4, 1 => 4u16..40, 1 => any::<u16>()]
}

fn flags() -> impl Strategy<Value = u32> {
    prop_oneof![
        2 => prop::sample::select(vec![0u32, 0x1, 0x2, 0x4, 0x8, 0x10, 0x1_0000, 0x8000_0000, 0x8000_0001, 0x06, 0x3E]),
        1 => any::<u32>(),
    ]
}

/// Any action at all: out-of-range indexes, random flags, zero or huge
/// step counts, blocks that never existed.
fn raw_action() -> impl Strategy<Value = Action> {
    let direction = prop_oneof![Just(Direction::Send), Just(Direction::Receive)];
    let support = prop_oneof![
        Just(SupportKind::MessageStore),
        Just(SupportKind::Transport),
        Just(SupportKind::AddressBook),
        Just(SupportKind::Configuration)
    ];
    prop_oneof![
        index().prop_map(|store| Action::OpenStore { store }),
        index().prop_map(|store| Action::AddRef { store }),
        index().prop_map(|store| Action::Release { store }),
        (index(), flags()).prop_map(|(store, flags)| Action::StoreLogoff { store, flags }),
        (index(), any::<u8>(), any::<u8>()).prop_map(|(store, address_type, steps)| Action::SubmitMessage {
            store,
            address_type: address_type % 6,
            steps: steps % 4
        }),
        (index(), flags(), support).prop_map(|(store, flags, support)| Action::StoreLogoffTransports { store, flags, support }),
        Just(Action::SpoolerStep),
        Just(Action::RunUntilIdle),
        index().prop_map(|session| Action::BeginSend { session }),
        index().prop_map(|session| Action::BeginReceive { session }),
        (index(), direction).prop_map(|(session, direction)| Action::Progress { session, direction }),
        index().prop_map(|store| Action::FinishStoreLogoff { store }),
        index().prop_map(|session| Action::EndFlush { session }),
        (index(), flags()).prop_map(|(session, flags)| Action::LogoffSession { session, flags }),
        index().prop_map(|session| Action::ReleaseSession { session }),
        (index(), flags()).prop_map(|(transport, flags)| Action::ShutdownProvider { transport, flags }),
        (index(), flags()).prop_map(|(session, flags)| Action::FlushQueues { session, flags }),
        (index(), any::<u8>()).prop_map(|(session, steps)| Action::MailArrives { session, steps: steps % 4 }),
        (index(), prop::option::of(0u16..12)).prop_map(|(session, parent)| Action::Allocate { session, parent }),
        (index(), prop::option::of(prop_oneof![0u16..12, any::<u16>()])).prop_map(|(session, block)| Action::Free { session, block }),
    ]
}

/// Random faults on every provider, for the "never panics" property.
fn with_random_faults(mut s: Scenario, store_bits: &[u8], transport_bits: &[u8]) -> Scenario {
    for (i, store) in s.stores.iter_mut().enumerate() {
        let bits = store_bits.get(i).copied().unwrap_or(0);
        store.faults = StoreFault::ALL.iter().enumerate().filter(|(b, _)| bits & (1 << b) != 0).map(|(_, f)| *f).collect();
    }
    for (i, t) in s.transports.iter_mut().enumerate() {
        let bits = transport_bits.get(i).copied().unwrap_or(0);
        t.faults = TransportFault::ALL.iter().enumerate().filter(|(b, _)| bits & (1 << b) != 0).map(|(_, f)| *f).collect();
    }
    s
}

fn config() -> Config {
    Config { cases: 256, failure_persistence: None, ..Config::default() }
}

fn show(v: &[Violation]) -> String {
    v.iter().map(|v| format!("  {v}\n")).collect()
}

// ------------------------------------------------------------- properties

proptest! {
    #![proptest_config(config())]

    /// (a) Well-behaved providers and only enabled actions: every invariant
    /// holds after every step.
    #[test]
    fn well_behaved_runs_keep_every_invariant(scenario in scenario(), choices in choices(40)) {
        let mut sim = Simulation::new(&scenario).expect("generated scenarios are valid");
        prop_assert!(sim.violations().is_empty());
        for choice in choices {
            let Some(action) = pick(&sim, choice) else { break };
            let outcome = sim.apply(action);
            let outcome = match outcome {
                Ok(o) => o,
                Err(e) => return Err(TestCaseError::fail(format!("enabled action {action:?} was refused: {e}"))),
            };
            let v = sim.violations();
            prop_assert!(
                v.is_empty() && outcome.new_violations.is_empty(),
                "after {:?}:\n{}\n{}",
                action,
                show(&v),
                sim.trace_text()
            );
        }
        sim.apply(Action::RunUntilIdle).expect("always possible");
        let v = sim.violations();
        prop_assert!(v.is_empty(), "after running idle:\n{}\n{}", show(&v), sim.trace_text());
        prop_assert!(sim.enabled_actions().iter().all(|a| !matches!(a, Action::SpoolerStep | Action::RunUntilIdle)));
    }

    /// (b) Any action, however malformed, never panics; an `Err` leaves the
    /// state, the trace and the history unchanged; an `Ok` reports exactly
    /// the events it added.
    #[test]
    fn malformed_actions_never_panic_and_errors_change_nothing(
        scenario in scenario(),
        store_bits in prop::collection::vec(any::<u8>(), 3),
        transport_bits in prop::collection::vec(any::<u8>(), 2),
        actions in prop::collection::vec(raw_action(), 0..=30),
    ) {
        let mut sim = Simulation::new(&with_random_faults(scenario, &store_bits, &transport_bits)).expect("valid");
        for action in actions {
            let state = sim.state().clone();
            let trace = sim.trace().to_vec();
            let applied = sim.applied().len();
            match sim.apply(action) {
                Err(e) => {
                    prop_assert!(matches!(e.code, ErrorCode::InvalidAction | ErrorCode::NotEnabled), "{action:?}: {e:?}");
                    prop_assert_eq!(sim.state(), &state, "{:?} failed but changed the state", action);
                    prop_assert_eq!(sim.trace(), &trace[..], "{:?} failed but changed the trace", action);
                    prop_assert_eq!(sim.applied().len(), applied);
                }
                Ok(o) => {
                    prop_assert_eq!(o.first_event as usize, trace.len());
                    prop_assert_eq!((o.first_event + o.event_count) as usize, sim.trace().len());
                    prop_assert_eq!(&sim.trace()[..trace.len()], &trace[..], "earlier events never change");
                    prop_assert_eq!(sim.applied().len(), applied + 1);
                    prop_assert!(sim.trace().iter().enumerate().all(|(i, e)| e.seq as usize == i));
                }
            }
            // The invariant check itself never panics, whatever happened.
            let _ = sim.violations();
            let _ = sim.view();
        }
    }

    /// Actions survive a JSON round trip, raw flags included.
    #[test]
    fn actions_round_trip_through_json(action in raw_action()) {
        let text = serde_json::to_string(&action).expect("actions serialise");
        prop_assert_eq!(Action::from_json(&text).expect("and parse back"), action);
    }

    /// (d) Determinism: the same scenario, run twice or after a JSON round
    /// trip, gives byte-identical traces.
    #[test]
    fn same_scenario_gives_the_same_trace(scenario in scenario(), choices in choices(25)) {
        let mut sim = Simulation::new(&scenario).expect("valid");
        for choice in choices {
            let Some(action) = pick(&sim, choice) else { break };
            sim.apply(action).expect("enabled");
        }
        let recorded = sim.to_scenario();
        let first = Simulation::new(&recorded).expect("replays");
        let second = Simulation::new(&recorded).expect("replays");
        prop_assert_eq!(first.trace_json(), sim.trace_json());
        prop_assert_eq!(second.trace_json(), first.trace_json());
        prop_assert_eq!(second.trace_text(), sim.trace_text());
        let reparsed = Simulation::from_json(&recorded.to_json()).expect("the scenario JSON round-trips");
        prop_assert_eq!(reparsed.trace_json(), sim.trace_json());
        prop_assert_eq!(reparsed.violations(), sim.violations());
    }
}

// ---------------------------------------------- (c) every fault is found

/// The violation each fault shows: `(rule, mistake)`.
fn symptom(fault: Fault) -> (RuleId, Option<RuleId>) {
    use RuleId::*;
    match fault {
        Fault::Store(StoreFault::SkipStoreLogoffTransports) => (S14, Some(M1)),
        Fault::Store(StoreFault::StoreLogoffTransportsTwice) => (S10, Some(M2)),
        Fault::Store(StoreFault::ReuseFlagsVariable) => (I5, Some(M3)),
        Fault::Store(StoreFault::TreatNoSupportAsFatal) => (S11, Some(M4)),
        Fault::Store(StoreFault::AcceptCallsAfterComplete) => (S9, Some(M5)),
        Fault::Transport(TransportFault::ReleaseSupportFirst) => (I3, Some(M6)),
        Fault::Transport(TransportFault::LeakMemory) => (I2, Some(M7)),
        Fault::Transport(TransportFault::FreeChildBlock) => (T9, Some(M7)),
        Fault::Transport(TransportFault::FreeAddressTypesEarly) => (T5, Some(M8)),
        Fault::Transport(TransportFault::FailTransportLogoff) => (I2, Some(M9)),
        Fault::Transport(TransportFault::LogoffNotIdempotent) => (I6, Some(M10)),
        Fault::Transport(TransportFault::RejectReservedLogoffFlags) => (I2, Some(M9)),
        Fault::Transport(TransportFault::PassReservedLogoffFlags) => (T1, Some(M11)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Store(StoreFault),
    Transport(TransportFault),
}

/// Two stores (one with a transport support object, S11) and one provider
/// with two sessions that own blocks and children: every fault can show.
fn search_scenario(fault: Option<Fault>) -> Scenario {
    let plan = |queued: Vec<(usize, u8)>, support| StorePlan { queued, references: 1, shared: false, provider: None, support };
    let session = |types: Vec<bool>, inbound| SessionPlan { types, memory_blocks: 2, child_blocks: 1, inbound };
    let mut s = build(
        &[plan(vec![(0, 1), (1, 1)], SupportKind::MessageStore), plan(vec![(0, 1)], SupportKind::Transport)],
        Some(0),
        &[vec![session(vec![true, false, false], vec![1]), session(vec![false, true, false], vec![])]],
        Settings { new_message_limit: 8, ..Settings::default() },
    );
    match fault {
        Some(Fault::Store(f)) => s.stores.iter_mut().for_each(|st| st.faults = StoreFaults::default().with(f)),
        // A provider refusing reserved flags shows it only when they reach
        // it: the spooler passes 0 (T1), its own Release passes LOGOFF_HURRY
        // when it copies the SDK sample transport.
        Some(Fault::Transport(TransportFault::RejectReservedLogoffFlags)) => {
            s.transports[0].faults =
                TransportFaults::default().with(TransportFault::RejectReservedLogoffFlags).with(TransportFault::PassReservedLogoffFlags)
        }
        Some(Fault::Transport(f)) => s.transports[0].faults = TransportFaults::default().with(f),
        None => {}
    }
    s
}

/// A small deterministic generator (xorshift), so the search needs no seed file.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Enabled actions plus the calls a faulty provider or a careless client
/// may make that the explorer does not offer.
fn candidates(sim: &Simulation) -> Vec<Action> {
    let mut out = sim.enabled_actions();
    for store in 0..sim.state().stores.len() as u16 {
        out.push(Action::StoreLogoff { store, flags: 0x10 });
        out.push(Action::SubmitMessage { store, address_type: 0, steps: 1 });
    }
    for session in 0..sim.state().sessions.len() as u16 {
        out.push(Action::ReleaseSession { session });
        out.push(Action::LogoffSession { session, flags: 0 });
    }
    out
}

/// Searches seeded random sequences for one that shows the fault's symptom;
/// returns the actions of the first one found.
fn find_sequence(fault: Fault) -> Option<Vec<Action>> {
    let want = symptom(fault);
    for seed in 1..=500u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut sim = Simulation::new(&search_scenario(Some(fault))).expect("valid");
        for _ in 0..25 {
            let options = candidates(&sim);
            let action = options[rng.below(options.len())];
            if sim.apply(action).is_err() {
                continue;
            }
            if sim.violations().iter().any(|v| (v.rule, v.mistake) == want) {
                return Some(sim.applied().to_vec());
            }
        }
    }
    None
}

#[test]
fn every_fault_is_found_by_a_search_and_only_with_the_fault() {
    let faults = StoreFault::ALL.iter().map(|&f| Fault::Store(f)).chain(TransportFault::ALL.iter().map(|&f| Fault::Transport(f)));
    for fault in faults {
        let want = symptom(fault);
        let actions = find_sequence(fault).unwrap_or_else(|| panic!("no sequence of 25 actions shows {fault:?} as {want:?}"));
        // The same calls without the fault never show that violation. I2
        // names its mistake only when the fault is on, so without the fault
        // no I2 may show at all.
        let mut sim = Simulation::new(&search_scenario(None)).expect("valid");
        for action in actions.iter().cloned() {
            let _ = sim.apply(action);
        }
        let v = sim.violations();
        assert!(
            !v.iter().any(|v| (v.rule, v.mistake) == want || (want.0 == RuleId::I2 && v.rule == RuleId::I2)),
            "{fault:?}: {want:?} also appears without the fault after {actions:?}:\n{}",
            show(&v)
        );
    }
}

// ------------------------------------------------------- targeted limits

#[test]
fn reference_counts_saturate_instead_of_overflowing() {
    let scenario = Scenario::from_json(r#"{ "version": 1, "stores": [{ "name": "Mailbox", "references": 1000 }] }"#).unwrap();
    let (topology, mut state) = scenario.build().unwrap();
    for action in [Action::OpenStore { store: 0 }, Action::AddRef { store: 0 }] {
        for _ in 0..70_000 {
            mapi_logoff::apply(&topology, &Settings::default(), &mut state, &mut NoTrace, &action).expect("well formed");
        }
        assert_eq!(state.stores[0].refs, 1000, "{action:?}");
    }
}

#[test]
fn out_of_range_indexes_are_input_errors_naming_the_field() {
    let mut sim = Simulation::new(&search_scenario(None)).unwrap();
    for (action, field) in [
        (Action::Release { store: 2 }, "store"),
        (Action::LogoffSession { session: 2, flags: 0 }, "session"),
        (Action::ShutdownProvider { transport: 1, flags: 1 }, "transport"),
        (Action::SubmitMessage { store: 0, address_type: 9, steps: 1 }, "addressType"),
        (Action::SubmitMessage { store: 0, address_type: 0, steps: 0 }, "steps"),
        (Action::MailArrives { session: 0, steps: 101 }, "steps"),
    ] {
        let e = sim.apply(action).expect_err("out of range");
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidAction, field), "{action:?}");
    }
    assert!(sim.trace().is_empty() && sim.applied().is_empty());
}
