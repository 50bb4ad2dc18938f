#!/usr/bin/env bash
# npm start: set up (fast when already done), build the wasm package if it
# is missing or stale, build the site and serve it on 127.0.0.1.
#   PORT=9000 npm start        # default port 8080
set -euo pipefail
LOG_PREFIX=start
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
export SETUP_DONE=1
bash scripts/build-site.sh

PORT="${PORT:-8080}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
log "serving dist/ at http://127.0.0.1:$PORT/  (embed: http://127.0.0.1:$PORT/?embed, custom element: http://127.0.0.1:$PORT/element.js)"
log "docs site: http://127.0.0.1:$PORT/docs/  (the protocol with a live example per rule: http://127.0.0.1:$PORT/docs/protocol.html)"
exec vite preview --host 127.0.0.1 --port "$PORT" --strictPort
