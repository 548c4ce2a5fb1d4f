# tree.sh - helpers that build an initramfs tree, for dom0's (host/build.sh) and the guest's
# (host/guest.sh). Sourced; needs R (the extracted debs) and LA (/usr/lib/x86_64-linux-gnu).
tree_base() {   # tree_base <dir>: busybox and the directory skeleton
  local I=$1 a
  mkdir -p "$I"/{bin,sbin,etc,proc,sys,dev,tmp,run,var/lib,var/log,tests/suites,opt/ours,opt/vchan-ours,usr/bin,usr/sbin} \
           "$I"/usr/lib/xen-4.17/bin "$I$LA" "$I"/lib/x86_64-linux-gnu "$I"/lib64
  ln -s ../run "$I/var/run"
  cp /bin/busybox "$I/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"; done
  # the kernel runs /sbin/poweroff and /sbin/reboot itself (xl shutdown / xl reboot of a PV guest)
  for a in poweroff reboot halt; do ln -s ../bin/busybox "$I/sbin/$a"; done
  echo "root:x:0:0:root:/:/bin/sh" > "$I/etc/passwd"
}
tree_modules() {   # tree_modules <dir> <paths below kernel/, no suffix>...: stored as plain .ko
  local I=$1 m S D KVER
  KVER=$(ls "$R/lib/modules" | head -1)
  shift
  for m in "$@"; do
    S=$R/lib/modules/$KVER/kernel/$m D=$I/lib/modules/$KVER/kernel/$m.ko
    mkdir -p "$(dirname "$D")"
    if [ -f "$S.ko" ]; then cp "$S.ko" "$D"
    elif [ -f "$S.ko.xz" ]; then xz -dc "$S.ko.xz" > "$D"      # Linux 6.12 ships compressed modules
    else echo "module $m not found for $KVER" >&2; return 1; fi
  done
}
tree_xenstore_client() {   # the xenstore client: one multi-call binary
  cp "$R/usr/bin/xenstore" "$1/usr/bin/"
  local l
  for l in read write ls list rm exists chmod watch; do ln -sf xenstore "$1/usr/bin/xenstore-$l"; done
}
tree_libs() {   # tree_libs <dir>: Debian's Xen libraries (the reference) + glibc & co for every ELF file
  local I=$1
  cp -a "$R$LA"/*.so* "$I$LA/"
  find "$I" -type f \( -perm -u+x -o -name '*.so*' \) | while read -r f; do
    head -c 4 "$f" | grep -q ELF || continue
    LD_LIBRARY_PATH=$R$LA ldd "$f" 2>/dev/null | awk '/=> \/(lib|usr\/lib)\/x86_64/ {print $3}' || true
  done | sort -u | while read -r lib; do
    case "$lib" in "$R"/*) ;; *) cp -Ln "$lib" "$I/lib/x86_64-linux-gnu/" ;; esac
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$I/lib64/"
  cp -Ln /lib/x86_64-linux-gnu/libgcc_s.so.1 "$I/lib/x86_64-linux-gnu/"   # pthread_cancel (proxy), Rust
}
tree_pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }
