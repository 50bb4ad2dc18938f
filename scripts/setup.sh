#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine with
# rustup and Node 20 / npm 11, and verifies it. Idempotent: each step is
# skipped when the right version is already there (a warm run is well under
# a second). Honours CRATE_DIR (default: repo root) for the wasm-bindgen pin.
set -euo pipefail
LOG_PREFIX=setup
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# --- Node / npm (not installed here: the machine image provides them) -------
have node || die "node not found (need Node >= 20.19)"
have npm || die "npm not found (need npm >= 11)"
node_v="$(node -v)"
node_v="${node_v#v}"
IFS=. read -r node_major node_minor _ <<<"$node_v"
if ((node_major < 20 || (node_major == 20 && node_minor < 19))); then
  die "Node $node_v is too old: vite 8 needs >= 20.19"
fi

# --- Rust toolchain, components, wasm target -------------------------------
have rustup || die "rustup not found (install Rust with rustup first)"
cd "$CRATE_DIR" # so a rust-toolchain.toml there selects the toolchain
if ! sysroot="$(rustc --print sysroot 2>/dev/null)"; then
  log "installing the toolchain rustup selects here"
  rustup toolchain install || die "rustup could not install the toolchain"
  sysroot="$(rustc --print sysroot)" || die "rustc still does not run"
fi
if [[ ! -x "$sysroot/bin/rustfmt" || ! -x "$sysroot/bin/cargo-clippy" ]]; then
  log "adding rustup components rustfmt, clippy"
  rustup component add rustfmt clippy || die "rustup could not add rustfmt and clippy"
fi
if [[ ! -d "$sysroot/lib/rustlib/$WASM_TARGET/lib" ]]; then
  log "adding rustup target $WASM_TARGET"
  rustup target add "$WASM_TARGET" || die "rustup could not add target $WASM_TARGET"
fi
log "rust $(basename "$sysroot") + rustfmt, clippy, $WASM_TARGET ok"

# --- cargo-installed CLIs ---------------------------------------------------
# prints the version a CLI reports ("wasm-bindgen 0.2.130" -> 0.2.130), or nothing
cli_version() { "$1" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true; }

want_wb="$(wasm_bindgen_version "$CRATE_DIR")"
if [[ "$(cli_version wasm-bindgen)" != "$want_wb" ]]; then
  log "installing wasm-bindgen-cli $want_wb (cargo install, a few minutes)"
  # No --locked: with it the install fails (a pinned transitive version is
  # missing from the registry).
  cargo install --force wasm-bindgen-cli --version "=$want_wb" ||
    die "cargo install wasm-bindgen-cli =$want_wb failed"
  got="$(cli_version wasm-bindgen)"
  [[ "$got" == "$want_wb" ]] ||
    die "wasm-bindgen on PATH ($(command -v wasm-bindgen || echo none)) reports '${got:-nothing}', want $want_wb"
fi
log "wasm-bindgen $want_wb ok"

if [[ "$(cli_version wasm-pack)" != "$WASM_PACK_VERSION" ]]; then
  log "installing wasm-pack $WASM_PACK_VERSION (cargo install, a few minutes)"
  cargo install --force wasm-pack --version "=$WASM_PACK_VERSION" --locked ||
    die "cargo install wasm-pack =$WASM_PACK_VERSION failed"
  got="$(cli_version wasm-pack)"
  [[ "$got" == "$WASM_PACK_VERSION" ]] ||
    die "wasm-pack on PATH ($(command -v wasm-pack || echo none)) reports '${got:-nothing}', want $WASM_PACK_VERSION"
fi
log "wasm-pack $WASM_PACK_VERSION ok"

# --- Chromium + chromedriver (Debian's; never a downloaded browser) ---------
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  have apt-get || die "chromium/chromedriver missing and no apt-get to install them"
  log "installing chromium, chromium-driver (apt)"
  as_root apt-get update -qq || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-liberation || die "apt-get install chromium chromium-driver failed"
  [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] ||
    die "apt finished but /usr/bin/chromium or /usr/bin/chromedriver is still missing"
fi
log "chromium + chromedriver ok"

# --- npm dev dependencies ----------------------------------------------------
cd "$ROOT"
stamp=node_modules/.package-lock.json
if [[ ! -f package-lock.json ]]; then
  log "no package-lock.json: npm install"
  npm install --no-audit --no-fund || die "npm install failed"
elif [[ ! -f "$stamp" || package-lock.json -nt "$stamp" || package.json -nt "$stamp" ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund || die "npm ci failed (is package-lock.json in sync with package.json? run npm install)"
fi
[[ -f "$stamp" ]] || die "npm left no $stamp"

# wasm-opt must be npm's binaryen (node_modules/.bin is first on PATH), never
# Debian's: its wasm-opt 108 silently produces modules that fail to load.
wasm_opt="$(command -v wasm-opt || true)"
[[ "$wasm_opt" == "$ROOT/node_modules/.bin/wasm-opt" ]] ||
  die "wasm-opt resolves to '${wasm_opt:-nothing}', expected $ROOT/node_modules/.bin/wasm-opt (npm binaryen)"
want_bin="$(sed -nE 's/^[[:space:]]*"binaryen":[[:space:]]*"[^0-9]*([0-9]+).*/\1/p' package.json | head -n1)"
got_bin="$(sed -nE 's/^[[:space:]]*"version":[[:space:]]*"([0-9]+).*/\1/p' node_modules/binaryen/package.json | head -n1)"
[[ -n "$got_bin" && "$got_bin" == "$want_bin" ]] ||
  die "node_modules/binaryen is version '${got_bin:-missing}', package.json wants $want_bin: run npm ci"
log "npm deps ok (wasm-opt = binaryen $got_bin from node_modules)"
