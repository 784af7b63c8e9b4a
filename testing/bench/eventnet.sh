#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cost of EventNet's trace, on node 1 of a 2-node keyed cluster
# (frames carry the Lamport times that join a caller's event to its
# server's). In one run on the same nodes, each first untraced, then with
# eventnet/trace on both nodes (node 1 the collector: node 2 sends its
# events there):
#   clone-off, clone-on   virgo_clone(2) of "echo" on node 2, 64 bytes
#   get-off, get-on       virgo_get(2) of 64 bytes node 2 holds
# then "ratio clone-on/clone-off" and "ratio get-on/get-off" (goal: median
# 1.05 or less), and node 1's EventNet counts. A failed probe prints
# "error ..." and the run exits non-zero: no number is made up.
. virgo-test.sh
. bench.sh

clone_n=2000
get_n=2000
[ -f /scenario/bench.conf ] && . /scenario/bench.conf
net=${VIRGO_NODE_ADDR%.*}
e=/sys/kernel/config/virgo/eventnet

[ "$VIRGO_NODES" -ge 2 ] || { echo "error eventnet: needs 2 nodes"; exit 1; }
virgo-wait-nodes 180 || exit 1
bench_clock || exit 1
bench_keyed "$net.2" || exit 1
trace() {	# trace 0|1: here and on node 2
	echo "$1" > $e/trace &&
		[ "$(echo "trace $1 -" | nc -w 10 "$net.2" 7790)" = ok ] ||
		{ echo "error eventnet: cannot turn the trace to $1"; exit 1; }
}

trace 0
probe clone-off virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-off virgo-bench mem-get-rtt "$get_n" 64 2
trace 1
probe clone-on virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-on virgo-bench mem-get-rtt "$get_n" 64 2
trace 0
ratio clone-on clone-off
ratio get-on get-off
echo "# node 1's EventNet: $(echo $(cat $e/status))"
exit $failed
