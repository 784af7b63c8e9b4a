#!/bin/sh
# The queue across power cuts, on 3 nodes with disks: every request that
# node 2 acknowledged is serviced after it is restarted, each REPLY
# reaches its publisher exactly once, a REPLY node 2 could not deliver is
# sent again after its restart, a torn last record is cut, and node 2's
# ids stay unique.
. virgo-test.sh

addr2=${VIRGO_NODE_ADDR%.*}.2
# nc -w bounds only the connect: node 2 restarting mid-answer would hold it.
state2() { timeout 10 nc -w 3 "$addr2" 8 </dev/null; }
up2() { state2 | grep -q '^state open'; }
restart2() {
	virgo-fault restart 2 >/dev/null &&
		wait_until 60 up2 && virgo-wait-nodes 60 >/dev/null
}
# collect FILE: each "ID PAYLOAD" line's REPLY is PAYLOAD, then gone; after
# three misses the rest get no more time.
collect() {
	good=0 twice=0 wait=30000
	while read -r id want; do
		if [ "$(virgo queue wait --timeout $wait "$id")" = "$want" ]; then
			good=$((good + 1))
		elif [ $((${miss:=0} + 1)) -ge 3 ]; then
			wait=0
		else
			miss=$((miss + 1))
		fi
		virgo queue wait --timeout 0 "$id" >/dev/null 2>&1 && twice=$((twice + 1))
	done < "$1"
	echo "$good $twice"
}

check "every node up" virgo-wait-nodes 120
check "node 2 has its disk and its queue" up2
epoch0=$(state2 | awk '/^state/ { print $3 }')

# ------------------------------------------------------------ acknowledged, then cut
hold=$(virgo queue publish --node 2 clone "$(printf 'sleep\n3000')")
: > /tmp/acked
for i in $(seq 1 20); do
	id=$(virgo queue publish --node 2 echo "crash-$i") && echo "$id crash-$i" >> /tmp/acked
done
check_eq "node 2 acknowledged 20 requests queued behind a slow one" 20 "$(wc -l < /tmp/acked)"
check "node 2 restarts from a power cut" restart2
state2 | sed 's/^/# after the cut: /'
check_eq "all 20 serviced after the restart, each REPLY once" "20 0" "$(collect /tmp/acked)"
check_eq "the slow one too" "slept 3000 ms" "$(virgo queue wait --timeout 30000 "$hold" | tr -d '\n')"
epoch1=$(state2 | awk '/^state/ { print $3 }')
check "node 2's epoch grew: its ids stay unique" [ "$epoch1" -gt "$epoch0" ]

# ------------------------------------------------------------ cut mid-burst
: > /tmp/burst
( for i in $(seq 1 60); do
	id=$(virgo queue publish --node 2 echo "burst-$i" 2>/dev/null) && echo "$id burst-$i" >> /tmp/burst
	sleep 0.05
  done ) &
burst=$!
sleep 1
check "node 2 restarts in the middle of a burst" restart2
wait $burst
n=$(wc -l < /tmp/burst)
echo "# $n of 60 publishes acknowledged"
check "some were acknowledged" [ "$n" -gt 0 ]
check_eq "every acknowledged one is answered, once" "$n 0" "$(collect /tmp/burst)"

# ------------------------------------------------------------ a REPLY not yet delivered
hold=$(virgo queue publish --node 2 clone "$(printf 'sleep\n2000')")
id=$(virgo queue publish --node 2 echo "undelivered")
check "node 1 is cut off" sh -c "virgo-fault cut 1 >/dev/null"
sleep 4
check "node 2 restarts while it holds the REPLY" sh -c "virgo-fault restart 2 >/dev/null"
sleep 3
check "node 1 joins again" sh -c "virgo-fault join 1 >/dev/null"
check_eq "the REPLY comes after node 2's restart" undelivered \
	"$(virgo queue wait --timeout 60000 "$id")"
virgo queue wait --timeout 60000 "$hold" >/dev/null
check "node 2 is back" wait_until 60 up2

# ------------------------------------------------------------ a torn record
check_eq "half a record at the end of node 2's log" torn "$(nc -w 3 "$addr2" 12 </dev/null)"
check "node 2 restarts" restart2
out=$(state2)
echo "$out" | sed 's/^/# /'
check "the torn record was cut" sh -c "echo '$out' | awk '/^stats/ { exit !(\$5 > 0) }'"
check "the log reads back whole" sh -c "echo '$out' | grep -q '^log-ok'"
id=$(virgo queue publish --node 2 echo after)
check_eq "and node 2 serves on" after "$(virgo queue wait --timeout 10000 "$id")"

finish
