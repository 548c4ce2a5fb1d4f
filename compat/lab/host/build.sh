#!/bin/bash
# Build the dom0 test programs and the initramfs.
#   - every suite of the mode brings its own programs: compat/lab/suites/<mode>/*.build.sh is
#     sourced here (helpers cc, res; variables W REPO B LA OURS_LIB D XSRC MODE) and leaves them
#     in $B/tests, which becomes /tests in dom0 (ELF files there get their libraries copied)
#   - always built, for any suite: vchan-node1/2: upstream tools/vchan/{node,node-select}.c against
#     the stack's Debian libxenvchan
#   - libxenvchan.so.<xen version> rebuilt from the same source package against OUR installed header,
#     linked to our library through `pkg-config --cflags --libs xengnttab` (our .pc files)
# Prints "PASS/FAIL build/..." lines for the checks it makes (the caller counts them).
# usage: build.sh <workdir> <repo> <ours-lib> <ours-destdir> <xen-src> <mode>
set -uo pipefail
W=$1 REPO=$2 OURS_LIB=$3 D=$4 XSRC=$5 MODE=$6
B=$W/build
R=$W/root                 # the stack's extracted debs (host/prepare.sh)
. "$REPO/compat/lab/host/tree.sh"      # and host/arch.sh: ARCH, LA, cc_lab (arm64: cross-compiled)
rm -rf "$B"; mkdir -p "$B/vchan-ours" "$B/tests"
res() { if [ "$1" = 0 ]; then echo "PASS build/$2"; else echo "FAIL build/$2: ${3:-see $B/*.log}"; fi; }
cc() { cc_lab -O2 -Wall -Werror "$@"; }
# libxenvchan's SONAME follows the Xen version, and its version node changed with 4.20
# (VERS_4.17.0, then libxenvchan_4.20.0): vchan-socket-proxy binds to the node, so the rebuild
# below defines the one Debian's library of this stack has.
VSO=libxenvchan.so.$XV
VNODE=$(readelf -V "$R$LA/$VSO" 2>/dev/null | awk '/Name:/ && !/BASE/ {print $NF; exit}')
echo "INFO xen $XV, $VSO, version node ${VNODE:-?}"
[ -n "$VNODE" ]; res $? "stack-libxenvchan" "no version node in $R$LA/$VSO"

# upstream vchan test programs (not packaged by Debian), against the stack's libxenvchan. The
# vchan sources are Debian 12's (Debian's mirror has no trixie xen source; upstream's vchan
# code differs only cosmetically up to 4.20). A newer stack's library needs a newer glibc than
# the host's (trixie's libxenstore: __isoc23_strtol@GLIBC_2.38), hence --allow-shlib-undefined;
# the programs themselves need only the host's glibc symbols and run on the stack's.
VLINK="-L$R$LA -l:$VSO -Wl,-rpath-link,$R$LA -Wl,--allow-shlib-undefined"
cc_lab -O2 -o "$B/tests/vchan-node1" "$XSRC/tools/vchan/node.c" $VLINK >"$B/node1.log" 2>&1 &&
  cc_lab -O2 -o "$B/tests/vchan-node2" "$XSRC/tools/vchan/node-select.c" $VLINK >>"$B/node1.log" 2>&1
res $? vchan-node1+2 "$(head -3 "$B/node1.log")"

# libxenvchan from source against our installed header + pkg-config files
export PKG_CONFIG_SYSROOT_DIR=$D
export PKG_CONFIG_PATH=$D$LA/pkgconfig:$D/usr/share/pkgconfig:$LA/pkgconfig:/usr/share/pkgconfig
PC=$(pkg-config --cflags --libs xengnttab 2>"$B/pc.log")
res $? pkg-config-xengnttab "$(head -2 "$B/pc.log")"
echo "INFO pkg-config --cflags --libs xengnttab: $PC"
echo "$VNODE { global: libxenvchan_*; local: *; };" > "$B/libxenvchan.map"
# -Werror as upstream: init.c includes both xengnttab.h and xen/sys/gntdev.h (GNTDEV_DMA_FLAG_* trap)
SRCS="$XSRC/tools/libs/vchan/init.c $XSRC/tools/libs/vchan/io.c"
cc_lab -O2 -Wall -Werror -fPIC -shared -I"$XSRC/tools/libs/vchan" $PC -o "$B/vchan-ours/$VSO" \
  -Wl,-soname,$VSO -Wl,--version-script="$B/libxenvchan.map" $SRCS \
  $PC -lxenstore -lxenevtchn >"$B/vchan-ours.log" 2>&1
res $? libxenvchan-rebuilt-against-ours "$(head -3 "$B/vchan-ours.log")"
# prove the build used our header, not /usr/include/xengnttab.h
HDR=$(cc_lab -M -I"$XSRC/tools/libs/vchan" $(pkg-config --cflags xengnttab) "$XSRC/tools/libs/vchan/init.c" 2>/dev/null |
      tr ' \\' '\n\n' | grep '/xengnttab\.h$' | head -1)
case "$HDR" in "$D"/*) res 0 libxenvchan-used-our-header;; *) res 1 libxenvchan-used-our-header "xengnttab.h came from '$HDR'";; esac
NEED=$(readelf -d "$B/vchan-ours/$VSO" 2>/dev/null | grep -c 'NEEDED.*libxengnttab.so.1')
[ "$NEED" = 1 ]; res $? libxenvchan-rebuilt-needs-libxengnttab.so.1
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH

SUITES=$REPO/compat/lab/suites/$MODE
PICK=${LAB_SUITES:?}      # run-lab's choice: LAB_SUITES or the stack's suites
. "$REPO/compat/lab/host/suites.sh"
[ -n "$(suite_files dom0.sh)" ]; res $? "suites-of-mode-$MODE" "no suite of $SUITES matches '$PICK'"
for f in $(suite_files build.sh); do . "$f"; done

# ------------------------------------------------------------------ initramfs
I=$W/initrd
rm -rf "$I"
tree_base "$I"
mkdir -p "$I"/var/lib/xenstored
XENMODS="drivers/xen/xen-privcmd drivers/xen/xenfs/xenfs drivers/xen/xen-evtchn drivers/xen/xen-gntdev drivers/xen/xen-gntalloc"
tree_modules "$I" $XENMODS $DOM0_STREAM_MODS ||
  res 1 dom0-modules "missing kernel modules"
for b in xenstored xen-init-dom0 vchan-socket-proxy; do cp "$R/usr/lib/xen-$XV/bin/$b" "$I/usr/lib/xen-$XV/bin/"; done
tree_xenstore_client "$I"
cp -a "$B"/tests/. "$I/tests/"
# the library under test: a plain file named by its SONAME, so /proc/PID/maps shows this path
cp -L "$OURS_LIB" "$I/opt/ours/libxengnttab.so.1"
cp "$B/vchan-ours/$VSO" "$I/opt/vchan-ours/" 2>/dev/null
if [ "$ARCH" = amd64 ]; then    # dom0's result stream (host/arch.sh); arm64's is a virtio port
  gcc -O2 -Wall -Werror -o "$I/opt/portcat" "$REPO/compat/lab/tools/portcat.c"
  res $? portcat
fi
cp "$REPO/compat/lab/dom0/init" "$I/init"
cp "$REPO/compat/lab/dom0/lib.sh" "$REPO/compat/lab/dom0/suite.sh" "$I/tests/"
cp $(suite_files dom0.sh) "$I/tests/suites/"
chmod +x "$I/init"
echo "$MODE" > "$I/etc/labmode"
echo "$DOM0_STREAM_MODS" > "$I/etc/lab-stream-modules"   # dom0/init loads them for its stream
# a suite that needs the second domain sets GUEST=1 in its build file: the guest's kernel and
# initramfs, xl, xenconsoled and Debian's QEMU for its disk go into dom0's tree
if [ -n "${GUEST:-}" ]; then . "$REPO/compat/lab/host/guest.sh"; fi
# dom0's kernel as an ELF too (tree.sh: Xen would decompress the bzImage at every boot); arm64's Image
xen_kernel "$(ls "$R"/boot/vmlinuz-* | head -1)" "$W/vmlinux"
res $? dom0-kernel-elf "no ELF kernel in $(ls "$R"/boot/vmlinuz-*)"
tree_libs "$I" && res 0 initramfs-libs
tree_pack "$I" "$W/initrd.cpio.gz"
res $? initramfs
