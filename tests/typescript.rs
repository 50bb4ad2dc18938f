//! The TypeScript declarations of the npm package are generated from the
//! Rust types that serialise the values (`#[derive(ts_rs::TS)]`; the forms
//! only the readers know are in src/typescript.rs). This test writes them
//! and fails when the committed files differ. After changing a type that
//! crosses the JS boundary, regenerate them with
//!
//! ```text
//! UPDATE_TYPES=1 cargo test --test typescript
//! ```
//!
//! Each file is included into its wasm module's `.d.ts` by a
//! `typescript_custom_section` (src/wasm.rs: the shared types, in every
//! module; src/wasm/check.rs and src/wasm/explore.rs: their own). Classes
//! and function signatures come from wasm-bindgen itself.
//!
//! The other tests here hold the declarations to what the core does where
//! no derive can see it: every field of an input document is declared, and
//! required exactly when the reader requires it; every string union lists
//! exactly the names of its table; every name a declaration uses is
//! declared. tests/js/types.test.mjs (npm test, stage 40) type-checks real
//! outputs against them with `tsc --strict`.
#![cfg(not(target_arch = "wasm32"))]

use mapi_logoff::check::{Party as ResponsibleParty, Report, Severity};
use mapi_logoff::engine::{Direction, Outcome, RunReport, StateView};
use mapi_logoff::explore::{ExploreOptions, LogoffCall, StopReason, Verdict};
use mapi_logoff::matrix::MatrixCell;
use mapi_logoff::memory::BlockKind;
use mapi_logoff::rules::{RuleInfo, SourceKind};
use mapi_logoff::scenario::{AbortReading, SCENARIO_VERSION, Settings, StoreLogoffTransportsTiming};
use mapi_logoff::state::{ProviderPhase, SessionPhase, SpoolerLogon, StorePhase, SupportKind};
use mapi_logoff::trace::{Method, PartyKind};
use mapi_logoff::typescript::{ConstantName, ExploreReportWithTiming};
use mapi_logoff::{Action, ErrorCode, FlagSet, RuleId, Scenario, StoreFault, StoreLogoffFlag, TransportFault};
use std::any::TypeId;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use ts_rs::{Config, TS, TypeVisitor};

/// Lines longer than this are broken (objects one member a line, long
/// unions one member a line).
const WIDTH: usize = 100;

/// One generated file: the types reachable from `roots` that no earlier
/// file declares, then `glue`, the few declarations no Rust type can give
/// (an `Error` subtype, a callback, a mapped type).
struct DeclarationFile {
    path: &'static str,
    what: &'static str,
    roots: fn(&mut Collector),
    glue: &'static str,
}

const FILES: &[DeclarationFile] = &[
    DeclarationFile {
        path: "src/wasm/types.generated.d.ts",
        what: "Types of the values the mapi-logoff API takes and returns, in every module of the package.",
        roots: |c| {
            c.visit::<Scenario>();
            c.visit::<Outcome>();
            c.visit::<StateView>();
            c.visit::<RunReport>();
            c.visit::<MatrixCell>();
            c.visit::<RuleInfo>();
            c.visit::<FlagSet>();
            c.visit::<ConstantName>();
            c.visit::<ErrorCode>();
        },
        glue: r#"
/** Every flag and HRESULT name with its header value. */
export type Constants = { readonly [K in ConstantName]: number };

/** The `type` of every action. */
export type ActionType = Action["type"];

/**
 * Thrown for malformed input; protocol refusals are outcomes, never exceptions.
 * Besides the core's codes: "invalidArgument" for an argument of the wrong
 * kind; "inputThrew" when the caller's own code (a getter, a Proxy trap, a
 * toJSON) threw while an input was read, with that exception as `cause`;
 * "freed" for a method called on an object after free(); "busy" for free()
 * called from inside one of the object's own calls. The module stays usable
 * after every one of them.
 */
export interface MapiLogoffError extends Error {
  name: "MapiLogoffError";
  code: ErrorCode | "invalidArgument" | "inputThrew" | "freed" | "busy";
  /** The path of the offending field, e.g. "stores[2].name" or "actions[3].flags"; "" for the whole input. */
  path: string;
  /** For "inputThrew": what the caller's code threw. */
  cause?: unknown;
}
"#,
    },
    DeclarationFile {
        path: "src/wasm/check.generated.d.ts",
        what: "Types of the trace checker (mapi-logoff/check).",
        roots: |c| c.visit::<Report>(),
        glue: "",
    },
    DeclarationFile {
        path: "src/wasm/explore.generated.d.ts",
        what: "Types of the explorer (mapi-logoff/explore).",
        roots: |c| {
            c.visit::<ExploreOptions>();
            c.visit::<ExploreReportWithTiming>();
        },
        glue: r#"
/** Called with the progress; return false to stop there. */
export type ExploreProgress = (progress: ExploreReport) => boolean | void;
"#,
    },
];

fn config() -> Config {
    // serde_json writes u64 as a plain number.
    Config::new().with_large_int("number")
}

/// Finds the types the roots depend on, and formats the declaration of
/// each type that has one.
struct Collector {
    cfg: Config,
    seen: HashSet<TypeId>,
    depth: usize,
    roots: Vec<String>,
    declarations: Vec<(String, String)>,
}

impl TypeVisitor for Collector {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        // Primitives, containers and types written as another type have no
        // declaration of their own.
        if T::output_path().is_some() {
            let name = T::ident(&self.cfg);
            if self.depth == 0 {
                self.roots.push(name.clone());
            }
            let declaration = (name, format::declaration(T::docs().as_deref(), &T::decl(&self.cfg)));
            // ts-rs declares serde_json's Value and Map both as the one
            // `JsonValue`: the same declaration twice is one.
            if !self.declarations.contains(&declaration) {
                self.declarations.push(declaration);
            }
        }
        self.depth += 1;
        T::visit_dependencies(self);
        T::visit_generics(self);
        self.depth -= 1;
    }
}

impl Collector {
    /// The declarations in reading order: each root, then the types its
    /// declaration names, in the order it names them, depth first. (ts-rs
    /// visits a type's dependencies in no fixed order.)
    fn in_order(&self) -> Vec<&(String, String)> {
        fn walk<'a>(name: &str, by_name: &HashMap<&str, &'a (String, String)>, out: &mut Vec<&'a (String, String)>) {
            let Some(&declaration) = by_name.get(name) else { return };
            if out.iter().any(|(n, _)| n == name) {
                return;
            }
            out.push(declaration);
            for token in format::lex(&declaration.1) {
                if let format::Tok::Word(word) = token {
                    walk(&word, by_name, out);
                }
            }
        }
        let by_name: HashMap<&str, &(String, String)> = self.declarations.iter().map(|d| (d.0.as_str(), d)).collect();
        let mut out = Vec::new();
        for root in &self.roots {
            walk(root, &by_name, &mut out);
        }
        let mut rest: Vec<&(String, String)> = self.declarations.iter().filter(|(n, _)| !out.iter().any(|(o, _)| o == n)).collect();
        rest.sort();
        out.extend(rest);
        out
    }
}

/// Every file's path and text.
fn generate() -> Vec<(&'static str, String)> {
    let mut seen = HashSet::new();
    let mut declared: HashMap<String, &str> = HashMap::new();
    let mut files = Vec::new();
    for file in FILES {
        let mut c = Collector { cfg: config(), seen, depth: 0, roots: Vec::new(), declarations: Vec::new() };
        (file.roots)(&mut c);
        seen = std::mem::take(&mut c.seen);
        for (name, _) in &c.declarations {
            if let Some(other) = declared.insert(name.clone(), file.path) {
                panic!("two Rust types are the TypeScript type `{name}` ({other}, {}): rename one with #[ts(rename = \"...\")]", file.path);
            }
        }
        let mut text = format!(
            "// {}\n// Generated from the Rust types by tests/typescript.rs: do not edit.\n\
             // After changing a type: UPDATE_TYPES=1 cargo test --test typescript\n",
            file.what
        );
        for (_, declaration) in c.in_order() {
            text.push('\n');
            text.push_str(declaration);
            text.push('\n');
        }
        text.push_str(file.glue);
        files.push((file.path, text));
    }
    files
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_shipped_declarations_are_the_generated_ones() {
    let update = std::env::var("UPDATE_TYPES").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, text) in generate() {
        let file = root().join(path);
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        if committed == text {
            continue;
        }
        if update {
            std::fs::write(&file, &text).unwrap();
            eprintln!("wrote {path}");
            continue;
        }
        let line =
            committed.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(committed.lines().count().min(text.lines().count()));
        let want = text.lines().nth(line).unwrap_or("(end of file)");
        let have = committed.lines().nth(line).unwrap_or("(end of file)");
        stale.push(format!("{path}, line {}:\n  generated: {want}\n  committed: {have}", line + 1));
    }
    assert!(
        stale.is_empty(),
        "the TypeScript declarations differ from the Rust types. Regenerate them with\n\n    \
         UPDATE_TYPES=1 cargo test --test typescript\n\nand commit the result.\n\n{}",
        stale.join("\n")
    );
}

/// The generated text of every file; for the checks below.
fn all_declarations() -> String {
    generate().into_iter().map(|(_, text)| text).collect()
}

/// The type a declaration gives a name, parsed.
fn declared_type(name: &str) -> format::Ty {
    let text = all_declarations();
    let head = format!("export type {name} =");
    let start = text.find(&head).unwrap_or_else(|| panic!("no declaration of {name}"));
    let rest = &text[start + head.len()..];
    let end = format::statement_end(rest);
    format::parse(&rest[..end])
}

/// The members of an object type: (key, optional).
fn members(ty: &format::Ty) -> Vec<(String, bool)> {
    match ty {
        format::Ty::Object(members) => members.iter().map(|m| (m.key.clone(), m.optional)).collect(),
        other => panic!("not an object type: {other:?}"),
    }
}

/// The string literals of a union of strings.
fn literals(ty: &format::Ty) -> Vec<String> {
    let parts: Vec<&format::Ty> = match ty {
        format::Ty::Union(parts) => parts.iter().collect(),
        other => vec![other],
    };
    parts
        .into_iter()
        .map(|p| match p {
            format::Ty::Atom(text) if text.starts_with('"') => serde_json::from_str::<String>(text).unwrap(),
            other => panic!("not a string literal: {other:?}"),
        })
        .collect()
}

#[test]
fn every_string_union_lists_exactly_its_table() {
    fn names<T: 'static>(table: &'static [(&'static str, T)]) -> Vec<String> {
        table.iter().map(|(n, _)| n.to_string()).collect()
    }
    let tables: Vec<(&str, Vec<String>)> = vec![
        ("Direction", names(Direction::NAMES)),
        ("SupportKind", names(SupportKind::NAMES)),
        ("StorePhase", names(StorePhase::NAMES)),
        ("SpoolerLogon", names(SpoolerLogon::NAMES)),
        ("ProviderPhase", names(ProviderPhase::NAMES)),
        ("SessionPhase", names(SessionPhase::NAMES)),
        ("BlockKind", names(BlockKind::NAMES)),
        ("PartyKind", names(PartyKind::NAMES)),
        ("AbortReading", names(AbortReading::NAMES)),
        ("StoreLogoffTransportsTiming", names(StoreLogoffTransportsTiming::NAMES)),
        ("StoreFault", names(StoreFault::NAMES)),
        ("TransportFault", names(TransportFault::NAMES)),
        ("FlagSet", names(FlagSet::NAMES)),
        ("SourceKind", names(SourceKind::NAMES)),
        ("Severity", names(Severity::NAMES)),
        ("ResponsibleParty", names(ResponsibleParty::NAMES)),
        ("LogoffCall", names(LogoffCall::NAMES)),
        ("Verdict", names(Verdict::NAMES)),
        ("StopReason", names(StopReason::NAMES)),
        ("RuleId", RuleId::ALL.iter().map(|r| r.as_str().to_string()).collect()),
        ("MethodName", Method::ALL.iter().map(|m| m.as_str().to_string()).collect()),
        ("StoreLogoffFlagName", StoreLogoffFlag::ALL.iter().map(|f| f.name().to_string()).collect()),
        ("ConstantName", ConstantName::all().iter().map(|n| n.to_string()).collect()),
        (
            "ErrorCode",
            [
                ErrorCode::InvalidJson,
                ErrorCode::InvalidScenario,
                ErrorCode::UnsupportedVersion,
                ErrorCode::InvalidAction,
                ErrorCode::NotEnabled,
                ErrorCode::InvalidFlags,
                ErrorCode::TooLarge,
            ]
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        ),
    ];
    for (name, table) in tables {
        assert_eq!(literals(&declared_type(name)), table, "{name}");
    }
    // The old names of a reading still load, so the type takes them.
    let text = all_declarations();
    let line = text.lines().find(|l| l.trim_start().starts_with("abortReading?:")).expect("Settings.abortReading");
    for (alias, _) in AbortReading::ALIASES {
        assert!(line.contains(&format!("| {alias:?}")), "{alias}: {line}");
    }
    assert_eq!(members(&declared_type("Scenario"))[0], ("version".to_string(), false));
    assert!(text.contains(&format!("version: {SCENARIO_VERSION};")), "Scenario.version is the literal {SCENARIO_VERSION}");
}

/// The reader's error for an unknown field `zz` lists the fields it knows:
/// "unknown field `zz`; a store has name, defaultInbox, ...".
fn known_fields(error: mapi_logoff::InputError) -> BTreeSet<String> {
    let (_, list) = error.message.split_once(" has ").unwrap_or_else(|| panic!("not an unknown-field error: {error}"));
    list.split(", ").map(str::to_string).collect()
}

fn explore_options(json: &str) -> Result<ExploreOptions, mapi_logoff::InputError> {
    ExploreOptions::from_json(json)
}

/// An input document: its TypeScript type, a reader that puts `fields`
/// (JSON members, without braces) where that type is read, and a value
/// for each field.
struct Document {
    ty: &'static str,
    read: fn(&str) -> Result<(), mapi_logoff::InputError>,
}

fn sample(field: &str) -> &'static str {
    match field {
        "version" => "1",
        "name" | "addressType" => "\"SMTP\"",
        "flag" => "\"LOGOFF_QUIET\"",
        "reachable" => "{\"flag\": \"LOGOFF_QUIET\"}",
        other => panic!("no sample value for the required field `{other}`"),
    }
}

const DOCUMENTS: &[Document] = &[
    Document { ty: "Scenario", read: |f| Scenario::from_json(&format!("{{{f}}}")).map(drop) },
    Document { ty: "Settings", read: |f| Settings::from_json(&format!("{{{f}}}")).map(drop) },
    Document { ty: "StoreSpec", read: |f| Scenario::from_json(&format!("{{\"version\": 1, \"stores\": [{{{f}}}]}}")).map(drop) },
    Document {
        ty: "MessageSpec",
        read: |f| {
            Scenario::from_json(&format!("{{\"version\": 1, \"stores\": [{{\"name\": \"A\", \"outboundQueue\": [{{{f}}}]}}]}}")).map(drop)
        },
    },
    Document { ty: "TransportSpec", read: |f| Scenario::from_json(&format!("{{\"version\": 1, \"transports\": [{{{f}}}]}}")).map(drop) },
    Document {
        ty: "SessionSpec",
        read: |f| {
            Scenario::from_json(&format!("{{\"version\": 1, \"transports\": [{{\"name\": \"T\", \"sessions\": [{{{f}}}]}}]}}")).map(drop)
        },
    },
    Document {
        ty: "InboundSpec",
        read: |f| {
            let s = format!(
                "{{\"version\": 1, \"transports\": [{{\"name\": \"T\", \"sessions\": [{{\"name\": \"S\", \"inbound\": [{{{f}}}]}}]}}]}}"
            );
            Scenario::from_json(&s).map(drop)
        },
    },
    Document { ty: "ExploreOptions", read: |f| explore_options(&format!("{{{f}}}")).map(drop) },
    Document { ty: "OutcomeGoal", read: |f| explore_options(&format!("{{\"properties\": [{{\"reachable\": {{{f}}}}}]}}")).map(drop) },
];

/// Every input document type declares the fields its reader knows, and
/// requires exactly those the reader requires: the document with only the
/// required fields reads, and without any one of them it does not.
#[test]
fn input_documents_are_declared_as_their_readers_read_them() {
    for doc in DOCUMENTS {
        let declared = members(&declared_type(doc.ty));
        let names: BTreeSet<String> = declared.iter().map(|(k, _)| k.clone()).collect();
        let required: Vec<&String> = declared.iter().filter(|(_, optional)| !optional).map(|(k, _)| k).collect();
        let fields = |skip: Option<&String>| {
            required.iter().filter(|k| Some(**k) != skip).map(|k| format!("\"{k}\": {}", sample(k))).collect::<Vec<_>>().join(", ")
        };
        let with_unknown = [fields(None), "\"zz\": 1".into()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(", ");
        let known = known_fields((doc.read)(&with_unknown).expect_err(doc.ty));
        assert_eq!(names, known, "{}: the declared fields (left) and the fields its reader knows (right)", doc.ty);
        if let Err(e) = (doc.read)(&fields(None)) {
            panic!("{}: the declared required fields alone do not read: {e}", doc.ty);
        }
        for field in &required {
            assert!(
                (doc.read)(&fields(Some(field))).is_err(),
                "{}: `{field}` is declared required, but the reader reads the document without it",
                doc.ty
            );
        }
    }
}

/// The same for each action type: its fields, and which of them it needs.
#[test]
fn actions_are_declared_as_the_reader_reads_them() {
    let declared = declared_type("Action");
    let format::Ty::Union(variants) = declared else { panic!("Action is not a union") };
    let mut types = Vec::new();
    for variant in &variants {
        let fields = members(variant);
        assert_eq!(fields[0], ("type".to_string(), false));
        let format::Ty::Object(m) = variant else { unreachable!() };
        let ty: String = serde_json::from_str(match &m[0].ty {
            format::Ty::Atom(t) => t,
            other => panic!("{other:?}"),
        })
        .unwrap();
        types.push(ty.clone());
        let value = |field: &str| match field {
            "store" | "session" | "transport" | "addressType" => "0",
            "flags" => "2",
            "direction" => "\"send\"",
            other => panic!("{ty}: no sample value for the required field `{other}`"),
        };
        let required: Vec<&String> = fields[1..].iter().filter(|(_, optional)| !optional).map(|(k, _)| k).collect();
        let doc = |skip: Option<&String>, extra: &str| {
            let mut parts = vec![format!("\"type\": {ty:?}")];
            parts.extend(required.iter().filter(|k| Some(**k) != skip).map(|k| format!("\"{k}\": {}", value(k))));
            if !extra.is_empty() {
                parts.push(extra.to_string());
            }
            format!("{{{}}}", parts.join(", "))
        };
        let names: BTreeSet<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        let known = known_fields(Action::from_json(&doc(None, "\"zz\": 1")).expect_err(&ty));
        assert_eq!(names, known, "{ty}: the declared fields (left) and the fields the reader knows (right)");
        if let Err(e) = Action::from_json(&doc(None, "")) {
            panic!("{ty}: the declared required fields alone do not read: {e}");
        }
        for field in &required {
            assert!(
                Action::from_json(&doc(Some(field), "")).is_err(),
                "{ty}: `{field}` is declared required, but the reader reads the action without it"
            );
        }
    }
    assert_eq!(types, Action::types().collect::<Vec<_>>());
}

/// Every type name a file uses is declared in it or in the shared file.
#[test]
fn every_name_the_declarations_use_is_declared() {
    const GLOBAL: &[&str] = &["Array", "Error", "Exclude", "K"];
    let files = generate();
    let shared = &files[0].1;
    for (path, text) in &files {
        let text = if std::ptr::eq(text, shared) { text.clone() } else { format!("{shared}{text}") };
        let tokens = format::lex(&text);
        let mut declared: HashSet<&str> = GLOBAL.iter().copied().collect();
        for pair in tokens.windows(2) {
            if let [format::Tok::Word(kw), format::Tok::Word(name)] = pair {
                if kw == "type" || kw == "interface" {
                    declared.insert(name);
                }
            }
        }
        for token in &tokens {
            if let format::Tok::Word(w) = token {
                if w.starts_with(|c: char| c.is_ascii_uppercase()) {
                    assert!(declared.contains(w.as_str()), "{path} uses `{w}`, which no declaration names");
                }
            }
        }
    }
}

/// A small formatter for what ts-rs writes (one line per type, members
/// separated by commas, doc comments inline): objects one member a line
/// when they carry docs or are long, long unions one member a line.
mod format {
    use super::WIDTH;

    #[derive(Clone, Debug, PartialEq)]
    pub enum Tok {
        Comment(String),
        Str(String),
        Word(String),
        Punct(char),
    }

    pub fn lex(text: &str) -> Vec<Tok> {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '/' && chars.get(i + 1) == Some(&'*') {
                let start = i;
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
                tokens.push(Tok::Comment(chars[start..i.min(chars.len())].iter().collect()));
            } else if c == '/' && chars.get(i + 1) == Some(&'/') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '"' {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                tokens.push(Tok::Str(chars[start..i.min(chars.len())].iter().collect()));
            } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '.' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$' || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Tok::Word(chars[start..i].iter().collect()));
            } else {
                tokens.push(Tok::Punct(c));
                i += 1;
            }
        }
        tokens
    }

    #[derive(Clone, Debug, PartialEq)]
    pub enum Ty {
        Union(Vec<Ty>),
        Intersection(Vec<Ty>),
        Object(Vec<Member>),
        /// Anything else, as flat text (`Array<Block>`, `"open"`, `number`).
        Atom(String),
    }

    #[derive(Clone, Debug, PartialEq)]
    pub struct Member {
        pub docs: Vec<String>,
        pub key: String,
        pub optional: bool,
        pub ty: Ty,
    }

    /// Where the statement that starts `text` ends (its `;` outside brackets and strings).
    pub fn statement_end(text: &str) -> usize {
        let mut depth = 0i32;
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in text.char_indices() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' | '(' | '<' => depth += 1,
                '}' | ']' | ')' | '>' => depth -= 1,
                ';' if depth == 0 => return i,
                _ => {}
            }
        }
        text.len()
    }

    pub fn parse(text: &str) -> Ty {
        let mut p = Parser { tokens: lex(text), at: 0 };
        let ty = p.union();
        assert!(p.at == p.tokens.len(), "unexpected {:?} in {text}", &p.tokens[p.at..]);
        ty
    }

    struct Parser {
        tokens: Vec<Tok>,
        at: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<&Tok> {
            self.tokens.get(self.at)
        }

        fn eat(&mut self, c: char) -> bool {
            if self.peek() == Some(&Tok::Punct(c)) {
                self.at += 1;
                true
            } else {
                false
            }
        }

        fn union(&mut self) -> Ty {
            self.eat('|');
            let mut parts = vec![self.intersection()];
            while self.eat('|') {
                parts.push(self.intersection());
            }
            if parts.len() == 1 { parts.pop().unwrap() } else { Ty::Union(parts) }
        }

        fn intersection(&mut self) -> Ty {
            let mut parts = vec![self.primary()];
            while self.eat('&') {
                parts.push(self.primary());
            }
            if parts.len() == 1 { parts.pop().unwrap() } else { Ty::Intersection(parts) }
        }

        fn primary(&mut self) -> Ty {
            if self.eat('{') {
                return self.object();
            }
            // Flat text up to a `|`, `&`, `,`, `;` or closing bracket outside brackets.
            let start = self.at;
            let mut depth = 0;
            while let Some(t) = self.peek() {
                match t {
                    Tok::Punct('<' | '(' | '[') => depth += 1,
                    Tok::Punct('>' | ')' | ']') if depth > 0 => depth -= 1,
                    Tok::Punct('=') if depth == 0 && self.tokens.get(self.at + 1) == Some(&Tok::Punct('>')) => {
                        self.at += 1;
                    }
                    Tok::Punct('|' | '&' | ',' | ';' | '}' | '>' | ')' | ']') if depth == 0 => break,
                    Tok::Punct('{') => panic!("an object inside {:?}", &self.tokens[start..self.at]),
                    _ => {}
                }
                self.at += 1;
            }
            Ty::Atom(flat(&self.tokens[start..self.at]))
        }

        fn object(&mut self) -> Ty {
            let mut members = Vec::new();
            loop {
                while self.eat(',') || self.eat(';') {}
                if self.eat('}') {
                    return Ty::Object(members);
                }
                let mut docs = Vec::new();
                while let Some(Tok::Comment(c)) = self.peek() {
                    docs.extend(doc_lines(c));
                    self.at += 1;
                }
                let key = match self.tokens.get(self.at).cloned() {
                    Some(Tok::Word(w)) => w,
                    Some(Tok::Str(s)) => {
                        let unquoted: String = serde_json::from_str(&s).unwrap();
                        if unquoted.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$') { unquoted } else { s }
                    }
                    Some(Tok::Punct('[')) => {
                        let start = self.at;
                        while self.peek() != Some(&Tok::Punct(']')) {
                            self.at += 1;
                        }
                        flat(&self.tokens[start..=self.at])
                    }
                    other => panic!("expected a member name, found {other:?}"),
                };
                self.at += 1;
                let optional = self.eat('?');
                assert!(self.eat(':'), "expected `:` after {key}");
                let ty = self.union();
                members.push(Member { docs, key, optional, ty });
            }
        }
    }

    /// Tokens as one line: `Block[]` (for `Array<Block>`), `Exclude<Property["kind"], "reachable">`.
    fn flat(tokens: &[Tok]) -> String {
        let mut out = String::new();
        let mut skip = 0;
        for (i, t) in tokens.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if let [Tok::Word(array), Tok::Punct('<'), Tok::Word(item), Tok::Punct('>'), ..] = &tokens[i..] {
                if array == "Array" {
                    out.push_str(item);
                    out.push_str("[]");
                    skip = 3;
                    continue;
                }
            }
            let word = |t: Option<&Tok>| matches!(t, Some(Tok::Word(_) | Tok::Str(_)));
            match t {
                Tok::Word(w) | Tok::Str(w) => {
                    if i > 0 && word(tokens.get(i - 1)) {
                        out.push(' ');
                    }
                    out.push_str(w);
                }
                Tok::Punct(',') => out.push_str(", "),
                Tok::Punct(':') => out.push_str(": "),
                Tok::Punct(c @ ('|' | '&')) => {
                    out.push(' ');
                    out.push(*c);
                    out.push(' ');
                }
                Tok::Punct('=') if tokens.get(i + 1) == Some(&Tok::Punct('>')) => out.push_str(" ="),
                Tok::Punct('>') if i > 0 && tokens[i - 1] == Tok::Punct('=') => out.push_str("> "),
                Tok::Punct(c) => out.push(*c),
                Tok::Comment(_) => {}
            }
        }
        out
    }

    /// The text lines of a `/** ... */` comment.
    fn doc_lines(comment: &str) -> Vec<String> {
        let inner = comment.trim().trim_start_matches("/**").trim_end_matches("*/");
        let mut lines: Vec<String> = inner
            .lines()
            .map(|l| {
                let l = l.trim();
                let l = l.strip_prefix('*').unwrap_or(l);
                l.strip_prefix(' ').unwrap_or(l).trim_end().to_string()
            })
            .collect();
        while lines.first().is_some_and(|l| l.is_empty()) {
            lines.remove(0);
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines
    }

    fn write_docs(lines: &[String], indent: usize, out: &mut String) {
        // Rust's links (`[`Topology::address_types`]`) as plain code.
        let lines: Vec<String> = lines.iter().map(|l| l.replace("[`", "`").replace("`]", "`")).collect();
        let lines = lines.as_slice();
        let pad = " ".repeat(indent);
        match lines {
            [] => {}
            [line] if indent + line.len() + 7 <= WIDTH => out.push_str(&format!("{pad}/** {line} */\n")),
            _ => {
                out.push_str(&format!("{pad}/**\n"));
                for line in lines {
                    if line.is_empty() {
                        out.push_str(&format!("{pad} *\n"));
                    } else {
                        out.push_str(&format!("{pad} * {line}\n"));
                    }
                }
                out.push_str(&format!("{pad} */\n"));
            }
        }
    }

    /// The type on one line, if it has no doc comments.
    fn one_line(ty: &Ty) -> Option<String> {
        Some(match ty {
            Ty::Atom(text) => text.clone(),
            Ty::Union(parts) => parts.iter().map(one_line).collect::<Option<Vec<_>>>()?.join(" | "),
            Ty::Intersection(parts) => parts.iter().map(one_line).collect::<Option<Vec<_>>>()?.join(" & "),
            Ty::Object(members) if members.is_empty() => "{}".into(),
            Ty::Object(members) => {
                let mut parts = Vec::new();
                for m in members {
                    if !m.docs.is_empty() {
                        return None;
                    }
                    parts.push(format!("{}{}: {}", m.key, if m.optional { "?" } else { "" }, one_line(&m.ty)?));
                }
                format!("{{ {} }}", parts.join("; "))
            }
        })
    }

    /// The type starting at column `column`, its continuation lines
    /// indented by `indent`.
    fn render(ty: &Ty, column: usize, indent: usize) -> String {
        if let Some(line) = one_line(ty) {
            if column + line.len() <= WIDTH {
                return line;
            }
        }
        match ty {
            Ty::Atom(text) => text.clone(),
            Ty::Union(parts) => parts.iter().map(|p| render(p, column, indent)).collect::<Vec<_>>().join(" | "),
            Ty::Intersection(parts) => parts.iter().map(|p| render(p, column, indent)).collect::<Vec<_>>().join(" & "),
            Ty::Object(members) => {
                let mut out = String::from("{\n");
                let inner = indent + 2;
                for m in members {
                    write_docs(&m.docs, inner, &mut out);
                    let head = format!("{}{}{}: ", " ".repeat(inner), m.key, if m.optional { "?" } else { "" });
                    let ty = render(&m.ty, head.len(), inner);
                    out.push_str(&format!("{head}{ty};\n"));
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
                out
            }
        }
    }

    /// `export type Name = ...;` with its doc comment, from what ts-rs
    /// gives: the docs and `type Name = ...;`.
    pub fn declaration(docs: Option<&str>, decl: &str) -> String {
        let decl = decl.trim();
        let body = decl.strip_prefix("type ").unwrap_or_else(|| panic!("not a type alias: {decl}"));
        let (name, ty) = body.split_once(" = ").unwrap_or_else(|| panic!("not a type alias: {decl}"));
        let ty = parse(ty.trim().trim_end_matches(';'));
        let mut out = String::new();
        write_docs(&docs.map(doc_lines).unwrap_or_default(), 0, &mut out);
        let head = format!("export type {name} = ");
        match &ty {
            Ty::Union(parts) if one_line(&ty).is_none_or(|line| head.len() + line.len() + 1 > WIDTH) => {
                out.push_str(head.trim_end());
                if parts.iter().all(|p| matches!(p, Ty::Atom(_))) {
                    // Names, as many to a line as fit.
                    let mut line = String::new();
                    for part in parts {
                        let Ty::Atom(text) = part else { unreachable!() };
                        if !line.is_empty() && line.len() + 3 + text.len() + 1 > WIDTH {
                            out.push_str(&format!("\n{line}"));
                            line.clear();
                        }
                        line.push_str(&format!("{}| {text}", if line.is_empty() { "  " } else { " " }));
                    }
                    out.push_str(&format!("\n{line}"));
                } else {
                    for part in parts {
                        out.push_str(&format!("\n  | {}", render(part, 4, 4)));
                    }
                }
                out.push(';');
            }
            _ => out.push_str(&format!("{head}{};", render(&ty, head.len(), 0))),
        }
        out
    }
}
