//! The checker module of the package (`mapi-logoff/check`): the trace
//! checker on its own, without the engine (a tool that only checks logs
//! loads 56 KB, not the whole model). Same shape as the engine API: typed
//! value in, typed value out, input errors thrown by the one helper of the
//! parent module.

use super::{argument_error, text_arg, to_js};
use crate::check;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("check.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "CheckReport")]
    pub type CheckReportOutput;
    #[wasm_bindgen(typescript_type = "string | string[]")]
    pub type TraceTextInput;
}

/// Checks a whole trace: JSON Lines text, or an array of lines.
#[wasm_bindgen(js_name = checkTrace)]
pub fn check_trace(trace: TraceTextInput) -> Result<CheckReportOutput, JsValue> {
    let value = JsValue::from(trace);
    let mut checker = check::Checker::new();
    if let Some(text) = value.as_string() {
        checker.feed(&text);
    } else if let Some(lines) = value.dyn_ref::<js_sys::Array>() {
        for (i, line) in lines.iter().enumerate() {
            checker.line(&text_arg(&line, &format!("[{i}]"))?);
        }
    } else {
        return Err(argument_error("trace", "expected the trace as text or as an array of lines"));
    }
    Ok(to_js(&checker.finish()))
}

/// The checker for traces too large to hold: feed chunks as they are read
/// (lines may span chunks), then `finish()`.
#[wasm_bindgen]
pub struct TraceChecker {
    inner: Option<check::Checker>,
}

#[wasm_bindgen]
impl TraceChecker {
    #[wasm_bindgen(constructor)]
    pub fn new() -> TraceChecker {
        TraceChecker { inner: Some(check::Checker::new()) }
    }

    pub fn feed(&mut self, #[wasm_bindgen(unchecked_param_type = "string")] chunk: &JsValue) -> Result<(), JsValue> {
        let chunk = text_arg(chunk, "chunk")?;
        match &mut self.inner {
            Some(c) => {
                c.feed(&chunk);
                Ok(())
            }
            None => Err(argument_error("feed", "this checker has finished; create a new one")),
        }
    }

    /// Ends the check and returns the report; the checker takes no more input.
    pub fn finish(&mut self) -> Result<CheckReportOutput, JsValue> {
        match self.inner.take() {
            Some(c) => Ok(to_js(&c.finish())),
            None => Err(argument_error("finish", "this checker has already finished")),
        }
    }
}

impl Default for TraceChecker {
    fn default() -> Self {
        Self::new()
    }
}
