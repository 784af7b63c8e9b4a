#!/bin/sh
# The mempool's memcached protocol against the real thing: Debian's
# memcached 1.6 runs on this node beside it, and both get the same request
# streams, malformed ones included, the meta commands' too; their replies
# must be the same (the cas uniques and the version aside, times to ten
# seconds). Not compared: flags above 2^32 - 1 (refused here, cut to 32
# bits there), a value not followed by "\r\n" (closes here), stats, a
# TTL left after a negative T or N (memcached's depends on its uptime).
# Then libmemcached's conformance checker (memccapable) and its load
# generator (memcslap) run against port 30000 as against memcached.
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

o33=O$(printf '%032d' 0)
f16="s t c f h l k O1 q u v T0 R30 N30 C0 D0"
f17="$f16 J0"
big=$(head -c 1048514 /dev/zero | tr '\0' x)	# memcached's largest for "big"
# meta NAME: a stream of meta commands, as stream; meta-cas uses $cas_<key>.
meta() {
	case $1 in
	meta-errors)
		printf '%s\n' "mg" "ms" "md" "ma" "me" "mx k" "mn x" "mg k x" "mg k 1" \
			"mg k E5" "mg k v vv" "mg k $(printf '\303\251')" "mg k $o33" "md k $o33" \
			"mg k T" "mg k Tx" "mg k N v" "mg k R0x5" "mg k T99999999999999999999" \
			"mg k C-1" "mg k Fx" "mg k F-1" "mg k M" "mg k MSS" "mg k D-1" "mg k Jx" \
			"mg k Tx Fx" "mg k Fx Tx" "mg k Tx Dx" "mg k Tx zz" "mg k Tx T1" \
			"mg k b" "mg YWJ b" "mg YWJjZA= b" "mg A=== b" "mg @@@@ b" "mg k $f17" \
			"mg k $f17 P" "md k $f17 P" "ma k $f17 P" "ms k 1 $f16" "x" "ms k 1 $f17" \
			"x" "md k x" "md k Tx" "md k b" "ma k x" "ma k MI MD" "ma k Mi" \
			"ma k D18446744073709551616" "ms k" "ms k x" "hi" "ms k -1" \
			"ms k 2147483646" "ms k 2 x" "hi" "ms k 2 q zz" "hi" "ms k 2 MX" "hi" \
			"ms k 2 $o33 MX" "hi" "ms k 2 Fx $o33" "hi" "ms k 2 MX Tx" "hi" \
			"ms k 2 F1 F2" "hi" "ms k 2 b" "hi" "ms k 2 $o33" "hi" "me k b" "me k x y" \
			"mg $k251" "ms $k251 1" "x" "md $k251" "ma $k251" "me $k251" "mg  k   v  " \
			"mg k T+5 D-0 C05 F+7 R${tab}5$tab" "mg k T-4294967296" "mg k v q" \
			"mg k O q k" "mn" ;;
	meta)
		printf '%s\n' "ms k 2 T100 F5" "hi" "mg k s v f t k O123 q" "mg k" "mg k q" \
			"mg k k q O1" "mg nokey v" "mg nokey v q" "mg nokey k O1 q v" \
			"mg nokey k O1 v" "mg k O" "mg k T0 t v" "mg k t T30" "mg k t" \
			"mg k T-1 v" "mg k v" "ms k 2" "hi" "mg k h l t" "mg k h l" "mg k u h" \
			"mg u h u" "ms u 2" "hi" "mg u h u" "mg u h u" "gets u" "mg u h" \
			"touch k 0" "mg w N30 v t" "mg w N30 v t" "mg w t N30 q" "mg w2 t N30 s" \
			"mg w2 t" "ms r 2 T100" "hi" "mg r v R30 t" "mg r v R200 t" \
			"mg r v R200 t" "mg r T300 R200 t" "md r I T30" "mg r v t" "mg r v t" \
			"md r I q" "mg r" "ms r 2 I" "ho" "mg r v" "md r q k" "md r k O9" "md r I" \
			"ms a 2 ME" "hi" "ms a 2 ME q O1 k" "hi" "ms a 2 MA q" "xy" "ms a 2 MP" \
			"<<" "mg a v" "ms b 2 MA" "xy" "ms b 2 MR" "xy" "ms b 2 MS q" "ok" \
			"ms b 2 MR k" "ok" "ms c 2 C1 c" "hi" "ms c 2 MR C1" "hi" "ms c 2 MA C1" \
			"hi" "ms c 2 ME C1" "hi" "ms c 2 C1 k c" "hi" "ms c 2 MA C0" "xy" "mg c v" \
			"ms c 2 ME C1 c" "hi" "ms c 2 MP C1 O5" "hi" "ms d 2 T-1" "hi" "mg d v" \
			"ms f 2 F4294967295" "hi" "mg f f" "ms f 2 F-0" "hi" "mg f f" "ms z 0" "" \
			"mg z v s" "ms YWJj 2 b k" "hi" "mg abc v k" "mg YWJj b k v" "get abc" \
			"me YWJj b" "me abc" "me YWJj" "ms YWJj 2 b MA" "ho" "mg abc k v" \
			"mg YW=j b k" "mg Y.W.J.j b k v" "ms AAAA 2 b k" "hi" "mg AAAA b k v s" \
			"md AAAA b k q" "mg AAAA b k" "mg YWJk b N30 k v" "mg //// b k" \
			"md YWJj b k O5" "ma n" "ma n q" "ma n N0 q" "ma n v t" "ma n N0 J10 v t" \
			"ma n MD v" "ma n M- D100 v" "ma n M+ D5 v" "ma n MI D5 v" \
			"ma n D18446744073709551615 v" "ma n q" "ma n q v" "ma n O1 k v" \
			"ma n O1 k" "ma n C1 v" "ma n C0 v" "ma nokey O1 k v q" \
			"ma m N100 O1 k v t" "ma m2 N0 J5 T100 v t" "ma m3 N100 T0 v t" \
			"ma m4 T100 N0 v t" "ma n T100 t v" "ma n t T50 v" "mg n t" "ms s 3" "abc" \
			"ma s v" "ms p 4" "12  " "ma p v" "mg p v" "ms p 4" "9999" "ma p v" \
			"ma p v MD D10000" "mg p v s" "ms YWJj 2 b" "10" "ma YWJj b v k" \
			"ma abc v k" "mg abc k" "ma abc v D100" "mg abc k" "ms e 2 F5 T100" "10" \
			"me e" "mg e" "me e" "me nokey" "ms big 2" "hi" "ms big 1048515 MA" \
			"${big}x" "mg big v" "ms big 1048514 q" "$big" "mg big s" "ms big 1 MA" \
			"x" "mg big s" "set big 0 0 1048515" "${big}x" "mg big s" "mn" ;;
	meta-cas)
		printf '%s\n' "ms c 2 C$((cas_c + 1)) I" "hi" "ms c 2 C$((cas_c - 1)) I T0" \
			"ho" "mg c t v" "mg c v" "md c C$cas_c" "ms d 2 C$cas_d" "hu" "mg d v" \
			"md e C$cas_e I T30" "mg e t" "ma f C$cas_f v" "ma f C$cas_f v" \
			"md g C$cas_g q" "mg g" "ms h 2 MA C$cas_h" "yz" "mg h v" "mn" ;;
	esac
}
# meta_cas PORT: store the keys of meta-cas, and read their cas uniques.
meta_cas() {
	{ echo flush_all; for k in c d e g h; do printf 'ms %s 2 T100\nhi\n' $k; done
	  printf 'ms f 1\n5\nquit\n'; } | sed 's/$/\r/' | nc -w 5 127.0.0.1 "$1" > /dev/null
	for k in c d e f g h; do
		eval "cas_$k=$(printf 'mg %s c\r\nquit\r\n' $k | nc -w 5 127.0.0.1 "$1" |
			       sed -n 's/^HD c\([0-9]*\).*/\1/p')"
	done
}
# ask_meta PORT NAME: as ask, and times rounded to ten seconds: the two
# servers' clocks tick apart (exp=-1 is "never").
ask_meta() {
	[ "$2" = meta-cas ] && meta_cas "$1"
	{ [ "$2" = meta-cas ] || echo flush_all; meta "$2"; echo quit; } |
		sed 's/$/\r/' | nc -w 5 127.0.0.1 "$1" | tr -d '\r' |
		sed -E 's/^(VALUE [^ ]+ [0-9]+ [0-9]+) [0-9]+$/\1 <cas>/' | awk '{
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^c[1-9][0-9]*$/)
				$i = "c<cas>"
			else if ($i ~ /^cas=[0-9]+$/)
				$i = "cas=<cas>"
			else if ($i ~ /^[tl][0-9]+$/)
				$i = substr($i, 1, 1) int((substr($i, 2) + 5) / 10) * 10
			else if ($i ~ /^(la|exp)=[0-9]+$/ || $i ~ /^exp=-([02-9]|[1-9][0-9]+)$/) {
				split($i, a, "=")
				v = a[2] < 0 ? -a[2] : a[2]
				$i = a[1] "=" (a[2] < 0 ? "-" : "") int((v + 5) / 10) * 10
			}
		}
		print
	}'
}
for name in errors storage meta-errors meta meta-cas; do
	case $name in
	meta*)	want=$(ask_meta 11211 $name); got=$(ask_meta 30000 $name) ;;
	*)	want=$(ask 11211 $name); got=$(ask 30000 $name) ;;
	esac
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

# 200 operations a connection; 100 on the debug kernel (the same paths).
ops=200
debug_kernel && ops=100
for t in set get mget; do
	out=$(memcslap --servers=127.0.0.1:30000 --concurrency=16 --execute-number=$ops --test=$t 2>&1)
	status=$?
	echo "$out" | grep -i 'time to\|fail\|error' | sed 's/^/# /'
	check "memcslap --test=$t, 16 connections: no error (status $status)" \
		sh -c "[ $status = 0 ] && echo '$out' | grep -q '^Time to' && ! echo '$out' | grep -qi 'fail\|error'"
done
finish
