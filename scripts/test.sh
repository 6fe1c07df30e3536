#!/usr/bin/env bash
# Runs every test: the Swift test suite (unit tests, then interop tests against SIPp and Kamailio driving a release
# build of sipflow at full rate), then a bounded libFuzzer run of the parser.
# Installs what the tests need when it is missing. Usage: scripts/test.sh [FUZZ_SECONDS, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds="${1:-60}"

bash scripts/deps.sh ca-certificates sip-tester kamailio

# The interop tests run sipflow at 1,000 calls/s, which wants an optimised build (a debug build runs them at a
# tenth of the rate).
swift build -c release --product sipflow
export SIPFLOW_BIN="$PWD/.build/release/sipflow"

swift build --build-tests
swift test --skip-build

bash Fuzz/run.sh "$fuzz_seconds"
