#!/bin/bash
# Host side of the dma-buf suite: every record's own verdict, each run complete, on the right
# library and platform (Arm's auto-translated dom0 exports; x86's PV dom0 must refuse with
# EINVAL), every record that platform must print present, and ours record for record equal to
# Debian's (c-tests/dmabuf/dmabuf-check.awk).
# usage: 36-dmabuf.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
case ${ARCH:-amd64} in arm64|armhf) PLAT=auto-translated ;; *) PLAT=pv ;; esac
grep -e '^@@dmabuf ' -e '^@@dmabuf-rc ' "$DOM0" > "$W/dmabuf.raw" || true
awk -v platform=$PLAT -f "$REPO/c-tests/dmabuf/dmabuf-check.awk" "$W/dmabuf.raw"
for c in deb lp; do sed -n "s/^@@dmabuf $c //p" "$W/dmabuf.raw" > "$W/dmabuf-$c.out"; done
echo "(raw outputs: $W/dmabuf-deb.out, dmabuf-lp.out (ours))"
