#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mempool benchmark, on node 1 of a 2-node cluster (testing/bench/run).
# Node 2 serves the memcached ASCII protocol twice: VIRGO's mempool on port
# 30000 and Debian's memcached on port 11211 (started by /scenario/serve,
# one worker thread: the node has one vCPU). One client, virgo-bench mc
# and mc-set, measures both the same way, for every value size and number
# of connections. Then virgo_get(2) of a VUID that node 2 holds, against
# the floor: a raw TCP round trip of the same size between the same nodes.
# Prints
#   result {mc,virgo}-{get,set}-SIZE-cCONNS <virgo-bench mc line>
#   result raw-tcp|virgo_get <virgo-bench line>
#   ratio virgo-vs-mc-{get,set}-SIZE-cCONNS ops=.. median=.. p99=..
#	VIRGO's requests per second over memcached's, and memcached's
#	latencies over VIRGO's: 1 or more means VIRGO is at least as fast
#   ratio virgo_get/raw-tcp median=.. p99=..
# and "error <probe>: <why>" for a probe that failed, then exits non-zero:
# no number is ever made up.
. virgo-test.sh
. bench.sh

mc_n=5000
mem_n=2000
tcp_n=2000
sizes="64 4096"
conns="1 8"
mem_size=64
# testing/bench/run may override the counts.
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error mempool: needs 2 nodes"; exit 1; }
# shellcheck disable=SC2086
set -- $VIRGO_NODE_ADDRS
peer=$2
mc_port=11211
virgo_port=30000
client=/sys/kernel/config/virgo/nodes/1/client

virgo-wait-nodes 180 || exit 1
bench_clock || exit 1

# ready NAME PORT: wait for a memcached protocol server on the peer.
ready() {
	wait_until 60 virgo-bench mc "$peer" "$2" 1 1 64 >/dev/null 2>&1 && return
	echo "error $1: no memcached protocol on $peer:$2: $(virgo-bench mc "$peer" "$2" 1 1 64 2>&1 | tail -n 1)"
	failed=1
	return 1
}
ready mc $mc_port && mc_up=1
ready virgo $virgo_port && virgo_up=1

# The same requests to both servers in turn, so that a drift of the
# host's speed during the run hits both alike.
for size in $sizes; do
	for c in $conns; do
		for op in get set; do
			case $op in get) cmd=mc ;; set) cmd=mc-set ;; esac
			tag=$op-$size-c$c
			[ -z "${mc_up:-}" ] ||
				probe "mc-$tag" virgo-bench "$cmd" "$peer" $mc_port "$c" "$mc_n" "$size"
			[ -z "${virgo_up:-}" ] ||
				probe "virgo-$tag" virgo-bench "$cmd" "$peer" $virgo_port "$c" "$mc_n" "$size"
			speedup "virgo-vs-mc-$tag" "virgo-$tag" "mc-$tag"
		done
	done
done

# virgo_get of a VUID on node 2: with node 1 out of the balancer's choice,
# virgo_malloc can only place it there (virgo-bench checks that it did).
# libmemcached's load generator, memaslap (Debian's memcaslap), against
# both servers: its own keys and values, 5 s each, one thread.
memaslap() {	# memaslap NAME PORT CONNS SIZE
	out=$(memcaslap -s "$peer:$2" -T 1 -c "$3" -t 5s -X "$4" 2>&1)
	tps=$(echo "$out" | sed -n 's/.*TPS: \([0-9][0-9]*\).*/\1/p' | tail -n 1)
	if [ -n "$tps" ] && [ "$tps" -gt 0 ]; then
		echo "result $1 memaslap ops_s=$tps" | tee -a $bench_results
	else
		echo "error $1: $(echo "$out" | tail -n 1)"
		failed=1
	fi
}
for size in $sizes; do
	for c in 1 16; do
		[ -z "${mc_up:-}" ] || memaslap "slap-mc-$size-c$c" $mc_port $c $size
		[ -z "${virgo_up:-}" ] || memaslap "slap-virgo-$size-c$c" $virgo_port $c $size
		awk -v a="slap-virgo-$size-c$c" -v b="slap-mc-$size-c$c" '
			$1 == "result" { split($4, kv, "="); v[$2] = kv[2] }
			END { if (v[a] > 0 && v[b] > 0)
				printf "ratio slap-virgo-vs-mc-%s ops=%.2f\n", substr(a, 12), v[a] / v[b] }' \
			$bench_results
	done
done

if ! wait_until 60 virgo-bench tcp-rtt "$peer" 7777 1 1 >/dev/null 2>&1; then
	echo "error raw-tcp: no echo server on $peer:7777"
	failed=1
else
	probe raw-tcp virgo-bench tcp-rtt "$peer" 7777 "$tcp_n" "$mem_size"
fi
if ! echo 0 > $client; then
	echo "error virgo_get: cannot write 0 to $client"
	failed=1
else
	probe virgo_get virgo-bench mem-get-rtt "$mem_n" "$mem_size" 2
	bench_keyed "$peer" &&
		probe virgo_get-keyed virgo-bench mem-get-rtt "$mem_n" "$mem_size" 2
	echo 1 > $client
fi
ratio virgo_get raw-tcp
ratio virgo_get-keyed raw-tcp
ratio virgo_get-keyed virgo_get
exit "$failed"
