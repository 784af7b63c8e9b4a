#!/bin/sh
# Cluster locks on 3 nodes: `virgo lock` runs a command holding a lock;
# 3 nodes x 200 increments (15 on the debug kernel) of one counter under
# it lose none; fencing tokens grow in the order the lock was held; a
# holder cut off loses the lock within its lease, is stopped, and writes
# nothing after the next holder; a holder keeps its lock while the master
# is cut off and another node takes over, and back; a killed holder's lock
# is free again within the bound; hostile lines on the lock port get
# errors.
. virgo-test.sh

cfs=/sys/kernel/config/virgo/cloudsync
net=${VIRGO_NODE_ADDR%.*}
lease=$(cat $cfs/lease_ms)
ask() {		# ask NODE COMMAND [ARG]: node 2's or 3's act script
	echo "$2 ${3:-}" | nc -w ${4:-300} "$net.$1" 9045
}
master_here() {
	head -n 1 $cfs/status | grep -q ' this-node'
}
ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}
# increasing: every line of stdin is a number larger than the one before,
# compared as digits (tokens are past the doubles' exact integers)
cat > /tmp/increasing <<'EOS'
#!/bin/sh
awk '{ n = length($1); v = $1 "" }
     NR > 1 && (n < ln || (n == ln && v <= lv)) { print "# not after " lv ": " v; bad = 1 }
     { ln = n; lv = v } END { exit bad }'
EOS
chmod +x /tmp/increasing

check "every node up" virgo-wait-nodes 120
check "node 1 is the lock master" wait_until 30 master_here
head -n 1 $cfs/status | sed 's/^/# /'

# ------------------------------------------------------------ the tool
check_eq "the command runs holding the lock" held \
	"$(virgo lock a -- sh -c 'echo held')"
tok=$(virgo lock a -- sh -c 'echo $VIRGO_LOCK_NAME $VIRGO_LOCK_TOKEN')
check "the command sees the name and the fencing token" \
	sh -c "echo '$tok' | grep -Eqx 'a [1-9][0-9]*'"
virgo lock a -- sh -c 'exit 3'
check_eq "virgo lock exits with the command's status" 3 $?
virgo lock a -- sleep 4 &
holder=$!
sleep 1
out=$(virgo lock --try a -- true 2>&1)
check "--try: a lock held elsewhere is refused at once" \
	sh -c "[ $? = 1 ] && echo '$out' | grep -q 'taken'"
start=$(ms)
virgo lock --timeout 1000 a -- true 2>/dev/null
rc=$? waited=$(($(ms) - start))
check "--timeout 1000: refused after about a second ($waited ms)" \
	[ $rc = 1 -a $waited -ge 900 -a $waited -lt 3000 ]
check "and granted once the holder is done" virgo lock --timeout 10000 a -- true
wait $holder
tok2=$(virgo lock a -- sh -c 'echo $VIRGO_LOCK_TOKEN')
check "a later holder has a larger token" [ "$tok2" -gt "${tok#a }" ]
for name in "" "a b" "a#b" "$(printf '%065d' 0)"; do
	check "the name '$name' is refused" sh -c "! virgo lock '$name' -- true 2>/dev/null"
done
grep -q "^held " $cfs/status
check "nothing left held here" [ $? = 1 ]

# ------------------------------------------------------------ the counter
# 200 rounds a node; 15 on the debug kernel, which looks for other bugs
# (each round starts five programs, and a debug kernel forks slowly: 100
# took three minutes).
rounds=200
debug_kernel && rounds=15
echo 0 | virgo fs put --node 2 counter
ask 2 rounds $rounds > /tmp/r2 &
p2=$!
ask 3 rounds $rounds > /tmp/r3 &
p3=$!
: > /tmp/incr.log
fails=0
for i in $(seq 1 $rounds); do
	virgo lock --timeout 120000 counter -- sh /scenario/incr || fails=$((fails + 1))
done
wait $p2 $p3
check_eq "every increment's lock and command succeeded" \
	"0 done 0 done 0" "$fails $(tail -n 1 /tmp/r2) $(tail -n 1 /tmp/r3)"
check_eq "3 nodes x $rounds increments under the lock" $((3 * rounds)) \
	"$(virgo fs cat --node 2 counter)"
cat /tmp/incr.log /tmp/r2 /tmp/r3 | grep -v '^done' | sort -n > /tmp/all
check_eq "each value written once" $((3 * rounds)) "$(cut -d' ' -f1 /tmp/all | uniq | wc -l)"
check "the tokens grow in the order the counter did" \
	sh -c "cut -d' ' -f2 /tmp/all | /tmp/increasing"

# ------------------------------------------------------------ a holder cut off
printf '' | virgo fs put --node 2 hist
t3=$(ask 3 hold f)
check "node 3 holds f and writes" sh -c "[ -n '$t3' ] && sleep 1 && virgo fs cat --node 2 hist | grep -qx '$t3'"
virgo-fault cut 3 >/dev/null
# The wait ends when the command starts (it stamps the time first): its
# own work, three appends, is not the lock's.
cat > /tmp/stamp <<'EOS'
#!/bin/sh
awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime > /tmp/granted
EOS
chmod +x /tmp/stamp
rm -f /tmp/granted
start=$(ms)
t1=$(virgo lock --timeout 30000 f -- sh -c \
	'/tmp/stamp; for i in 1 2 3; do sh /scenario/append $VIRGO_LOCK_TOKEN; done; echo $VIRGO_LOCK_TOKEN')
waited=$(($(cat /tmp/granted 2>/dev/null || echo 999999) - start))
check "with node 3 cut off, node 1 gets f within the lease ($waited ms)" \
	[ -n "$t1" -a "$waited" -le $((lease + 2000)) ]
echo "# node 3's token $t3, then node 1's $t1"
check "with a larger token" [ "${t1:-0}" -gt "${t3:-0}" ]
virgo-fault join 3 >/dev/null
check "node 3 is back" virgo-wait-nodes 60
sleep 2
virgo fs cat --node 2 hist > /tmp/hist
sed 's/^/# hist: /' /tmp/hist | uniq -c | head -20
check "node 3 wrote nothing after node 1: the history's tokens never go back" \
	sh -c "uniq /tmp/hist | /tmp/increasing"
check "node 3's virgo lock said the lease was lost, and failed" \
	sh -c "ask() { echo result | nc -w 10 $net.3 9045; }; ask | grep -q 'status 1' && ask | grep -q 'lease was lost'"

# ------------------------------------------------------------ the master cut off
# A holder outlives a change of master when its lease is longer than the
# change takes: node 1 seen down (6 s), its votes lapsed, a new campaign.
for n in 2 3; do ask $n lease 20000 > /dev/null; done
echo 20000 > $cfs/lease_ms
term0=$(head -n 1 $cfs/status | awk '{ print $4 }')
tm=$(ask 3 hold m)
check "node 3 holds m" [ -n "$tm" ]
virgo-fault cut 1 >/dev/null
check "cut off from the others, node 1 stops being the master" \
	wait_until 10 sh -c "! head -n 1 $cfs/status | grep -q ' this-node'"
virgo lock --timeout 2000 x -- true 2>/dev/null
check "and grants nothing" [ $? = 1 ]
sleep 15	# node 2 takes over: node 1 seen down, its votes lapsed, a grace
virgo-fault join 1 >/dev/null
check "node 1 is back" virgo-wait-nodes 60
check "node 1 is the lock master again" wait_until 40 master_here
term1=$(head -n 1 $cfs/status | awk '{ print $4 }')
check "in a larger term" [ "${term1:-0}" -gt "${term0:-0}" ]
check "node 3 held m through both changes of master" \
	sh -c "echo status | nc -w 10 $net.3 9045 | grep -Eqx 'held m $tm [0-9]+'"
check "node 1's table has m, node 3's, with its token" \
	wait_until 10 grep -Eq "^lock m $tm 3 " $cfs/status
tn=$(virgo lock --timeout 20000 n -- sh -c 'echo $VIRGO_LOCK_TOKEN')
check "a new token is larger than the old master's" [ "${tn:-0}" -gt "$tm" ]
virgo lock --try m -- true 2>/dev/null
check "m is still taken" [ $? = 1 ]
for n in 2 3; do ask $n lease $lease > /dev/null; done
echo $lease > $cfs/lease_ms
sleep 1
echo "# $(head -n 1 $cfs/status)"

# ------------------------------------------------------------ a holder killed
tk=$(ask 3 hold k)
check "node 3 holds k" [ -n "$tk" ]
sed 's/^/# before the kill: /' $cfs/status
virgo-fault kill 3 >/dev/null
start=$(ms)
t1=$(virgo lock --timeout 30000 k -- sh -c 'echo $VIRGO_LOCK_TOKEN')
waited=$(($(ms) - start))
sed 's/^/# after: /' $cfs/status
check "node 3 killed: node 1 gets k within the lease ($waited ms)" \
	[ -n "$t1" -a "$waited" -le $((lease + 1000)) ]
echo "# node 3's token $tk, then node 1's $t1"
check "with a larger token" [ "${t1:-0}" -gt "${tk:-0}" ]

# ------------------------------------------------------------ hostile lines
for line in "ACQUIRE" "ACQUIRE a#b 0" "ACQUIRE x 99999999999" "ACQUIRE x -1" \
	    "RELEASE x 12z" "RENEW x" "VOTE 0" "VOTE 99999999999" "VOTE" \
	    "RELEASE counter 123" "STATUS" "$(printf 'A%.0s' $(seq 1 300))"; do
	check "'$(echo "$line" | cut -c1-24)' gets an ERROR" \
		sh -c "virgo send cloudsync '$line' 2>/dev/null | grep -q '^ERROR E'"
done
check "the lock service still serves" virgo lock --timeout 5000 a -- true
finish
