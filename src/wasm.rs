//! WebAssembly bindings (compiled for wasm32 only). A thin layer: it
//! converts values at the boundary and owns no protocol logic.
//!
//! Every function has one shape: a typed value in (checked by the core's
//! serde types, with errors naming the bad field), a typed value out. Inputs
//! cross as JSON text (`JSON.stringify`, then serde_json): nesting depth is
//! bounded by serde_json's recursion limit, cycles and BigInts become typed
//! errors instead of traps, and error paths read the same as natively.
//! Outputs cross the same way back (serde_json, then `JSON.parse`).

use crate::error::{ErrorCode, InputError};
use crate::flags::FlagSet;
use crate::rules::RuleId;
use crate::{Action, HResult, Scenario};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("wasm/types.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "Scenario | string")]
    pub type ScenarioInput;
    #[wasm_bindgen(typescript_type = "Scenario")]
    pub type ScenarioOutput;
    #[wasm_bindgen(typescript_type = "Action")]
    pub type ActionInput;
    #[wasm_bindgen(typescript_type = "Action[]")]
    pub type ActionList;
    #[wasm_bindgen(typescript_type = "Outcome")]
    pub type OutcomeOutput;
    #[wasm_bindgen(typescript_type = "Outcome[]")]
    pub type OutcomeList;
    #[wasm_bindgen(typescript_type = "StateView")]
    pub type StateViewOutput;
    #[wasm_bindgen(typescript_type = "TraceEvent[]")]
    pub type TraceOutput;
    #[wasm_bindgen(typescript_type = "Violation[]")]
    pub type ViolationList;
    #[wasm_bindgen(typescript_type = "RunReport")]
    pub type RunReportOutput;
    #[wasm_bindgen(typescript_type = "Settings")]
    pub type SettingsInput;
    #[wasm_bindgen(typescript_type = "MatrixCell[]")]
    pub type MatrixOutput;
    #[wasm_bindgen(typescript_type = "FlagSet")]
    pub type FlagSetInput;
    #[wasm_bindgen(typescript_type = "Constants")]
    pub type ConstantsOutput;
    #[wasm_bindgen(typescript_type = "RuleInfo[]")]
    pub type RuleList;
}

#[wasm_bindgen(typescript_custom_section)]
const RULE_INFO: &'static str = r#"
/** A rule id with its one-line summary and the Microsoft page behind it. */
export interface RuleInfo {
  id: RuleId;
  title: string;
  docUrl: string;
}
"#;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

thread_local! {
    /// The prototype of thrown errors: inherits from `Error.prototype` and
    /// names them, as `class MapiLogoffError extends Error` would. Built
    /// with js-sys because an inline JS snippet would be an ES module, which
    /// the CommonJS build of the package cannot load.
    static ERROR_PROTOTYPE: js_sys::Object = {
        let error_prototype = js_sys::Error::new("").into();
        let error_prototype = js_sys::Object::get_prototype_of(&error_prototype);
        let proto = js_sys::Object::create(&error_prototype);
        let _ = js_sys::Reflect::set(&proto, &"name".into(), &"MapiLogoffError".into());
        proto
    };
}

fn make_error(message: &str, code: &str, path: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    ERROR_PROTOTYPE.with(|proto| js_sys::Object::set_prototype_of(&err, proto));
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.into());
    let _ = js_sys::Reflect::set(&err, &"path".into(), &path.into());
    err.into()
}

/// The one conversion from a Rust input error to a JS exception.
fn js_error(e: InputError) -> JsValue {
    make_error(&e.to_string(), e.code.as_str(), &e.path)
}

fn argument_error(path: &str, message: impl Into<String>) -> JsValue {
    make_error(&format!("{path}: {}", message.into()), "invalidArgument", path)
}

/// Whether a caught value is an error this package threw for bad input.
#[wasm_bindgen(js_name = isMapiLogoffError, unchecked_return_type = "value is MapiLogoffError")]
pub fn is_mapi_logoff_error(value: &JsValue) -> bool {
    let proto = js_sys::Object::get_prototype_of(value);
    ERROR_PROTOTYPE.with(|p| js_sys::Object::is(&proto, p))
}

/// A JS value as JSON text, or a typed error naming `what`.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Err(js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got undefined"))));
    }
    let text = js_sys::JSON::stringify(value).map_err(|e| {
        let reason =
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "it cannot be written as JSON".into());
        js_error(InputError::new(ErrorCode::InvalidJson, "", format!("{what} is not plain data: {reason}")))
    })?;
    text.as_string()
        .ok_or_else(|| js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got a value JSON cannot represent"))))
}

/// A JS value's JSON text, read by one of the core's readers.
fn from_js<T>(value: &JsValue, what: &str, read: impl FnOnce(&str) -> Result<T, InputError>) -> Result<T, JsValue> {
    let text = json_text(value, what)?;
    read(&text).map_err(js_error)
}

fn scenario_from_js(value: &JsValue) -> Result<Scenario, JsValue> {
    match value.as_string() {
        Some(text) => Scenario::from_json(&text).map_err(js_error),
        None => from_js(value, "a scenario", Scenario::from_json),
    }
}

/// A core value as a plain JS object: serde_json text parsed by the
/// engine's `JSON.parse`. One serializer for every output keeps the module
/// small and makes the JS objects exactly the JSON the native core writes.
fn to_js<T: Serialize + ?Sized, R: JsCast>(value: &T) -> R {
    let text = serde_json::to_string(value).expect("the core's output types serialise to JSON");
    js_sys::JSON::parse(&text).expect("serde_json writes valid JSON").unchecked_into()
}

/// A JS number that must be a u32 (flags, HRESULTs): NaN, fractions,
/// negatives and values past 2^32 are errors, not silently wrapped.
fn to_u32(value: f64, path: &str) -> Result<u32, JsValue> {
    if value.is_finite() && value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        // JS formats the number: Rust's float formatting would cost the module 10 KB.
        let shown = js_sys::Number::from(value).to_string_with_radix(10).map(String::from).unwrap_or_default();
        Err(argument_error(path, format!("{shown} is not an integer from 0 to 4294967295")))
    }
}

/// A scenario being run, step by step.
#[wasm_bindgen]
pub struct Simulation {
    inner: crate::Simulation,
}

#[wasm_bindgen]
impl Simulation {
    /// Builds the scenario (an object, or its JSON text) and applies its
    /// actions. Without one, an empty scenario.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario: Option<ScenarioInput>) -> Result<Simulation, JsValue> {
        let scenario = match scenario.map(JsValue::from) {
            Some(v) if !v.is_undefined() && !v.is_null() => scenario_from_js(&v)?,
            _ => Scenario::default(),
        };
        crate::Simulation::new(&scenario).map(|inner| Simulation { inner }).map_err(js_error)
    }

    /// Applies one action. Protocol refusals come back as outcomes; only a
    /// malformed action throws, and then nothing changed.
    pub fn apply(&mut self, action: ActionInput) -> Result<OutcomeOutput, JsValue> {
        let action = from_js(&action.into(), "an action", Action::from_json)?;
        self.inner.apply(action).map(|o| to_js(&o)).map_err(js_error)
    }

    /// Applies actions in order, all or nothing: if one is malformed, none
    /// is applied and the error path names its index (`[3].store`).
    pub fn run(&mut self, actions: ActionList) -> Result<OutcomeList, JsValue> {
        let actions = from_js(&actions.into(), "a list of actions", Action::list_from_json)?;
        let mut trial = self.inner.clone();
        let outcomes = trial.run(actions).map_err(js_error)?;
        self.inner = trial;
        Ok(to_js(&outcomes))
    }

    pub fn state(&self) -> StateViewOutput {
        to_js(&self.inner.view())
    }

    pub fn trace(&self) -> TraceOutput {
        to_js(self.inner.trace())
    }

    /// The trace as JSON text, byte for byte what the native core writes.
    #[wasm_bindgen(js_name = traceJson)]
    pub fn trace_json(&self) -> String {
        self.inner.trace_json()
    }

    /// The trace as text, one call per line.
    #[wasm_bindgen(js_name = traceText)]
    pub fn trace_text(&self) -> String {
        self.inner.trace_text()
    }

    pub fn violations(&self) -> ViolationList {
        to_js(&self.inner.violations())
    }

    #[wasm_bindgen(js_name = enabledActions)]
    pub fn enabled_actions(&self) -> ActionList {
        to_js(&self.inner.enabled_actions())
    }

    /// The scenario that reproduces this simulation, actions included.
    #[wasm_bindgen(js_name = toScenario)]
    pub fn to_scenario(&self) -> ScenarioOutput {
        to_js(&self.inner.to_scenario())
    }

    /// Actions applied so far.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> u32 {
        self.inner.applied().len() as u32
    }
}

/// Runs a whole scenario: final state, trace and violations.
#[wasm_bindgen(js_name = runScenario)]
pub fn run_scenario(scenario: ScenarioInput) -> Result<RunReportOutput, JsValue> {
    let scenario = scenario_from_js(&scenario.into())?;
    crate::run_scenario(&scenario).map(|r| to_js(&r)).map_err(js_error)
}

fn flag_set(set: FlagSetInput) -> Result<FlagSet, JsValue> {
    let value = JsValue::from(set);
    let name = value.as_string().unwrap_or_default();
    FlagSet::NAMES.iter().find(|(n, _)| *n == name).map(|(_, set)| *set).ok_or_else(|| {
        let names = FlagSet::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
        js_error(InputError::new(ErrorCode::InvalidFlags, "set", format!("not a flag set; expected one of {names}")))
    })
}

/// Parses flag text (`"LOGOFF_ORDERLY | 0x100"`, `"0x2"`, `"2"`) of a set.
#[wasm_bindgen(js_name = parseFlags)]
pub fn parse_flags(set: FlagSetInput, text: &str) -> Result<u32, JsValue> {
    let set = flag_set(set)?;
    set.parse(text).map_err(|e| js_error(InputError::new(ErrorCode::InvalidFlags, "text", e.to_string())))
}

/// Formats a flag value of a set; undefined bits are shown in hex.
#[wasm_bindgen(js_name = formatFlags)]
pub fn format_flags(set: FlagSetInput, value: f64) -> Result<String, JsValue> {
    let set = flag_set(set)?;
    Ok(set.format(to_u32(value, "value")?))
}

macro_rules! per_set {
    ($($parse:ident, $format:ident, $pjs:literal, $fjs:literal, $set:expr;)*) => {$(
        #[doc = concat!("Parses ", stringify!($set), " flag text.")]
        #[wasm_bindgen(js_name = $pjs)]
        pub fn $parse(text: &str) -> Result<u32, JsValue> {
            $set.parse(text).map_err(|e| js_error(InputError::new(ErrorCode::InvalidFlags, "text", e.to_string())))
        }
        #[doc = concat!("Formats a ", stringify!($set), " flag value.")]
        #[wasm_bindgen(js_name = $fjs)]
        pub fn $format(value: f64) -> Result<String, JsValue> {
            Ok($set.format(to_u32(value, "value")?))
        }
    )*};
}

per_set! {
    parse_store_logoff_flags, format_store_logoff_flags, "parseStoreLogoffFlags", "formatStoreLogoffFlags", FlagSet::StoreLogoff;
    parse_transport_logoff_flags, format_transport_logoff_flags, "parseTransportLogoffFlags", "formatTransportLogoffFlags", FlagSet::TransportLogoff;
    parse_deinit_flags, format_deinit_flags, "parseDeinitFlags", "formatDeinitFlags", FlagSet::Deinit;
    parse_flush_flags, format_flush_flags, "parseFlushFlags", "formatFlushFlags", FlagSet::FlushQueues;
    parse_transport_notify_flags, format_transport_notify_flags, "parseTransportNotifyFlags", "formatTransportNotifyFlags", FlagSet::TransportNotify;
    parse_spooler_notify_flags, format_spooler_notify_flags, "parseSpoolerNotifyFlags", "formatSpoolerNotifyFlags", FlagSet::SpoolerNotify;
    parse_status_flags, format_status_flags, "parseStatusFlags", "formatStatusFlags", FlagSet::Status;
}

/// The header name of an HRESULT, or undefined when it is not one the
/// protocol uses.
#[wasm_bindgen(js_name = hresultName)]
pub fn hresult_name(value: f64) -> Result<Option<String>, JsValue> {
    Ok(HResult(to_u32(value, "value")?).name().map(str::to_string))
}

/// Every input flag against every mix of activity and sharing, computed by
/// the engine under the given readings.
#[wasm_bindgen(js_name = outcomeMatrix)]
pub fn outcome_matrix(settings: Option<SettingsInput>) -> Result<MatrixOutput, JsValue> {
    let settings = match settings.map(JsValue::from) {
        Some(v) if !v.is_undefined() && !v.is_null() => from_js(&v, "settings", crate::scenario::Settings::from_json)?,
        _ => crate::scenario::Settings::default(),
    };
    Ok(to_js(&crate::matrix::outcome_matrix(settings)))
}

/// Every flag and HRESULT name with its header value.
#[wasm_bindgen]
pub fn constants() -> ConstantsOutput {
    // Written as JSON text directly: collecting into a map would pull a
    // sort into the module for a table whose names are already unique.
    let mut text = String::from("{");
    let tables = FlagSet::NAMES.iter().flat_map(|(_, set)| set.table().iter()).chain(HResult::KNOWN.iter());
    for (i, (name, value)) in tables.enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"{name}\":{value}"));
    }
    text.push('}');
    js_sys::JSON::parse(&text).expect("well-formed JSON").unchecked_into()
}

/// Every rule id with its summary and documentation page.
#[wasm_bindgen]
pub fn rules() -> RuleList {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Info {
        id: RuleId,
        title: &'static str,
        doc_url: String,
    }
    let list: Vec<Info> = RuleId::ALL.iter().map(|&r| Info { id: r, title: r.title(), doc_url: r.doc_url() }).collect();
    to_js(&list)
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}
