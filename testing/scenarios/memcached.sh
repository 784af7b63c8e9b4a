#!/bin/sh
# The mempool's memcached protocol against the real thing: Debian's
# memcached 1.6 runs on this node beside it, and both get the same request
# streams, malformed ones included; their replies must be the same (the
# cas uniques and the version aside). Not compared: the meta commands
# (not served: "ERROR"), flags above 2^32 - 1 (refused here, cut to 32
# bits there), a value not followed by "\r\n" (closes here), stats. Then libmemcached's conformance
# checker (memccapable) and its load generator (memcslap) run against
# port 30000 as against memcached.
. virgo-test.sh

memcached -u root -l 127.0.0.1 -p 11211 -t 1 -U 0 -c 256 >/tmp/memcached.log 2>&1 &
check "memcached 1.6 serves beside the mempool" wait_until 10 \
	sh -c 'printf "version\r\n" | nc -w 1 127.0.0.1 11211 | grep -q "^VERSION 1\.6"'

k251=$(head -c 251 /dev/zero | tr '\0' a)
tab=$(printf '\t')
ctl=$(printf 'a\001b')
# stream NAME: the requests, one per line, without line ends.
stream() {
	case $1 in
	errors)
		printf '%s\n' "get" "gets" "gats" "gat" "gat 10" "gat x k" "foo bar" "GET k" \
			"verbosity" "verbosity 1" "verbosity 1 noreply" "verbosity x" "incr" \
			"incr k" "incr k x" "incr k -1" "incr k 18446744073709551616" "touch k" \
			"touch k x" "delete" "delete k 1" "delete k 0" "delete k 0 0" \
			"set k 0 0" "mn" "mn x" "version x" "  get   k  " "get $k251" \
			"flush_all x" "verbosity noreply" "verbosity foo bar my" \
			"version noreply" "stats x" "stats noreply" "stats detail dump" \
			"set k 0 0 noreply" "set k x 0 1 noreply" "incr k x noreply" \
			"touch k x noreply" "delete k 1 noreply" ;;
	storage)
		printf '%s\n' "set k 0 0 2" "10" "decr k 1" "get k" "incr k 5" "get k" \
			"set k 0 0 abc" "hello" "set k 0 0 1 extra" "x" \
			"set k 0 0 1 noreply extra" "x" "set $k251 0 0 1" "x" \
			"set k x 0 1" "set k 0 0 -1" \
			"cas nokey 0 0 1 5" "x" "cas k 0 0 1 abc" "x" "append nokey 0 0 1" "x" \
			"add k 0 0 1" "x" "replace nokey 0 0 1" "x" "prepend k 0 0 2" "ab" \
			"append k 0 0 2" "yz" "get k" "gets k" "set e 0 -1 1" "x" "get e" \
			"touch k 100" "touch nokey 1" "gat 100 k" "gats 0 k nokey" \
			"set n 0 0 6" "12 abc" "incr n 1" "get n" "set s 0 0 3" "abc" \
			"incr s 1" "incr nokey 1" "set w 0 0 20" "18446744073709551615" \
			"incr w 1" "get w" "decr w 5" "set t${tab}ab 7 0 1" "x" "get t${tab}ab" \
			"set $ctl 0 0 1" "x" "get $ctl" "get k n w nokey s" "delete k noreply" \
			"get k" "delete n 0 noreply" "get n" "delete nokey" "flush_all noreply" \
			"get s" "flush_all 0" "flush_all" ;;
	esac
}
# ask PORT NAME: the stream, from an empty store, and quit; replies with
# the cas uniques and the version made alike.
ask() {
	{ echo flush_all; stream "$2"; echo quit; } | sed 's/$/\r/' |
		nc -w 5 127.0.0.1 "$1" | tr -d '\r' |
		sed -E 's/^(VALUE [^ ]+ [0-9]+ [0-9]+) [0-9]+$/\1 <cas>/; s/^VERSION .*/VERSION <v>/'
}
for name in errors storage; do
	want=$(ask 11211 $name)
	got=$(ask 30000 $name)
	echo "$got" > /tmp/got.$name
	echo "$want" > /tmp/want.$name
	diff /tmp/want.$name /tmp/got.$name | sed 's/^/# /'
	check "the $name stream: the same $(echo "$want" | wc -l) replies as memcached" \
		cmp -s /tmp/want.$name /tmp/got.$name
done

memccapable -a -h 127.0.0.1 -p 11211 > /tmp/capable.mc 2>&1
memccapable -a -h 127.0.0.1 -p 30000 > /tmp/capable.virgo 2>&1
status=$?
grep -v '\[pass\]' /tmp/capable.virgo | sed 's/^/# /'
check_eq "memccapable's ASCII tests pass on memcached" "All tests passed" "$(tail -n 1 /tmp/capable.mc)"
check_eq "and on the mempool (status $status)" "All tests passed" "$(tail -n 1 /tmp/capable.virgo)"

for t in set get mget; do
	out=$(memcslap --servers=127.0.0.1:30000 --concurrency=16 --execute-number=200 --test=$t 2>&1)
	status=$?
	echo "$out" | grep -i 'time to\|fail\|error' | sed 's/^/# /'
	check "memcslap --test=$t, 16 connections: no error (status $status)" \
		sh -c "[ $status = 0 ] && echo '$out' | grep -q '^Time to' && ! echo '$out' | grep -qi 'fail\|error'"
done
finish
