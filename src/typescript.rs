//! TypeScript types that no Rust type serialises: the forms the readers
//! accept where they are wider than what the core writes (flags as text,
//! old reading names, explorer goals and properties by name), the timing
//! the wasm explorer adds to its reports, and the names `constants()`
//! returns. Every other type of the package's declarations is derived from
//! the type that serialises it (`#[derive(ts_rs::TS)]`), and
//! tests/typescript.rs writes them all into src/wasm/*.generated.d.ts
//! (`UPDATE_TYPES=1 cargo test --test typescript`).

use crate::explore::{LogoffCall, Property};
use crate::flags::FlagSet;
use crate::hresult::HResult;
use crate::scenario::AbortReading;
use ts_rs::{Config, TS, TypeVisitor};

/// Flags as a caller passes them: a number, or text such as
/// "LOGOFF_ORDERLY" or "0x2".
#[derive(TS)]
#[ts(type = "number | string")]
pub struct FlagInput;

/// An address type as a `submitMessage` gives it: a name of
/// `state().topology.addressTypes` ("SMTP", case-insensitive), or its index there.
#[derive(TS)]
#[ts(type = "string | number")]
pub struct AddressTypeInput;

/// An HRESULT as a caller gives it: a number, or a name such as "S_OK".
#[derive(TS)]
#[ts(type = "number | string")]
pub struct HResultInput;

/// `settings.abortReading` as a scenario may give it: a current name, or
/// one of the [`AbortReading::ALIASES`]. Written out where it is used, not
/// declared.
pub struct AbortReadingOrAlias;

impl TS for AbortReadingOrAlias {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(cfg: &Config) -> String {
        let aliases = AbortReading::ALIASES.iter().map(|(name, _)| format!(" | {name:?}"));
        format!("{}{}", AbortReading::name(cfg), aliases.collect::<String>())
    }
    fn inline(cfg: &Config) -> String {
        Self::name(cfg)
    }
    fn visit_dependencies(v: &mut impl TypeVisitor) {
        v.visit::<AbortReading>();
    }
}

/// The properties checked by name; "invariants" (I1-I6) is always
/// checked: every kind of [`Property`] but a reachability goal.
pub struct PropertyName;

impl TS for PropertyName {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn docs() -> Option<String> {
        Some("/** The properties checked by name; \"invariants\" (I1-I6) is always checked. */\n".into())
    }
    fn name(_: &Config) -> String {
        "PropertyName".into()
    }
    fn inline(cfg: &Config) -> String {
        format!("Exclude<{}[\"kind\"], \"reachable\">", Property::name(cfg))
    }
    fn decl(cfg: &Config) -> String {
        format!("type {} = {};", Self::name(cfg), Self::inline(cfg))
    }
    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }
    fn visit_dependencies(v: &mut impl TypeVisitor) {
        v.visit::<Property>();
    }
    fn output_path() -> Option<std::path::PathBuf> {
        Some("PropertyName.ts".into())
    }
}

/// "This outcome is reachable": a call with this one input flag that
/// returns this.
#[derive(TS)]
#[ts(rename = "OutcomeGoal", rename_all = "camelCase")]
pub struct OutcomeGoalInput {
    /// Default "storeLogoffTransports".
    #[ts(optional)]
    pub call: Option<LogoffCall>,
    /// Exactly one input flag, such as "LOGOFF_QUIET" or 0x10.
    pub flag: FlagInput,
    /// The HRESULT wanted: a number or a name such as "S_OK"; absent:
    /// whatever it returns.
    #[ts(optional)]
    pub hresult: Option<HResultInput>,
    /// The exact out flags wanted, such as "LOGOFF_OUTBOUND"; absent:
    /// whichever.
    #[ts(optional)]
    pub out_flags: Option<FlagInput>,
}

/// A property to check, as the explorer's options give it: by name, or a
/// goal to reach.
#[derive(TS)]
#[ts(untagged)]
pub enum PropertyInput {
    Name(PropertyName),
    Goal { reachable: OutcomeGoalInput },
}

/// Where an exploration is; the final report once `done`.
// The core's report with the time it took, which the wasm module measures
// (the core has no clock): src/wasm/explore.rs adds these two fields.
#[derive(TS)]
#[ts(rename = "ExploreReport")]
pub struct ExploreReportWithTiming {
    #[ts(flatten)]
    pub report: crate::explore::ExploreReport,
    #[ts(flatten)]
    pub timing: ExploreTiming,
}

/// What src/wasm/explore.rs adds to the core's report.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct ExploreTiming {
    /// Milliseconds spent exploring (not counting pauses between steps or
    /// progress callbacks).
    pub elapsed_ms: f64,
    /// Unique states per second of elapsedMs.
    pub states_per_second: f64,
}

/// Every flag and HRESULT name, in the order `constants()` lists them:
/// each flag set's table, then the HRESULTs.
pub struct ConstantName;

impl ConstantName {
    pub fn all() -> Vec<&'static str> {
        let tables = FlagSet::NAMES.iter().flat_map(|(_, set)| set.table().iter()).chain(HResult::KNOWN.iter());
        let mut names: Vec<&'static str> = Vec::new();
        for (name, _) in tables {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names
    }
}

impl TS for ConstantName {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn docs() -> Option<String> {
        Some("/** A flag or HRESULT name of the MAPI headers: a key of `constants()`. */\n".into())
    }
    fn name(_: &Config) -> String {
        "ConstantName".into()
    }
    fn inline(_: &Config) -> String {
        Self::all().iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(" | ")
    }
    fn decl(cfg: &Config) -> String {
        format!("type {} = {};", Self::name(cfg), Self::inline(cfg))
    }
    fn decl_concrete(cfg: &Config) -> String {
        Self::decl(cfg)
    }
    fn output_path() -> Option<std::path::PathBuf> {
        Some("ConstantName.ts".into())
    }
}
