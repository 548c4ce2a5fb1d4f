# A guest that dies mid-use, with everything in dom0 on ours: QEMU serves its disk while the
# guest reads it, a vchan client streams to the guest, and holdmap holds four of the guest's
# grants mapped. `xl destroy` must leave dom0 whole: nothing crashes, the daemons live on,
# the pages stay readable until holdmap unmaps them (unmap and close return 0), and then the
# domain is gone for good (no zombie). Xen tells dom0 nothing when a domain is destroyed: no
# guest kernel clears the notify bytes and no event arrives, so the vchan peer blocks
# (interruptibly) until it is stopped. Then a new guest runs the same workload, `xl shutdown`
# (the guest's processes end and unmap, so dom0's vchan peer sees the channel close by itself)
# and `xl reboot`. On a stack without a device model (host/arch.sh GUEST_DM: Arm, where bookworm
# has no qemu-system-xen) the guest has no disk: the same steps run without the disk reads, and
# an INFO line says so.
# budget: 1200   (seconds; dom0 stops the suite after that: compat/lab/README.md)
pstate() { awk '{print $3}' /proc/$1/stat 2>/dev/null; }
wchar() { awk '/^wchar/ {print $2}' /proc/$1/io 2>/dev/null; }
stream() {   # stream <server side: guest|dom0> <path>: an endless two-way node2 session (ours), dom0 pid in SP
  if [ $1 = guest ]; then
    gx 30 "cat /dev/zero | run pre /tests/vchan-node2 server 0 $2 16384 16384 >/dev/null 2>/tmp/st.err &" >/dev/null
    waitkey $2/event-channel 60 || { SP=; return 1; }
    cat /dev/zero | run pre timeout 600 $T/vchan-node2 client $G $2 > /dev/null 2>/tmp/st.err &
    SP=$(started_pid "vchan-node2 client $G $2" 30)
  else
    cat /dev/zero | run pre timeout 600 $T/vchan-node2 server $G $2 16384 16384 > /dev/null 2>/tmp/st.err &
    waitkey $2/event-channel 60 || { SP=; return 1; }
    SP=$(started_pid "vchan-node2 server $G $2" 30)
    gx 30 "cat /dev/zero | run pre /tests/vchan-node2 client 0 $2 >/dev/null 2>/tmp/st.err &" >/dev/null
  fi
  sleep 2
}
LCDISK=
if has_qdisk; then
  LCDISK=$(qdisks ours /tmp/lc.img)
  dd if=/dev/urandom of=/tmp/lc.img bs=1M count=16 2>/dev/null
  LCSUM=$(md5sum < /tmp/lc.img | cut -c1-32)
else
  echo "SHOW INFO lifecycle: no device model on this stack (no qemu-system-xen): the guests run without a disk, the disk reads and the QEMU checks are not made" >> /tmp/raw
fi
workload() {   # workload <tag>: the guest reads its disk (if any) and moves 1 MiB each way over vchan
  local o
  if [ -n "$LCDISK" ]; then
    o=$(disk_read 16)
    [ "${o%% *}" = "$LCSUM" ] && r "PASS lifecycle/$1/disk: 16 MiB read through QEMU (ours), md5 ok" || r "FAIL lifecycle/$1/disk: got '$o' want $LCSUM"
  fi
  xvchan pre node2 guest 1 16384 16384
}

# 1. xl destroy in the middle of everything
if gcreate gk "$LCDISK"; then
  D=$G
  QP=$(xenstore-read /local/domain/$G/image/device-model-pid 2>/dev/null)
  refs=$(gx 60 'run pre /tests/holdmap share 0 4 > /tmp/hm.refs 2>&1 & waitline /tmp/hm.refs . 30; cat /tmp/hm.refs')
  mkdir -p /tmp/hm; rm -f /tmp/hm/*
  run pre timeout 400 $T/holdmap map $G /tmp/hm $refs > /tmp/hm.out 2>&1 &
  HP=$!
  n=0; while [ ! -f /tmp/hm/mapped ] && [ $n -lt 300 ]; do usleep 100000; n=$((n + 1)); done
  [ -n "$LCDISK" ] && gx 30 'while :; do dd if=/dev/xvda of=/dev/null bs=1M iflag=direct 2>/dev/null; done >/dev/null 2>&1 &' >/dev/null
  stream guest /local/domain/$G/data/lc-stream
  w0=$(wchar $SP); sleep 1; w1=$(wchar $SP)
  [ -f /tmp/hm/mapped ] && [ -n "$SP" ] && [ "${w1:-0}" -gt "${w0:-0}" ] &&
    r "PASS lifecycle/destroy/in-flight: holdmap maps 4 guest pages ($(head -1 /tmp/hm.out | cut -c10-)), vchan streaming ($((w1 - w0)) bytes/s out of dom0)$([ -n "$LCDISK" ] && echo ", guest reading its disk through QEMU pid $QP")" ||
    r "FAIL lifecycle/destroy/in-flight: holdmap '$(cat /tmp/hm.out)' vchan pid '$SP' wchar $w0 -> $w1"
  t0=$(up)
  timeout 120 xl destroy gk > /tmp/xl-destroy.log 2>&1 && r "PASS lifecycle/destroy/xl-destroy: returned 0 after $(since $t0) s" ||
    r "FAIL lifecycle/destroy/xl-destroy: $(cat /tmp/xl-destroy.log | tr '\n' ' ')"
  G= GNAME=
  if [ -n "$LCDISK" ]; then
    dead_within "$QP" 30 && r "PASS lifecycle/destroy/qemu-exits: QEMU (ours) gone $(since $t0) s after the destroy" ||
      r "FAIL lifecycle/destroy/qemu-exits: QEMU pid $QP still there (state $(pstate $QP))"
  fi
  sleep 2
  s=$(pstate $SP)
  case "$s" in S|R) r "PASS lifecycle/destroy/vchan-peer-alive: dom0's vchan client is in state $s (no event comes from a destroyed domain), not stuck in D" ;;
    *) r "FAIL lifecycle/destroy/vchan-peer-alive: state '$s' ($(cat /tmp/st.err))" ;; esac
  kill $SP 2>/dev/null
  dead_within "$SP" 10 && r "PASS lifecycle/destroy/vchan-peer-stops: exits on SIGTERM" || r "FAIL lifecycle/destroy/vchan-peer-stops: state $(pstate $SP)"
  l=$(xl list | awk -v d=$D 'NR > 1 && $2 == d')
  [ -n "$l" ] && r "PASS lifecycle/destroy/held-by-mapping: while holdmap maps its pages the domain is still listed ($(echo $l | tr -s ' '))" ||
    r "FAIL lifecycle/destroy/held-by-mapping: domain $D already gone although holdmap still maps 4 of its pages"
  touch /tmp/hm/go
  wait $HP; rc=$?
  [ $rc = 0 ] && r "PASS lifecycle/destroy/holdmap: $(tail -3 /tmp/hm.out | tr '\n' ';')" || r "FAIL lifecycle/destroy/holdmap: exit $rc: $(cat /tmp/hm.out | tr '\n' ';')"
  gone $D 60 && r "PASS lifecycle/destroy/domain-gone: no domain $D left once the last mapping went ($(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' '))" ||
    r "FAIL lifecycle/destroy/domain-gone: $(xl list | tr -s ' ' | tr '\n' ';')"
  for p in xenstored xenconsoled; do
    [ -d /proc/$(cat /run/$p.pid) ] && r "PASS lifecycle/destroy/$p-alive" || r "FAIL lifecycle/destroy/$p-alive: $p died"
  done
fi

# 2. a new guest runs the same workload, then `xl shutdown` with a vchan session in flight
if gcreate gk2 "$LCDISK"; then
  workload after-destroy
  D=$G
  stream dom0 /local/domain/0/data/lc-shut
  t0=$(up)
  timeout 120 xl shutdown -w gk2 > /tmp/xl-shutdown.log 2>&1 && r "PASS lifecycle/shutdown/xl-shutdown: the guest powered off after $(since $t0) s" ||
    { r "FAIL lifecycle/shutdown/xl-shutdown: $(cat /tmp/xl-shutdown.log | tr '\n' ' ')"; glog gk2; timeout 60 xl destroy gk2; }
  G= GNAME=
  dead_within "$SP" 30 && r "PASS lifecycle/shutdown/vchan-peer-sees-close: dom0's vchan server (ours) ended by itself $(since $t0) s after xl shutdown ($(head -c 100 /tmp/st.err | tr '\n' ' '))" ||
    { r "FAIL lifecycle/shutdown/vchan-peer-sees-close: still running in state $(pstate $SP)"; kill $SP; }
  gone $D 60 && r "PASS lifecycle/shutdown/domain-gone" || r "FAIL lifecycle/shutdown/domain-gone: $(xl list | tr -s ' ' | tr '\n' ';')"
  grep -q 'GUEST T_GONE poweroff' $LOGS/console/guest-gk2.log && r "PASS lifecycle/shutdown/console: the guest's last words reached xenconsoled" ||
    r "FAIL lifecycle/shutdown/console: no 'GUEST T_GONE poweroff' in its console log"
fi

# 3. xl reboot: the same guest comes back as a new domain and runs the workload again
if gcreate gr "$LCDISK"; then
  D=$G
  t0=$(up)
  timeout 60 xl reboot gr > /tmp/xl-reboot.log 2>&1 || r "FAIL lifecycle/reboot/xl-reboot: $(cat /tmp/xl-reboot.log | tr '\n' ' ')"
  n=0; while { G=$(xl domid gr 2>/dev/null); [ -z "$G" ] || [ "$G" = $D ]; } && [ $n -lt 600 ]; do usleep 100000; n=$((n + 1)); done
  if [ -n "$G" ] && [ "$G" != $D ] && waitkey /local/domain/$G/data/up 300; then
    GNAME=gr; echo 0 > /tmp/gx.n
    r "PASS lifecycle/reboot/back: domain $D rebooted as domain $G, userspace up $(since $t0) s after xl reboot"
    workload after-reboot
    gdestroy
  else
    r "FAIL lifecycle/reboot/back: no new domain gr ($(xl list | tr -s ' ' | tr '\n' ';'))"; glog gr
    timeout 60 xl destroy gr >/dev/null 2>&1
    G= GNAME=
  fi
fi
rm -f /tmp/lc.img
