#!/bin/sh
# Every node loads the same configuration at boot: all see each other up
# with a fresh load report within seconds, the core service answers on
# every node, and the balancer policy is switchable at run time.
. virgo-test.sh

all_up() {
	for n in $(seq 1 "$VIRGO_NODES"); do
		[ "$(cat /sys/kernel/config/virgo/nodes/$n/state)" = up ] || return 1
	done
}
view_all_up() {
	want=$(for n in $(seq 1 "$VIRGO_NODES"); do printf '%s:up,' "$n"; done)
	[ "$(field "$(node_info "$1")" view)," = "$want" ]
}

start=$(date +%s)
check "node 1 sees every node up" wait_until 15 all_up
echo "# all up after $(($(date +%s) - start)) s"
virgo status | sed 's/^/# /'
check "the nodes' view agrees" virgo-wait-nodes 60
for addr in $VIRGO_NODE_ADDRS; do
	check "$addr sees every node up" wait_until 15 view_all_up "$addr"
done
for n in $(seq 2 "$VIRGO_NODES"); do
	check "node $n has a load report" \
		sh -c "[ \$(cut -d' ' -f3 /sys/kernel/config/virgo/nodes/$n/load) -gt 0 ]"
	# Polled every second; the harness tells the guest its TSC rate, so
	# a round trip is measured in microseconds: never 0, never past the
	# 1 s call timeout.
	check "node $n has a measured round-trip time within the call timeout" \
		sh -c "r=\$(cat /sys/kernel/config/virgo/nodes/$n/rtt_us); [ \$r -gt 0 -a \$r -le 1000000 ]"
	check_eq "core service on node $n answers" "pong $n" \
		"$(virgo send --node "$n" core ping)"
done
# Round trips to node 2, sampled over 5 s (the liveness poll measures them).
for i in $(seq 10); do
	cat /sys/kernel/config/virgo/nodes/2/rtt_us
	sleep 0.5
done | sort -n | tr '\n' ' ' | sed 's/^/# node 1 -> node 2 round trips (us), sorted: /'
echo

check_eq "this node is node 1" 1 "$(cat /sys/kernel/config/virgo/node_id)"
check_eq "lab mode without a key" none "$(cat /sys/kernel/config/virgo/auth)"
for policy in prg round-robin least-loaded; do
	check_eq "balancer set to $policy" "$policy" "$(virgo balancer $policy)"
done
check "an unknown policy is refused" sh -c '! virgo balancer fastest 2>/dev/null'
virgo balancer round-robin >/dev/null
check_eq "round-robin visits every node" \
	"$(seq 1 "$VIRGO_NODES" | sed 's/.*/node &: 2/')" "$(virgo pick $((2 * VIRGO_NODES)))"

# Bad configuration files are refused with their line and change nothing.
printf '198.18.0.1\n198.18.0.2,bogus\n' > /tmp/bad.conf
out=$(virgo config load --cloud /tmp/bad.conf 2>&1)
check_eq "a bad file names its line" "virgo: /tmp/bad.conf:2: 'bogus' is not an IPv4 address" "$out"
check "a bad file changed nothing" all_up
finish
