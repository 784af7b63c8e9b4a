# SPDX-License-Identifier: GPL-2.0
#
# virgo-test.sh - sourced by scenarios: `. virgo-test.sh`
#
#   check NAME COMMAND...   run COMMAND, print "ok N - NAME" or "not ok"
#   check_eq NAME WANT GOT  compare two strings
#   node_info ADDR          one node's info line (node=, release=, abi=, reach=)
#   field LINE KEY          the value of KEY=... in LINE
#   flood_answers           node 2's local user's flood leaves its services answering
#   refuses NAME ATTR VALUE a configfs write fails and changes nothing
#   kselftest NAME N [ARGS] the VIRGO kselftest (ARGS: -f FIXTURE): exactly N
#                           passed, none failed or skipped, exit status 0
#   debug_kernel            true on a debug kernel's run (virgo_kmemleak=1)
#   finish                  print "N passed, N failed" and exit accordingly

virgo_test_n=0
virgo_test_pass=0
virgo_test_fail=0

# virgo_test_now: centiseconds since boot
virgo_test_now() {
	read -r vt_up _ < /proc/uptime
	echo "${vt_up%.*}${vt_up#*.}"
}
virgo_test_last=$(virgo_test_now)

virgo_test_result() {
	virgo_test_n=$((virgo_test_n + 1))
	# A check that took 5 s or more says so (after the scenario's start,
	# for the first): where a slow run spends its time.
	vt_now=$(virgo_test_now)
	if [ $((vt_now - virgo_test_last)) -ge 500 ]; then
		vt_cs=$((vt_now - virgo_test_last))
		echo "# check $virgo_test_n took $((vt_cs / 100)).$((vt_cs / 10 % 10)) s"
	fi
	virgo_test_last=$vt_now
	if [ "$1" = 0 ]; then
		virgo_test_pass=$((virgo_test_pass + 1))
		echo "ok $virgo_test_n - $2"
	else
		virgo_test_fail=$((virgo_test_fail + 1))
		echo "not ok $virgo_test_n - $2"
	fi
}

check() {
	name=$1
	shift
	"$@"
	virgo_test_result $? "$name"
}

check_eq() {
	[ "$2" = "$3" ]
	rc=$?
	[ $rc = 0 ] || echo "# $1: wanted '$2', got '$3'"
	virgo_test_result $rc "$1"
}

node_info() {
	nc -w 3 "$1" 7 </dev/null 2>/dev/null
}

field() {
	for kv in $1; do
		case "$kv" in "$2="*) echo "${kv#*=}"; return ;; esac
	done
}

# kselftest NAME N [ARGS...]: a kselftest harness counts a skip as a pass
# and a fixture that matches nothing as no failure; VIRGO's must pass
# exactly N tests and skip none.
kselftest() {
	ks_name=$1 ks_want=$2
	shift 2
	/usr/libexec/virgo/tests/virgo_syscalls_test "$@" > /tmp/kselftest.out 2>&1
	ks_rc=$?
	sed 's/^/# /' /tmp/kselftest.out
	check_eq "$ks_name: $ks_want passed, none failed or skipped" \
		"# Totals: pass:$ks_want fail:0 xfail:0 xpass:0 skip:0 error:0" \
		"$(grep '^# Totals:' /tmp/kselftest.out)"
	check "$ks_name: exit status 0" [ "$ks_rc" = 0 ]
}

# refuses NAME ATTR VALUE: writing VALUE to the configfs attribute ATTR
# fails and leaves it as it was; an attribute that is not there fails too.
refuses() {
	if [ ! -e "$2" ]; then
		echo "# $1: no attribute $2"
		virgo_test_result 1 "$1"
		return
	fi
	rf_before=$(cat "$2")
	! echo "$3" > "$2" 2>/dev/null && [ "$(cat "$2")" = "$rf_before" ]
	virgo_test_result $? "$1"
}

# all_ids: "1,2,...,N" for the whole cluster
all_ids() {
	seq -s, 1 "$VIRGO_NODES"
}

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds
wait_until() {
	limit=$1
	shift
	end=$(($(date +%s) + limit))
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# flood_answers: an unprivileged user of node 2 (a program run there as
# nobody) holds 8 connections from each of 127.0.0.1-.9 to every service
# port of node 2; each service still answers node 1, a peer.
flood_answers() {
	virgo clone --exec --node 2 --timeout 60000 hog 20 > /tmp/flood.out 2>&1 &
	flood=$!
	sleep 5
	check "core answers a peer" flood_answer core ping '^pong 2$'
	check "mempool answers a peer" flood_answer mempool version '^VERSION '
	check "cpupool answers a peer" flood_answer cpupool no_such_function '^ERROR (ENOENT|EINVAL)'
	check "cloudfs answers a peer" flood_answer cloudfs no_such_command '^ERROR EINVAL'
	wait $flood
	check_eq "node 2's local user held connections from 127.0.0.1-.9 to every port" \
		"opened 288" "$(cat /tmp/flood.out)"
}

flood_answer() {
	virgo send --node 2 "$1" "$2" 2>&1 | grep -Eq "$3"
}

debug_kernel() {
	[ "${virgo_kmemleak:-0}" = 1 ]
}

finish() {
	echo "$virgo_test_pass passed, $virgo_test_fail failed"
	[ "$virgo_test_fail" = 0 ] && [ "$virgo_test_n" -gt 0 ]
	exit $?
}
