#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cloudfs benchmark, on node 1 of a 2-node cluster (testing/bench/run):
# sequential write and read of a file in node 2's export through
# virgo_write/virgo_read, 1 MiB a call, against raw TCP streams of the same
# size between the same nodes (virgo-bench stream, node 2's port 7778).
# Prints "result NAME bytes=.. seconds=.. mib_s=.." and
# "ratio NAME share=..": cloudfs's rate over raw TCP's (goal: 0.7 or more).
. virgo-test.sh
. /scenario/bench.sh

size=$((64 << 20))
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error cloudfs: needs 2 nodes"; exit 1; }
# shellcheck disable=SC2086
set -- $VIRGO_NODE_ADDRS
peer=$2

virgo-wait-nodes 180 || exit 1
bench_clock || exit 1
wait_until 60 virgo-bench stream "$peer" 7778 w 1 >/dev/null 2>&1 ||
	{ echo "error raw-tcp: no stream server on $peer:7778"; exit 1; }

# Each twice, alternately; the second of each pair is reported.
for round in 1 2; do
	probe tcp-write virgo-bench stream "$peer" 7778 w "$size"
	probe fs-write virgo-bench fs-stream 2 bench.bin w "$size"
	probe tcp-read virgo-bench stream "$peer" 7778 r "$size"
	probe fs-read virgo-bench fs-stream 2 bench.bin r "$size"
done

share() {	# share NAME A B: A's rate over B's, from the last results
	awk -v a="$2" -v b="$3" -v name="$1" '
		$1 == "result" {
			for (i = 3; i <= NF; i++) {
				split($i, kv, "=")
				v[$2, kv[1]] = kv[2]
			}
		}
		END {
			if (v[a, "mib_s"] > 0 && v[b, "mib_s"] > 0)
				printf "ratio %s share=%.2f\n", name, v[a, "mib_s"] / v[b, "mib_s"]
		}' "$bench_results"
}
if bench_keyed "$peer"; then
	for round in 1 2; do
		probe fs-write-keyed virgo-bench fs-stream 2 bench.bin w "$size"
		probe fs-read-keyed virgo-bench fs-stream 2 bench.bin r "$size"
	done
fi
share fs-write/tcp-write fs-write tcp-write
share fs-read/tcp-read fs-read tcp-read
share fs-write-keyed/tcp-write fs-write-keyed tcp-write
share fs-read-keyed/tcp-read fs-read-keyed tcp-read
share fs-write-keyed/fs-write fs-write-keyed fs-write
share fs-read-keyed/fs-read fs-read-keyed fs-read
exit "$failed"
