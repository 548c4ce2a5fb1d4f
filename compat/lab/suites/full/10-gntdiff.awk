# 10-gntdiff.awk - turn the raw gntdiff outputs (@@deb / @@lp / @@oo lines from the serial
# log) into result lines:
#   gntdiff/<lib>/<id>        the record's own verdict ([ok] PASS, [BAD] FAIL; [--] no line)
#   gntdiff/<lib>/complete    the program reached "END gntdiff" and exited 0
#   gntdiff/diff/<section>    all records of the section (text + attached log lines) identical
#                             between Debian's library and ours, except expected differences
# usage: awk -v expected=<expected-differences.txt> -f 10-gntdiff.awk raw.txt
BEGIN {
    while (expected != "" && (getline line < expected) > 0) {
        sub(/#.*/, "", line); gsub(/[ \t]+/, "", line)
        if (line != "") exp_diff[line] = 1
    }
}
function section(id,    t) { t = id; sub(/\..*/, "", t); return t }  # t: local
/^@@(deb|lp|oo)-rc / { split($0, a, " "); lib = substr(a[1], 3); sub(/-rc$/, "", lib); rc[lib] = a[2]; next }
/^@@(deb|lp|oo) / {
    lib = substr($1, 3)
    line = substr($0, length($1) + 2)
    if (line ~ /^END gntdiff/) { ended[lib] = 1; next }
    if (line ~ /^BEGIN gntdiff/) { began[lib] = 1; next }
    if (line ~ /^    (log|logger)\| /) {        # belongs to the previous record
        if (cur[lib] != "") text[lib, cur[lib]] = text[lib, cur[lib]] " <" substr(line, 5) ">"
        else text[lib, "(preamble)"] = text[lib, "(preamble)"] " <" substr(line, 5) ">"
        next
    }
    id = line; sub(/: .*/, "", id)
    if (id == line) id = "(unparsed)"
    if (!((lib, id) in text)) { order[lib, ++n[lib]] = id }
    else text[lib, id] = text[lib, id] " ||| "
    cur[lib] = id
    text[lib, id] = text[lib, id] line
    if (line ~ /\[ok\]$/) verdict[lib, id] = "ok"
    else if (line ~ /\[BAD: .*\]$/) { verdict[lib, id] = "bad"; why[lib, id] = line }
    next
}
END {
    split("deb lp oo", libs, " ")
    name["deb"] = "deb"; name["lp"] = "ours"; name["oo"] = "ours-only"
    for (k = 1; k <= 3; k++) {
        L = libs[k]
        if (!began[L]) { print "FAIL gntdiff/" name[L] "/complete: no output (program did not start)"; continue }
        for (i = 1; i <= n[L]; i++) {
            id = order[L, i]
            if (verdict[L, id] == "ok") print "PASS gntdiff/" name[L] "/" id
            else if (verdict[L, id] == "bad") print "FAIL gntdiff/" name[L] "/" id ": " why[L, id]
        }
        if (ended[L] && rc[L] == "0") print "PASS gntdiff/" name[L] "/complete"
        else print "FAIL gntdiff/" name[L] "/complete: END marker " (ended[L] ? "seen" : "missing") ", exit status " rc[L]
    }
    # per-section comparison, in Debian's record order, then records only ours printed
    for (i = 1; i <= n["deb"]; i++) { id = order["deb", i]; s = section(id); if (!(s in secseen)) { secseen[s] = 1; secs[++ns] = s } }
    for (i = 1; i <= n["lp"]; i++) { id = order["lp", i]; s = section(id); if (!(s in secseen)) { secseen[s] = 1; secs[++ns] = s } }
    for (i = 1; i <= n["deb"]; i++) ids[order["deb", i]] = 1
    for (i = 1; i <= n["lp"]; i++) ids[order["lp", i]] = 1
    for (j = 1; j <= ns; j++) {
        s = secs[j]; bad = 0; nexp = 0; detail = ""
        for (id in ids) {
            if (section(id) != s) continue
            d = ((("deb", id) in text) ? text["deb", id] : "(missing)")
            o = ((("lp", id) in text) ? text["lp", id] : "(missing)")
            if (d == o) continue
            if (id in exp_diff) { nexp++; continue }
            bad++
            detail = detail "\n    deb : " d "\n    ours: " o
        }
        note = nexp ? " (" nexp " expected difference(s))" : ""
        if (bad) print "FAIL gntdiff/diff/" s ": " bad " record(s) differ" note detail
        else print "PASS gntdiff/diff/" s note
    }
}
