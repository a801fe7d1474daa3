#!/usr/bin/env bash
# ocpp-sim launcher: on a fresh clone it installs and builds what is missing, then runs the
# compiled CLI (no TypeScript compiler in the run path once built). Try ./start.sh --help.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAIN="$ROOT/server/dist/src/runtime/main.js"

command -v node >/dev/null 2>&1 || { echo "error: ocpp-sim needs Node.js 20 or newer (node not found)" >&2; exit 1; }

# Installation and build messages go to stderr, so stdout carries only the simulator's output.
if [ ! -d "$ROOT/node_modules" ]; then
  echo "ocpp-sim: installing dependencies (first run)..." >&2
  (cd "$ROOT" && npm ci --no-audit --no-fund </dev/null >&2)
fi
rebuild=
for arg in "$@"; do [ "$arg" = "--d" ] && rebuild=1; done
if [ -n "$rebuild" ] || [ ! -f "$MAIN" ] || [ -n "$(find "$ROOT/server/src" -newer "$MAIN" -print -quit)" ]; then
  echo "ocpp-sim: building..." >&2
  (cd "$ROOT" && ./node_modules/.bin/tsc -p tsconfig.json </dev/null >&2)
fi
exec node "$MAIN" "$@"
