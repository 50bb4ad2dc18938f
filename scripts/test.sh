#!/usr/bin/env bash
# Runs setup, then every test stage scripts/test.d/NN-name.sh (executable,
# in sorted order), and ends with the line "N passed, N failed" (stages).
# Exits non-zero if a stage failed or a test stage executed zero tests.
#   TEST_ONLY=native,wasm npm test     # a subset; see scripts/test.d/README.md
set -euo pipefail
LOG_PREFIX="test"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if ! bash scripts/setup.sh; then
  log "setup failed; no stage ran"
  echo "0 passed, 1 failed"
  exit 1
fi
export SETUP_DONE=1

# Is stage NN-name selected by TEST_ONLY (comma-separated; a token selects a
# stage when it equals NN, the name, NN-name, or is a leading dash-separated
# part of the name: "wasm" selects wasm-node and wasm-browser)?
selected() {
  local nn="$1" name="$2" tok
  [[ -z "${TEST_ONLY:-}" ]] && return 0
  IFS=, read -r -a toks <<<"$TEST_ONLY"
  for tok in "${toks[@]}"; do
    tok="${tok//[[:space:]]/}"
    [[ -n "$tok" ]] || continue
    if [[ "$tok" == "$nn" || "$tok" == "$name" || "$tok" == "$nn-$name" || "$name" == "$tok"-* ]]; then
      return 0
    fi
  done
  return 1
}

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
passed=0 failed=0
results=() skipped=()
shopt -s nullglob
for stage in scripts/test.d/[0-9][0-9]-*.sh; do
  if [[ ! -x "$stage" ]]; then
    log "ignoring $stage: not executable (chmod +x it)"
    continue
  fi
  base="$(basename "$stage" .sh)"
  nn="${base%%-*}" name="${base#*-}"
  if ! selected "$nn" "$name"; then
    skipped+=("$base")
    continue
  fi
  log "=== stage $base ==="
  : >"$report"
  start=$SECONDS
  rc=0
  STAGE_REPORT="$report" "$stage" || rc=$?
  secs=$((SECONDS - start))
  tests="$(awk '{ n += $1 } END { print n + 0 }' "$report")"
  reported="$([[ -s "$report" ]] && echo yes || echo no)"
  status=ok
  if ((rc != 0)); then
    status="FAILED (exit $rc)"
  elif grep -q '^# stage: no-tests' "$stage"; then
    tests="-"
  elif [[ "$reported" == no ]]; then
    status="FAILED (reported no test count: call report_tests)"
  elif ((tests == 0)); then
    status="FAILED (executed zero tests)"
  fi
  if [[ "$status" == ok ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  results+=("$(printf '%-22s %5s tests %5ss  %s' "$base" "$tests" "$secs" "$status")")
done

echo
log "=== summary ==="
for r in "${results[@]}"; do log "$r"; done
((${#skipped[@]} == 0)) || log "not selected by TEST_ONLY=${TEST_ONLY:-}: ${skipped[*]}"
if ((passed + failed == 0)); then
  log "no stage ran (TEST_ONLY=${TEST_ONLY:-} matched nothing?)"
  echo "0 passed, 0 failed"
  exit 1
fi
echo "$passed passed, $failed failed"
((failed == 0))
