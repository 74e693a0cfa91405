#!/usr/bin/env bash
# Footprint of a local-MQTT -> Pub/Sub gateway run as `java -jar edgeflow-cli-*.jar run <file>`
# (issue 9): the jar sizes; the time from the JVM's start to the first forwarded message; and
# the gateway's resident memory after DURATION seconds at RATE msg/s with -Xmx64m.
#
#   benchmarks/gateway-footprint.sh                          # 5 starts, then 300 s at 1 000 msg/s
#   DURATION=60 PARTS=rss GATEWAY_OPTS_LIST='-Xmx64m;-Xmx64m -XX:+UseSerialGC' benchmarks/gateway-footprint.sh
#
# A private Mosquitto and a Pub/Sub emulator on free ports; the topics and subscriptions are
# made with `edgeflow pubsub create-topic/create-subscription`. The gateway file: an mqtt source
# on sensor/# at QoS 1 over MQTT 3.1.1, one route, a pubsub sink with the source topic as an attribute
# (on the gRPC transport, or with TRANSPORT=rest on the REST one).
# FootprintLoadMain (benchmarks.jar, HiveMQ client and bare Subscriber) publishes QoS 1 readings
# of 200 bytes and pulls and acks them from the subscription, counting each once.
#
# - sizes: the cli jar, the tarball, and each module's jar (*/target/edgeflow-*.jar).
# - first: FIRST_RUNS times, while a publisher already publishes FIRST_RATE msg/s: the script
#   notes the time right before it execs the JVM (bash's EPOCHREALTIME, no fork), reads the JVM's
#   own start (the sun.rt.createVmBeginTime counter, through jcmd, after the fact) and the time
#   of the gateway's "started" line, and a subscriber that was already pulling notes when the
#   first message arrives; it also gives the emulator's publish time of that message (when the
#   emulator took it from the gateway) and when it was published to MQTT. Each start has a fresh
#   subscription and MQTT client id, so nothing queued from an earlier start can come first.
#   Medians of the runs.
# - rss: for each option set of GATEWAY_OPTS_LIST (';' between sets), a gateway on a fresh
#   subscription, RATE msg/s for DURATION s, VmRSS and VmHWM from /proc/<pid>/status and the CPU
#   the gateway used every SAMPLE_SECONDS; at the end the delivered count (every reading must
#   arrive) and, with NMT=1, `jcmd <pid> VM.native_memory summary` (the run then has
#   -XX:NativeMemoryTracking=summary, whose own few MB are in its RSS and named in the summary).
#
# - CDS=1: before the measured starts, a training start with -XX:DumpLoadedClassList, and a
#   static AppCDS archive of the classes it loaded (-Xshare:dump), which the measured starts map
#   with -XX:SharedArchiveFile; the archive's size is reported.
# - LAUNCHER=1: the gateway is started as installed, through the tarball's bin/edgeflow with
#   JAVA_OPTS set to the options and EDGEFLOW_STATE_DIR to a fresh folder, so the launcher's
#   class-data archive is in play: before the measured starts, one start (not measured) that
#   writes the archive as it exits; every measured start maps it. The archive's size is reported.
#

# Settings: JAVA, JCMD, DURATION (300), RATE (1000), SAMPLE_SECONDS (10), FIRST_RUNS (5),
# FIRST_RATE (100), FIRST_OPTS (-Xmx64m), GATEWAY_OPTS_LIST (-Xmx64m), NMT (1), CDS (0), LAUNCHER (0),
# TRANSPORT (grpc; rest writes "transport: rest" in the sink's options),
# PARTS ("sizes first rss"), CLI_JAR and TARBALL (cli/target's), EMULATOR, MOSQUITTO, KEEP_TMP. Output and logs go to
# OUT (benchmarks/target/gateway-footprint); FIGURE lines and a table at the end, to paste.
# Needs Mosquitto, the emulator (google-cloud-cli-pubsub-emulator), python3 and the jars
# (./mvnw -B -o clean package -pl cli -DskipTests; benchmarks.jar is built if it is missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_JAR=$ROOT/benchmarks/target/benchmarks.jar
JAVA=${JAVA:-java}
JCMD=${JCMD:-$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jcmd}
DURATION=${DURATION:-300}
RATE=${RATE:-1000}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
FIRST_RUNS=${FIRST_RUNS:-5}
FIRST_RATE=${FIRST_RATE:-100}
FIRST_OPTS=${FIRST_OPTS:--Xmx64m}
GATEWAY_OPTS_LIST=${GATEWAY_OPTS_LIST:--Xmx64m}
NMT=${NMT:-1}
CDS=${CDS:-0}
LAUNCHER=${LAUNCHER:-0}
PARTS=${PARTS:-sizes first rss}
TRANSPORT=${TRANSPORT:-grpc}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
OUT=${OUT:-$ROOT/benchmarks/target/gateway-footprint}
PROJECT=edgeflow-footprint
TOPIC=footprint

part() { [[ " $PARTS " == *" $1 "* ]]; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
figure() { echo "FIGURE $*" | tee -a "$OUT/figures.txt"; }

mkdir -p "$OUT"
: > "$OUT/figures.txt"
CLI_JAR=${CLI_JAR:-$(ls "$ROOT"/cli/target/edgeflow-cli-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)}
TARBALL=${TARBALL:-$(ls "$ROOT"/cli/target/edgeflow-cli-*-bin.tar.gz 2>/dev/null | head -1 || true)}
[[ -n $CLI_JAR ]] || { echo "no cli/target/edgeflow-cli-*.jar: ./mvnw -B -o clean package -pl cli -DskipTests" >&2; exit 2; }

echo "gateway footprint: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JVM: $("$JAVA" -version 2>&1 | sed -n 2p)"
figure "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"

if part sizes; then
    figure "size cli_jar=$(stat -c %s "$CLI_JAR") ($(mib "$(stat -c %s "$CLI_JAR")") MiB) $(basename "$CLI_JAR")"
    [[ -n $TARBALL ]] && figure "size tarball=$(stat -c %s "$TARBALL") ($(mib "$(stat -c %s "$TARBALL")") MiB) $(basename "$TARBALL")"
    for j in "$ROOT"/*/target/edgeflow-*.jar; do
        case $j in *-sources.jar|*-javadoc.jar|*-tests.jar|"$CLI_JAR") continue ;; esac
        figure "size module=$(basename "$j") bytes=$(stat -c %s "$j") ($(mib "$(stat -c %s "$j")") MiB)"
    done
    figure "size natives_in_cli_jar=$(unzip -l "$CLI_JAR" | awk '$4 ~ /\.(so|dll|dylib|jnilib|a)$/ {n++; s+=$1} END {printf "%d files, %.1f MiB uncompressed", n, s/1048576}')"
fi
part first || part rss || exit 0

EMULATOR=${EMULATOR:-/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator}
if [[ ! -x $EMULATOR ]] && command -v gcloud >/dev/null; then
    EMULATOR="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null)/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
fi
if [[ ! -x $EMULATOR || ! -x $MOSQUITTO ]]; then
    {
        echo "####################################################################################"
        echo "## SKIPPED: the time to first message and the RSS need the Pub/Sub emulator and   ##"
        echo "## Mosquitto. Emulator: ${EMULATOR} ($([[ -x $EMULATOR ]] && echo found || echo MISSING))"
        echo "## Mosquitto: ${MOSQUITTO} ($([[ -x $MOSQUITTO ]] && echo found || echo MISSING))"
        echo "## apt-get install google-cloud-cli-pubsub-emulator mosquitto, or set EMULATOR / MOSQUITTO"
        echo "####################################################################################"
    } >&2
    exit 0
fi
[[ -f $BENCH_JAR ]] || (cd "$ROOT" && ./mvnw -q -B -o -pl benchmarks package -DskipTests -Djavadoc.skip=true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [[ -n ${KEEP_TMP:-} ]] && echo "kept $TMP" >&2 || rm -rf "$TMP"
}
trap cleanup EXIT

# A copy, so that a rebuild of cli/ during the run does not pull the jar from under the gateway.
JAR=$TMP/edgeflow-cli.jar
cp "$CLI_JAR" "$JAR"
if [[ $LAUNCHER == 1 ]]; then
    [[ -n $TARBALL ]] || { echo "LAUNCHER=1 needs the tarball: ./mvnw -B -o clean package -pl cli -DskipTests" >&2; exit 2; }
    tar -xzf "$TARBALL" -C "$TMP"
    LAUNCH=$(ls "$TMP"/edgeflow-*/bin/edgeflow)
    LAUNCH_JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")")
    mkdir -p "$TMP/state"
fi

wait_for() { # file, text, seconds
    local tries=$(( ${3:-60} * 10 ))
    for _ in $(seq 1 "$tries"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "timed out waiting for '$2' in $1:" >&2; tail -20 "$1" >&2; return 1
}
# Each line of stdin with the time it was read, in epoch microseconds.
stamp() { while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"; done; }
# VmRSS and VmHWM in kB, and user+system CPU in clock ticks, of a pid.
proc_rss() { awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {print r, h}' "/proc/$1/status"; }
proc_cpu() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

mport=$(free_port)
cat > "$TMP/mosquitto.conf" <<CONF
listener $mport 127.0.0.1
allow_anonymous true
max_inflight_messages 1000
max_queued_messages 100000
CONF
"$MOSQUITTO" -c "$TMP/mosquitto.conf" > "$TMP/mosquitto.log" 2>&1 &
pids+=($!)
wait_for "$TMP/mosquitto.log" "running"
pport=$(free_port)
"$EMULATOR" --host=127.0.0.1 --port="$pport" > "$TMP/emulator.log" 2>&1 &
pids+=($!)
wait_for "$TMP/emulator.log" "Server started" 120
emulator_host=127.0.0.1:$pport
echo "Mosquitto on 127.0.0.1:$mport, Pub/Sub emulator on $emulator_host"

# A topic per part and per RSS run: the emulator keeps every message for every subscription of a
# topic, so subscriptions nobody reads any more would pile up messages in its heap and slow it down.
topic_and_subscription() { # topic, subscription
    "$JAVA" -jar "$JAR" pubsub create-topic --emulator "$emulator_host" --project "$PROJECT" "$1" > /dev/null
    "$JAVA" -jar "$JAR" pubsub create-subscription --emulator "$emulator_host" --project "$PROJECT" \
        --topic "$1" "$2" > /dev/null
}

transport_line=""
if [ "$TRANSPORT" != grpc ]; then
    transport_line=$'\n'"      transport: $TRANSPORT"
fi

gateway_file() { # file, client id, Pub/Sub topic
    cat > "$1" <<YAML
name: footprint
sources:
  local:
    type: mqtt
    options:
      host: 127.0.0.1
      port: $mport
      clientId: $2
      topics: sensor/#
      qos: 1
      version: 3.1.1   # Mosquitto 2.0 over MQTT 5 exceeds the receive maximum (docs/mqtt.md)
sinks:
  cloud:
    type: pubsub
    options:
      project: $PROJECT
      topic: $3
      emulatorHost: $emulator_host
      topicAttribute: source_topic$transport_line
routes:
  - name: readings
    source: local
    topic: sensor/#
    sink: cloud
YAML
}
gateway_file "$TMP/check.yaml" footprint-check "$TOPIC"
"$JAVA" -jar "$JAR" check "$TMP/check.yaml"

# Starts the gateway; sets gw_pid. The subshell notes the time and execs the JVM, so its pid is
# the JVM's and the time is the last thing before the exec.
start_gateway() { # tag, JVM options, file, status interval
    local tag=$1 opts=$2 file=$3 interval=$4
    # shellcheck disable=SC2086
    if [[ $LAUNCHER == 1 ]]; then # the launcher execs the JVM: the pid is still the JVM's
        ( printf '%s\n' "${EPOCHREALTIME/./}" > "$TMP/$tag.t0"; JAVA_HOME=$LAUNCH_JAVA_HOME JAVA_OPTS=$opts \
            EDGEFLOW_STATE_DIR=$TMP/state exec "$LAUNCH" run --status-interval "$interval" --drain 10s "$file" ) \
            > >(stamp > "$OUT/$tag.out") 2> "$OUT/$tag.err" &
    else
        ( printf '%s\n' "${EPOCHREALTIME/./}" > "$TMP/$tag.t0"; exec "$JAVA" $opts -jar "$JAR" run \
            --status-interval "$interval" --drain 10s "$file" ) > >(stamp > "$OUT/$tag.out") 2> "$OUT/$tag.err" &
    fi
    gw_pid=$!
    pids+=("$gw_pid")
}
stop_gateway() { # sets gw_rc
    kill -TERM "$gw_pid" 2>/dev/null || true
    gw_rc=0; wait "$gw_pid" || gw_rc=$?
}
perf_counter() { "$JCMD" "$1" PerfCounter.print 2>/dev/null | awk -F= -v k="$2" '$1 == k { print $2 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# An array, not a function: started with &, a simple command is exec'd, so $! is the JVM's pid.
LOAD=("$JAVA" -Xmx256m -cp "$BENCH_JAR" dev.edgeflow.benchmarks.gateway.FootprintLoadMain)

# A start that is not measured, forwarding for 5 s what the publisher sends, so that the classes
# of the send path are loaded too (for a class list or the launcher's archive).
training_start() { # JVM options
    topic_and_subscription "$TOPIC-first" first-train
    gateway_file "$TMP/first-train.yaml" footprint-first-train "$TOPIC-first"
    start_gateway first-train "$1" "$TMP/first-train.yaml" 0
    wait_for "$OUT/first-train.out" "edgeflow run: started" 60
    sleep 5
    stop_gateway
}

# The launcher's first run writes its class-data archive as it exits; the measured starts map it.
launcher_training() { # JVM options
    training_start "$1"
    archive=$(ls "$TMP"/state/edgeflow-cds-*.jsa* 2>/dev/null | head -1) # .tmp-<pid> until the next run takes it
    [[ -n $archive ]] || { echo "the launcher wrote no class-data archive into $TMP/state; see $OUT/first-train.err" >&2; exit 1; }
    figure "launcher_cds archive_bytes=$(stat -c %s "$archive") ($(mib "$(stat -c %s "$archive")") MiB) $(basename "$archive")"
}

if [[ $LAUNCHER == 1 ]] && ! part first; then
    # Without the first-message part, the training start gets a publisher of its own.
    echo "launcher training start with ${GATEWAY_OPTS_LIST%%;*} while $FIRST_RATE msg/s are published"
    "${LOAD[@]}" publish --mqtt "mqtt://127.0.0.1:$mport" --run first --rate "$FIRST_RATE" --seconds 0 \
        > "$OUT/train-publisher.out" 2>&1 &
    pub_pid=$!; pids+=("$pub_pid")
    wait_for "$OUT/train-publisher.out" READY
    launcher_training "${GATEWAY_OPTS_LIST%%;*}"
    kill -TERM "$pub_pid"; wait "$pub_pid" || true
fi

if part first; then
    echo "time to first message: $FIRST_RUNS starts with $FIRST_OPTS while $FIRST_RATE msg/s are published"
    "${LOAD[@]}" publish --mqtt "mqtt://127.0.0.1:$mport" --run first --rate "$FIRST_RATE" --seconds 0 \
        > "$OUT/first-publisher.out" 2>&1 &
    pub_pid=$!; pids+=("$pub_pid")
    wait_for "$OUT/first-publisher.out" READY
    : > "$TMP/first-exec.txt"; : > "$TMP/first-jvm.txt"; : > "$TMP/first-started.txt"; : > "$TMP/first-accepted.txt"
    if [[ $CDS == 1 ]]; then
        # A training start lists the classes the gateway loads up to forwarding; a static AppCDS
        # archive of them (JDK 17's -Xshare:dump) is then mapped by every measured start.
        training_start "$FIRST_OPTS -XX:DumpLoadedClassList=$TMP/classes.lst"
        # shellcheck disable=SC2086
        "$JAVA" $FIRST_OPTS -Xshare:dump -XX:SharedClassListFile="$TMP/classes.lst" \
            -XX:SharedArchiveFile="$TMP/edgeflow.jsa" -cp "$JAR" > "$OUT/cds-dump.log" 2>&1 \
            || { echo "the AppCDS dump failed; see $OUT/cds-dump.log" >&2; exit 1; }
        figure "cds classes_listed=$(wc -l < "$TMP/classes.lst") archive_bytes=$(stat -c %s "$TMP/edgeflow.jsa")" \
            "($(mib "$(stat -c %s "$TMP/edgeflow.jsa")") MiB)"
        FIRST_OPTS="$FIRST_OPTS -XX:SharedArchiveFile=$TMP/edgeflow.jsa"
    fi
    if [[ $LAUNCHER == 1 ]]; then
        launcher_training "$FIRST_OPTS"
    fi
    for i in $(seq 1 "$FIRST_RUNS"); do
        tag=first-$i
        topic_and_subscription "$TOPIC-first" "$tag"
        "${LOAD[@]}" consume --emulator "$emulator_host" --project "$PROJECT" --subscription "$tag" --run first \
            --first true --timeout-seconds 120 > "$OUT/$tag-consumer.out" 2>&1 &
        con_pid=$!; pids+=("$con_pid")
        wait_for "$OUT/$tag-consumer.out" READY
        sleep 2 # the subscriber's streaming pull is open before the gateway starts
        gateway_file "$TMP/$tag.yaml" "footprint-$tag" "$TOPIC-first"
        start_gateway "$tag" "$FIRST_OPTS" "$TMP/$tag.yaml" 0
        wait_for "$OUT/$tag-consumer.out" "^FIRST" 120
        t0_us=$(cat "$TMP/$tag.t0")
        read -r _ first_ms accepted_ms sent_ms _ < <(grep '^FIRST' "$OUT/$tag-consumer.out")
        jvm_ms=$(perf_counter "$gw_pid" sun.rt.createVmBeginTime)
        [[ -n $jvm_ms ]] || { echo "jcmd $JCMD could not read the gateway's sun.rt.createVmBeginTime" >&2; exit 1; }
        started_us=$(awk '/edgeflow run: started/ { print $1; exit }' "$OUT/$tag.out")
        stop_gateway
        wait "$con_pid" || true
        exec_to_first=$(( first_ms - t0_us / 1000 ))
        jvm_to_first=$(( first_ms - jvm_ms ))
        exec_to_started=$(( (started_us - t0_us) / 1000 ))
        echo "$exec_to_first" >> "$TMP/first-exec.txt"
        echo "$jvm_to_first" >> "$TMP/first-jvm.txt"
        echo "$exec_to_started" >> "$TMP/first-started.txt"
        echo "$(( accepted_ms - t0_us / 1000 ))" >> "$TMP/first-accepted.txt"
        figure "first run=$i exec_to_first_ms=$exec_to_first jvm_start_to_first_ms=$jvm_to_first" \
            "exec_to_jvm_start_ms=$(( jvm_ms - t0_us / 1000 )) exec_to_started_line_ms=$exec_to_started" \
            "exec_to_first_mqtt_publish_ms=$(( sent_ms - t0_us / 1000 )) exec_to_emulator_accept_ms=$(( accepted_ms - t0_us / 1000 ))" \
            "emulator_accept_to_pulled_ms=$(( first_ms - accepted_ms )) gateway_exit=$gw_rc"
    done
    kill -TERM "$pub_pid"; wait "$pub_pid" || true
    grep RESULT "$OUT/first-publisher.out" || true
    figure "first median exec_to_first_ms=$(median < "$TMP/first-exec.txt")" \
        "jvm_start_to_first_ms=$(median < "$TMP/first-jvm.txt") exec_to_started_line_ms=$(median < "$TMP/first-started.txt")" \
        "exec_to_emulator_accept_ms=$(median < "$TMP/first-accepted.txt")" \
        "runs=$FIRST_RUNS opts='$FIRST_OPTS' goal_ms=1500"
fi

if part rss; then
    IFS=';' read -ra OPTSETS <<< "$GATEWAY_OPTS_LIST"
    k=0
    for opts in "${OPTSETS[@]}"; do
        k=$((k + 1)); tag=rss-$k
        [[ $NMT == 1 ]] && run_opts="$opts -XX:NativeMemoryTracking=summary" || run_opts=$opts
        expect=$(( RATE * DURATION ))
        echo "RSS run $k: $run_opts, $RATE msg/s for $DURATION s ($expect readings)"
        topic_and_subscription "$TOPIC-$tag" "$tag"
        gateway_file "$TMP/$tag.yaml" "footprint-$tag" "$TOPIC-$tag"
        start_gateway "$tag" "$run_opts" "$TMP/$tag.yaml" 30s
        wait_for "$OUT/$tag.out" "edgeflow run: started" 60
        "${LOAD[@]}" consume --emulator "$emulator_host" --project "$PROJECT" --subscription "$tag" --run "$tag" \
            --expect "$expect" --idle-seconds 30 --timeout-seconds $(( DURATION + 600 )) > "$OUT/$tag-consumer.out" 2>&1 &
        con_pid=$!; pids+=("$con_pid")
        wait_for "$OUT/$tag-consumer.out" READY
        read -r rss0 _ < <(proc_rss "$gw_pid"); cpu0=$(proc_cpu "$gw_pid")
        "${LOAD[@]}" publish --mqtt "mqtt://127.0.0.1:$mport" --run "$tag" --rate "$RATE" --seconds "$DURATION" \
            > "$OUT/$tag-publisher.out" 2>&1 &
        pub_pid=$!; pids+=("$pub_pid")
        start_s=$(date +%s)
        echo "t_s rss_kb hwm_kb gateway_cpu_s" > "$OUT/$tag-samples.txt"
        echo "0 $rss0 - 0" >> "$OUT/$tag-samples.txt"
        rss_max=$rss0
        while kill -0 "$pub_pid" 2>/dev/null; do
            sleep "$SAMPLE_SECONDS"
            kill -0 "$gw_pid" 2>/dev/null || { echo "the gateway died; see $OUT/$tag.err" >&2; exit 1; }
            read -r rss hwm < <(proc_rss "$gw_pid")
            cpu=$(proc_cpu "$gw_pid")
            (( rss > rss_max )) && rss_max=$rss
            echo "$(( $(date +%s) - start_s )) $rss $hwm $(( (cpu - cpu0) / TICKS ))" >> "$OUT/$tag-samples.txt"
        done
        wait "$pub_pid" || true
        # RSS at the end of the load, before the consumer's wait and before jcmd attaches.
        read -r rss_end hwm_end < <(proc_rss "$gw_pid")
        # VmRSS is anonymous memory (heap, metaspace, stacks, malloc) plus file pages (the JVM's
        # libraries, the mapped class-data archives), which are shared with other processes.
        read -r rss_anon rss_file < <(awk '/^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} END {print a, f}' "/proc/$gw_pid/status")
        cpu_end=$(proc_cpu "$gw_pid")
        (( rss_end > rss_max )) && rss_max=$rss_end
        load_seconds=$(( $(date +%s) - start_s ))
        wait "$con_pid" || true
        if [[ $NMT == 1 ]]; then
            "$JCMD" "$gw_pid" VM.native_memory summary > "$OUT/$tag-nmt.txt" 2>&1 || true
        fi
        "$JCMD" "$gw_pid" GC.heap_info > "$OUT/$tag-heap.txt" 2>&1 || true
        stop_gateway
        pub=$(grep RESULT "$OUT/$tag-publisher.out" || echo "RESULT publish missing")
        con=$(grep RESULT "$OUT/$tag-consumer.out" || echo "RESULT consume missing")
        echo "  $pub"; echo "  $con"
        tail -2 "$OUT/$tag.out" | cut -d' ' -f2- | sed 's/^/  gateway: /'
        cpu_s=$(awk -v c=$(( cpu_end - cpu0 )) -v t="$TICKS" 'BEGIN { printf "%.1f", c / t }')
        figure "rss run=$k opts='$run_opts' rss_end_mib=$(mib $(( rss_end * 1024 ))) rss_max_sampled_mib=$(mib $(( rss_max * 1024 )))" \
            "vmhwm_mib=$(mib $(( hwm_end * 1024 ))) rss_anon_end_mib=$(mib $(( rss_anon * 1024 ))) rss_file_end_mib=$(mib $(( rss_file * 1024 )))" \
            "rss_idle_before_load_mib=$(mib $(( rss0 * 1024 )))" \
            "gateway_cpu_s=$cpu_s cpu_pct_of_one_core=$(awk -v c="$cpu_s" -v s="$load_seconds" 'BEGIN { printf "%.0f", 100 * c / s }')" \
            "$(echo "$con" | grep -o 'distinct=[0-9]* expected=[0-9]* missing=[0-9]* duplicates=[0-9]*') delivered_msg_per_s=$(echo "$con" | sed -n 's/.*msgPerS=\([0-9]*\).*/\1/p')" \
            "published_msg_per_s=$(echo "$pub" | sed -n 's/.*msgPerS=\([0-9]*\).*/\1/p')" \
            "pipeline_$(grep -o 'latency\[[^]]*\]' "$OUT/$tag.err" | tail -1 | tr ' ' ,) gateway_exit=$gw_rc goal_mib=96"
        if [[ -s $OUT/$tag-nmt.txt ]]; then
            echo "  NMT (committed KB):"
            grep -E '^(Total|-)' "$OUT/$tag-nmt.txt" | sed -E 's/^-? *//; s/\(reserved=[0-9]+KB, //; s/\)$//' | sed 's/^/    /'
        fi
    done
fi

figure "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
echo
echo "Figures (also in $OUT/figures.txt; per-run logs and samples beside it):"
cat "$OUT/figures.txt"
