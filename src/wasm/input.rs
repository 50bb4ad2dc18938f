//! Reading JS values as the core's input documents, and scalar arguments
//! checked rather than coerced. Used by the engine and explorer modules (see
//! the parent module).
//!
//! The package reads each document once, in its JS glue, before wasm is
//! entered (scripts/boundary-guard.js: getters, Proxy traps and `toJSON` run
//! there, and what they throw becomes an `inputThrew` error); what arrives
//! here is that plain copy. This walk then checks it and writes its JSON
//! text for the core's readers, reading each value once. Its reads still go
//! through catching bindings, so that a value that did not come through the
//! glue (the wasm-bindgen tests call the exports directly) cannot unwind
//! through wasm either: what it throws also becomes `inputThrew`.

use super::{argument_error, get_caught as reflect_get, is_array, make_error, type_name};
use crate::Scenario;
use crate::error::{ErrorCode, InputError};
use crate::scenario::limits::JSON_BYTES;
use wasm_bindgen::prelude::*;

/// The one conversion from a Rust input error to a JS exception.
pub(super) fn js_error(e: InputError) -> JsValue {
    make_error(&e.to_string(), e.code.as_str(), &e.path)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
    // ES2024; where it is missing the check is skipped and serde_json
    // reports the lone surrogate instead (without the field's path).
    type JsText;
    #[wasm_bindgen(catch, method, js_name = isWellFormed)]
    fn is_well_formed(this: &JsText) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, getter, js_name = length)]
    fn text_length(this: &JsText) -> u32;
}

/// serde_json's recursion limit: deeper documents are refused when parsed.
const MAX_DEPTH: usize = 128;

/// Why a value cannot be read.
enum Problem {
    /// Not JSON data, or over a limit.
    Bad(ErrorCode, String),
    /// The caller's code threw this while the value was read.
    Threw(JsValue),
}

fn invalid(message: &str) -> Problem {
    Problem::Bad(ErrorCode::InvalidJson, message.into())
}

fn too_large() -> Problem {
    Problem::Bad(ErrorCode::TooLarge, format!("larger than the {JSON_BYTES}-byte JSON limit once written as JSON"))
}

/// The UTF-16 length of a JS string, read without copying it into wasm.
pub(super) fn js_text_length(text: &JsValue) -> usize {
    text.unchecked_ref::<JsText>().text_length() as usize
}

/// A JS value as JSON text, read once, or a typed error naming `what` and
/// the field. What `JSON.stringify` would silently change (NaN and Infinity
/// become null, functions and symbols vanish) or refuse (BigInts, cycles),
/// strings with a lone surrogate (which serde_json refuses), nesting past
/// serde_json's limit and text over the JSON size limit are errors naming
/// the first bad field with the core's path syntax (`stores[0].name`,
/// `[3].flags`). `undefined` object fields are allowed: they mean "absent",
/// as in TypeScript. (`toJSON` methods were called by the glue's copy.)
pub(super) fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Err(js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got undefined"))));
    }
    let mut walk = Walk { out: String::new(), keys: Vec::new(), ancestors: Vec::new() };
    let result = walk.write(value);
    match result {
        Ok(()) => Ok(walk.out),
        Err(Problem::Bad(code, message)) => {
            let path = if code == ErrorCode::TooLarge { String::new() } else { walk.path() };
            Err(js_error(InputError::new(code, path, message)))
        }
        Err(Problem::Threw(cause)) => Err(input_threw(&walk.path(), what, cause)),
    }
}

/// The error for an exception the caller's code threw while an input was
/// read: code `inputThrew`, the original as `cause`.
pub(super) fn input_threw(path: &str, what: &str, cause: JsValue) -> JsValue {
    let reason = describe_thrown(&cause);
    let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
    let err = make_error(&format!("{prefix}reading {what} threw an exception: {reason}"), "inputThrew", path);
    let _ = js_sys::Reflect::set(&err, &"cause".into(), &cause);
    err
}

/// The thrown value's message, if reading it is safe and gives a string.
fn describe_thrown(cause: &JsValue) -> String {
    const SHOWN: usize = 200;
    let short_text = |v: &JsValue| if v.is_string() && js_text_length(v) <= SHOWN * 4 { v.as_string() } else { None };
    let message = match cause.is_object() {
        true => reflect_get(cause, &"message".into()).ok().and_then(|m| short_text(&m)),
        false => short_text(cause),
    };
    match message {
        Some(m) if !m.is_empty() => {
            let shown: String = m.chars().take(SHOWN).collect();
            if shown.len() < m.len() { format!("{shown}... (see `cause`)") } else { format!("{shown} (see `cause`)") }
        }
        _ => "see `cause`".into(),
    }
}

struct Walk {
    out: String,
    /// The path to the value being read: array indexes (numbers) and
    /// object keys (strings).
    keys: Vec<JsValue>,
    ancestors: Vec<JsValue>,
}

impl Walk {
    /// `stores[0].name`, `[3].flags`: built only for an error.
    fn path(&self) -> String {
        let mut path = String::new();
        for key in &self.keys {
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
        path
    }

    fn room(&self) -> usize {
        JSON_BYTES.saturating_sub(self.out.len())
    }

    fn write(&mut self, value: &JsValue) -> Result<(), Problem> {
        if let Some(n) = value.as_f64() {
            return self.number(n);
        }
        if value.is_string() {
            return self.string(value);
        }
        if !value.is_object() {
            let literal = match value.as_bool() {
                Some(true) => "true",
                Some(false) => "false",
                None if value.is_null() || value.is_undefined() => "null",
                None if value.is_bigint() => return Err(invalid("expected JSON data, got a BigInt")),
                None if value.is_function() => return Err(invalid("expected JSON data, got a function")),
                None => return Err(invalid("expected JSON data, got a symbol")),
            };
            self.out.push_str(literal);
            return Ok(());
        }
        if self.ancestors.iter().any(|a| js_sys::Object::is(a, value)) {
            return Err(invalid("expected JSON data, got a cycle (an object that contains itself)"));
        }
        if self.ancestors.len() >= MAX_DEPTH {
            return Err(invalid("nested more than 128 levels deep"));
        }
        self.ancestors.push(value.clone());
        if is_array(value).map_err(Problem::Threw)? {
            self.array(value)?;
        } else {
            self.object(value)?;
        }
        self.ancestors.pop();
        Ok(())
    }

    fn number(&mut self, n: f64) -> Result<(), Problem> {
        if n.is_nan() {
            return Err(invalid("expected JSON data, got NaN"));
        }
        if !n.is_finite() {
            return Err(invalid("expected JSON data, got an infinite number"));
        }
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            self.out.push_str(&(n as i64).to_string());
        } else {
            // JS formats the number (valid JSON for every finite number):
            // Rust's float formatting would cost the module 10 KB.
            let text = js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_else(|_| "0".into());
            self.out.push_str(&text);
        }
        self.check_size()
    }

    fn string(&mut self, value: &JsValue) -> Result<(), Problem> {
        // Each UTF-16 unit is at least one byte of JSON: a string that
        // cannot fit is refused before it is copied into wasm memory.
        if js_text_length(value) > self.room() {
            return Err(too_large());
        }
        if value.unchecked_ref::<JsText>().is_well_formed() == Ok(false) {
            return Err(invalid("expected text, got a string with a lone surrogate"));
        }
        let text = value.as_string().unwrap_or_default();
        self.out.push_str(&serde_json::to_string(&text).expect("a string serialises"));
        self.check_size()
    }

    fn check_size(&self) -> Result<(), Problem> {
        if self.out.len() > JSON_BYTES { Err(too_large()) } else { Ok(()) }
    }

    fn array(&mut self, value: &JsValue) -> Result<(), Problem> {
        let len = reflect_get(value, &"length".into()).map_err(Problem::Threw)?.as_f64().unwrap_or(0.0);
        // Each item takes at least two bytes ("0,").
        if !(0.0..=(self.room() / 2) as f64).contains(&len) {
            return Err(too_large());
        }
        self.out.push('[');
        for i in 0..len as u32 {
            if i > 0 {
                self.out.push(',');
            }
            self.keys.push(i.into());
            let item = reflect_get(value, &i.into()).map_err(Problem::Threw)?;
            // As JSON.stringify: an absent item is null.
            if item.is_undefined() {
                self.out.push_str("null");
            } else {
                self.write(&item)?;
            }
            self.keys.pop();
        }
        self.out.push(']');
        self.check_size()
    }

    fn object(&mut self, value: &JsValue) -> Result<(), Problem> {
        let keys = object_keys(value).map_err(Problem::Threw)?;
        // Each field takes at least four bytes ("":0).
        if keys.length() as usize > self.room() / 4 {
            return Err(too_large());
        }
        self.out.push('{');
        let mut first = true;
        for key in keys.iter() {
            self.keys.push(key.clone());
            let item = reflect_get(value, &key).map_err(Problem::Threw)?;
            // `undefined` means "absent", as in TypeScript.
            if !item.is_undefined() {
                if !first {
                    self.out.push(',');
                }
                first = false;
                if !key.is_string() {
                    return Err(invalid("expected a string key"));
                }
                self.string(&key)?;
                self.out.push(':');
                self.write(&item)?;
            }
            self.keys.pop();
        }
        self.out.push('}');
        self.check_size()
    }
}

/// A JS value's JSON text, read by one of the core's readers.
pub(super) fn from_js<T>(value: &JsValue, what: &str, read: impl FnOnce(&str) -> Result<T, InputError>) -> Result<T, JsValue> {
    let text = json_text(value, what)?;
    read(&text).map_err(js_error)
}

/// A scenario: an object, or its JSON text (refused unread when it is over
/// the JSON size limit).
pub(super) fn scenario_from_js(value: &JsValue) -> Result<Scenario, JsValue> {
    if value.is_string() {
        if js_text_length(value) > JSON_BYTES {
            return Err(js_error(InputError::new(
                ErrorCode::TooLarge,
                "",
                format!("the scenario text is longer than the {JSON_BYTES}-byte JSON limit"),
            )));
        }
        return Scenario::from_json(&value.as_string().unwrap_or_default()).map_err(js_error);
    }
    from_js(value, "a scenario", Scenario::from_json)
}

/// A JS number that must be a u32 (flags, HRESULTs): NaN, fractions,
/// negatives and values past 2^32 are errors, not silently wrapped.
pub(super) fn to_u32(value: f64, path: &str) -> Result<u32, JsValue> {
    if value.is_finite() && value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        // JS formats the number: Rust's float formatting would cost the module 10 KB.
        let shown = js_sys::Number::from(value).to_string_with_radix(10).map(String::from).unwrap_or_default();
        Err(argument_error(path, format!("{shown} is not an integer from 0 to 4294967295")))
    }
}

/// A number argument that must be a u32. Taken as a JsValue: wasm-bindgen's
/// `f64` glue would coerce `null` to 0 and "2" to 2 and throw a TypeError on
/// a BigInt.
pub(super) fn u32_arg(value: &JsValue, path: &str) -> Result<u32, JsValue> {
    match value.as_f64() {
        Some(n) => to_u32(n, path),
        None => Err(argument_error(path, format!("expected a number, got {}", type_name(value)))),
    }
}
