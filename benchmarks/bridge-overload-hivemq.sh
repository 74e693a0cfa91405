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
# B alone takes about 7 400 msg/s that way, a quarter of what the publisher puts into A on two
# cores. To make the target ten times slower than the publisher, the bridge's sink reaches B
# through the testkit's FaultProxy (ProxyMain), which forwards at most $TARGET_BYTES_PER_SECOND
# bytes per second from the bridge to B. A PUBLISH from the bridge to B is about 124 bytes (the
# proxy's counter over a 50 000-message run), so the default 310 000 B/s lets about 2 500 msg/s
# through, against about 30 000 msg/s into A: more than 10x. The counting subscriber connects to
# B directly. TARGET_BYTES_PER_SECOND=0 keeps the proxy in the path without a limit.
# Prints LoadMain's RESULT line (lost, dupes, msg/s out of the bridge into B as msgPerS, msg/s
# into A as publishMsgPerS), the overload factor (the one divided by the other), the bridge's
# final line (peak heap, counters) and the proxy's final line (bytes forwarded to B, and so
# bytes per message). A short run understates the factor: with MESSAGES=50000 the publisher is
# done in a few seconds with cold JVMs (about 10 000 msg/s) and the bridge's ramp-up weighs on
# its average; the bridge's status lines (KEEP_TMP=1, bridge.log) show the limit's steady rate.
#
#   benchmarks/bridge-overload-hivemq.sh
#   MESSAGES=200000 benchmarks/bridge-overload-hivemq.sh
#   TARGET_BYTES_PER_SECOND=620000 benchmarks/bridge-overload-hivemq.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
MESSAGES=${MESSAGES:-1000000}
BRIDGE_HEAP=${BRIDGE_HEAP:-64m}
BROKER_HEAP=${BROKER_HEAP:-3g}
IDLE_SECONDS=${IDLE_SECONDS:-60}
RECEIVE_MAXIMUM=${RECEIVE_MAXIMUM:-64}
TARGET_BYTES_PER_SECOND=${TARGET_BYTES_PER_SECOND:-310000}

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

# The URI a broker or the proxy prints once it listens.
listening_uri() {
  local name=$1 i
  for i in $(seq 1 120); do
    if grep -q '^listening ' "$TMP/$name.out"; then
      sed -n 's/^listening //p' "$TMP/$name.out"
      return
    fi
    sleep 0.5
  done
  echo "$name did not start:" >&2
  cat "$TMP/$name.err" >&2
  exit 1
}

start_broker A --max-queued 2000000 --server-receive-maximum 1000
start_broker B --max-queued 2000000 --server-receive-maximum 1
A=$(listening_uri A)
B=$(listening_uri B)

"$JAVA" -Xmx64m -cp "$JAR" dev.edgeflow.benchmarks.bridge.ProxyMain --target "${B#mqtt://}" --name B \
  --upstream-bytes-per-second "$TARGET_BYTES_PER_SECOND" >"$TMP/proxy.out" 2>"$TMP/proxy.err" &
PROXY=$!
PIDS+=("$PROXY")
B_SLOW=$(listening_uri proxy)
echo "brokers: A=$A B=$B (embedded HiveMQ CE); bridge to B through $B_SLOW at $TARGET_BYTES_PER_SECOND B/s" \
  "(0: no limit); bridge heap $BRIDGE_HEAP; $MESSAGES QoS 1 messages" >&2

"$JAVA" -Xmx"$BRIDGE_HEAP" -cp "$JAR" dev.edgeflow.benchmarks.bridge.BridgeMain \
  --source "$A" --target "$B_SLOW" --qos 1 --buffer 1024 --max-in-flight 256 --receive-maximum "$RECEIVE_MAXIMUM" \
  --source-mqtt-version 5 --target-mqtt-version 5 2>"$TMP/bridge.log" &
BRIDGE=$!
PIDS+=("$BRIDGE")
for i in $(seq 1 60); do grep -q '^ready' "$TMP/bridge.log" && break; sleep 0.5; done

"$JAVA" -cp "$JAR" dev.edgeflow.benchmarks.bridge.LoadMain --publish "$A" --subscribe "$B" --qos 1 \
  --messages "$MESSAGES" --idle-seconds "$IDLE_SECONDS" --receive-maximum 65535 --label hivemq-overload \
  | tee "$TMP/result.txt"

# The bridge first, so that its sink's last bytes pass the proxy before the proxy counts them.
kill -TERM "$BRIDGE"
wait "$BRIDGE" 2>/dev/null || true
kill -TERM "$PROXY"
wait "$PROXY" 2>/dev/null || true
grep -E '^(ready|final)' "$TMP/bridge.log" | sed 's/^/  [bridge] /' >&2
grep '^final' "$TMP/proxy.out" | sed 's/^/  [proxy] /' >&2

# msgPerS counts distinct messages at B over the whole run, publishMsgPerS the publisher's rate into A.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }
IN=$(field publishMsgPerS "$TMP/result.txt")
OUT=$(field msgPerS "$TMP/result.txt")
RECEIVED=$(field received "$TMP/result.txt")
UPSTREAM=$(field bytesUpstream "$TMP/proxy.out")
awk -v in_="$IN" -v out="$OUT" -v received="$RECEIVED" -v upstream="$UPSTREAM" 'BEGIN {
  if (out > 0) printf "OVERLOAD %.1fx publisher %.0f msg/s into A / bridge %.0f msg/s into B\n", in_ / out, in_, out
  else printf "OVERLOAD unknown: publisher %s msg/s into A, bridge %s msg/s into B\n", in_, out
  if (received > 0 && upstream > 0) printf "  [proxy] %.1f bytes to B per message received at B\n", upstream / received > "/dev/stderr"
}'
