#!/usr/bin/env bash
# Memory of the edgeflow bridge under overload: BridgeMain with a 64 MiB heap while LoadMain
# publishes 1 000 000 QoS 1 readings on broker A much faster than broker B takes them from the
# bridge. Reports the bridge's heap figures (its final line) and whether every message arrived
# at B once (received == published, every topic's sequence complete, no duplicates).
#
# How B becomes the bottleneck: B's max_inflight_messages is B_INFLIGHT (default 1), which
# Mosquitto sends to MQTT 5 clients as their receive maximum. The bridge's sink speaks MQTT 5,
# so its HiveMQ client keeps one publish in flight and B accepts one message per round trip:
# the flow control a rate-limited cloud broker applies, with no artificial delay anywhere.
# The publisher meanwhile publishes to A at A's full speed (A's window: INFLIGHT, 256), so A,
# not the bridge, holds the backlog: the source asks A for at most receive-maximum messages
# beyond what the pipeline's buffer takes. The overload factor is the RESULT line's
# publishMsgPerS over its msgPerS.
#
#   benchmarks/bridge-overload.sh
#   MESSAGES=200000 benchmarks/bridge-overload.sh
set -euo pipefail
cd "$(dirname "$0")"
export OVERLOAD=1
export QOS_LIST=${QOS_LIST:-1}
export MESSAGES=${MESSAGES:-1000000}
export B_INFLIGHT=${B_INFLIGHT:-1}
# A holds the whole backlog for the bridge's session.
export QUEUED=${QUEUED:-2000000}
export TARGET_MQTT_VERSION=5
export BRIDGE_JAVA_OPTS=${BRIDGE_JAVA_OPTS:--Xmx64m}
export IDLE_SECONDS=${IDLE_SECONDS:-30}
exec ./bridge-vs-mosquitto.sh
