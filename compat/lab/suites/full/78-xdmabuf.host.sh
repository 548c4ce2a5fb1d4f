#!/bin/bash
# Host side of 78-xdmabuf: dom0's and the guest's records (each record's verdict, each run
# complete, on the right library, every record there, ours equal to Debian's), by
# c-tests/dmabuf/dmabuf-check.awk.
# usage: 78-xdmabuf.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
case ${ARCH:-amd64} in arm64) PLAT=auto-translated ;; *) PLAT=pv ;; esac
for side in dom0:to-guest guest:in-guest; do
  t=xdmabuf-${side%%:*}
  grep -e "^@@$t " -e "^@@$t-rc " "$DOM0" > "$W/$t.raw" || true
  awk -v platform=$PLAT -v part=${side#*:} -v tag=$t -f "$REPO/c-tests/dmabuf/dmabuf-check.awk" "$W/$t.raw"
done
echo "(raw outputs: $W/xdmabuf-dom0.raw, $W/xdmabuf-guest.raw)"
