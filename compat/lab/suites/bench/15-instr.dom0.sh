# Instructions per call, counted by callgrind (valgrind passes gntdev's and gntalloc's ioctls
# through): `gntbench count` runs every row INSTR_ITERS times with each library; callgrind
# collects only inside gntbench's count_ops() (--toggle-collect) and dumps once per row, so a dump
# holds exactly that row's calls and everything they ran in user space. 15-instr.awk sums each
# dump by object; 15-instr.host.sh makes the table.
# budget: 600   (seconds; dom0 stops the suite after that: compat/lab/README.md)
INSTR_ITERS=20 INSTR_DUMP=
[ -f /tests/instr.conf ] && . /tests/instr.conf
GA_LIMIT=/sys/module/xen_gntalloc/parameters/limit
ga_old=$(cat $GA_LIMIT 2>/dev/null)
[ -n "$ga_old" ] && [ "$ga_old" -lt 4096 ] && echo 4096 > $GA_LIMIT
echo "@@plan instr iters=$INSTR_ITERS" >> /tmp/raw
bad=
for c in deb lp; do
  rm -f /tmp/cg.*
  run $c env VALGRIND_LIB=/tests/valgrind timeout 900 /tests/valgrind/valgrind --tool=callgrind \
    '--toggle-collect=count_ops*' --callgrind-out-file=/tmp/cg.%p $T/gntbench-cg count $INSTR_ITERS \
    > /tmp/ic-$c.out 2>/tmp/ic-$c.err
  rc=$?
  lib=$(sed -n 's/^LIB //p' /tmp/ic-$c.out)
  want=$DEBSO; [ $c = lp ] && want=$OURS
  if [ $rc != 0 ] || ! grep -q '^DONE' /tmp/ic-$c.out; then
    bad="$bad; $c: rc=$rc $(grep '^FAIL' /tmp/ic-$c.out | head -1) $(grep -v '^==' /tmp/ic-$c.err | head -c 300)"
  elif [ "$lib" != "$want" ]; then
    bad="$bad; $c: library $lib, want $want"
  fi
  sed -n "s/^C /@@cops $c /p" /tmp/ic-$c.out >> /tmp/raw
  for f in /tmp/cg.*.*; do
    [ -f "$f" ] || continue
    awk -v cfg=$c -f /tests/15-instr.awk "$f" >> /tmp/raw
    row=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    case " ${INSTR_DUMP:-} " in *" $row "*) sed "s|^|@@cgdump $c $row |" "$f" >> /tmp/raw;; esac
  done
  echo "bench: instr $c done at $(up)s"   # console only
done
rm -f /tmp/cg.*
[ -z "$bad" ] && r "PASS bench/instr-ran: callgrind pass per library completed" || r "FAIL bench/instr-ran:$bad"
[ -n "$ga_old" ] && echo "$ga_old" > $GA_LIMIT
