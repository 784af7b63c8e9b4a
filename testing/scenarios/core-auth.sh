#!/bin/sh
# With a cluster key (added as /scenario/virgo_cluster.key), every node
# runs the mutual handshake and protected frames: what an attacker on the
# network or a local user tries is refused, the services stay up, and a
# new key, a removed node or a moved node ends what was admitted before.
. virgo-test.sh

cfs=/sys/kernel/config/virgo
net=${VIRGO_NODE_ADDR%.*}
key=/etc/virgo_cluster.key
n2=$net.2
hex64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

up() {
	[ "$(cat $cfs/nodes/$1/state)" = up ]
}
setkey() {	# setkey FILE: as virgo config load writes it, one line of hex
	tr -d ' \t\r\n' < "$1" > $cfs/key
}
pong2() {
	[ "$(virgo send --node 2 core ping)" = "pong 2" ]
}

check_eq "the cluster runs the v3 handshake" virgo-auth-v3 "$(cat $cfs/auth)"
check "every node up, authenticated" wait_until 20 sh -c "for n in \$(seq 1 $VIRGO_NODES); do [ \"\$(cat $cfs/nodes/\$n/state)\" = up ] || exit 1; done"
check_eq "virgo send with the key" "pong 2" "$(virgo send --node 2 core ping)"

# --- Lamport time in every frame: a reply's time exceeds its request's,
# on every service; node 2's clock reaches node 1 through the polls alone.
late=$((1 << 40))
for port in 40000 10000 30000 50000 60000; do
	late=$((late + 1000))
	out=$(virgo-wire time "$n2" $port 1 2 $key $late version 2>&1)
	sent=$(echo "$out" | sed -n 's/^sent \([0-9]*\)$/\1/p')
	reply=$(echo "$out" | sed -n 's/^reply \([0-9]*\): .*/\1/p')
	echo "$out" | sed 's/^/# /'
	check "port $port: the reply's time passes the request's" \
		[ "$sent" = $late -a "${reply:-0}" -gt $late ]
done
check "node 1's clock passes node 2's through the polls" \
	wait_until 5 sh -c "[ \$(cat $cfs/lamport) -gt $late ]"

# --- the handshake, tried by hand
first=$(printf 'ping\n' | nc -w 3 "$n2" 40000)
check "the server opens with its id and a fresh nonce" \
	sh -c "echo '$first' | head -n 1 | grep -Eqx 'VIRGO-AUTH 3 2 [0-9a-f]{64}'"
check_eq "a command instead of the handshake is refused" \
	"ERROR EPROTO expected AUTH-HELLO 3 <node-id> <nonce>" "$(echo "$first" | sed -n 2p)"
check_eq "a node speaking handshake v1 is refused, clearly" \
	"ERROR EPROTO handshake v1 refused: this node speaks v3" \
	"$(printf 'AUTH %s\n' $hex64 | nc -w 3 "$n2" 40000 | sed -n 2p)"
check_eq "a client claiming another node's id is refused" \
	"ERROR EACCES node id does not match the address" \
	"$(printf 'AUTH-HELLO 3 3 %s\n' $hex64 | nc -w 3 "$n2" 40000 | sed -n 2p)"
out=$(virgo-wire reflect "$n2" 40000 1)
echo "$out" | sed 's/^/# /'
check_eq "a reflected proof is refused" "ERROR EACCES authentication failed" \
	"$(echo "$out" | sed -n 3p)"
check "without a key, virgo send fails" sh -c '! virgo send --key none --node 2 core ping'
echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > /tmp/wrong.key
out=$(virgo send --key /tmp/wrong.key --node 2 core ping 2>&1)
check_eq "a wrong key is refused" "virgo: $n2: Permission denied" "$out"
ip addr add "$net.200/24" dev eth0
check_eq "a non-member is refused before any cryptography" \
	"ERROR EACCES not a node of this cluster" \
	"$(virgo-wire reflect "$n2" 40000 1 "$net.200")"

# --- frames on a live connection
frames() {
	virgo-wire frames "$1" "$n2" 40000 1 2 $key | tr '\n' '|'
}
check_eq "an intact frame is served, the connection stays" "pong 2|open|" "$(frames none)"
for mode in flip reorder truncate oversize; do
	check_eq "a frame $mode closes the connection, unserved" "closed|" "$(frames $mode)"
	check "the service answers after $mode" pong2
done
check_eq "a replayed frame closes the connection" "pong 2|closed|" "$(frames replay)"
check "the service answers after replay" pong2

# --- the components over protected frames, payloads of many frames
head -c 4194304 /dev/urandom > /tmp/big
virgo fs put --node 2 keyed.bin < /tmp/big
check_eq "cloudfs: 4 MiB to node 2 and back, keyed" "$(md5sum < /tmp/big)" \
	"$(virgo fs cat --node 2 keyed.bin | md5sum)"
v=$(virgo malloc 1048576)
head -c 1048576 /tmp/big | virgo set "$v" --stdin
check_eq "mempool: 1 MiB striped, set and got back, keyed" \
	"$(head -c 1048576 /tmp/big | md5sum)" "$(virgo get "$v" 1048576 | md5sum)"
virgo free "$v"
head -c 60000 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 60000 > /tmp/arg
check_eq "cpupool: a 60 KB argument echoed by node 3, keyed" "$(md5sum < /tmp/arg)" \
	"$(virgo clone --node 3 --stdin echo < /tmp/arg | md5sum)"

# --- admission: a local user cannot crowd the peers out
flood_answers
# Half-open handshakes of one peer push out only each other, the oldest
# first: a local user who keeps 72 open does not lock the local peer out.
virgo-wire flood 10 8 40000 > /tmp/flood.out &
flood=$!
wait_until 10 grep -q "opened 72" /tmp/flood.out
check_eq "behind a local user's 72 half-open handshakes, the node answers its own" \
	"pong 1" "$(virgo send core ping 2>&1)"
kill $flood 2>/dev/null
wait $flood 2>/dev/null

# --- one deadline for the whole handshake; blank lines are not requests
start=$(date +%s)
(for i in 1 2 3 4 5 6 7 8 9 10; do printf 'A'; sleep 1; done) | nc "$n2" 40000 >/dev/null
took=$(($(date +%s) - start))
check "a trickled handshake is cut at its 5 s deadline (took ${took}s)" \
	[ "$took" -ge 4 -a "$took" -le 7 ]
echo 2000 > $cfs/idle_ms
start=$(date +%s)
virgo-wire hold 127.0.0.1 40000 1 1 $key 10 > /tmp/hold.out &
wait_until 5 grep -q holding /tmp/hold.out
wait
took=$(sed -n 's/^closed after \([0-9]*\) ms$/\1/p' /tmp/hold.out)
check "an idle connection is closed after idle_ms (${took:-no} ms)" \
	[ "${took:-0}" -ge 1500 -a "${took:-0}" -le 3500 ]
echo 60000 > $cfs/idle_ms

# --- memcached clients: only at the addresses the operator lists
mc() { nc -w 3 "$1" 30000 | tr -d '\r'; }
handshake_first() {	# handshake_first ADDR: the server opens with a challenge
	printf 'version\r\n' | nc -w 3 "$1" 30000 | head -n 1 | grep -q '^VIRGO-AUTH 3 '
}
check "an unlisted memcached client gets the handshake, not memcached" handshake_first 127.0.0.1
echo "127.0.0.1, $net.200 $VIRGO_NODE_ADDR" > $cfs/mempool/memcached_clients
check_eq "the operator lists memcached clients" "127.0.0.1 $net.200 $VIRGO_NODE_ADDR" \
	"$(echo $(cat $cfs/mempool/memcached_clients))"
refuses "a malformed address is refused" $cfs/mempool/memcached_clients 127.0.0.1:80
many=$(for i in $(seq 17); do printf '198.18.0.%s ' $i; done)
refuses "17 addresses are refused" $cfs/mempool/memcached_clients "$many"
check_eq "a refused list changes nothing" "127.0.0.1 $net.200 $VIRGO_NODE_ADDR" \
	"$(echo $(cat $cfs/mempool/memcached_clients))"
check_eq "a listed client speaks memcached, in clear" "STORED|VALUE k 5 2|hi|END|" \
	"$(printf 'set k 5 0 2\r\nhi\r\nget k\r\n' | mc 127.0.0.1 | tr '\n' '|')"
check_eq "and gets nothing of the pool" "ERROR|ERROR|ERROR|" \
	"$(printf 'alloc 64\r\nvirgo_cloud_malloc(64)\r\nsize 12345\r\n' | mc 127.0.0.1 | tr '\n' '|')"
check "libmemcached's conformance checker, keyed cluster, listed address" \
	sh -c "memccapable -a -h 127.0.0.1 -p 30000 > /tmp/capable.keyed 2>&1"
grep -c '\[pass\]' /tmp/capable.keyed | sed 's/^/# memccapable passes: /'
check "a node's address, even listed, gets the handshake" handshake_first "$VIRGO_NODE_ADDR"
# A listed client is a peer of its own: at its peer_max, this node's own
# callers (its own address: the handshake, loopback's share) still allocate.
printf 'flush_all\r\n' | mc 127.0.0.1 >/dev/null
echo 65536 > $cfs/mempool/peer_max
full=$(for i in $(seq 12); do printf 'set big%s 0 0 8000\r\n%8000s\r\n' $i x; done |
	mc 127.0.0.1 | grep -c '^SERVER_ERROR out of memory')
echo "# 12 stores of 8000 bytes under peer_max 65536: $full refused"
check "a listed client's stores stop at its own peer_max" [ "$full" -ge 4 -a "$full" -lt 12 ]
v=$(virgo send --node 1 mempool "alloc 4096")
check "this node's own callers still allocate, authenticated" \
	sh -c "echo '$v' | grep -Eq '^OK [0-9]+$'"
check_eq "and free" OK "$(virgo send --node 1 mempool "free ${v#OK }")"
printf 'flush_all\r\n' | mc 127.0.0.1 >/dev/null
echo 33554432 > $cfs/mempool/peer_max
{ sleep 3; printf 'version\r\n'; } | nc -w 6 127.0.0.1 30000 > /tmp/plain.out 2>&1 &
sleep 1
echo > $cfs/mempool/memcached_clients
wait $!
check_eq "clearing the list ends its clients' connections" "" "$(cat /tmp/plain.out)"
check "and a new one gets the handshake" handshake_first 127.0.0.1

# --- revocation
hold() {	# hold ADDR SELF [SOURCE]: a connection to this node, held
	virgo-wire hold "$1" 40000 "$2" 1 $key 30 $3 > /tmp/hold.out 2>&1 &
	wait_until 20 grep -q holding /tmp/hold.out || echo "# hold: $(cat /tmp/hold.out)"
}
closed_at_once() {
	wait
	grep -Eq "closed after [0-9]{1,3} ms" /tmp/hold.out && return
	sed 's/^/# /' /tmp/hold.out
	return 1
}
hold 127.0.0.1 1
setkey $key
check "setting the key closes connections made under it" closed_at_once
ip addr add "$net.250/24" dev eth0
mkdir $cfs/nodes/9 && echo "$net.250" > $cfs/nodes/9/address
hold "$VIRGO_NODE_ADDR" 9 "$net.250"
echo "$net.251" > $cfs/nodes/9/address
check "moving a node closes its connections" closed_at_once
echo "$net.250" > $cfs/nodes/9/address
hold "$VIRGO_NODE_ADDR" 9 "$net.250"
rmdir $cfs/nodes/9
check "removing a node closes its connections" closed_at_once

to_node2() {
	netstat -tn 2>/dev/null | grep -c " $n2:40000 *ESTABLISHED"
}
check "node 2 up again" wait_until 10 up 2
check "pooled connections to node 2" [ "$(to_node2)" -ge 1 ]
setkey /tmp/wrong.key
# Polled: a connection made since, under the new key, lives only until its
# handshake fails; the pooled ones, if not drained, would stay.
check "a new key drains the pools" wait_until 3 sh -c \
	"[ \"\$(netstat -tn 2>/dev/null | grep -c ' $n2:40000 *ESTABLISHED')\" = 0 ]"
check "under another key node 2 is no longer up" wait_until 10 sh -c "[ \"\$(cat $cfs/nodes/2/state)\" != up ]"
setkey $key
check "the cluster key back, node 2 is up" wait_until 15 up 2
finish
