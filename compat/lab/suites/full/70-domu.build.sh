# The second domain: a PV guest started with xl in dom0 (compat/lab/host/guest.sh builds it).
# holdmap: maps a guest's grants and holds them while the guest is destroyed (75-lifecycle).
GUEST=1
GUEST_TESTS="${GUEST_TESTS:-} vchan-node1 vchan-node2 holdmap"
cc -o "$B/tests/holdmap" "$REPO"/c-tests/xdom/holdmap.c -lxengnttab >"$B/holdmap.log" 2>&1
res $? holdmap "$(head -3 "$B/holdmap.log")"
