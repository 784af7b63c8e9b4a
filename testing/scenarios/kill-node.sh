#!/bin/sh
# Killing one node leaves the others running and reaching each other.
. virgo-test.sh

victim=$VIRGO_NODES
check "all nodes answer" virgo-wait-nodes 180
check "the harness kills node $victim" virgo-fault kill "$victim"
victim_addr=${VIRGO_NODE_ADDR%.*}.$victim
gone() { ! ping -c 1 -W 1 "$victim_addr" >/dev/null 2>&1; }
check "node $victim is gone" wait_until 30 gone

survivors=$(seq -s, 1 $((VIRGO_NODES - 1)))
i=1
while [ "$i" -lt "$VIRGO_NODES" ]; do
	info=$(node_info "${VIRGO_NODE_ADDR%.*}.$i")
	check_eq "node $i still runs and reaches the survivors" "$survivors" \
		"$(field "$info" reach)"
	i=$((i + 1))
done
check "a killed node cannot be acted on again" sh -c "! virgo-fault kill $victim"
finish
