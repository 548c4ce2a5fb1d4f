# 36-dmabuf: the four dma-buf functions need a gntdev with CONFIG_XEN_GNTDEV_DMABUF, which no
# Debian kernel has. Into $B/tests/dmabuf (/tests/dmabuf in dom0):
#   xen-gntdev.ko   Debian's module rebuilt out of tree for the stack's exact kernel with the
#                   dma-buf ioctls (host/gntdev-dmabuf.sh: fetches linux-source and the headers
#                   of that version into .cache/lab/kernel at build time)
#   drm.ko drm_shmem_helper.ko vgem.ko   the stack's own modules (CONFIG_DRM_VGEM=m): vgem is
#                   the dma-buf exporter whose buffers the import test grants
#   dmabuf-lib.sh   the suites' module swap and vgem (compat/lab/dom0)
#   dmabuf          c-tests/dmabuf, compiled ONCE against OUR header (include/xengnttab.h) and
#                   linked to Debian's library (the SONAME), run with both in dom0
#   vgem-stdin      c-tests/dmabuf/vgem-stdin: runs a program with a vgem dma-buf as its stdin,
#                   for the safe Rust API's import (examples/dmabuf_roundtrip, which
#                   50-xengnt.build.sh builds with the other examples into $B/tests)
mkdir -p "$B/tests/dmabuf"
cp "$REPO/compat/lab/dom0/dmabuf-lib.sh" "$B/tests/dmabuf/"   # the module swap and vgem, for 36 and 78
"$REPO/compat/lab/host/gntdev-dmabuf.sh" "$W" "$REPO" "$B/tests/dmabuf/xen-gntdev.ko" > "$B/gntdev-dmabuf.log" 2>&1
res $? gntdev-dmabuf-module "$(grep -v '^INFO' "$B/gntdev-dmabuf.log" | tail -4 | tr '\n' ' ')"
grep '^INFO' "$B/gntdev-dmabuf.log"
ok=0
for m in drm drm_shmem_helper vgem/vgem; do cp "$KMOD/kernel/drivers/gpu/drm/$m.ko" "$B/tests/dmabuf/" || ok=1; done
res $ok vgem-modules "drm, drm_shmem_helper or vgem missing in $KMOD/kernel/drivers/gpu/drm"
cc -I"$REPO/include" -o "$B/tests/dmabuf/dmabuf" "$REPO"/c-tests/dmabuf/dmabuf.c "$REPO"/c-tests/diff/report.c \
  -lxengnttab -lpthread >"$B/dmabuf.log" 2>&1
res $? dmabuf "$(head -3 "$B/dmabuf.log")"
cc -o "$B/tests/dmabuf/vgem-stdin" "$REPO"/c-tests/dmabuf/vgem-stdin.c >"$B/vgem-stdin.log" 2>&1
res $? vgem-stdin "$(head -3 "$B/vgem-stdin.log")"
[ -f "$B/tests/dmabuf_roundtrip" ] || . "$SUITES/50-xengnt.build.sh"
# our header, not Debian's: the compiler's own list of the headers it read
HDR=$(cc_lab -M -I"$REPO/include" "$REPO"/c-tests/dmabuf/dmabuf.c 2>/dev/null | tr ' \\' '\n\n' | grep '/xengnttab\.h$' | head -1)
[ "$HDR" = "$REPO/include/xengnttab.h" ]; res $? dmabuf-used-our-header "xengnttab.h came from '$HDR'"
