#!/usr/bin/env bash
# Native suite: formatting, clippy (host, all targets; and the wasm lib), cargo test.
set -euo pipefail
LOG_PREFIX=native
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy --all-targets"
cargo clippy --all-targets -- -D warnings
log "cargo clippy --lib --target $WASM_TARGET (each wasm module: the engine, --features check, --features explore)"
cargo clippy --lib --target "$WASM_TARGET" -- -D warnings
cargo clippy --lib --target "$WASM_TARGET" --features check -- -D warnings
cargo clippy --lib --target "$WASM_TARGET" --features explore -- -D warnings

log "cargo test"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo test 2>&1 | tee "$out"
# "test result: ok. 12 passed; 0 failed; 1 ignored; ..." per test binary and doc-tests
total="$(awk '/^test result: / { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^passed;?$/) n += $i } END { print n + 0 }' "$out")"
report_tests "$total"
((total > 0)) || die "cargo test executed zero tests"
