# dmabuf-check.awk - the raw c-tests/dmabuf outputs of a lab boot (lines "@@dmabuf <lib> <line>"
# and "@@dmabuf-rc <lib> <status>", <lib>: deb or lp) into result lines:
#   dmabuf/<lib>/<id>          each record's own verdict ([ok] PASS, [BAD] FAIL; [--] none)
#   dmabuf/<lib>/complete      BEGIN and END seen, exit status 0
#   dmabuf/<lib>/platform      the PLATFORM line is the one this architecture must give
#   dmabuf/<lib>/library       the LIB line: Debian's file for deb, ours (/opt/ours) for lp
#   dmabuf/<lib>/required      every record this platform must print is there (a record the
#                              program left out cannot pass by its absence)
#   dmabuf/diff/<section>      ours record for record equal to Debian's (text and attached
#                              library log lines), every section
# usage: awk -v platform=auto-translated|pv [-v part=to-guest|in-guest -v tag=<tag>] -f dmabuf-check.awk raw.txt
# part: the runs across domains (78-xdmabuf): dom0's `dmabuf to-guest`, or the guest's `dmabuf
# in-guest` and `in-guest-gone` (their outputs one after the other); tag: the raw lines' and the
# results' name ("@@<tag> <lib> <line>", "<tag>/<lib>/<id>"), dmabuf unless given.
function section(id,    t) { t = id; sub(/\..*/, "", t); return t }
BEGIN {
    if (tag == "") tag = "dmabuf"
    raw = "@@" tag " "; rawrc = "@@" tag "-rc "
    if (part != "") {   # across domains: the same records on both platforms
        if (part == "to-guest")
            split("xd.dom0.open xd.dom0.vgem xd.dom0.import xd.dom0.guest-wrote xd.dom0.release xd.dom0.end xd.dom0.no-fd-left " \
                  "xd.exp.open xd.exp.export", xd, " ")
        else
            split("xd.guest.open xd.guest.map xd.guest.bytes xd.guest.write xd.guest.unmap xd.gone.open xd.gone.map " \
                  "xd.share.open xd.share.pages xd.share.after", xd, " ")
        for (i in xd) want[xd[i]] = 1
        if (part == "to-guest" && platform == "auto-translated") {   # the export of the guest's grants
            split("is-dmabuf reimport regrant-refused imp-release released", xd, " ")
            for (i in xd) want["xd.exp." xd[i]] = 1
        }
    } else {
        # the records both platforms must have (export: rc=0 on Arm, EINVAL on a PV dom0)
        split("setup exp.none exp.wc exp.coherent err.exp-wc+coherent err.exp-count0 err.exp-count-past-limit " \
              "err.exp-bad-ref err.exp-wrong-domid exp.shared-pages-intact imp.vgem imp.to-refs imp.bytes " \
              "imp.bytes-other-handle err.imp-release-other-handle imp.release imp.refs-gone imp.release-again " \
              "imp.dmabuf-intact imp.twice imp.twice.releases err.imp-count0 err.imp-count-short " \
              "err.imp-count-past-buffer err.imp-count-past-limit err.imp-fd-not-open err.imp-not-a-dmabuf " \
              "err.imp-release-never-imported err.imp-wrong-domid err.imp-wrong-domid.dom0-map " \
              "err.imp-wrong-domid.release close.import close.handle close.import-refs-gone close.no-fd-left " \
              "shared-pages-intact", common, " ")
        for (i in common) want[common[i]] = 1
        if (platform == "auto-translated") {
            split("is-dmabuf reimport bytes imp-release released", sub_, " ")
            split("none wc coherent", fl, " ")
            for (i in fl) for (j in sub_) want["exp." fl[i] "." sub_[j]] = 1
            split("wait.held wait.other-handle wait.importer.import wait.importer.held wait.importer.release " \
                  "wait.importer.released wait.across-close wait.after-release wait.after-release.raw-ioctl " \
                  "wait.never-open-fd wait.not-a-dmabuf close.export close.export-still-a-dmabuf", xl, " ")
            for (i in xl) want[xl[i]] = 1
        }
    }
}
index($0, rawrc) == 1 { if ($3 != "0" || !($2 in rc)) rc[$2] = $3; next }   # several runs: the first failing status
index($0, raw) == 1 {
    lib = $2
    line = substr($0, length($1) + length($2) + 3)
    if (line ~ /^BEGIN /) { began[lib] = 1; next }
    if (line ~ /^END [^ ]+$/) { ended[lib] = 1; next }
    if (line ~ /^END /) { aborted[lib] = line; next }
    if (line ~ /^PLATFORM /) { plat[lib] = substr(line, 10); next }
    if (line ~ /^LIB /) { libfile[lib] = substr(line, 5); next }
    if (line ~ /^    (log|logger)\| /) {        # the library's log lines, of the record before
        key = (cur[lib] != "") ? cur[lib] : "(preamble)"
        text[lib, key] = text[lib, key] " <" substr(line, 5) ">"
        next
    }
    id = line; sub(/: .*/, "", id)
    if (id == line) id = "(unparsed)"
    if (!((lib, id) in text)) order[lib, ++n[lib]] = id
    else text[lib, id] = text[lib, id] " ||| "
    cur[lib] = id
    text[lib, id] = text[lib, id] line
    if (line ~ /\[ok\]$/) verdict[lib, id] = "ok"
    else if (line ~ /\[BAD: .*\]$/) { verdict[lib, id] = "bad"; why[lib, id] = line }
    next
}
END {
    split("deb lp", libs, " ")
    name["deb"] = "deb"; name["lp"] = "ours"
    for (k = 1; k <= 2; k++) {
        L = libs[k]; N = name[L]
        if (!began[L]) { print "FAIL " tag "/" N "/complete: no output (the program did not start)"; continue }
        for (i = 1; i <= n[L]; i++) {
            id = order[L, i]
            if (verdict[L, id] == "ok") print "PASS " tag "/" N "/" id
            else if (verdict[L, id] == "bad") print "FAIL " tag "/" N "/" id ": " why[L, id]
        }
        if (ended[L] && rc[L] == "0") print "PASS " tag "/" N "/complete"
        else print "FAIL " tag "/" N "/complete: " (ended[L] ? "END seen" : aborted[L] != "" ? aborted[L] : "no END") ", exit status " rc[L]
        if (plat[L] == platform) print "PASS " tag "/" N "/platform: " plat[L]
        else print "FAIL " tag "/" N "/platform: the program saw '" plat[L] "', this architecture's dom0 is " platform
        f = libfile[L]
        if (L == "deb" && f ~ /\/lib\/[a-z0-9_]+-linux-gnu\/libxengnttab\.so\.1$/) print "PASS " tag "/" N "/library: " f
        else if (L == "lp" && f == "/opt/ours/libxengnttab.so.1") print "PASS " tag "/" N "/library: " f
        else print "FAIL " tag "/" N "/library: xengnttab_open came from '" f "'"
        missing = ""; nm = 0; nw = 0
        for (id in want) { nw++; if (!((L, id) in text)) { missing = missing " " id; nm++ } }
        if (nm) print "FAIL " tag "/" N "/required: " nm " of the " nw " records a " platform " " (part == "in-guest" ? "guest" : "dom0") " must print are missing:" missing
        else print "PASS " tag "/" N "/required: all " nw " records a " platform " " (part == "in-guest" ? "guest" : "dom0") " must print"
    }
    # ours against Debian's, section by section, in Debian's record order, then ours' extra ones
    for (k = 1; k <= 2; k++) for (i = 1; i <= n[libs[k]]; i++) {
        id = order[libs[k], i]; ids[id] = 1; s = section(id)
        if (!(s in secseen)) { secseen[s] = 1; secs[++ns] = s }
    }
    for (j = 1; j <= ns; j++) {
        s = secs[j]; bad = 0; same = 0; detail = ""
        for (id in ids) {
            if (section(id) != s) continue
            d = ((("deb", id) in text) ? text["deb", id] : "(missing)")
            o = ((("lp", id) in text) ? text["lp", id] : "(missing)")
            if (d == o) { same++; continue }
            bad++
            detail = detail "\n    deb : " d "\n    ours: " o
        }
        if (bad) print "FAIL " tag "/diff/" s ": " bad " record(s) differ" detail
        else print "PASS " tag "/diff/" s ": " same " record(s) identical"
    }
    if (!ns) print "FAIL " tag "/diff: no records to compare"
}
