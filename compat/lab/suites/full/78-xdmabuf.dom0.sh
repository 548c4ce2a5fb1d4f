# 78-xdmabuf: the dma-buf functions across domains. Import: dom0 imports a vgem buffer to refs
# for a guest; the guest maps them (xengnttab_map_domain_grant_refs), sees the buffer's bytes
# and writes its own, which dom0 then reads through the buffer's mmap; after dom0's
# imp_release the refs no longer map in the guest. Export: the guest shares pages, dom0
# exports the guest's grants as a dma-buf (an auto-translated dom0: a dma-buf, which imp_to_refs
# takes, but Xen refuses to map refs of its pages, foreign mappings; released once closed; a PV
# dom0's gntdev refuses the export with EINVAL); the guest's pages stay as they were. The same library on both sides, Debian's
# (deb) and ours (lp). The rebuilt gntdev must be loaded while nothing holds /dev/xen/gntdev,
# so the suite destroys the guest the suites before left, stops the daemons, swaps the module
# (dom0/dmabuf-lib.sh), starts the daemons and a guest of its own, and at the end puts Debian's
# module back. 78-xdmabuf.host.sh checks every record (c-tests/dmabuf/dmabuf-check.awk) and
# compares ours with Debian's, on each side.
# budget: 400   (seconds; dom0 stops the suite after that: compat/lab/README.md)
. $T/dmabuf/dmabuf-lib.sh
gdestroy
why=$(gntdev_replace $D/xen-gntdev.ko)
[ -z "$why" ] && [ "$(dmabuf_handlers)" -ge 4 ] && r "PASS xdmabuf/module/rebuilt: loaded with no guest and the daemons stopped" ||
  r "FAIL xdmabuf/module/rebuilt: ${why:-no dma-buf handlers in kallsyms}"
why=$(vgem_load)
[ -z "$why" ] && r "PASS xdmabuf/vgem: loaded" || r "FAIL xdmabuf/vgem: $why"
daemons deb
if gcreate gd; then
  X=/tmp/xd
  for c in deb lp; do
    rm -rf $X; mkdir -p $X
    s=$(up)
    run $c timeout 300 $D/dmabuf to-guest $G $X > /tmp/xd-dom0-$c.out 2>&1 &
    P=$!
    waitsize $X/refs 2 30
    refs=$(cat $X/refs 2>/dev/null)
    gx 60 "run $c /tests/dmabuf in-guest 0 $refs" > /tmp/xd-guest-$c.out; grc=$?
    touch $X/written
    waitsize $X/released 1 30
    gx 60 "run $c /tests/dmabuf in-guest-gone 0 $refs" >> /tmp/xd-guest-$c.out; grc2=$?
    touch $X/end
    wait $P; rc=$?
    # the other way: the guest shares pages, dom0 exports its grants (EINVAL on a PV dom0)
    gx 30 "rm -rf /tmp/xs; mkdir -p /tmp/xs; ( run $c /tests/dmabuf share-for 0 /tmp/xs > /tmp/xs.out 2>&1; echo \$? > /tmp/xs.rc ) &" > /dev/null
    grefs=$(gx 30 'n=0; while [ ! -s /tmp/xs/refs ] && [ $n -lt 100 ]; do usleep 100000; n=$((n + 1)); done; cat /tmp/xs/refs')
    run $c timeout 60 $D/dmabuf export-of $G $grefs >> /tmp/xd-dom0-$c.out 2>&1; erc=$?
    grep -q '^xd\.exp\.bytes: .*\[ok\]$' /tmp/xd-dom0-$c.out && w=wrote || w=none   # what the guest's pages must hold
    gx 30 "echo $w > /tmp/xs/check" > /dev/null
    gx 60 'n=0; while [ ! -s /tmp/xs.rc ] && [ $n -lt 300 ]; do usleep 100000; n=$((n + 1)); done; cat /tmp/xs.out' >> /tmp/xd-guest-$c.out
    grc3=$(gx 30 'cat /tmp/xs.rc')
    echo "SHOW TIMING xdmabuf/$c: $(since $s)s" >> /tmp/raw
    sed "s/^/@@xdmabuf-dom0 $c /" /tmp/xd-dom0-$c.out >> /tmp/raw
    echo "@@xdmabuf-dom0-rc $c $rc" >> /tmp/raw
    echo "@@xdmabuf-dom0-rc $c $erc" >> /tmp/raw
    sed "s/^/@@xdmabuf-guest $c /" /tmp/xd-guest-$c.out >> /tmp/raw
    echo "@@xdmabuf-guest-rc $c $grc" >> /tmp/raw
    echo "@@xdmabuf-guest-rc $c $grc2" >> /tmp/raw
    echo "@@xdmabuf-guest-rc $c ${grc3:-none}" >> /tmp/raw
  done
  gdestroy
else
  r "FAIL xdmabuf: no guest"
fi
# Debian's module back (the daemons with it)
vgem_unload
why=$(gntdev_replace $KM/xen-gntdev.ko)
[ -z "$why" ] && [ "$(dmabuf_handlers)" = 0 ] && r "PASS xdmabuf/module/restored: Debian's xen-gntdev back" ||
  r "FAIL xdmabuf/module/restored: ${why:-dma-buf handlers still in kallsyms}"
daemons deb
