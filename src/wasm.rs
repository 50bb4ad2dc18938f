//! WebAssembly bindings (compiled for wasm32 only). A thin layer: it
//! converts values at the boundary and owns no protocol logic.
//!
//! Every function has one shape: a typed value in (checked by the core's
//! readers, with errors naming the bad field), a typed value out. Inputs
//! cross as JSON text (`JSON.stringify`, then serde_json), so error paths
//! read the same as natively. Before that, [`check_plain_data`] walks the
//! value once: what `JSON.stringify` would silently change (NaN and
//! Infinity become null, functions and symbols vanish) or refuse (BigInts,
//! cycles) and nesting past serde_json's limit are typed errors naming the
//! field. Scalar arguments are taken as `JsValue` and checked here, never
//! coerced by the generated glue. Outputs cross back as serde_json text
//! parsed by `JSON.parse`.

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

// `private`: run on instantiation, but not exported as a `start()` function.
#[wasm_bindgen(start, private)]
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
/// Any value may be passed: `undefined`, `null` and other primitives are not.
#[wasm_bindgen(js_name = isMapiLogoffError, unchecked_return_type = "value is MapiLogoffError")]
pub fn is_mapi_logoff_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue) -> bool {
    // Object.getPrototypeOf throws on undefined and null.
    value.is_object() && ERROR_PROTOTYPE.with(|p| js_sys::Object::is(&js_sys::Object::get_prototype_of(value), p))
}

/// A JS value as JSON text, or a typed error naming `what` (and the field).
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Err(js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got undefined"))));
    }
    check_plain_data(value).map_err(js_error)?;
    let text = js_sys::JSON::stringify(value).map_err(|e| {
        // Only user code can still throw here (a toJSON method, a Proxy).
        let reason =
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "it cannot be written as JSON".into());
        js_error(InputError::new(ErrorCode::InvalidJson, "", format!("{what} is not plain data: {reason}")))
    })?;
    text.as_string()
        .ok_or_else(|| js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got a value JSON cannot represent"))))
}

#[wasm_bindgen]
extern "C" {
    // Catching bindings: on a Proxy or a getter these run user code, and an
    // exception unwinding through wasm would leave a `Simulation` borrowed
    // (every later call would fail).
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    // ES2024; where it is missing the check is skipped and serde_json
    // reports the lone surrogate instead (without the field's path).
    type JsText;
    #[wasm_bindgen(catch, method, js_name = isWellFormed)]
    fn is_well_formed(this: &JsText) -> Result<bool, JsValue>;
}

/// serde_json's recursion limit: deeper documents are refused when parsed.
const MAX_DEPTH: usize = 128;
const TOO_MANY: &str = "too many values for the JSON size limit";

/// Checks that `JSON.stringify(value)` writes exactly `value`: no NaN or
/// Infinity (which it writes as null), function or symbol (which it drops:
/// a reader would then take a required field as missing, an optional one
/// as absent), BigInt or cycle (which it refuses), string with a lone
/// surrogate (which serde_json refuses), no nesting past serde_json's limit
/// and no more values than the JSON size limit allows. Walks in
/// `JSON.stringify`'s order, so the error names the first bad field with
/// the core's path syntax (`stores[0].name`, `[3].flags`). `undefined`
/// object fields are allowed: they mean "absent", as in TypeScript.
fn check_plain_data(value: &JsValue) -> Result<(), InputError> {
    let mut walk = Walk { keys: Vec::new(), ancestors: Vec::new(), budget: crate::scenario::limits::JSON_BYTES / 2 };
    walk.check(value).map_err(|problem| {
        if problem == TOO_MANY {
            return InputError::new(ErrorCode::TooLarge, "", problem);
        }
        // The path, built only now: `stores[0].name`, `[3].flags`.
        let mut path = String::new();
        for key in &walk.keys {
            match key.as_f64() {
                Some(i) => {
                    path.push('[');
                    path.push_str(&(i as u32).to_string());
                    path.push(']');
                }
                None => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key.as_string().unwrap_or_default());
                }
            }
        }
        InputError::new(ErrorCode::InvalidJson, path, problem)
    })
}

struct Walk {
    /// The path to the value being checked: array indexes (numbers) and
    /// object keys (strings).
    keys: Vec<JsValue>,
    ancestors: Vec<JsValue>,
    /// Values left before the input is over the JSON size limit (each
    /// takes at least two bytes of JSON).
    budget: usize,
}

impl Walk {
    fn spend(&mut self, n: usize) -> Result<(), &'static str> {
        self.budget = self.budget.checked_sub(n).ok_or(TOO_MANY)?;
        Ok(())
    }

    fn check(&mut self, value: &JsValue) -> Result<(), &'static str> {
        const THREW: &str = "reading it threw an exception";
        self.spend(1)?;
        if let Some(n) = value.as_f64() {
            return match n {
                _ if n.is_finite() => Ok(()),
                _ if n.is_nan() => Err("expected JSON data, got NaN"),
                _ => Err("expected JSON data, got an infinite number"),
            };
        }
        if value.is_string() {
            return match value.unchecked_ref::<JsText>().is_well_formed() {
                Ok(false) => Err("expected text, got a string with a lone surrogate"),
                _ => Ok(()),
            };
        }
        if !value.is_object() {
            return match () {
                _ if value.is_undefined() || value.is_null() || value.as_bool().is_some() => Ok(()),
                _ if value.is_bigint() => Err("expected JSON data, got a BigInt"),
                _ if value.is_function() => Err("expected JSON data, got a function"),
                _ => Err("expected JSON data, got a symbol"),
            };
        }
        if self.ancestors.iter().any(|a| js_sys::Object::is(a, value)) {
            return Err("expected JSON data, got a cycle (an object that contains itself)");
        }
        if self.ancestors.len() >= MAX_DEPTH {
            return Err("nested more than 128 levels deep");
        }
        self.ancestors.push(value.clone());
        if is_array(value).map_err(|_| THREW)? {
            let len = js_sys::Reflect::get(value, &"length".into()).map_err(|_| THREW)?.as_f64().unwrap_or(0.0) as u32;
            self.spend(len as usize)?;
            for i in 0..len {
                self.keys.push(i.into());
                self.check(&js_sys::Reflect::get_u32(value, i).map_err(|_| THREW)?)?;
                self.keys.pop();
            }
        } else {
            let keys = object_keys(value).map_err(|_| THREW)?;
            self.spend(keys.length() as usize)?;
            for key in keys.iter() {
                self.keys.push(key);
                let item = js_sys::Reflect::get(value, self.keys.last().expect("just pushed")).map_err(|_| THREW)?;
                if !item.is_undefined() {
                    self.check(&item)?;
                }
                self.keys.pop();
            }
        }
        self.ancestors.pop();
        Ok(())
    }
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

/// What a JS value is, for "expected a number, got ..." messages.
fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if is_array(value).unwrap_or(false) {
        return "an array".into();
    }
    match value.js_typeof().as_string().unwrap_or_default().as_str() {
        "undefined" => "undefined".into(),
        "bigint" => "a BigInt".into(),
        "object" => "an object".into(),
        t => format!("a {t}"),
    }
}

/// A number argument that must be a u32. Taken as a JsValue: wasm-bindgen's
/// `f64` glue would coerce `null` to 0 and "2" to 2 and throw a TypeError on
/// a BigInt.
fn u32_arg(value: &JsValue, path: &str) -> Result<u32, JsValue> {
    match value.as_f64() {
        Some(n) => to_u32(n, path),
        None => Err(argument_error(path, format!("expected a number, got {}", type_name(value)))),
    }
}

/// A string argument. Taken as a JsValue: wasm-bindgen's `&str` glue reads
/// a non-string out of bounds ("RuntimeError: memory access out of bounds").
fn text_arg(value: &JsValue, path: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| argument_error(path, format!("expected a string, got {}", type_name(value))))
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
