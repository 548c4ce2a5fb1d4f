# guest.sh - the second domain, sourced by host/build.sh when a suite's build file set GUEST=1.
# Builds the guest's initramfs ($W/guest-initrd.cpio.gz: busybox, the Xen and block/ext4
# modules, the xenstore client, vchan-socket-proxy, $GUEST_TESTS from $B/tests, Debian's Xen
# libraries and ours in /opt/ours, its /init from compat/lab/guest/init) and adds to dom0's tree
# ($I) what runs a guest: xl, xenconsoled, the guest's kernel, initramfs and xl config (of type
# $GUEST_TYPE, host/arch.sh), the call tracer and, where the stack has Debian's QEMU ($GUEST_DM:
# amd64), that QEMU for the guest's qdisk disk (plus the keymap libxl makes it load) and the
# device-model wrappers /opt/qemu-deb and /opt/qemu-ours.
LAB=$REPO/compat/lab
GI=$W/guest-initrd
rm -rf "$GI"; tree_base "$GI"
tree_modules "$GI" $XENMODS drivers/block/xen-blkfront lib/crc16 fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4 crypto/crc32c_generic ||
  res 1 guest-modules "missing kernel modules"
tree_xenstore_client "$GI"
cp "$R/usr/lib/xen-$XV/bin/vchan-socket-proxy" "$GI/usr/lib/xen-$XV/bin/"
for t in ${GUEST_TESTS:-}; do cp "$B/tests/$t" "$GI/tests/" || res 1 "guest-test-$t"; done
cp -L "$OURS_LIB" "$GI/opt/ours/libxengnttab.so.1"
cp "$B/vchan-ours/$VSO" "$GI/opt/vchan-ours/"
cp "$LAB/guest/init" "$GI/init"; chmod +x "$GI/init"
cp "$LAB/dom0/lib.sh" "$GI/tests/lib.sh"
tree_libs "$GI"
tree_pack "$GI" "$W/guest-initrd.cpio.gz"
res $? guest-initramfs

# dom0: the toolstack, the console daemon, the device model
cp "$LAB/dom0/guest.sh" "$I/tests/guest.sh"
for b in xenconsoled xenconsole xl libxl-save-helper; do cp "$R/usr/lib/xen-$XV/bin/$b" "$I/usr/lib/xen-$XV/bin/"; done
mkdir -p "$I/etc/xen" "$I/boot/guest"
KVER=${KMOD##*/}
# The guest's kernel as Xen loads it (tree.sh): on x86 the ELF inside Debian's bzImage, else xl's
# domain builder would decompress it for every guest, 10-15 of the ~20 s from xl create to the
# guest's userspace under emulation (dom0's boot unpacks it once, with the initramfs); on Arm
# the plain Image Debian ships.
xen_kernel "$R/boot/vmlinuz-$KVER" "$I/boot/guest/kernel"
res $? guest-kernel "no kernel for Xen found in $R/boot/vmlinuz-$KVER"
cp "$W/guest-initrd.cpio.gz" "$I/boot/guest/initrd.cpio.gz"
sed "s|@TYPE@|$GUEST_TYPE|" "$LAB/guest/guest.cfg" > "$I/etc/xen/guest.cfg"
printf 'autoballoon="off"\n' > "$I/etc/xen/xl.conf"
cc_lab -O2 -Wall -Werror -fPIC -shared -Wl,-soname,libgnttrace.so -o "$I/opt/gnttrace.so" "$LAB/tools/gnttrace.c" -ldl \
  > "$B/gnttrace.log" 2>&1
res $? gnttrace "$(head -3 "$B/gnttrace.log")"
[ -n "$GUEST_DM" ] || return 0     # no device model on this stack (host/arch.sh): no qdisk disk
mkdir -p "$I/usr/libexec" "$I/usr/share/qemu/keymaps"
cp "$R$GUEST_DM" "$I/usr/libexec/"                                 # libxl's default device model
cp "$R/usr/share/qemu/keymaps/en-us" "$I/usr/share/qemu/keymaps/"  # without it QEMU exits at once
for c in deb ours; do
  case $c in deb) pre=/opt/gnttrace.so ;; ours) pre=/opt/gnttrace.so:/opt/ours/libxengnttab.so.1 ;; esac
  sed -e "s|@PRELOAD@|$pre|" -e "s|@CFG@|$c|" -e "s|@DM@|$GUEST_DM|" "$LAB/guest/qemu-wrapper" > "$I/opt/qemu-$c"
  chmod +x "$I/opt/qemu-$c"
done
