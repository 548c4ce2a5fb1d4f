# threads: 4 threads share/map/verify/unmap/unshare concurrently, on one pair of handles
# (shared) and on a pair each (own); then a thread blocked inside a call on the same handles
# must not stop another (blocked). Ours first, then Debian's for comparison.
THREAD_ITERS=2500      # x 4 calls (share, map, unmap, unshare) = 10,000 calls per thread
THREAD_LIMIT=45
for c in lp deb; do
  lbl=ours; [ $c = deb ] && lbl=deb
  for mode in shared own blocked; do
    s=$(up)
    run $c timeout $THREAD_LIMIT $T/threads $mode $lbl $THREAD_ITERS > /tmp/threads.out 2>&1
    rc=$?
    grep -E '^(PASS|FAIL) ' /tmp/threads.out > /tmp/threads.res
    while read -r l; do r "$l"; done < /tmp/threads.res
    [ $rc = 0 ] && [ -s /tmp/threads.res ] ||
      r "FAIL threads/$lbl/$mode/exit: status $rc $(grep -Ev '^(PASS|FAIL) ' /tmp/threads.out | head -c 300)"
    t="threads/$lbl/$mode: $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s"
    echo "$t"; echo "SHOW TIMING $t" >> /tmp/raw
  done
done
rm -f /tmp/threads.out /tmp/threads.res
