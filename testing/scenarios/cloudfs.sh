#!/bin/sh
# Cloud file system: node 2's service on port 50000, by the original
# VIRGO's telnet forms and the binary-safe ones, the system calls and the
# CLI. Every node exports /srv/virgo (see build-initramfs for its fixtures).
. virgo-test.sh

net=${VIRGO_NODE_ADDR%.*}
check "every node up" virgo-wait-nodes 180
fs() { nc -w 3 "$net.2" 50000; }
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# ------------------------------------------------------------ seed forms
# The original test: open, read 250 bytes, write, close, all on node 2.
out=$(printf 'virgo_cloud_open(seed.txt)\n' | fs)
fd=${out#OK }
echo "# open: $out"
check "virgo_cloud_open gives a descriptor" sh -c "echo '$out' | grep -Eq '^OK [0-9]+$'"
# Descriptors are per connection's peer: node 1's address, every time.
out=$(printf 'virgo_cloud_read(%s,buf,250,0)\n' "$fd" | fs | head -c 30)
check_eq "virgo_cloud_read of 250 bytes" "DATA 250 $fd" "$(echo "$out" | head -n 1)"
check_eq "virgo_cloud_write" "OK 9" "$(printf 'virgo_cloud_write(%s,overwrite, with commas,9,4)\n' "$fd" | fs)"
check_eq "the write is in the file" "DATA 13 $fd
The overwrite" "$(printf 'read %s 0 13\n' "$fd" | fs)"
check_eq "a read past the end is short" "DATA 0 $fd" "$(printf 'read %s 100000 10\n' "$fd" | fs | head -n 1)"
check_eq "virgo_cloud_close" "OK" "$(printf 'virgo_cloud_close(%s)\n' "$fd" | fs)"
check "a closed descriptor is gone" sh -c "printf 'read $fd 0 1\n' | nc -w 3 $net.2 50000 | grep -q '^ERROR EBADF'"
check "a forged descriptor is refused" sh -c "printf 'read $((fd ^ 1)) 0 1\n' | nc -w 3 $net.2 50000 | grep -q '^ERROR EBADF'"

# ------------------------------------------------------------ binary forms
# open O_RDWR|O_CREAT|O_TRUNC (2|64|512) 0644, a path as a payload.
out=$({ printf 'open 578 420 7\nnew.bin\n'; } | fs)
fd=${out#OK }
check "open with O_CREAT" sh -c "echo '$out' | grep -Eq '^OK [0-9]+$'"
out=$({ printf 'write %s 0 10\n' "$fd"; printf '0\000\n\r\n\377xyzw\n'; printf 'read %s 0 12\n' "$fd"; } |
	fs | od -An -c | tr -s ' \n' ' ')
check_eq "binary write and read, short at the end" \
	" O K 1 0 \\n D A T A 1 0 $(echo "$fd" | sed 's/./& /g')\\n 0 \\0 \\n \\r \\n 377 x y z w \\n " "$out"
printf 'close %s\n' "$fd" | fs >/dev/null

# ------------------------------------------------------------ syscalls, CLI
kselftest "the cloudfs system calls (kselftest fs.*)" 11 -f fs
head -c 16777216 /dev/urandom > /tmp/big
t0=$(date +%s)
check "virgo fs put: 16 MiB from node 1 into node 2's export" sh -c "virgo fs put --node 2 big.bin < /tmp/big"
t1=$(date +%s)
check_eq "virgo fs cat reads it back, checksum" "$(md5sum < /tmp/big)" "$(virgo fs cat --node 2 big.bin | md5sum)"
echo "# 16 MiB put in $((t1 - t0)) s, cat in $(( $(date +%s) - t1 )) s"
virgo fs put --node 2 big.ready < /dev/null
md5() { [ -n "$(virgo fs cat --node 2 big.md5 2>/dev/null)" ]; }
check "node 3 reads it from node 2 (cloudfs.d/serve)" wait_until 120 md5
check_eq "node 3's checksum matches" "$(md5sum < /tmp/big)" "$(virgo fs cat --node 2 big.md5)"
check_eq "virgo fs open -- COMMAND: the command reads descriptor 3" "The overwrite" \
	"$(virgo fs open --node 2 seed.txt -- sh -c 'virgo fs read $VIRGO_FS_FD 13')"
# virgo fs close closes its own copy; once the shell closes its, EBADF.
check "virgo fs close; a closed descriptor: EBADF" virgo fs open --node 2 seed.txt -- \
	sh -c 'virgo fs close 3 && exec 3<&- && virgo fs read 3 1 2>&1 | grep -q "Bad file descriptor"'
check_eq "cat reads it through /proc/self/fd, and with read(2)" \
	"$(virgo fs cat --node 2 seed.txt; virgo fs cat --node 2 seed.txt)" \
	"$(virgo fs open --node 2 seed.txt -- sh -c 'cat /proc/self/fd/3; cat <&3')"

# ------------------------------------------------------------ escapes
escape() {	# escape NAME PATH: opening PATH on node 2 is refused, EXDEV
	out=$(printf 'open 0 0 %d\n%s\n' "${#2}" "$2" | fs)
	check_eq "$1 is refused ($out)" "ERROR EXDEV" "$(echo "$out" | cut -d' ' -f1-2)"
}
escape "../" "../etc/passwd"
escape "an absolute path" "/etc/passwd"
escape "a symlink out" "out/passwd"
escape "'..' after a symlink" "in/../../etc/passwd"
escape "a symlink to ../.." "sub/up/etc/passwd"
ln -s seed.txt /srv/virgo/seed.link
check_eq "a symlink named last is refused: ELOOP" "ERROR ELOOP" \
	"$(printf 'open 0 0 9\nseed.link\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)"
rm /srv/virgo/seed.link
check_eq "a symlink that stays inside works" "OK" \
	"$(printf 'open 0 0 14\nin/../seed.txt\n' | fs | cut -c1-2)"
check "a directory is not a file" sh -c "printf 'open 0 0 3\nsub\n' | nc -w 3 $net.2 50000 | grep -q '^ERROR EISDIR'"
check_eq "files are opened as nobody: a root-only file is refused" "ERROR EACCES" \
	"$(printf 'open 0 0 13\nroot-only.txt\n' | fs | cut -d' ' -f1-2)"
check_eq "and new files can be made where nobody may write" "OK" \
	"$(printf 'open 65 420 12\nsub/../x.txt\n' | fs | cut -c1-2)"

# Writable by nobody, so the FIFO's own errors show. The write-open goes
# first: a read-open's file is released a moment after its EISDIR, and
# while it is, a writer finds a reader.
mkfifo -m 666 /srv/virgo/fifo
out=$(printf 'open 1 0 4\nfifo\nopen 0 0 8\nseed.txt\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)
check_eq "a FIFO is not opened for writing without a reader (ENXIO), the service goes on" \
	"ERROR ENXIO|OK" "$(echo "$out" | tr '\n' '|' | sed 's/|$//; s/|OK [0-9]*$/|OK/')"
check_eq "nor served for reading, and does not hold the service" "ERROR EISDIR" \
	"$(printf 'open 0 0 4\nfifo\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)"
mknod /srv/virgo/null c 1 3
check_eq "a device is never opened (the export is nodev)" "ERROR EACCES" \
	"$(printf 'open 0 0 4\nnull\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)"
rm /srv/virgo/null
mkdir /srv/virgo/mnt
mount -t tmpfs none /srv/virgo/mnt
echo inner > /srv/virgo/mnt/inner
check "a mount beneath the export is never entered" sh -c \
	"printf 'open 0 0 9\nmnt/inner\n' | nc -w 3 127.0.0.1 50000 | grep -Eq '^ERROR (ENOENT|EXDEV) '"
umount /srv/virgo/mnt
printf 'open 65 511 6\nmask.x\n' | nc -w 3 127.0.0.1 50000 >/dev/null
check_eq "a new file's mode loses the umask (022)" "-rwxr-xr-x" \
	"$(ls -l /srv/virgo/mask.x | cut -c1-10)"

# ------------------------------------------------------------ limits
echo "# max_fds 4 on node 1 itself, through loopback"
held=$(awk '$1 == "127.0.0.1" { n = $2 } END { print n + 0 }' \
	/sys/kernel/config/virgo/cloudfs/open)
check_eq "loopback holds 2 descriptors (seed.txt and mask.x)" 2 "$held"
echo $((held + 4)) > /sys/kernel/config/virgo/cloudfs/max_fds
out=$(for _ in 1 2 3 4 5; do printf 'virgo_cloud_open(seed.txt)\n'; done |
	nc -w 3 127.0.0.1 50000 | sed 's/^OK [0-9]*$/OK/' | tr '\n' '|')
check_eq "four more opens of one peer, and the fifth: EMFILE" \
	"OK|OK|OK|OK|ERROR EMFILE too many open files for this peer|" "$out"
# At the limit, an open that would change the file changes nothing.
echo keep > /srv/virgo/keep.txt
chown 65534:65534 /srv/virgo/keep.txt
check_eq "O_TRUNC at the limit: EMFILE" "ERROR EMFILE" \
	"$(printf 'open 513 0 8\nkeep.txt\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)"
check_eq "and the file is whole" keep "$(cat /srv/virgo/keep.txt)"
check_eq "O_CREAT|O_EXCL at the limit: EMFILE" "ERROR EMFILE" \
	"$(printf 'open 193 420 7\nnew.txt\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)"
check "and no file was made" [ ! -e /srv/virgo/new.txt ]
echo 64 > /sys/kernel/config/virgo/cloudfs/max_fds

# ------------------------------------------------------------ hostile input
# 10,000 lines; 2,000 on the debug kernel (the same parser, five times slower).
bad=10000
debug_kernel && bad=2000
awk -v n=$bad 'BEGIN { for (i = 0; i < n; i++) {
	r = i % 4
	if (r == 0) print "virgo_cloud_read(" i ")"
	else if (r == 1) print "read 1 2"
	else if (r == 2) print "close x" i
	else print "virgo_cloud_open(../" i ")" } }' > /tmp/bad.lines
n=$(nc -w 10 127.0.0.1 50000 < /tmp/bad.lines | grep -c '^ERROR ')
check_eq "$bad malformed lines, $bad errors" $bad "$n"
check "the service answers on" sh -c "printf 'virgo_cloud_open(seed.txt)\n' | nc -w 3 127.0.0.1 50000 | grep -q '^OK '"
out=$({ printf 'write 12345 0 5\nhello\nclose 12345\n'; } | nc -w 3 127.0.0.1 50000 | tr '\n' '|')
check_eq "a write to a bad descriptor: its payload is skipped, not run" \
	"ERROR EBADF no such descriptor|ERROR EBADF no such descriptor|" "$out"
out=$(printf 'write 1 0 5\n0123456789\nclose 1\n' | nc -w 3 127.0.0.1 50000 | cut -d' ' -f1-2)
check_eq "a payload longer than announced: EPROTO, and the connection closes" \
	"ERROR EPROTO" "$(echo "$out" | tr '\n' '|' | sed 's/|$//')"
cfs=/sys/kernel/config/virgo/cloudfs
for bad in "uid 0" "gid 0" "max_fds 0" "max_fds 4097" "grace_ms 3600001" "idle_ms -1" \
	   "caller_gid 4294967295" "export relative/path" "uid x"; do
	refuses "configfs cloudfs/${bad% *} refuses '${bad#* }'" "$cfs/${bad% *}" "${bad#* }"
done
check_eq "and keeps its values" "65534 64 /srv/virgo" \
	"$(cat $cfs/uid) $(cat $cfs/max_fds) $(cat $cfs/export)"

# ------------------------------------------------------------ leases
echo 1500 > $cfs/idle_ms
fd=$(printf 'virgo_cloud_open(seed.txt)\n' | nc -w 3 127.0.0.2 50000)
fd=${fd#OK }
check_eq "a descriptor in use is kept" "DATA 3 $fd" \
	"$(printf 'read %s 0 3\n' "$fd" | nc -w 3 127.0.0.3 50000 | head -n 1)"
# Used every 0.5 s for more than twice idle_ms, it stays; then it idles out.
end=$(($(ms) + 4500))
while [ "$(ms)" -lt "$end" ]; do
	printf 'read %s 0 1\n' "$fd" | nc -w 3 127.0.0.3 50000 > /tmp/renew
	sleep 0.5
done
check_eq "a descriptor used past idle_ms is renewed by each use" "DATA 1 $fd" \
	"$(head -n 1 /tmp/renew)"
idle() { ! grep -q '^127.0.0.1 ' $cfs/open; }	# a read would renew it
check "loopback's descriptors unused for idle_ms are closed" wait_until 10 idle
check "so is that one" sh -c \
	"printf 'read $fd 0 1\n' | nc -w 3 127.0.0.1 50000 | grep -q '^ERROR EBADF'"
echo 600000 > $cfs/idle_ms

# ------------------------------------------------------------ a client dies
# Node 3 opens a file here (a program it runs for us); it is cut off and
# comes back within the grace, then is killed.
state3() { [ "$(cat /sys/kernel/config/virgo/nodes/3/state)" = "$1" ]; }
out=$(virgo clone --node 3 --exec fs-open "$VIRGO_NODE_ADDR" seed.txt)
check "node 3 opens a file on node 1" sh -c "echo '$out' | grep -q '^OK '"
check_eq "node 1 holds it for node 3" "$net.3 1" "$(grep "^$net.3 " $cfs/open)"
echo 10000 > $cfs/grace_ms
check "the harness cuts node 3 off" virgo-fault cut 3
check "node 3 turns down" wait_until 15 state3 down
check "node 3 joins again" virgo-fault join 3
check "and is up within the grace" wait_until 8 state3 up
sleep 12
check_eq "a peer back within the grace keeps its files, past the grace" \
	"$net.3 1" "$(grep "^$net.3 " $cfs/open)"
echo 2000 > $cfs/grace_ms
check "the harness kills node 3" virgo-fault kill 3
t0=$(ms)
sleep 3
check_eq "its files stay while it is not yet down" "$net.3 1" "$(grep "^$net.3 " $cfs/open)"
check "node 3 turns down" wait_until 15 state3 down
t1=$(ms)
reclaimed() { ! grep -q "^$net.3 " $cfs/open; }
check "node 3's files are closed once it is down and the grace is over" wait_until 30 reclaimed
t2=$(ms)
echo "# down $((t1 - t0)) ms after the kill, reclaimed $((t2 - t0)) ms after it (grace 2000 ms)"
# Down 5-8 s after the kill (the last answer came up to a second before
# it), then the grace: never before either.
check "not before the grace after down ($((t2 - t1)) ms, at least 1500)" [ $((t2 - t1)) -ge 1500 ]
check "nor 5 s after the kill ($((t2 - t0)) ms)" [ $((t2 - t0)) -ge 5000 ]
finish
