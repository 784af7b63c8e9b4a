#!/bin/sh
# On a node with two vCPUs (VIRGO_NODE_CPUS=2): the Bakery lock's SMP
# case ran, one thread per CPU without sleeps, and lost no increment;
# only there can a missing barrier lose one.
. virgo-test.sh

log=$(dmesg | sed 's/^\[[^]]*\] //')
echo "$log" | grep -E 'smp: Brought up|virgo_test_bakery_smp|# virgo_bakery' | sed 's/^/# /'
check_eq "the node has two CPUs" 2 "$(grep -c '^processor' /proc/cpuinfo)"
check "virgo_test_bakery_smp passed, not skipped" \
	sh -c "echo \"\$0\" | grep -Eqx ' *ok [0-9]+ virgo_test_bakery_smp'" "$log"
echo "$log" | grep -E '^ *not ok|Expected|virgo_bakery.*(fail|did not)|# virgo_test_bakery' | sed 's/^/# /'
check "KUnit suite virgo_bakery passed" sh -c "echo \"\$0\" | grep -Eq '^ok [0-9]+ virgo_bakery\$'" "$log"
finish
