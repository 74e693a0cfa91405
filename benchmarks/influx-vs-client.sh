#!/usr/bin/env bash
# edgeflow's InfluxDbStore against the official InfluxDB 1.x Java client (org.influxdb:influxdb-java,
# blocking InfluxDB.write(BatchPoints)), end to end into a private influxd started by this script:
# POINTS readings in batches of BATCH from one thread, alternating which goes first, ROUNDS times,
# with gzip on and off (GZIP_LIST). Prints RESULT lines: points/s of each and the ratio
# edgeflow / client per round, and the medians; and the CPU seconds influxd used.
#
#   benchmarks/influx-vs-client.sh                       # 200 000 points, batches of 500, 3 rounds
#   POINTS=50000 ROUNDS=1 GZIP_LIST=true benchmarks/influx-vs-client.sh
#
# Needs influxd 1.x (apt-get install -y influxdb; INFLUXD names it) and python3 (free ports).
# JAVA picks the JVM. The system's influxdb service is left alone: this influxd has its own
# config, data and ports in a temporary folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
POINTS=${POINTS:-200000}
BATCH=${BATCH:-500}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-50000}
GZIP_LIST=${GZIP_LIST:-"true false"}
INFLUXD=${INFLUXD:-/usr/bin/influxd}

[[ -x $INFLUXD ]] || { echo "influxd is not at $INFLUXD: apt-get install -y influxdb, or set INFLUXD" >&2; exit 2; }
[[ -f $JAR ]] || (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; [[ -n ${KEEP_TMP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"; }
trap cleanup EXIT

# Sets $url and $influxd_pid. Not called in $( ): the pid must reach the cleanup's list.
start_influxd() {
    local dir=$TMP/influxd-$1 port rpc
    mkdir -p "$dir"
    port=$(free_port); rpc=$(free_port)
    cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
  logging-enabled = false
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
CONF
    "$INFLUXD" -config "$dir/influxdb.conf" > "$dir/influxd.log" 2>&1 &
    influxd_pid=$!
    pids+=("$influxd_pid")
    url="http://127.0.0.1:$port"
    for _ in $(seq 1 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/ping" || true) == 204 ]] && return 0
        kill -0 "$influxd_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "influxd did not answer /ping on $url:" >&2; cat "$dir/influxd.log" >&2; exit 1
}

cpu_seconds() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }

echo "InfluxDbStore against influxdb-java, $POINTS points in batches of $BATCH, $ROUNDS rounds" \
     "($("$JAVA" -version 2>&1 | head -1); $("$INFLUXD" version))"
for gzip in $GZIP_LIST; do
    start_influxd "gzip-$gzip"
    before=$(cpu_seconds "$influxd_pid")
    "$JAVA" -Xmx1g -cp "$JAR" dev.edgeflow.benchmarks.timeseries.InfluxWriteBenchMain --url "$url" \
        --points "$POINTS" --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP" --gzip "$gzip" | grep RESULT
    after=$(cpu_seconds "$influxd_pid")
    echo "influxd CPU for gzip=$gzip (warm-up and both paths): $(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", a - b }') s"
    kill "$influxd_pid"; wait "$influxd_pid" 2>/dev/null || true
done
