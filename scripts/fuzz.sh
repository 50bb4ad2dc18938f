#!/usr/bin/env bash
# Fuzzes every reader of outside input, for a bounded time, and prints cases,
# defects and coverage:
#  1. cargo-fuzz (libFuzzer) on the core's readers: tests/fuzz, one target per
#     reader (scenario, action, trace_line, explore_options), each corpus
#     seeded from the golden scenarios and traces in tests/scenarios;
#  2. the seeded JS fuzzer (tests/js/fuzz.mjs) over every export of the three
#     modules of the packed npm package, and over the playground's share-link
#     reader (www/share.ts), which has no Rust counterpart.
#
#   npm run fuzz                                   # both, short
#   npm run fuzz -- --cases-per-export 100000      # the JS fuzzer's long run
#   npm run fuzz -- --seconds-per-target 600 --only cargo
#
# Options: --seconds-per-target N (cargo-fuzz, default 30), --cases-per-export N
# (JS, default 2000), --seed N (JS, default 1), --only cargo|js, --target NAME
# (one cargo-fuzz target). Exit status 1 when a defect was found; crashes are
# kept in tests/fuzz/artifacts/<target>/ (turn each into a regression test),
# libFuzzer's output in tests/fuzz/logs/<target>.log.
#
# Needs the nightly toolchain and cargo-fuzz (never needed by `npm test`):
#   rustup toolchain install nightly --profile minimal && cargo install cargo-fuzz
set -euo pipefail
LOG_PREFIX=fuzz
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

seconds=30 cases=2000 seed=1 only="" one_target=""
while (($#)); do
  case "$1" in
    --seconds-per-target) seconds="${2:?}" && shift ;;
    --cases-per-export) cases="${2:?}" && shift ;;
    --seed) seed="${2:?}" && shift ;;
    --only) only="${2:?}" && shift ;;
    --target) one_target="${2:?}" && shift ;;
    *) die "unknown option $1 (see the header of scripts/fuzz.sh)" ;;
  esac
  shift
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "--seconds-per-target: expected a positive integer, got $seconds"
[[ "$cases" =~ ^[1-9][0-9]*$ ]] || die "--cases-per-export: expected a positive integer, got $cases"
[[ "$seed" =~ ^[0-9]+$ ]] || die "--seed: expected an integer, got $seed"
[[ -z "$only" || "$only" == cargo || "$only" == js ]] || die "--only: expected cargo or js, got $only"

FUZZ_DIR="$ROOT/tests/fuzz"
TARGETS=(scenario action trace_line explore_options)
[[ -z "$one_target" ]] || TARGETS=("$one_target")
defects=0
summary=()

# The corpus of each target, from the golden files (rewritten every run, so
# it follows them; libFuzzer adds what it finds next to the seeds).
seed_corpus() {
  local dir="$FUZZ_DIR/corpus"
  mkdir -p "$dir"/{scenario,action,trace_line,explore_options}
  node -e '
    const fs = require("fs"), path = require("path");
    const [scenarios, dir] = process.argv.slice(1);
    const write = (target, name, text) => fs.writeFileSync(path.join(dir, target, `seed-${name}`), text);
    for (const f of fs.readdirSync(scenarios).sort()) {
      const file = path.join(scenarios, f);
      if (f.endsWith(".trace.jsonl")) write("trace_line", f, fs.readFileSync(file));
      if (!f.endsWith(".json") || f.endsWith(".trace.json")) continue;
      const text = fs.readFileSync(file, "utf8");
      write("scenario", f, text);
      const actions = JSON.parse(text).actions ?? [];
      write("action", f, JSON.stringify(actions));
      actions.slice(0, 4).forEach((a, i) => write("action", `${f}-${i}`, JSON.stringify(a)));
    }
    const options = [
      {}, { maxDepth: 3 }, { maxStates: 50, symmetry: true }, { clientMisuse: true, maxDepth: 4 },
      { properties: ["invariants", "storesReleased", "noMessageLost", "storeLogoffTransportsOnce"] },
      { properties: [{ reachable: { call: "storeLogoff", flag: "LOGOFF_QUIET", hresult: "MAPI_E_BUSY", outFlags: "LOGOFF_INBOUND" } }] },
    ];
    options.forEach((o, i) => write("explore_options", `options-${i}.json`, JSON.stringify(o)));
  ' "$ROOT/tests/scenarios" "$dir" || die "seeding the corpus failed"
}

run_cargo_fuzz() {
  have cargo-fuzz || die "cargo-fuzz is missing: rustup toolchain install nightly --profile minimal && cargo install cargo-fuzz"
  rustup run nightly rustc --version >/dev/null 2>&1 || die "the nightly toolchain is missing: rustup toolchain install nightly --profile minimal"
  seed_corpus
  local target out
  mkdir -p "$FUZZ_DIR/logs"
  for target in "${TARGETS[@]}"; do
    out="$FUZZ_DIR/logs/$target.log"
    mkdir -p "$FUZZ_DIR/artifacts/$target"
    log "cargo +nightly fuzz run $target (${seconds}s)"
    local rc=0
    # One process (no -jobs/-workers); -max_len fits the largest golden
    # scenario; -timeout makes a hang a defect.
    cargo +nightly fuzz run --fuzz-dir "$FUZZ_DIR" "$target" "$FUZZ_DIR/corpus/$target" -- \
      -max_total_time="$seconds" -max_len=16384 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$FUZZ_DIR/artifacts/$target/" >"$out" 2>&1 || rc=$?
    local runs cov ft crashes
    runs="$(awk '/^stat::number_of_executed_units:/ { n = $NF } END { print n + 0 }' "$out")"
    cov="$(grep -oE 'cov: [0-9]+' "$out" | tail -n1 | grep -oE '[0-9]+' || echo 0)"
    ft="$(grep -oE 'ft: [0-9]+' "$out" | tail -n1 | grep -oE '[0-9]+' || echo 0)"
    crashes="$(find "$FUZZ_DIR/artifacts/$target" -type f | wc -l)"
    if ((rc != 0 || crashes > 0)); then
      tail -n 40 "$out"
      defects=$((defects + (crashes > 0 ? crashes : 1)))
    fi
    summary+=("$(printf 'cargo-fuzz %-16s %9s cases  %3s defects  coverage: %s edges, %s features  (%ss, exit %s)' \
      "$target" "$runs" "$((crashes > 0 ? crashes : (rc != 0)))" "$cov" "$ft" "$seconds" "$rc")")
  done
}

run_js_fuzz() {
  if [[ "${SKIP_WASM_BUILD:-}" != 1 ]]; then
    log "npm run build:wasm"
    npm run --silent build:wasm
  fi
  local pkg_dir="${PKG_DIR:-$CRATE_DIR/pkg}" scratch tarball out rc=0
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/mapi-logoff-fuzz.XXXXXX")"
  out="$(mktemp)"
  # shellcheck disable=SC2064 # expand now: the paths are local
  trap "rm -rf '$scratch' '$out'" EXIT
  tarball="$(cd "$pkg_dir" && npm pack --silent --pack-destination "$scratch")"
  tarball="$(basename "${tarball##*$'\n'}")"
  printf '{\n  "name": "mapi-logoff-fuzz",\n  "private": true,\n  "type": "module"\n}\n' >"$scratch/package.json"
  (cd "$scratch" && npm install --silent --no-audit --no-fund --offline "./$tarball") || die "installing $tarball failed"
  cp "$ROOT/tests/js/fuzz.mjs" "$ROOT/tests/js/support.mjs" "$scratch/"
  log "node fuzz.mjs --cases-per-export $cases --seed $seed (packed package $tarball)"
  (cd "$scratch" && MAPI_LOGOFF_ROOT="$ROOT" node fuzz.mjs --cases-per-export "$cases" --seed "$seed") | tee "$out" || rc=$?
  local line
  line="$(grep -E '^fuzz-js: total ' "$out" | tail -n1 || true)"
  [[ -n "$line" ]] || line="fuzz-js: no summary (exit $rc)"
  summary+=("${line#fuzz-js: }")
  if ((rc != 0)); then defects=$((defects + 1)); fi
}

[[ "$only" == js ]] || run_cargo_fuzz
[[ "$only" == cargo ]] || run_js_fuzz

log "=== summary ==="
for s in "${summary[@]}"; do log "$s"; done
log "defects: $defects"
((defects == 0))
