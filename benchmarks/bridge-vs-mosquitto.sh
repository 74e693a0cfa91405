#!/usr/bin/env bash
# Throughput of an MQTT-to-MQTT bridge: Mosquitto's own bridge against the edgeflow bridge
# (BridgeMain), with the direct path (publish and subscribe on one broker) as the limit.
# For each QoS in $QOS_LIST and each path, fresh brokers are started, LoadMain publishes
# $MESSAGES readings on broker A (B for the direct path) and counts them on broker B.
# Prints one RESULT line per case, then a table with the ratio edgeflow / Mosquitto per QoS.
#
#   benchmarks/bridge-vs-mosquitto.sh                      # QoS 0 and 1, 100 000 messages each
#   MESSAGES=20000 QOS_LIST=1 benchmarks/bridge-vs-mosquitto.sh
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java benchmarks/bridge-vs-mosquitto.sh
#
# Settings shared by every path, so that none of them gets a bigger window than another:
#   INFLIGHT  Mosquitto max_inflight_messages on both brokers (A's window towards the Mosquitto
#             bridge and towards MQTT 3.1.1 clients; the receive maximum a broker grants MQTT 5
#             publishers), the edgeflow source's receive maximum, the edgeflow sink's and
#             pipeline's maxInFlight, and the counting subscriber's receive maximum. Default 256,
#             edgeflow's default.
#   QUEUED    Mosquitto max_queued_messages on both brokers, large enough that no broker drops
#             a message of the run for a full queue. Default 1000000.
# Others: BUFFER (pipeline buffer, 1024), WINDOW (publisher's unconfirmed publishes, 1000),
# TOPICS (8), PATHS ("direct mosquitto edgeflow"), BRIDGE_JAVA_OPTS, LOAD_JAVA_OPTS, KEEP_TMP=1.
# Mode OVERLOAD=1 is the memory run of bridge-overload.sh (see there).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
MESSAGES=${MESSAGES:-100000}
QOS_LIST=${QOS_LIST:-"0 1"}
PATHS=${PATHS:-"direct mosquitto edgeflow"}
INFLIGHT=${INFLIGHT:-256}
QUEUED=${QUEUED:-1000000}
BUFFER=${BUFFER:-1024}
WINDOW=${WINDOW:-1000}
TOPICS=${TOPICS:-8}
IDLE_SECONDS=${IDLE_SECONDS:-10}
# Readings sent through the same path before the measured ones, on topics of their own, so that
# the JITs of LoadMain and BridgeMain are warm (Mosquitto has none to warm). 0 measures cold.
# 50 000 leaves the bridge's C2 compiler busy into the measured window; WARMUP=300000 measures a
# warm bridge (RESULTS.md, 27 November), but its longer backlog can drive Mosquitto 2.0.11 into
# packet identifier reuse, which stops the edgeflow source with that error (see docs/mqtt.md).
WARMUP=${WARMUP:-50000}
BRIDGE_JAVA_OPTS=${BRIDGE_JAVA_OPTS:-}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-}
BRIDGE_ARGS=${BRIDGE_ARGS:-}
# MQTT 3.1.1 on both ends of the edgeflow bridge, as Mosquitto's bridge speaks (bridge_protocol_version
# mqttv311). With MQTT 5, Mosquitto 2.0.11 sent the source more unacknowledged QoS 1 messages than
# its receive maximum, and the HiveMQ client disconnects on that (see RESULTS.md).
SOURCE_MQTT_VERSION=${SOURCE_MQTT_VERSION:-3}
TARGET_MQTT_VERSION=${TARGET_MQTT_VERSION:-3}
# Overload mode: broker B grants the bridge a receive maximum of B_INFLIGHT (see bridge-overload.sh).
OVERLOAD=${OVERLOAD:-0}
B_INFLIGHT=${B_INFLIGHT:-$INFLIGHT}

if [[ ! -f $JAR ]]; then
  echo "building $JAR" >&2
  # -Djavadoc.skip: the build only needs the jar, not the modules' Javadoc.
  (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true)
fi

TMP=$(mktemp -d /tmp/edgeflow-bridge-bench.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "logs kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PORT_A=$(free_port)
PORT_B=$(free_port)
while [[ $PORT_B == "$PORT_A" ]]; do PORT_B=$(free_port); done

wait_for_port() {
  local port=$1 i
  for ((i = 0; i < 100; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on port $port after 5 s" >&2
  return 1
}

# wait_for_line FILE PATTERN SECONDS
wait_for_line() {
  local file=$1 pattern=$2 seconds=$3 i
  for ((i = 0; i < seconds * 20; i++)); do
    if grep -q -- "$pattern" "$file" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "'$pattern' did not appear in $file within $seconds s" >&2
  return 1
}

# start_broker NAME PORT INFLIGHT [BRIDGE_QOS]: with BRIDGE_QOS, a bridge to broker B on PORT_B.
start_broker() {
  local name=$1 port=$2 inflight=$3 bridge_qos=${4:-}
  local conf=$TMP/$name.conf
  cat >"$conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages $inflight
max_queued_messages $QUEUED
log_dest stderr
log_type error
log_type warning
log_type notice
EOF
  if [[ -n $bridge_qos ]]; then
    cat >>"$conf" <<EOF
connection bench-bridge
address 127.0.0.1:$PORT_B
topic sensor/# out $bridge_qos
cleansession true
notifications false
start_type automatic
restart_timeout 1
EOF
  fi
  # The log goes to stderr: as root, Mosquitto runs as user mosquitto, which cannot write in $TMP.
  "$MOSQUITTO" -c "$conf" >"$TMP/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  eval "PID_$name=$pid"
  wait_for_port "$port"
}

stop_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

load() {
  local label=$1 qos=$2 pub_port=$3 messages=$4
  # The counter takes the client's largest receive maximum (65535). At QoS 0 the HiveMQ client
  # drops a message when more than receive-maximum of them wait for the application, and the
  # counter must not be the one losing messages. At QoS 1, Mosquitto 2.0.11 sent this MQTT 5
  # client more unacknowledged messages than a receive maximum of 256 allows, and the client
  # disconnects on that. The broker's window towards the counter is then max_inflight_messages,
  # the same on every path.
  local receive_maximum=${COUNTER_RECEIVE_MAXIMUM:-65535}
  # shellcheck disable=SC2086
  "$JAVA" $LOAD_JAVA_OPTS -cp "$JAR" dev.edgeflow.benchmarks.bridge.LoadMain \
    --publish "mqtt://127.0.0.1:$pub_port" --subscribe "mqtt://127.0.0.1:$PORT_B" \
    --qos "$qos" --messages "$messages" --topics "$TOPICS" --window "$WINDOW" \
    --receive-maximum "$receive_maximum" --idle-seconds "$IDLE_SECONDS" --warmup "$WARMUP" --label "$label" \
    2> >(sed "s/^/  [load] /" >&2)
}

# With WAIT_IDLE=1, each case starts once the CPUs were under 12 % busy for 3 s (other work
# shares the machine), waiting at most 10 minutes.
cpu_busy_percent() { # over the next 3 seconds
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 3
  read -r -a b < <(head -1 /proc/stat)
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for ((i = 1; i < ${#a[@]}; i++)); do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_idle() {
  [[ ${WAIT_IDLE:-0} == 1 ]] || return 0
  local i busy
  for ((i = 0; i < 200; i++)); do
    busy=$(cpu_busy_percent)
    if (( busy < 12 )); then return 0; fi
    echo "  waiting for an idle machine (CPUs ${busy} % busy)" >&2
  done
  echo "  the machine stayed busy; running anyway" >&2
}

# CPU seconds a process has used so far (user + system).
cpu_seconds() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  awk -v u="${f[11]}" -v s="${f[12]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (u + s) / hz }'
}

RESULTS=$TMP/results
: >"$RESULTS"

run_case() {
  local path=$1 qos=$2 messages=$3 line
  wait_idle
  echo "== $path QoS $qos, $messages messages ($(uptime | sed 's/.*load average/load average/'))" >&2
  case $path in
    direct)
      start_broker B "$PORT_B" "$B_INFLIGHT"
      line=$(load "$path" "$qos" "$PORT_B" "$messages")
      line="$line cpuA=0 cpuB=$(cpu_seconds "$PID_B") cpuBridge=0"
      stop_pid "$PID_B"
      ;;
    mosquitto)
      start_broker B "$PORT_B" "$B_INFLIGHT"
      start_broker A "$PORT_A" "$INFLIGHT" "$qos"
      wait_for_line "$TMP/B.log" "connected from .* as .*bench-bridge" 10
      line=$(load "$path" "$qos" "$PORT_A" "$messages")
      line="$line cpuA=$(cpu_seconds "$PID_A") cpuB=$(cpu_seconds "$PID_B") cpuBridge=0"
      stop_pid "$PID_A"
      stop_pid "$PID_B"
      ;;
    edgeflow)
      start_broker B "$PORT_B" "$B_INFLIGHT"
      start_broker A "$PORT_A" "$INFLIGHT"
      local log=$TMP/bridge-$qos.log
      # At QoS 0 the receive maximum is how many messages the source keeps waiting for the
      # pipeline before it drops (and counts) the oldest; Mosquitto queues QoS 0 for its bridge
      # up to max_queued_messages, so the edgeflow source gets the largest value, 65535 (what the
      # HiveMQ client itself keeps for MQTT 3.1.1), not the QoS 1 window.
      local source_receive_maximum=$INFLIGHT
      if [[ $qos == 0 ]]; then source_receive_maximum=${QOS0_RECEIVE_MAXIMUM:-65535}; fi
      # shellcheck disable=SC2086
      "$JAVA" $BRIDGE_JAVA_OPTS -cp "$JAR" dev.edgeflow.benchmarks.bridge.BridgeMain \
        --source "mqtt://127.0.0.1:$PORT_A" --target "mqtt://127.0.0.1:$PORT_B" --qos "$qos" \
        --buffer "$BUFFER" --max-in-flight "$INFLIGHT" --receive-maximum "$source_receive_maximum" \
        --source-mqtt-version "$SOURCE_MQTT_VERSION" --target-mqtt-version "$TARGET_MQTT_VERSION" $BRIDGE_ARGS \
        2>"$log" &
      local bridge=$!
      PIDS+=("$bridge")
      wait_for_line "$log" "^ready" 20
      line=$(load "$path" "$qos" "$PORT_A" "$messages")
      line="$line cpuA=$(cpu_seconds "$PID_A") cpuB=$(cpu_seconds "$PID_B") cpuBridge=$(cpu_seconds "$bridge")"
      stop_pid "$bridge"
      sed 's/^/  [bridge] /' <(grep -E '^(ready|final)' "$log") >&2
      if [[ $OVERLOAD == 1 ]]; then
        grep '^status' "$log" | awk 'NR % 10 == 1' | sed 's/^/  [bridge] /' >&2
      fi
      stop_pid "$PID_A"
      stop_pid "$PID_B"
      ;;
  esac
  echo "$line" >&2
  echo "$line" >>"$RESULTS"
}

field() { # field NAME LINE
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1); mosquitto: $("$MOSQUITTO" -h | head -1)" >&2
echo "ports A=$PORT_A B=$PORT_B; INFLIGHT=$INFLIGHT QUEUED=$QUEUED BUFFER=$BUFFER WINDOW=$WINDOW TOPICS=$TOPICS" >&2

if [[ $OVERLOAD == 1 ]]; then
  for qos in $QOS_LIST; do
    run_case edgeflow "$qos" "$MESSAGES"
  done
else
  for qos in $QOS_LIST; do
    for path in $PATHS; do
      run_case "$path" "$qos" "$MESSAGES"
    done
  done
fi

echo >&2
echo "CPU seconds for the whole case (warm-up included): A, B, the edgeflow bridge JVM" >&2
printf '\n%-10s %3s %10s %8s %7s %8s %7s %7s %7s\n' path QoS msg/s lost dupes "vs mosq" cpuA cpuB bridge
while read -r line; do
  path=$(field label "$line")
  qos=$(field qos "$line")
  rate=$(field msgPerS "$line")
  mosq=$(grep " label=mosquitto qos=$qos " "$RESULTS" | head -1 || true)
  ratio=-
  if [[ -n $mosq ]]; then
    ratio=$(awk -v a="$rate" -v b="$(field msgPerS "$mosq")" 'BEGIN { printf "%.2f", a / b }')
  fi
  printf '%-10s %3s %10s %8s %7s %8s %7s %7s %7s\n' "$path" "$qos" "$rate" "$(field lost "$line")" \
    "$(field dupes "$line")" "$ratio" "$(field cpuA "$line")" "$(field cpuB "$line")" "$(field cpuBridge "$line")"
done <"$RESULTS"
