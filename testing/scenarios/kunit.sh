#!/bin/sh
# The KUnit suites built into the node kernel ran at boot, and all passed.
. virgo-test.sh

suites="virgo_framing virgo_balancer virgo_auth virgo_lamport virgo_vclock virgo_cpupool virgo_mempool virgo_queue virgo_bakery virgo_lock virgo_eventnet"
log=$(dmesg | sed 's/^\[[^]]*\] //')
echo "$log" | grep -E '^ *(# Subtest|not ok|# virgo_|# Totals)' | sed 's/^/# /'
for suite in $suites; do
	check "KUnit suite $suite passed" sh -c "echo \"\$0\" | grep -Eq '^ok [0-9]+ $suite\$'" "$log"
done
check "no KUnit test failed" sh -c "! echo \"\$0\" | grep -Eq '^ *not ok '" "$log"
finish
