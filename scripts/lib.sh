# shellcheck shell=bash
# Shared helpers for scripts/*.sh and scripts/test.d/*.sh. Source it; don't run it.
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"          (from scripts/)
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"       (from scripts/test.d/)

# Tool pins that live nowhere else. The wasm-bindgen version is NOT pinned
# here: it is read from the crate's Cargo.lock (or its Cargo.toml pin).
export WASM_PACK_VERSION="0.15.1"
export WASM_TARGET="wasm32-unknown-unknown"

# Repository root (scripts/..), and the crate being built (default: the repo).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE_DIR="$(cd "${CRATE_DIR:-$ROOT}" && pwd)"
export ROOT CRATE_DIR

LOG_PREFIX="${LOG_PREFIX:-$(basename "$0" .sh)}"

log() { printf '%s: %s\n' "$LOG_PREFIX" "$*"; }
die() {
  printf '%s: ERROR: %s\n' "$LOG_PREFIX" "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# node_modules/.bin goes FIRST: wasm-opt must be npm's binaryen, never
# Debian's (wasm-opt 108 emits modules that fail to instantiate). Then the
# cargo install root, for wasm-bindgen and wasm-pack.
path_prepend() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
  esac
}
path_prepend "${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
path_prepend "$ROOT/node_modules/.bin"
export PATH

# The wasm-bindgen version the crate needs: Cargo.lock's entry if there is a
# lockfile, else the exact pin (=X.Y.Z) in Cargo.toml.
wasm_bindgen_version() {
  local dir="${1:-$CRATE_DIR}" v=""
  if [[ -f "$dir/Cargo.lock" ]]; then
    v="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' "$dir/Cargo.lock")"
  fi
  if [[ -z "$v" && -f "$dir/Cargo.toml" ]]; then
    v="$(grep -E '^[[:space:]]*wasm-bindgen[[:space:]]*=' "$dir/Cargo.toml" | head -n1 |
      grep -oE '=[[:space:]]*[0-9]+\.[0-9]+\.[0-9]+' | tr -d '= ' || true)"
  fi
  [[ -n "$v" ]] || die "cannot find the wasm-bindgen version in $dir/Cargo.lock or an exact pin (=X.Y.Z) in $dir/Cargo.toml"
  printf '%s\n' "$v"
}

# For test stages: record how many tests this stage executed. scripts/test.sh
# sets STAGE_REPORT and fails a test stage that reports none or zero.
report_tests() {
  local n="$1"
  [[ "$n" =~ ^[0-9]+$ ]] || die "report_tests: not a count: $n"
  if [[ -n "${STAGE_REPORT:-}" ]]; then printf '%s\n' "$n" >>"$STAGE_REPORT"; fi
  log "$n tests executed"
}
