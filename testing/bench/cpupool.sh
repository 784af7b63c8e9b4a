#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cpupool benchmark, on node 1 of a 2-node cluster (testing/bench/run):
# a remote function call through virgo_clone against the floor, a raw TCP
# round trip between the same nodes, and against the usual alternative,
# `ssh node2 true` with Debian's dropbear. Node 2 runs /scenario/serve.
# Prints
#   result raw-tcp|clone|ssh <virgo-bench line>
#   ratio clone/raw-tcp|ssh/clone median=.. p99=..
# and "error <probe>: <why>" for a probe that failed, then exits non-zero:
# no number is ever made up.
. virgo-test.sh

tcp_n=2000
clone_n=2000
ssh_n=100
size=64
# testing/bench/run may override the counts.
[ -f /scenario/bench.conf ] && . /scenario/bench.conf

[ "$VIRGO_NODES" -ge 2 ] || { echo "error cpupool: needs 2 nodes"; exit 1; }
# shellcheck disable=SC2086
set -- $VIRGO_NODE_ADDRS
peer=$2
ssh="dbclient -y -y -i /scenario/bench_id root@$peer true"
results=/tmp/bench.results
failed=0

virgo-wait-nodes 180 || exit 1
# The kernel leaves tsc-early for the calibrated tsc about a second after
# boot: measure on the final clock, with its console message out of the way.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
wait_until 10 sh -c "! grep -qx tsc-early $cs"
echo "# clocksource $(cat $cs)"
case "$(cat $cs)" in
*jiffies*)
	echo "error clock: the node runs on the $(cat $cs) clock (10 ms steps): no latency can be measured"
	exit 1 ;;
esac

# probe NAME COMMAND...: one virgo-bench run, its line as "result NAME ...".
probe() {
	name=$1
	shift
	if line=$("$@" 2>/tmp/bench.err); then
		echo "result $name $line" | tee -a $results
	else
		echo "error $name: $(tail -n 1 /tmp/bench.err)"
		failed=1
	fi
}

# Node 2's services start after its port 7 answers.
if ! wait_until 60 virgo-bench tcp-rtt "$peer" 7777 1 1 >/dev/null 2>&1; then
	echo "error raw-tcp: no echo server on $peer:7777"
	failed=1
else
	probe raw-tcp virgo-bench tcp-rtt "$peer" 7777 "$tcp_n" "$size"
fi

probe clone virgo-bench clone-rtt "$clone_n" 2 echo "$size"

# shellcheck disable=SC2086
if ! wait_until 60 $ssh >/dev/null 2>&1; then
	echo "error ssh: $ssh fails: $($ssh 2>&1 | tail -n 1)"
	failed=1
else
	# shellcheck disable=SC2086
	probe ssh virgo-bench cmd-rtt "$ssh_n" $ssh
fi

# ratio A B: A's median and p99 over B's, when both were measured.
ratio() {
	awk -v a="$1" -v b="$2" '
		$1 == "result" {
			for (i = 3; i <= NF; i++) {
				split($i, kv, "=")
				v[$2, kv[1]] = kv[2]
			}
		}
		END {
			if (v[a, "median_us"] > 0 && v[b, "median_us"] > 0)
				printf "ratio %s/%s median=%.2f p99=%.2f\n", a, b,
					v[a, "median_us"] / v[b, "median_us"],
					v[a, "p99_us"] / v[b, "p99_us"]
		}' $results 2>/dev/null
}
ratio clone raw-tcp
ratio ssh clone
exit $failed
