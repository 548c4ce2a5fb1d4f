# robustness on real Xen: no leaks over 10,000 cycles, SIGKILLed peers still notify, limits and
# failing batches leave nothing behind, a vchan peer killed mid-transfer. Ours is checked;
# Debian's library runs the same programs for comparison (INFO lines, not counted).
# budget: 900   (seconds; dom0 stops the suite after that: compat/lab/README.md)
robust_run() {   # robust_run <cfg> <tag> <seconds> prog args...: result lines -> r (ours) / INFO (deb)
  c=$1 t=$2 lim=$3; shift 3
  s=$(up)
  run $c timeout $lim "$@" > /tmp/robust.out 2>/tmp/robust.err
  rc=$?
  echo "robust [$c] $(basename $1) rc=$rc took $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s"
  if [ $t = ours ]; then
    grep -E '^(PASS|FAIL) ' /tmp/robust.out | while read -r l; do r "$l"; done
    [ $rc = 0 ] || r "FAIL robust/$(basename $1)/ours: exited $rc $(head -c 200 /tmp/robust.err | tr '\n' ' ')"
  else
    sed 's/^\(PASS\|FAIL\) /INFO deb-\1 /' /tmp/robust.out | tee -a /tmp/raw
  fi
}
robust_run lp ours 600 $T/soak 10000 ours
for setup in lp:ours deb:deb; do     # robust_run sets c: the loop needs its own name
  robust_run ${setup%%:*} ${setup##*:} 60 $T/peers ${setup##*:}
  robust_run ${setup%%:*} ${setup##*:} 120 $T/exhaust ${setup##*:}
done

# vchan-node2 with 64 KiB rings, one side SIGKILLed mid-stream: the server's stdin is a fifo
# that delivers 4 MiB and then stays open, so the channel is open, both sides are alive and the
# stream unfinished when the victim dies. The survivor must notice the closed channel and exit
# by itself (not by signal, not by timeout), and a surviving client must have received exactly
# the 4 MiB. Each side runs under its own name (a symlink) and is found through /proc/PID/comm:
# reading the cmdline of a process tearing down its grant mappings can block for seconds.
vk_side() {   # vk_side <cfg> <s|c> <stdin> <stdout> args...: background; status -> /tmp/vk-<s|c>.rc
  vk_c=$1 vk_n=$2 vk_i=$3 vk_o=$4; shift 4      # sh has no locals: names of their own
  rm -f /tmp/vk-$vk_n.rc
  ln -sf $T/vchan-node2 /tmp/vk-$vk_n
  ( run $vk_c timeout 100 /tmp/vk-$vk_n "$@" < $vk_i > $vk_o 2>/tmp/vk-$vk_n.err; echo $? > /tmp/vk-$vk_n.rc ) &
}
vk_rc() {     # vk_rc <s|c> <seconds>: the side's exit status once it exited, else "none"
  n=0; while [ ! -s /tmp/vk-$1.rc ] && [ $n -lt $(($2 * 5)) ]; do n=$((n + 1)); sleep 0.2; done
  cat /tmp/vk-$1.rc 2>/dev/null || echo none
}
vchan_kill() {   # vchan_kill <cfg> <victim: server|client>
  c=$1 v=$2 P=/local/domain/0/data/vk-$1-$2 o=/tmp/vk-c.out
  vn=${v%${v#?}} sn=s; [ $v = server ] && sn=c
  rm -f $o /tmp/vk-feed /tmp/vk-in; mkfifo /tmp/vk-feed /tmp/vk-in
  ( cat /tmp/vk4; sleep 100 ) > /tmp/vk-feed & feeder=$!
  sleep 100 > /tmp/vk-in & holder=$!
  vk_side $c s /tmp/vk-feed /dev/null server 0 $P 65536 65536
  if ! waitkey $P/event-channel 10; then r "FAIL robust/vchan-$v-killed/$c: server did not come up"; kill $feeder $holder; return; fi
  vk_side $c c /tmp/vk-in $o client 0 $P
  waitsize $o 4194304 60
  victim=$(for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = vk-$vn ] && echo ${d#/proc/}; done | head -1)
  kill -9 $victim 2>/dev/null
  st=$(vk_rc $sn 60)
  vst=$(vk_rc $vn 10)
  kill $feeder $holder 2>/dev/null     # no killall, no wait: a stuck survivor ends by its timeout
  got=$(fsize $o)
  prefix=no; [ "$(md5sum < /tmp/vk4)" = "$(md5sum < $o)" ] && prefix=yes
  err=$(tr '\n' ' ' < /tmp/vk-$sn.err | head -c 100)
  if [ "$vst" = 137 ] && [ "$st" != none ] && [ "$st" -lt 124 ] && [ $prefix = yes ]; then
    r "PASS robust/vchan-$v-killed/$c: $v SIGKILLed with the channel open, the other side exited $st by itself; client had all $((got >> 10)) KiB sent before the kill${err:+ (stderr: $err)}"
  else
    r "FAIL robust/vchan-$v-killed/$c: victim '$victim' status $vst (want 137), survivor status $st (124: timeout, >128: signal), client got $got of 4194304 bytes, md5 $prefix $err"
  fi
  rm -f $o /tmp/vk-feed /tmp/vk-in /tmp/vk-?.rc
}
dd if=/dev/urandom of=/tmp/vk4 bs=1M count=4 2>/dev/null
for c in deb pre; do vchan_kill $c server; vchan_kill $c client; done
rm -f /tmp/vk4
