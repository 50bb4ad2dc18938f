#!/usr/bin/env bash
# End-to-end tests of the playground: builds the site (scripts/build-site.sh),
# serves dist/ on 127.0.0.1 and drives Debian's Chromium with playwright-core
# (tests/e2e/playground.test.mjs, node:test). Compares what the page shows
# with the engine in Node, checks undo/redo, share links, embed mode, the
# custom element, the outcome matrix, hostile fragments, console errors and
# axe-core; checks the "Check a trace" tab against the checker in Node
# (tests/e2e/check.test.mjs); checks the "Explore" tab (its worker, progress,
# cancel, counterexamples loaded and shared) against the explorer in Node
# (tests/e2e/explore.test.mjs); measures load time and the cost of an action
# with 1,000 messages; saves screenshots to dist/screenshots/.
set -euo pipefail
LOG_PREFIX=e2e
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is missing (run npm run setup)"
bash scripts/build-site.sh

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
node --test --test-reporter=tap --test-concurrency=1 --test-timeout=600000 tests/e2e/playground.test.mjs tests/e2e/check.test.mjs tests/e2e/explore.test.mjs tests/e2e/newcomer.test.mjs tests/e2e/docs.test.mjs 2>&1 | tee "$out" || rc=$?

count() { awk -v k="$1" '$1 == "#" && $2 == k { n = $3 } END { print n + 0 }' "$out"; }
tests="$(count tests)"
passed="$(count pass)"
failed="$(count fail)"
report_tests "$tests"
if [[ -f dist/screenshots/metrics.json ]]; then
  log "metrics: $(tr -d '\n ' <dist/screenshots/metrics.json)"
fi
log "screenshots: $(cd dist/screenshots 2>/dev/null && ls ./*.png 2>/dev/null | tr '\n' ' ')"
((tests > 0)) || die "the e2e run executed zero tests"
((failed == 0 && rc == 0)) || die "$failed of $tests e2e tests failed (node exit $rc)"
log "$passed of $tests e2e tests passed"
