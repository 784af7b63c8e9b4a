# SPDX-License-Identifier: GPL-2.0
#
# virgo-test.sh - sourced by scenarios: `. virgo-test.sh`
#
#   check NAME COMMAND...   run COMMAND, print "ok N - NAME" or "not ok"
#   check_eq NAME WANT GOT  compare two strings
#   node_info ADDR          one node's info line (node=, release=, abi=, reach=)
#   field LINE KEY          the value of KEY=... in LINE
#   finish                  print "N passed, N failed" and exit accordingly

virgo_test_n=0
virgo_test_pass=0
virgo_test_fail=0

virgo_test_result() {
	virgo_test_n=$((virgo_test_n + 1))
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

finish() {
	echo "$virgo_test_pass passed, $virgo_test_fail failed"
	[ "$virgo_test_fail" = 0 ] && [ "$virgo_test_n" -gt 0 ]
	exit $?
}
