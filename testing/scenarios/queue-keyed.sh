#!/bin/sh
# The queue in a keyed cluster: publishes and REPLYs travel on the
# authenticated transport; a client without the key gets nothing queued.
. virgo-test.sh

check "every node up" virgo-wait-nodes 120
check_eq "the cluster is keyed" virgo-auth-v3 "$(cat /sys/kernel/config/virgo/auth)"
for n in 1 2 3; do
	id=$(virgo queue publish --node "$n" echo "keyed $n")
	check_eq "a REPLY from node $n" "keyed $n" "$(virgo queue wait --timeout 10000 "$id")"
done
id=$(virgo clone --async --node 3 node_info)
check_eq "async clone on node 3" 3 "$(field "$(virgo queue wait --timeout 10000 "$id")" node)"
out=$(echo "no key here" | nc -w 3 "${VIRGO_NODE_ADDR%.*}.2" 60000 | head -n 1)
echo "# $out"
check "a client without the key queues nothing" sh -c "! echo '$out' | grep -q QUEUED"
finish
