//! The TypeScript declarations the package ships (src/wasm/*.d.ts) are
//! written by hand: every name the core can put in a value that crosses to
//! JS must appear in them as a string literal, so that a name added in Rust
//! and forgotten in the types fails here rather than in a user's type check.

use mapi_logoff::check::{Party, Severity};
use mapi_logoff::engine::Direction;
use mapi_logoff::explore::{LogoffCall, StopReason, Verdict};
use mapi_logoff::memory::BlockKind;
use mapi_logoff::scenario::{AbortReading, StoreLogoffTransportsTiming};
use mapi_logoff::state::{ProviderPhase, SessionPhase, SpoolerLogon, StorePhase, SupportKind};
use mapi_logoff::trace::{Method, PartyKind};
use mapi_logoff::{ErrorCode, FlagSet, RuleId, StoreFault, StoreLogoffFlag, TransportFault};

const DECLARATIONS: &[(&str, &str)] = &[
    ("types.d.ts", include_str!("../src/wasm/types.d.ts")),
    ("check.d.ts", include_str!("../src/wasm/check.d.ts")),
    ("explore.d.ts", include_str!("../src/wasm/explore.d.ts")),
];

#[track_caller]
fn declared(table: &str, names: impl IntoIterator<Item = &'static str>) {
    let missing: Vec<&str> =
        names.into_iter().filter(|n| !DECLARATIONS.iter().any(|(_, text)| text.contains(&format!("\"{n}\"")))).collect();
    assert!(missing.is_empty(), "{table}: {missing:?} appear in no declaration file (src/wasm/*.d.ts)");
}

fn names<T: 'static>(table: &'static [(&'static str, T)]) -> impl Iterator<Item = &'static str> {
    table.iter().map(|(n, _)| *n)
}

#[test]
fn every_string_enum_of_the_core_is_declared() {
    declared("Direction", names(Direction::NAMES));
    declared("SupportKind", names(SupportKind::NAMES));
    declared("StorePhase", names(StorePhase::NAMES));
    declared("SpoolerLogon", names(SpoolerLogon::NAMES));
    declared("ProviderPhase", names(ProviderPhase::NAMES));
    declared("SessionPhase", names(SessionPhase::NAMES));
    declared("BlockKind", names(BlockKind::NAMES));
    declared("PartyKind", names(PartyKind::NAMES));
    declared("AbortReading", names(AbortReading::NAMES));
    declared("StoreLogoffTransportsTiming", names(StoreLogoffTransportsTiming::NAMES));
    declared("StoreFault", names(StoreFault::NAMES));
    declared("TransportFault", names(TransportFault::NAMES));
    declared("FlagSet", names(FlagSet::NAMES));
    declared("Severity", names(Severity::NAMES));
    declared("Party", names(Party::NAMES));
    declared("LogoffCall", names(LogoffCall::NAMES));
    declared("Verdict", names(Verdict::NAMES));
    declared("StopReason", names(StopReason::NAMES));
}

#[test]
fn every_rule_method_flag_and_error_code_is_declared() {
    declared("RuleId", RuleId::ALL.iter().map(|r| r.as_str()));
    declared("Method", Method::ALL.iter().map(|m| m.as_str()));
    declared("StoreLogoffFlag", StoreLogoffFlag::ALL.iter().map(|f| f.name()));
    let codes = [
        ErrorCode::InvalidJson,
        ErrorCode::InvalidScenario,
        ErrorCode::UnsupportedVersion,
        ErrorCode::InvalidAction,
        ErrorCode::NotEnabled,
        ErrorCode::InvalidFlags,
        ErrorCode::TooLarge,
    ];
    declared("ErrorCode", codes.iter().map(|c| c.as_str()));
}

#[test]
fn every_action_type_is_declared() {
    assert_eq!(mapi_logoff::Action::types().count(), 20);
    declared("Action", mapi_logoff::Action::types());
}
