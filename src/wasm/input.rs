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
use serde_json::Value;
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

/// A JS value as a JSON tree, read once, or a typed error naming `what` and
/// the field. What `JSON.stringify` would silently change (NaN and Infinity
/// become null, functions and symbols vanish) or refuse (BigInts, cycles),
/// strings with a lone surrogate, nesting past serde_json's limit and
/// documents over the JSON size limit are errors naming the first bad field
/// with the core's path syntax (`stores[0].name`, `[3].flags`). `undefined`
/// object fields are allowed: they mean "absent", as in TypeScript.
/// (`toJSON` methods were called by the glue's copy.) The tree is built
/// directly, not through JSON text: the module then carries no JSON parser.
pub(super) fn json_value(value: &JsValue, what: &str) -> Result<Value, JsValue> {
    if value.is_undefined() {
        return Err(js_error(InputError::new(ErrorCode::InvalidJson, "", format!("expected {what}, got undefined"))));
    }
    let mut walk = Walk { bytes: 0, keys: Vec::new(), ancestors: Vec::new() };
    match walk.read(value) {
        Ok(v) => Ok(v),
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
    /// The size of the document once written as JSON, counted as it is read.
    bytes: usize,
    /// The path to the value being read: array indexes (numbers) and
    /// object keys (strings).
    keys: Vec<JsValue>,
    ancestors: Vec<JsValue>,
}

/// Past this depth an error path shows its first segments and the depth,
/// not hundreds of `[0]`.
const SHOWN_SEGMENTS: usize = 8;

impl Walk {
    /// `stores[0].name`, `[3].flags`, `[0][0][0]...(depth 129)`: built only for an error.
    fn path(&self) -> String {
        let mut path = String::new();
        for key in self.keys.iter().take(SHOWN_SEGMENTS) {
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
        if self.keys.len() > SHOWN_SEGMENTS {
            path.push_str(&format!("...(depth {})", self.keys.len()));
        }
        path
    }

    fn room(&self) -> usize {
        JSON_BYTES.saturating_sub(self.bytes)
    }

    /// Counts `n` more bytes of JSON.
    fn grow(&mut self, n: usize) -> Result<(), Problem> {
        self.bytes += n;
        if self.bytes > JSON_BYTES { Err(too_large()) } else { Ok(()) }
    }

    fn read(&mut self, value: &JsValue) -> Result<Value, Problem> {
        if let Some(n) = value.as_f64() {
            return self.number(n);
        }
        if value.is_string() {
            return self.string(value).map(Value::String);
        }
        if !value.is_object() {
            let v = match value.as_bool() {
                Some(b) => Value::Bool(b),
                None if value.is_null() || value.is_undefined() => Value::Null,
                None if value.is_bigint() => return Err(invalid("expected JSON data, got a BigInt")),
                None if value.is_function() => return Err(invalid("expected JSON data, got a function")),
                None => return Err(invalid("expected JSON data, got a symbol")),
            };
            self.grow(5)?;
            return Ok(v);
        }
        if self.ancestors.iter().any(|a| js_sys::Object::is(a, value)) {
            return Err(invalid("expected JSON data, got a cycle (an object that contains itself)"));
        }
        if self.ancestors.len() >= MAX_DEPTH {
            return Err(invalid("nested more than 128 levels deep"));
        }
        self.ancestors.push(value.clone());
        let v = if is_array(value).map_err(Problem::Threw)? { self.array(value)? } else { self.object(value)? };
        self.ancestors.pop();
        Ok(v)
    }

    fn number(&mut self, n: f64) -> Result<Value, Problem> {
        if n.is_nan() {
            return Err(invalid("expected JSON data, got NaN"));
        }
        if !n.is_finite() {
            return Err(invalid("expected JSON data, got an infinite number"));
        }
        self.grow(8)?;
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            Ok(Value::Number((n as i64).into()))
        } else {
            Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
    }

    fn string(&mut self, value: &JsValue) -> Result<String, Problem> {
        // Each UTF-16 unit is at least one byte of JSON: a string that
        // cannot fit is refused before it is copied into wasm memory.
        if js_text_length(value) > self.room() {
            return Err(too_large());
        }
        if value.unchecked_ref::<JsText>().is_well_formed() == Ok(false) {
            return Err(invalid("expected text, got a string with a lone surrogate"));
        }
        let text = value.as_string().unwrap_or_default();
        self.grow(text.len() + 2)?;
        Ok(text)
    }

    fn array(&mut self, value: &JsValue) -> Result<Value, Problem> {
        let len = reflect_get(value, &"length".into()).map_err(Problem::Threw)?.as_f64().unwrap_or(0.0);
        // Each item takes at least two bytes ("0,").
        if !(0.0..=(self.room() / 2) as f64).contains(&len) {
            return Err(too_large());
        }
        self.grow(2)?;
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len as u32 {
            self.keys.push(i.into());
            let item = reflect_get(value, &i.into()).map_err(Problem::Threw)?;
            // As JSON.stringify: an absent item is null.
            items.push(if item.is_undefined() { self.grow(5).map(|()| Value::Null)? } else { self.read(&item)? });
            self.grow(1)?;
            self.keys.pop();
        }
        Ok(Value::Array(items))
    }

    fn object(&mut self, value: &JsValue) -> Result<Value, Problem> {
        let keys = object_keys(value).map_err(Problem::Threw)?;
        // Each field takes at least four bytes ("":0).
        if keys.length() as usize > self.room() / 4 {
            return Err(too_large());
        }
        self.grow(2)?;
        let mut map = serde_json::Map::new();
        for key in keys.iter() {
            self.keys.push(key.clone());
            let item = reflect_get(value, &key).map_err(Problem::Threw)?;
            // `undefined` means "absent", as in TypeScript.
            if !item.is_undefined() {
                if !key.is_string() {
                    return Err(invalid("expected a string key"));
                }
                let name = self.string(&key)?;
                self.grow(2)?;
                let item = self.read(&item)?;
                map.insert(name, item);
            }
            self.keys.pop();
        }
        Ok(Value::Object(map))
    }
}

/// A JS value read by one of the core's readers. Errors about the value as
/// a whole (`apply(null)`) have the path "" and say what was expected.
pub(super) fn from_js<T>(value: &JsValue, what: &str, read: impl FnOnce(&Value) -> Result<T, InputError>) -> Result<T, JsValue> {
    let tree = json_value(value, what)?;
    read(&tree).map_err(js_error)
}

/// A scenario: an object, or its JSON text (refused unread when it is over
/// the JSON size limit; parsed by the engine's `JSON.parse`). The package's
/// glue parses text before wasm is entered (scripts/boundary-guard.js), so
/// that a SyntaxError never crosses this `catch` import, which would leak a
/// table slot; this path serves callers of the bare exports.
pub(super) fn scenario_from_js(value: &JsValue) -> Result<Scenario, JsValue> {
    if value.is_string() {
        if js_text_length(value) > JSON_BYTES {
            return Err(js_error(InputError::new(
                ErrorCode::TooLarge,
                "",
                format!("the scenario text is longer than the {JSON_BYTES}-byte JSON limit"),
            )));
        }
        let parsed = js_sys::JSON::parse(&value.as_string().unwrap_or_default()).map_err(|e| {
            let reason = reflect_get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
            js_error(InputError::new(ErrorCode::InvalidJson, "", format!("not valid JSON: {reason}")))
        })?;
        return from_js(&parsed, "a scenario", Scenario::from_value);
    }
    from_js(value, "a scenario", Scenario::from_value)
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
