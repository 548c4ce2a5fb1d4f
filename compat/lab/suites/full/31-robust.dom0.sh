# robustness on real Xen: no leaks over 10,000 cycles, SIGKILLed peers still notify, limits and
# failing batches leave nothing behind, a vchan peer killed mid-transfer. Ours is checked;
# Debian's library runs the same programs for comparison (INFO lines, not counted).
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

# vchan-node2, 64 MiB server -> client with 64 KiB rings; one side SIGKILLed after 4 MiB. The
# survivor must notice the closed channel and exit by itself (not by signal, not by timeout);
# a surviving client has received a prefix of the stream. Each side's stdin is a fifo held
# open by a sleeper, so neither side sees EOF, and its exit status lands in a file.
vk_side() {   # vk_side <cfg> <name> <stdin> <stdout> args...: run in the background, status -> /tmp/vk-<name>.rc
  vk_c=$1 vk_n=$2 vk_i=$3 vk_o=$4; shift 4      # sh has no locals: names of their own
  rm -f /tmp/vk-$vk_n.rc
  ( run $vk_c timeout 100 $T/vchan-node2 "$@" < $vk_i > $vk_o 2>/tmp/vk-$vk_n.err; echo $? > /tmp/vk-$vk_n.rc ) &
}
vchan_kill() {   # vchan_kill <cfg> <victim: server|client>
  c=$1 v=$2 P=/local/domain/0/data/vk-$1-$2 o=/tmp/vk-c.out
  rm -f $o /tmp/vk-in; mkfifo /tmp/vk-in
  sleep 120 > /tmp/vk-in & holder=$!
  vk_side $c s /tmp/vk64 /dev/null server 0 $P 65536 65536
  if ! waitxs $P; then r "FAIL robust/vchan-$v-killed/$c: server did not come up"; killall_with $P; kill $holder; wait; return; fi
  vk_side $c c /tmp/vk-in $o client 0 $P
  waitsize $o 4194304 60
  victim=$(pids_with "$v 0 $P" | head -1)
  kill -9 $victim 2>/dev/null
  t0=$(up)
  sv=c; [ $v = client ] && sv=s
  while [ ! -s /tmp/vk-$sv.rc ] && [ "$(awk -v a=$t0 -v b=$(up) 'BEGIN{print (b-a < 60)}')" = 1 ]; do sleep 0.2; done
  took=$(awk -v a=$t0 -v b=$(up) 'BEGIN{printf "%.1f", b-a}')
  st=$(cat /tmp/vk-$sv.rc 2>/dev/null || echo none)
  killall_with $P; kill $holder 2>/dev/null; wait
  got=$(fsize $o)
  prefix=yes; [ "$(head -c $got /tmp/vk64 | md5sum)" = "$(md5sum < $o)" ] || prefix=no
  err=$(cat /tmp/vk-$sv.err | tr '\n' ' ' | head -c 100)
  if [ "$st" != none ] && [ "$st" -lt 124 ] && [ $prefix = yes ] && [ -n "$victim" ]; then
    r "PASS robust/vchan-$v-killed/$c: survivor exited $st after ${took}s; client got $((got >> 10)) KiB, a prefix of the stream${err:+ (stderr: $err)}"
  else
    r "FAIL robust/vchan-$v-killed/$c: survivor status $st after ${took}s (124: timeout, >128: signal), victim '$victim', prefix $prefix $err"
  fi
  rm -f $o /tmp/vk-in /tmp/vk-?.rc
}
dd if=/dev/urandom of=/tmp/vk64 bs=1M count=64 2>/dev/null
for c in deb pre; do vchan_kill $c server; vchan_kill $c client; done
rm -f /tmp/vk64
