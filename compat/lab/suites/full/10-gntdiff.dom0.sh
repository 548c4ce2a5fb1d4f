# gntdiff: one binary, Debian's library (deb) then ours (lp), raw output to the host
# (10-gntdiff.host.sh compares them); --ours-only for cases that crash upstream.
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
for c in deb lp pre; do
  got=$(run $c timeout 10 $T/whichlib 2>&1)
  case $c in deb) want=/usr/lib/$MA/libxengnttab.so.1;; *) want=$OURS;; esac
  [ "$got" = "$want" ] && r "PASS load/$c: xengnttab_open from $got" || r "FAIL load/$c: got '$got', want '$want'"
done
for c in deb lp; do
  s=$(up)
  run $c timeout 240 $T/gntdiff 0 > /tmp/gd-$c.out 2>&1
  rc=$?
  echo "gntdiff [$c] rc=$rc took $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s"
  sed "s/^/@@$c /" /tmp/gd-$c.out >> /tmp/raw
  echo "@@$c-rc $rc" >> /tmp/raw
done
run lp timeout 60 $T/gntdiff --ours-only > /tmp/gd-oo.out 2>&1
rc=$?
sed "s/^/@@oo /" /tmp/gd-oo.out >> /tmp/raw
echo "@@oo-rc $rc" >> /tmp/raw
