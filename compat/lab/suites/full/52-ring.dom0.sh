# 52-ring: examples/ring between two dom0 processes (dom0 grants to itself). The sharer
# (gntalloc) and the mapper (gntdev) exchange 16 MiB each way at once through the shared ring,
# FNV-checked; then each side in turn is SIGKILLed mid-stream and the other must report it
# within a second, through the dead side's unmap notification (alive byte cleared + event).
RG=/tmp/ring
rm -rf $RG; mkdir -p $RG
rel() { awk -v a=$1 -v b=$(up) 'BEGIN{printf "%.2f", b-a}'; }   # seconds since uptime $1
ring_start() {   # ring_start <tag> <MiB> <pages> <peer domid> <mapper prefix...>: sharer here, mapper via the prefix; sets RS RM
  local tag=$1 mb=$2 pages=$3 peer=$4 i=0 port refs; shift 4
  timeout 300 $T/ring share $peer --mib $mb --pages $pages > $RG/$tag.s 2>&1 &
  RS=$!
  while ! grep -q '^ring: ready ' $RG/$tag.s && [ $i -lt 200 ]; do i=$((i + 1)); usleep 50000; done
  port=$(sed -n 's/^ring: ready port \([0-9]*\) refs .*/\1/p' $RG/$tag.s)
  refs=$(sed -n 's/^ring: ready port [0-9]* refs \([0-9,]*\)$/\1/p' $RG/$tag.s)
  RING_CONNECT="$port $refs"
  [ -n "$port" ] || return 1
  "$@" $port $refs --mib $mb > $RG/$tag.m 2>&1 &
  RM=$!
}
fnv() { sed -n "s/.* $1 [0-9]* bytes in [0-9]* messages fnv \([0-9a-f]*\).*/\1/p" $2; }
ring_check() {   # ring_check <name> <sharer file> <mapper output> <rc sharer> <rc mapper> <bytes>
  local ss sr ms mr
  ss=$(fnv sent $2) sr=$(fnv received $2) ms=$(echo "$3" | sed -n 's/.* sent [0-9]* bytes in [0-9]* messages fnv \([0-9a-f]*\).*/\1/p')
  mr=$(echo "$3" | sed -n 's/.* received [0-9]* bytes in [0-9]* messages fnv \([0-9a-f]*\).*/\1/p')
  if [ $4 = 0 ] && [ $5 = 0 ] && [ -n "$ss" ] && [ "$ss" = "$mr" ] && [ -n "$ms" ] && [ "$ms" = "$sr" ] &&
     grep -q "sent $6 bytes" $2 && grep -q "received $6 bytes" $2; then
    r "PASS $1: $(($6 >> 20)) MiB each way at once, checksums match (sharer->mapper $ss, mapper->sharer $ms); $(sed -n 's/.*; \([0-9.]* s, [0-9.]* MiB\/s each way\); \(.*\)/\1 (sharer: \2)/p' $2)"
  else
    r "FAIL $1: rc $4/$5; sharer: $(cat $2 | tr '\n' ' '); mapper: $(echo "$3" | tr '\n' ' ')"
  fi
}
ring_kill() {   # ring_kill <name> <victim: sharer|mapper> <survivor output file> <victim pattern> <survivor pid> <victim pid>
  local t0 t1 rc line ms v
  sleep 2
  v=$(pids_with "$4" | head -1)   # the ring process itself, not a timeout wrapper
  t0=$(up)
  kill -9 ${v:-0}
  wait $5; rc=$?
  t1=$(up)
  wait $6 2>/dev/null    # the victim (or its timeout)
  line=$(grep -m1 'peer gone' $3)
  ms=$(echo "$line" | sed -n 's/.*, \([0-9]*\) ms after its last progress.*/\1/p')
  echo "SHOW TIMING ring kill $2: survivor exited $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", b-a}') s after SIGKILL; $line" >> /tmp/raw
  if [ $rc = 3 ] && [ -n "$ms" ] && [ "$ms" -lt 1000 ] && awk -v a=$t0 -v b=$t1 'BEGIN{exit !(b-a < 1.5)}'; then
    r "PASS $1: the $2 was SIGKILLed mid-stream; the survivor reported it ${ms} ms after the victim's last progress and exited (status 3) $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", b-a}') s after the kill: $(echo "$line" | sed 's/.*peer gone: //; s/; sent.*//')"
  else
    r "FAIL $1: survivor rc=$rc after $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.2f", b-a}') s: $(cat $3 | tr '\n' ' ')"
  fi
}

# 1. 16 MiB each way at once, 16 pages (64 KiB) per direction
t0=$(up)
if ring_start d0 16 16 0 timeout 300 $T/ring map 0; then
  wait $RM; rcm=$?
  wait $RS; rcs=$?
  ring_check ring/dom0/both-ways $RG/d0.s "$(cat $RG/d0.m)" $rcs $rcm 16777216
else
  r "FAIL ring/dom0/both-ways: no ready line: $(cat $RG/d0.s | tr '\n' ' ')"; kill $RS 2>/dev/null; wait $RS
fi
echo "SHOW TIMING ring dom0 16+16 MiB: $(rel $t0)s" >> /tmp/raw

# 2. SIGKILL the mapper mid-stream: the sharer reports it; 3. SIGKILL the sharer: the mapper does
if ring_start km 100000 16 0 timeout 300 $T/ring map 0; then
  ring_kill ring/dom0/kill-mapper mapper $RG/km.s "$T/ring map 0" $RS $RM
else
  r "FAIL ring/dom0/kill-mapper: no ready line: $(cat $RG/km.s | tr '\n' ' ')"; kill $RS 2>/dev/null; wait $RS
fi
if ring_start ks 100000 16 0 timeout 300 $T/ring map 0; then
  ring_kill ring/dom0/kill-sharer sharer $RG/ks.m "$T/ring share 0" $RM $RS
else
  r "FAIL ring/dom0/kill-sharer: no ready line: $(cat $RG/ks.s | tr '\n' ' ')"; kill $RS 2>/dev/null; wait $RS
fi
