#!/bin/sh
# The core's service refuses strangers and malformed input, keeps serving,
# and stops cleanly with connections open.
. virgo-test.sh

cfs=/sys/kernel/config/virgo
check "node 2 up" wait_until 20 sh -c "[ \"\$(cat $cfs/nodes/2/state)\" = up ]"
# An address on the segment that is not in the node table.
ip addr add "${VIRGO_NODE_ADDR%.*}.200/24" dev eth0
out=$(virgo send --source "${VIRGO_NODE_ADDR%.*}.200" --node 2 core ping 2>&1)
check_eq "a stranger is refused" "ERROR EACCES not a node of this cluster" "$out"
check_eq "a node is served" "pong 2" "$(virgo send --node 2 core ping)"
check_eq "loopback is served (telnet path)" "pong 1" "$(virgo send core ping)"

long=$(head -c 5000 /dev/zero | tr '\0' x)
check_eq "an overlong line is refused" "ERROR E2BIG line longer than 4096 bytes" \
	"$(printf '%s\n' "$long" | nc -w 3 127.0.0.1 40000)"
check_eq "a NUL byte is refused and the connection closed (a payload may follow)" \
	"ERROR EINVAL NUL byte in line" \
	"$(printf 'pi\000ng\nping\n' | nc -w 3 127.0.0.1 40000 | tr '\n' '|' | sed 's/|$//')"
check "an unknown command gets an ERROR line" \
	sh -c 'virgo send core "rm -rf /" | grep -q "^ERROR EINVAL unknown command"'
i=0
while [ $i -lt 200 ]; do
	printf 'garbage %d \001\002\n\n\r\n' $i
	i=$((i + 1))
done | nc -w 3 127.0.0.1 40000 >/dev/null
check_eq "the service still answers after garbage" "pong 1" "$(virgo send core ping)"
# All of 127/8 is one peer: 16 of a service's 64 connections at most.
flood_answers

# Stopping the services with connections open completes and closes them.
pids=
for i in 1 2 3; do
	sleep 30 | nc 127.0.0.1 40000 >/dev/null &
	pids="$pids $!"
done
check "3 idle connections are open" wait_until 5 \
	sh -c '[ "$(netstat -tn 2>/dev/null | grep -c ":40000 .*ESTABLISHED")" -ge 6 ]'
check "stop with 3 open connections completes" timeout 10 sh -c "echo 0 > $cfs/listen"
# $pids are the nc clients; kill -0 fails once one has exited.
closed() {
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
check "the connections were closed" wait_until 5 closed
check "a stopped service refuses" sh -c '! virgo send core ping 2>/dev/null'
echo 1 > $cfs/listen
check_eq "restarted, it answers" "pong 1" "$(virgo send core ping)"
finish
