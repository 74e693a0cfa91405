#!/usr/bin/env bash
# edgeflow's PubSubSink against a bare google-cloud-pubsub Publisher with the same batching and
# flow control, in one run against one Pub/Sub emulator; then the local-to-cloud bridge end to
# end (Mosquitto -> edgeflow -> emulator). Prints RESULT lines: msg/s of each path and the
# ratio sink / bare per round, and the bridge's msg/s per round.
#
#   benchmarks/pubsub-vs-publisher.sh                     # 100 000 messages, 3 rounds
#   MESSAGES=20000 ROUNDS=1 benchmarks/pubsub-vs-publisher.sh
#
# Needs the emulator (google-cloud-cli-pubsub-emulator: EMULATOR names its launcher) and
# Mosquitto (MOSQUITTO). JAVA picks the JVM.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
MESSAGES=${MESSAGES:-100000}
ROUNDS=${ROUNDS:-3}
EMULATOR=${EMULATOR:-/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}

[[ -x $EMULATOR ]] || { echo "the Pub/Sub emulator is not at $EMULATOR: set EMULATOR" >&2; exit 2; }
[[ -f $JAR ]] || (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; [[ -n ${KEEP_TMP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"; }
trap cleanup EXIT

wait_for() { # file, text
    for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

# Sets $host. Not called in $( ): the emulator's pid must reach the cleanup's list.
start_emulator() {
    local port; port=$(free_port)
    "$EMULATOR" --host=127.0.0.1 --port="$port" > "$TMP/emulator-$port.log" 2>&1 &
    pids+=($!)
    wait_for "$TMP/emulator-$port.log" "Server started"
    host="127.0.0.1:$port"
}

echo "sink against bare Publisher, $MESSAGES messages, $ROUNDS rounds ($($JAVA -version 2>&1 | head -1))"
start_emulator
"$JAVA" -Xmx1g -cp "$JAR" dev.edgeflow.benchmarks.pubsub.PubSubBenchMain sink --emulator "$host" \
    --messages "$MESSAGES" --rounds "$ROUNDS" | grep RESULT

if [[ -x $MOSQUITTO ]]; then
    echo "uplink bridge: Mosquitto -> edgeflow -> emulator"
    start_emulator
    mport=$(free_port)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 1000\nmax_queued_messages 1000000\n' \
        "$mport" > "$TMP/mosquitto.conf"
    "$MOSQUITTO" -c "$TMP/mosquitto.conf" > "$TMP/mosquitto.log" 2>&1 &
    pids+=($!)
    wait_for "$TMP/mosquitto.log" "running"
    "$JAVA" -Xmx1g -cp "$JAR" dev.edgeflow.benchmarks.pubsub.PubSubBenchMain uplink --emulator "$host" \
        --mqtt "mqtt://127.0.0.1:$mport" --messages "$MESSAGES" --rounds "$ROUNDS" | grep RESULT
else
    echo "Mosquitto is not at $MOSQUITTO: the uplink bridge run is skipped (set MOSQUITTO)" >&2
fi
