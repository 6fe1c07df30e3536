#!/usr/bin/env bash
# The main job on loopback, self-contained: builds sipflow, starts `sipflow serve basic-call` (the callee) and runs
# `sipflow run basic-call` (the caller) against it for about 10 seconds, then prints both summaries.
# Usage: scripts/demo.sh [RATE, default 200 calls/s]
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-200}"

bash scripts/deps.sh ca-certificates
bash scripts/build.sh
bin=.build/release/sipflow
work="$(mktemp -d "${TMPDIR:-/tmp}/sipflow-demo.XXXXXX")"

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 15060)
echo "== sipflow serve basic-call --listen 127.0.0.1:$port   (the callee, in the background)"
"$bin" serve basic-call --listen "127.0.0.1:$port" --plain --report "$work/serve.json" > "$work/serve.out" 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null || true' EXIT
sleep 1

echo "== sipflow run basic-call --target 127.0.0.1:$port --rate $rate --duration 10s   (the caller)"
status=0
"$bin" run basic-call --target "127.0.0.1:$port" --rate "$rate" --duration 10s --report "$work/run.json" \
    --fail-if 'failed > 0' --fail-if 'p99(setup) > 200ms' || status=$?

kill -INT "$serve"
wait "$serve" || true
trap - EXIT
echo
echo "== the callee's summary (sipflow serve)"
sed -n '/^Run$/,$p' "$work/serve.out"
echo
echo "JSON reports: $work/run.json $work/serve.json"
exit "$status"
