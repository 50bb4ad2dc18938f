//! The wasm bindings (src/wasm.rs) as JavaScript sees them, in Node and in
//! headless Chromium.
//!
//! ```sh
//! # Node (scripts/test.d/20-wasm-node.sh)
//! WASM_BINDGEN_USE_NODE_EXPERIMENTAL=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --target wasm32-unknown-unknown --test wasm
//! # headless Chromium (scripts/test.d/30-wasm-browser.sh)
//! WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --target wasm32-unknown-unknown --test wasm
//! ```
//!
//! There is deliberately no `wasm_bindgen_test_configure!`: it would pin the
//! suite to one environment, and the runner would skip it in the other. The
//! environment variables choose instead.
//!
//! How the tests reach the bindings: `src/wasm.rs` is a private module, but
//! its `#[wasm_bindgen]` exports are linked into this test's wasm module
//! too, so the test's own JS glue exports them, made by the same
//! wasm-bindgen as the package's. Each test imports that glue's namespace
//! (`import(import.meta.url)`: the module's own URL gives the same, already
//! initialised instance) and calls through it, so arguments, return values
//! and exceptions cross the real JS boundary. Both runs load the glue as an
//! ES module, which `import.meta` needs: the browser always does, Node does
//! with WASM_BINDGEN_USE_NODE_EXPERIMENTAL=1 (without it the glue is
//! CommonJS and this file fails to load).

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, JSON, Reflect};
use mapi_logoff::{FlagSet, HResult, RuleId};
use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

// --- reaching the bindings ---------------------------------------------------

#[wasm_bindgen]
extern "C" {
    /// The URL of this test's JS glue module.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

#[wasm_bindgen(inline_js = "export function importModule(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(js_name = importModule)]
    fn import_module(url: &str) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// The glue's module namespace: the package's API.
    type Api;
    #[wasm_bindgen(method, getter = Simulation)]
    fn simulation_class(this: &Api) -> js_sys::Function;
    #[wasm_bindgen(method, catch, js_name = runScenario)]
    fn run_scenario(this: &Api, scenario: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = isMapiLogoffError)]
    fn is_mapi_logoff_error(this: &Api, value: &JsValue) -> bool;
    #[wasm_bindgen(method)]
    fn constants(this: &Api) -> JsValue;
    #[wasm_bindgen(method)]
    fn rules(this: &Api) -> JsValue;
    #[wasm_bindgen(method)]
    fn version(this: &Api) -> String;
    #[wasm_bindgen(method, catch, js_name = outcomeMatrix)]
    fn outcome_matrix(this: &Api, settings: &JsValue) -> Result<JsValue, JsValue>;

    /// A `Simulation` instance.
    type Sim;
    #[wasm_bindgen(method, catch)]
    fn apply(this: &Sim, action: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn run(this: &Sim, actions: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method)]
    fn state(this: &Sim) -> JsValue;
    #[wasm_bindgen(method)]
    fn trace(this: &Sim) -> JsValue;
    #[wasm_bindgen(method, js_name = traceJson)]
    fn trace_json(this: &Sim) -> String;
    #[wasm_bindgen(method, js_name = traceText)]
    fn trace_text(this: &Sim) -> String;
    #[wasm_bindgen(method)]
    fn violations(this: &Sim) -> JsValue;
    #[wasm_bindgen(method, js_name = enabledActions)]
    fn enabled_actions(this: &Sim) -> JsValue;
    #[wasm_bindgen(method, js_name = toScenario)]
    fn to_scenario(this: &Sim) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn step(this: &Sim) -> u32;
}

/// Resolves a JS promise (a minimal `JsFuture`: this crate does not depend
/// on wasm-bindgen-futures).
async fn resolve(promise: JsValue) -> Result<JsValue, JsValue> {
    #[derive(Default)]
    struct Slot {
        result: Option<Result<JsValue, JsValue>>,
        waker: Option<Waker>,
    }
    let slot = Rc::new(RefCell::new(Slot::default()));
    let settle = |ok: bool| {
        let slot = slot.clone();
        Closure::once_into_js(move |value: JsValue| {
            let mut slot = slot.borrow_mut();
            slot.result = Some(if ok { Ok(value) } else { Err(value) });
            if let Some(waker) = slot.waker.take() {
                waker.wake();
            }
        })
    };
    let then: js_sys::Function = Reflect::get(&promise, &"then".into())?.dyn_into()?;
    then.call2(&promise, &settle(true), &settle(false))?;
    std::future::poll_fn(|cx| {
        let mut slot = slot.borrow_mut();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}

thread_local! {
    static NAMESPACE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

async fn api() -> Api {
    if let Some(namespace) = NAMESPACE.with(|n| n.borrow().clone()) {
        return namespace.unchecked_into();
    }
    let namespace = resolve(import_module(&GLUE_URL.with(String::clone))).await.expect("the glue imports itself");
    NAMESPACE.with(|n| *n.borrow_mut() = Some(namespace.clone()));
    namespace.unchecked_into()
}

impl Api {
    /// Calls an exported function by name.
    fn call(&self, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let f: js_sys::Function = get(self, name).dyn_into().unwrap_or_else(|_| panic!("`{name}` is not an exported function"));
        f.apply(&JsValue::NULL, &args.iter().collect::<Array>())
    }

    fn simulation(&self, scenario: &JsValue) -> Result<Sim, JsValue> {
        Reflect::construct(&self.simulation_class(), &Array::of1(scenario)).map(JsCast::unchecked_into)
    }

    fn new_simulation(&self, scenario: &str) -> Sim {
        self.simulation(&js(scenario)).expect("a valid scenario")
    }
}

// --- helpers ------------------------------------------------------------------

/// A JS value from JSON text.
fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap_or_else(|e| panic!("bad test JSON {json}: {e:?}"))
}

/// JSON.stringify of a value.
fn json(value: &JsValue) -> String {
    JSON::stringify(value).expect("plain data").as_string().expect("a string")
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).expect("readable")
}

fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_else(|| panic!("`{key}` of {target:?} is not a string"))
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in entries {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// Asserts that `result` threw a MapiLogoffError with this code and path,
/// the way the package documents it.
#[track_caller]
fn assert_error<T: Into<JsValue>>(api: &Api, result: Result<T, JsValue>, code: &str, path: &str) -> JsValue {
    let e = match result.map(Into::into) {
        Ok(v) => {
            panic!("expected a {code} error at `{path}`, got {}", JSON::stringify(&v).ok().and_then(|s| s.as_string()).unwrap_or_default())
        }
        Err(e) => e,
    };
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    let message = text(&e, "message");
    assert_eq!(
        (text(&e, "name").as_str(), text(&e, "code").as_str(), text(&e, "path").as_str()),
        ("MapiLogoffError", code, path),
        "{message}"
    );
    assert!(api.is_mapi_logoff_error(&e), "isMapiLogoffError is false for {message}");
    assert!(!message.is_empty());
    if !path.is_empty() {
        assert!(message.starts_with(&format!("{path}: ")), "the message names the path: {message}");
    }
    assert!(!message.contains("unreachable") && !message.contains("RuntimeError"), "{message}");
    e
}

const MAILBOX: &str = r#"{
  "version": 1,
  "name": "mailbox",
  "stores": [{ "name": "Mailbox", "defaultInbox": true, "outboundQueue": [{ "addressType": "SMTP" }] }],
  "transports": [{ "name": "Internet", "sessions": [{ "name": "smtp", "addressTypes": ["SMTP"] }] }]
}"#;

// --- the API --------------------------------------------------------------------

const FUNCTIONS: &[&str] = &[
    "Simulation",
    "runScenario",
    "isMapiLogoffError",
    "constants",
    "rules",
    "version",
    "outcomeMatrix",
    "hresultName",
    "parseFlags",
    "formatFlags",
    "parseStoreLogoffFlags",
    "formatStoreLogoffFlags",
    "parseTransportLogoffFlags",
    "formatTransportLogoffFlags",
    "parseDeinitFlags",
    "formatDeinitFlags",
    "parseFlushFlags",
    "formatFlushFlags",
    "parseTransportNotifyFlags",
    "formatTransportNotifyFlags",
    "parseSpoolerNotifyFlags",
    "formatSpoolerNotifyFlags",
    "parseStatusFlags",
    "formatStatusFlags",
];

/// The per-set functions and the set each one reads.
const PER_SET: &[(&str, &str, FlagSet)] = &[
    ("parseStoreLogoffFlags", "formatStoreLogoffFlags", FlagSet::StoreLogoff),
    ("parseTransportLogoffFlags", "formatTransportLogoffFlags", FlagSet::TransportLogoff),
    ("parseDeinitFlags", "formatDeinitFlags", FlagSet::Deinit),
    ("parseFlushFlags", "formatFlushFlags", FlagSet::FlushQueues),
    ("parseTransportNotifyFlags", "formatTransportNotifyFlags", FlagSet::TransportNotify),
    ("parseSpoolerNotifyFlags", "formatSpoolerNotifyFlags", FlagSet::SpoolerNotify),
    ("parseStatusFlags", "formatStatusFlags", FlagSet::Status),
];

#[wasm_bindgen_test]
async fn every_function_is_exported_and_nothing_internal_is() {
    let api = api().await;
    for name in FUNCTIONS {
        assert!(get(&api, name).is_function(), "`{name}` is not exported");
    }
    // `#[wasm_bindgen(start)]` must stay private.
    assert!(get(&api, "start").is_undefined(), "the start function is exported");
    assert_eq!(api.version(), mapi_logoff::VERSION);
}

#[wasm_bindgen_test]
async fn constants_are_the_rust_tables() {
    let api = api().await;
    let constants = api.constants();
    let mut expected: Vec<(&str, u32)> = FlagSet::ALL.iter().flat_map(|set| set.table().iter().copied()).collect();
    expected.extend(HResult::KNOWN.iter().copied());
    for (name, value) in &expected {
        assert_eq!(get(&constants, name).as_f64(), Some(f64::from(*value)), "{name}");
    }
    let mut names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        js_sys::Object::keys(constants.unchecked_ref::<js_sys::Object>()).length() as usize,
        names.len(),
        "constants() has exactly the table names"
    );
    assert_eq!(get(&constants, "LOGOFF_ORDERLY").as_f64(), Some(2.0));
    assert_eq!(get(&constants, "MAPI_E_INVALID_PARAMETER").as_f64(), Some(f64::from(HResult::MAPI_E_INVALID_PARAMETER.0)));
}

#[wasm_bindgen_test]
async fn rules_and_the_outcome_matrix_are_the_cores() {
    let api = api().await;
    let rules = api.rules();
    let ids: Vec<String> = Array::from(&rules).iter().map(|r| text(&r, "id")).collect();
    assert_eq!(ids, RuleId::ALL.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>());
    for (r, id) in Array::from(&rules).iter().zip(RuleId::ALL) {
        // A rule links the page it cites, and only a page that says it:
        // model choices and samples have no page to link (docs/protocol.md, 9).
        let url = get(&r, "docUrl").as_string();
        assert_eq!(url, id.doc_url(), "{id}");
        assert!(url.is_none_or(|u| u.starts_with("https://")), "{id}");
        assert!(!text(&r, "title").is_empty());
        assert_eq!(text(&get(&r, "source"), "kind"), id.source().kind.as_str(), "{id}");
    }

    let native = serde_json::to_string(&mapi_logoff::matrix::outcome_matrix(Default::default())).unwrap();
    assert_eq!(json(&api.outcome_matrix(&JsValue::UNDEFINED).unwrap()), native);
    assert_eq!(json(&api.outcome_matrix(&JsValue::NULL).unwrap()), native);
    let literal = api.outcome_matrix(&js(r#"{"abortReading": "literal"}"#)).unwrap();
    assert_ne!(json(&literal), native, "the reading changes the matrix");
}

#[wasm_bindgen_test]
async fn flags_parse_and_format_like_the_core() {
    let api = api().await;
    for (parse, format, set) in PER_SET {
        for (name, value) in set.table() {
            let v = JsValue::from(*value);
            assert_eq!(api.call(parse, &[(*name).into()]).unwrap(), v, "{parse}({name})");
            assert_eq!(api.call("parseFlags", &[set.as_str().into(), (*name).into()]).unwrap(), v);
            assert_eq!(api.call(format, std::slice::from_ref(&v)).unwrap().as_string().unwrap(), set.format(*value));
            assert_eq!(api.call("formatFlags", &[set.as_str().into(), v]).unwrap().as_string().unwrap(), set.format(*value));
        }
        assert_eq!(api.call(parse, &["0x100".into()]).unwrap(), JsValue::from(0x100), "numbers keep undefined bits");
        assert_eq!(api.call(format, &[JsValue::from(0)]).unwrap(), JsValue::from("0"));
    }
    assert_eq!(api.call("parseStoreLogoffFlags", &["LOGOFF_ORDERLY | 0x100".into()]).unwrap(), JsValue::from(0x102));
    assert_eq!(api.call("hresultName", &[JsValue::from(HResult::MAPI_E_BUSY.0)]).unwrap(), JsValue::from("MAPI_E_BUSY"));
    assert!(api.call("hresultName", &[JsValue::from(1)]).unwrap().is_undefined());
}

// --- Simulation -----------------------------------------------------------------

#[wasm_bindgen_test]
async fn simulation_round_trip() {
    let api = api().await;
    let sim = api.new_simulation(MAILBOX);
    assert_eq!(sim.step(), 0);
    let outcome = sim.apply(&js(r#"{"type": "storeLogoffTransports", "store": 0, "flags": "LOGOFF_QUIET"}"#)).unwrap();
    assert_eq!(get(&get(&outcome, "hresult"), "text"), "S_OK");
    assert_eq!(text(&get(&outcome, "outFlags"), "text"), "LOGOFF_OUTBOUND_QUEUE");
    let outcomes = sim.run(&js(r#"[{"type": "storeLogoffTransports", "store": 0, "flags": 4}, {"type": "release", "store": 0}]"#)).unwrap();
    assert_eq!(Array::from(&outcomes).length(), 2);
    assert_eq!(sim.step(), 3);
    assert_eq!(json(&sim.trace()), sim.trace_json(), "trace() is the parsed traceJson()");
    assert!(!sim.trace_text().is_empty());
    assert!(Array::is_array(&sim.violations()));
    assert!(Array::is_array(&sim.enabled_actions()));
    assert_eq!(Array::from(&get(&get(&sim.state(), "state"), "stores")).length(), 1);

    // toScenario() reproduces the simulation, as an object and as JSON text.
    let scenario = sim.to_scenario();
    assert_eq!(Array::from(&get(&scenario, "actions")).length(), 3);
    for input in [scenario.clone(), JsValue::from(json(&scenario))] {
        let again = api.simulation(&input).unwrap();
        assert_eq!(again.step(), 3);
        assert_eq!(again.trace_json(), sim.trace_json());
        assert_eq!(json(&again.state()), json(&sim.state()));
    }

    // runScenario gives the same trace.
    let report = api.run_scenario(&scenario).unwrap();
    assert_eq!(json(&get(&report, "trace")), sim.trace_json());
    assert_eq!(json(&get(&report, "state")), json(&get(&sim.state(), "state")));
    assert_eq!(json(&get(&report, "violations")), json(&sim.violations()));

    // No scenario: an empty one.
    for empty in [JsValue::UNDEFINED, JsValue::NULL] {
        let sim = api.simulation(&empty).unwrap();
        assert_eq!((sim.step(), sim.trace_json()), (0, "[]".to_string()));
    }
}

#[wasm_bindgen_test]
async fn protocol_refusals_are_outcomes_not_exceptions() {
    let api = api().await;
    let sim = api.new_simulation(MAILBOX);
    let hresult = |o: &JsValue| get(&get(o, "hresult"), "value").as_f64().unwrap() as u32;
    // S1: two input flags at once.
    let two = sim.apply(&js(r#"{"type": "storeLogoff", "store": 0, "flags": 6}"#)).unwrap();
    assert_eq!(hresult(&two), HResult::MAPI_E_INVALID_PARAMETER.0);
    assert_eq!(json(&get(&two, "changes")), "[]");
    // Undefined bits: MAPI_E_UNKNOWN_FLAGS, an outcome.
    let unknown = sim.apply(&js(r#"{"type": "storeLogoff", "store": 0, "flags": 256}"#)).unwrap();
    assert_eq!(hresult(&unknown), HResult::MAPI_E_UNKNOWN_FLAGS.0);
    assert_eq!(text(&get(&unknown, "hresult"), "text"), "MAPI_E_UNKNOWN_FLAGS");
    assert_eq!(sim.step(), 2, "refused calls are still steps");
    // A whole scenario of refusals runs too.
    let report = api
        .run_scenario(&js(
            r#"{"version": 1, "stores": [{"name": "A"}], "actions": [{"type": "storeLogoff", "store": 0, "flags": "0x300"}]}"#,
        ))
        .unwrap();
    assert!(json(&report).contains("MAPI_E_UNKNOWN_FLAGS"));
}

#[wasm_bindgen_test]
async fn errors_are_mapi_logoff_errors() {
    let api = api().await;
    assert_error(&api, api.run_scenario(&"{".into()), "invalidJson", "");
    assert_error(&api, api.run_scenario(&JsValue::UNDEFINED), "invalidJson", "");
    assert_error(&api, api.run_scenario(&js(r#"{"version": 2}"#)), "unsupportedVersion", "version");
    assert_error(&api, api.run_scenario(&js(r#"{"version": 1, "stores": [{"name": ""}]}"#)), "invalidScenario", "stores[0].name");
    assert_error(
        &api,
        api.simulation(&js(r#"{"version": 1, "stores": [{"name": "A", "references": -1}]}"#)),
        "invalidJson",
        "stores[0].references",
    );
    let sim = api.new_simulation(MAILBOX);
    assert_error(&api, sim.apply(&js(r#"{"type": "addRef", "store": "zero"}"#)), "invalidAction", "store");
    assert_error(&api, sim.apply(&js(r#"{"type": "addRef", "store": 9}"#)), "invalidAction", "store");
    assert_error(&api, sim.apply(&js(r#"{"type": "storeLogoff", "store": 0, "flags": "LOGOFF_SOON"}"#)), "invalidFlags", "flags");
    assert_error(&api, sim.run(&js(r#"[{"type": "addRef", "store": 0}, {"type": "addRef"}]"#)), "invalidAction", "[1].store");
    assert_error(&api, api.call("parseFlags", &["nope".into(), "1".into()]), "invalidFlags", "set");
    assert_error(&api, api.call("parseStoreLogoffFlags", &["LOGOFF_SOON".into()]), "invalidFlags", "text");
    assert_error(&api, api.call("formatFlags", &["status".into(), JsValue::from(-1)]), "invalidArgument", "value");
    assert_error(&api, api.outcome_matrix(&js(r#"{"abortReading": "maybe"}"#)), "invalidScenario", "abortReading");

    // isMapiLogoffError is a type guard for this package's errors only.
    for other in [
        js_sys::Error::new("x").into(),
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from(5),
        js("{}"),
        js(r#"{"name": "MapiLogoffError"}"#),
    ] {
        assert!(!api.is_mapi_logoff_error(&other), "{other:?}");
    }
}

#[wasm_bindgen_test]
async fn a_failed_call_changes_nothing_and_the_simulation_stays_usable() {
    let api = api().await;
    let sim = api.new_simulation(MAILBOX);
    sim.apply(&js(r#"{"type": "addRef", "store": 0}"#)).unwrap();
    let before = (sim.step(), sim.trace_json(), json(&sim.state()));
    assert_error(&api, sim.apply(&js(r#"{"type": "release", "store": 3}"#)), "invalidAction", "store");
    // run() is all or nothing: the first, valid action is not applied either.
    assert_error(&api, sim.run(&js(r#"[{"type": "release", "store": 0}, {"type": "release"}]"#)), "invalidAction", "[1].store");
    let throwing_getter = js_sys::Function::new_with_args("", "throw new Error('getter')");
    let action = object(&[("type", "addRef".into())]);
    js_sys::Object::define_property(
        action.unchecked_ref::<js_sys::Object>(),
        &"store".into(),
        &object(&[("get", throwing_getter.into()), ("enumerable", true.into())]).unchecked_into(),
    );
    assert_error(&api, sim.apply(&action), "inputThrew", "store");
    assert_eq!((sim.step(), sim.trace_json(), json(&sim.state())), before);
    let outcome = sim.apply(&js(r#"{"type": "release", "store": 0}"#)).unwrap();
    assert_eq!(text(&get(&outcome, "hresult"), "text"), "S_OK");
    assert_eq!(sim.step(), 2);
}

#[wasm_bindgen_test]
async fn values_json_would_change_or_refuse_are_errors_naming_the_field() {
    let api = api().await;
    let sim = api.new_simulation(MAILBOX);
    let add_ref = |store: JsValue| object(&[("type", "addRef".into()), ("store", store)]);
    let nan = JsValue::from(f64::NAN);
    assert_error(&api, sim.apply(&add_ref(nan.clone())), "invalidJson", "store");
    assert_error(&api, sim.apply(&add_ref(JsValue::from(f64::INFINITY))), "invalidJson", "store");
    assert_error(&api, sim.apply(&add_ref(JsValue::bigint_from_str("0"))), "invalidJson", "store");
    assert_error(&api, sim.apply(&add_ref(js_sys::Function::new_no_args("return 0").into())), "invalidJson", "store");
    assert_error(&api, sim.apply(&add_ref(JsValue::symbol(Some("s")))), "invalidJson", "store");
    // An optional field: NaN must not silently mean "absent" (steps: 2).
    let submit = object(&[("type", "submitMessage".into()), ("store", 0.into()), ("addressType", 0.into()), ("steps", nan)]);
    assert_error(&api, sim.apply(&submit), "invalidJson", "steps");
    // Cycles, deep nesting, a lone surrogate.
    let cyclic = add_ref(0.into());
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    assert_error(&api, sim.apply(&cyclic), "invalidJson", "self");
    let mut deep: JsValue = Array::new().into();
    for _ in 0..100_000 {
        deep = Array::of1(&deep).into();
    }
    let e = assert_error(&api, sim.run(&deep), "invalidJson", &format!("{}...(depth 128)", "[0]".repeat(8)));
    assert!(text(&e, "message").contains("nested more than 128 levels"));
    let scenario = js(MAILBOX);
    let lone = js_sys::JsString::from_char_code1(0xd800);
    Reflect::set(&get(&get(&scenario, "stores"), "0"), &"name".into(), &lone).unwrap();
    assert_error(&api, api.simulation(&scenario), "invalidJson", "stores[0].name");
    // undefined fields are absent, as in TypeScript.
    let outcome = sim.apply(&object(&[("type", "addRef".into()), ("store", 0.into()), ("note", JsValue::UNDEFINED)])).unwrap();
    assert_eq!(text(&get(&outcome, "hresult"), "text"), "S_OK");
}

#[wasm_bindgen_test]
async fn scalar_arguments_are_checked_not_coerced() {
    let api = api().await;
    let bad_numbers = [
        JsValue::UNDEFINED,
        JsValue::NULL,
        "2".into(),
        JsValue::bigint_from_str("2"),
        JsValue::symbol(None),
        JsValue::from(f64::NAN),
        JsValue::from(-1),
        JsValue::from(1.5),
        JsValue::from(1e20),
        js("{}"),
    ];
    let bad_texts = [JsValue::UNDEFINED, JsValue::NULL, 2.into(), JsValue::bigint_from_str("2"), JsValue::symbol(None), js("[]")];
    for (parse, format, set) in PER_SET {
        for v in &bad_numbers {
            assert_error(&api, api.call(format, std::slice::from_ref(v)), "invalidArgument", "value");
            assert_error(&api, api.call("formatFlags", &[set.as_str().into(), v.clone()]), "invalidArgument", "value");
        }
        for t in &bad_texts {
            assert_error(&api, api.call(parse, std::slice::from_ref(t)), "invalidArgument", "text");
            assert_error(&api, api.call("parseFlags", &[set.as_str().into(), t.clone()]), "invalidArgument", "text");
        }
    }
    for v in &bad_numbers {
        assert_error(&api, api.call("hresultName", std::slice::from_ref(v)), "invalidArgument", "value");
    }
    assert_error(&api, api.call("formatFlags", &[JsValue::bigint_from_str("1"), 1.into()]), "invalidFlags", "set");
    // The module is intact after all of that.
    assert_eq!(api.call("parseStoreLogoffFlags", &["LOGOFF_PURGE".into()]).unwrap(), JsValue::from(4));
}

// --- golden traces ----------------------------------------------------------------

/// `traceJson()` and `JSON.stringify(runScenario(s).trace)` of a golden
/// scenario equal the trace the native core wrote, byte for byte.
async fn golden(name: &str, scenario: &str, expected: &str) {
    let api = api().await;
    let sim = api.simulation(&scenario.into()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert!(sim.trace_json() == expected, "{name}: traceJson() differs from tests/scenarios/{name}.trace.json");
    let report = api.run_scenario(&js(scenario)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert!(json(&get(&report, "trace")) == expected, "{name}: runScenario().trace differs from tests/scenarios/{name}.trace.json");
}

/// One test per golden scenario; scripts/test.d/20-wasm-node.sh checks that
/// this list names every tests/scenarios/*.json.
macro_rules! golden {
    ($($test:ident: $name:literal,)*) => {$(
        #[wasm_bindgen_test]
        async fn $test() {
            golden($name, include_str!(concat!("scenarios/", $name, ".json")), include_str!(concat!("scenarios/", $name, ".trace.json"))).await;
        }
    )*};
}

golden! {
    golden_abort_busy_literal: "abort-busy-literal",
    golden_abort_busy: "abort-busy",
    golden_fault_accept_calls_after_complete: "fault-accept-calls-after-complete",
    golden_fault_fail_transport_logoff: "fault-fail-transport-logoff",
    golden_fault_free_address_types_early: "fault-free-address-types-early",
    golden_fault_free_child_block: "fault-free-child-block",
    golden_fault_leak_memory: "fault-leak-memory",
    golden_fault_logoff_not_idempotent: "fault-logoff-not-idempotent",
    golden_fault_pass_reserved_logoff_flags: "fault-pass-reserved-logoff-flags",
    golden_fault_reject_reserved_logoff_flags: "fault-reject-reserved-logoff-flags",
    golden_fault_release_support_first: "fault-release-support-first",
    golden_fault_reuse_flags_variable: "fault-reuse-flags-variable",
    golden_fault_skip_store_logoff_transports: "fault-skip-store-logoff-transports",
    golden_fault_store_logoff_transports_twice: "fault-store-logoff-transports-twice",
    golden_fault_treat_no_support_as_fatal: "fault-treat-no-support-as-fatal",
    golden_immediate_reading: "immediate-reading",
    golden_no_wait_busy: "no-wait-busy",
    golden_orderly_busy: "orderly-busy",
    golden_other_process_store: "other-process-store",
    golden_purge_busy: "purge-busy",
    golden_quiet_busy: "quiet-busy",
    golden_quiet_idle: "quiet-idle",
    golden_release_session_without_logoff: "release-session-without-logoff",
    golden_release_without_store_logoff: "release-without-store-logoff",
    golden_shared_store: "shared-store",
    golden_shutdown_with_open_sessions: "shutdown-with-open-sessions",
    golden_transport_logoff_mid_send: "transport-logoff-mid-send",
}
