#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cluster lock benchmark, on node 1 of a 3-node cluster (lab mode).
# Node 1 is the lock master (the lowest node up): the uncontended figures
# come from node 2, asked through its serve (port 7790), so that every
# lock and unlock crosses the network. In one run on the same nodes:
#   raw-tcp            node 2 to node 1, a TCP request and echo of 64 bytes
#   lock-uncontended   node 2: virgo_lock(2) + virgo_unlock(2) of a lock
#                      nobody else takes; one sample is both calls
#   lock-contended-N   node N's pairs while all 3 nodes take one lock
#   lock-contended     the 3 nodes' rates added (ops_s)
# then "ratio lock-uncontended/raw-tcp median=.. p99=..". A failed probe
# prints "error ..." and the run exits non-zero: no number is made up.
. virgo-test.sh
. bench.sh

tcp_n=2000
lock_n=500
[ -f /scenario/bench.conf ] && . /scenario/bench.conf
net=${VIRGO_NODE_ADDR%.*}

[ "$VIRGO_NODES" -ge 3 ] || { echo "error cloudsync: needs 3 nodes"; exit 1; }
virgo-wait-nodes 180 || exit 1
bench_clock || exit 1
virgo-bench tcp-server 7777 &
if ! wait_until 60 sh -c "head -n 1 /sys/kernel/config/virgo/cloudsync/status | grep -q ' this-node'"; then
	echo "error cloudsync: node 1 is not the lock master: $(head -n 1 /sys/kernel/config/virgo/cloudsync/status)"
	exit 1
fi

# remote NODE WHAT N ARG: a probe on NODE's serve; its line, or its error.
cat > /tmp/remote <<'EOS'
#!/bin/sh
out=$(echo "$2 $3 $4" | nc -w 900 "$1" 7790)
case "$out" in
*-rtt\ n=*) echo "$out" ;;
*) echo "${out:-no answer from $1}" >&2; exit 1 ;;
esac
EOS
chmod +x /tmp/remote

probe raw-tcp /tmp/remote $net.2 tcp $tcp_n $VIRGO_NODE_ADDR
probe lock-uncontended /tmp/remote $net.2 lock $lock_n bench-free
ratio lock-uncontended raw-tcp

# All three at once on one lock; each node's rate, then their sum.
/tmp/remote $net.2 lock $lock_n bench-shared > /tmp/c2 2>&1 &
p2=$!
/tmp/remote $net.3 lock $lock_n bench-shared > /tmp/c3 2>&1 &
p3=$!
probe lock-contended-1 virgo-bench lock-rtt $lock_n bench-shared
wait $p2 && probe lock-contended-2 cat /tmp/c2 || { echo "error lock-contended-2: $(cat /tmp/c2)"; failed=1; }
wait $p3 && probe lock-contended-3 cat /tmp/c3 || { echo "error lock-contended-3: $(cat /tmp/c3)"; failed=1; }
if [ $failed = 0 ]; then
	awk '$1 == "result" && $2 ~ /^lock-contended-/ {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ops_s") sum += kv[2] }
	} END { printf "result lock-contended n=3 ops_s=%.0f\n", sum }' $bench_results
fi
exit $failed
