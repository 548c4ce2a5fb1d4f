#!/bin/bash
# Host side of the vchan benchmark: median MB/s per ring size and library.
# raw: "@@vchan <deb|pre> <round> <case> <MB/s or ->"; table also kept in <workdir>/bench-vchan.md
# usage: 20-vchan.host.sh <workdir> <repo> <dom0.txt>
set -uo pipefail
W=$1 DOM0=$3
awk '
function median(a, n,    i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
function stat(lib, cs,    v, n, i) { n = 0; for (i = 1; i <= rounds; i++) if ((lib, cs, i) in mb) v[++n] = mb[lib, cs, i]
  if (!n) return "-"; m[lib] = median(v, n); return sprintf("%.1f (%.1f-%.1f)", m[lib], v[1], v[n]) }
/^@@plan vchan / { split($3, kv, "="); rounds = kv[2] }
/^@@vchan / { if (!($4 in known)) { known[$4] = 1; order[++nc] = $4 }
  if ($5 != "-") { mb[$2, $4, $3] = $5; got[$2, $4]++ } }
END {
  print "| vchan-node2, Debian libxenvchan | upstream MB/s (min-max) | ours MB/s (min-max) | ours/upstream |"
  print "|---|---:|---:|---:|"
  for (k = 1; k <= nc; k++) { cs = order[k]; a = stat("deb", cs); b = stat("pre", cs)
    printf "| %s | %s | %s | %s |\n", cs, a, b, m["deb"] && m["pre"] ? sprintf("%.2f", m["pre"] / m["deb"]) : "-"
    if (got["deb", cs] != rounds || got["pre", cs] != rounds) missing = missing " " cs }
  print ""
  if (!rounds || !nc) print "FAIL bench/vchan/table: no vchan results from dom0"
  else if (missing != "") print "FAIL bench/vchan/table: transfers missing for" missing
  else printf "PASS bench/vchan/table: %d cases x %d rounds x 2 libraries\n", nc, rounds
}' "$DOM0" | tee "$W/bench-vchan.md"
