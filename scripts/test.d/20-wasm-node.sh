#!/usr/bin/env bash
# wasm-bindgen-test suite (tests/wasm.rs) in Node: the bindings through their
# JS glue (errors, refusals, bad arguments) and every golden trace byte for byte.
# Node loads the glue as an ES module (WASM_BINDGEN_USE_NODE_EXPERIMENTAL=1),
# which tests/wasm.rs needs to import its own exports (see its header).
set -euo pipefail
LOG_PREFIX=wasm-node
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

# Every golden scenario must be in tests/wasm.rs's golden! list.
missing=()
for f in tests/scenarios/*.json; do
  [[ "$f" == *.trace.json ]] && continue
  name="$(basename "$f" .json)"
  grep -qF ": \"$name\"," tests/wasm.rs || missing+=("$name")
done
((${#missing[@]} == 0)) || die "tests/wasm.rs does not list the golden scenario(s) ${missing[*]}: add them to golden! { ... }"

log "cargo clippy --target $WASM_TARGET --test wasm"
cargo clippy --target "$WASM_TARGET" --test wasm -- -D warnings

log "cargo test --target $WASM_TARGET --test wasm (wasm-bindgen-test-runner, Node)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# WASM_BINDGEN_USE_BROWSER from the caller's environment would turn this into a browser run.
env -u WASM_BINDGEN_USE_BROWSER WASM_BINDGEN_USE_NODE_EXPERIMENTAL=1 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target "$WASM_TARGET" --test wasm 2>&1 | tee "$out"
# The runner prints "test result: ok. 36 passed; 0 failed; ..."; a suite it
# skipped ("only configured to run in ...") prints none, which counts as zero.
total="$(awk '/^test result: ok\./ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^passed;?$/) n += $i } END { print n + 0 }' "$out")"
report_tests "$total"
((total > 0)) || die "the wasm test runner executed zero tests in Node"
