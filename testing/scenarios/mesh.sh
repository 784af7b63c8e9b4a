#!/bin/sh
# Every node boots a -virgo kernel with the VIRGO core and reaches every
# other node over the segment. Works for any node count.
. virgo-test.sh

check "all $VIRGO_NODES nodes answer" virgo-wait-nodes 180
for addr in $VIRGO_NODE_ADDRS; do
	info=$(node_info "$addr")
	echo "# $addr: $info"
	id=${addr##*.}
	check_eq "$addr is node $id" "$id" "$(field "$info" node)"
	release=$(field "$info" release)
	check "$addr runs a -virgo kernel ($release)" \
		test "${release%-virgo}" != "$release"
	check_eq "$addr runs the VIRGO core, this node's ABI" \
		"$(cat /sys/kernel/virgo/abi_version)" "$(field "$info" abi)"
	check_eq "$addr reaches every node" "$(all_ids)" "$(field "$info" reach)"
done
finish
