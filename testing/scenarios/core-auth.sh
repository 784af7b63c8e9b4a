#!/bin/sh
# With a cluster key (added as /scenario/virgo_cluster.key), every node
# authenticates: an unauthenticated or wrongly keyed client is refused,
# `virgo send` with the key works, and liveness runs over authenticated
# connections.
. virgo-test.sh

cfs=/sys/kernel/config/virgo
check_eq "the cluster runs with a key" hmac-sha256 "$(cat $cfs/auth)"
check "every node up, authenticated" wait_until 20 sh -c "for n in \$(seq 1 $VIRGO_NODES); do [ \"\$(cat $cfs/nodes/\$n/state)\" = up ] || exit 1; done"
check_eq "virgo send with the key" "pong 2" "$(virgo send --node 2 core ping)"
check_eq "the telnet path is challenged" "AUTH-CHALLENGE" \
	"$(printf 'ping\n' | nc -w 3 127.0.0.1 40000 | head -n 1 | cut -d' ' -f1)"
check "an unauthenticated command is refused" \
	sh -c "printf 'ping\nping\n' | nc -w 3 ${VIRGO_NODE_ADDR%.*}.2 40000 | grep -q '^ERROR EACCES authentication failed'"
check "without a key, virgo send fails" sh -c '! virgo send --key none --node 2 core ping'
echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > /tmp/wrong.key
out=$(virgo send --key /tmp/wrong.key --node 2 core ping 2>&1)
check_eq "a wrong key is refused" "virgo: ${VIRGO_NODE_ADDR%.*}.2: Permission denied" "$out"
finish
