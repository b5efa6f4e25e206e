#!/usr/bin/env bash
# Compares ingest builds on one input, interleaved round by round so the machine's drift touches each alike;
# prints the median wall and CPU (user + system) seconds of each. Used to measure one change at a time:
#   cargo build --release -p fulcrum-intake --example ingest && cp target/release/examples/ingest /tmp/ingest-new
#   bench/ingest_ab.sh 5 bench/out/gdelt2-2000000.export.CSV /tmp/ingest-old /tmp/ingest-new
# Each binary is run as `BINARY STORE INPUT` (the intake example's arguments) into a fresh store.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 ROUNDS INPUT BINARY..." >&2
    exit 2
fi
rounds=$1 input=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for _ in $(seq "$rounds"); do
    for bin in "$@"; do
        rm -rf "$work/store"
        /usr/bin/time -f "$bin %e %U %S" -a -o "$work/times" "$bin" "$work/store" "$input" >/dev/null
    done
done
python3 - "$work/times" "$@" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip() and not line.startswith("Command")]
for binary in sys.argv[2:]:
    runs = [r for r in rows if r[0] == binary]
    wall = statistics.median(float(r[1]) for r in runs)
    cpu = statistics.median(float(r[2]) + float(r[3]) for r in runs)
    print(f"{binary}: wall {wall:.2f} s, CPU {cpu:.2f} s (median of {len(runs)})")
PY
