#!/usr/bin/env bash
# Runs every test: the Swift test suite (unit tests, then interop tests against SIPp and Kamailio driving a release
# build of sipflow at full rate), a smoke run of the SIPp side-by-side benchmark (bench/calls.py --quick: every
# comparison runs and no call fails; the targets are for the full run) and of the kernel-share benchmark
# (bench/kernel.py --quick: every run is sampled by perf) and of the capture-analysis benchmark (bench/analyze.py
# --quick: sipflow analyze, tshark and sngrep on one SIPp capture), then a bounded libFuzzer run of the parser.
# Installs what the tests need when it is missing. Usage: scripts/test.sh [FUZZ_SECONDS, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds="${1:-60}"

bash scripts/deps.sh ca-certificates sip-tester kamailio time python3 linux-perf util-linux libpcap-dev zlib1g-dev tshark sngrep

# The interop tests run sipflow at 1,000 calls/s, which wants an optimised build (a debug build runs them at a
# tenth of the rate).
bash scripts/build.sh
export SIPFLOW_BIN="$PWD/.build/release/sipflow"

swift build --build-tests
log="$(mktemp)"
swift test --skip-build 2>&1 | tee "$log"

python3 bench/calls.py --quick
python3 bench/kernel.py --quick
python3 bench/analyze.py --quick

bash Fuzz/run.sh "$fuzz_seconds"

# The suite's verdict, last, so it is not buried under the fuzzer's output.
summary=$(grep -E "Test run with [0-9]+ tests" "$log" | tail -1)
passed=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests.* passed .*/\1/p')
rm -f "$log"
[ -n "$passed" ] || { echo "tests: the Swift test run did not report a pass" >&2; exit 1; }
echo "tests: $passed passed, 0 failed"
