//! Issue 12, point 5: an outcome's explanation must say what happened. Every
//! action of every golden scenario is applied, and each explanation that
//! makes a claim the state can confirm is checked against the outcome's own
//! changes: "freed" needs a block freed, "does nothing" needs no change, and
//! so on. The rules an explanation cites are the outcome's rules.

use mapi_logoff::{HResult, Outcome, Scenario, Simulation};
use std::collections::BTreeMap;
use std::path::Path;

fn golden_outcomes() -> Vec<(String, Outcome)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("scenarios");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().contains(".trace."))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the golden scenarios are there");
    let mut out = Vec::new();
    for path in names {
        let scenario = Scenario::from_json(&std::fs::read_to_string(&path).expect("readable")).expect("a golden scenario loads");
        let mut sim = Simulation::new(&Scenario { actions: Vec::new(), ..scenario.clone() }).expect("builds");
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        for action in scenario.actions {
            out.push((name.clone(), sim.apply(action).expect("a golden action applies")));
        }
    }
    out
}

/// A message list changed: whole (`stores[0].queue`) or by an item added
/// at its end (`stores[0].queue[49]`).
fn list_changed(o: &Outcome, list: &str) -> bool {
    o.changes.iter().any(|c| {
        let whole = match c.path.strip_suffix(']').and_then(|p| p.rsplit_once('[')) {
            Some((head, index)) if index.bytes().all(|b| b.is_ascii_digit()) => head,
            _ => &c.path[..],
        };
        whole.ends_with(&format!(".{list}"))
    })
}

fn changed(o: &Outcome, prefix: &str) -> bool {
    o.changes.iter().any(|c| c.path.starts_with(prefix))
}

/// What an explanation claims, as a check on the outcome.
type Claim = fn(&Outcome) -> bool;

const CLAIMS: &[(&str, Claim)] = &[
    ("The block and its children are freed", |o| {
        o.changes.iter().any(|c| c.path.starts_with("memory.blocks") && c.path.ends_with("freed") && c.after.0 == true)
    }),
    ("MAPIFreeBuffer(NULL) does nothing", |o| o.changes.is_empty()),
    ("A root block the session must free by TransportLogoff", |o| o.block.is_some() && changed(o, "memory.blocks")),
    ("A child block, freed with its root", |o| o.block.is_some() && changed(o, "memory.blocks")),
    ("The spooler has nothing to do", |o| o.changes.is_empty()),
    ("MAPI hands out the open store object again with one more reference", |o| {
        changed(o, "stores") && o.changes.iter().any(|c| c.path.ends_with(".refs"))
    }),
    ("AddRef stays valid even after LOGOFF_COMPLETE", |o| {
        o.hresult == HResult::S_OK && o.changes.iter().any(|c| c.path.ends_with(".refs"))
    }),
    ("The message is in the default Inbox", |o| list_changed(o, "inbox")),
    ("The message waits in the store's outbound queue", |o| list_changed(o, "queue")),
    ("The session is logged off", |o| o.changes.iter().any(|c| c.path.starts_with("sessions") && c.path.ends_with(".phase"))),
    ("The session is already logged off", |o| !o.changes.iter().any(|c| c.path.starts_with("sessions") && c.path.ends_with(".phase"))),
    ("The send is finished", |o| list_changed(o, "sent")),
    ("Another process of this profile has the store open: MAPI ignores the call", |o| {
        !o.changes.iter().any(|c| c.path.ends_with(".spooler"))
    }),
    ("LOGOFF_QUIET with no activity: the spooler releases the store", |o| {
        o.changes.iter().any(|c| c.path.ends_with(".spooler") && c.after.0 == "released")
    }),
    ("The background work of the logoff is done: the spooler releases the store", |o| {
        o.changes.iter().any(|c| c.path.ends_with(".spooler") && c.after.0 == "released")
    }),
    ("MAPIAllocateMore needs a live root block", |o| o.hresult != HResult::S_OK && o.block.is_none()),
    ("Release on a store with no references left", |o| o.hresult != HResult::S_OK || o.changes.is_empty()),
    ("The last reference: the store shuts down and releases its support object", |o| {
        to(o, ".phase", "destroyed") && (to(o, ".supportReleased", true) || !changed(o, "stores"))
    }),
    ("Other clients still hold the store; nothing is shut down yet", |o| {
        o.changes.iter().any(|c| c.path.ends_with(".refs")) && !o.changes.iter().any(|c| c.path.ends_with(".phase"))
    }),
    ("The spooler hands queued mail to the session that handles its address type", |o| {
        o.changes.iter().any(|c| c.path.ends_with(".sending") && c.after.0.is_object())
    }),
    ("The transport starts delivering into the default Inbox", |o| {
        o.changes.iter().any(|c| c.path.ends_with(".receiving") && c.after.0.is_object())
    }),
    ("The spooler discarded the AddressTypes, ended traffic, logged the session off and released it", |o| {
        to(o, ".phase", "released") && o.changes.iter().any(|c| c.path.starts_with("memory.blocks") && c.after.0 == true)
    }),
    ("TransportLogoff failed, but a failure never vetoes: the spooler released the session anyway", |o| to(o, ".phase", "released")),
    ("A final Release without TransportLogoff behaves as TransportLogoff followed by Release", |o| to(o, ".phase", "released")),
    // What it returned: the flags on success, the same failure otherwise.
    ("Immediate reading: StoreLogoff returns exactly what StoreLogoffTransports returned", |o| {
        o.out_flags.is_some() != (o.hresult != HResult::S_OK)
    }),
    ("The store saves the flag and returns COMPLETE", |o| {
        o.out_flags.is_some_and(|f| f.contains(mapi_logoff::StoreLogoffOutFlags::LOGOFF_COMPLETE)) && changed(o, "stores")
    }),
];

/// Whether a field ending in `suffix` became `value`.
fn to(o: &Outcome, suffix: &str, value: impl Into<serde_json::Value>) -> bool {
    let value = value.into();
    o.changes.iter().any(|c| c.path.ends_with(suffix) && c.after.0 == value)
}

#[test]
fn every_explanation_cites_exactly_the_outcome_rules() {
    for (name, o) in golden_outcomes() {
        let cited = o.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        if o.rules.is_empty() {
            assert!(!o.explanation.ends_with(')') || !o.explanation.contains(" (S"), "{name} step {}: {}", o.step, o.explanation);
        } else {
            assert!(o.explanation.ends_with(&format!(" ({cited})")), "{name} step {}: {} cites {cited}", o.step, o.explanation);
        }
    }
}

#[test]
fn every_checkable_explanation_matches_what_the_action_changed() {
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, o) in golden_outcomes() {
        for (claim, holds) in CLAIMS {
            if o.explanation.starts_with(claim) {
                assert!(holds(&o), "{name} step {}: \"{}\" but the outcome says otherwise: {:?}", o.step, o.explanation, o.changes);
                *checked.entry(claim).or_default() += 1;
            }
        }
    }
    // The goldens exercise most claims; the ones they do not reach are
    // exercised below, so that no claim is listed without being checked.
    assert!(checked.len() >= 10, "claims checked on the goldens: {checked:?}");
}

#[test]
fn the_claims_the_goldens_do_not_reach_hold_too() {
    let scenario = r#"{"version":1,"stores":[{"name":"A","defaultInbox":true}],
        "transports":[{"name":"T","sessions":[{"name":"s","addressTypes":["SMTP"],"memoryBlocks":1}]}]}"#;
    let mut sim = Simulation::from_json(scenario).expect("loads");
    let mut seen = Vec::new();
    let mut apply = |sim: &mut Simulation, json: &str| {
        let action = sim.action_from_json(json).expect("an action");
        let o = sim.apply(action).expect("applies");
        for (claim, holds) in CLAIMS {
            if o.explanation.starts_with(claim) {
                assert!(holds(&o), "\"{}\" but: {:?}", o.explanation, o.changes);
                seen.push(*claim);
            }
        }
        o
    };
    let root = apply(&mut sim, r#"{"type":"allocate","session":0}"#).block.expect("a block");
    apply(&mut sim, &format!(r#"{{"type":"allocate","session":0,"parent":{root}}}"#));
    apply(&mut sim, r#"{"type":"free","session":0}"#);
    apply(&mut sim, &format!(r#"{{"type":"free","session":0,"block":{root}}}"#));
    apply(&mut sim, &format!(r#"{{"type":"allocate","session":0,"parent":{root}}}"#));
    apply(&mut sim, r#"{"type":"spoolerStep"}"#);
    apply(&mut sim, r#"{"type":"openStore","store":0}"#);
    for claim in [
        "A root block the session must free by TransportLogoff",
        "A child block, freed with its root",
        "MAPIFreeBuffer(NULL) does nothing",
        "The block and its children are freed",
        "MAPIAllocateMore needs a live root block",
        "The spooler has nothing to do",
        "MAPI hands out the open store object again with one more reference",
    ] {
        assert!(seen.contains(&claim), "not reached: {claim} (seen {seen:?})");
    }
}
