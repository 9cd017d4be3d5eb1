#!/bin/sh
# `npm run bench [-- options]`: compiles bench/*.ts with the repo's tsc into bench/.cache/js, then runs the
# orchestrator. The orchestrator pins itself (the load generator) to one core and the servers to the other.
set -e
cd "$(dirname "$0")/.."
# 10,000 client sockets live in one process (and as many in the server): raise the open-files limit to the hard one.
hard=$(ulimit -Hn)
if [ "$hard" = "unlimited" ]; then hard=1048576; fi
ulimit -n "$hard" 2>/dev/null || true
node_modules/.bin/tsc -p bench/tsconfig.json
exec node bench/.cache/js/run.js "$@"
