# fork: 40 children, each forked while a thread shares/maps/unmaps/unshares on the same
# handles, must still share, map, unmap, unshare and close through the inherited handles
# (c-tests/fork/forkcalls.c). Ours is checked; Debian's runs the same for comparison (INFO).
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
for c in lp deb; do
  lbl=ours; [ $c = deb ] && lbl=deb
  run $c timeout 600 $T/forkcalls $lbl 40 > /tmp/fork.out 2>/tmp/fork.err
  rc=$?
  if [ $c = lp ]; then
    grep -E '^(PASS|FAIL) ' /tmp/fork.out | while read -r l; do r "$l"; done
    [ $rc = 0 ] && grep -q '^PASS ' /tmp/fork.out ||
      r "FAIL fork/ours/exit: status $rc $(grep -Ev '^(PASS|FAIL) ' /tmp/fork.out | head -c 200) $(head -c 200 /tmp/fork.err)"
  else
    sed 's/^\(PASS\|FAIL\) /INFO deb-\1 /' /tmp/fork.out | tee -a /tmp/raw
  fi
done
rm -f /tmp/fork.out /tmp/fork.err
