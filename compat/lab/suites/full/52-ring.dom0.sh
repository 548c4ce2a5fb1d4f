# 52-ring: examples/ring between two dom0 processes (dom0 grants to itself). The sharer
# (gntalloc) and the mapper (gntdev) exchange 16 MiB each way at once through the shared ring,
# FNV-checked; then each side in turn is SIGKILLed mid-stream and the other must report it
# within a second, through the dead side's unmap notification (alive byte cleared + event).
# Helpers (ring_ready, ring_check, ring_gone) in lib.sh.
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
RG=/tmp/ring
rm -rf $RG; mkdir -p $RG
ring_pair() {   # ring_pair <tag> <MiB>: sharer and mapper in dom0 (16 pages each way); sets RS RM
  local c
  timeout 300 $T/ring share 0 --mib $2 --pages 16 > $RG/$1.s 2>&1 &
  RS=$! RM=
  c=$(ring_ready $RG/$1.s)
  [ -n "$c" ] || { r "FAIL ring/dom0/$1: no ready line: $(tr '\n' ' ' < $RG/$1.s)"; kill $RS; wait $RS; return 1; }
  timeout 300 $T/ring map 0 $c --mib $2 > $RG/$1.m 2>&1 &
  RM=$!
}
ring_kill() {   # ring_kill <tag> <victim: sharer|mapper> <survivor output> <survivor pid> <victim pid> <victim output>
  local t0 v rc
  ring_killable $3
  v=$(pids_with "$T/ring $( [ $2 = sharer ] && echo share || echo map ) 0" | head -1)   # ring itself, not timeout
  t0=$(up)
  kill -9 ${v:-0}
  wait $4; rc=$?
  ring_gone ring/dom0/$1 $2 $3 $rc $(since $t0 2) $6
  wait $5 2>/dev/null
}

t0=$(up)
if ring_pair both 16; then
  wait $RM; rcm=$?
  wait $RS; rcs=$?
  ring_check ring/dom0/both-ways $RG/both.s $RG/both.m $rcs $rcm 16777216
fi
echo "SHOW TIMING ring dom0 16+16 MiB incl. start: $(since $t0 2)s" >> /tmp/raw
ring_pair km 100000 && ring_kill kill-mapper mapper $RG/km.s $RS $RM $RG/km.m
ring_pair ks 100000 && ring_kill kill-sharer sharer $RG/ks.m $RM $RS $RG/ks.s
