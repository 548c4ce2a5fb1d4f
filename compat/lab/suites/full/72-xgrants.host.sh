#!/bin/bash
# Host side of the cross-domain xdom runs: every record's verdict, each run complete and on the
# right library, ours (lp) record for record equal to Debian's (deb) in both directions
# (g-d0: the guest shares, dom0 maps; d0-g: the reverse). See c-tests/xdom/README.md.
# usage: 72-xgrants.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
grep -E '^@@xdom (g-d0|d0-g) ' "$DOM0" > "$W/xgrants.raw" || true
awk -v want="g-d0:deb g-d0:lp d0-g:deb d0-g:lp" -v ref=deb -v min_share=19 -v min_map=22 -v min_pair=5 \
  -v expected="$REPO/c-tests/xdom/expected-differences.txt" -f "$REPO/c-tests/xdom/xdom-check.awk" "$W/xgrants.raw"
echo "(raw records: $W/xgrants.raw)"
