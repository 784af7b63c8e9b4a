#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The queue benchmark, on node 1 of a 2-node cluster (testing/bench/run
# boots it twice: the queue's log in RAM, then with --disk on each node's
# ext4 disk). In one run on the same nodes: the floor, a raw TCP round trip
# to node 2; publish->REPLY, virgo_publish of "echo" to node 2 and
# virgo_wait for its REPLY, one sample the two calls together; and
# acknowledged publishes to node 2 per second from 1 and from 8 publishers
# (threads), their REPLYs collected after the last publish. Node 2 runs
# /scenario/serve, which raises its queue's message caps to the run's
# queue_messages, as node 1 does here: a rate run holds every message it
# published until it collects the REPLYs.
# Prints, AT being where the log is (ram or disk),
#   result raw-tcp-AT|publish-reply-AT|publish-1-AT|publish-8-AT <virgo-bench line>
#   ratio publish-reply-AT/raw-tcp-AT median=.. p99=..
#   ratio publish-8-AT/publish-1-AT ops=.. median=.. p99=..
#	8 publishers' rate over 1's, and 1's latencies over 8's
# and "error <probe>: <why>" for a probe that failed, then exits non-zero:
# no number is ever made up.
. virgo-test.sh
. bench.sh

tcp_n=2000
queue_n=500
pub_n=2000
size=64
queue_messages=
# testing/bench/run may override the counts and set the caps.
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error queue: needs 2 nodes"; exit 1; }
# shellcheck disable=SC2086
set -- $VIRGO_NODE_ADDRS
peer=$2
q=/sys/kernel/config/virgo/queue

virgo-wait-nodes 180 || exit 1
bench_clock || exit 1

# fs_of DIR: the type of the file system DIR is on.
fs_of() {
	awk -v d="$1/" '{ m = $2 == "/" ? "/" : $2 "/" }
		index(d, m) == 1 && length(m) > best { best = length(m); fs = $3 }
		END { print fs }' /proc/mounts
}

# Where the log is, as the harness meant it: on the disk with --disk.
if [ "$(cut -d' ' -f1 $q/state)" != open ]; then
	echo "error queue: node 1's queue has no log ($(cat $q/state))"
	exit 1
fi
dir=$(cat $q/log_dir)
fs=$(fs_of "$dir")
echo "# queue log: $dir on $fs"
case "${VIRGO_DISK:-0}:$fs" in
1:ext4)	at=disk ;;
0:ext4|1:*)
	echo "error queue: the log is on $fs, with VIRGO_DISK=${VIRGO_DISK:-0}"
	exit 1 ;;
*)	at=ram ;;
esac

if [ -n "$queue_messages" ] &&
   ! { echo "$queue_messages" > $q/max_messages &&
       echo "$queue_messages" > $q/peer_messages; }; then
	echo "error queue: cannot raise node 1's caps to $queue_messages messages"
	exit 1
fi
echo "# caps: $(cat $q/max_messages) messages, $(cat $q/peer_messages) a publisher"

# Node 2's serve raises its caps before its echo server answers.
if ! wait_until 60 virgo-bench tcp-rtt "$peer" 7777 1 1 >/dev/null 2>&1; then
	echo "error raw-tcp-$at: no echo server on $peer:7777"
	failed=1
else
	probe raw-tcp-$at virgo-bench tcp-rtt "$peer" 7777 "$tcp_n" "$size"
fi

probe publish-reply-$at virgo-bench queue-rtt "$queue_n" 2 "$size"
probe publish-1-$at virgo-bench queue-pub "$pub_n" 2 "$size" 1
probe publish-8-$at virgo-bench queue-pub "$pub_n" 2 "$size" 8
echo "# node 1's queue after the run: $(cat $q/stats) (messages bytes damaged torn rotations)"

ratio publish-reply-$at raw-tcp-$at
speedup publish-8-$at/publish-1-$at publish-8-$at publish-1-$at
exit $failed
