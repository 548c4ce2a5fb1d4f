#!/bin/bash
# Host side of the gntdiff suite: split the raw @@deb/@@lp/@@oo output and compare the runs.
# usage: 10-gntdiff.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
HERE=$(dirname "$0")
grep '^@@' "$DOM0" > "$W/gntdiff.raw" || true
for l in deb lp oo; do sed -n "s/^@@$l //p" "$W/gntdiff.raw" > "$W/gntdiff-$l.out"; done
awk -v expected="$REPO/c-tests/diff/expected-differences.txt" -f "$HERE/10-gntdiff.awk" "$W/gntdiff.raw"
echo "(raw outputs: $W/gntdiff-deb.out, gntdiff-lp.out (ours), gntdiff-oo.out (ours-only))"
