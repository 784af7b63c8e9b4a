#!/bin/sh
# The fault hooks: cut off and reconnect a node, pause and resume a node.
. virgo-test.sh

[ "$VIRGO_NODES" -ge 3 ] || { echo "needs 3 nodes"; exit 1; }
net=${VIRGO_NODE_ADDR%.*}
up() { ping -c 1 -W 1 "$net.$1" >/dev/null 2>&1; }
down() { ! up "$1"; }

check "all nodes answer" virgo-wait-nodes 180

check "cut node 2 off the segment" virgo-fault cut 2
check "node 2 is unreachable" wait_until 20 down 2
check "node 3 is still reachable" up 3
check "reconnect node 2" virgo-fault join 2
check "node 2 is reachable again" wait_until 20 up 2
reaches_all() { [ "$(field "$(node_info "$net.$1")" reach)" = "$(all_ids)" ]; }
check "node 2 reaches every node again" wait_until 20 reaches_all 2

check "pause node 3" virgo-fault stop 3
check "paused node 3 does not answer" wait_until 20 down 3
check "resume node 3" virgo-fault cont 3
check "node 3 answers again" wait_until 20 up 3

check "an unknown action is refused" sh -c '! virgo-fault explode 2'
check "an unknown node is refused" sh -c "! virgo-fault stop $((VIRGO_NODES + 1))"
finish
