#!/bin/sh
# EventNet on 3 nodes: the seed's messages over nc, the files exactly as
# DESIGN 5.2 says, the binary-safe form, hostile names, over-long lines
# and 10,000 malformed lines (each an error, the connection goes on, the
# files untouched), the caps, BATCH, 1,000 messages from 3 nodes at once checked
# by a reader of the files' grammar, and the graph merged from every node
# as DOT (printed for the host's Graphviz) and in order.
. virgo-test.sh

cfs=/sys/kernel/config/virgo/eventnet
net=${VIRGO_NODE_ADDR%.*}
dir=$(cat $cfs/dir)
# to NODE: stdin to node NODE's port 20000; its answers to stdout
to() { nc -w 10 "$net.$1" 20000; }
status() { sed -n "s/^$1 //p" $cfs/status; }

check "every node up" virgo-wait-nodes 120
check_eq "virgo config load opened the files' directory" open "$(head -n 1 $cfs/status)"
check_eq "in /var/log/eventnet" /var/log/eventnet "$dir"

# ------------------------------------------------------------ seed messages
out=$(printf '%s\n' 'eventnet_vertexmsg#boot#kernel#init#' 'eventnet_edgemsg#boot#login#' \
	'eventnet_vertexmsg#boot#init#udev' 'eventnet_edgemsg#login#shell' \
	'eventnet_vertexmsg#login#getty#user#' 'eventnet_edgemsg#boot#login#' | to 1)
check_eq "each seed message is answered OK" "OK OK OK OK OK OK" "$(echo $out)"
check_eq "the vertex file: a line per vertex, conversations in place" \
"boot - kernel,init,udev - (kernel,init)#(init,udev)
login - getty,user - (getty,user)
shell -  - " "$(cat $dir/EventNetVertices.txt)"
check_eq "the edge file: a line per edge, once" \
"boot,login
login,shell" "$(cat $dir/EventNetEdges.txt)"
check_eq "no temporary file is left" "EventNetEdges.txt EventNetVertices.txt" "$(echo $(ls $dir))"
check "the files end with a newline and hold no NUL" /scenario/check-files "$dir"

# ------------------------------------------------------------ binary-safe
out=$(printf 'EDGE 5 14\nshellexit 0 (shell)\nVERTEX 4 6 7\nexitbin sh\xc3\xa9t\xc3\xa9 x\n' | to 1)
check_eq "binary-safe: a name with '(' refused, spaces and UTF-8 taken" \
	"ERROR EINVAL ... OK" "$(echo "$out" | sed -n 1p | cut -c1-12) ... $(echo "$out" | sed -n 2p)"
check "the vertex line holds them" grep -qx "exit - bin sh,$(printf '\xc3\xa9t\xc3\xa9') x - (bin sh,$(printf '\xc3\xa9t\xc3\xa9') x)" $dir/EventNetVertices.txt
out=$(printf 'EDGE 3 65\nEDGE 1 1\nab\n' | to 1)
check_eq "a bad length ends the connection" "ERROR EPROTO bad name length" "$out"

# ------------------------------------------------------------ hostile input
long=$(printf '%065d' 0)
for name in a-b a,b 'a(b' 'a)b' "$long" ' a' 'a ' "$(printf 'a\tb')" "$(printf 'a\033b')"; do
	out=$(printf 'eventnet_edgemsg#%s#x\neventnet_vertexmsg#x#%s#y\n' "$name" "$name" | to 1)
	check_eq "the name '$name' is refused in both messages" "ERROR EINVAL ERROR EINVAL" \
		"$(echo "$out" | cut -d' ' -f1-2 | tr '\n' ' ' | sed 's/ $//')"
done
out=$(printf 'eventnet_edgemsg#a\neventnet_edgemsg#a#b#c\neventnet_vertexmsg#a#b#\nEVENTNET_EDGEMSG#a#b\neventnet_edgemsg##b\n' | to 1)
check_eq "missing, extra or empty fields and unknown messages are refused" \
	"ERROR ERROR ERROR ERROR ERROR" "$(echo $(echo "$out" | cut -d' ' -f1))"
out=$({ printf 'eventnet_edgemsg#%0600d#b\n' 0; echo 'eventnet_edgemsg#over#long'; } | to 1)
check_eq "a line over 512 bytes gets E2BIG, and the next line is served" \
	"ERROR E2BIG OK" "$(echo "$out" | head -n 1 | cut -d' ' -f1-2) $(echo "$out" | sed -n 2p)"
# 10,000 malformed lines of every kind (2,000 on the debug kernel: the
# same parser, five times slower), then one good message.
bad=10000
debug_kernel && bad=2000
cp $dir/EventNetVertices.txt /tmp/v.before
cp $dir/EventNetEdges.txt /tmp/e.before
awk -v n=$bad 'BEGIN { for (i = 0; i < n; i++) {
	k = i % 8
	if (k == 0) print "eventnet_edgemsg#a-" i "#b"
	else if (k == 1) print "eventnet_vertexmsg#v" i "#(p#q"
	else if (k == 2) print "eventnet_edgemsg#" i
	else if (k == 3) print "garbage " i
	else if (k == 4) print "eventnet_vertexmsg#v" i "#p#q#r#"
	else if (k == 5) printf "eventnet_edgemsg#a%c%d#b\n", 1, i
	else if (k == 6) print "eventnet_vertexmsg#v" i "#p"
	else print "eventnet_edgemsg##" i
} print "eventnet_edgemsg#malformed#survived" }' > /tmp/malformed
to 1 < /tmp/malformed > /tmp/answers
check_eq "$bad malformed lines: as many errors, then OK" "$bad OK" \
	"$(grep -c '^ERROR ' /tmp/answers) $(tail -n 1 /tmp/answers)"
check_eq "a malformed binary-safe line ends its connection" "ERROR EPROTO bad name length" \
	"$(printf 'VERTEX x y z\neventnet_edgemsg#not#served\n' | to 1)"
check_eq "the vertex file has only the good message's new lines" \
	"$(cat /tmp/v.before; printf 'malformed -  - \nsurvived -  - ')" "$(cat $dir/EventNetVertices.txt)"
check_eq "the edge file too" "$(cat /tmp/e.before; printf 'malformed,survived')" \
	"$(cat $dir/EventNetEdges.txt)"
check "refusals are counted" [ "$(status refused)" -ge $bad ]

# ------------------------------------------------------------ caps
echo 5 > $cfs/max_convs
out=$(for i in 1 2 3 4 5 6; do echo "eventnet_vertexmsg#capped#a#b"; done | to 1)
check_eq "a vertex takes max_convs conversations, then ENOSPC" \
	"OK OK OK OK OK ERROR" "$(echo $(echo "$out" | cut -d' ' -f1))"
check "and the refused one changed nothing" \
	grep -qx 'capped - a,b - (a,b)#(a,b)#(a,b)#(a,b)#(a,b)' $dir/EventNetVertices.txt
# BATCH (what the trace sends): many messages, answered once applied,
# written within flush_ms; the refused counted in the answer.
printf 'VERTEX 3 2 2\nbatn1n2\nEDGE 3 2\nbatxy\nVERTEX 6 1 1\ncappedab\n' > /tmp/batch
echo 5000 > $cfs/flush_ms
out=$({ printf 'BATCH %d\n' "$(wc -c < /tmp/batch)"; cat /tmp/batch; echo; echo DUMP; } | to 1)
check_eq "BATCH: applied, the one past max_convs refused and counted" "OK 1" \
	"$(echo "$out" | head -n 1)"
check "DUMP has it at once" sh -c "echo '$out' | grep -qx 'bat - n1,n2 - (n1,n2)' &&
	echo '$out' | grep -qx 'bat,xy'"
check "the files not yet (flush_ms 5000)" sh -c "! grep -q '^bat' $dir/EventNetVertices.txt"
check "they have it within flush_ms" wait_until 20 grep -qx 'bat,xy' $dir/EventNetEdges.txt
check "the vertex file first" grep -qx 'bat - n1,n2 - (n1,n2)' $dir/EventNetVertices.txt
echo 1000 > $cfs/flush_ms
out=$(printf 'BATCH 27\nEDGE 2 2\ngoodok\nEDGE 1 1\nab\neventnet_edgemsg#after#bad\nDUMP\n' | to 1)
check_eq "a BATCH that is not all messages: EINVAL, and the connection goes on" \
	"ERROR EINVAL OK" "$(echo "$out" | head -n 2 | cut -d' ' -f1-2 | tr '\n' ' ' | sed 's/ $//')"
check "none of its messages applied" sh -c "! echo '$out' | grep -q '^good'"
check_eq "a BATCH past 64 KiB ends the connection" "ERROR EPROTO bad BATCH length" \
	"$(printf 'BATCH 65537\neventnet_edgemsg#not#served\n' | to 1)"
refuses "flush_ms past a minute" $cfs/flush_ms 60001
echo 256 > $cfs/max_convs
refuses "max_kb past what a DUMP carries" $cfs/max_kb 1025
refuses "max_vertices of 0" $cfs/max_vertices 0
refuses "dir once open" $cfs/dir /tmp

# ------------------------------------------------------------ 1,000 messages
# The edge root -> go starts nodes 2 and 3: they send their 334 each
# (eventnet.d/serve) while node 1 sends its own. On the debug kernel 202
# each (every one rewrites node 1's files: 334 took 70 s there).
events=167
debug_kernel && events=101
msgs=$((2 * events))
base=$(status messages)
echo 'eventnet_edgemsg#root#go' | to 1 > /dev/null
/scenario/share 1 $events | nc -w 120 $net.1 20000 > /tmp/mine
check_eq "node 1's $msgs messages: all OK" "$msgs" "$(grep -c '^OK$' /tmp/mine)"
all_in() { [ "$(status messages)" -ge $((base + 3 * msgs + 1)) ]; }
check "nodes 2 and 3 sent theirs" wait_until 120 all_in
for n in 2 3; do
	check "node $n got $msgs OKs" wait_until 60 \
		sh -c "[ \"\$(nc -w 10 $net.$n 9020 < /dev/null)\" = \"$(printf '%7d OK' $msgs)\" ]"
done
out=$(/scenario/check-files "$dir")
echo "# $out"
# 3 x $events events and root; 3 x $events edges: the earlier tests' are there too.
check "the files parse with DESIGN 5.2's grammar, every end has a vertex" \
	sh -c "echo '$out' | grep -q '^vertices'"
for n in 1 2 3; do
	check_eq "node $n's chain: $events vertex lines with a conversation each" $events \
		"$(grep -c "^n$n\.e[0-9]* - n$n,hub - (n$n,hub)\$" $dir/EventNetVertices.txt)"
done
check_eq "and 3 x $events edges from root and along the chains" $((3 * events)) \
	"$(grep -Ec '^(root,n[123]\.e1|n[123]\.e[0-9]+,n[123]\.e[0-9]+)$' $dir/EventNetEdges.txt)"

# ------------------------------------------------------------ export
echo 'eventnet_edgemsg#on two#nodes' | to 2 > /dev/null
echo 'eventnet_vertexmsg#boot#init#plymouth' | to 3 > /dev/null
virgo eventnet dot --all > /tmp/all.dot
check_eq "virgo eventnet dot --all: the vertices of every node, merged" \
	"$(($(wc -l < $dir/EventNetVertices.txt) + 2))" "$(grep -c '^	v[0-9]* \[label=' /tmp/all.dot)"
check "a vertex on two nodes gains the other's conversations" \
	grep -q 'label="boot\\nkernel,init,udev,plymouth\\n(kernel,init)#(init,udev)#(init,plymouth)"' /tmp/all.dot
virgo eventnet order --all > /tmp/order
check_eq "virgo eventnet order: every event once, numbered from 0" \
	"$(grep -c '^	v[0-9]* \[label=' /tmp/all.dot) 0 $(grep -c '^	v[0-9]* \[label=' /tmp/all.dot)" \
	"$(wc -l < /tmp/order) $(head -n 1 /tmp/order | cut -d' ' -f1) $(cut -d' ' -f3- /tmp/order | sort -u | wc -l)"
cat > /tmp/forward <<'EOS'
#!/bin/sh
# Every edge of the files in $1 goes forward in the order $2, which
# numbers its lines from 0.
[ -s "$2" ] || exit 1
awk 'FNR == NR { if ($1 != FNR - 1) bad = 1; sub(/^[0-9]+ - /, ""); pos[$0] = FNR; next }
     { split($0, e, ",")
       if (!(e[1] in pos) || !(e[2] in pos) || pos[e[1]] >= pos[e[2]]) { print "# backwards: " $0; bad = 1 } }
     END { exit bad }' "$2" "$1/EventNetEdges.txt"
EOS
chmod +x /tmp/forward
check "in it every edge goes forward" /tmp/forward "$dir" /tmp/order
echo 'eventnet_edgemsg#n2.e100#n2.e50' | to 1 > /dev/null
virgo eventnet order > /tmp/order 2> /tmp/cycle
check_eq "a cycle is reported and exits 1" 1 $?
echo "# $(cat /tmp/cycle | cut -c1-200)"
check "it names the cycle's events" sh -c "grep -q ' n2.e100 -> n2.e50[ ;]' /tmp/cycle &&
	grep -q ' n2.e50 -> n2.e51[ ;]' /tmp/cycle && grep -q '$((events - 49)) events are not ordered' /tmp/cycle"
check "the events it holds back are left out of the order" \
	sh -c "! grep -q ' - n2.e50$' /tmp/order && grep -q ' - n3.e$events$' /tmp/order"
echo DUMP | to 2 > /tmp/dump2
check_eq "DUMP: node 2's files in one payload" "DATA 38 25
on two -  - 
nodes -  - 
on two,nodes" "$(cat /tmp/dump2)"

# ------------------------------------------------------------ power cut
# Node 2 (its files on its disk) loses power while a client sends it
# conversations one by one; it comes back with its files whole, and every
# conversation it acknowledged in them.
up2() { [ "$(cat /sys/kernel/config/virgo/nodes/2/state)" = up ]; }
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "eventnet_vertexmsg#cut%d#a#b\n", i }' |
	nc -w 20 $net.2 20000 > /tmp/acked &
sender=$!
sleep 2
check "node 2 loses power in the middle" sh -c "virgo-fault restart 2 >/dev/null"
check "node 2 is back" wait_until 60 up2
virgo-wait-nodes 60 > /dev/null
kill $sender 2> /dev/null	# it may wait for the dead connection still
wait $sender
acked=$(grep -c '^OK$' /tmp/acked)
echo DUMP | to 2 > /tmp/dump2
echo "# $acked acknowledged before the cut; node 2: $(head -n 1 /tmp/dump2)"
check "some were acknowledged, not all" [ "$acked" -gt 0 -a "$acked" -lt 2000 ]
# The conversations are written in order: the files hold cut1..cutN, N at
# least those acknowledged (one more may be written but not yet answered).
present=$(grep -c '^cut[0-9]* - a,b - (a,b)$' /tmp/dump2)
check "all $acked acknowledged are in node 2's files ($present)" \
	sh -c "[ $present -ge $acked ] && grep -qx 'cut$present - a,b - (a,b)' /tmp/dump2"
mkdir -p /tmp/d2
len=$(head -n 1 /tmp/dump2 | cut -d' ' -f2) vbytes=$(head -n 1 /tmp/dump2 | cut -d' ' -f3)
tail -n +2 /tmp/dump2 | head -c "$vbytes" > /tmp/d2/EventNetVertices.txt
tail -n +2 /tmp/dump2 | head -c "$len" | tail -c +$((vbytes + 1)) > /tmp/d2/EventNetEdges.txt
check "they parse with the grammar" /scenario/check-files /tmp/d2

# The merged graph, for the host's Graphviz (run-all draws it).
echo "# dot --all begins"
sed 's/^/#dot| /' /tmp/all.dot
echo "# dot --all ends"
finish
