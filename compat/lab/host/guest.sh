# guest.sh - the second domain, sourced by host/build.sh when a suite's build file set GUEST=1.
# Builds the PV guest's initramfs ($W/guest-initrd.cpio.gz: busybox, the Xen and block/ext4
# modules, the xenstore client, vchan-socket-proxy, $GUEST_TESTS from $B/tests, Debian's Xen
# libraries and ours in /opt/ours, its /init from compat/lab/guest/init) and adds to dom0's tree
# ($I) what runs a guest: xl, xenconsoled, Debian's QEMU for its qdisk disk (plus the keymap
# libxl makes it load), the guest's kernel, initramfs and xl config, the call tracer and the
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
mkdir -p "$I/usr/libexec" "$I/etc/xen" "$I/boot/guest" "$I/usr/share/qemu/keymaps"
cp "$R/usr/libexec/xen-qemu-system-i386" "$I/usr/libexec/"        # libxl's default device model
cp "$R/usr/share/qemu/keymaps/en-us" "$I/usr/share/qemu/keymaps/"  # without it QEMU exits at once
KVER=${KMOD##*/}
# The guest's kernel as the ELF inside Debian's bzImage (tree.sh): xl's domain builder would
# otherwise decompress it for every guest, 10-15 of the ~20 s from xl create to the guest's
# userspace under emulation; dom0's boot unpacks it once, with the initramfs.
vmlinux_of "$R/boot/vmlinuz-$KVER" "$I/boot/guest/vmlinux"
res $? guest-kernel-elf "no ELF kernel found in $R/boot/vmlinuz-$KVER"
cp "$W/guest-initrd.cpio.gz" "$I/boot/guest/initrd.cpio.gz"
cp "$LAB/guest/guest.cfg" "$I/etc/xen/guest.cfg"
printf 'autoballoon="off"\n' > "$I/etc/xen/xl.conf"
gcc -O2 -Wall -Werror -fPIC -shared -Wl,-soname,libgnttrace.so -o "$I/opt/gnttrace.so" "$LAB/tools/gnttrace.c" -ldl \
  > "$B/gnttrace.log" 2>&1
res $? gnttrace "$(head -3 "$B/gnttrace.log")"
for c in deb ours; do
  case $c in deb) pre=/opt/gnttrace.so ;; ours) pre=/opt/gnttrace.so:/opt/ours/libxengnttab.so.1 ;; esac
  sed -e "s|@PRELOAD@|$pre|" -e "s|@CFG@|$c|" "$LAB/guest/qemu-wrapper" > "$I/opt/qemu-$c"
  chmod +x "$I/opt/qemu-$c"
done
