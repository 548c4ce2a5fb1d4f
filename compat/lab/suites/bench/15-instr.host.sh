#!/bin/bash
# Host side of the instruction count: per row, user-space instructions per call with Debian's
# library and with ours, and the floor (libc's system-call wrappers alone), from
#   @@cops <lib> <row> <ops>   and   @@instr <lib> <row> <user> <floor> lib=.. libc=.. xtl=.. xtc=.. other=..
# Prints the table (also kept in <workdir>/bench-instr.md) and one check per row: ours <=
# upstream, except on the rows 15-instr.above lists (still above, with why): those must stay
# within their ratio and must really still be above. Counts are exact, so this judges the code,
# not the machine.
# usage: 15-instr.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 DOM0=$3
OUT=$W/bench-instr.md
ABOVE=$(dirname "$0")/15-instr.above
awk '
  FILENAME == ABOVE { if ($0 !~ /^#/ && NF >= 2) { maxr[$1] = $2; why[$1] = $0; sub(/^[^ ]+ +[^ ]+ +/, "", why[$1]) } next }
  $1 == "@@cops" { ops[$2, $3] = $4; next }
  $1 == "@@instr" { user[$2, $3] = $4; floor[$2, $3] = $5
    for (i = 6; i <= NF; i++) { split($i, kv, "="); part[$2, $3, kv[1]] = kv[2] }
    if (!(($3) in seen)) { seen[$3] = 1; order[++n] = $3 } next }
  function per(x, c, r) { return ops[c, r] > 0 ? x / ops[c, r] : -1 }
  END {
    print "| row | floor | upstream | ours | ours/upstream | ours/floor | ours: library / libc / toollog+toolcore | upstream: library / libc / toollog+toolcore |"
    print "|---|---:|---:|---:|---:|---:|---|---|"
    for (i = 1; i <= n; i++) { r = order[i]
      d = per(user["deb", r], "deb", r); o = per(user["lp", r], "lp", r)
      fd = per(floor["deb", r], "deb", r); fo = per(floor["lp", r], "lp", r)
      f = (fo >= 0 && (fd < 0 || fo < fd)) ? fo : fd
      printf "| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f |\n", r, f, d, o,
        (d > 0 ? o / d : 0), (f > 0 ? o / f : 0),
        per(part["lp", r, "lib"], "lp", r), per(part["lp", r, "libc"], "lp", r), per(part["lp", r, "xtl"] + part["lp", r, "xtc"], "lp", r),
        per(part["deb", r, "lib"], "deb", r), per(part["deb", r, "libc"], "deb", r), per(part["deb", r, "xtl"] + part["deb", r, "xtc"], "deb", r)
      detail[i] = sprintf("%s: ours %.0f, upstream %.0f instructions per call (floor %.0f)", r, o, d, f)
      if (!(r in maxr)) verdict[i] = (d > 0 && o > 0 && o <= d) ? "PASS" : "FAIL"
      else if (d > 0 && o > d * maxr[r]) { verdict[i] = "FAIL"; detail[i] = detail[i] sprintf(": more than the %s x upstream that 15-instr.above allows", maxr[r]) }
      else if (d > 0 && o > 0 && o <= d) { verdict[i] = "FAIL"; detail[i] = detail[i] ": at or below upstream now, remove the row from 15-instr.above" }
      else { verdict[i] = (d > 0 && o > 0) ? "PASS" : "FAIL"; detail[i] = detail[i] sprintf(": still above upstream, within %s x (15-instr.above: %s)", maxr[r], why[r]) }
    }
    print ""
    print "user-space instructions per call (callgrind, all threads, everything outside the benchmark program: the library, libc and malloc, libxentoollog, libxentoolcore); floor: the instructions of libc'"'"'s system-call wrappers of the library making fewer (ioctl, mmap, munmap, open, close)"
    for (i = 1; i <= n; i++) printf "%s bench/instr/%s\n", verdict[i], detail[i] > "/dev/stderr"
    if (n == 0) print "FAIL bench/instr: no @@instr lines from dom0" > "/dev/stderr"
  }' ABOVE="$ABOVE" "$ABOVE" "$DOM0" > "$OUT" 2> "$W/bench-instr.verdicts"
cat "$OUT"
cat "$W/bench-instr.verdicts"
