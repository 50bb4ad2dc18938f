//! The checker module of the package (`mapi-logoff/check`): the trace
//! checker on its own, without the engine (a tool that only checks logs
//! loads 56 KB, not the whole model). Same shape as the engine API: typed
//! value in, typed value out, input errors thrown by the one helper of the
//! parent module.
//!
//! One definition of a line for every form of input: the text between two
//! line feeds (a trailing `\r` dropped), blank lines counted, and a last
//! line without a line feed counted unless it is blank. An array of lines
//! is checked exactly as the text its items make joined by line feeds. The
//! text is split here, so that the checker sees whole lines: strings are
//! copied into wasm in slices, and a line longer than [`MAX_LINE`] bytes is
//! cut there (it is then reported as malformed), so memory stays bounded
//! however large the trace.

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

/// Longest line kept, in bytes of UTF-8; the rest of a longer line is
/// dropped (real trace lines are well under 1 KB).
pub const MAX_LINE: usize = 1 << 20;
/// UTF-16 units copied into wasm at a time.
const SLICE: u32 = 1 << 16;

/// Lines split out of text fed in pieces, each checked once whole.
struct Lines {
    checker: check::Checker,
    partial: String,
}

impl Lines {
    fn new() -> Lines {
        Lines { checker: check::Checker::new(), partial: String::new() }
    }

    /// Feeds a JS string, a slice at a time.
    fn feed_js(&mut self, text: &JsValue) {
        let text = text.unchecked_ref::<js_sys::JsString>();
        let len = text.length();
        let mut start = 0;
        while start < len {
            let mut end = (start + SLICE).min(len);
            // Never between the two halves of a surrogate pair.
            if end < len && (55296.0..56320.0).contains(&text.char_code_at(end - 1)) {
                end -= 1;
            }
            self.feed(&String::from(text.slice(start, end)));
            start = end;
        }
    }

    fn feed(&mut self, mut text: &str) {
        while let Some(at) = text.find('\n') {
            self.keep(&text[..at]);
            let line = std::mem::take(&mut self.partial);
            self.checker.line(line.strip_suffix('\r').unwrap_or(&line));
            text = &text[at + 1..];
        }
        self.keep(text);
    }

    /// Appends to the line being read, up to [`MAX_LINE`] bytes.
    fn keep(&mut self, text: &str) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if text.len() <= room {
            self.partial.push_str(text);
        } else {
            let cut = (0..=room).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            self.partial.push_str(&text[..cut]);
        }
    }

    fn finish(mut self) -> check::Report {
        if !self.partial.trim().is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.checker.line(line.strip_suffix('\r').unwrap_or(&line));
        }
        self.checker.finish()
    }
}

/// Checks a whole trace: JSON Lines text, or an array of lines (checked as
/// the text they make joined by line feeds).
#[wasm_bindgen(js_name = checkTrace)]
pub fn check_trace(trace: TraceTextInput) -> Result<CheckReportOutput, JsValue> {
    let value = JsValue::from(trace);
    let mut lines = Lines::new();
    if value.is_string() {
        lines.feed_js(&value);
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
                lines.feed("\n");
            }
            lines.feed_js(&line);
        }
    } else {
        return Err(argument_error("trace", "expected the trace as text or as an array of lines"));
    }
    Ok(super::to_js(&lines.finish()))
}

fn threw(path: &str, cause: JsValue) -> JsValue {
    let prefix = if path.is_empty() { String::new() } else { format!("{path}: ") };
    let err = make_error(&format!("{prefix}reading the trace threw an exception (see `cause`)"), "inputThrew", path);
    let _ = js_sys::Reflect::set(&err, &"cause".into(), &cause);
    err
}

/// The checker for traces too large to hold: feed chunks as they are read
/// (lines may span chunks), then `finish()`.
#[wasm_bindgen]
pub struct TraceChecker {
    inner: Option<Lines>,
}

#[wasm_bindgen]
impl TraceChecker {
    #[wasm_bindgen(constructor)]
    pub fn new() -> TraceChecker {
        TraceChecker { inner: Some(Lines::new()) }
    }

    pub fn feed(&mut self, #[wasm_bindgen(unchecked_param_type = "string")] chunk: &JsValue) -> Result<(), JsValue> {
        if !chunk.is_string() {
            return Err(argument_error("chunk", format!("expected a string, got {}", type_name(chunk))));
        }
        match &mut self.inner {
            Some(lines) => {
                lines.feed_js(chunk);
                Ok(())
            }
            None => Err(argument_error("feed", "this checker has finished; create a new one")),
        }
    }

    /// Ends the check and returns the report; the checker takes no more input.
    pub fn finish(&mut self) -> Result<CheckReportOutput, JsValue> {
        match self.inner.take() {
            Some(lines) => Ok(super::to_js(&lines.finish())),
            None => Err(argument_error("finish", "this checker has already finished")),
        }
    }
}

impl Default for TraceChecker {
    fn default() -> Self {
        Self::new()
    }
}
