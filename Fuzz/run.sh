#!/usr/bin/env bash
# Builds the SIPCore libFuzzer harness and runs it for a bounded time.
#
#   Fuzz/run.sh [SECONDS] [extra libFuzzer flags...]     (default 60 seconds)
#
# Seeds: Tests/Fixtures/messages/*.sip, plus the RFC 4475 torture messages in ../shared/conformance/rfc4475 when
# that directory exists. Exits non-zero when libFuzzer finds a crash and prints the path of the crashing input;
# turn it into an inline regression test in Tests/SIPCoreTests/FuzzResultTests.swift. To replay one input:
#
#   Fuzz/.build-fuzz/release/SIPCoreFuzz path/to/crash-<sha1>
#
# The harness traps on crashes, on a canonical form that re-parses to a different message, and on the stream framer
# and the datagram parser disagreeing about where a message ends.
set -euo pipefail

seconds="${1:-60}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

# SwiftPM renames an executable's entry point to SIPCoreFuzz_main on Linux; the harness defines it and calls
# LLVMFuzzerRunDriver, so libFuzzer's own main is not needed. -parse-as-library: the harness has no top-level code.
swift build --package-path "$here" --scratch-path "$here/.build-fuzz" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
binary="$here/.build-fuzz/release/SIPCoreFuzz"

work="$(mktemp -d "${TMPDIR:-/tmp}/sipcore-fuzz.XXXXXX")"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/Tests/Fixtures/messages/*.sip "$work/corpus/"
rfc4475="$root/../shared/conformance/rfc4475"
if [ -d "$rfc4475" ]; then cp "$rfc4475"/*.dat "$work/corpus/"; fi
echo "corpus: $(ls "$work/corpus" | wc -l) seeds in $work/corpus; artifacts in $work/artifacts"

status=0
"$binary" "$work/corpus" -dict="$here/sip.dict" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" || status=$?

crashes=("$work"/artifacts/*)
if [ "$status" -ne 0 ] || [ -e "${crashes[0]}" ]; then
    echo "FUZZ FAILURE (exit $status). Crashing input(s):" >&2
    for f in "${crashes[@]}"; do [ -e "$f" ] && echo "  $f" >&2; done
    exit "${status/#0/1}"
fi
echo "no crashes in $seconds s"
