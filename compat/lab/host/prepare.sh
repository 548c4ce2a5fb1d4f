#!/bin/bash
# Host preparation: install tools, download Debian's Xen + kernel + runtime debs (cached),
# extract them into $W/root. Idempotent; re-runs reuse the cache.
# usage: prepare.sh <workdir> <cachedir>
set -euo pipefail
W=$1 C=$2
export DEBIAN_FRONTEND=noninteractive
# qemu-system-x86: the TCG machine; the libpixman..zlib1g line: the host copies of what Debian's
# qemu-system-xen needs, found by ldd when dom0's initramfs is built (the guest's disk backend)
PKGS="qemu-system-x86 busybox-static cpio gcc make libc6-dev libxen-dev dpkg-dev pkgconf xz-utils
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

# Debian's current 6.1 kernel image, resolved through the linux-image-amd64 metapackage
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(kpkg)
[ -n "$KPKG" ] || { apt-get update >/dev/null 2>&1; KPKG=$(kpkg); }
[ -n "$KPKG" ] || { echo "cannot resolve linux-image-amd64" >&2; exit 1; }
DEBS="xen-hypervisor-4.17-amd64 $KPKG xen-utils-4.17 xen-utils-common xenstore-utils libxengnttab1
 libxenevtchn1 libxenstore4 libxentoollog1 libxentoolcore1 libxencall1 libxenforeignmemory1
 libxendevicemodel1 libxenmisc4.17 libxenhypfs1 libyajl2 qemu-system-xen qemu-system-data"
# qemu-system-xen: /usr/libexec/xen-qemu-system-i386, the guest's qdisk backend; qemu-system-data:
# the keymap libxl makes QEMU load (-vnc none -k en-us) even for a PV guest
N=$(echo $DEBS | wc -w)
KEY=$(echo $DEBS | md5sum | cut -c1-12)
mkdir -p "$C/debs"
if [ ! -f "$C/debs/.done-$KEY" ]; then
  (cd "$C/debs" && rm -f ./*.deb && apt-get download -q $DEBS 2>&1 | grep -v -e 'unsandboxed' -e '^Get:' >&2 || true)
  n=$(ls "$C/debs"/*.deb 2>/dev/null | wc -l)
  [ "$n" -ge "$N" ] || { echo "apt-get download got only $n of $N debs" >&2; exit 1; }
  touch "$C/debs/.done-$KEY"
fi
if [ ! -f "$W/root/.done-$KEY" ]; then
  rm -rf "$W/root"; mkdir -p "$W/root"
  for d in "$C"/debs/*.deb; do dpkg -x "$d" "$W/root"; done
  zcat "$W/root/boot/xen-4.17-amd64.gz" > "$W/xen"
  touch "$W/root/.done-$KEY"
fi
echo "kernel: $KPKG"
