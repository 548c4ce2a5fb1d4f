#!/bin/bash
# Host preparation: install tools, download the stack's Xen + kernel + runtime debs (cached),
# extract them into $W/root. Idempotent; re-runs reuse the cache.
# usage: DIST=<bookworm|trixie> KERNEL_META=<package> [ARCH=<amd64|arm64>] prepare.sh <workdir> <cachedir>
set -euo pipefail
W=$1 C=$(mkdir -p "$2" && cd "$2" && pwd)   # absolute: apt reads relative Dir:: paths from /
export DEBIAN_FRONTEND=noninteractive
. "$(dirname "$0")/arch.sh"                 # ARCH: HOST_PKGS, MA
# HOST_PKGS: the TCG machine (and arm64's cross compiler); busybox-static: amd64's dom0 shell, and
# the applet list for arm64's (host/tree.sh); the libpixman..zlib1g line: the host copies of what
# Debian's qemu-system-xen needs, found by ldd when dom0's initramfs is built (the guest's disk backend)
PKGS="$HOST_PKGS busybox-static cpio gcc make libc6-dev libxen-dev dpkg-dev pkgconf xz-utils zstd
 libpixman-1-0 libspice-server1 libjpeg62-turbo libusb-1.0-0 libfdt1 libglib2.0-0 zlib1g"
need=
for p in $PKGS; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"; done
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  # The image's apt hook may delete downloaded debs when dpkg is run twice (e.g. a removal of
  # a backported qemu-utils): the first attempt can fail for that reason only, so retry once.
  # Stale package lists (a fresh machine) get one `apt-get update` before the last try.
  apt-get install -y --no-install-recommends $need >/dev/null 2>&1 ||
    apt-get install -y --no-install-recommends $need >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends $need >/dev/null; }
fi

# The stack (compat/lab/stacks/<name>, passed on by run-lab): DIST is bookworm (the host's own
# archive and sources) or trixie (a separate apt configuration in $C/apt-trixie,
# compat/private-apt.sh; the machine's sources stay as they are); KERNEL_META names the kernel
# metapackage. ARCH=arm64 takes bookworm's arm64 debs (with bookworm-updates and -security, as the
# host's sources have them) through a separate apt configuration in $C/apt-arm64.
DIST=${DIST:?} KERNEL_META=${KERNEL_META:?}
. "$(dirname "$0")/../../private-apt.sh"     # private_apt, apt_download
APT=()
case $DIST in
  bookworm)
    XV=4.17
    [ "$ARCH" = amd64 ] || private_apt "$C/apt-$ARCH" bookworm "$ARCH" updates ;;
  trixie)
    XV=4.20
    private_apt "$C/apt-trixie" trixie ;;
  *) echo "DIST must be bookworm or trixie, not '$DIST'" >&2; exit 1 ;;
esac
kpkg() { apt-cache "${APT[@]}" depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(kpkg)
[ -n "$KPKG" ] || { apt-get "${APT[@]}" update >/dev/null 2>&1; KPKG=$(kpkg); }
[ -n "$KPKG" ] || { echo "cannot resolve $KERNEL_META" >&2; exit 1; }
# ARCH_DEBS (host/arch.sh): amd64's qemu-system-xen (/usr/libexec/xen-qemu-system-i386, the
# guest's qdisk backend) and qemu-system-data (the keymap libxl makes QEMU load, -vnc none -k
# en-us, even for a PV guest); arm64's busybox and cross-compiling sysroot
DEBS="xen-hypervisor-$XV-$ARCH $KPKG xen-utils-$XV xen-utils-common xenstore-utils libxengnttab1
 libxenevtchn1 libxenstore4 libxentoollog1 libxentoolcore1 libxencall1 libxenforeignmemory1
 libxendevicemodel1 libxenmisc$XV libxenhypfs1 libyajl2 $ARCH_DEBS"
# trixie's Xen libraries need glibc 2.38 and its QEMU trixie's glib & co, so the stack brings its
# own userland libraries: every library package (lib*, zlib1g) in the dependency closure of the
# Xen packages, as apt resolves it for an empty system. bookworm's come from the host (amd64),
# and the same way as trixie's for arm64 (the host's glibc is x86).
if [ "$DIST" = trixie ] || [ "$ARCH" != amd64 ]; then
  DEBS=$({ echo $DEBS | tr ' ' '\n'; apt-get "${APT[@]}" install -s --no-install-recommends $DEBS 2>/dev/null |
          awk '/^Inst (lib|zlib1g)/ {print $2}'; } | sort -u | tr '\n' ' ')
fi
N=$(echo $DEBS | wc -w)
KEY=$(echo $DIST $DEBS | md5sum | cut -c1-12)    # arm64's names its packages ($KPKG, -arm64)
DD=$C/debs/$DIST-$KEY       # one folder per stack: switching stacks reuses each one's cache
mkdir -p "$DD"
if [ ! -f "$DD/.done" ]; then
  apt_download "$DD" $DEBS || exit 1
  touch "$DD/.done"
fi
if [ ! -f "$W/root/.done-$KEY" ]; then
  rm -rf "$W/root"; mkdir -p "$W/root"
  for d in "$DD"/*.deb; do dpkg -x "$d" "$W/root"; done
  if [ "$ARCH" = amd64 ]; then zcat "$W/root/boot/xen-$XV-amd64.gz" > "$W/xen"
  else cp "$W/root/boot/xen-$XV-$ARCH" "$W/xen"; fi     # Xen for Arm: an uncompressed Image
  touch "$W/root/.done-$KEY"
fi
ln -sfn "$DD" "$W/debs"      # the stack's debs, for the suites' build files
echo "xen: $XV ($DIST $ARCH, $N debs)"
echo "kernel: $KPKG"
