#!/usr/bin/env bash
# The same wasm-bindgen-test suite (tests/wasm.rs) in headless Chromium,
# driven by Debian's chromedriver. WASM_BINDGEN_USE_BROWSER=1 selects the
# browser (the suite does not pin an environment); without it the runner
# would run Node, and a suite pinned to Node would be skipped with exit 0.
set -euo pipefail
LOG_PREFIX=wasm-browser
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
[[ -x "$CHROMEDRIVER" ]] || die "no chromedriver at $CHROMEDRIVER (scripts/setup.sh installs Debian's)"

log "cargo test --target $WASM_TARGET --test wasm (wasm-bindgen-test-runner, headless Chromium via $CHROMEDRIVER)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# The runner starts chromedriver, which starts /usr/bin/chromium headless
# with --no-sandbox (needed as root). WASM_BINDGEN_TEST_TIMEOUT: seconds per test.
env -u WASM_BINDGEN_USE_NODE_EXPERIMENTAL WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="$CHROMEDRIVER" \
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-60}" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target "$WASM_TARGET" --test wasm 2>&1 | tee "$out"
grep -q '^Running headless tests in Chrome' "$out" || die "the runner did not start headless Chrome"
total="$(awk '/^test result: ok\./ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^passed;?$/) n += $i } END { print n + 0 }' "$out")"
report_tests "$total"
((total > 0)) || die "the wasm test runner executed zero tests in Chromium"
