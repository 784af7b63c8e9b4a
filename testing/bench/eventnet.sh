#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cost of EventNet's trace, on node 1 of a 2-node keyed cluster
# (frames carry the Lamport times that join a caller's event to its
# server's). In one run on the same nodes, after a warm-up that is not
# reported: untraced, twice with eventnet/trace on both nodes (node 1 the
# collector: node 2 sends its events there), then untraced again:
#   clone-off, clone-on, clone-on2, clone-off2
#                         virgo_clone(2) of "echo" on node 2, 64 bytes
#   get-off, get-on, get-on2, get-off2
#                         virgo_get(2) of 64 bytes node 2 holds
# then the ratios on/off and on2/off2 of each (goal: median 1.05 or less;
# the two pairs, in opposite orders, show the order's own effect), and
# node 1's EventNet counts. A failed probe prints "error ..." and the run
# exits non-zero: no number is made up.
. virgo-test.sh
. bench.sh

# 4 x 1000 traced calls, 2 events each: 8,000 vertices and about 700 KiB
# of files, in node 1's caps (max_vertices raised to 16384 below), so no
# event is refused: a refused one would cost less than one taken.
clone_n=1000
get_n=1000
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

# virgo_malloc places the VUID on node 2: node 1 is out of the
# balancer's choice (virgo-bench checks where it went).
echo 0 > /sys/kernel/config/virgo/nodes/1/client ||
	{ echo "error eventnet: cannot take node 1 out of the balancer's choice"; exit 1; }
echo 16384 > $e/max_vertices || { echo "error eventnet: cannot raise max_vertices"; exit 1; }
# A warm-up first (connections, caches), not reported; then off, on, and
# on, off again: the order's own effect shows as the two ratios' spread.
trace 0
virgo-bench clone-rtt 200 2 echo 64 > /dev/null &&
	virgo-bench mem-get-rtt 200 64 2 > /dev/null ||
	{ echo "error eventnet: the warm-up failed"; exit 1; }
probe clone-off virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-off virgo-bench mem-get-rtt "$get_n" 64 2
trace 1
probe clone-on virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-on virgo-bench mem-get-rtt "$get_n" 64 2
probe clone-on2 virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-on2 virgo-bench mem-get-rtt "$get_n" 64 2
trace 0
probe clone-off2 virgo-bench clone-rtt "$clone_n" 2 echo 64
probe get-off2 virgo-bench mem-get-rtt "$get_n" 64 2
ratio clone-on clone-off
ratio clone-on2 clone-off2
ratio get-on get-off
ratio get-on2 get-off2
echo "# node 1's EventNet: $(echo $(cat $e/status))"
exit $failed
