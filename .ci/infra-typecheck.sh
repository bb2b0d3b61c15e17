#!/usr/bin/env bash
# Offline check of the SST infrastructure (sst.config.ts + stacks/), without AWS and without deploying:
#   1. `sst install` writes SST's platform (components, Pulumi providers, and the globals `$config`, `sst`, `aws`,
#      `$app`, ...) to .sst/platform. It needs the npm registry, nothing else; about 30 s the first time.
#   2. tsc type-checks sst.config.ts and stacks/ against those types with stacks/tsconfig.json.
# The platform ships TypeScript sources, so tsc checks them too; they do not pass this project's stricter flags
# (verbatimModuleSyntax, noUncheckedIndexedAccess, ...), so diagnostics inside .sst/ are counted and reported,
# while any diagnostic in the project's own files fails the check.
# Usage: bash .ci/infra-typecheck.sh   (from anywhere; safe to run repeatedly)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fail() {
  echo "infra-typecheck: FAILED: $*" >&2
  exit 1
}

started=$SECONDS
export SST_SKIP_DEPENDENCY_CHECK=1 # do not download Pulumi/Bun binaries from GitHub (no internet here)
export SST_NO_BUN=1                # install the platform's dependencies with npm
export SST_TELEMETRY_DISABLED=1

[ -x node_modules/.bin/sst ] || fail "node_modules/.bin/sst is missing: run 'npm ci' first"

# Without a reachable registry npm keeps retrying for a long time; bound it (the whole process group).
install_timeout="${INFRA_INSTALL_TIMEOUT_SECONDS:-600}"
install_log="$(mktemp)"
tsc_out="$(mktemp)"
trap 'rm -f "$install_log" "$tsc_out"' EXIT
echo "infra-typecheck: sst install --stage ci (at most ${install_timeout}s) ..."
set +e
timeout --kill-after=15 "$install_timeout" npx --no-install sst install --stage ci --print-logs >"$install_log" 2>&1
install_status=$?
set -e
if [ "$install_status" -eq 124 ] || [ "$install_status" -eq 137 ]; then
  tail -n 40 "$install_log" >&2
  fail "'sst install' did not finish within ${install_timeout}s (is the npm registry reachable? log tail above)"
elif [ "$install_status" -ne 0 ]; then
  tail -n 80 "$install_log" >&2
  fail "'sst install' exited with status $install_status (it needs the npm registry and npm on PATH; log tail above)"
fi

# `sst install` can report success and still leave no usable platform (e.g. an interrupted earlier run);
# check for the files the type-check depends on rather than trusting its exit code alone.
missing=()
for file in \
  .sst/platform/config.d.ts \
  .sst/platform/src/global.d.ts \
  .sst/platform/src/components/aws/index.ts \
  .sst/platform/node_modules/@pulumi/pulumi/index.d.ts \
  .sst/platform/node_modules/@pulumi/aws/index.d.ts; do
  [ -s "$file" ] || missing+=("$file")
done
if [ ${#missing[@]} -gt 0 ]; then
  tail -n 80 "$install_log" >&2
  fail "'sst install' did not produce the platform types: missing ${missing[*]}"
fi
installed_at=$SECONDS
echo "infra-typecheck: platform $(cat .sst/platform/version 2>/dev/null || echo '?') installed in $((installed_at - started))s"

set +e
npx --no-install tsc -p stacks/tsconfig.json --noEmit --pretty false >"$tsc_out" 2>&1
tsc_status=$?
set -e

# One diagnostic starts at a line "path(line,col): error TSnnnn: ..." (or "error TSnnnn: ..." when global);
# indented lines continue it. Keep the project's own diagnostics, count the platform's.
own="$(awk '
  /^[^ \t].*\([0-9]+,[0-9]+\): error TS[0-9]+/ { keep = ($0 !~ /^\.sst\//); if (keep) print; next }
  /^error TS[0-9]+/                             { keep = 1; print; next }
  /^[ \t]/                                      { if (keep) print; next }
' "$tsc_out")"
platform_count="$(grep -cE '^\.sst/.*\([0-9]+,[0-9]+\): error TS' "$tsc_out" || true)"

if [ -n "$own" ]; then
  echo "$own" >&2
  fail "type errors in sst.config.ts / stacks/ (above)"
fi
if [ "$tsc_status" -ne 0 ] && [ "$platform_count" -eq 0 ]; then
  cat "$tsc_out" >&2
  fail "tsc exited with status $tsc_status without a diagnostic (above)"
fi

echo "infra-typecheck: OK: sst.config.ts and stacks/ type-check against the SST platform" \
  "(${platform_count} diagnostics inside .sst/ ignored; type-check $((SECONDS - installed_at))s, total $((SECONDS - started))s)"
