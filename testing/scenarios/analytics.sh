#!/bin/sh
# Kernel analytics on 3 nodes: the seed's file loaded; the balancer's
# weights set 1:1:8 and the shares of 3000 virgo_clone calls follow them
# (chi-square), then follow a live change; cpupool's max_jobs from a key;
# hostile keys and values, refused values, a file with a bad line and one
# with a refused value (nothing set), the 500-key bound, and a stream with
# bad lines.
. virgo-test.sh

cfs=/sys/kernel/config/virgo
a=$cfs/analytics
check "every node up" virgo-wait-nodes 120

# ------------------------------------------------------------ the seed's file
cp /scenario/virgo_kernel_analytics.conf /etc/
check "virgo analytics load reads /etc/virgo_kernel_analytics.conf" virgo analytics load
check_eq "its five keys, listed sorted" \
"CameraPanDegrees=30
MaxNetworkBandwidth=255
MostProminentSourceIP=198.18.0.7
Voltage=low
balancer.policy=prg" "$(virgo analytics list)"
check_eq "get" 255 "$(virgo analytics get MaxNetworkBandwidth)"
check_eq "configfs has it: analytics/<key>/value" low "$(cat $a/Voltage/value)"
check_eq "balancer.policy=prg set the balancer's policy" prg "$(cat $cfs/balancer)"

# ------------------------------------------------------------ weights
# 3000 calls a round; 1200 on the debug kernel (the same code paths, at
# a fifth of the speed), still 120 or more expected on every node.
calls=3000
debug_kernel && calls=1200
# chi OUT W1 W2 W3: Pearson's statistic of OUT's shares ("node N: C")
# against the weights; 999 unless all the calls are counted.
chi() {
	echo "$1" | awk -v w="$2 $3 $4" -v n=$calls '
		BEGIN { split(w, ws, " "); for (i = 1; i <= 3; i++) tw += ws[i] }
		$1 == "node" { o[$2 + 0] = $3; t += $3 }
		END { for (i = 1; i <= 3; i++) { e = t * ws[i] / tw; x += (o[i] - e) * (o[i] - e) / e }
		      if (t != n) x = 999; printf "%.3f\n", x }'
}
below() { awk -v x="$1" 'BEGIN { exit !(x ~ /^[0-9.]+$/ && x + 0 < 13.816) }'; }
check "weights 1:1:8" virgo analytics set balancer.weight.1=1 balancer.weight.2=1 balancer.weight.3=8
out=$(virgo clone --count $calls node_info)
echo "$out" | sed 's/^/# 1:1:8: /'
x=$(chi "$out" 1 1 8)
echo "# chi-square $x against 1:1:8 (df 2, critical 13.816 at p = 0.001)"
check "$calls calls follow the weights 1:1:8 (about 80% on node 3)" below "$x"
check "and not equal shares" sh -c "! awk -v x=$(chi "$out" 1 1 1) 'BEGIN { exit !(x < 13.816) }'"
check "a live change: 5:4:1" virgo analytics set balancer.weight.1=5 balancer.weight.2=4 balancer.weight.3=1
out=$(virgo clone --count $calls node_info)
echo "$out" | sed 's/^/# 5:4:1: /'
x=$(chi "$out" 5 4 1)
echo "# chi-square $x against 5:4:1"
check "the shares follow at once" below "$x"
check "deleting the weights" virgo analytics delete balancer.weight.1 balancer.weight.2 balancer.weight.3
out=$(virgo clone --count $calls node_info)
x=$(chi "$out" 1 1 1)
echo "# chi-square $x against 1:1:1"
check "gives equal shares back" below "$x"

# ------------------------------------------------------------ cpupool
echo 12 > $cfs/cpupool/max_jobs
check "cpupool.max_jobs=3" virgo analytics set cpupool.max_jobs=3
check_eq "sets cpupool's max_jobs" 3 "$(cat $cfs/cpupool/max_jobs)"
check "deleting it" virgo analytics delete cpupool.max_jobs
check_eq "gives back the value from before" 12 "$(cat $cfs/cpupool/max_jobs)"
echo 16 > $cfs/cpupool/max_jobs

# ------------------------------------------------------------ refused
refused() {	# refused NAME KEY=VALUE: set exits 1 and changes nothing
	before=$(virgo analytics list)
	check "$1 is refused" sh -c "! virgo analytics set '$2' 2>/tmp/err"
	echo "# $(cat /tmp/err)"
	check_eq "and changes nothing" "$before" "$(virgo analytics list)"
}
refused "a policy the balancer has not" balancer.policy=random
refused "a weight past 1000" balancer.weight.2=1001
refused "a weight for node 65" balancer.weight.65=1
refused "max_jobs 0" cpupool.max_jobs=0
refused "a key with a space" 'a b=1'
refused "a key with a slash" '../x=1'
refused "a UTF-8 key" "$(printf 'caf\303\251=1')"
refused "a key of 65 bytes" "$(printf '%065d' 0)=1"
refused "a value of 257 bytes" "k=$(printf '%0257d' 0)"
refused "a value with a tab" "$(printf 'k=a\tb')"
check "a key of 64 bytes and a value of 256 are taken" \
	virgo analytics set "$(printf '%064d' 0)=$(printf '%0256d' 0)"
check_eq "and read back whole" 256 "$(virgo analytics get "$(printf '%064d' 0)" | tr -d '\n' | wc -c)"
check "list reads it too" sh -c "virgo analytics list | grep -qx '$(printf '%064d' 0)=$(printf '%0256d' 0)'"
check "and a set goes on working beside it" virgo analytics set after.long=1
virgo analytics delete "$(printf '%064d' 0)" after.long
check "configfs: mkdir of a bad key is refused" sh -c "! mkdir '$a/a b' 2>/dev/null"
mkdir $a/novalue
check_eq "a key made without a value: no value for readers" "" "$(cat $a/novalue/value)"
check "virgo analytics get says so" sh -c "! virgo analytics get novalue 2>/dev/null"
check "configfs: a value over 256 bytes is refused" \
	sh -c "! printf '%0300d' 0 > $a/novalue/value 2>/dev/null"
rmdir $a/novalue

# ------------------------------------------------------------ files
printf 'fresh=1\nbalancer.policy=round-robin\n# fine so far\nnot a pair\n' > /tmp/bad.conf
check "a file with a bad line is refused" sh -c "! virgo analytics load /tmp/bad.conf 2>/tmp/err"
check "naming FILE:LINE" grep -q '^virgo: /tmp/bad.conf:4: ' /tmp/err
check "and nothing was set" sh -c "! virgo analytics get fresh 2>/dev/null && [ \"\$(cat $cfs/balancer)\" = prg ]"
printf 'fresh=1\nVoltage=high\nbalancer.policy=bogus\n' > /tmp/refused.conf
check "a file with a value the kernel refuses" sh -c "! virgo analytics load /tmp/refused.conf 2>/tmp/err"
echo "# $(cat /tmp/err)"
check "names its line" grep -q '^virgo: /tmp/refused.conf:3: balancer.policy=bogus' /tmp/err
check_eq "and what it set before is undone" "low" "$(virgo analytics get Voltage)"
check "a new key it made is gone" sh -c "! virgo analytics get fresh 2>/dev/null"

# ------------------------------------------------------------ 500 keys
n=$(virgo analytics list | wc -l)
keys=$(awk -v n=$((500 - n)) 'BEGIN { for (i = 1; i <= n; i++) printf "bulk%d=%d ", i, i }')
check "up to 500 keys" virgo analytics set $keys
check_eq "500 keys" 500 "$(virgo analytics list | wc -l)"
check "the 501st is refused" sh -c "! virgo analytics set one.more=1 2>/tmp/err"
echo "# $(cat /tmp/err)"
check "configfs: mkdir of the 501st: ENOSPC" sh -c "! mkdir $a/one.more 2>/tmp/err"
grep -q 'No space left' /tmp/err || echo "# mkdir said: $(cat /tmp/err)"
check "a key there takes a new value" virgo analytics set bulk1=new
virgo analytics delete $(echo "$keys" | sed 's/=[0-9]*//g') 2> /dev/null

# ------------------------------------------------------------ stream
printf 'streamed=1\nbad line\n,next=2,also=3\n%05000d\nlast=4\n' 0 |
	virgo analytics stream 2> /tmp/err
check_eq "a stream with bad lines exits 1" 1 $?
echo "# $(cat /tmp/err | tr '\n' ' ')"
check "naming stdin:2: and the long line 4" sh -c "grep -q '^virgo: stdin:2: ' /tmp/err && grep -q '^virgo: stdin:4: over' /tmp/err"
check_eq "the good lines applied as they came" "1 2 3 4" \
	"$(virgo analytics get streamed) $(virgo analytics get next) $(virgo analytics get also) $(virgo analytics get last)"
# tail -f FILE | virgo analytics stream: a key appended is set.
: > /tmp/learnt.conf
tail -f /tmp/learnt.conf | virgo analytics stream &
streamer=$!
echo ',learnt=42' >> /tmp/learnt.conf
check "tail -f FILE | virgo analytics stream sets what is appended" \
	wait_until 10 sh -c '[ "$(virgo analytics get learnt 2>/dev/null)" = 42 ]'
kill $streamer 2>/dev/null
killall tail 2>/dev/null
finish
