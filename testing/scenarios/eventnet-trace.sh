#!/bin/sh
# EventNet's trace in a keyed cluster of 3 (frames carry Lamport times):
# with eventnet/trace on, every node's calls become events recorded on
# node 1; a virgo_clone from node 1 to node 2 is two events joined by an
# edge, ordered by their Lamport times and vector clocks; every traced
# kind of call appears; a collector that cannot be reached makes events
# drop and be counted, and never slows a call down.
. virgo-test.sh

cfs=/sys/kernel/config/virgo/eventnet
dir=$(cat $cfs/dir)
V=$dir/EventNetVertices.txt E=$dir/EventNetEdges.txt
stat() { sed -n "s/^$1 //p" $cfs/status; }
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
# vertex PATTERN: the first event whose name matches PATTERN (a regex)
vertex() { grep -Eo "^$1" $V | head -n 1; }

check "every node up" virgo-wait-nodes 120
check_eq "the cluster is keyed" virgo-auth-v3 "$(cat /sys/kernel/config/virgo/auth)"
echo 1 > $cfs/trace
check_eq "trace on" 1 "$(cat $cfs/trace)"

# ------------------------------------------------------------ one clone
virgo clone --node 2 node_info > /dev/null
served() { grep -Eq '^clone@2\.[0-9]+ - node1,node2 - \(node1,node2\)$' $V; }
check "node 2's event for the clone it served reaches node 1" wait_until 20 served
caller=$(vertex 'clone@1\.[0-9]+')
server=$(vertex 'clone@2\.[0-9]+')
echo "# caller $caller, server $server"
check "the caller's event: node 1 asked node 2" \
	grep -qx "$caller - node1,node2 - (node1,node2)" $V
check "an edge joins the caller's event to the server's" \
	wait_until 10 grep -qx "$caller,$server" $E
check "the server's Lamport time is past the caller's" [ "${server#*.}" -gt "${caller#*.}" ]
virgo eventnet dot > /tmp/trace.dot
lc=$(grep -F "label=\"$caller\\n" /tmp/trace.dot | sed -n 's/.* V \([0-9:,]*\)".*/\1/p')
ls=$(grep -F "label=\"$server\\n" /tmp/trace.dot | sed -n 's/.* V \([0-9:,]*\)".*/\1/p')
echo "# vector clocks: caller $lc, server $ls"
cat > /tmp/before <<'EOS'
#!/bin/sh
# before A B: the vector clock A (1:3,2:1) happened before B
awk -v a="$1" -v b="$2" 'BEGIN {
	n = split(a, x, ","); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); va[kv[1]] = kv[2] }
	n = split(b, x, ","); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); vb[kv[1]] = kv[2] }
	for (k in va) if (va[k] + 0 > vb[k] + 0) exit 1
	for (k in vb) if (vb[k] + 0 > va[k] + 0) less = 1
	exit !less }'
EOS
chmod +x /tmp/before
check "both have vector clocks" [ -n "$lc" -a -n "$ls" ]
check "the vector clocks order them: caller before server" /tmp/before "$lc" "$ls"
check "and not the other way" sh -c "[ -n '$lc' ] && ! /tmp/before '$ls' '$lc'"
virgo eventnet order > /tmp/order
check "the order puts the caller first" \
	[ "$(grep -n " - $caller\$" /tmp/order | cut -d: -f1)" -lt "$(grep -n " - $server\$" /tmp/order | cut -d: -f1)" ]

# ------------------------------------------------------------ every kind
vuid=$(virgo malloc 64)
echo hello | virgo set "$vuid" --stdin
virgo get "$vuid" 5 > /dev/null
virgo free "$vuid"
echo data | virgo fs put --node 3 traced.txt
virgo fs cat --node 3 traced.txt > /dev/null
id=$(virgo queue publish --node 2 echo traced)
virgo queue wait --timeout 10000 "$id" > /dev/null
# joined OP [other]: an edge from a caller's OP event to a server's, later
# in Lamport time (and on another node).
cat > /tmp/joined <<'EOS'
#!/bin/sh
awk -F, -v op="$1" -v other="$2" '
	function node(v) { sub(/^[^@]*@/, "", v); sub(/\..*/, "", v); return v + 0 }
	function tm(v) { sub(/^.*\./, "", v); return v + 0 }
	index($1, op "@") == 1 && index($2, op "@") == 1 && tm($2) > tm($1) &&
	    (other == "" || node($1) != node($2)) { found = 1 }
	END { exit !found }' "$3"
EOS
chmod +x /tmp/joined
for op in malloc set get free; do
	check "$op: the caller's and the server's events, joined" \
		wait_until 20 /tmp/joined $op "" $E
done
for op in open write read close publish reply; do
	check "$op: the caller's and the other node's events, joined" \
		wait_until 20 /tmp/joined $op other $E
done
check "every edge's ends have vertex lines" /scenario/check-files "$dir"
check "the trace has no cycle: every edge goes forward in time" sh -c "virgo eventnet order > /dev/null"
virgo eventnet dot > /tmp/trace.dot
echo "# node 1: $(echo $(cat $cfs/status))"

# ------------------------------------------------------------ flood
# Node 1's collector is node 3, paused: deliveries wait for their connect
# to time out or fail, the ring (8 events) fills; events drop or are lost,
# and counted; the calls go on as fast as without the trace. (The ring's
# bound itself is KUnit's: virgo_test_enet_ring.)
calls() {
	i=0
	while [ $i -lt 30 ]; do
		virgo get "$(virgo malloc 64)" 1 > /dev/null
		i=$((i + 1))
	done
}
echo 0 > $cfs/trace
virgo-fault stop 3 > /dev/null
check "node 3 paused: not up" wait_until 30 sh -c "[ \"\$(cat /sys/kernel/config/virgo/nodes/3/state)\" != up ]"
start=$(ms); calls; off=$(($(ms) - start))
echo 3 > $cfs/collector
echo 8 > $cfs/queue_len
echo 1 > $cfs/trace
dropped=$(stat dropped) lost=$(stat lost)
start=$(ms); calls; on=$(($(ms) - start))
echo "# 30 malloc+get: $off ms untraced, $on ms traced with the collector paused"
echo "# node 1: $(echo $(cat $cfs/status))"
check "events were dropped or lost, and counted" \
	[ $(($(stat dropped) + $(stat lost))) -gt $((dropped + lost)) ]
check "the calls did not wait for the collector ($on ms, $off untraced)" \
	[ "$on" -lt $((2 * off + 3000)) ]
echo 0 > $cfs/trace
echo 0 > $cfs/collector
echo 256 > $cfs/queue_len
virgo-fault cont 3 > /dev/null
check "node 3 is back" virgo-wait-nodes 60

# The graph, for the host's Graphviz and the documentation's picture.
echo "# dot begins"
sed 's/^/#dot| /' /tmp/trace.dot
echo "# dot ends"
finish
