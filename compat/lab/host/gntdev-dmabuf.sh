#!/bin/bash
# gntdev-dmabuf.sh <workdir> <repo> <out.ko>: Debian's xen-gntdev.ko rebuilt, out of tree, for the
# stack's exact kernel with the dma-buf ioctls compiled in (CONFIG_XEN_GNTDEV_DMABUF and the
# CONFIG_XEN_GRANT_DMA_ALLOC it depends on; no Debian kernel sets either: the ioctls give ENOTTY).
# The recipe, measured: shared/xenlab/arm64/README.md step 3 (build-gntdev.sh).
#   - the kernel: the stack's linux-image deb in <workdir>/debs (host/prepare.sh): its package
#     name gives the ABI (linux-image-6.1.0-57-arm64), its version the source (6.1.192-3)
#   - fetched at build time, never committed, into <repo>/.cache/lab/kernel/<release>/ (gitignored):
#     linux-source-<x.y>, linux-headers-<abi>-common and linux-headers-<abi>-<arch> of exactly that
#     version, through the stack's apt configuration (arm64: .cache/lab/apt-arm64, as
#     host/prepare.sh; amd64: the machine's), and linux-kbuild-<x.y>:amd64 (fixdep, modpost,
#     objtool: programs that run on this x86 host) through the machine's apt
#   - cached: the headers, extracted (.cache/lab/kernel/<release>/khdr), and the five source files
#     the module needs, out of the 140 MB tarball (gntdev*.{c,h} and grant-table.c:
#     .cache/lab/kernel/linux-source-<version>); the debs are dropped once extracted; the module
#     itself is built every time (4-7 s)
#   - gnttab_dma_alloc_pages/_free_pages are compiled out of the built-in grant-table.c: the
#     module carries them, unexported (gntdev-dma-alloc.c, generated from grant-table.c)
# Prints "INFO ..." lines; exits non-zero, saying why on stderr, when anything is missing.
set -euo pipefail
W=$1 REPO=$2 OUT=$3
C=$REPO/.cache/lab
. "$REPO/compat/lab/host/arch.sh"          # ARCH (from the stack, exported by run-lab)
. "$REPO/compat/private-apt.sh"            # private_apt, apt_download

KDEB=$(ls "$W"/debs/linux-image-*.deb 2>/dev/null | head -1)
[ -n "$KDEB" ] || { echo "no linux-image deb in $W/debs" >&2; exit 1; }
KPKG=$(dpkg-deb -f "$KDEB" Package) KV=$(dpkg-deb -f "$KDEB" Version)
KREL=${KPKG#linux-image-}                  # 6.1.0-57-arm64
KABI=${KREL%-"$ARCH"}                      # 6.1.0-57
XY=$(echo "$KV" | cut -d. -f1,2)           # 6.1
[ "$KABI" != "$KREL" ] || { echo "cannot take the ABI out of $KPKG (ARCH=$ARCH)" >&2; exit 1; }
K=$C/kernel/$KREL
echo "INFO kernel $KPKG $KV: linux-source-$XY, linux-headers-$KABI-{common,$ARCH}, linux-kbuild-$XY:amd64 ($K)"

# 1. the headers, once per kernel release: downloaded, extracted (nothing goes to the host's
# /usr/src), the debs dropped
H=$K/khdr/usr/src/linux-headers-$KREL
if [ ! -f "$K/khdr/.done" ]; then
  APT=()
  [ "$ARCH" = amd64 ] || private_apt "$C/apt-$ARCH" bookworm "$ARCH" updates
  apt_download "$K/debs" "linux-headers-$KABI-common=$KV" "linux-headers-$KABI-$ARCH=$KV" >&2
  APT=()                                   # the host's tools: the machine's apt, amd64
  apt_download "$K/debs-host" "linux-kbuild-$XY:amd64=$KV" >&2
  rm -rf "$K/khdr"; mkdir -p "$K/khdr"
  for d in "$K"/debs/*.deb "$K"/debs-host/*.deb; do dpkg -x "$d" "$K/khdr"; done
  # the per-arch Makefile is one line, `include /usr/src/linux-headers-<abi>-common/Makefile`:
  # point it at the extracted copy (the common Makefile derives srctree from its own path); the
  # per-arch scripts/ link to ../../lib/linux-kbuild-<x.y>, the amd64 kbuild extracted alongside
  sed -i "s|^include /usr/src/|include $K/khdr/usr/src/|" "$H/Makefile"
  rm -rf "$K/debs" "$K/debs-host"
  touch "$K/khdr/.done"
fi
# 2. the five source files, once per source version (the same for every architecture): out of
# the 140 MB tarball in linux-source-<x.y>, which is dropped afterwards
S=$C/kernel/linux-source-$KV
if [ ! -f "$S/.done" ]; then
  APT=()
  [ "$ARCH" = amd64 ] || private_apt "$C/apt-$ARCH" bookworm "$ARCH" updates
  apt_download "$S.deb" "linux-source-$XY=$KV" >&2
  rm -rf "$S" "$S.tar"; mkdir -p "$S" "$S.tar"
  dpkg-deb --fsys-tarfile "$S.deb"/linux-source-"$XY"_*_all.deb |
    tar xf - -C "$S.tar" --wildcards "*linux-source-$XY.tar.xz"
  tar xJf "$S.tar/usr/src/linux-source-$XY.tar.xz" -C "$S.tar" --wildcards \
    "linux-source-$XY/drivers/xen/gntdev*" "linux-source-$XY/drivers/xen/grant-table.c"
  cp "$S.tar/linux-source-$XY"/drivers/xen/{gntdev.c,gntdev-dmabuf.c,gntdev-common.h,gntdev-dmabuf.h,grant-table.c} "$S/"
  rm -rf "$S.tar" "$S.deb"
  touch "$S/.done"
fi

# 3. the module, built every time (in <workdir>, from the cached files). The kbuild programs are
# extracted, not installed, so their libraries are the host's: objtool (x86) needs libelf.so.1
# (and zlib); a host without libelf1 gets it installed, as host/prepare.sh installs its tools
if ! dpkg-query -W -f '${Status}' libelf1 2>/dev/null | grep -q 'ok installed'; then
  apt-get install -y --no-install-recommends libelf1 >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends libelf1 >/dev/null; } >&2
fi
O=$W/gntdev-dmabuf
rm -rf "$O"; mkdir -p "$O"
cp "$S"/{gntdev.c,gntdev-dmabuf.c,gntdev-common.h,gntdev-dmabuf.h} "$O/"
# gnttab_dma_alloc_pages/gnttab_dma_free_pages, cut out of grant-table.c. Their helper
# xenmem_reservation_scrub_page() reads xen_scrub_pages, which vmlinux does not export: always
# scrub instead (Debian's kernels set CONFIG_XEN_SCRUB_PAGES_DEFAULT=y anyway).
{ cat <<'EOF'
/* generated by compat/lab/host/gntdev-dmabuf.sh from drivers/xen/grant-table.c (its
 * CONFIG_XEN_GRANT_DMA_ALLOC part, unexported) */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/dma-mapping.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/grant_table.h>
#include <xen/mem-reservation.h>
#define xenmem_reservation_scrub_page(page) clear_highpage(page)
EOF
  echo '/**'
  sed -n '/^ \* gnttab_dma_alloc_pages - /,/^EXPORT_SYMBOL_GPL(gnttab_dma_free_pages);/p' "$S/grant-table.c" | grep -v '^EXPORT_SYMBOL'
} > "$O/gntdev-dma-alloc.c"
grep -q 'int gnttab_dma_alloc_pages' "$O/gntdev-dma-alloc.c" && grep -q 'int gnttab_dma_free_pages' "$O/gntdev-dma-alloc.c" ||
  { echo "gnttab_dma_alloc_pages/_free_pages not found in $S/grant-table.c" >&2; exit 1; }
cat > "$O/Kbuild" <<'EOF'
obj-m := xen-gntdev.o
xen-gntdev-y := gntdev.o gntdev-dmabuf.o gntdev-dma-alloc.o
ccflags-y := -DCONFIG_XEN_GRANT_DMA_ALLOC=1 -DCONFIG_XEN_GNTDEV_DMABUF=1
EOF
X=()
[ "$ARCH" = amd64 ] || X=(ARCH="$ARCH" CROSS_COMPILE=aarch64-linux-gnu-)
T0=$(date +%s.%N)
make -C "$H" M="$O" "${X[@]}" modules > "$O/make.log" 2>&1 || { tail -20 "$O/make.log" >&2; exit 1; }
echo "INFO module built in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s, $(stat -c %s "$O/xen-gntdev.ko") bytes"
# the module is for this kernel, and has the dma-buf ioctls
VM=$(readelf -p .modinfo "$O/xen-gntdev.ko" | sed -n 's/.*vermagic=\([^ ]*\).*/\1/p')
[ "$VM" = "$KREL" ] || { echo "vermagic '$VM', want $KREL" >&2; exit 1; }
SYMS=$(nm "$O/xen-gntdev.ko")            # (not piped into grep -q: pipefail would see nm's SIGPIPE)
for f in gntdev_ioctl_dmabuf_exp_from_refs gntdev_ioctl_dmabuf_imp_to_refs gnttab_dma_alloc_pages; do
  grep -q " [Tt] $f$" <<< "$SYMS" || { echo "$f not in the module" >&2; exit 1; }
done
echo "INFO $(readelf -p .modinfo "$O/xen-gntdev.ko" | grep -o -e 'vermagic=.*' -e 'import_ns=.*' | tr '\n' ' ')"
cp "$O/xen-gntdev.ko" "$OUT"
