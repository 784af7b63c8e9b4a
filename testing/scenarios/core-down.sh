#!/bin/sh
# A killed node is marked down within the documented bound (suspect after
# 3 s of silence, down after 6 s; polled every second with 1 s timeouts)
# and the balancer never chooses it; a cut-off node comes back up.
. virgo-test.sh

state() { cat "/sys/kernel/config/virgo/nodes/$1/state"; }
is() { [ "$(state "$1")" = "$2" ]; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

check "every node up" wait_until 20 sh -c "for n in \$(seq 1 $VIRGO_NODES); do [ \"\$(cat /sys/kernel/config/virgo/nodes/\$n/state)\" = up ] || exit 1; done"
victim=$VIRGO_NODES
virgo balancer round-robin >/dev/null
check "the harness kills node $victim" virgo-fault kill "$victim"
start=$(now_ms)
check "node $victim turns down" wait_until 15 is "$victim" down
echo "# node $victim down after $(($(now_ms) - start)) ms"
# Documented: down 6-8 s after the last answer; 1 s slack for emulation.
check "it took at most 9 s" [ $(($(now_ms) - start)) -le 9000 ]
picks=$(virgo pick 30)
check_eq "the balancer makes 30 picks" 30 \
	"$(echo "$picks" | awk '$1 == "node" { t += $3 } END { print t + 0 }')"
check "and never picks it" sh -c "! echo '$picks' | grep -q 'node $victim:'"
check "the others stay up" sh -c "for n in \$(seq 1 $((VIRGO_NODES - 1))); do [ \"\$(cat /sys/kernel/config/virgo/nodes/\$n/state)\" = up ] || exit 1; done"
check_eq "a call to it fails with an error, within its timeout" 1 \
	"$(timeout 8 virgo send --node $victim core ping 2>/dev/null; echo $?)"

check "cut node 2 off" virgo-fault cut 2
check "node 2 turns suspect" wait_until 10 is 2 suspect
check "then down" wait_until 10 is 2 down
check "reconnect node 2" virgo-fault join 2
start=$(now_ms)
check "node 2 is up again" wait_until 15 is 2 up
echo "# node 2 up again after $(($(now_ms) - start)) ms"
finish
