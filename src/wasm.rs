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

#[cfg(any(feature = "explore", not(feature = "check")))]
use crate::Scenario;
#[cfg(any(feature = "explore", not(feature = "check")))]
use crate::error::{ErrorCode, InputError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

// Three builds of one crate: the engine API (the default); with the
// `check` feature, the trace checker alone; with the `explore` feature, the
// explorer alone. Each is its own wasm module of the npm package, so that a
// page that only simulates loads neither of the others, a tool that only
// checks logs does not load the engine, and each stays within the size
// budget.
#[cfg(feature = "check")]
mod check;
#[cfg(not(any(feature = "check", feature = "explore")))]
mod engine;
#[cfg(feature = "explore")]
mod explore;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("wasm/types.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "Scenario | string")]
    pub type ScenarioInput;
}

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

#[cfg(any(feature = "explore", not(feature = "check")))]
/// The one conversion from a Rust input error to a JS exception.
fn js_error(e: InputError) -> JsValue {
    make_error(&e.to_string(), e.code.as_str(), &e.path)
}

fn argument_error(path: &str, message: impl Into<String>) -> JsValue {
    make_error(&format!("{path}: {}", message.into()), "invalidArgument", path)
}

/// Whether a caught value is an error this package threw for bad input:
/// an `Error` named MapiLogoffError with a string `code`. Checked by shape,
/// not by prototype, so it recognises the errors of both of the package's
/// wasm modules. Any value may be passed.
#[wasm_bindgen(js_name = isMapiLogoffError, unchecked_return_type = "value is MapiLogoffError")]
pub fn is_mapi_logoff_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue) -> bool {
    let Some(err) = value.dyn_ref::<js_sys::Error>() else { return false };
    let code = js_sys::Reflect::get(err, &"code".into()).unwrap_or(JsValue::UNDEFINED);
    err.name() == "MapiLogoffError" && code.is_string()
}

#[cfg(any(feature = "explore", not(feature = "check")))]
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

// Catching bindings: on a Proxy or a getter these run user code, and an
// exception unwinding through wasm would leave a `Simulation` borrowed
// (every later call would fail).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
}

#[cfg(any(feature = "explore", not(feature = "check")))]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
    // ES2024; where it is missing the check is skipped and serde_json
    // reports the lone surrogate instead (without the field's path).
    type JsText;
    #[wasm_bindgen(catch, method, js_name = isWellFormed)]
    fn is_well_formed(this: &JsText) -> Result<bool, JsValue>;
}

#[cfg(any(feature = "explore", not(feature = "check")))]
/// serde_json's recursion limit: deeper documents are refused when parsed.
const MAX_DEPTH: usize = 128;
#[cfg(any(feature = "explore", not(feature = "check")))]
const TOO_MANY: &str = "too many values for the JSON size limit";

#[cfg(any(feature = "explore", not(feature = "check")))]
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

#[cfg(any(feature = "explore", not(feature = "check")))]
struct Walk {
    /// The path to the value being checked: array indexes (numbers) and
    /// object keys (strings).
    keys: Vec<JsValue>,
    ancestors: Vec<JsValue>,
    /// Values left before the input is over the JSON size limit (each
    /// takes at least two bytes of JSON).
    budget: usize,
}

#[cfg(any(feature = "explore", not(feature = "check")))]
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

#[cfg(any(feature = "explore", not(feature = "check")))]
/// A JS value's JSON text, read by one of the core's readers.
fn from_js<T>(value: &JsValue, what: &str, read: impl FnOnce(&str) -> Result<T, InputError>) -> Result<T, JsValue> {
    let text = json_text(value, what)?;
    read(&text).map_err(js_error)
}

#[cfg(any(feature = "explore", not(feature = "check")))]
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

#[cfg(any(feature = "explore", not(feature = "check")))]
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

#[cfg(any(feature = "explore", not(feature = "check")))]
/// A number argument that must be a u32. Taken as a JsValue: wasm-bindgen's
/// `f64` glue would coerce `null` to 0 and "2" to 2 and throw a TypeError on
/// a BigInt.
fn u32_arg(value: &JsValue, path: &str) -> Result<u32, JsValue> {
    match value.as_f64() {
        Some(n) => to_u32(n, path),
        None => Err(argument_error(path, format!("expected a number, got {}", type_name(value)))),
    }
}

#[cfg(any(feature = "check", not(feature = "explore")))]
/// A string argument. Taken as a JsValue: wasm-bindgen's `&str` glue reads
/// a non-string out of bounds ("RuntimeError: memory access out of bounds").
fn text_arg(value: &JsValue, path: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| argument_error(path, format!("expected a string, got {}", type_name(value))))
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}
