#!/bin/sh
# The virgo tracepoints in tracefs, read as the documentation's recipe
# does (echo and cat): every kind fires for the calls, requests,
# connections, node states, balancer picks, queue and lock operations that
# cause it; and debugfs lists the live connections and client pools.
. virgo-test.sh

t=/sys/kernel/tracing
cfs=/sys/kernel/config/virgo
# has PATTERN: the trace holds a line matching the extended regex PATTERN
has() { grep -Eq "$1" /tmp/trace; }
state3() { cat $cfs/nodes/3/state; }

check "every node up" virgo-wait-nodes 120
check "tracefs is mounted, with events/virgo" [ -d $t/events/virgo ]
check_eq "the virgo events" \
	"virgo_balancer_pick virgo_conn virgo_lock virgo_node_state virgo_queue virgo_request virgo_syscall_enter virgo_syscall_exit" \
	"$(ls $t/events/virgo | grep '^virgo_' | sort | xargs)"

echo > $t/trace
echo 1 > $t/events/virgo/enable
virgo clone node_info > /dev/null
virgo clone --node 2 node_info > /dev/null
vuid=$(virgo malloc 64)
virgo set "$vuid" hello
virgo get "$vuid" 5 > /dev/null
virgo free "$vuid"
virgo free 1 2> /dev/null
id=$(virgo queue publish --node 3 echo traced)
virgo queue wait --timeout 10000 "$id" > /dev/null
virgo lock traced -- true
virgo send core ping > /dev/null
virgo-fault cut 3 > /dev/null
wait_until 20 sh -c "[ \"\$(cat $cfs/nodes/3/state)\" != up ]"
virgo-fault join 3 > /dev/null
wait_until 30 sh -c "[ \"\$(cat $cfs/nodes/3/state)\" = up ]"
echo 0 > $t/events/virgo/enable
cat $t/trace > /tmp/trace
echo "# $(grep -c virgo_ /tmp/trace) events; some:"
grep -E 'virgo_(syscall_exit|request|conn|node_state|queue|lock|balancer)' /tmp/trace |
	sed 's/^ *//' | cut -c1-150 | awk '!seen[$6]++' | sed 's/^/# /'

check "a system call's entry, with its arguments" has 'virgo_syscall_enter: virgo_malloc\(0x40, 0x'
check "and its result" has 'virgo_syscall_exit: virgo_malloc = 0$'
check "virgo_clone's result: the bytes it returned" has 'virgo_syscall_exit: virgo_clone = [1-9][0-9]*$'
check "a failed call's errno" has 'virgo_syscall_exit: virgo_free = -[0-9]+$'
check "set and get: the bytes moved" \
	sh -c "grep -Eq 'virgo_syscall_exit: virgo_set = 5\$' /tmp/trace && grep -Eq 'virgo_syscall_exit: virgo_get = 5\$' /tmp/trace"
check "the balancer's pick" has 'virgo_balancer_pick: policy=[a-z-]+ node=[123]$'
check "requests this node served, from a peer" \
	has 'virgo_request: core peer=198\.18\.0\.[23] bytes=[1-9][0-9]* status=0 usecs=[0-9]+$'
check "a connection opened and closed" \
	sh -c "grep -Eq 'virgo_conn: core peer=127\.0\.0\.1 open' /tmp/trace && grep -Eq 'virgo_conn: core peer=127\.0\.0\.1 close' /tmp/trace"
check "node 3 cut off: its state changed, and back" \
	sh -c "grep -Eq 'virgo_node_state: node=3 up -> suspect' /tmp/trace && grep -Eq 'virgo_node_state: node=3 (suspect|down) -> up' /tmp/trace"
check "the queue: published, its REPLY received and taken" \
	sh -c "grep -Eq 'virgo_queue: publish id=1:[0-9]+:[0-9]+ status=0' /tmp/trace &&
	       grep -Eq 'virgo_queue: reply id=1:[0-9]+:[0-9]+ status=0' /tmp/trace &&
	       grep -Eq 'virgo_queue: take id=1:[0-9]+:[0-9]+ status=6' /tmp/trace"
check "the lock: acquired and released, with its token" \
	sh -c "grep -Eq 'virgo_lock: acquire name=traced token=[1-9][0-9]* ret=0' /tmp/trace &&
	       grep -Eq 'virgo_lock: release name=traced token=[1-9][0-9]* ret=0' /tmp/trace"
echo > $t/trace
virgo malloc 64 > /dev/null
check_eq "disabled, nothing more is traced" 0 "$(grep -c virgo_ $t/trace)"

# ------------------------------------------------------------ debugfs
d=/sys/kernel/debug/virgo/connections
cat $d > /tmp/conns
sed 's/^/# /' /tmp/conns | head -n 12
check "debugfs: the peers' connections to this node's services" \
	grep -Eq '^conn core 198\.18\.0\.[23] serving age_ms [0-9]+ rx [1-9][0-9]* tx [1-9][0-9]*$' /tmp/conns
check "and this node's idle client connections, by node" \
	grep -Eq '^pool node [23] 198\.18\.0\.[23]:40000 age_ms [0-9]+ idle_ms [0-9]+ rx [1-9][0-9]* tx [1-9][0-9]*$' /tmp/conns
check_eq "only root reads it" "-r--------" "$(ls -l $d | cut -c1-10)"
finish
