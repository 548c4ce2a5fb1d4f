# xdom-check.awk - results of c-tests/xdom runs, from the "@@xdom <tag> <cfg> <role> <line>"
# lines that xdom-pair.sh appends to /tmp/raw (role: share, map, pair; share-rc, map-rc):
#   xdom/<tag>/<cfg>/<id>                each record's own verdict ([ok] PASS, [BAD] FAIL, [--] none)
#   xdom/<tag>/<cfg>/<role>/complete     BEGIN and END seen, exit status 0, at least min_<role> records
#   xdom/<tag>/<cfg>/<role>/library      LIB line: Debian's library for cfg "deb", another one otherwise
#   xdom/<tag>/diff/<cfg>/<role>         same records (text + attached log lines) in the same order as
#                                        the reference configuration's run of the tag, except the ids
#                                        listed in the expected-differences file
#   xdom/<tag>/<cfg>/ran                 FAIL only: a wanted run sent nothing
# usage: awk -v want="<tag>:<cfg> ..." -v ref=deb -v min_share=N -v min_map=N -v min_pair=N \
#            [-v expected=<file>] -f xdom-check.awk <raw lines>
# Runs not in `want` but present are checked too. LIB lines never enter the comparison.
BEGIN {
    while (expected != "" && (getline line < expected) > 0) {
        sub(/#.*/, "", line); gsub(/[ \t]+/, "", line)
        if (line != "") exp_diff[line] = 1
    }
    min["share"] = min_share; min["map"] = min_map; min["pair"] = min_pair
    nroles = split("pair share map", roles, " ")
    nw = split(want, w, " ")
    for (i = 1; i <= nw; i++) { split(w[i], tc, ":"); addrun(tc[1], tc[2]) }
    deblib = "^/(usr/)?lib/[a-z0-9_]+-linux-gnu/libxengnttab\\.so"   # x86_64- or aarch64-linux-gnu
}
function addrun(t, c) {
    if ((t, c) in isrun) return
    isrun[t, c] = 1; runs[++nruns] = t SUBSEP c
    if (!(t in istag)) { istag[t] = 1; tags[++ntags] = t }
}
$1 == "@@xdom" && NF >= 4 {
    tag = $2; cfg = $3; role = $4
    line = $0; sub(/^@@xdom +[^ ]+ +[^ ]+ +[^ ]+ ?/, "", line)
    addrun(tag, cfg); seen[tag, cfg] = 1
    if (role ~ /-rc$/) { sub(/-rc$/, "", role); rc[tag, cfg, role] = line; next }
    k = tag SUBSEP cfg SUBSEP role
    if (line ~ /^BEGIN xdom/) { began[k] = 1; next }
    if (line ~ /^END xdom/) { ended[k] = 1; next }
    if (line ~ /^LIB /) { lib[k] = substr(line, 5); next }
    if (line ~ /^    (log|logger)\| /) {        # the library's stderr: belongs to the previous record
        id = (k in cur) ? cur[k] : "(preamble)"
        if (!((k, id) in text)) order[k, ++n[k]] = id
        text[k, id] = text[k, id] " <" substr(line, 5) ">"
        next
    }
    id = line; sub(/: .*/, "", id)
    if (id == line) id = "(unparsed)"
    if (!((k, id) in text)) order[k, ++n[k]] = id
    else text[k, id] = text[k, id] " ||| "
    cur[k] = id
    text[k, id] = text[k, id] line
    if (line ~ /\[ok\]$/) v = "ok"
    else if (line ~ /\[BAD: .*\]$/) v = "bad"
    else if (line ~ /\[--\]$/) v = "none"
    else { v = "bad"; unparsed[k, id] = 1 }
    if (verdict[k, id] != "bad") verdict[k, id] = v      # a repeated id keeps its first failure
    if (!unparsed[k, id]) nrec[k]++
}
function ids(k,    i, s) { s = ""; for (i = 1; i <= n[k]; i++) if (!(order[k, i] in exp_diff)) s = s " " order[k, i]; return s }
END {
    for (r = 1; r <= nruns; r++) {
        split(runs[r], tc, SUBSEP); tag = tc[1]; cfg = tc[2]; name = "xdom/" tag "/" cfg
        if (!seen[tag, cfg]) { print "FAIL " name "/ran: no output at all (the run did not happen)"; continue }
        for (j = 1; j <= nroles; j++) {
            role = roles[j]; k = tag SUBSEP cfg SUBSEP role
            for (i = 1; i <= n[k]; i++) {
                id = order[k, i]
                if (verdict[k, id] == "ok") print "PASS " name "/" id
                else if (verdict[k, id] == "bad") print "FAIL " name "/" id ": " (unparsed[k, id] ? "not a record: " : "") text[k, id]
            }
            why = ""
            if (!began[k]) why = why " BEGIN missing;"
            if (!ended[k]) why = why " END missing;"
            if (role != "pair" && rc[tag, cfg, role] != "0")
                why = why " exit status " (rc[tag, cfg, role] != "" ? rc[tag, cfg, role] : "missing") ";"
            if (nrec[k] + 0 < min[role] + 0) why = why " " (nrec[k] + 0) " records, want at least " min[role] ";"
            if (why == "") print "PASS " name "/" role "/complete: " nrec[k] " records"
            else print "FAIL " name "/" role "/complete:" why
            if (role == "pair") continue
            if (!(k in lib)) print "FAIL " name "/" role "/library: no LIB line"
            else if ((cfg == "deb") == (lib[k] ~ deblib)) print "PASS " name "/" role "/library: " lib[k]
            else print "FAIL " name "/" role "/library: " lib[k] " is " (cfg == "deb" ? "not Debian's" : "Debian's")
        }
    }
    # every configuration of a tag against the reference configuration's run of that tag
    for (t = 1; t <= ntags; t++) {
        tag = tags[t]
        for (r = 1; r <= nruns; r++) {
            split(runs[r], tc, SUBSEP)
            if (tc[1] != tag || tc[2] == ref) continue
            cfg = tc[2]
            for (j = 1; j <= nroles; j++) {
                role = roles[j]; name = "xdom/" tag "/diff/" cfg "/" role
                a = tag SUBSEP ref SUBSEP role; b = tag SUBSEP cfg SUBSEP role
                if (!n[a] || !n[b]) { print "FAIL " name ": no records from " (!n[a] ? ref : cfg); continue }
                bad = 0; nexp = 0; detail = ""
                delete both
                for (i = 1; i <= n[a]; i++) both[order[a, i]] = 1
                for (i = 1; i <= n[b]; i++) both[order[b, i]] = 1
                for (id in both) {
                    d = (((a, id) in text) ? text[a, id] : "(missing)")
                    o = (((b, id) in text) ? text[b, id] : "(missing)")
                    if (d == o) continue
                    if (id in exp_diff) { nexp++; continue }
                    bad++
                    detail = detail "\n    " ref ": " d "\n    " cfg ": " o
                }
                if (!bad && ids(a) != ids(b)) { bad++; detail = "\n    order " ref ":" ids(a) "\n    order " cfg ":" ids(b) }
                note = nexp ? " (" nexp " expected difference(s))" : ""
                if (bad) print "FAIL " name ": " bad " record(s) differ from " ref note detail
                else print "PASS " name ": " n[b] " records as " ref note
            }
        }
    }
}
