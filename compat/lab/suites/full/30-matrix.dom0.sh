# matrix: every function against bad input, each row in its own child; Debian's library, then
# ours. The host (30-matrix.host.sh) compares the runs and the table in docs/robustness.md.
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
for c in deb lp; do
  s=$(up)
  run $c timeout 600 $T/matrix > /tmp/mx-$c.out 2>/dev/null
  echo "matrix [$c] rc=$? took $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s"
  sed "s/^/@@mx-$c /" /tmp/mx-$c.out >> /tmp/raw
done
$T/matrix --rows | sed "s/^/@@mx-why /" >> /tmp/raw
