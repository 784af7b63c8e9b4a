#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cpupool benchmark, on node 1 of a 2-node cluster (testing/bench/run):
# a remote function call through virgo_clone against the floor, a raw TCP
# round trip between the same nodes, and against the usual alternative,
# `ssh node2 true` with Debian's dropbear. Node 2 runs /scenario/serve.
# Prints
#   result raw-tcp|clone|ssh <virgo-bench line>
#   ratio clone/raw-tcp|ssh/clone median=.. p99=..
# and "error <probe>: <why>" for a probe that failed, then exits non-zero:
# no number is ever made up.
. virgo-test.sh
. bench.sh

tcp_n=2000
clone_n=2000
ssh_n=100
size=64
# testing/bench/run may override the counts.
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error cpupool: needs 2 nodes"; exit 1; }
# shellcheck disable=SC2086
set -- $VIRGO_NODE_ADDRS
peer=$2
ssh="dbclient -y -y -i /scenario/bench_id root@$peer true"

virgo-wait-nodes 180 || exit 1
bench_clock || exit 1

# Node 2's services start after its port 7 answers.
if ! wait_until 60 virgo-bench tcp-rtt "$peer" 7777 1 1 >/dev/null 2>&1; then
	echo "error raw-tcp: no echo server on $peer:7777"
	failed=1
else
	probe raw-tcp virgo-bench tcp-rtt "$peer" 7777 "$tcp_n" "$size"
fi

probe clone virgo-bench clone-rtt "$clone_n" 2 echo "$size"

# shellcheck disable=SC2086
if ! wait_until 60 $ssh >/dev/null 2>&1; then
	echo "error ssh: $ssh fails: $($ssh 2>&1 | tail -n 1)"
	failed=1
else
	# shellcheck disable=SC2086
	probe ssh virgo-bench cmd-rtt "$ssh_n" $ssh
fi

ratio clone raw-tcp
ratio ssh clone
bench_keyed "$peer" && probe clone-keyed virgo-bench clone-rtt "$clone_n" 2 echo "$size"
ratio clone-keyed raw-tcp
ratio clone-keyed clone
exit $failed
