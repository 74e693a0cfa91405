#!/usr/bin/env bash
# The disk-bound part of SpoolBenchmark, interleaved: spool and SQLite appends with ALWAYS and
# BATCH durability (the spool both growing and in steady state, its records confirmed as they
# are read), the hand-off baseline (an asynchronous committer with no spool code), and the bare
# disk's write-and-force rates, each case in a JVM of its own,
# ROUNDS times, in a rotated order every round. Prints each case's records/s per round, the
# median, and the spool/SQLite ratio per round.
#
# Why rounds: on a virtual disk the latency of a force swings by several times from one minute
# to the next (other machines share the storage), so two benchmarks run a few minutes apart
# can differ by more than the difference between the stores. Interleaving puts spool and SQLite
# under the same disk weather; the ratio per round is the comparison that holds.
#
# Settings (environment):
#   ROUNDS    rounds (default 3)
#   JAVA      java executable (default: java on the PATH)
#   JMH_OPTS  options for each JMH run (default: -wi 2 -i 3 -r 2)
#   OUT       directory for the JSON and text output (default: benchmarks/target/spool-rounds)
#
# Needs python3 for the summary. About 2.7 minutes per round on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
JAVA=${JAVA:-java}
JMH_OPTS=${JMH_OPTS:--wi 2 -i 3 -r 2}
OUT=${OUT:-benchmarks/target/spool-rounds}
JAR=benchmarks/target/benchmarks.jar

if [[ ! -f $JAR ]]; then
    ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true
fi
mkdir -p "$OUT"

# name|JMH arguments: records per operation is 1, except forceBaseline (records per force)
CASES=(
    "spool ALWAYS|SpoolBenchmark.appendSpool$ -p durability=ALWAYS"
    "spool BATCH|SpoolBenchmark.appendSpool$ -p durability=BATCH"
    "spool BATCH confirmed|SpoolBenchmark.appendSpoolConfirmed$ -p durability=BATCH"
    "hand-off baseline|SpoolBenchmark.handOffBaseline$"
    "sqlite ALWAYS|SpoolBenchmark.appendSqlite$ -p durability=ALWAYS -p rows=256"
    "sqlite BATCH 128 rows|SpoolBenchmark.appendSqlite$ -p durability=BATCH -p rows=128"
    "sqlite BATCH 256 rows|SpoolBenchmark.appendSqlite$ -p durability=BATCH -p rows=256"
    "disk append 1|SpoolBenchmark.forceBaseline$ -p file=append -p records=1"
    "disk preallocated 1|SpoolBenchmark.forceBaseline$ -p file=preallocated -p records=1"
    "disk append 128|SpoolBenchmark.forceBaseline$ -p file=append -p records=128"
    "disk preallocated 128|SpoolBenchmark.forceBaseline$ -p file=preallocated -p records=128"
)
n=${#CASES[@]}

for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round of $ROUNDS: $(uptime)"
    for ((k = 0; k < n; k++)); do
        c=${CASES[$(((k + round - 1) % n))]}
        name=${c%%|*}
        file="$OUT/round-$round-${name// /-}"
        # shellcheck disable=SC2086 # the JMH arguments are meant to split
        "$JAVA" -jar "$JAR" ${c#*|} $JMH_OPTS -rf json -rff "$file.json" > "$file.txt" 2>&1 \
            || { echo "$name failed, see $file.txt" >&2; exit 1; }
        echo "  $name done $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    done
done
echo "after the last round: $(uptime)"

python3 - "$OUT" "$ROUNDS" "${CASES[@]%%|*}" <<'EOF'
import json, statistics, sys
out, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rate = {}
for name in names:
    for r in range(1, rounds + 1):
        [res] = json.load(open(f"{out}/round-{r}-{name.replace(' ', '-')}.json"))
        per_op = int(res["params"].get("records", 1)) if res["benchmark"].endswith("forceBaseline") else 1
        rate[name, r] = res["primaryMetric"]["score"] * per_op

head = f"{'records/s':<24}" + "".join(f"{'round ' + str(r):>12}" for r in range(1, rounds + 1)) + f"{'median':>12}"
print(head)
for name in names:
    vals = [rate[name, r] for r in range(1, rounds + 1)]
    print(f"{name:<24}" + "".join(f"{v:>12,.0f}" for v in vals) + f"{statistics.median(vals):>12,.0f}")
print()
for a, b in [("spool BATCH", "sqlite BATCH 128 rows"), ("spool BATCH", "sqlite BATCH 256 rows"),
             ("spool BATCH confirmed", "sqlite BATCH 128 rows"), ("spool BATCH confirmed", "sqlite BATCH 256 rows"),
             ("hand-off baseline", "sqlite BATCH 128 rows"), ("spool ALWAYS", "sqlite ALWAYS"), ("disk append 128", "disk preallocated 128"),
             ("disk append 1", "disk preallocated 1")]:
    ratios = [rate[a, r] / rate[b, r] for r in range(1, rounds + 1)]
    print(f"{a + ' / ' + b:<46}" + "".join(f"{x:>8.2f}" for x in ratios) + f"   median {statistics.median(ratios):.2f}")
EOF
