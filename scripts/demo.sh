#!/usr/bin/env bash
# The main job, self-contained: builds sipflow and lints the sample messages in captures/messages/.
# Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product sipflow
bin=.build/release/sipflow

echo "== sipflow lint captures/messages/*.sip"
status=0
"$bin" lint captures/messages/*.sip || status=$?
echo "== exit code $status (1: options-broken.sip has errors, on purpose)"
echo
echo "== sipflow rules (first 10 of $("$bin" rules | wc -l))"
"$bin" rules | head -10
