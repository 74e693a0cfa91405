#!/usr/bin/env bash
# edgeflow's AwsIotSink against the bare CRT MQTT 5 client, in one run against one local Mosquitto
# with a mutual-TLS listener (a client certificate required), as AWS IoT Core has:
#
#  1. throughput, AWS limits off (AwsIotLimits.NONE): MESSAGES QoS 1 readings through each, with
#     IN_FLIGHT publishes unconfirmed at most, ROUNDS interleaved rounds. Prints msg/s of each, the
#     ratio edgeflow / bare per round and the median, and CPU microseconds per message of the JVM
#     and of the broker.
#  2. limits on (AwsIotLimits.IOT_CORE, 100 publishes/s): SECONDS of sending with OUTSTANDING sends
#     unconfirmed, with JSON-array batching (BATCH_BYTES, BATCH_DELAY_MS) and without. Prints the
#     readings and publishes confirmed per second and what a subscriber received.
#
#   benchmarks/awsiot-vs-crt.sh                      # 100 000 messages, 9 rounds, then limits on
#   MESSAGES=20000 ROUNDS=1 SECONDS_ON=5 benchmarks/awsiot-vs-crt.sh
#   JFR=settings=profile KEEP_TMP=1 benchmarks/awsiot-vs-crt.sh   # records the throughput JVM with
#                                                    # JFR (JFR: options of -XX:StartFlightRecording)
#   WAIT_IDLE=1 benchmarks/awsiot-vs-crt.sh          # each part waits for idle CPUs first
#
# Certificates: a throw-away CA, a server certificate for localhost and a client certificate,
# made with openssl for each run (the testkit's TestCertificates needs Bouncy Castle, which the
# benchmarks jar leaves out). Needs MOSQUITTO (2.0.11 here), openssl and python3 (free ports).
# JAVA picks the JVM. KEEP_TMP=1 keeps the folder with the certificates, logs and JFR file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
MESSAGES=${MESSAGES:-100000}
ROUNDS=${ROUNDS:-9}
IN_FLIGHT=${IN_FLIGHT:-100}
SECONDS_ON=${SECONDS_ON:-10}
OUTSTANDING=${OUTSTANDING:-20000}
BATCH_BYTES=${BATCH_BYTES:-131072}
BATCH_DELAY_MS=${BATCH_DELAY_MS:-1000}
PARTS=${PARTS:-throughput limits}

[[ -x $MOSQUITTO ]] || { echo "Mosquitto is not at $MOSQUITTO: set MOSQUITTO" >&2; exit 2; }
[[ -f $JAR ]] || (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests -Djavadoc.skip=true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -n ${KEEP_TMP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"; }
trap cleanup EXIT

wait_for() { # file, text
    for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

# Mosquitto started as root reads its certificates as the mosquitto user: the folder and files
# must be readable by all (throw-away keys).
certs=$TMP/certs
mkdir -p "$certs"
(
    cd "$certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=edgeflow bench CA" -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem \
        -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
    openssl req -newkey rsa:2048 -nodes -subj "/CN=edgeflow-bench-client" -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem \
        -extfile <(printf 'extendedKeyUsage=clientAuth\n')
) > "$TMP/openssl.log" 2>&1 || { cat "$TMP/openssl.log" >&2; exit 1; }
chmod 755 "$TMP" "$certs"
chmod 644 "$certs"/*

# Sets $port and $broker. Not called in $( ): the broker's pid must reach the cleanup's list.
# max_inflight_messages is also the receive maximum Mosquitto announces; 1000 leaves both clients'
# window (IN_FLIGHT) as the only cap. No broker drops a message of the run for a full queue.
start_broker() {
    port=$(free_port)
    cat > "$TMP/mosquitto-$port.conf" <<CONF
listener $port 127.0.0.1
cafile $certs/ca.pem
certfile $certs/server.pem
keyfile $certs/server.key
require_certificate true
allow_anonymous true
max_inflight_messages 1000
max_queued_messages 1000000
CONF
    "$MOSQUITTO" -c "$TMP/mosquitto-$port.conf" > "$TMP/mosquitto-$port.log" 2>&1 &
    broker=$!
    pids+=("$broker")
    wait_for "$TMP/mosquitto-$port.log" "running"
}

# With WAIT_IDLE=1, each part starts once the CPUs were under 12 % busy for 3 s (other work
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

stop_broker() { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; }

echo "$($JAVA -version 2>&1 | head -1); $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
main=(dev.edgeflow.benchmarks.aws.AwsIotBenchMain)
jvm=(-Xms1g -Xmx1g -cp "$JAR")

if [[ " $PARTS " == *" throughput "* ]]; then
    echo "throughput, limits off: sink against bare CRT client, $MESSAGES messages, $ROUNDS rounds, in flight $IN_FLIGHT"
    wait_idle
    start_broker
    jfr=()
    [[ -n ${JFR:-} ]] && jfr=("-XX:StartFlightRecording=filename=$TMP/throughput.jfr,$JFR")
    "$JAVA" "${jvm[@]}" "${jfr[@]}" "${main[@]}" throughput --port "$port" --certs "$certs" \
        --broker-pid "$broker" --messages "$MESSAGES" --rounds "$ROUNDS" --in-flight "$IN_FLIGHT" | grep -E "^(RESULT|    )"
    stop_broker
fi

if [[ " $PARTS " == *" limits "* ]]; then
    echo "limits on (IOT_CORE): $SECONDS_ON s, $OUTSTANDING sends outstanding"
    wait_idle
    start_broker
    "$JAVA" "${jvm[@]}" "${main[@]}" limits --port "$port" --certs "$certs" --broker-pid "$broker" \
        --seconds "$SECONDS_ON" --outstanding "$OUTSTANDING" --batch-bytes "$BATCH_BYTES" \
        --batch-delay-ms "$BATCH_DELAY_MS" | grep -E "^(RESULT|    )"
    "$JAVA" "${jvm[@]}" "${main[@]}" limits --port "$port" --certs "$certs" --broker-pid "$broker" \
        --seconds "$SECONDS_ON" --outstanding 1000 | grep -E "^(RESULT|    )"
    stop_broker
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
