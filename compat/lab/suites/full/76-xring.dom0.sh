# 76-xring: examples/ring across domains, in a guest of its own. dom0 shares and the guest
# maps, then the guest shares and dom0 maps: 16 MiB each way at once, FNV-checked. Then a mapper
# is SIGKILLed mid-stream, once in each domain, and the sharer in the other domain must report
# it within a second through the dead side's unmap notification (byte + event). Then both
# sides on the async form (`ring --async`: AsyncEventChannels in a current-thread tokio
# runtime, built by 50-xengnt.build.sh with --features tokio): a transfer, FNV-checked as above,
# and dom0's mapper SIGKILLed, the guest's sharer reporting it within a second.
# Helpers in lib.sh (ring_ready, ring_bg, ring_result, ring_check, ring_gone) and guest.sh.
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
XR=/tmp/xring
rm -rf $XR; mkdir -p $XR
XMB=16
XMBA=8    # the async transfer: the same checks, half the bytes (the lab is at its time budget)
xr_result() {   # xr_result <tag>: the guest's ring output, once it ended, into $XR/<tag>; its status in XRC
  gx 120 "ring_result /tmp/xr-$1" > $XR/$1
  XRC=$(sed -n 's/^rc=//p' $XR/$1)
  # killed by a signal: the guest kernel's line on it (ip, library) goes into the FAIL line
  [ "${XRC:-0}" -ge 128 ] 2>/dev/null && gx 10 'kernel_crashes | tail -3' >> $XR/$1
}

gdestroy     # a guest an earlier suite left (70-domu's when the suites between them are not run)
# Without 70-domu (LAB_SUITES='50-xengnt 76-xring'): its setup of the second domain, dom0 on one
# vCPU and xenconsoled (without which xl create times out on the console); after it, both are
# there already.
[ -f /run/xenconsoled.pid ] || { one_vcpu; daemons deb; }
if gcreate xr; then
  # 1. dom0 shares, the guest maps
  t0=$(up)
  timeout 300 $T/ring share $G --mib $XMB --pages 16 > $XR/d.s 2>&1 &
  RS=$!
  c=$(ring_ready $XR/d.s)
  gx 30 "ring_bg /tmp/xr-d.m map 0 $c --mib $XMB" > /dev/null
  wait $RS; rcs=$?
  xr_result d.m
  ring_check xring/dom0-shares $XR/d.s $XR/d.m $rcs "$XRC" $((XMB << 20))
  echo "SHOW TIMING xring dom0 shares: $(since $t0 2) s with the start" >> /tmp/raw

  # 2. the guest shares, dom0 maps
  t0=$(up)
  c=$(gx 60 "ring_bg /tmp/xr-g.s share 0 --mib $XMB --pages 16; ring_ready /tmp/xr-g.s")
  timeout 300 $T/ring map $G $c --mib $XMB > $XR/g.m 2>&1; rcm=$?
  xr_result g.s
  ring_check xring/guest-shares $XR/g.s $XR/g.m "$XRC" $rcm $((XMB << 20))
  echo "SHOW TIMING xring guest shares: $(since $t0 2) s with the start" >> /tmp/raw

  # 3. SIGKILL the guest's mapper: dom0's sharer reports it (the kill goes through gx, whose
  #    own latency the exit time includes)
  timeout 300 $T/ring share $G --mib 100000 --pages 16 > $XR/k1.s 2>&1 &
  RS=$!
  c=$(ring_ready $XR/k1.s)
  gx 30 "ring_bg /tmp/xr-k1.m map 0 $c --mib 100000" > /dev/null
  ring_killable $XR/k1.s
  t0=$(up)
  gx 10 'kill -9 $(pidof ring)' > /dev/null
  wait $RS; rc=$?
  echo "SHOW TIMING xring kill guest mapper: dom0's sharer exited $(since $t0 2) s after gx sent the kill" >> /tmp/raw
  ring_gone xring/kill-guest-mapper mapper $XR/k1.s $rc -

  # 4. SIGKILL dom0's mapper: the guest's sharer reports it
  c=$(gx 60 "ring_bg /tmp/xr-k2.s share 0 --mib 100000 --pages 16; ring_ready /tmp/xr-k2.s")
  timeout 300 $T/ring map $G $c --mib 100000 > $XR/k2.m 2>&1 &
  RM=$!
  ring_killable $XR/k2.m
  kill -9 $(pids_with "$T/ring map $G" | head -1)
  wait $RM
  xr_result k2.s
  ring_gone xring/kill-dom0-mapper mapper $XR/k2.s "$XRC" - $XR/k2.m

  # 5. both sides async: dom0 shares, the guest maps, $XMBA MiB each way
  t0=$(up)
  timeout 300 $T/ring share $G --mib $XMBA --pages 16 --async > $XR/a.s 2>&1 &
  RS=$!
  c=$(ring_ready $XR/a.s)
  gx 30 "ring_bg /tmp/xr-a.m map 0 $c --mib $XMBA --async" > /dev/null
  wait $RS; rcs=$?
  xr_result a.m
  ring_check xring/async/dom0-shares $XR/a.s $XR/a.m $rcs "$XRC" $((XMBA << 20))
  if grep -q '^ring sharer (async): sent' $XR/a.s && grep -q '^ring mapper (async): sent' $XR/a.m; then
    r "PASS xring/async/forms: both sides waited through AsyncEventChannels"
  else
    r "FAIL xring/async/forms: a side did not run the async form: $(grep -h '^ring ' $XR/a.s $XR/a.m | tr '\n' ' ')"
  fi
  echo "SHOW TIMING xring async dom0 shares: $(since $t0 2) s with the start" >> /tmp/raw

  # 6. both sides async, SIGKILL dom0's mapper: the guest's async sharer reports it
  t0=$(up)
  c=$(gx 60 "ring_bg /tmp/xr-ak.s share 0 --mib 100000 --pages 16 --async; ring_ready /tmp/xr-ak.s")
  timeout 300 $T/ring map $G $c --mib 100000 --async > $XR/ak.m 2>&1 &
  RM=$!
  ring_killable $XR/ak.m
  kill -9 $(pids_with "$T/ring map $G" | head -1)
  wait $RM
  xr_result ak.s
  ring_gone xring/async/kill-dom0-mapper mapper $XR/ak.s "$XRC" - $XR/ak.m
  echo "SHOW TIMING xring async kill dom0 mapper: $(since $t0 2) s with the start" >> /tmp/raw
  gdestroy
else
  r "FAIL xring: no guest"
fi
