#!/usr/bin/env bash
# Memory and loss of the edgeflow bridge under overload, between two brokers that keep their
# in-flight windows: the testkit's embedded HiveMQ Community Edition, each broker in a JVM of its
# own (dev.edgeflow.examples.EmbeddedBroker). Mosquitto 2.0.11 does not keep its window once
# acknowledgements flow (see RESULTS.md), so this is the run that can judge the bridge itself.
#
# BridgeMain runs with a 64 MiB heap. LoadMain publishes $MESSAGES QoS 1 readings to A as fast as
# A takes them (A lets the publisher have 1000 unacknowledged) and counts them at B. B lets each
# client have one unacknowledged publish (server receive maximum 1), so the bridge's sink gets
# one PUBACK per round trip while the publisher fills A; A queues the backlog for the bridge's
# persistent session (up to 2 000 000).
# Prints LoadMain's RESULT line (lost, dupes, msg/s in, msg/s out) and the bridge's final line
# (peak heap, counters).
#
#   benchmarks/bridge-overload-hivemq.sh
#   MESSAGES=200000 benchmarks/bridge-overload-hivemq.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
MESSAGES=${MESSAGES:-1000000}
BRIDGE_HEAP=${BRIDGE_HEAP:-64m}
BROKER_HEAP=${BROKER_HEAP:-3g}
IDLE_SECONDS=${IDLE_SECONDS:-60}
RECEIVE_MAXIMUM=${RECEIVE_MAXIMUM:-64}

TMP=$(mktemp -d /tmp/edgeflow-overload-hivemq.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -f $JAR ]]; then
  (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true)
fi
# The examples' class path: EmbeddedBroker and the testkit's HiveMQ broker with its dependencies.
(cd "$ROOT" && ./mvnw -q -B -pl examples -am compile dependency:build-classpath \
  -Dmdep.outputFile="$TMP/cp.txt" -Dmdep.includeScope=runtime)
CP=$ROOT/examples/target/classes:$(cat "$TMP/cp.txt")

# Started in this shell, not in a command substitution, so that cleanup knows their pids.
start_broker() {
  local name=$1; shift
  "$JAVA" -Xmx"$BROKER_HEAP" -cp "$CP" dev.edgeflow.examples.EmbeddedBroker "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=("$!")
}

broker_uri() {
  local name=$1 i
  for i in $(seq 1 120); do
    if grep -q '^listening ' "$TMP/$name.out"; then
      sed -n 's/^listening //p' "$TMP/$name.out"
      return
    fi
    sleep 0.5
  done
  echo "broker $name did not start:" >&2
  cat "$TMP/$name.err" >&2
  exit 1
}

start_broker A --max-queued 2000000 --server-receive-maximum 1000
start_broker B --max-queued 2000000 --server-receive-maximum 1
A=$(broker_uri A)
B=$(broker_uri B)
echo "brokers: A=$A B=$B (embedded HiveMQ CE); bridge heap $BRIDGE_HEAP; $MESSAGES QoS 1 messages" >&2

"$JAVA" -Xmx"$BRIDGE_HEAP" -cp "$JAR" dev.edgeflow.benchmarks.bridge.BridgeMain \
  --source "$A" --target "$B" --qos 1 --buffer 1024 --max-in-flight 256 --receive-maximum "$RECEIVE_MAXIMUM" \
  --source-mqtt-version 5 --target-mqtt-version 5 2>"$TMP/bridge.log" &
BRIDGE=$!
PIDS+=("$BRIDGE")
for i in $(seq 1 60); do grep -q '^ready' "$TMP/bridge.log" && break; sleep 0.5; done

"$JAVA" -cp "$JAR" dev.edgeflow.benchmarks.bridge.LoadMain --publish "$A" --subscribe "$B" --qos 1 \
  --messages "$MESSAGES" --idle-seconds "$IDLE_SECONDS" --receive-maximum 65535 --label hivemq-overload

kill -TERM "$BRIDGE"
wait "$BRIDGE" 2>/dev/null || true
grep -E '^(ready|final)' "$TMP/bridge.log" | sed 's/^/  [bridge] /' >&2
