#!/bin/bash
# Host side of the call benchmark: medians, spreads and ratios from the raw dom0 lines
#   @@bench <lib> <round> <row> <ops> <wall_ns> <user_ns> <sys_ns>
#   @@ops <lib> <row> <ops>   and   @@sys <lib> <row> <syscalls> <name:count,...>  (strace pass)
# Prints the table (also kept in <workdir>/bench-calls.md) and PASS/FAIL for completeness only:
# figures are never judged here.
# usage: 10-calls.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 DOM0=$3
OUT=$W/bench-calls.md
awk -f "$(dirname "$0")/10-calls.awk" "$DOM0" > "$OUT"
cat "$OUT"
