//! WebAssembly bindings (compiled for wasm32 only). A thin layer: it
//! converts values at the boundary and owns no protocol logic.
//!
//! Every function has one shape: a typed value in (checked by the core's
//! readers, with errors naming the bad field), a typed value out. Inputs
//! are walked once (`input::json_value`) into the `serde_json::Value` tree
//! the core's readers take: what `JSON.stringify` would silently change (NaN
//! and Infinity become null, functions and symbols vanish) or refuse
//! (BigInts, cycles) and nesting past 128 levels are typed errors naming
//! the field, and the module carries no JSON parser (text input goes
//! through `JSON.parse`). Scalar arguments are taken as `JsValue` and
//! checked here, never coerced by the generated glue. Outputs cross back as
//! serde_json text parsed by `JSON.parse`: serde-wasm-bindgen objects were
//! measured faster but 7 KB larger, past the module's size budget (README,
//! "The JS boundary"; `npm run bench` measures both).

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
// Reading documents (scenarios, actions, options) from JS values: the engine
// and explorer modules take them; the checker takes only text.
#[cfg(any(feature = "explore", not(feature = "check")))]
mod input;
#[cfg(any(feature = "explore", not(feature = "check")))]
use input::*;

// The declarations of every value that crosses (tests/typescript.rs
// generates them from the Rust types); classes and functions are declared
// by wasm-bindgen.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("wasm/types.generated.d.ts");

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

fn argument_error(path: &str, message: impl Into<String>) -> JsValue {
    make_error(&format!("{path}: {}", message.into()), "invalidArgument", path)
}

/// Whether a caught value is an error this package threw for bad input:
/// an `Error` named MapiLogoffError with a string `code`. Checked by shape,
/// not by prototype, so it recognises the errors of all of the package's
/// wasm modules. Any value may be passed: a throwing getter, a Proxy or a
/// revoked Proxy answers false, never throws.
#[wasm_bindgen(js_name = isMapiLogoffError, unchecked_return_type = "value is MapiLogoffError")]
pub fn is_mapi_logoff_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue) -> bool {
    // wasm-bindgen's `instanceof` check catches what a Proxy throws.
    if !value.is_instance_of::<js_sys::Error>() {
        return false;
    }
    let read = |key: &str| get_caught(value, &key.into()).unwrap_or(JsValue::UNDEFINED);
    read("name").as_string().as_deref() == Some("MapiLogoffError") && read("code").is_string()
}

// Catching bindings: on a Proxy or a getter these run user code, and an
// exception unwinding through wasm would leave a `Simulation` borrowed
// (every later call would fail).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn get_caught(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
}

/// A core value as a plain JS object: serde_json text parsed by the
/// engine's `JSON.parse`. One serializer for every output keeps the module
/// small and makes the JS objects exactly the JSON the native core writes.
#[cfg(not(feature = "swb-outputs"))]
fn to_js<T: Serialize + ?Sized, R: JsCast>(value: &T) -> R {
    let text = crate::json::to_text(value);
    js_sys::JSON::parse(&text).expect("serde_json writes valid JSON").unchecked_into()
}

#[cfg(feature = "swb-outputs")]
fn to_js<T: Serialize + ?Sized, R: JsCast>(value: &T) -> R {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).expect("the core's output types serialise").unchecked_into()
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

#[cfg(not(any(feature = "check", feature = "explore")))]
/// A short string argument (flag text). Taken as a JsValue: wasm-bindgen's
/// `&str` glue reads a non-string out of bounds ("RuntimeError: memory
/// access out of bounds"). Longer than any flag text can be, it is refused
/// before it is copied into wasm memory.
fn text_arg(value: &JsValue, path: &str) -> Result<String, JsValue> {
    const MAX_TEXT: u32 = 4096;
    if !value.is_string() {
        return Err(argument_error(path, format!("expected a string, got {}", type_name(value))));
    }
    if value.unchecked_ref::<js_sys::JsString>().length() > MAX_TEXT {
        return Err(make_error(&format!("{path}: longer than {MAX_TEXT} characters"), "tooLarge", path));
    }
    Ok(value.as_string().unwrap_or_default())
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}
