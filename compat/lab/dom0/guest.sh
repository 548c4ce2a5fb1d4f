# guest.sh - dom0's helpers for the lab's second domain, a PV guest (compat/lab/guest/), sourced
# by /init after lib.sh when the mode has guest suites (busybox sh; helpers use `local`).
#   gcreate <name> [xl config lines]   create a guest and wait for its userspace (sets G, GNAME)
#   gx <seconds> <command>             run a command in the guest, print its output, return its status
#   gdestroy                           check the guest's kernel log, xl destroy, wait until it is gone
#   gone <domid> <seconds>             0 once xl list no longer lists the domain (no zombie left)
#   has_qdisk                          0 if the stack has Debian's QEMU for a guest's qdisk disk
#   daemons <deb|ours>                 (re)start xenstored and xenconsoled on that library
#   xvchan ...                         a vchan transfer between dom0 and the guest (rate: XV_RATE)
G= GNAME=
LOGS=/var/log/xen
one_vcpu() {   # dom0 gives up vCPU 1: the guest runs pinned on pCPU 1 alone (compat/lab/README.md, Traps)
  local v
  echo 0 > /sys/devices/system/cpu/cpu1/online 2>/tmp/cpu1.err
  v=$(xl vcpu-list 0 | awk 'NR > 1 && $5 != "-" && $5 != "--p" {n++} END {print n + 0}')
  [ "$(cat /sys/devices/system/cpu/online)" = 0 ] && r "PASS domu/dom0-one-vcpu: dom0 runs on vCPU 0 (pCPU 0) only, $v online" ||
    r "FAIL domu/dom0-one-vcpu: online cpus $(cat /sys/devices/system/cpu/online) $(cat /tmp/cpu1.err)"
}
has_qdisk() {   # the stack has a device model for a qdisk disk (host/arch.sh GUEST_DM; Arm's has none)
  [ -x /opt/qemu-ours ]
}
qdisks() {   # qdisks <deb|ours> <image>...: xl config lines for disks xvda, xvdb, ... served by QEMU on that library
  local c=$1 v=a d= i; shift
  for i in "$@"; do d="$d${d:+, }'format=raw,vdev=xvd$v,access=rw,backendtype=qdisk,target=$i'"; v=$(echo $v | tr a-y b-z); done
  printf 'disk = [ %s ]\ndevice_model_override = "/opt/qemu-%s"\n' "$d" $c
}
disk_read() {   # disk_read <MiB>: the guest reads xvda (O_DIRECT, 1 MiB requests): "<md5> <MB/s>"
  gx 300 "t0=\$(up); s=\$(dd if=/dev/xvda bs=1M count=$1 iflag=direct 2>/dev/null | md5sum | cut -c1-32); echo \$s \$(mbps $(($1 << 20)) \$t0 \$(up))"
}
disk_write() {   # disk_write <MiB> <at MiB>: the guest writes random data (O_DIRECT + fsync): "<md5> <MB/s>"
  gx 300 "dd if=/dev/urandom of=/tmp/pat bs=1M count=$1 2>/dev/null; s=\$(md5sum < /tmp/pat | cut -c1-32); t0=\$(up); dd if=/tmp/pat of=/dev/xvda bs=1M seek=$2 oflag=direct conv=fsync 2>/dev/null; echo \$s \$(mbps $(($1 << 20)) \$t0 \$(up))"
}
gx() {
  local t=$1 n o; shift
  n=$(cat /tmp/gx.n); echo $((n + 1)) > /tmp/gx.n     # a file: gx often runs in $(...) subshells
  xenstore-write /local/domain/$G/data/cmd/$n "$*"
  waitkey /local/domain/$G/data/rc/$n $t || { echo "gx: no answer in $t s to: $*"; return 124; }
  # the guest stored its output without its last newline: put it back
  o=$(xenstore-read -R /local/domain/$G/data/out/$n); [ -n "$o" ] && printf '%s\n' "$o"
  return $(xenstore-read /local/domain/$G/data/rc/$n)
}
gcreate() {
  local t0 t1 t2 gup
  GNAME=$1
  { cat /etc/xen/guest.cfg; echo "name = \"$1\""; echo 'cpus = "1"'; [ -n "${2:-}" ] && echo "$2"; } > /tmp/$1.cfg
  t0=$(up)
  if ! timeout 300 xl create /tmp/$1.cfg > /tmp/xl-create-$1.log 2>&1; then
    r "FAIL domu/$1/create: $(tail -5 /tmp/xl-create-$1.log | tr '\n' ' ')"
    tail -20 $LOGS/qemu-dm-$1.log 2>/dev/null | sed 's/^/SHOW QEMULOG| /' | tee -a /tmp/raw
    G=$(xl domid $1 2>/dev/null); [ -n "$G" ] && timeout 120 xl destroy $1 >/dev/null 2>&1; G= GNAME=
    return 1
  fi
  t1=$(up)
  G=$(xl domid $1); echo 0 > /tmp/gx.n
  if ! waitkey /local/domain/$G/data/up 300; then
    r "FAIL domu/$1/userspace: no data/up from domain $G after 300 s"
    tail -20 $LOGS/console/guest-$1.log 2>/dev/null | sed 's/^/SHOW GUESTLOG| /' >> /tmp/raw
    timeout 120 xl destroy $1 >/dev/null 2>&1; G= GNAME=
    return 1
  fi
  t2=$(up)
  gup=$(xenstore-read /local/domain/$G/data/up)
  GBOOT="$(since $t0)"
  r "PASS domu/$1/boot: domid $G, xl create returned after $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.1f", b-a}') s, guest userspace reported through xenstore $(awk -v a=$t0 -v b=$t2 'BEGIN{printf "%.1f", b-a}') s after xl create (guest uptime ${gup} s)"
  echo "SHOW TIMING guest $1 boot ${GBOOT}s" >> /tmp/raw
}
gone() {   # gone <domid> <seconds>
  local n=0 lim=$(($2 * 10))
  while xl list 2>/dev/null | awk -v d=$1 'NR > 1 && $2 == d {f=1} END {exit !f}'; do
    n=$((n + 1)); [ $n -gt $lim ] && return 1; usleep 100000
  done
}
greport() {   # greport <deb|ours>: the guest answers through xenstore and writes its own node,
  local o l d lib want   # its console reached xenconsoled, and both daemons (on that library)
  o=$(gx 60 'echo hello from domain $(xenstore-read domid) $(xenstore-read name)')   # mapped its rings
  [ "$o" = "hello from domain $G $GNAME" ] && r "PASS domu/$GNAME/xenstore-agent: guest answered '$o'" ||
    r "FAIL domu/$GNAME/xenstore-agent: got '$o'"
  o=$(gx 30 'xenstore-write data/marker guest-wrote-this; echo $?')
  [ "$(xenstore-read /local/domain/$G/data/marker 2>&1)" = guest-wrote-this ] && r "PASS domu/$GNAME/guest-xenstore-write: dom0 reads data/marker" ||
    r "FAIL domu/$GNAME/guest-xenstore-write: $o $(xenstore-read /local/domain/$G/data/marker 2>&1)"
  l=$(grep -m1 'GUEST T_USERSPACE' $LOGS/console/guest-$GNAME.log 2>/dev/null | tr -d '\r')
  [ -n "$l" ] && r "PASS domu/$GNAME/console: xenconsoled ($1) logged: $l" || r "FAIL domu/$GNAME/console: no GUEST T_USERSPACE in its console log"
  [ $1 = ours ] && want=$OURS || want=$DEBLIB
  for d in xenstored:1 xenconsoled:0; do   # GNTTAB_RESERVED_XENSTORE = 1, GNTTAB_RESERVED_CONSOLE = 0
    l=$(grep -m1 "xengnttab_map_grant_ref(dom=$G ref=${d#*:} " $LOGS/gnttrace-${d%:*}-$1.log 2>/dev/null)
    lib=$(grep -m1 'xengnttab_open.*library' $LOGS/gnttrace-${d%:*}-$1.log 2>/dev/null | sed 's/.*(library \(.*\))/\1/')
    case "$l" in ""|*"(nil)"*) r "FAIL daemons/$1/${d%:*}/maps-guest-ring: ${l:-no map of domain $G ref ${d#*:} in its trace}" ;;
      *) [ "$(readlink -f $lib)" = "$(readlink -f $want)" ] &&
           r "PASS daemons/$1/${d%:*}/maps-guest-ring: $(echo "$l" | sed 's/^GT pid=[0-9]* //; s/-> 0x.*/-> an address/'), handle opened in $lib" ||
           r "FAIL daemons/$1/${d%:*}/maps-guest-ring: handle opened in '$lib', want $want" ;; esac
  done
}
glog() {   # glog <name>: the last lines of a guest's console log, for a failure's context
  tail -8 $LOGS/console/guest-$1.log 2>/dev/null | tr -d '\r' | sed "s/^/SHOW GUESTLOG $1| /" >> /tmp/raw
}
gdestroy() {
  [ -n "$GNAME" ] || return 0
  local k d=$G
  # the guest's kernel log must be free of crashes too (compat/lab/README.md, Traps)
  k=$(gx 30 'kernel_crashes | head -3')
  [ -z "$k" ] && r "PASS domu/$GNAME/kernel-log-clean" || r "FAIL domu/$GNAME/kernel-log-clean: $(echo $k)"
  timeout 120 xl destroy $GNAME > /tmp/xl-destroy.log 2>&1 || r "FAIL domu/$GNAME/destroy: $(tail -3 /tmp/xl-destroy.log | tr '\n' ' ')"
  gone $d 60 || r "FAIL domu/$GNAME/gone: domain $d still listed 60 s after xl destroy: $(xl list | tr -s ' ' | tr '\n' ';')"
  G= GNAME=
}
maprep() {   # maprep <name> <cfg> <pid>: PASS if the process mapped the library of <cfg>
  local w
  w=$(mapcheck $2 $3)
  [ -n "$3" ] && [ -z "$w" ] && r "PASS $1/libs-loaded: $(grep -m1 libxengnttab /proc/$3/maps | awk '{print $6}')" ||
    r "FAIL $1/libs-loaded: pid '$3': ${w:-no such process}"
}

# ------------------------------------------------------------------ the daemons
# deb: Debian's library (with the call tracer); ours: ours preloaded (with the call tracer);
# sys: the system's library with no environment at all (no LD_*, no tracer: 77-deb, ours once
# dpkg installed it). Traces: $LOGS/gnttrace-<daemon>-<cfg>.log.
DAEMONS=deb
daemon_env() {   # daemon_env <cfg> <daemon>: env(1)'s arguments for it
  case $1 in
    deb)  echo "LD_PRELOAD=/opt/gnttrace.so GNTTRACE=$LOGS/gnttrace-$2-deb.log" ;;
    ours) echo "LD_PRELOAD=/opt/gnttrace.so:$OURS GNTTRACE=$LOGS/gnttrace-$2-ours.log" ;;
    sys)  echo "-u LD_PRELOAD -u LD_LIBRARY_PATH -u GNTTRACE" ;;
  esac
}
daemon_up() {   # daemon_up <pid file>: until the daemon wrote it and has its grant library mapped (30 s)
  local n=0 p
  while [ $n -lt 150 ]; do
    p=$(cat $1 2>/dev/null) && grep -q libxengnttab /proc/$p/maps 2>/dev/null && return
    n=$((n + 1)); usleep 200000
  done
}
daemons() {   # daemons <deb|ours|sys>: xenstored (restarted: a fresh store, xen-init-dom0 again) and xenconsoled
  local c=$1 p
  DAEMONS=$c
  stop_pidfile /run/xenconsoled.pid
  if [ "$(cat /tmp/xenstored.lib 2>/dev/null || echo deb-untraced)" != $c ]; then
    stop_pidfile /run/xenstored.pid
    env $(daemon_env $c xenstored) xenstored --pid-file /run/xenstored.pid >/tmp/xenstored-$c.out 2>&1
    daemon_up /run/xenstored.pid
    xen-init-dom0 >/tmp/xen-init-dom0-$c.out 2>&1 && xenstore-read /local/domain/0/domid >/dev/null &&
      r "PASS daemons/$c/xenstored: started, xen-init-dom0 ok" ||
      r "FAIL daemons/$c/xenstored: $(tail -2 /tmp/xen-init-dom0-$c.out /tmp/xenstored-$c.out | tr '\n' ' ')"
    echo $c > /tmp/xenstored.lib
  fi
  env $(daemon_env $c xenconsoled) \
    xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=$LOGS/console >/tmp/xenconsoled-$c.out 2>&1
  daemon_up /run/xenconsoled.pid
  for p in xenstored xenconsoled; do maprep daemons/$c/$p $( [ $c = ours ] && echo pre || echo $c ) "$(cat /run/$p.pid 2>/dev/null)"; done
}

# ------------------------------------------------------------------ vchan across domains
# xvchan <cfg> <node2|node1|proxy> <server side: guest|dom0> <MiB> [<rs> <ws>]
# cfg deb, pre or vch on both sides. node2 and the proxy carry <MiB> each way at once, node1
# <MiB> from the server to the client. Both writers hold their data until dom0 has read both
# processes' /proc/PID/maps and set $K/go, and keep stdin open until both sides have
# everything: the programs exit at stdin EOF without draining what is still coming in.
TMO=180       # as xv_feed's waits (lib.sh)
xvchan() {
  local c=$1 prog=$2 srv=$3 mb=$4 rs=${5:-0} ws=${6:-0}
  local tag name size SD P K SRV CLI SARGS CARGS two dsend gsend dwant gwant dsum gsum DP gmap dmap t0 t1 gout dout p
  tag=$c-$prog-$srv-$rs name=xvchan/$c/$prog/server-in-$srv/rings-$rs-$ws
  size=$((mb << 20))
  case $prog in
    node2) SRV="$T/vchan-node2 server" CLI="$T/vchan-node2 client" SARGS="$rs $ws" CARGS= two=1 ;;
    node1) SRV="$T/vchan-node1 server write" CLI="$T/vchan-node1 client read" SARGS= CARGS= two=0 ;;
    proxy) SRV="vchan-socket-proxy -m server" CLI="vchan-socket-proxy -m client" SARGS=- CARGS=- two=1 ;;
  esac
  # who sends: both for the two-way programs, the server alone for node1
  if [ $srv = guest ]; then SD=$G; gsend=1; dsend=$two; else SD=0; dsend=1; gsend=$two; fi
  dwant=$((gsend * size)) gwant=$((dsend * size))
  P=/local/domain/$SD/data/xv-$tag
  K=/local/domain/$G/data/xk-$tag      # handshake keys, in the guest-writable area
  dd if=/dev/urandom of=/tmp/vin bs=1M count=$mb 2>/dev/null; rm -f /tmp/vout /tmp/verr
  dsum=$(md5sum < /tmp/vin | cut -c1-32)
  # the guest's data, made in the command that starts its side (one round trip less per transfer)
  local gdata="dd if=/dev/urandom of=/tmp/vin bs=1M count=$mb 2>/dev/null; rm -f /tmp/vout /tmp/verr; md5sum < /tmp/vin | cut -c1-32 > /tmp/vin.md5"
  local gfeed="xv_feed $K $gsend"     # the guest writer's stdin (lib.sh)
  local gdone="( waitsize /tmp/vout $gwant $TMO && xenstore-write $K/guest-got 1 ) >/dev/null 2>&1 &"
  if [ $srv = guest ]; then
    gx 120 "$gdata; $gfeed | run $c timeout $TMO $SRV 0 $P $SARGS >/tmp/vout 2>/tmp/verr & $gdone" >/dev/null
    if ! waitkey $P/event-channel 60; then
      r "FAIL $name: server in the guest did not come up: $(gx 10 'cat /tmp/verr') $(xenstore-ls $P 2>&1 | tr '\n' ' ')"
      gx 30 "for p in \$(pids_with '$P'); do kill \$p 2>/dev/null; done" >/dev/null; return
    fi
    xv_feed $K $dsend | run $c timeout $TMO $CLI $G $P $CARGS >/tmp/vout 2>/tmp/verr &
    DP=$!
    dmap=$(started_pid "$CLI $G $P" 30)
    gmap=$(gx 30 "mapcheck $c \$(pids_with '$SRV 0 $P' | head -1)")
  else
    xv_feed $K $dsend | run $c timeout $TMO $SRV $G $P $SARGS >/tmp/vout 2>/tmp/verr &
    DP=$!
    if ! waitkey $P/event-channel 60; then
      r "FAIL $name: server in dom0 did not come up: $(cat /tmp/verr | tr '\n' ' ') $(xenstore-ls $P 2>&1 | tr '\n' ' ')"
      killall_with $P; wait $DP; return
    fi
    dmap=$(pids_with "$SRV $G $P" | head -1)
    gmap=$(gx 120 "$gdata; $gfeed | run $c timeout $TMO $CLI 0 $P $CARGS >/tmp/vout 2>/tmp/verr & $gdone mapcheck $c \$(started_pid '$CLI 0 $P' 30)")
  fi
  maprep "$name/dom0-side" $c "$dmap"
  [ -z "$gmap" ] && r "PASS $name/guest-side/libs-loaded" || r "FAIL $name/guest-side/libs-loaded: $gmap"
  t0=$(up)
  xenstore-write $K/go 1
  waitsize /tmp/vout $dwant $TMO && xenstore-write $K/dom0-got 1
  waitkey $K/guest-got $TMO
  t1=$(up)
  usleep 500000     # then end whatever did not exit by itself (the proxy waits for a new peer)
  for p in $(pids_with "$P"); do kill $p 2>/dev/null; done
  # the guest's side ends, and reports its data's md5, what it got and its size, in one round trip
  gout=$(gx 60 "for p in \$(pids_with '$P'); do kill \$p 2>/dev/null; done; echo \$(cat /tmp/vin.md5) \$(md5sum < /tmp/vout | cut -c1-32) \$(stat -c %s /tmp/vout)")
  gsum=${gout%% *}; gout=${gout#* }
  wait $DP
  dout=$(md5sum < /tmp/vout | cut -c1-32)
  local e0 g0 ok=1
  e0=$(printf '' | md5sum | cut -c1-32)
  [ $gsend = 1 ] && g0=$gsum || g0=$e0
  [ "$dout" = "$g0" ] || ok=0
  [ $dsend = 1 ] && e0=$dsum
  [ "${gout%% *}" = "$e0" ] || ok=0
  XV_RATE=$(mbps $(( (gsend + dsend) * size)) $t0 $t1)     # also for the demo's table
  [ $ok = 1 ] &&
    r "PASS $name: $mb MiB $( [ $two = 1 ] && echo 'each way' || echo "$srv->client"), md5 ok (guest got ${gout%% *}, dom0 got $dout), $XV_RATE MB/s" ||
    r "FAIL $name: dom0 got $dout ($(fsize /tmp/vout) bytes) want $g0; guest got '$gout' want $e0; dom0 stderr: $(head -c 200 /tmp/verr | tr '\n' ' '); guest stderr: $(gx 10 'head -c 200 /tmp/verr')"
  echo "SHOW TIMING xvchan $c $prog server-in-$srv $XV_RATE MB/s" >> /tmp/raw
}
