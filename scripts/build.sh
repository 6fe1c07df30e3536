#!/usr/bin/env bash
# Builds the optimised sipflow binary (.build/release/sipflow) as the demo, the tests and bench/ use it.
#
# `-enforce-exclusivity=unchecked` drops Swift's run-time exclusivity checks (a `swift_beginAccess` call on every
# access to a class property, which the engine's shards and calls make per message). It is a build setting here,
# not in Package.swift: SwiftPM refuses a package with unsafe flags as a dependency, and every library product
# (SIPCore, SIPEngine, ...) must stay usable as one. Debug builds, which the unit tests use, keep the checks, so a
# violation still traps there. What it buys: docs/performance.md ("release builds drop the exclusivity checks").
# Usage: scripts/build.sh [extra swift build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh libpcap-dev zlib1g-dev  # the system libraries behind --pcap and analyze (CPcap; CGzipFile reads .gz captures)
exec swift build -c release --product sipflow -Xswiftc -enforce-exclusivity=unchecked "$@"
