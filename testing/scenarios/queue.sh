#!/bin/sh
# The queue and KingCobra on 3 nodes: publish/reply round trips between
# every pair of nodes, the seed's telnet form, 1,000 requests (100 on the
# debug kernel) from two publishers each answered exactly once, a full
# queue, malformed input, asynchronous virgo_clone, and the log's records.
. virgo-test.sh

cfs=/sys/kernel/config/virgo
q=$cfs/queue
all_up() {
	for n in $(seq 1 "$VIRGO_NODES"); do
		[ "$(cat $cfs/nodes/$n/state)" = up ] || return 1
	done
}
addr() { echo "${VIRGO_NODE_ADDR%.*}.$1"; }
# port NODE: the lines on stdin to node NODE's port 60000, its answers out
port() { nc -w 5 "$(addr "$1")" 60000; }

check "every node up" wait_until 30 all_up
check_eq "the log is open" open "$(cut -d' ' -f1 $q/state)"

# ------------------------------------------------------------ round trips
for n in 1 2 3; do
	id=$(virgo queue publish --node "$n" echo "hello node $n")
	check "publish to node $n gives an id of node 1" sh -c "echo '$id' | grep -Eq '^1:[0-9]+:[0-9]+$'"
	check_eq "node $n's REPLY comes back" "hello node $n" \
		"$(virgo queue wait --timeout 10000 "$id")"
	virgo queue wait --timeout 0 "$id" 2>/dev/null
	check_eq "and only once" 1 "$?"
done
# From every node to every other: node A's port publishes to node B and waits.
for a in 2 3; do
	for b in 1 2 3; do
		out=$(printf 'PUBLISH echo 6 %s 10000\n%s to %s\n' "$b" "$a" "$b" | port "$a")
		first=$(echo "$out" | head -n 1)
		check "node $a publishes to node $b" sh -c \
			"echo '$first' | grep -Eq '^QUEUED $a:[0-9]+:[0-9]+ [0-9]+ $b\$'"
		check_eq "node $a gets node $b's REPLY" "$a to $b" "$(echo "$out" | sed -n 3p)"
	done
done

# ------------------------------------------------------------ telnet form
out=$(echo "disk full on the east rack" | port 2)
echo "# $out"
check "a bare line is queued on node 2 with its id" sh -c \
	"echo '$out' | grep -Eq '^QUEUED 2:[0-9]+:[0-9]+ [0-9]+ 2\$'"
id=$(echo "$out" | cut -d' ' -f2)
out=$(echo "WAIT $id 5000" | port 2)
check_eq "its REPLY is the default service's (echo)" "DATA 26 $id 0 2
disk full on the east rack" "$out"
out=$(printf 'PUBLISH problem-report 9 3 10000\nfan stuck\n' | port 2 | tail -n 1)
check "problem-report is logged and answered" sh -c "echo '$out' | grep -Eq '^problem report 2:[0-9]+:[0-9]+ logged\$'"
out=$(printf 'PUBLISH no-such 1 3 10000\nx\n' | port 2 | sed -n 2p)
check "an unknown service gets an error REPLY" sh -c "echo '$out' | grep -Eq '^DATA [0-9]+ 2:[0-9:]+ -2 3\$'"

# ------------------------------------------------------------ malformed
out=$({ printf 'WAIT 1:1\nWAIT 0:1:1 10\nLIST x\nPUBLISH bad#name 1\nz\n'
	printf 'PUBLISH echo 70000\n'; head -c 70000 /dev/zero; printf '\nWAIT 2:1:99999999 0\n'; } | port 2)
echo "$out" | sed 's/^/# /'
check_eq "malformed lines get errors and the connection goes on" \
	"ERROR EINVAL malformed request
ERROR EINVAL malformed request
ERROR EINVAL malformed request
ERROR EINVAL malformed request
ERROR EMSGSIZE payload too long
ERROR ENOENT no such message, or the queue has no log yet" "$out"
out=$(printf 'REQUEST 1:1:1 1 echo 1\nx\nREPLY 1:1:1 1 0 1\ny\n' | nc -w 5 127.0.0.1 60000)
check_eq "REQUEST and REPLY only from other nodes" "ERROR EPERM only the cluster's nodes may send this
ERROR EPERM only the cluster's nodes may send this" "$out"
out=$(printf 'REQUEST 2:1:1 1 echo 1\nx\n' | port 3)
check_eq "a node may not send another node's request" \
	"ERROR EPERM only the cluster's nodes may send this" "$out"
# 10,000 lines; 2,000 on the debug kernel (the same parser, five times slower).
bad=10000
debug_kernel && bad=2000
i=0
while [ $i -lt $((bad / 2)) ]; do
	printf 'WAIT x\nLIST 1 2\n'
	i=$((i + 1))
done > /tmp/junk
check_eq "$bad malformed lines, $bad errors on one connection" \
	"$bad ERROR EINVAL" "$(port 3 < /tmp/junk | sort | uniq -c | awk '{ print $1, $2, $3 }')"
check "and the service still answers" sh -c \
	"echo hi | nc -w 5 $(addr 3) 60000 | grep -q '^QUEUED 3:'"

# ------------------------------------------------------------ async clone
id=$(virgo clone --async --node 2 node_info)
check "async clone returns an id at once" sh -c "echo '$id' | grep -Eq '^1:[0-9]+:[0-9]+$'"
out=$(virgo queue wait -v --timeout 10000 "$id" 2>/tmp/v)
check_eq "its result comes back as the REPLY" 2 "$(field "$out" node)"
check "ran on node 2, status 0" grep -q "ran on node 2, status 0" /tmp/v

# ------------------------------------------------------------ many
# 500 a publisher; 50 on the debug kernel, which looks for other bugs
# (each publish and each wait is a program started, and a debug kernel
# forks slowly).
per=500
debug_kernel && per=50
pub() {
	i=0
	while [ $i -lt $per ]; do
		virgo queue publish echo "$1-$i" || return 1
		i=$((i + 1))
	done
}
pub a > /tmp/ids.a & pa=$!
pub b > /tmp/ids.b & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "$((2 * per)) publishes from two publishers acknowledged" [ "$ra$rb" = 00 ]
check_eq "$((2 * per)) distinct ids" $((2 * per)) "$(cat /tmp/ids.a /tmp/ids.b | sort -u | wc -l)"
got=0
for p in a b; do
	i=0
	while read -r id; do
		[ "$(virgo queue wait --timeout 20000 "$id")" = "$p-$i" ] && got=$((got + 1))
		i=$((i + 1))
	done < /tmp/ids.$p
done
check_eq "every REPLY received, each its own" $((2 * per)) "$got"
again=0
for id in $(cat /tmp/ids.a /tmp/ids.b | shuf -n 50); do
	virgo queue wait --timeout 0 "$id" >/dev/null 2>&1 && again=$((again + 1))
done
check_eq "none twice" 0 "$again"

# ------------------------------------------------------------ full queue
echo 1 > $q/paused
echo 4 > $q/peer_messages
ok=0
full=
for i in 1 2 3 4 5 6; do
	if id=$(virgo queue publish --node 1 echo "held $i" 2>/tmp/err); then
		ok=$((ok + 1)); echo "$id" >> /tmp/held
	else
		full=$(cat /tmp/err)
	fi
done
check_eq "a publisher's share of 4 is acknowledged" 4 "$ok"
check "then EAGAIN" sh -c "echo '$full' | grep -q 'Resource temporarily unavailable'"
check "the node keeps serving" sh -c "printf 'LIST\n' | nc -w 5 127.0.0.1 60000 | grep -q '^DATA '"
echo 1024 > $q/peer_messages
echo 0 > $q/paused
got=0
while read -r id; do
	virgo queue wait --timeout 10000 "$id" >/dev/null && got=$((got + 1))
done < /tmp/held
check_eq "what was acknowledged while full is serviced after" 4 "$got"

# ------------------------------------------------------------ the log
virgo queue log > /tmp/log.txt
check "the log's records all read back (virgo queue log)" [ $? = 0 ]
check "REQUEST, REPLY and TAKEN records" sh -c \
	"grep -q '^REQUEST ' /tmp/log.txt && grep -q '^REPLY ' /tmp/log.txt && grep -q '^TAKEN ' /tmp/log.txt"
check_eq "the log is printable text: no NUL, no control byte" 0 \
	"$(tr -d ' -~\n' < /var/log/kingcobra/REQUEST_REPLY.queue | wc -c)"

# ------------------------------------------------------------ rotation
echo 64 > $q/max_log_kb
rot0=$(cut -d' ' -f5 $q/stats)
big=$(head -c 2000 /dev/zero | tr '\0' 'r')
got=0
for i in $(seq 1 60); do
	id=$(virgo queue publish --node 2 echo "$i$big") &&
		[ "$(virgo queue wait --timeout 10000 "$id")" = "$i$big" ] && got=$((got + 1))
done
check_eq "60 REPLYs of 2 KB while the log rotates" 60 "$got"
log=/var/log/kingcobra/REQUEST_REPLY.queue
check "the log rotated past max_log_kb" [ "$(cut -d' ' -f5 $q/stats)" -gt "$rot0" ]
check "the old log is kept as REQUEST_REPLY.queue.1" [ -s $log.1 ]
check "the log stays near its cap (under 2 x 64 KiB)" [ "$(wc -c < $log)" -lt 131072 ]
check "the rotated log reads back" sh -c "virgo queue log $log.1 >/dev/null"
echo 65536 > $q/max_log_kb

finish
