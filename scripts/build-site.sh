#!/usr/bin/env bash
# Builds the playground as a static site in dist/ (npm run build): the wasm
# package first when pkg/ is missing or older than the crate's sources, then
# a strict type check of www/, then Vite. dist/ has relative asset paths
# (base './'), so any static server or docs site can host it as it is.
# Then the docs site into dist/docs/ (docs/site/README.md): its script with
# Vite, the JS API with typedoc, the pages with docs/site/build.mjs, and the
# offline search index with pagefind.
#
# Env: SKIP_WASM_BUILD=1 never rebuilds pkg/ (it must exist); SETUP_DONE=1
# (passed on to scripts/build-wasm.sh, which then skips scripts/setup.sh).
set -euo pipefail
LOG_PREFIX=build-site
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

wasm="pkg/mapi_logoff_bg.wasm"
stale=""
if [[ ! -f "$wasm" || ! -f pkg/mapi_logoff.js || ! -f pkg/mapi_logoff.d.ts ]]; then
  stale="pkg/ is missing"
elif [[ "${SKIP_WASM_BUILD:-}" != 1 ]]; then
  newer="$(find src Cargo.toml Cargo.lock -newer "$wasm" -type f -print -quit 2>/dev/null || true)"
  [[ -z "$newer" ]] || stale="$newer is newer than $wasm"
fi
if [[ -n "$stale" ]]; then
  [[ "${SKIP_WASM_BUILD:-}" != 1 || ! -f "$wasm" ]] || die "SKIP_WASM_BUILD=1 but $stale"
  log "building the wasm package ($stale)"
  bash "$ROOT/scripts/build-wasm.sh" || die "the wasm build failed"
fi

[[ -x node_modules/.bin/vite && -x node_modules/.bin/tsc ]] || die "node_modules is missing vite or typescript: run npm run setup"

log "tsc --noEmit (strict) on www/"
tsc --noEmit -p tsconfig.json || die "type errors in www/"

log "vite build -> dist/"
vite build --logLevel warn || die "vite build failed"
[[ -f dist/index.html && -f dist/element.js ]] || die "vite left no dist/index.html or dist/element.js"

# typedoc lives in its own small package (docs/site/typedoc/): it needs the
# TypeScript 5/6 compiler API, which the workspace's TypeScript 7 lacks.
typedoc_dir=docs/site/typedoc
if [[ ! -x "$typedoc_dir/node_modules/.bin/typedoc" || "$typedoc_dir/package-lock.json" -nt "$typedoc_dir/node_modules/.package-lock.json" ]]; then
  log "npm ci in $typedoc_dir (typedoc)"
  npm ci --prefix "$typedoc_dir" --no-audit --no-fund --loglevel=error || die "npm ci in $typedoc_dir failed"
fi
[[ -x node_modules/.bin/pagefind ]] || die "node_modules is missing pagefind: run npm run setup"

log "tsc --noEmit (strict) on docs/site/"
tsc --noEmit -p docs/site/tsconfig.json || die "type errors in docs/site/"

log "vite build (docs script) -> dist/docs/assets/"
vite build --config docs/site/vite.config.ts --logLevel warn || die "the docs site's vite build failed"

api_md="$(mktemp -d)"
trap 'rm -rf "$api_md"' EXIT
log "typedoc -> the JS API pages"
(cd "$typedoc_dir" && node_modules/.bin/typedoc --options typedoc.json --out "$api_md" --treatWarningsAsErrors) || die "typedoc failed"

log "docs pages -> dist/docs/"
node docs/site/build.mjs --api-md "$api_md" || die "the docs pages failed to build"

log "pagefind -> dist/docs/pagefind/"
pagefind --site dist/docs --output-subdir pagefind --quiet || die "pagefind failed"
[[ -f dist/docs/index.html && -f dist/docs/protocol.html && -f dist/docs/pagefind/pagefind.js ]] || die "the docs site is incomplete"

log "site built: dist/ ($(du -sh dist | cut -f1)); the custom element is dist/element.js; the docs are dist/docs/"
