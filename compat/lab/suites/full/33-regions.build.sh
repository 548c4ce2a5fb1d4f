# c-tests/regions (issue 18, findings 1, 2, 5, 6), against Debian's header, and the shim whose
# hooks they drive (c-tests/bench/fakegnt.c), preloaded in dom0 in pass-through mode
cc -shared -fPIC -o "$B/tests/libfakegnt.so" "$REPO/c-tests/bench/fakegnt.c" -ldl >"$B/regions.log" 2>&1
res $? regions-shim "$(head -3 "$B/regions.log")"
for p in double_unshare unmap_race caller_arrays munmap_fails; do
  cc -o "$B/tests/regions-$p" "$REPO/c-tests/regions/$p.c" "$REPO/c-tests/regions/common.c" \
    -lxengnttab -ldl -lpthread >"$B/regions-$p.log" 2>&1
  res $? "regions-$p" "$(head -3 "$B/regions-$p.log")"
done
