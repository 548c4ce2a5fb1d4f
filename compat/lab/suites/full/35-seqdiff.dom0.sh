# seqdiff: the same seeded random call sequences with Debian's library (deb) and ours (lp).
# The outputs (tens of thousands of lines) travel to the host gzipped and base64-encoded;
# 35-seqdiff.host.sh compares them seed by seed.
# Under QEMU TCG the lab runs about 400 output lines per second (measured with other labs
# sharing the host), so 300 sequences of 50 steps (~15,000 calls per library) fit the budget.
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
SEQ_SEEDS=300 SEQ_STEPS=50
LIMIT_FILE=/sys/module/xen_gntalloc/parameters/limit
limit=$(cat $LIMIT_FILE)
for c in deb lp; do
  s=$(up)
  run $c timeout 150 $T/seqdiff 1 $SEQ_SEEDS $SEQ_STEPS > /tmp/seq-$c.out 2>&1
  rc=$?
  echo "$limit" > $LIMIT_FILE     # seqdiff lowers the global limit while it runs, even if it died
  t="seqdiff/$c: $SEQ_SEEDS seeds x $SEQ_STEPS steps, rc=$rc, $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s, $(wc -l < /tmp/seq-$c.out) lines"
  echo "$t"; echo "SHOW TIMING $t" >> /tmp/raw
  gzip -9 < /tmp/seq-$c.out | base64 | sed "s/^/@@seq-$c /" >> /tmp/raw
  echo "@@seq-$c-rc $rc" >> /tmp/raw
  rm -f /tmp/seq-$c.out
done
