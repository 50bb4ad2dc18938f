//! The explorer module of the package (`mapi-logoff/explore`): every
//! interleaving of a scenario, on its own wasm module so that the engine
//! module stays in its size budget and a page loads the explorer only
//! where it runs it (in the playground, a Web Worker). Same shape as the
//! engine API: typed value in, typed value out, input errors thrown by the
//! one helper of the parent module.

use super::*;
use crate::explore::{self, ExploreOptions};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("explore.generated.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ExploreOptions")]
    pub type ExploreOptionsInput;
    #[wasm_bindgen(typescript_type = "ExploreReport")]
    pub type ExploreReportOutput;
    #[wasm_bindgen(typescript_type = "ExploreProgress")]
    pub type ProgressInput;
    #[wasm_bindgen(typescript_type = "AbortSignal")]
    pub type AbortSignalInput;
}

/// Units of work (see `Explorer::step`) at most between two progress
/// callbacks of `explore()`: a count, so that tests can check it.
const PROGRESS_EVERY: usize = 4096;
/// Milliseconds of work at most between two progress callbacks, when units
/// are slow (large states).
const PROGRESS_MS: f64 = 50.0;
/// Units done between two looks at the clock and the abort signal: at the
/// documented limits, one unit takes under a millisecond.
const CHUNK: usize = 32;

fn options_from_js(options: Option<ExploreOptionsInput>) -> Result<ExploreOptions, JsValue> {
    match options.map(JsValue::from) {
        Some(v) if !v.is_undefined() && !v.is_null() => from_js(&v, "explore options", ExploreOptions::from_value),
        _ => Ok(ExploreOptions::default()),
    }
}

/// An exploration in progress: `step(budget)` expands up to `budget` more
/// states and reports; stop calling it to cancel.
#[wasm_bindgen]
pub struct Explorer {
    inner: explore::Explorer,
    /// Milliseconds spent in `step()`: the report's rate counts the
    /// explorer's own time, not the caller's pauses between steps.
    elapsed_ms: f64,
}

#[wasm_bindgen]
impl Explorer {
    /// Starts from the state the scenario's actions lead to.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario: ScenarioInput, options: Option<ExploreOptionsInput>) -> Result<Explorer, JsValue> {
        let scenario = scenario_from_js(&scenario.into())?;
        let options = options_from_js(options)?;
        let inner = explore::Explorer::new(&scenario, options).map_err(js_error)?;
        Ok(Explorer { inner, elapsed_ms: 0.0 })
    }

    /// Does up to `budget` units of work (at least 1): a unit is one state
    /// taken from the frontier or one successor computed, so a step is
    /// bounded however many actions a state enables. Returns the progress.
    pub fn step(&mut self, #[wasm_bindgen(unchecked_param_type = "number")] budget: &JsValue) -> Result<ExploreReportOutput, JsValue> {
        let budget = u32_arg(budget, "budget")?;
        if budget == 0 {
            return Err(argument_error("budget", "expected at least 1 state"));
        }
        let started = js_sys::Date::now();
        self.inner.advance(budget as usize);
        self.elapsed_ms += js_sys::Date::now() - started;
        Ok(self.report())
    }

    /// Where the exploration is (the final report once `done`).
    pub fn report(&self) -> ExploreReportOutput {
        with_rate(&self.inner.report(), self.elapsed_ms)
    }

    /// True once every state within the bounds was explored, or the state
    /// budget ran out.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }
}

/// Explores a scenario to the end (or its bounds). `onProgress` is called
/// with the report after at most 4,096 units of work or 50 ms, whichever
/// comes first; returning `false` from it stops the exploration there, and
/// the report then says `done: false`. An aborted `signal` (checked between
/// chunks of 32 units, so in practice aborted from `onProgress`, since the
/// call does not yield to the event loop) stops it the same way.
#[wasm_bindgen]
pub fn explore(
    scenario: ScenarioInput,
    options: Option<ExploreOptionsInput>,
    #[wasm_bindgen(js_name = onProgress)] on_progress: Option<ProgressInput>,
    signal: Option<AbortSignalInput>,
) -> Result<ExploreReportOutput, JsValue> {
    let scenario = scenario_from_js(&scenario.into())?;
    let options = options_from_js(options)?;
    let on_progress = match on_progress.map(JsValue::from) {
        Some(f) if f.is_function() => Some(f.unchecked_into::<js_sys::Function>()),
        Some(v) if !v.is_undefined() && !v.is_null() => {
            return Err(argument_error("onProgress", format!("expected a function, got {}", type_name(&v))));
        }
        _ => None,
    };
    let signal = match signal.map(JsValue::from) {
        Some(v) if v.is_object() => Some(v),
        Some(v) if !v.is_undefined() && !v.is_null() => {
            return Err(argument_error("signal", format!("expected an AbortSignal, got {}", type_name(&v))));
        }
        _ => None,
    };
    let aborted = |signal: &Option<JsValue>| -> Result<bool, JsValue> {
        match signal {
            Some(s) => {
                get_caught(s, &"aborted".into()).map(|a| a.is_truthy()).map_err(|e| input_threw("signal.aborted", "the abort signal", e))
            }
            None => Ok(false),
        }
    };
    let mut explorer = explore::Explorer::new(&scenario, options).map_err(js_error)?;
    let mut elapsed_ms = 0.0;
    while !explorer.is_done() && !aborted(&signal)? {
        let started = js_sys::Date::now();
        let mut work = 0;
        while work < PROGRESS_EVERY && !explorer.is_done() && js_sys::Date::now() - started < PROGRESS_MS {
            work += explorer.advance(CHUNK.min(PROGRESS_EVERY - work));
            if aborted(&signal)? {
                break;
            }
        }
        elapsed_ms += js_sys::Date::now() - started;
        if let Some(f) = &on_progress {
            let progress = with_rate(&explorer.report(), elapsed_ms);
            // The callback's own exceptions propagate unchanged: nothing
            // outlives this call, so no state is left half-updated.
            if f.call1(&JsValue::NULL, &progress)?.as_bool() == Some(false) {
                break;
            }
        }
    }
    Ok(with_rate(&explorer.report(), elapsed_ms))
}

/// The core's report with the time it took, which the core (having no
/// clock) cannot know.
fn with_rate(report: &explore::ExploreReport, elapsed_ms: f64) -> ExploreReportOutput {
    let value: JsValue = to_js(report);
    let per_second = if elapsed_ms > 0.0 { (report.unique_states as f64 * 1000.0 / elapsed_ms).round() } else { 0.0 };
    let _ = js_sys::Reflect::set(&value, &"elapsedMs".into(), &elapsed_ms.into());
    let _ = js_sys::Reflect::set(&value, &"statesPerSecond".into(), &per_second.into());
    value.unchecked_into()
}
