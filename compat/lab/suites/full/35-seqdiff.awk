# 35-seqdiff.awk - compare seqdiff's outputs with Debian's library and with ours, seed by seed.
# usage: awk -f 35-seqdiff.awk deb.rc lp.rc deb.out lp.out    (a .rc file: "<lib> <exit status>")
# Result lines:
#   seqdiff/<lib>/complete     the run reached "END seqdiff" and exited 0
#   seqdiff/<lib>/self-checks  no "!BAD" line (checks that must hold whatever the library)
#   seqdiff/seeds-<a>-<b>      every seed of the batch printed the same lines in both runs
#   seqdiff/seed-<n>           (only when it diverged) the first differing lines
#   seqdiff/summary            sequences, library calls and diverged sequences
BEGIN { BATCH = 50; lib[1] = "deb"; lib[2] = "lp"; name["deb"] = "deb"; name["lp"] = "ours" }
FNR == 1 { f++ }
f <= 2 { rc[$1] = $2; next }
{ L = lib[f - 2] }
/^seed [0-9]+ begin$/ {
    cur[L] = $2
    if (!($2 in seen)) { seen[$2] = 1; order[++nseeds] = $2 }
}
/^END seqdiff/ { ended[L] = 1 }
/!BAD/ { if (++bad[L] <= 3) badtext[L] = badtext[L] "\n    seed " cur[L] ": " $0 }
cur[L] != "" { line[L, cur[L], ++n[L, cur[L]]] = $0 }
/^seed [0-9]+ end calls=/ { c = $4; sub(/calls=/, "", c); calls[L, cur[L]] = c; cur[L] = "" }
function show(L, s, k) { return (k <= n[L, s]) ? line[L, s, k] : "(no line: the sequence ends here)" }
END {
    for (i = 1; i <= 2; i++) {
        L = lib[i]
        if (ended[L] && rc[L] == "0") print "PASS seqdiff/" name[L] "/complete"
        else print "FAIL seqdiff/" name[L] "/complete: END marker " (ended[L] ? "seen" : "missing") ", exit status " rc[L]
        if (bad[L]) print "FAIL seqdiff/" name[L] "/self-checks: " bad[L] " line(s) with !BAD" badtext[L]
        else if (!ended[L]) print "FAIL seqdiff/" name[L] "/self-checks: the run did not finish"
        else print "PASS seqdiff/" name[L] "/self-checks"
    }
    diverged = 0; total = 0
    for (i = 1; i <= nseeds; i++) {
        s = order[i]; b = int((i - 1) / BATCH)
        if (!(b in first)) { first[b] = s; nb = b + 1 }
        last[b] = s
        total += calls["deb", s]; bcalls[b] += calls["deb", s]; bseeds[b]++
        m = n["deb", s] > n["lp", s] ? n["deb", s] : n["lp", s]
        for (k = 1; k <= m; k++) if (show("deb", s, k) != show("lp", s, k)) break
        if (k > m && n["deb", s] > 0) continue
        diverged++; bdiv[b]++
        if (diverged > 5) { more[b] = more[b] " " s; continue }   # the first few tell the story
        detail = ""
        if (k > 1) detail = "\n    both: " line["deb", s, k - 1]
        for (j = k; j < k + 3 && j <= m; j++)
            detail = detail "\n    deb : " show("deb", s, j) "\n    ours: " show("lp", s, j)
        faillines[b] = faillines[b] "FAIL seqdiff/seed-" s ": diverges at line " k detail "\n"
    }
    for (b = 0; b < nb; b++) {
        if (bdiv[b]) printf "FAIL seqdiff/seeds-%s-%s: %d of %d sequences diverged%s\n%s", first[b], last[b], bdiv[b],
                            bseeds[b], more[b] != "" ? " (also seeds" more[b] ")" : "", faillines[b]
        else printf "PASS seqdiff/seeds-%s-%s: %d sequences, %d calls, identical\n", first[b], last[b], bseeds[b], bcalls[b]
    }
    ok = nseeds > 0 && !diverged
    printf "%s seqdiff/summary: %d sequences, %d library calls (deb run), %d diverged\n", ok ? "PASS" : "FAIL", nseeds, total, diverged
}
