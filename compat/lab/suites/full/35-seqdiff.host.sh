#!/bin/bash
# Host side of the seqdiff suite: decode the two runs' outputs (@@seq-deb / @@seq-lp lines,
# gzip+base64) and compare them seed by seed with 35-seqdiff.awk.
# usage: 35-seqdiff.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 DOM0=$3
HERE=$(dirname "$0")
for c in deb lp; do
  if ! sed -n "s/^@@seq-$c //p" "$DOM0" | base64 -d 2>/dev/null | gunzip > "$W/seqdiff-$c.out" 2>/dev/null; then
    echo "FAIL seqdiff/$c/transfer: the output did not arrive intact ($(wc -l < "$W/seqdiff-$c.out") lines decoded)"
  fi
  echo "$c $(sed -n "s/^@@seq-$c-rc //p" "$DOM0")" > "$W/seqdiff-$c.rc"
done
awk -f "$HERE/35-seqdiff.awk" "$W/seqdiff-deb.rc" "$W/seqdiff-lp.rc" "$W/seqdiff-deb.out" "$W/seqdiff-lp.out"
echo "(outputs: $W/seqdiff-deb.out, $W/seqdiff-lp.out (ours))"
