#!/bin/bash
# Host side of the xdom suite: every record's own verdict, each run complete (BEGIN/END, exit
# status 0, enough records) and on the right library, and ours (lp) record for record equal to
# Debian's (deb), both the sharer's and the mapper's output (c-tests/xdom/xdom-check.awk).
# usage: 60-xdom.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
grep '^@@xdom loop ' "$DOM0" > "$W/xdom.raw" || true     # the cross-domain tags are 72-xgrants'
# records per complete run: the sharer's 19, the mapper's 22, the relay's 5 steps
awk -v want="loop:deb loop:lp" -v ref=deb -v min_share=19 -v min_map=22 -v min_pair=5 \
  -v expected="$REPO/c-tests/xdom/expected-differences.txt" -f "$REPO/c-tests/xdom/xdom-check.awk" "$W/xdom.raw"
for c in deb lp; do for role in share map; do
  sed -n "s/^@@xdom loop $c $role //p" "$W/xdom.raw" > "$W/xdom-loop-$c-$role.out"
done; done
echo "(raw outputs: $W/xdom-loop-{deb,lp}-{share,map}.out)"
