//! The engine API of the wasm module: simulations, scenarios, flags,
//! HRESULT names, the outcome matrix, constants and rule ids.

use super::*;
use crate::error::{ErrorCode, InputError};
use crate::flags::FlagSet;
use crate::rules::RuleId;
use crate::{HResult, Scenario};

#[wasm_bindgen]
extern "C" {
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
    #[wasm_bindgen(typescript_type = "Constants")]
    pub type ConstantsOutput;
    #[wasm_bindgen(typescript_type = "RuleInfo[]")]
    pub type RuleList;
}

/// A scenario being run, step by step.
///
/// Methods take `&self` and borrow the simulation only once their input is
/// read: reading can run the caller's code (a getter, a `toJSON`), which
/// may call this simulation again; it then finds it free, not borrowed.
#[wasm_bindgen]
pub struct Simulation {
    inner: std::cell::RefCell<crate::Simulation>,
}

impl Simulation {
    fn inner(&self) -> Result<std::cell::RefMut<'_, crate::Simulation>, JsValue> {
        // Only a call made from inside another call's input reading could
        // find it borrowed, and inputs are read before the borrow.
        self.inner.try_borrow_mut().map_err(|_| make_error("the simulation is in use by another call", "busy", ""))
    }

    fn view<R>(&self, f: impl FnOnce(&crate::Simulation) -> R) -> R {
        f(&self.inner.borrow())
    }
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
        crate::Simulation::new(&scenario).map(|inner| Simulation { inner: inner.into() }).map_err(js_error)
    }

    /// Applies one action. Protocol refusals come back as outcomes; only a
    /// malformed action throws, and then nothing changed.
    pub fn apply(&self, action: ActionInput) -> Result<OutcomeOutput, JsValue> {
        let action = from_js(&action.into(), "an action", |v| self.view(|s| s.action_from_value(v)))?;
        self.inner()?.apply(action).map(|o| to_js(&o)).map_err(js_error)
    }

    /// Applies actions in order, all or nothing: if one is malformed, none
    /// is applied and the error path names its index (`[3].store`).
    pub fn run(&self, actions: ActionList) -> Result<OutcomeList, JsValue> {
        let actions = from_js(&actions.into(), "a list of actions", |v| self.view(|s| s.actions_from_value(v)))?;
        let mut inner = self.inner()?;
        let mut trial = inner.clone();
        let outcomes = trial.run(actions).map_err(js_error)?;
        *inner = trial;
        Ok(to_js(&outcomes))
    }

    pub fn state(&self) -> StateViewOutput {
        self.view(|s| to_js(&s.view()))
    }

    pub fn trace(&self) -> TraceOutput {
        self.view(|s| to_js(s.trace()))
    }

    /// The trace as JSON text, byte for byte what the native core writes.
    #[wasm_bindgen(js_name = traceJson)]
    pub fn trace_json(&self) -> String {
        #[cfg(feature = "swb-outputs")]
        return self.view(|s| {
            let value: JsValue = to_js(s.trace());
            js_sys::JSON::stringify(&value).map(String::from).unwrap_or_default()
        });
        #[cfg(not(feature = "swb-outputs"))]
        self.view(|s| s.trace_json())
    }

    /// The trace as text, one call per line.
    #[wasm_bindgen(js_name = traceText)]
    pub fn trace_text(&self) -> String {
        self.view(|s| s.trace_text())
    }

    pub fn violations(&self) -> ViolationList {
        self.view(|s| to_js(&s.violations()))
    }

    #[wasm_bindgen(js_name = enabledActions)]
    pub fn enabled_actions(&self) -> ActionList {
        self.view(|s| to_js(&s.enabled_actions()))
    }

    /// The scenario that reproduces this simulation, actions included.
    #[wasm_bindgen(js_name = toScenario)]
    pub fn to_scenario(&self) -> ScenarioOutput {
        self.view(|s| to_js(&s.to_scenario()))
    }

    /// Actions applied so far.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> u32 {
        self.view(|s| s.applied().len() as u32)
    }
}

/// Runs a whole scenario: final state, trace and violations.
#[wasm_bindgen(js_name = runScenario)]
pub fn run_scenario(scenario: ScenarioInput) -> Result<RunReportOutput, JsValue> {
    let scenario = scenario_from_js(&scenario.into())?;
    crate::run_scenario(&scenario).map(|r| to_js(&r)).map_err(js_error)
}

fn flag_set(set: &JsValue) -> Result<FlagSet, JsValue> {
    let name = set.as_string().unwrap_or_default();
    FlagSet::NAMES.iter().find(|(n, _)| *n == name).map(|(_, set)| *set).ok_or_else(|| {
        let names = FlagSet::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
        js_error(InputError::new(ErrorCode::InvalidFlags, "set", format!("not a flag set; expected one of {names}")))
    })
}

/// Parses flag text (`"LOGOFF_ORDERLY | 0x100"`, `"0x2"`, `"2"`) of a set.
#[wasm_bindgen(js_name = parseFlags)]
pub fn parse_flags(
    #[wasm_bindgen(unchecked_param_type = "FlagSet")] set: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] text: &JsValue,
) -> Result<u32, JsValue> {
    parse_in(flag_set(set)?, text)
}

fn parse_in(set: FlagSet, text: &JsValue) -> Result<u32, JsValue> {
    set.parse(&text_arg(text, "text")?).map_err(|e| js_error(InputError::new(ErrorCode::InvalidFlags, "text", e.to_string())))
}

/// Formats a flag value of a set; undefined bits are shown in hex.
#[wasm_bindgen(js_name = formatFlags)]
pub fn format_flags(
    #[wasm_bindgen(unchecked_param_type = "FlagSet")] set: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] value: &JsValue,
) -> Result<String, JsValue> {
    let set = flag_set(set)?;
    Ok(set.format(u32_arg(value, "value")?))
}

macro_rules! per_set {
    ($($parse:ident, $format:ident, $pjs:literal, $fjs:literal, $set:expr;)*) => {$(
        #[doc = concat!("Parses ", stringify!($set), " flag text.")]
        #[wasm_bindgen(js_name = $pjs)]
        pub fn $parse(#[wasm_bindgen(unchecked_param_type = "string")] text: &JsValue) -> Result<u32, JsValue> {
            parse_in($set, text)
        }
        #[doc = concat!("Formats a ", stringify!($set), " flag value.")]
        #[wasm_bindgen(js_name = $fjs)]
        pub fn $format(#[wasm_bindgen(unchecked_param_type = "number")] value: &JsValue) -> Result<String, JsValue> {
            Ok($set.format(u32_arg(value, "value")?))
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
pub fn hresult_name(#[wasm_bindgen(unchecked_param_type = "number")] value: &JsValue) -> Result<Option<String>, JsValue> {
    Ok(HResult(u32_arg(value, "value")?).name().map(str::to_string))
}

/// Every input flag against every mix of activity and sharing, computed by
/// the engine under the given readings.
#[wasm_bindgen(js_name = outcomeMatrix)]
pub fn outcome_matrix(settings: Option<SettingsInput>) -> Result<MatrixOutput, JsValue> {
    let settings = match settings.map(JsValue::from) {
        Some(v) if !v.is_undefined() && !v.is_null() => from_js(&v, "settings", crate::scenario::Settings::from_value)?,
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
    let list: Vec<crate::rules::RuleInfo> =
        RuleId::ALL.iter().map(|&r| crate::rules::RuleInfo { id: r, title: r.title(), doc_url: r.doc_url(), source: r.source() }).collect();
    to_js(&list)
}
