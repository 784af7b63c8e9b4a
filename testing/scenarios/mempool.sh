#!/bin/sh
# Memory pooling on 3 nodes: the telnet path on port 30000 (the original
# VIRGO's forms and the binary-safe ones), the system calls and the CLI,
# striping over nodes, a stock memcached client, the pool cap, hostile
# input, and a node that dies holding a chunk.
. virgo-test.sh

net=${VIRGO_NODE_ADDR%.*}
cfs=/sys/kernel/config/virgo
check "every node up" virgo-wait-nodes 180

# pool_bytes NODE: the bytes NODE's pool holds, from memcached's stats.
pool_bytes() {
	printf 'stats\r\n' | nc -w 3 "$net.$1" 30000 | tr -d '\r' |
		awk '$2 == "pool_bytes" { print $3 }'
}
mc() { nc -w 3 "$1" 30000 | tr -d '\r'; }

# ------------------------------------------------------------ seed forms
out=$(virgo send --node 2 mempool "virgo_cloud_malloc(64)")
vuid=${out#OK }
echo "# malloc: $out"
check "virgo_cloud_malloc gives a VUID" sh -c "echo '$out' | grep -Eq '^OK [0-9]+$'"
check "the VUID is not a kernel address" [ "$vuid" -lt 9223372036854775807 ]
check_eq "the VUID names node 2 (its top 6 bits: the node - 1)" 2 $(( (vuid >> 58) + 1 ))
check_eq "virgo_cloud_set" "OK" "$(virgo send --node 2 mempool "virgo_cloud_set($vuid,hello, cluster)")"
check_eq "virgo_cloud_get" "DATA 14 $vuid
hello, cluster" "$(virgo send --node 2 mempool "virgo_cloud_get($vuid)")"
check_eq "virgo_cloud_free" "OK" "$(virgo send --node 2 mempool "virgo_cloud_free($vuid)")"
check "a freed VUID is gone" sh -c "virgo send --node 2 mempool 'virgo_cloud_get($vuid)' | grep -q '^ERROR ENOENT'"
check "a forged VUID is refused" sh -c "virgo send --node 2 mempool 'virgo_cloud_get($((vuid ^ 1)))' | grep -q '^ERROR ENOENT'"
check "a VUID of another node is refused here" sh -c "virgo send --node 3 mempool 'virgo_cloud_get($vuid)' | grep -q '^ERROR EINVAL'"
# A peer guessing tags: past 64 misses in a second, each miss waits 50 ms.
d0=$(cat $cfs/mempool/misses_delayed)
misses=$(for i in $(seq 100); do echo "size $((12345 + i))"; done |
	nc -w 10 "$net.1" 30000 | grep -c '^ERROR ENOENT')
d1=$(cat $cfs/mempool/misses_delayed)
echo "# 100 guesses: $misses answered ENOENT, $((d1 - d0)) of them delayed"
check_eq "every guess is answered" 100 "$misses"
check "a peer guessing VUIDs is slowed down" [ $((d1 - d0)) -ge 10 ]

# ------------------------------------------------------------ binary forms
vuid=$(virgo send --node 2 mempool "alloc 100000")
vuid=${vuid#OK }
out=$({ printf 'write %s 99990 10\n' "$vuid"; printf '0\000\n\r\n\377xyzw\n'; printf 'read %s 99988 12\nsize %s\n' "$vuid" "$vuid"; } |
	nc -w 3 "$net.2" 30000 | od -An -c | tr -s ' \n' ' ')
echo "# binary: $out"
check_eq "binary write and read across the bytes, NUL and newlines kept" \
	" O K \\n D A T A 1 2 $(echo "$vuid" | sed 's/./& /g')\\n \\0 \\0 0 \\0 \\n \\r \\n 377 x y z w \\n O K 1 0 0 0 0 0 \\n " "$out"
check "a range past the end is refused" sh -c "virgo send --node 2 mempool 'read $vuid 99999 2' | grep -q '^ERROR EINVAL'"
check "a chunk above 1 MiB is refused" sh -c "virgo send --node 2 mempool 'alloc 1048577' | grep -q '^ERROR E2BIG'"
check_eq "free" "OK" "$(virgo send --node 2 mempool "free $vuid")"

# ------------------------------------------------------------ syscalls, CLI
# Includes the original VIRGO's test: 2 processes x 100 malloc/set/get/free.
kselftest "the mempool system calls on 3 nodes (kselftest mem.*)" 8 -f mem
v=$(virgo malloc 4096)
check "virgo malloc prints a VUID" sh -c "echo '$v' | grep -Eq '^[0-9]+$'"
check "virgo set" virgo set "$v" "cluster memory" 4000
check_eq "virgo get" "cluster memory" "$(virgo get "$v" 14 4000)"
check "virgo set past the end fails" sh -c "! virgo set $v xyz 4094 2>/dev/null"
check "virgo free" virgo free "$v"
check "virgo get of a freed VUID fails" sh -c "virgo get $v 1 2>&1 | grep -q 'No such file'"

# ------------------------------------------------------------ striping
# 1 MiB in 256 KiB chunks, one node after the other: every node holds some.
echo 262144 > $cfs/mempool/chunk_size
virgo balancer round-robin
b1=$(pool_bytes 1) b2=$(pool_bytes 2) b3=$(pool_bytes 3)
big=$(virgo malloc 1048576)
check "a 1 MiB allocation in 256 KiB chunks" [ -n "$big" ]
a1=$(pool_bytes 1) a2=$(pool_bytes 2) a3=$(pool_bytes 3)
echo "# pool bytes before $b1 $b2 $b3, after $a1 $a2 $a3"
check "its chunks are on all 3 nodes" [ $((a1 - b1)) -ge 262144 -a $((a2 - b2)) -ge 262144 -a $((a3 - b3)) -ge 262144 ]
head -c 1048576 /dev/urandom > /tmp/in
virgo set "$big" --stdin < /tmp/in
virgo get "$big" 1048576 > /tmp/out
check_eq "1 MiB written and read back, checksum" "$(md5sum < /tmp/in)" "$(md5sum < /tmp/out)"
dd if=/tmp/in bs=1 skip=262000 count=1000 2>/dev/null > /tmp/mid.in
virgo get "$big" 1000 262000 > /tmp/mid.out
check "a range across a chunk edge" cmp /tmp/mid.in /tmp/mid.out
check "free releases every chunk" virgo free "$big"
check_eq "every node's pool is back" "$b1 $b2 $b3" "$(pool_bytes 1) $(pool_bytes 2) $(pool_bytes 3)"

# ------------------------------------------------------------ memcached
servers="$net.1:30000,$net.2:30000,$net.3:30000"
mkdir -p /tmp/keys
i=0
while [ $i -lt 1000 ]; do
	printf 'value of key %d: %0*d' $i $((i % 300)) $i > /tmp/keys/key$i
	i=$((i + 1))
done
check "memccp stores 1,000 keys over 3 nodes" memccp --servers="$servers" /tmp/keys/*
(cd /tmp/keys && memccat --servers="$servers" $(ls) > /tmp/mc.out)
# memccat ends each value with a newline; so does awk each one-line file
# (one process, not a cat per key: a debug kernel forks slowly).
check_eq "memccat reads all 1,000 back" \
	"$(cd /tmp/keys && awk 1 $(ls) | md5sum)" "$(md5sum < /tmp/mc.out)"
items() { printf 'stats\r\n' | mc "$net.$1" | awk '$2 == "curr_items" { print $3 }'; }
echo "# items per node: $(items 1) $(items 2) $(items 3)"
check "every node holds some keys" [ "$(items 1)" -gt 100 -a "$(items 2)" -gt 100 -a "$(items 3)" -gt 100 ]
check "memcrm deletes a key" memcrm --servers="$servers" key7
check "memcexist: it is gone" sh -c "! memcexist --servers='$servers' key7"
out=$(printf 'set n 3 0 2\r\n41\r\nincr n 1\r\ngets n\r\ntouch n 100\r\nappend n 0 0 1\r\n!\r\nget n\r\ndelete n\r\nget n\r\nversion\r\n' | mc "$net.2")
check_eq "memcached commands by hand" "STORED
42
VALUE n 3 2 $(echo "$out" | awk '/^VALUE/ { print $5; exit }')
42
END
TOUCHED
STORED
VALUE n 3 3
42!
END
DELETED
END
VERSION 1.6.0" "$out"
keys= i=1
while [ $i -le 30 ]; do
	keys="$keys k$i"
	i=$((i + 1))
done
n=$( { for k in $keys; do printf 'set %s 0 0 %d noreply\r\n%s\r\n' $k ${#k} $k; done
	printf 'get%s\r\n' "$keys"; } | mc "$net.2" | grep -c '^VALUE')
check_eq "one get of 30 keys, served 24 at a time" 30 "$n"
out=$( { printf 'set big 0 0 2000000 noreply\r\n'; head -c 2000000 /dev/zero; printf '\r\nversion\r\n'; } | mc "$net.2")
check_eq "noreply holds for a value too large" "VERSION 1.6.0" "$out"
check_eq "an unknown command gets ERROR and the connection goes on, as with memcached" \
	"ERROR
OK
VERSION 1.6.0" "$(printf 'mx k 9\r\nflush_all\r\nversion\r\n' | mc "$net.2")"
check "memcflush empties the nodes" memcflush --servers="$servers"
check_eq "no items left" "0 0 0" "$(items 1) $(items 2) $(items 3)"

# ------------------------------------------------------------ the cap
# Node 1 alone, with room for less than a chunk: ENOMEM, and it serves on.
echo 0 > $cfs/nodes/2/client
echo 0 > $cfs/nodes/3/client
echo 600000 > $cfs/mempool/pool_max
check "a chunk past pool_max: ENOMEM" sh -c "virgo send mempool 'alloc 1048576' | grep -q '^ERROR ENOMEM'"
check "virgo malloc past pool_max: ENOMEM" sh -c "virgo malloc 700000 2>&1 | grep -q 'Cannot allocate memory'"
out=$( { printf 'set big 0 0 700000\r\n'; head -c 700000 /dev/zero; printf '\r\nget big\r\n'; } | mc 127.0.0.1)
check_eq "a memcached value past pool_max" "SERVER_ERROR out of memory storing object
END" "$out"
v=$(virgo malloc 500000)
check "below the cap it still allocates" virgo get "$v" 10 499990
virgo free "$v"
echo 67108864 > $cfs/mempool/pool_max
# peer_max: loopback and this node's own address are one peer, the
# node's local users; another node (node 9 at an alias here) another.
echo 300000 > $cfs/mempool/peer_max
check "a chunk past peer_max: ENOMEM" sh -c "virgo send mempool 'alloc 400000' | grep -q '^ERROR ENOMEM'"
v1=$(virgo send mempool 'alloc 200000')
check "one peer's first chunk within its share" sh -c "echo '$v1' | grep -Eq '^OK [0-9]+$'"
check "one peer's second chunk past its share: ENOMEM" sh -c "virgo send mempool 'alloc 200000' | grep -q '^ERROR ENOMEM'"
check "this node's own address shares loopback's" sh -c "virgo send --node 1 mempool 'alloc 200000' | grep -q '^ERROR ENOMEM'"
ip addr add "$net.250/24" dev eth0
mkdir $cfs/nodes/9 && echo "$net.250" > $cfs/nodes/9/address
v2=$(virgo send --source "$net.250" --node 1 mempool 'alloc 200000')
check "another peer has a share of its own" sh -c "echo '$v2' | grep -q '^OK '"
virgo send mempool "free ${v1#OK }" "free ${v2#OK }" >/dev/null
rmdir $cfs/nodes/9
echo 33554432 > $cfs/mempool/peer_max
echo 1 > $cfs/nodes/2/client
echo 1 > $cfs/nodes/3/client
refuses "pool_max above the limit is refused" $cfs/mempool/pool_max 2199023255553
refuses "chunk_size below 4096 is refused" $cfs/mempool/chunk_size 4095

# ------------------------------------------------------------ hostile input
# To node 1, whose kmemleak scan ends the run. 10,000 lines; 2,000 on the
# debug kernel (the same parser, five times slower).
bad=10000
debug_kernel && bad=2000
awk -v n=$bad 'BEGIN { for (i = 0; i < n; i++) {
	r = i % 8
	if (r == 0) print "virgo_cloud_get(" i ")"
	else if (r == 1) print "read 1 2"
	else if (r == 2) print "alloc -" i
	else if (r == 3) print "virgo_cloud_set(" i
	else if (r == 4) print "gat x k" i
	else if (r == 5) print "incr k" i " x"
	else if (r == 6) print "touch"
	else print "free x" i } }' > /tmp/bad.lines
n=$(nc -w 10 127.0.0.1 30000 < /tmp/bad.lines | grep -c '^ERROR\|^CLIENT_ERROR ')
check_eq "$bad malformed lines, $bad errors" $bad "$n"
check_eq "the service answers on" "VERSION 1.6.0" "$(printf 'version\r\n' | mc 127.0.0.1)"
check_eq "a malformed set: CLIENT_ERROR, its data read as a request, as memcached does" \
	"CLIENT_ERROR bad command line format
ERROR
VERSION 1.6.0" "$(printf 'set k 0 0 x\r\nhello\r\nversion\r\n' | mc 127.0.0.1)"
out=$( { printf 'set big 0 0 2000000\r\n'; head -c 2000000 /dev/zero; printf '\r\nversion\r\n'; } | mc 127.0.0.1)
check_eq "a value above 1 MiB is dropped, the connection goes on" "SERVER_ERROR object too large for cache
VERSION 1.6.0" "$out"

# ------------------------------------------------------------ a node dies
# A striped allocation over the 3 nodes, and one on a node that lives. The
# victim holds a chunk but not the map (a VUID's top 6 bits: its node - 1).
b2=$(pool_bytes 2) b3=$(pool_bytes 3)
big=$(virgo malloc 1048576)
head -c 1048576 /dev/urandom > /tmp/in
virgo set "$big" --stdin < /tmp/in
map=$(( (big >> 58) + 1 ))
victim=3 live=2 held=$(( ($(pool_bytes 3) - b3 + 131072) / 262144 ))
[ "$map" = 3 ] && victim=2 live=3 held=$(( ($(pool_bytes 2) - b2 + 131072) / 262144 ))
echo "# map on node $map; killing node $victim, which holds $held of the 4 chunks"
echo 0 > $cfs/nodes/1/client
echo 0 > $cfs/nodes/$victim/client
small=$(virgo malloc 100)
virgo set "$small" "survives"
echo 1 > $cfs/nodes/1/client
echo 1 > $cfs/nodes/$victim/client
check "the harness kills node $victim" virgo-fault kill $victim
t0=$(date +%s)
err=$(virgo get "$big" 1048576 2>&1 >/dev/null)
echo "# get after the kill ($(( $(date +%s) - t0 )) s): $err"
check "reading all of it fails: host is down" sh -c "echo '$err' | grep -q 'Host is down'"
ok=0 lost=0 c=0
while [ $c -lt 4 ]; do
	if virgo get "$big" 262144 $((c * 262144)) > /tmp/c.out 2> /tmp/c.err; then
		dd if=/tmp/in bs=262144 skip=$c count=1 2>/dev/null | cmp -s - /tmp/c.out && ok=$((ok + 1))
	elif grep -q 'Host is down' /tmp/c.err; then
		lost=$((lost + 1))
	fi
	c=$((c + 1))
done
echo "# chunks intact $ok, lost $lost"
check_eq "chunks on live nodes read back intact, the lost ones fail" \
	"intact $((4 - held)), lost $held" "intact $ok, lost $lost"
check "the victim held a chunk" [ "$held" -ge 1 ]
check_eq "an allocation on node $live keeps working" "survives" "$(virgo get "$small" 8)"
down() { [ "$(cat $cfs/nodes/$victim/state)" = down ]; }
check "node $victim is marked down" wait_until 30 down
v=$(virgo malloc 100)
check "new allocations go to live nodes" virgo set "$v" x
check "freeing the striped allocation reports the lost node" sh -c "virgo free $big 2>&1 | grep -q 'Host is down'"
virgo free "$small"
virgo free "$v"
finish
