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
  (cd "$ROOT" && ./node_modules/.bin/tsc -p tsconfig.json </dev/null >&2 && node server/scripts/gen-validators.mjs </dev/null >&2)
fi

# Server mode (no script, no --stdin/--csms/--cps/--help): build the web UI and the API docs it
# serves when they are missing. A failed build is not fatal: the server then shows how to build.
server_mode=1
expect_value=
for arg in "$@"; do
  if [ -n "$expect_value" ]; then expect_value=; continue; fi
  case "$arg" in
    --stdin|--csms|--cps|-h|--h|-help|--help) server_mode=; break ;;
    --vv|--port|--host|--heartbeat-interval|--validation|--inbound-validation|--outbound-validation|--o|--log-file|--ca|--cadir|--url|--id-prefix|--profile|--state-dir|--pki-dir|--tls-cert|--tls-key|--password|--ftp-port|--security-profile|--keyStore|--keyStoreRoot|--token) expect_value=1 ;;
    -*) ;;
    *) server_mode=; break ;;
  esac
done
if [ -n "$server_mode" ]; then
  if [ ! -f "$ROOT/client/dist/index.html" ] && grep -q '"build:client"' "$ROOT/package.json"; then
    echo "ocpp-sim: building the web UI..." >&2
    (cd "$ROOT" && npm run build:client </dev/null >&2) || echo "ocpp-sim: web UI build failed (see above); serving without it" >&2
  fi
  if [ ! -f "$ROOT/docs/api/index.html" ]; then
    echo "ocpp-sim: building the API docs..." >&2
    (cd "$ROOT" && npm run docs </dev/null >&2) || echo "ocpp-sim: API docs build failed (see above); serving without them" >&2
  fi
fi
exec node "$MAIN" "$@"
