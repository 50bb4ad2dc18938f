#!/usr/bin/env bash
# Builds the crate to wasm for the web, nodejs and bundler targets
# (target/pkg/{web,node,bundler}) and assembles the one npm package, pkg/.
#
#   npm run build:wasm                 # the repo's crate
#   CRATE_DIR=path/to/crate npm run build:wasm
#
# Env: CRATE_DIR (default repo root; outputs go under it), PKG_DIR (default
# $CRATE_DIR/pkg), WASM_OPT_FLAGS (default "-O"), WASM_GZIP_LIMIT (bytes,
# default 102400), SETUP_DONE=1 to skip running scripts/setup.sh.
#
# pkg/ layout:
#   mapi_logoff.js, mapi_logoff.d.ts    web build (ESM, `await init()` first)
#   check/, check/node/                 the trace checker module (mapi-logoff/check),
#                                       same layout, built with --features check
#   explore/, explore/node/             the explorer module (mapi-logoff/explore),
#                                       same layout, built with --features explore
#   bin/mapi-logoff.mjs                 the command line (cli/mapi-logoff.mjs)
#   c/mapi_logoff_trace.h               the C/C++ logging kit for provider authors
#                                       (src/c/mapi_logoff_trace.h, docs/logging-kit.md)
#   mapi_logoff_bg.wasm                 the one .wasm, shared by both builds
#   node/mapi_logoff.js (+ .d.ts)       nodejs build (CommonJS, instantiates on require)
#   node/index.mjs                      Node ESM entry (see the comment written into it)
#   constants.js, node/constants.js     the flag and HRESULT constants as literals
#   (+ .d.ts)                           (ESM, CommonJS), generated from constants()
#                                       and re-exported by every entry point
# The bundler build is left in target/pkg/bundler and not shipped: its
# `import ... from "./x_bg.wasm"` needs the wasm/ESM integration that Vite
# lacks without a plugin and Node 20 lacks without --experimental-wasm-modules,
# while the web build works in every bundler (new URL(..., import.meta.url)).
set -euo pipefail
LOG_PREFIX=build-wasm
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ "${SETUP_DONE:-}" == 1 ]] || bash "$ROOT/scripts/setup.sh"

OUT_NAME=mapi_logoff
PKG_NAME=mapi-logoff
OUT="$CRATE_DIR/target/pkg"
PKG_DIR="${PKG_DIR:-$CRATE_DIR/pkg}"
GZIP_LIMIT="${WASM_GZIP_LIMIT:-102400}"
# -O measured smaller than -Oz here. The --enable-* flags are the features
# rustc's wasm32-unknown-unknown emits by default (rustc --print cfg
# --target wasm32-unknown-unknown): wasm-pack passes bare "-O", and binaryen
# 132 then rejects the module (memory.copy needs bulk memory).
read -r -a WASM_OPT_ARGS <<<"${WASM_OPT_FLAGS:--O}"
WASM_OPT_ARGS+=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

[[ -f "$CRATE_DIR/Cargo.toml" ]] || die "no Cargo.toml in CRATE_DIR=$CRATE_DIR"

# --- 1. wasm-pack, once per target --------------------------------------------
# --mode no-install: never download or cargo-install anything (fails fast on
# a wasm-bindgen CLI mismatch instead of a silent multi-minute install).
# --no-opt: the three targets' .wasm are byte-identical before wasm-opt, so
# we run wasm-opt once ourselves below (with the feature flags it needs).
targets=(web:web nodejs:node bundler:bundler)
for pair in "${targets[@]}"; do
  t="${pair%%:*}" d="$OUT/${pair#*:}"
  log "wasm-pack build --target $t -> ${d#"$CRATE_DIR"/}"
  rm -rf "$d"
  wasm-pack --quiet build "$CRATE_DIR" --mode no-install --release --no-pack --no-opt --no-gitignore \
    --target "$t" --out-dir "$d" --out-name "$OUT_NAME" ||
    die "wasm-pack build --target $t failed"
done

# --- 2. wasm-opt (npm binaryen; never Debian's) --------------------------------
web_wasm="$OUT/web/${OUT_NAME}_bg.wasm"
shared=1
for pair in "${targets[@]:1}"; do
  cmp -s "$web_wasm" "$OUT/${pair#*:}/${OUT_NAME}_bg.wasm" || shared=0
done
optimize() {
  local opt
  opt="$(mktemp "$1.opt.XXXXXX")"
  wasm-opt "$1" "${WASM_OPT_ARGS[@]}" -o "$opt" || {
    rm -f "$opt"
    die "wasm-opt failed on $1"
  }
  cat "$opt" >"$1" # keeps $1's mode (mktemp makes 0600 files)
  rm -f "$opt"
}
log "wasm-opt ${WASM_OPT_FLAGS:--O} ($(command -v wasm-opt))"
if ((shared)); then
  optimize "$web_wasm"
  for pair in "${targets[@]:1}"; do cp "$web_wasm" "$OUT/${pair#*:}/${OUT_NAME}_bg.wasm"; done
else
  for pair in "${targets[@]}"; do optimize "$OUT/${pair#*:}/${OUT_NAME}_bg.wasm"; done
fi

# --- 2b. the feature modules: mapi-logoff/check and mapi-logoff/explore -------
# The trace checker (cargo feature "check") and the explorer (feature
# "explore"), each alone, without the engine's API, so that each module stays
# in the size budget and a user loads only what they run.
# The checker is built with its own profile (Cargo.toml, [profile.wasm-check]:
# its code for speed, its dependencies for size): checking a long log is
# compute-bound, and the module stays well within the budget. The explorer
# likewise ([profile.wasm-explore], opt-level s).
FEATURES=(check explore)
for feature in "${FEATURES[@]}"; do
  name="${OUT_NAME}_$feature"
  profile=(--release)
  [[ "$feature" == check ]] && profile=(--profile wasm-check)
  [[ "$feature" == explore ]] && profile=(--profile wasm-explore)
  for pair in "web:$feature-web" "nodejs:$feature-node"; do
    t="${pair%%:*}" d="$OUT/${pair#*:}"
    log "wasm-pack build --target $t --features $feature ${profile[*]} -> ${d#"$CRATE_DIR"/}"
    rm -rf "$d"
    wasm-pack --quiet build "$CRATE_DIR" --mode no-install "${profile[@]}" --no-pack --no-opt --no-gitignore \
      --target "$t" --out-dir "$d" --out-name "$name" -- --features "$feature" ||
      die "wasm-pack build --target $t --features $feature failed"
  done
  cmp -s "$OUT/$feature-web/${name}_bg.wasm" "$OUT/$feature-node/${name}_bg.wasm" ||
    die "the web and nodejs builds of $feature differ before wasm-opt; scripts/build-wasm.sh assumes one .wasm"
  optimize "$OUT/$feature-web/${name}_bg.wasm"
done

# --- 3. assemble pkg/ ----------------------------------------------------------
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR/node"
cp -R "$OUT/web/." "$PKG_DIR/"
cp -R "$OUT/node/." "$PKG_DIR/node/"
node_js="$PKG_DIR/node/$OUT_NAME.js"
# Points a CommonJS build at the shared .wasm one level up. Checked to match
# exactly once, so a change in wasm-bindgen's output fails here.
use_shared_wasm() { # $1: the CommonJS build; $2: its out-name
  local from="const wasmPath = \`\${__dirname}/${2}_bg.wasm\`;"
  local to="const wasmPath = \`\${__dirname}/../${2}_bg.wasm\`;"
  [[ "$(grep -cxF "$from" "$1")" == 1 ]] ||
    die "cannot find the line '$from' in $1: wasm-bindgen's output changed, update scripts/build-wasm.sh"
  FROM="$from" TO="$to" node -e '
    const fs = require("fs"), f = process.argv[1];
    fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(process.env.FROM, process.env.TO));
  ' "$1"
}
if ((shared)); then
  use_shared_wasm "$node_js" "$OUT_NAME"
  rm -f "$PKG_DIR/node/${OUT_NAME}_bg.wasm" "$PKG_DIR/node/${OUT_NAME}_bg.wasm.d.ts"
fi
# pkg/ is "type": "module" (the web build is ESM); node/ holds CommonJS.
printf '{\n  "type": "commonjs"\n}\n' >"$PKG_DIR/node/package.json"

# Each feature module: pkg/<feature>/ (web build and the one .wasm) and
# pkg/<feature>/node/ (CommonJS, pointed at the .wasm one level up).
for feature in "${FEATURES[@]}"; do
  name="${OUT_NAME}_$feature" web="$OUT/$feature-web" node="$OUT/$feature-node"
  mkdir -p "$PKG_DIR/$feature/node"
  cp "$web/$name.js" "$web/$name.d.ts" "$web/${name}_bg.wasm" "$web/${name}_bg.wasm.d.ts" "$PKG_DIR/$feature/"
  cp "$node/$name.js" "$node/$name.d.ts" "$PKG_DIR/$feature/node/"
  use_shared_wasm "$PKG_DIR/$feature/node/$name.js" "$name"
  printf '{\n  "type": "commonjs"\n}\n' >"$PKG_DIR/$feature/node/package.json"
done

# The boundary guard (scripts/boundary-guard.js) appended to each module's
# glue: every class method refuses a freed object or a non-instance before
# wasm is entered, and __wasmStats() reports the memory and table sizes for
# the leak tests. Each class must have the FinalizationRegistry the guard
# hooks (`const <Class>Finalization =`), so a change in wasm-bindgen's output
# fails here.
guard_glue() { # $1: a module's glue (ESM or CommonJS)
  node -e '
    const fs = require("fs");
    const [file, guardFile] = process.argv.slice(1);
    let text = fs.readFileSync(file, "utf8");
    const classes = [...text.matchAll(/^(?:export )?class (\w+) \{/gm)].map((m) => m[1]);
    if (classes.length === 0) throw new Error(`no class in ${file}`);
    for (const c of classes) {
      const n = text.split(`\nconst ${c}Finalization = `).length - 1;
      if (n !== 1) throw new Error(`${file}: expected one ${c}Finalization registry, found ${n}: wasm-bindgen changed, update scripts/boundary-guard.js`);
    }
    const esm = /^export /m.test(text);
    // The functions that take documents, callbacks or any value.
    const guarded = ["runScenario", "outcomeMatrix", "explore", "checkTrace", "isMapiLogoffError"]
      .filter((f) => new RegExp(`^(?:export )?function ${f}\\(`, "m").test(text));
    if (!guarded.includes("isMapiLogoffError")) throw new Error(`${file} has no isMapiLogoffError`);
    const exported = (name) => (esm ? name : `exports.${name}`);
    text += "\n" + fs.readFileSync(guardFile, "utf8") + "\n" +
      classes.map((c) => `__mapiLogoffGuard("${c}", ${c}, ${c}Finalization);\n` +
        `${exported(c)} = __mapiLogoffConstructor("${c}", ${c});\n`).join("") +
      guarded.map((f) => `${exported(f)} = __mapiLogoffFunction("${f}", ${exported(f)});\n`).join("") +
      (esm ? "export { __mapiLogoffStats as __wasmStats };\n" : "exports.__wasmStats = __mapiLogoffStats;\n");
    fs.writeFileSync(file, text);
  ' "$1" "$ROOT/scripts/boundary-guard.js" || die "adding the boundary guard to $1 failed"
}
guard_glue "$PKG_DIR/$OUT_NAME.js"
guard_glue "$node_js"
for feature in "${FEATURES[@]}"; do
  guard_glue "$PKG_DIR/$feature/${OUT_NAME}_$feature.js"
  guard_glue "$PKG_DIR/$feature/node/${OUT_NAME}_$feature.js"
done

# The command line, run by `npx mapi-logoff`.
mkdir -p "$PKG_DIR/bin"
cp "$ROOT/cli/mapi-logoff.mjs" "$PKG_DIR/bin/mapi-logoff.mjs"
chmod +x "$PKG_DIR/bin/mapi-logoff.mjs"

# The logging kit: a provider's C or C++ build includes the header straight
# from node_modules (or from require.resolve("mapi-logoff/c/mapi_logoff_trace.h"))
# and writes logs that `mapi-logoff check` reads.
mkdir -p "$PKG_DIR/c"
cp "$ROOT/src/c/mapi_logoff_trace.h" "$PKG_DIR/c/mapi_logoff_trace.h"

# The rule and reading catalogue with the sources' quotes and notes, which
# the wasm modules leave out for their size (tests/citations.rs keeps it
# equal to the code).
cp "$ROOT/docs/rules.json" "$PKG_DIR/rules.json"

# The constants (LOGOFF_ORDERLY, MAPI_E_INVALID_PARAMETER, ...) as named
# exports of every entry point. Generated from the built module's
# constants(), so the Rust tables stay their one source: literal ESM
# (constants.js) and CommonJS (node/constants.js) modules, declarations with
# literal types, and a re-export appended to each build. Literals (not
# `constants().X`) so that bundlers can inline and tree-shake them.
# shellcheck disable=SC2016 # JS template literals, not shell
node -e '
  const fs = require("fs"), path = require("path");
  const [nodeJs, pkgDir] = process.argv.slice(1);
  const m = require(nodeJs);
  const table = m.constants();
  const names = Object.keys(table);
  if (names.length === 0) throw new Error("constants() is empty");
  for (const n of names) {
    const v = table[n];
    if (!/^[A-Z][A-Z0-9_]*$/.test(n)) throw new Error(`constant name ${n} is not UPPER_SNAKE_CASE`);
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`constant ${n} = ${v} is not a u32`);
    if (n in m) throw new Error(`constant ${n} clashes with an export of the module`);
  }
  const hex = (v) => "0x" + v.toString(16).toUpperCase().padStart(8, "0");
  const head = (what) => `// ${what} of mapi-logoff: generated by scripts/build-wasm.sh from constants(), do not edit.\n`;
  const esm = head("Flag and HRESULT constants") + names.map((n) => `export const ${n} = ${hex(table[n])};\n`).join("");
  const cjs = head("Flag and HRESULT constants") + "\"use strict\";\n" +
    names.map((n) => `exports.${n} = ${hex(table[n])};\n`).join("");
  const dts = head("Types of the flag and HRESULT constants") +
    names.map((n) => `/** \`${n}\` = ${hex(table[n])} */\nexport declare const ${n}: ${table[n]};\n`).join("");
  fs.writeFileSync(path.join(pkgDir, "constants.js"), esm);
  fs.writeFileSync(path.join(pkgDir, "constants.d.ts"), dts);
  fs.writeFileSync(path.join(pkgDir, "node/constants.js"), cjs);
  fs.writeFileSync(path.join(pkgDir, "node/constants.d.ts"), dts);
  const reexport = "\n// The constants as named exports (scripts/build-wasm.sh).\nexport * from \"./constants.js\";\n";
  for (const f of ["mapi_logoff.js", "mapi_logoff.d.ts", "node/mapi_logoff.d.ts"]) {
    fs.appendFileSync(path.join(pkgDir, f), reexport);
  }
  // Explicit assignments (not Object.assign) so that tools that read
  // CommonJS exports statically (cjs-module-lexer in Node, bundlers) see them.
  fs.appendFileSync(path.join(pkgDir, "node/mapi_logoff.js"),
    "\n// The constants as named exports (scripts/build-wasm.sh).\nconst __constants = require(\"./constants.js\");\n" +
    names.map((n) => `exports.${n} = __constants.${n};\n`).join(""));
  console.log(`build-wasm: ${names.length} constants -> constants.js, node/constants.js (+ .d.ts)`);
  // argsByName: the arguments of a trace event keyed by name. Plain JS, so the
  // engine module does not carry it (its size budget).
  const helperDoc = "\n/** The arguments of a trace event keyed by name: `argsByName(e).ulFlags.text`. A name that appears twice keeps its first. */\n";
  // Bad input throws a MapiLogoffError (code invalidArgument, the path of
  // the bad field), as from the wasm exports; what the caller own getters
  // or Proxy traps throw becomes inputThrew with the original as `cause`.
  // isMapiLogoffError checks by shape, so these pass it.
  const helper = [
    "function argsByName(event) {",
    "  const error = (code, path, message, cause) => {",
    "    const e = new Error(path ? `${path}: ${message}` : message);",
    "    e.name = \"MapiLogoffError\";",
    "    e.code = code;",
    "    e.path = path;",
    "    if (code === \"inputThrew\") e.cause = cause;",
    "    return e;",
    "  };",
    "  let ours;",
    "  let path = \"\";",
    "  try {",
    "    if (event === null || typeof event !== \"object\")",
    "      throw (ours = error(\"invalidArgument\", \"\", `expected a trace event (an object), got ${event === null ? \"null\" : typeof event}`));",
    "    path = \"args\";",
    "    const args = event.args;",
    "    if (!Array.isArray(args)) throw (ours = error(\"invalidArgument\", path, \"expected the list of the arguments of a trace event\"));",
    "    const out = Object.create(null);",
    "    const count = args.length;",
    "    for (let i = 0; i < count; i++) {",
    "      path = `args[${i}]`;",
    "      const arg = args[i];",
    "      const name = arg !== null && typeof arg === \"object\" ? arg.name : undefined;",
    "      if (typeof name !== \"string\") throw (ours = error(\"invalidArgument\", path, \"expected an argument ({name, value, text})\"));",
    "      if (!(name in out)) out[name] = arg;",
    "    }",
    "    return out;",
    "  } catch (e) {",
    "    if (ours !== undefined && e === ours) throw e;",
    "    throw error(\"inputThrew\", path, \"reading the trace event threw an exception (see `cause`)\", e);",
    "  }",
    "}",
    "",
  ].join("\n");
  fs.appendFileSync(path.join(pkgDir, "mapi_logoff.js"), helperDoc + "export " + helper);
  fs.appendFileSync(path.join(pkgDir, "node/mapi_logoff.js"), helperDoc + helper + "exports.argsByName = argsByName;\n");
  const helperDts = helperDoc + "export function argsByName(event: { args: Arg[] }): Partial<Record<string, Arg>>;\n";
  for (const f of ["mapi_logoff.d.ts", "node/mapi_logoff.d.ts"]) fs.appendFileSync(path.join(pkgDir, f), helperDts);
' "$node_js" "$PKG_DIR" || die "generating the constants failed"

# wasm-bindgen types the raw wasm exports (the InitOutput interface, and
# the _bg.wasm.d.ts kept for tools that read it) with `any`; `unknown` is
# exact there and keeps `any` out of every declaration the package ships.
for f in "$PKG_DIR/${OUT_NAME}.d.ts" "$PKG_DIR/${OUT_NAME}_bg.wasm.d.ts" \
  "$PKG_DIR"/{check,explore}/"${OUT_NAME}"_*.d.ts; do
  [[ -f "$f" ]] || continue
  node -e '
    const fs = require("fs"), f = process.argv[1];
    let text = fs.readFileSync(f, "utf8");
    const start = text.indexOf("export interface InitOutput {");
    const fix = (s) => s.replace(/\bany\b/g, "unknown");
    if (f.endsWith("_bg.wasm.d.ts")) text = fix(text);
    else if (start >= 0) {
      const end = text.indexOf("\n}", start);
      text = text.slice(0, start) + fix(text.slice(start, end)) + text.slice(end);
    }
    fs.writeFileSync(f, text);
  ' "$f" || die "rewriting $f failed"
done
# `any` in the code of a declaration (its doc comments may say "any"), as
# tests/js/package.test.mjs checks it.
# shellcheck disable=SC2016 # JS template literals, not shell
node -e '
  const fs = require("fs");
  let found = false;
  for (const f of process.argv.slice(1)) {
    const code = fs.readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    for (const line of code.split("\n").filter((l) => /\bany\b/.test(l))) {
      console.error(`${f}: ${line.trim()}`);
      found = true;
    }
  }
  process.exit(found ? 1 : 0);
' "$PKG_DIR"/*.d.ts "$PKG_DIR"/node/*.d.ts "$PKG_DIR"/{check,explore}/*.d.ts "$PKG_DIR"/{check,explore}/node/*.d.ts ||
  die "the declarations above use \`any\`; type them (unchecked_param_type / typescript_type in src/wasm.rs)"

# The Node ESM entries: next to each CommonJS build, an index.mjs that
# re-exports the names the build exports (listed by loading it).
write_esm_entry() { # $1: the CommonJS build; $2: what the entry is of
  local cjs="$1" title="$2" names
  names="$(node -e '
    const m = require(process.argv[1]);
    const ok = (k) => /^[A-Za-z_$][\w$]*$/.test(k) && !k.startsWith("__") &&
      !["default", "init", "initSync"].includes(k);
    console.log(Object.keys(m).filter(ok).sort().join(", "));
  ' "$cjs")" || die "$cjs fails to load in Node (a bad wasm-opt?)"
  [[ -n "$names" ]] || die "$cjs exports nothing"
  cat >"$(dirname "$cjs")/index.mjs" <<EOF
// Node ESM entry of ${title}: generated by scripts/build-wasm.sh, do not edit.
//
// It re-exports the CommonJS (wasm-bindgen --target nodejs) build, constants
// included, through createRequire instead of running the web build in Node,
// because that way:
//  - import and require share ONE module and wasm instance, so a process that
//    mixes both (or two dependencies that do) sees one state and one set of
//    classes (no dual-package hazard);
//  - loading is synchronous: no top-level await, and no fetch() of a file:
//    URL, which Node's fetch cannot do (the web build's default init() would);
//  - it needs no Node flag (the bundler build needs --experimental-wasm-modules).
// init() and initSync() exist so code written for the browser entry
// (\`await init()\` first) runs unchanged; in Node they do nothing.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const wasm = require("./$(basename "$cjs")");

export const { ${names} } = wasm;

export function initSync() {
  return undefined;
}

export default async function init() {
  return undefined;
}
EOF
}
write_esm_entry "$node_js" "$PKG_NAME"
for feature in "${FEATURES[@]}"; do
  write_esm_entry "$PKG_DIR/$feature/node/${OUT_NAME}_$feature.js" "$PKG_NAME/$feature"
done

# package.json: version and metadata from the crate.
[[ -f "$ROOT/scripts/pkg-README.md" ]] || die "missing scripts/pkg-README.md"
cp "$ROOT/scripts/pkg-README.md" "$PKG_DIR/README.md"
if [[ -f "$ROOT/LICENSE" ]]; then
  cp "$ROOT/LICENSE" "$PKG_DIR/LICENSE"
else
  cat >"$PKG_DIR/LICENSE" <<'EOF'
MIT License

Copyright (c) mapi-logoff contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
fi
metadata="$(cargo metadata --no-deps --format-version 1 --manifest-path "$CRATE_DIR/Cargo.toml")" ||
  die "cargo metadata failed"
# shellcheck disable=SC2016 # JS template literals, not shell
(cd "$PKG_DIR" && METADATA="$metadata" MANIFEST="$CRATE_DIR/Cargo.toml" PKG_NAME="$PKG_NAME" \
  OUT_NAME="$OUT_NAME" FEATURES="${FEATURES[*]}" node -e '
  const fs = require("fs"), path = require("path");
  const { packages } = JSON.parse(process.env.METADATA);
  const manifest = fs.realpathSync(process.env.MANIFEST);
  const c = packages.find((p) => fs.realpathSync(p.manifest_path) === manifest);
  if (!c) throw new Error("crate not found in cargo metadata");
  const n = process.env.OUT_NAME;
  const features = process.env.FEATURES.split(" ");
  const web = { types: `./${n}.d.ts`, default: `./${n}.js` };
  // The feature modules (see scripts/build-wasm.sh, step 2b), same conditions.
  const featureExports = Object.fromEntries(features.flatMap((f) => {
    const fn = `${n}_${f}`, fweb = { types: `./${f}/${fn}.d.ts`, default: `./${f}/${fn}.js` };
    return [
      [`./${f}`, {
        node: {
          import: { types: `./${f}/${fn}.d.ts`, default: `./${f}/node/index.mjs` },
          require: { types: `./${f}/node/${fn}.d.ts`, default: `./${f}/node/${fn}.js` },
        },
        types: `./${f}/${fn}.d.ts`,
        browser: fweb,
        default: fweb,
      }],
      [`./${f}/${fn}_bg.wasm`, `./${f}/${fn}_bg.wasm`],
    ];
  }));
  const pkg = {
    name: process.env.PKG_NAME,
    version: c.version,
    description: c.description ?? undefined,
    license: c.license ?? "MIT",
    repository: c.repository ? { type: "git", url: `git+${c.repository}.git` } : undefined,
    keywords: c.keywords?.length ? c.keywords : undefined,
    type: "module",
    // Conditions are matched in order. "node" comes first so Node (and
    // TypeScript with moduleResolution node16/nodenext) never reach the web
    // or bundler code; everything else (browsers, Vite, webpack, Rollup,
    // esbuild, Deno via "default", workers) gets the web build.
    exports: {
      ".": {
        node: {
          import: { types: `./${n}.d.ts`, default: "./node/index.mjs" },
          require: { types: `./node/${n}.d.ts`, default: `./node/${n}.js` },
        },
        types: `./${n}.d.ts`,
        browser: web,
        default: web,
      },
      [`./${n}_bg.wasm`]: `./${n}_bg.wasm`,
      ...featureExports,
      "./c/mapi_logoff_trace.h": "./c/mapi_logoff_trace.h",
      "./rules.json": "./rules.json",
      "./package.json": "./package.json",
    },
    main: `./node/${n}.js`,
    module: `./${n}.js`,
    types: `./${n}.d.ts`,
    files: fs.readdirSync(process.cwd()).filter((f) => f !== "package.json").sort(),
    bin: { "mapi-logoff": "./bin/mapi-logoff.mjs" },
    // The web builds too: the boundary guard appended to their glue patches
    // the classes and functions of the module when it loads.
    sideEffects: [`./node/*`, `./${n}.js`, ...features.flatMap((f) => [`./${f}/node/*`, `./${f}/${n}_${f}.js`]), "./snippets/*"],
    engines: { node: ">=20" },
  };
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
') || die "writing $PKG_DIR/package.json failed"
version="$(node -p 'require(process.argv[1]).version' "$PKG_DIR/package.json")"
log "assembled ${PKG_DIR#"$CRATE_DIR"/}/ ($PKG_NAME@$version)"

# --- 4. smoke test: every entry point loads and exposes the same names ---------
# shellcheck disable=SC2016
(cd "$PKG_DIR" && node --input-type=module -e '
  import { createRequire } from "node:module";
  import { readFileSync } from "node:fs";
  const esm = await import("./node/index.mjs");
  const cjs = createRequire(process.cwd() + "/")("./node/mapi_logoff.js");
  const web = await import("./mapi_logoff.js");
  web.initSync({ module: readFileSync("./mapi_logoff_bg.wasm") });
  await esm.default();
  const names = (m) => Object.keys(m).filter((k) => !/^(default|init|initSync|__.*)$/.test(k)).sort().join();
  if (names(esm) !== names(cjs) || names(esm) !== names(web)) {
    throw new Error(`entry points differ: esm[${names(esm)}] cjs[${names(cjs)}] web[${names(web)}]`);
  }
  const table = web.constants();
  for (const [n, v] of Object.entries(table)) {
    if (esm[n] !== v || cjs[n] !== v || web[n] !== v) throw new Error(`constant ${n}: ${esm[n]}, ${cjs[n]}, ${web[n]}, want ${v}`);
  }
  const run = (m) => m.runScenario({ version: 1, stores: [{ name: "A" }], actions: [{ type: "storeLogoff", store: 0, flags: m.LOGOFF_ORDERLY }] });
  if (JSON.stringify(run(esm)) !== JSON.stringify(run(web))) throw new Error("node and web builds disagree");
  const trace = JSON.stringify({ object: { kind: "store", id: "A" }, method: "IMsgStore::StoreLogoff", flags: 6, hresult: 0 });
  const checkEsm = await import("./check/node/index.mjs");
  const checkCjs = createRequire(process.cwd() + "/")("./check/node/mapi_logoff_check.js");
  const checkWeb = await import("./check/mapi_logoff_check.js");
  checkWeb.initSync({ module: readFileSync("./check/mapi_logoff_check_bg.wasm") });
  for (const m of [checkEsm, checkCjs, checkWeb]) {
    if (m.checkTrace(trace).diagnostics[0]?.code !== "S1") throw new Error("the checker module does not check");
  }
  const exploreEsm = await import("./explore/node/index.mjs");
  const exploreCjs = createRequire(process.cwd() + "/")("./explore/node/mapi_logoff_explore.js");
  const exploreWeb = await import("./explore/mapi_logoff_explore.js");
  exploreWeb.initSync({ module: readFileSync("./explore/mapi_logoff_explore_bg.wasm") });
  for (const m of [exploreEsm, exploreCjs, exploreWeb]) {
    // An idle store under the deferred reading has 14 states (tests/explore.rs).
    const r = m.explore({ version: 1, settings: { storeLogoffTransports: "atFinalRelease" }, stores: [{ name: "A" }] });
    if (r.uniqueStates !== 14 || r.stopped !== "complete") throw new Error(`the explorer module does not explore: ${JSON.stringify(r)}`);
  }
  console.log(`build-wasm: smoke ok: node import, node require, web initSync (engine, checker, explorer); ${Object.keys(table).length} constants`);
') || die "smoke test of $PKG_DIR failed: an entry point does not load"

# --- 5. size budget ------------------------------------------------------------
fail=0
for w in "$PKG_DIR/${OUT_NAME}_bg.wasm" "$PKG_DIR/node/${OUT_NAME}_bg.wasm" "$PKG_DIR"/{check,explore}/"${OUT_NAME}"_*_bg.wasm; do
  [[ -f "$w" ]] || continue
  raw="$(wc -c <"$w")"
  gz="$(gzip -9 -c "$w" | wc -c)"
  log "size ${w#"$CRATE_DIR"/}: $raw bytes raw, $gz bytes gzip -9 (limit $GZIP_LIMIT)"
  ((gz <= GZIP_LIMIT)) || {
    printf '%s: ERROR: %s is %s bytes gzipped, over the %s byte budget\n' "$LOG_PREFIX" "$w" "$gz" "$GZIP_LIMIT" >&2
    fail=1
  }
done
((fail == 0)) || exit 1
