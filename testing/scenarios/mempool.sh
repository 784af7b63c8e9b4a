#!/bin/sh
# Memory pooling (work in progress): node 2's chunk service on port 30000,
# by the original VIRGO's telnet forms and the binary-safe ones.
. virgo-test.sh

all_up() {
	for n in $(seq 1 "$VIRGO_NODES"); do
		[ "$(cat /sys/kernel/config/virgo/nodes/$n/state)" = up ] || return 1
	done
}
check "every node up" wait_until 30 all_up

# ------------------------------------------------------------ seed forms
out=$(virgo send --node 2 mempool "virgo_cloud_malloc(64)")
vuid=${out#OK }
echo "# malloc: $out"
check "virgo_cloud_malloc gives a VUID" sh -c "echo '$out' | grep -Eq '^OK [0-9]+$'"
check "the VUID is not a kernel address" [ "$vuid" -lt 9223372036854775807 ]
check_eq "virgo_cloud_set" "OK" "$(virgo send --node 2 mempool "virgo_cloud_set($vuid,hello, cluster)")"
check_eq "virgo_cloud_get" "DATA 14 $vuid
hello, cluster" "$(virgo send --node 2 mempool "virgo_cloud_get($vuid)")"
check_eq "virgo_cloud_free" "OK" "$(virgo send --node 2 mempool "virgo_cloud_free($vuid)")"
check "a freed VUID is gone" sh -c "virgo send --node 2 mempool 'virgo_cloud_get($vuid)' | grep -q '^ERROR ENOENT'"
check "a forged VUID is refused" sh -c "virgo send --node 2 mempool 'virgo_cloud_get($((vuid ^ 1)))' | grep -q '^ERROR ENOENT'"
check "a VUID of another node is refused here" sh -c "virgo send --node 3 mempool 'virgo_cloud_get($vuid)' | grep -q '^ERROR EINVAL'"

# ------------------------------------------------------------ binary forms
vuid=$(virgo send --node 2 mempool "alloc 100000")
vuid=${vuid#OK }
out=$({ printf 'write %s 99990 10\n' "$vuid"; printf '0\000\n\r\n\377xyzw\n'; printf 'read %s 99988 12\nsize %s\n' "$vuid" "$vuid"; } |
	nc -w 3 "${VIRGO_NODE_ADDR%.*}.2" 30000 | od -An -c | tr -s ' \n' ' ')
echo "# binary: $out"
check_eq "binary write and read across the bytes, NUL and newlines kept" \
	" O K \\n D A T A 1 2 $(echo "$vuid" | sed 's/./& /g')\\n \\0 \\0 0 \\0 \\n \\r \\n 377 x y z w \\n O K 1 0 0 0 0 0 \\n " "$out"
check "a range past the end is refused" sh -c "virgo send --node 2 mempool 'read $vuid 99999 2' | grep -q '^ERROR EINVAL'"
check "a chunk above 1 MiB is refused" sh -c "virgo send --node 2 mempool 'alloc 1048577' | grep -q '^ERROR E2BIG'"

# ------------------------------------------------------------ syscalls
check "the mempool system calls on 3 nodes (kselftest mem.*)" \
	/usr/libexec/virgo/tests/virgo_syscalls_test -f mem

# ------------------------------------------------------------ hostile input
awk 'BEGIN { for (i = 0; i < 10000; i++) {
	r = i % 5
	if (r == 0) print "virgo_cloud_get(" i ")"
	else if (r == 1) print "read 1 2"
	else if (r == 2) print "alloc -" i
	else if (r == 3) print "virgo_cloud_set(" i
	else print "free x" i } }' > /tmp/bad.lines
n=$(nc -w 10 "${VIRGO_NODE_ADDR%.*}.2" 30000 < /tmp/bad.lines | grep -c '^ERROR ')
check_eq "10,000 malformed lines, 10,000 errors" 10000 "$n"
check_eq "the service answers on" "OK" "$(virgo send --node 2 mempool "free $vuid")"
finish
