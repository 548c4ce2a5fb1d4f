# tree.sh - helpers that build an initramfs tree, for dom0's (host/build.sh) and the guest's
# (host/guest.sh). Sourced; needs R (the extracted debs) and ARCH (host/arch.sh, sourced here:
# MA, LA=/usr/lib/$MA).
# What differs between the stacks (compat/lab/stacks/) is read from the debs themselves:
#   XV     the Xen version (4.17, 4.20): the tools' folder /usr/lib/xen-$XV/bin
#   KMOD   the kernel's module folder (trixie's is under /usr/lib/modules)
#   LDSO   the dynamic loader that lists and runs the binaries: the stack's own when its debs
#          bring glibc (trixie's Xen libraries need glibc 2.38), else the host's (bookworm's);
#          Arm's (host/arch.sh's name) is not run on the host: its libraries are listed by readelf
. "$(dirname "${BASH_SOURCE[0]}")/arch.sh"
XV=$(ls "$R/usr/lib" | sed -n 's/^xen-\([0-9.]*\)$/\1/p' | head -1)
KMOD=$(ls -d "$R"/lib/modules/* "$R"/usr/lib/modules/* 2>/dev/null | head -1)
if [ "$ARCH" = amd64 ]; then
  LDSO=$R$LA/ld-linux-x86-64.so.2
  [ -f "$LDSO" ] || LDSO=/lib64/ld-linux-x86-64.so.2
else
  LDSO=$R/lib/$LDSO_NAME
fi
tree_base() {   # tree_base <dir>: busybox and the directory skeleton
  local I=$1 a
  mkdir -p "$I"/{bin,sbin,etc,proc,sys,dev,tmp,run,var/lib,var/log,tests/suites,opt/ours,opt/vchan-ours,usr/bin,usr/sbin} \
           "$I"/usr/lib/xen-$XV/bin "$I$LA" "$I"/lib/$MA
  [ "$ARCH" = amd64 ] && mkdir -p "$I"/lib64
  ln -s ../run "$I/var/run"
  echo "$MA" > "$I/etc/multiarch"   # dom0/lib.sh, dom0/init: uname -m says armv7l on armhf
  # Arm: the stack's busybox-static (the host's is x86), with the applet list of the host's,
  # the same Debian version of the same package (host/prepare.sh installs it)
  if [ "$ARCH" = amd64 ]; then cp /bin/busybox "$I/bin/busybox"; else cp "$R/bin/busybox" "$I/bin/busybox"; fi
  for a in $(/bin/busybox --list); do [ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"; done
  # the kernel runs /sbin/poweroff and /sbin/reboot itself (xl shutdown / xl reboot of a PV guest)
  for a in poweroff reboot halt; do ln -s ../bin/busybox "$I/sbin/$a"; done
  echo "root:x:0:0:root:/:/bin/sh" > "$I/etc/passwd"
}
tree_modules() {   # tree_modules <dir> <paths below kernel/, no suffix>...: stored as plain .ko
  local I=$1 m S D KVER=${KMOD##*/}
  shift
  for m in "$@"; do
    S=$KMOD/kernel/$m D=$I/lib/modules/$KVER/kernel/$m.ko
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
tree_libs() {   # tree_libs <dir>: Debian's Xen libraries (the reference) + what every ELF file needs
  local I=$1 log=$1.libs
  cp -a "$R$LA"/libxen*.so* "$I$LA/"
  [ "$ARCH" = amd64 ] || { tree_libs_readelf "$I"; return; }
  # listed by the loader that will run them; a library only the host has is an error when the
  # stack brings its own glibc (it would mix two glibc releases in dom0)
  find "$I" -type f \( -perm -u+x -o -name '*.so*' \) | while read -r f; do
    readelf -d "$f" 2>/dev/null | grep -q NEEDED || continue     # not ELF, or static (--list would crash)
    "$LDSO" --library-path "$R$LA:$R/lib/x86_64-linux-gnu" --list "$f" 2>&1 | sed "s|^|$f: |"
  done > "$log"
  if grep -q 'not found' "$log"; then echo "FAIL build/initramfs-libs: $(grep -m2 'not found' "$log" | tr '\n' ' ')"; return 1; fi
  awk '/=> \// {print $4}' "$log" | sort -u | while read -r lib; do
    case "$lib" in
      "$R"/*) cp -Ln "$lib" "$I$LA/" ;;
      *) [ "$LDSO" = /lib64/ld-linux-x86-64.so.2 ] || { echo "FAIL build/initramfs-libs: $lib from the host, not the stack"; return 1; }
         cp -Ln "$lib" "$I/lib/x86_64-linux-gnu/" ;;
    esac
  done || return 1
  cp -L "$LDSO" "$I/lib64/ld-linux-x86-64.so.2"
  local gccs=$R$LA/libgcc_s.so.1
  [ -f "$gccs" ] || gccs=/lib/x86_64-linux-gnu/libgcc_s.so.1
  cp -Ln "$gccs" "$I$LA/"   # pthread_cancel's unwinder (vchan-socket-proxy), Rust
}
tree_libs_readelf() {   # tree_libs_readelf <dir>: the NEEDED closure of every ELF file in <dir>,
  # found in the stack's debs only (Arm: every library comes from the stack), by readelf
  local I=$1 log=$1.libs f n d src added=1 pass=0
  : > "$log"
  while [ $added = 1 ] && [ $pass -lt 20 ]; do
    added=0 pass=$((pass + 1))
    for f in $(find "$I" -type f \( -perm -u+x -o -name '*.so*' \)); do
      for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
        { [ -e "$I$LA/$n" ] || [ "/lib/$n" = "${LDSO#$R}" ]; } && continue
        src=
        for d in "$R$LA" "$R/lib/$MA"; do [ -e "$d/$n" ] && { src=$d/$n; break; }; done
        if [ -z "$src" ]; then grep -q "^$n " "$log" || echo "$n not found (needed by ${f#$I})" >> "$log"; continue; fi
        cp -L "$src" "$I$LA/$n"; added=1; echo "$n => $src (needed by ${f#$I})" >> "$log"
      done
    done
  done
  if grep -q 'not found' "$log"; then echo "FAIL build/initramfs-libs: $(grep -m2 'not found' "$log" | tr '\n' ' ')"; return 1; fi
  cp -L "$LDSO" "$I/lib/$(basename "$LDSO")"
  cp -Ln "$R/lib/$MA/libgcc_s.so.1" "$I$LA/"   # dlopened: pthread_cancel's unwinder, Rust
}
# xen_kernel <the stack's vmlinuz> <out>: the kernel as Xen loads it, for dom0 (from QEMU) and for
# the guest (from xl's domain builder): x86's ELF, Arm's Image
xen_kernel() {
  if [ "$ARCH" = amd64 ]; then vmlinux_of "$1" "$2"
  else cp "$1" "$2"; fi     # arm64's vmlinuz is a plain Image (EFI stub), armhf's a zImage Xen loads
}
# vmlinux_of <bzImage> <out>: the kernel's ELF, decompressed on the host once (6.1's payload is
# xz, 6.12's zstd), so that neither Xen nor xl decompresses it again at every boot under emulation.
vmlinux_of() {   # the first xz, zstd or gzip stream that decompresses to an ELF
  local magic tool off
  for magic in '\3757zXZ:xz' '\050\265\057\375:zstd' '\037\213\010:gzip'; do
    tool=${magic##*:}
    for off in $(grep -abo "$(printf "${magic%:*}")" "$1" | cut -d: -f1 | head -3); do
      tail -c +$((off + 1)) "$1" | $tool -dc 2>/dev/null > "$2.tmp"
      if [ -s "$2.tmp" ] && readelf -h "$2.tmp" >/dev/null 2>&1; then mv "$2.tmp" "$2"; return 0; fi
    done
  done
  rm -f "$2.tmp"; return 1
}
# stack_tools <package>...: prints the root a suite's build file copies these Debian packages'
# programs from (its usr/bin, usr/libexec, usr/include). amd64: the host's own "/" (dom0 runs the
# host's Debian 12 programs), the packages installed when missing. Arm: the stack's debs of them
# (the host's are x86), downloaded once through the stack's apt configuration
# (.cache/lab/apt-<arch>, as host/prepare.sh) into .cache/lab/debs/tools-<arch>-<package> and
# extracted into $W/tools-root; tree_libs_readelf finds what they link against in the stack's
# debs (valgrind's and strace's: libc alone). Fails, saying why on stderr, if a package is missing.
stack_tools() {
  local p need= dir
  if [ "$ARCH" = amd64 ]; then
    for p in "$@"; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"; done
    [ -z "$need" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >&2 || return 1
    echo /; return 0
  fi
  . "$REPO/compat/private-apt.sh"
  private_apt "$REPO/.cache/lab/apt-$ARCH" bookworm "$ARCH" updates
  for p in "$@"; do
    dir=$REPO/.cache/lab/debs/tools-$ARCH-$p
    [ -f "$dir/.done" ] || { apt_download "$dir" "$p" && touch "$dir/.done"; } || return 1
    dpkg -x "$dir"/*.deb "$W/tools-root" || return 1
  done
  echo "$W/tools-root"
}
tree_pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }
