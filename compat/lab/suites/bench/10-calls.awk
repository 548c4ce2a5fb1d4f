# Formats the call benchmark (see 10-calls.host.sh). Libraries: deb = upstream, lp = ours.
function sort(a, n,    i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
function median(a, n) { sort(a, n); return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
# per-round ns/op of lib for row, into v[1..n]; returns n
function samples(lib, row, v,    i, n) { n = 0; for (i = 1; i <= rounds; i++) if ((lib, row, i) in ns) v[++n] = ns[lib, row, i]; return n }
function stat(lib, row,    v, n, m) {   # "median (±spread%)"; spread = (max-min)/median
  n = samples(lib, row, v); if (!n) return "-"
  m = median(v, n); med[lib, row] = m
  return sprintf("%.0f (±%.0f%%)", m, 50 * (v[n] - v[1]) / m)
}
function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x) }
/^@@plan calls / { for (i = 3; i <= NF; i++) { split($i, kv, "="); plan[kv[1]] = kv[2] }; rounds = plan["rounds"] }
/^@@bench / {
  lib = $2; r = $3; row = $4
  if (!(row in known)) { known[row] = 1; order[++nrows] = row }
  ns[lib, row, r] = $6 / $5; ops[lib, row] += $5; usr[lib, row] += $7; sys[lib, row] += $8; got[lib, row]++
}
/^@@ops / { cops[$2, $3] = $4 }
/^@@sys / { sc[$2, $3] = $4; detail[$2, $3] = $5 }
END {
  if (!rounds) { print "FAIL bench/calls/table: no @@plan line from dom0"; exit }
  print "| row | upstream ns/op, median (±half range) | ours ns/op, median (±half range) | ours/upstream (min-max) | user ns/op up / ours | sys ns/op up / ours | syscalls/op up / ours |"
  print "|---|---:|---:|---:|---:|---:|---:|"
  missing = ""
  for (k = 1; k <= nrows; k++) {
    row = order[k]
    for (l = 0; l < 2; l++) { lib = l ? "lp" : "deb"; if (got[lib, row] != rounds) missing = missing " " lib "/" row "(" got[lib, row]+0 "/" rounds ")" }
    up = stat("deb", row); ours = stat("lp", row)
    n = 0; for (i = 1; i <= rounds; i++) if (("deb", row, i) in ns && ("lp", row, i) in ns) q[++n] = ns["lp", row, i] / ns["deb", row, i]
    ratio = n ? sprintf("%.2f (%.2f-%.2f)", median(q, n), q[1], q[n]) : "-"
    ratios[row] = n ? median(q, n) : 0
    u = ops["deb", row] && ops["lp", row] ? fmt(usr["deb", row] / ops["deb", row]) " / " fmt(usr["lp", row] / ops["lp", row]) : "-"
    s = ops["deb", row] && ops["lp", row] ? fmt(sys["deb", row] / ops["deb", row]) " / " fmt(sys["lp", row] / ops["lp", row]) : "-"
    if (cops["deb", row] && cops["lp", row]) y = fmt(sc["deb", row] / cops["deb", row]) " / " fmt(sc["lp", row] / cops["lp", row])
    else { y = "-"; missing = missing " syscalls/" row }
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", row, up, ours, ratio, u, s, y
  }
  printf "\n2 threads on one handle, map-1 throughput over 1 thread: upstream %.2fx, ours %.2fx\n",
    med["deb", "map-1-thr1"] / med["deb", "map-1-thr2"], med["lp", "map-1-thr1"] / med["lp", "map-1-thr2"]
  print "\nSyscalls per row (strace -f, " plan["count_iters"] " iterations; all syscalls of the looping threads, per op):"
  print "| row | upstream | ours |"
  print "|---|---|---|"
  for (k = 1; k <= nrows; k++) {
    row = order[k]; line = "| " row
    for (l = 0; l < 2; l++) {
      lib = l ? "lp" : "deb"; d = detail[lib, row]; o = cops[lib, row]; t = ""
      nd = split(d, parts, ","); for (j = 1; j <= nd; j++) { split(parts[j], nc, ":"); if (o) t = t (t == "" ? "" : " ") nc[1] " " fmt(nc[2] / o) }
      line = line " | " (t == "" ? "-" : t)
    }
    print line " |"
  }
  print ""
  if (nrows == 0) print "FAIL bench/calls/table: no rows"
  else if (missing != "") print "FAIL bench/calls/table: missing samples:" missing
  else printf "PASS bench/calls/table: %d rows x %d rounds x 2 libraries, syscalls for every row\n", nrows, rounds
}
