#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Python module's cost per call, on node 1 of 2: virgo.get() of 64
# bytes that node 2 holds against virgo_get(2) of the same from C
# (virgo-bench mem-get-rtt), on the same node, after a warm-up that is not
# reported, in the order C, Python, Python, C:
#   c-get, py-get, py-get2, c-get2
# then py-get/c-get and py-get2/c-get2 (goal: median 1.1 or less). A
# failed probe prints "error ..." and the run exits non-zero.
. virgo-test.sh
. bench.sh

get_n=2000
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error python: needs 2 nodes"; exit 1; }
virgo-wait-nodes 180 || exit 1
bench_clock || exit 1
# virgo_malloc places the VUID on node 2: node 1 is out of the
# balancer's choice (both probes check where it went).
echo 0 > /sys/kernel/config/virgo/nodes/1/client ||
	{ echo "error python: cannot take node 1 out of the balancer's choice"; exit 1; }
pyget() {
	python3 /scenario/py-get-rtt "$@"
}
virgo-bench mem-get-rtt 200 64 2 > /dev/null && pyget 200 64 2 > /dev/null ||
	{ echo "error python: the warm-up failed"; exit 1; }
probe c-get virgo-bench mem-get-rtt "$get_n" 64 2
probe py-get pyget "$get_n" 64 2
probe py-get2 pyget "$get_n" 64 2
probe c-get2 virgo-bench mem-get-rtt "$get_n" 64 2
ratio py-get c-get
ratio py-get2 c-get2
exit $failed
