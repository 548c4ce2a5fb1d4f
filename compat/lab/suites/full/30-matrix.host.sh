#!/bin/bash
# Host side of the matrix suite. For every row:
#   matrix/<id>  ours did not crash, and ours equals upstream, or (for the rows the program
#                lists as deliberate differences) equals the documented result and differs
#                from upstream's
# and matrix/doc-table: docs/robustness.md holds exactly the table of this run.
# usage: 30-matrix.host.sh <workdir> <repo> <dom0.txt>      (writes <workdir>/matrix.md)
set -uo pipefail
W=$1 REPO=$2 DOM0=$3
DOC=$REPO/docs/robustness.md
awk -v table="$W/matrix.md" '
  function cell(s) { gsub(/\|/, "\\|", s); return s }
  $1 == "@@mx-deb" || $1 == "@@mx-lp" || $1 == "@@mx-why" {
    lib = substr($1, 6); line = substr($0, length($1) + 2)
    if (line ~ /^END matrix/) { ended[lib] = 1; next }
    n = split(line, f, "|")
    if (lib == "why") { want[f[2]] = f[3]; why[f[2]] = f[4]; next }
    if (f[1] != "R" || n < 4) next
    id = f[2]; call[id] = f[3]; res[lib, id] = f[4]
    for (i = 5; i <= n; i++) res[lib, id] = res[lib, id] "|" f[i]
    if (lib == "lp") order[++rows] = id
  }
  END {
    if (!ended["deb"] || !ended["lp"]) print "FAIL matrix/complete: END marker missing (deb " (ended["deb"] ? "yes" : "no") ", ours " (ended["lp"] ? "yes" : "no") ")"
    else print "PASS matrix/complete: " rows " rows, both libraries"
    print "| Row | Call | Upstream (Debian 4.17) | Ours | Why ours differs |" > table
    print "|---|---|---|---|---|" > table
    for (i = 1; i <= rows; i++) {
      id = order[i]; d = res["deb", id]; o = res["lp", id]
      bad = ""
      if (o ~ /^(crash|no result|setup failed)/ || o ~ /exit [0-9]+$/) bad = "ours: " o
      else if (id in why) {
        if (o != want[id]) bad = "ours \"" o "\", documented \"" want[id] "\""
        else if (o == d) bad = "documented as a difference, but upstream gives the same: " d
      } else if (o != d) bad = "upstream \"" d "\", ours \"" o "\" (undocumented difference)"
      if (d == "") bad = bad " (no upstream result)"
      if (bad == "") print "PASS matrix/" id ": " o
      else print "FAIL matrix/" id ": " bad
      print "| `" id "` | `" cell(call[id]) "` | " cell(d) " | " cell(o) " | " cell(why[id]) " |" > table
    }
  }' "$DOM0"
if [ ! -f "$DOC" ]; then
  echo "FAIL matrix/doc-table: $DOC missing (the table of this run is $W/matrix.md)"
elif diff <(sed -n '/<!-- matrix:begin -->/,/<!-- matrix:end -->/p' "$DOC" | sed '1d;$d') "$W/matrix.md" > "$W/matrix.diff"; then
  echo "PASS matrix/doc-table: docs/robustness.md holds this run's $(($(wc -l < "$W/matrix.md") - 2)) rows"
else
  echo "FAIL matrix/doc-table: docs/robustness.md differs from this run (see $W/matrix.diff; the new table is $W/matrix.md)"
fi
