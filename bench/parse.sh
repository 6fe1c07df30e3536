#!/usr/bin/env bash
# Runs the SIPCore parse/serialize benchmarks (package-benchmark, release build) several times and prints the
# median over runs of each benchmark's p50: ops/s on one core, ns per op and mallocs per op. "best ns" is the
# median over runs of p0, a lower bound that moves less than p50 when other work shares the machine.
#
#   bench/parse.sh            # 5 runs of every benchmark
#   RUNS=3 bench/parse.sh     # fewer runs
#   FILTER='Parse.*' bench/parse.sh   # a regex matched against the whole benchmark name
#
# Needs only the Swift toolchain: package-benchmark 1.38.1 with the MallocInterposer trait counts allocations
# through its own interposer, so no jemalloc (libjemalloc-dev) or other system package is required.
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${RUNS:-5}"
FILTER="${FILTER:-.*}"
command -v swift >/dev/null || { echo "parse.sh: swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
swift build -c release --product SIPCoreBenchmarks >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
for r in $(seq 1 "$RUNS"); do
    echo "run $r/$RUNS ..." >&2
    swift package benchmark --no-progress --filter "$FILTER" >"$out/run$r.txt" 2>&1 \
        || { cat "$out/run$r.txt" >&2; exit 1; }
done

# Each run's text report: a benchmark's name, then a table whose rows are '│ Metric │ p0 │ p25 │ p50 │ …'.
cat "$out"/run*.txt | awk -F'│' '
    /^╒/ { name = prev }
    { prev = $0 }
    NF > 5 {
        metric = $2; gsub(/^ +| +$/, "", metric); p50 = $5; gsub(/ /, "", p50)
        p0 = $3; gsub(/ /, "", p0)
        if (metric ~ /^Time \(wall clock\)/) { print name "\tns\t" p50; print name "\tbest\t" p0 }
        if (metric ~ /^Malloc \(total\)/)   print name "\tmallocs\t" p50
    }' >"$out/samples.tsv"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-30s %14s %10s %12s %10s\n' "benchmark" "ops/s per core" "ns/op" "mallocs/op" "best ns"
cut -f1 "$out/samples.tsv" | sort -u | while IFS= read -r name; do
    pick() { awk -F'\t' -v n="$name" -v k="$1" '$1 == n && $2 == k { print $3 }' "$out/samples.tsv" | median; }
    ns=$(pick ns); mallocs=$(pick mallocs); best=$(pick best)
    printf '%-30s %14.0f %10s %12s %10s\n' "$name" "$(awk -v ns="$ns" 'BEGIN { print 1e9 / ns }')" "$ns" "$mallocs" "$best"
done
echo "(median of $RUNS runs of each benchmark's p50; $(nproc) cores, one used; $(date -u +%Y-%m-%dT%H:%MZ))"
