//! The checker module of the package (`mapi-logoff/check`): the trace
//! checker on its own, without the engine (a tool that only checks logs
//! loads 96 KB, not the whole model; built with `[profile.wasm-check]`, its
//! code for speed). Same shape as the engine API: typed
//! value in, typed value out, input errors thrown by the one helper of the
//! parent module.
//!
//! One definition of a line for every form of input, the core's
//! (`Checker::push_bytes`): the text between two line feeds (a trailing
//! `\r` dropped), blank lines counted, and a last line without a line feed
//! counted unless it is blank. An array of lines is checked exactly as the
//! text its items make joined by line feeds. Strings are copied into wasm
//! in slices, bytes in slices of at most 1 MiB, and a line longer than
//! [`check::MAX_LINE`] bytes is cut there (it is then reported as
//! malformed), so memory stays bounded however large the trace.

use super::{argument_error, get_caught, is_array, make_error, type_name};
use crate::check;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("check.generated.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "CheckReport")]
    pub type CheckReportOutput;
    #[wasm_bindgen(typescript_type = "string | string[]")]
    pub type TraceTextInput;
}

/// UTF-16 units copied into wasm at a time.
const SLICE: u32 = 1 << 16;

/// Feeds a JS string to the checker, a slice at a time (never between the
/// two halves of a surrogate pair), so that wasm memory does not grow with
/// the length of the text.
fn feed_js(checker: &mut check::Checker, text: &JsValue) {
    let text = text.unchecked_ref::<js_sys::JsString>();
    let len = text.length();
    let mut start = 0;
    while start < len {
        let mut end = (start + SLICE).min(len);
        if end < len && (55296.0..56320.0).contains(&text.char_code_at(end - 1)) {
            end -= 1;
        }
        checker.feed(&String::from(text.slice(start, end)));
        start = end;
    }
}

/// Checks a whole trace: JSON Lines text, or an array of lines (checked as
/// the text they make joined by line feeds).
#[wasm_bindgen(js_name = checkTrace)]
pub fn check_trace(trace: TraceTextInput) -> Result<CheckReportOutput, JsValue> {
    let value = JsValue::from(trace);
    let mut checker = check::Checker::new();
    if value.is_string() {
        feed_js(&mut checker, &value);
    } else if is_array(&value).map_err(|e| threw("", e))? {
        // Each item read once; a Proxy's or a getter's exception is caught.
        let len = get_caught(&value, &"length".into()).map_err(|e| threw("", e))?.as_f64().unwrap_or(0.0);
        if !(0.0..=f64::from(u32::MAX)).contains(&len) {
            return Err(argument_error("trace", "expected an array of lines with a valid length"));
        }
        for i in 0..len as u32 {
            let path = format!("[{i}]");
            let line = get_caught(&value, &i.into()).map_err(|e| threw(&path, e))?;
            if !line.is_string() {
                return Err(argument_error(&path, format!("expected a string, got {}", type_name(&line))));
            }
            if i > 0 {
                checker.feed("\n");
            }
            feed_js(&mut checker, &line);
        }
    } else {
        return Err(argument_error("trace", "expected the trace as text or as an array of lines"));
    }
    Ok(super::to_js(&checker.finish()))
}

fn threw(path: &str, cause: JsValue) -> JsValue {
    let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
    let err = make_error(&format!("{prefix}reading the trace threw an exception (see `cause`)"), "inputThrew", path);
    let _ = js_sys::Reflect::set(&err, &"cause".into(), &cause);
    err
}

/// The checker for traces too large to hold: feed text (`feed`) or bytes
/// (`pushChunk`, a file read as it comes, without decoding it in JS) in
/// chunks as they are read, whatever their size (lines, and the bytes of a
/// character, may span chunks), then `finish()`.
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
        if !chunk.is_string() {
            return Err(argument_error("chunk", format!("expected a string, got {}", type_name(chunk))));
        }
        match &mut self.inner {
            Some(checker) => {
                feed_js(checker, chunk);
                Ok(())
            }
            None => Err(argument_error("feed", "this checker has finished; create a new one")),
        }
    }

    /// Bytes of UTF-8 text (a `Uint8Array`, such as a Node `Buffer`); the
    /// package's boundary guard hands them over in slices of at most 1 MiB,
    /// so a large chunk does not grow wasm memory by its size.
    #[wasm_bindgen(js_name = pushChunk)]
    pub fn push_chunk(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        match &mut self.inner {
            Some(checker) => {
                checker.push_bytes(chunk);
                Ok(())
            }
            None => Err(argument_error("pushChunk", "this checker has finished; create a new one")),
        }
    }

    /// Ends the check and returns the report; the checker takes no more input.
    pub fn finish(&mut self) -> Result<CheckReportOutput, JsValue> {
        match self.inner.take() {
            Some(checker) => Ok(super::to_js(&checker.finish())),
            None => Err(argument_error("finish", "this checker has already finished")),
        }
    }
}

impl Default for TraceChecker {
    fn default() -> Self {
        Self::new()
    }
}
