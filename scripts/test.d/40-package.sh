#!/usr/bin/env bash
# The npm package as users get it: build pkg/ (npm run build:wasm), `npm pack`
# it, install the tarball into a scratch project, and run tests/js there with
# node:test, one file at a time:
#   golden.test.mjs / golden.test.cjs   Node import / require: every golden trace
#   bad-input.test.mjs                  bad input for every function and method
#   check.test.mjs                      the checker module and the CLI's check, run, matrix
#   explore.test.mjs                    the explorer module and the CLI's explore
#   boundary.test.mjs                   issue 13: exceptions at the boundary, leaks, limits, work
#   fuzz.test.mjs                       the short run of the seeded JS fuzzer (tests/js/fuzz.mjs)
#   package.test.mjs                    exports map, tarball, browser build, no `any`
#   types.test.mjs                      tsc --strict on a TypeScript consumer, and on real
#                                       outputs typed as their declarations (no drift)
#   browser.test.mjs                    plain page + Vite build in headless Chromium
# Env: KEEP_SCRATCH=1 keeps the scratch project (its path is printed);
# SKIP_WASM_BUILD=1 tests pkg/ as it is (it must have been built);
# CRATE_DIR / PKG_DIR as for scripts/build-wasm.sh.
set -euo pipefail
LOG_PREFIX=package
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

if [[ "${SKIP_WASM_BUILD:-}" == 1 ]]; then
  [[ -f "${PKG_DIR:-$CRATE_DIR/pkg}/package.json" ]] || die "SKIP_WASM_BUILD=1 but pkg/ has not been built"
  log "SKIP_WASM_BUILD=1: testing pkg/ as it is"
else
  log "npm run build:wasm"
  SETUP_DONE=1 npm run --silent build:wasm
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/mapi-logoff-package.XXXXXX")"
out="$(mktemp)"
cleanup() {
  rm -f "$out"
  if [[ "${KEEP_SCRATCH:-}" == 1 ]]; then log "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

pkg_dir="${PKG_DIR:-$CRATE_DIR/pkg}"
log "npm pack ${pkg_dir#"$ROOT"/} -> $scratch"
tarball="$(cd "$pkg_dir" && npm pack --silent --pack-destination "$scratch")"
tarball="$(basename "${tarball##*$'\n'}")"
[[ -f "$scratch/$tarball" ]] || die "npm pack did not write $scratch/$tarball"
printf '{\n  "name": "mapi-logoff-consumer",\n  "private": true,\n  "type": "module"\n}\n' >"$scratch/package.json"
log "npm install ./$tarball (scratch project)"
(cd "$scratch" && npm install --silent --no-audit --no-fund --offline "./$tarball") || die "installing $tarball failed"
cp -R "$ROOT/tests/js/." "$scratch/"

failed=0
for file in "$scratch"/*.test.mjs "$scratch"/*.test.cjs; do
  name="$(basename "$file")"
  log "node --test $name"
  rc=0
  (cd "$scratch" && MAPI_LOGOFF_ROOT="$ROOT" node --test --test-reporter=tap --test-timeout=600000 "$name") >"$out" 2>&1 || rc=$?
  # The TAP summary: "# pass 29" / "# fail 0" (subtests are indented).
  pass="$(awk '/^# pass [0-9]+$/ { n = $3 } END { print n + 0 }' "$out")"
  fail="$(awk '/^# fail [0-9]+$/ { n = $3 } END { print n + 0 }' "$out")"
  if ((rc != 0 || fail > 0 || pass == 0)); then
    cat "$out"
    printf '%s: ERROR: %s: %s passed, %s failed, exit %s\n' "$LOG_PREFIX" "$name" "$pass" "$fail" "$rc" >&2
    failed=1
  else
    secs="$(awk '/^# duration_ms / { printf "%.1f", $3 / 1000 }' "$out")"
    log "$name: $pass passed, 0 failed (${secs}s)"
  fi
  report_tests "$pass"
done
((failed == 0)) || die "a tests/js suite failed"
