//! Reading JS values as the core's input documents: the checks that make
//! `JSON.stringify` faithful, then the core's path-tracking readers; and
//! scalar arguments checked rather than coerced. Used by the engine and
//! explorer modules (see the parent module).

use super::{argument_error, is_array, make_error, type_name};
use crate::Scenario;
use crate::error::{ErrorCode, InputError};
use wasm_bindgen::prelude::*;

/// The one conversion from a Rust input error to a JS exception.
pub(super) fn js_error(e: InputError) -> JsValue {
    make_error(&e.to_string(), e.code.as_str(), &e.path)
}

/// A JS value as JSON text, or a typed error naming `what` (and the field).
pub(super) fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
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
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
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
pub(super) fn check_plain_data(value: &JsValue) -> Result<(), InputError> {
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
pub(super) fn from_js<T>(value: &JsValue, what: &str, read: impl FnOnce(&str) -> Result<T, InputError>) -> Result<T, JsValue> {
    let text = json_text(value, what)?;
    read(&text).map_err(js_error)
}

pub(super) fn scenario_from_js(value: &JsValue) -> Result<Scenario, JsValue> {
    match value.as_string() {
        Some(text) => Scenario::from_json(&text).map_err(js_error),
        None => from_js(value, "a scenario", Scenario::from_json),
    }
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
