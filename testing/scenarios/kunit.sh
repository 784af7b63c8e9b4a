#!/bin/sh
# The KUnit suites built into the node kernel ran at boot, and all passed.
# On a node with two vCPUs (VIRGO_NODE_CPUS=2) the Bakery lock's SMP case
# ran too, one thread per CPU without sleeps, and lost no increment: only
# there can a missing barrier lose one.
. virgo-test.sh

suites="virgo_framing virgo_balancer virgo_auth virgo_lamport virgo_vclock virgo_cpupool virgo_mempool virgo_queue virgo_bakery virgo_lock virgo_eventnet virgo_analytics"
log=$(dmesg | sed 's/^\[[^]]*\] //')
echo "$log" | grep -E '^ *(# Subtest|not ok|# virgo_|# Totals)|Expected|smp: Brought up' | sed 's/^/# /'
for suite in $suites; do
	check "KUnit suite $suite passed" sh -c "echo \"\$0\" | grep -Eq '^ok [0-9]+ $suite\$'" "$log"
done
check "no KUnit test failed" sh -c "! echo \"\$0\" | grep -Eq '^ *not ok '" "$log"
if [ "${virgo_cpus:-1}" = 2 ]; then
	check_eq "the node has two CPUs" 2 "$(grep -c '^processor' /proc/cpuinfo)"
	check "virgo_test_bakery_smp passed, not skipped" \
		sh -c "echo \"\$0\" | grep -Eqx ' *ok [0-9]+ virgo_test_bakery_smp'" "$log"
fi
finish
