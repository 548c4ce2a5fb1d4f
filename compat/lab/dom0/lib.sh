# lib.sh - helpers for the suites run in the lab's dom0 (each suite runs in a shell of its own,
# suite.sh, which sources this first; busybox sh) and for the guest's remote shell.
# r() writes one result line; lines appended to /tmp/raw reach the host too: "@@..." lines are
# suite raw output for a host-side checker (<suite>.host.sh), "SHOW ..." lines are printed by
# run-lab as they are. dom0's /init streams both to the host as they are written.
# Every program runs under timeout(1).
#
# Library configurations ("cfg"):
#   deb  Debian's libxengnttab.so.1 (default search path)
#   lp   ours through LD_LIBRARY_PATH=/opt/ours
#   pre  ours through LD_PRELOAD=/opt/ours/libxengnttab.so.1 (unmodified Debian binaries/libxenvchan)
#   vch  libxenvchan rebuilt against our header (/opt/vchan-ours) + ours, through LD_LIBRARY_PATH
#   sys  whatever the system's $DEBLIB is, with no LD_PRELOAD or LD_LIBRARY_PATH at all (77-deb:
#        ours once dpkg installed our package); mapcheck compares the mapped inode with the file's
RESULTS=/tmp/results
r() { echo "$*" | tee -a $RESULTS; }     # one result line
LAB_STATE=/tmp/lab.state
lab_state_save() {   # what one suite hands on to the next (suite.sh): the guest, the daemons' library
  echo "G='$G' GNAME='$GNAME' DAEMONS='${DAEMONS:-deb}'" > $LAB_STATE
}
MA=$(cat /etc/multiarch)             # x86_64-linux-gnu, aarch64-linux-gnu or arm-linux-gnueabihf (host/tree.sh)
SYSLIB=/usr/lib/$MA:/lib/$MA
DEBLIB=/usr/lib/$MA/libxengnttab.so.1.2
DEBSO=/usr/lib/$MA/libxengnttab.so.1  # Debian's by the name programs load it (dladdr's dli_fname)
OURS=/opt/ours/libxengnttab.so.1
VCH=$(echo /opt/vchan-ours/libxenvchan.so.*)   # .so.4.17 (Xen 4.17) or .so.4.20
T=/tests
run() {   # run <cfg> cmd...: run cmd with the library configuration's environment
  c=$1; shift
  case $c in
    deb) "$@" ;;
    lp)  LD_LIBRARY_PATH=/opt/ours:$SYSLIB "$@" ;;
    pre) LD_PRELOAD=$OURS "$@" ;;
    vch) LD_LIBRARY_PATH=/opt/vchan-ours:/opt/ours:$SYSLIB "$@" ;;
    sys) env -u LD_PRELOAD -u LD_LIBRARY_PATH "$@" ;;
  esac
}
up() { cut -d' ' -f1 /proc/uptime; }   # seconds since boot (also in the guest, which sources this)
dead_within() {   # dead_within <pid> <seconds>: 0 once the process is gone
  local n=0; while [ -d /proc/$1 ] && [ $n -lt $(($2 * 10)) ]; do usleep 100000; n=$((n + 1)); done; [ ! -d /proc/$1 ]
}
stop_pidfile() {   # stop_pidfile <file>: SIGTERM, then SIGKILL after 5 s, waiting until the process is gone
  local p
  p=$(cat $1 2>/dev/null) || return 0
  kill $p 2>/dev/null
  dead_within $p 5 || { kill -9 $p; dead_within $p 5; }
  rm -f $1
}
since() { awk -v a=$1 -v b=$(up) -v d=${2:-1} 'BEGIN{printf "%." d "f", b-a}'; }   # since <uptime> [decimals]: seconds since then
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
waitsize() {   # waitsize FILE BYTES SECONDS: 0 once FILE has >= BYTES. Every poll costs a process,
  local n=0 lim=$(($3 * 5))   # which takes the CPU from the transfer being waited for: 5 a second
  while [ "$(fsize "$1")" -lt "$2" ]; do n=$((n + 1)); [ $n -gt $lim ] && return 1; usleep 200000; done
}
waitkey() {    # waitkey XSPATH SECONDS: until the xenstore node exists. It sleeps in a watch, which
  local end    # wakes it on the change; polling would cost a process every 100 ms
  end=$(($(cut -d. -f1 /proc/uptime) + $2))
  while ! xenstore-read "$1" >/dev/null 2>&1; do
    [ $(cut -d. -f1 /proc/uptime) -gt $end ] && return 1
    timeout 1 xenstore-watch -n 2 "$1" >/dev/null 2>&1
    usleep 20000
  done
}
xv_feed() {    # xv_feed <handshake keys> <send: 0|1>: a vchan writer's stdin across domains (dom0/guest.sh)
  waitkey $1/go 180; [ $2 = 1 ] && cat /tmp/vin; waitkey $1/dom0-got 180; waitkey $1/guest-got 180
}
pids_with() {  # real program pids (not busybox applets or shells) whose command line contains $1
  local p      # one ps for all: a process per /proc entry costs seconds under TCG
  for p in $(ps -o pid,args | awk -v pat="$1" 'index($0, pat) {print $1}'); do
    [ "$(readlink /proc/$p/exe 2>/dev/null)" = /bin/busybox ] || [ ! -d /proc/$p ] || echo $p
  done
}
started_pid() {   # started_pid PATTERN SECONDS: the first pid of pids_with PATTERN once its program
  local n=0 p     # has mapped a libxengnttab (exec'd and linked), waiting at most SECONDS; "" if never
  while [ $n -le $(($2 * 5)) ]; do
    p=$(pids_with "$1" | head -1)
    [ -n "$p" ] && grep -q libxengnttab /proc/$p/maps 2>/dev/null && { echo $p; return; }
    n=$((n + 1)); usleep 200000
  done
  echo $p
}
kernel_crashes() {   # kernel_crashes: this domain's kernel-log lines on crashed programs or a kernel
  # fault. Read into a file, twice if need be: a dmesg that the emulator fault itself kills
  # (busybox) is in the second read, as run-lab's EMU_FAULT signature (compat/lab/README.md, Traps)
  dmesg > /tmp/klog || dmesg > /tmp/klog
  grep -E "segfault|traps:|BUG:|Oops|general protection" /tmp/klog
}
mapcheck() {   # mapcheck <cfg> <pid> -> "" if the right libraries are mapped, else a reason
  m=/proc/$2/maps
  [ -r $m ] || { echo "process $2 gone before its maps could be read"; return; }
  case $1 in
    deb) grep -q $DEBLIB $m && ! grep -q /opt/ours $m || echo "expected Debian's library only" ;;
    lp|pre) grep -q $OURS $m && ! grep -q $DEBLIB $m || echo "expected ours only" ;;
    vch) grep -q $OURS $m && grep -q $VCH $m && ! grep -q $DEBLIB $m || echo "expected ours + rebuilt libxenvchan" ;;
    sys) [ "$(awk -v f=$DEBLIB '$6 == f {print $5; exit}' $m)" = "$(stat -L -c %i $DEBLIB)" ] && ! grep -q -e /opt/ours -e "$DEBLIB (deleted)" $m ||
           echo "expected the file now at $DEBLIB (inode $(stat -L -c %i $DEBLIB)), got: $(grep libxengnttab $m | awk '{print $5, $6, $7}' | sort -u | tr '\n' ' ')" ;;
  esac
}
mbps() { awk -v b=$1 -v t0=$2 -v t1=$3 'BEGIN{d=t1-t0; if (d<=0) d=0.01; printf "%.1f", b/1048576/d}'; }
killall_with() { for p in $(pids_with "$1"); do kill $p 2>/dev/null; done; }

# ------------------------------------------------------------------------------- vchan transfers
# vchan-node1: server writes FILE, client reads it. The server's stdin stays open until the
# client has everything, so a close cannot cut the stream short.
node1() {   # node1 <cfg> <file> -> sets RATE
  c=$1 in=$2 P=/local/domain/0/data/n1-$1 out=/tmp/n1-$1.out
  size=$(fsize $in); RATE=-; rm -f $out
  ( cat $in; waitsize $out $size 150 ) | run $c timeout 180 $T/vchan-node1 server write 0 $P 2>/tmp/n1s-$c.err &
  if ! waitkey $P/event-channel 10; then r "FAIL vchan/node1/$c: server did not come up: $(head -c 200 /tmp/n1s-$c.err)"; killall_with $P; wait; return; fi
  why=$(mapcheck $c "$(pids_with $P | head -1)")
  t0=$(up)
  run $c timeout 180 $T/vchan-node1 client read 0 $P > $out 2>/tmp/n1c-$c.err &
  why2=$(mapcheck $c "$(started_pid "client read 0 $P" 30)")
  waitsize $out $size 150; t1=$(up)
  sleep 0.3; killall_with $P; wait
  RATE=$(mbps $size $t0 $t1)
  a=$(md5sum < $in); b=$(md5sum < $out)
  [ -z "$why$why2" ] && r "PASS vchan/node1/$c/libs-loaded" || r "FAIL vchan/node1/$c/libs-loaded: server: $why client: $why2"
  [ "$a" = "$b" ] && r "PASS vchan/node1/$c: $((size >> 20)) MiB server->client md5 ok, $RATE MB/s" ||
    r "FAIL vchan/node1/$c: md5 mismatch ($(fsize $out) of $size bytes) $(tail -c 150 /tmp/n1c-$c.err | tr -d '#\n')"
  rm -f $out
}

# vchan-node2 (select based, bidirectional): A server->client, B client->server, ring sizes given
node2() {   # node2 <cfg> <fileA> <fileB|-> <rbuf> <wbuf> <tag> -> sets RATE
  c=$1 A=$2 Bf=$3 P=/local/domain/0/data/n2-$1-$6 co=/tmp/n2c-$1.out so=/tmp/n2s-$1.out
  sa=$(fsize $A); sb=0; [ "$Bf" = - ] || sb=$(fsize $Bf); RATE=-
  rm -f $co $so; : > $so
  ( cat $A; waitsize $co $sa 150; waitsize $so $sb 150 ) |
    run $c timeout 180 $T/vchan-node2 server 0 $P $4 $5 > $so 2>/tmp/n2s-$c.err &
  if ! waitkey $P/event-channel 10; then r "FAIL vchan/node2/$c/$6: server did not come up: $(head -c 200 /tmp/n2s-$c.err)"; killall_with $P; wait; return; fi
  why=$(mapcheck $c "$(pids_with "server 0 $P" | head -1)")
  t0=$(up)
  ( [ "$Bf" = - ] || cat $Bf; waitsize $co $sa 150; waitsize $so $sb 150 ) |
    run $c timeout 180 $T/vchan-node2 client 0 $P > $co 2>/tmp/n2c-$c.err &
  waitsize $co $sa 150; waitsize $so $sb 150; t1=$(up)
  sleep 0.3; killall_with $P; wait
  RATE=$(mbps $((sa + sb)) $t0 $t1)
  ok=1; [ "$(md5sum < $A)" = "$(md5sum < $co)" ] || ok=0
  [ "$Bf" = - ] || [ "$(md5sum < $Bf)" = "$(md5sum < $so)" ] || ok=0
  [ -z "$why" ] && r "PASS vchan/node2/$c/$6/libs-loaded" || r "FAIL vchan/node2/$c/$6/libs-loaded: $why"
  [ $ok = 1 ] && r "PASS vchan/node2/$c/$6: rings $4/$5, $((sa >> 20))+$((sb >> 20)) MiB md5 ok both ways, $RATE MB/s" ||
    r "FAIL vchan/node2/$c/$6: md5 mismatch (client got $(fsize $co)/$sa, server got $(fsize $so)/$sb)"
  rm -f $co $so
}

# Debian's vchan-socket-proxy, server <-> client over stdin/stdout
proxy() {   # proxy <cfg> <file>
  c=$1 in=$2 P=/local/domain/0/data/vsp-$1 out=/tmp/vsp-$1.out
  size=$(fsize $in); rm -f $out
  ( cat $in; waitsize $out $size 120 ) | run $c timeout 150 vchan-socket-proxy -m server 0 $P - >/dev/null 2>/tmp/vsps-$c.err &
  why=$(mapcheck $c "$(started_pid "server 0 $P" 30)")
  ( waitsize $out $size 120 ) | run $c timeout 150 vchan-socket-proxy -m client 0 $P - > $out 2>/tmp/vspc-$c.err &
  waitsize $out $size 120
  sleep 0.3; killall_with $P; wait
  [ -z "$why" ] && r "PASS vchan/proxy/$c/libs-loaded" || r "FAIL vchan/proxy/$c/libs-loaded: $why"
  [ "$(md5sum < $in)" = "$(md5sum < $out)" ] && r "PASS vchan/proxy/$c: $((size >> 20)) MiB md5 ok" ||
    r "FAIL vchan/proxy/$c: md5 mismatch ($(fsize $out) of $size bytes) $(head -c 150 /tmp/vspc-$c.err)"
  rm -f $out
}


# ------------------------------------------------------------------------------- examples/ring
# (suites 52-ring and 76-xring; dom0 and the guest source this file)
waitline() {   # waitline FILE PATTERN SECONDS: 0 once a line of FILE matches the (basic) regexp
  local n=0 lim=$(($3 * 10))
  until grep -q "$2" "$1" 2>/dev/null; do n=$((n + 1)); [ $n -gt $lim ] && return 1; usleep 100000; done
}
ring_ready() {   # ring_ready <sharer output>: waits for its ready line, prints "<port> <refs>"
  waitline $1 '^ring: ready ' 60
  sed -n 's/^ring: ready port \([0-9]*\) refs \([0-9,]*\)$/\1 \2/p' $1
}
ring_fnv() { sed -n "s/.* $1 [0-9]* bytes in [0-9]* messages fnv \([0-9a-f]*\).*/\1/p" $2; }
ring_check() {   # ring_check <name> <sharer output> <mapper output> <rc sharer> <rc mapper> <bytes each way>
  local ss sr ms mr
  ss=$(ring_fnv sent $2) sr=$(ring_fnv received $2) ms=$(ring_fnv sent $3) mr=$(ring_fnv received $3)
  if [ "$4" = 0 ] && [ "$5" = 0 ] && [ -n "$ss" ] && [ "$ss" = "$mr" ] && [ -n "$ms" ] && [ "$ms" = "$sr" ] &&
     grep -q "sent $6 bytes.*received $6 bytes" $2 && grep -q "sent $6 bytes.*received $6 bytes" $3; then
    r "PASS $1: $(($6 >> 20)) MiB each way at once, checksums match (sharer->mapper $ss, mapper->sharer $ms); sharer: $(sed -n 's/.*; \([0-9.]* s, [0-9.]* MiB\/s each way; .*\)/\1/p' $2)"
    echo "SHOW TIMING $1: $(sed -n 's/.*; \([0-9.]* s, [0-9.]* MiB\/s each way\);.*/\1/p' $2)" >> /tmp/raw
  else
    r "FAIL $1: rc $4/$5; sharer: $(tr '\n' ' ' < $2); mapper: $(tr '\n' ' ' < $3)"
  fi
}
ring_killable() {   # ring_killable <output of a side>: once that side printed "ring: connected" (at
  # most 60 s), one more second so that the kill lands mid-stream; 1 if it never connected
  waitline $1 '^ring: connected' 60 && sleep 1
}
ring_gone() {   # ring_gone <name> <victim: sharer|mapper> <survivor output> <survivor rc> <seconds from SIGKILL to its exit, or -> [victim output]
  local line ms
  line=$(grep -m1 'peer gone' $3)
  ms=$(echo "$line" | sed -n 's/.*, \([0-9]*\) ms after its last progress.*/\1/p')
  echo "SHOW TIMING $1: survivor exited $5 s after the SIGKILL; $line" >> /tmp/raw
  if [ "$4" = 3 ] && [ -n "$ms" ] && [ "$ms" -lt 1000 ] && { [ "$5" = - ] || awk -v s=$5 'BEGIN{exit !(s < 1.5)}'; }; then
    r "PASS $1: the $2 was SIGKILLed mid-stream; the survivor reported it ${ms} ms after the victim's last progress$( [ "$5" = - ] || echo " and exited (status 3) $5 s after the kill"): $(echo "$line" | sed 's/.*peer gone: //; s/; sent.*//')"
  else
    r "FAIL $1: survivor rc=$4 exit $5 s after the kill: $(tr '\n' ' ' < $3)${6:+; victim: $(tr '\n' ' ' < $6)}"
  fi
}
ring_bg() {   # ring_bg <output> <ring args...>: ring in the background (the guest's side); its status goes to <output>.rc
  local out=$1; shift
  rm -f $out $out.rc
  ( timeout 300 $T/ring "$@" > $out 2>&1; echo $? > $out.rc ) &
}
ring_result() {   # ring_result <output>: once that ring has ended (at most 100 s), its output and "rc=<status>"
  local i=0
  while [ ! -f $1.rc ] && [ $i -lt 1000 ]; do usleep 100000; i=$((i + 1)); done
  cat $1; echo "rc=$(cat $1.rc 2>/dev/null)"
}
