#!/usr/bin/env bash
# JdbcTimeSeriesStore on H2 (a file under java.io.tmpdir) and on PostgreSQL (a private server the
# benchmark starts itself with the testkit's PostgresServer, PostgreSQL's default settings: every
# commit is fsynced), each backend in a JVM of its own, one after the other:
#   write  readings/s through JdbcTimeSeriesStore.write in batches, against the naive peer (plain
#          JDBC, auto-commit, one INSERT per row), alternating which goes first, ROUNDS times
#   sink   readings/s through TimeSeriesSink on the store, JSON messages in, 1000 in flight
#   load   LOAD rows with INSERT ... SELECT from the database's generator (timed on its own)
#   query  latency of daily (Europe/Berlin and UTC), statistics, recent and devices over them
# See the class comment of dev.edgeflow.benchmarks.timeseries.JdbcStoreBenchMain for details.
#
# Settings (environment):
#   BACKENDS   which backends, in order (default: "h2 postgres")
#   READINGS   readings per round through the store (default 200000; 3 rows each)
#   NAIVE_H2, NAIVE_PG  readings per round through the naive peer (defaults 20000 and 3000:
#              on PostgreSQL each row is a commit, and a commit an fsync)
#   BATCH      readings per write (default 500)
#   ROUNDS     rounds of the write comparison (default 3)
#   SINK       readings through the sink (default 200000)
#   LOAD       rows loaded for the queries (default 10000000)
#   QUERIES    timed runs of each query (default 5)
#   JAVA       java executable (default: java on the PATH)
#   OUT        directory for the output (default: benchmarks/target/timeseries-jdbc)
#
# PostgreSQL is looked for in /usr/lib/postgresql/*/bin and on the PATH; run as root, it is started
# as the postgres user. About 4 minutes for H2 and 2 for PostgreSQL on 2 cores with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${BACKENDS:-h2 postgres}
READINGS=${READINGS:-200000}
NAIVE_H2=${NAIVE_H2:-20000}
NAIVE_PG=${NAIVE_PG:-3000}
BATCH=${BATCH:-500}
ROUNDS=${ROUNDS:-3}
SINK=${SINK:-200000}
LOAD=${LOAD:-10000000}
QUERIES=${QUERIES:-5}
JAVA=${JAVA:-java}
OUT=${OUT:-benchmarks/target/timeseries-jdbc}
JAR=benchmarks/target/benchmarks.jar

if [[ ! -f $JAR ]]; then
    ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true
fi
mkdir -p "$OUT"

for backend in $BACKENDS; do
    naive=$NAIVE_H2
    [[ $backend == postgres ]] && naive=$NAIVE_PG
    echo "$backend: $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$JAVA" -Xms2g -Xmx2g -cp "$JAR" dev.edgeflow.benchmarks.timeseries.JdbcStoreBenchMain --backend "$backend" \
        --readings "$READINGS" --naive "$naive" --batch "$BATCH" --rounds "$ROUNDS" --sink "$SINK" \
        --load "$LOAD" --queries "$QUERIES" 2>&1 | tee "$OUT/$backend.txt"
done
echo "done $(date +%T); output in $OUT"
