# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - sourced by the benchmark scenarios on node 1, after
# virgo-test.sh: `. bench.sh`
#
#   bench_clock            wait for the node's final clock; fail on jiffies
#   probe NAME COMMAND...  one virgo-bench run: "result NAME <its line>", or
#                          "error NAME: <why>" and failed=1
#   ratio A B              "ratio A/B median=.. p99=..": A's latency over B's
#   speedup NAME A B       "ratio NAME ops=.. median=.. p99=..": A's rate over
#                          B's, B's latency over A's; 1 or more: A is at
#                          least as fast as B
#   bench_keyed PEER       turn this lab-mode cluster keyed, here and on PEER
#
# No number is ever made up: a ratio is printed only when both sides were
# measured.

# failed is for the scenario to exit with.
# shellcheck shell=sh disable=SC2034
bench_results=/tmp/bench.results
failed=0
: > $bench_results

# The kernel leaves tsc-early for the calibrated tsc about a second after
# boot: measure on the final clock, with its console message out of the way.
bench_clock() {
	cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
	wait_until 10 sh -c "! grep -qx tsc-early $cs"
	echo "# clocksource $(cat $cs)"
	case "$(cat $cs)" in
	*jiffies*)
		echo "error clock: the node runs on the $(cat $cs) clock (10 ms steps): no latency can be measured"
		return 1 ;;
	esac
}

probe() {
	name=$1
	shift
	# Only this round's figure may be reported: a failed probe leaves none.
	sed -i "/^result $name /d" $bench_results
	if line=$("$@" 2>/tmp/bench.err); then
		echo "result $name $line" | tee -a $bench_results
	else
		echo "error $name: $(tail -n 1 /tmp/bench.err)"
		failed=1
	fi
}

# bench_awk ratio|speedup A B [NAME]: the two comparisons of results A, B.
bench_awk() {
	awk -v op="$1" -v a="$2" -v b="$3" -v name="${4:-}" '
		$1 == "result" {
			for (i = 4; i <= NF; i++) {
				split($i, kv, "=")
				v[$2, kv[1]] = kv[2]
			}
		}
		END {
			if (v[a, "median_us"] <= 0 || v[b, "median_us"] <= 0 ||
			    v[a, "p99_us"] <= 0 || v[b, "p99_us"] <= 0)
				exit
			if (op == "ratio")
				printf "ratio %s/%s median=%.2f p99=%.2f\n", a, b,
					v[a, "median_us"] / v[b, "median_us"],
					v[a, "p99_us"] / v[b, "p99_us"]
			else if (v[a, "ops_s"] > 0 && v[b, "ops_s"] > 0)
				printf "ratio %s ops=%.2f median=%.2f p99=%.2f\n", name,
					v[a, "ops_s"] / v[b, "ops_s"],
					v[b, "median_us"] / v[a, "median_us"],
					v[b, "p99_us"] / v[a, "p99_us"]
		}' $bench_results
}

# The run added /scenario/bench.key: PEER's serve takes it on port 7779 (on
# the bench's private network), then this node; done when PEER answers
# under it. Every connection of the lab run is closed by the change.
bench_keyed() {
	cfs=/sys/kernel/config/virgo
	key=$(tr -d ' \t\r\n' < /scenario/bench.key)
	if ! echo "$key" | nc -w 2 "$1" 7779; then
		echo "error keyed: $1 takes no key on port 7779"
		failed=1
		return 1
	fi
	echo "$key" > $cfs/key
	if ! wait_until 30 sh -c "virgo send --key /scenario/bench.key --addr $1 core ping |
				   grep -q '^pong '"; then
		echo "error keyed: $1 does not answer under the key"
		failed=1
		return 1
	fi
	wait_until 10 sh -c "for s in $cfs/nodes/*/state; do [ \"\$(cat \$s)\" = up ] || exit 1; done"
	echo "# keyed: $(cat $cfs/auth)"
}

ratio() {
	bench_awk ratio "$1" "$2"
}

speedup() {
	bench_awk speedup "$2" "$3" "$1"
}
