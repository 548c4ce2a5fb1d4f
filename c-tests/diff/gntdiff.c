/* gntdiff.c - differential test of libxengnttab/libxengntshr through the public C API only.
 *
 * Compiled once against Debian's headers and library; the lab runs the same binary twice in
 * one dom0 boot, once with Debian's libxengnttab.so.1 and once with ours (LD_LIBRARY_PATH),
 * and compares the output line by line (see gntdiff.h for the record format). Every record also
 * carries its own verdict against the behaviour in shared/spec/upstream-behaviour.md, so a case
 * where both libraries agree on wrong behaviour still fails.
 *
 * usage: gntdiff [domid]          (domid of the "peer"; 0 = dom0 maps its own grants)
 *        gntdiff --ours-only      cases that crash or corrupt memory in upstream (never run
 *                                 against Debian's library); they only need to fail cleanly.
 * Needs root in a Xen domain with xen-gntdev, xen-gntalloc, xen-evtchn loaded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include <xentoolcore.h>
#include <xentoollog.h>
#include "gntdiff.h"

#define PG 4096
#define RW (PROT_READ | PROT_WRITE)
#define BADREF 99999u          /* beyond dom0's grant table (max 32 frames * 512 by default) */
#define NODOM 7                /* a domid that does not exist in the lab */
#define UNBOUND_PORT 1000      /* an event channel port nobody binds in the lab */
#define LIMIT_PATH GNTALLOC_LIMIT_PATH

static uint32_t dom;
static xengnttab_handle *gt;
static xengntshr_handle *gs;
static xenevtchn_handle *ea, *eb;      /* ea owns port pa (unbound->peer), eb owns pb (interdomain) */
static int pa = -1, pb = -1;

static uint8_t pat(size_t i, int seed) { return (uint8_t)(i * 131 + seed * 7 + (i >> 12)); }
static void fill(uint8_t *p, size_t n, int seed) { for (size_t i = 0; i < n; i++) p[i] = pat(i, seed); }
static int check(const uint8_t *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) if (p[i] != pat(i, seed)) return 0;
    return 1;
}
static int all_zero(const uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) if (p[i]) return 0; return 1; }
static int distinct(const uint32_t *r, int n)
{
    for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (r[i] == r[j]) return 0;
    return 1;
}
static const char *ys(int b) { return b ? "yes" : "no"; }

/* Shares n writable pages with dom for a test's setup; when that fails, records the setup
 * check as failed and returns NULL. */
static uint8_t *setup_share(const char *setup_id, int n, uint32_t *refs)
{
    uint8_t *s = xengntshr_share_pages(gs, dom, n, refs, 1);
    if (!s) rec(setup_id, 0, "share failed", "share=%s", pres(s, errno));
    return s;
}

/* Wait up to ms for an event on port `want` of handle h; 1 if it arrived, 0 if none,
 * -1 if a different port fired. Unmasks what it consumed. */
static int wait_evt(xenevtchn_handle *h, int want, int ms)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(h), .events = POLLIN };
    if (poll(&pfd, 1, ms) <= 0) return 0;
    int p = xenevtchn_pending(h);
    if (p >= 0) xenevtchn_unmask(h, p);
    return p == want ? 1 : -1;
}
/* drop stale events so that each notify check only sees its own */
static void flush_evts(void)
{
    while (wait_evt(ea, -2, 0) != 0) ;
    while (wait_evt(eb, -2, 0) != 0) ;
}
static const char *evs(int r) { return r == 1 ? "event" : r == 0 ? "no-event" : "wrong-port"; }


/* ---------------------------------------------------------------- sections */

static void t_open(void)
{
    errno = 0;
    rec("open.null-close", xengnttab_close(NULL) == 0 && xengntshr_close(NULL) == 0, NULL,
        "xengnttab_close(NULL), xengntshr_close(NULL) both 0");
    gt = xengnttab_open(NULL, 0);
    int e1 = errno;
    gs = xengntshr_open(NULL, 0);
    int e2 = errno;
    rec("open.handles", gt && gs, "open failed", "gnttab=%s gntshr=%s", pres(gt, e1), pres(gs, e2));
    if (!gt || !gs) { printf("END gntdiff (aborted)\n"); exit(1); }
    int f1 = xengnttab_fd(gt), f2 = xengntshr_fd(gs);
    rec("open.fds", f1 >= 0 && f2 >= 0 && f1 != f2, NULL, "gnttab fd valid=%s gntshr fd valid=%s distinct=%s",
        ys(f1 >= 0), ys(f2 >= 0), ys(f1 != f2));
    /* upstream: gntdev O_CLOEXEC, gntalloc without (spec §4.1, §10.13): compared only */
    rec("open.cloexec", V_NONE, NULL, "gnttab=%d gntshr=%d",
        !!(fcntl(f1, F_GETFD) & FD_CLOEXEC), !!(fcntl(f2, F_GETFD) & FD_CLOEXEC));
    xengnttab_handle *o = xengnttab_open(NULL, 12345);
    rec("open.flags-ignored", o != NULL, NULL, "open_flags=12345 -> %s", pres(o, errno));
    if (o) xengnttab_close(o);
}

static void t_set_max(void)
{
    int r1 = xengnttab_set_max_grants(gt, 64);
    int r2 = xengnttab_set_max_grants(gt, 0);
    int r3 = xengnttab_set_max_grants(gt, 0x7FF0);
    rec("set_max_grants", r1 == 0 && r2 == 0 && r3 == 0, "Linux: ENOTTY is swallowed -> 0",
        "64 -> %d, 0 -> %d, 0x7FF0 -> %d", r1, r2, r3);
}

/* share n pages writable, map them back (map_domain_grant_refs), check data both ways */
static void t_share_map(int n)
{
    char id[64];
    snprintf(id, sizeof id, "share-map.%d", n);
    uint32_t *refs = calloc(n, sizeof *refs);
    errno = 0;
    uint8_t *s = xengntshr_share_pages(gs, dom, n, refs, 1);
    if (!s) { rec(id, 0, "share failed", "share=%s", pres(s, errno)); free(refs); return; }
    int zero = all_zero(s, (size_t)n * PG), dist = distinct(refs, n);
    fill(s, (size_t)n * PG, n);
    errno = 0;
    uint8_t *m = xengnttab_map_domain_grant_refs(gt, n, dom, refs, RW);
    int me = errno, data = 0, wb = 1, ur = -2, ue = 0;
    if (m) {
        data = check(m, (size_t)n * PG, n);
        for (int i = 0; i < n; i++) m[(size_t)i * PG + 17] = 0xA5;
        for (int i = 0; i < n; i++) if (s[(size_t)i * PG + 17] != 0xA5) wb = 0;
        errno = 0;
        ur = xengnttab_unmap(gt, m, n);
        ue = errno;
    }
    int sr = xengntshr_unshare(gs, s, n);
    rec(id, m && zero && dist && data && wb && ur == 0 && sr == 0, NULL,
        "share=ok zeroed=%s refs-distinct=%s map=%s data=%s writeback=%s unmap=%d/%s unshare=%d",
        ys(zero), ys(dist), pres(m, me), ys(data), ys(wb), ur, en(ur ? ue : 0), sr);
    free(refs);
}

/* batch map with a per-ref domid array, refs in reverse order: page i must be ref n-1-i */
static void t_batch_reversed(int n)
{
    char id[64];
    snprintf(id, sizeof id, "batch-reversed.%d", n);
    uint32_t *refs = calloc(n, sizeof *refs), *rr = calloc(n, sizeof *rr), *doms = calloc(n, sizeof *doms);
    uint8_t *s = xengntshr_share_pages(gs, dom, n, refs, 1);
    if (!s) { rec(id, 0, "share failed", "share=%s", pres(s, errno)); goto out; }
    for (int i = 0; i < n; i++) { rr[i] = refs[n - 1 - i]; doms[i] = dom; }
    fill(s, (size_t)n * PG, 3);
    errno = 0;
    uint8_t *m = xengnttab_map_grant_refs(gt, n, doms, rr, PROT_READ);
    int me = errno, ok = m != NULL;
    for (int i = 0; m && i < n; i++)
        if (memcmp(m + (size_t)i * PG, s + (size_t)(n - 1 - i) * PG, PG)) ok = 0;
    int ur = m ? xengnttab_unmap(gt, m, n) : -2;
    xengntshr_unshare(gs, s, n);
    rec(id, ok && ur == 0, NULL, "map(RO, reversed, per-ref domids)=%s pages-match=%s unmap=%d",
        pres(m, me), ys(ok), ur);
out:
    free(refs); free(rr); free(doms);
}

static void t_sizes(void)
{
    static const int sizes[] = { 1, 4, 64, 510, 511 };
    for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) t_share_map(sizes[i]);
    for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) t_batch_reversed(sizes[i]);
    /* 1024 pages exceed nothing by itself, but everything else shared counts towards the
     * global gntalloc limit (default 1024): raise it for the big case, then restore it */
    int old = gntalloc_limit_read();
    int wr = gntalloc_limit_write(old < 4096 ? 4096 : old);
    rec("limit.raise", old > 0 && wr == 0, "cannot read/write " LIMIT_PATH, "limit readable=%s raised=%s",
        ys(old > 0), ys(wr == 0));
    t_share_map(1024);
    t_batch_reversed(1024);
    if (old > 0) gntalloc_limit_write(old);
    rec("limit.restore", gntalloc_limit_read() == old, NULL, "restored=%s", ys(gntalloc_limit_read() == old));
}

static void t_readonly(void)
{
    uint32_t ref;
    uint8_t *s = setup_share("ro.setup", 1, &ref);
    if (!s) return;
    fill(s, PG, 9);
    errno = 0;
    volatile uint8_t *m = xengnttab_map_grant_ref(gt, dom, ref, PROT_READ);
    int me = errno;
    int rd = m && check((const uint8_t *)m, PG, 9);
    int f = m ? try_write(m + 10, 0x77) : -1;
    rec("ro.map-read-write", m && rd && f == SEGV_ACCERR && s[10] == pat(10, 9), "write must fault",
        "map(PROT_READ)=%s data=%s write=%s sharer-unchanged=%s", pres((void *)m, me), ys(rd), segv_name(f),
        ys(s[10] == pat(10, 9)));
    /* the same write in a forked child: it must die of SIGSEGV (in PV the child does not even
     * inherit the grant mapping, VM_DONTCOPY; either way it must not reach the page) */
    if (m) {
        pid_t p = fork();
        if (p == 0) { m[10] = 0x77; _exit(0); }
        const char *cs = child_status(p);
        rec("ro.child-write", !strcmp(cs, "killed-by-SEGV") && s[10] == pat(10, 9), NULL, "child %s", cs);
        xengnttab_unmap(gt, (void *)m, 1);
    }
    /* control: a RW mapping of the same ref does not fault */
    uint8_t *w = xengnttab_map_grant_ref(gt, dom, ref, RW);
    int f2 = w ? try_write(w + 10, 0x77) : -1;
    rec("ro.rw-control", w && f2 == 0 && s[10] == 0x77, NULL, "map(RW)=%s write=%s visible=%s",
        pres(w, errno), segv_name(f2), ys(s[10] == 0x77));
    if (w) xengnttab_unmap(gt, w, 1);
    /* a page shared read-only (writable=0) cannot be mapped writable, but read-only is fine */
    uint32_t r2;
    uint8_t *s2 = xengntshr_share_pages(gs, dom, 1, &r2, 0);
    if (s2) {
        fill(s2, PG, 4);
        errno = 0;
        void *mw = xengnttab_map_grant_ref(gt, dom, r2, RW);
        int ew = errno;
        void *mr = xengnttab_map_grant_ref(gt, dom, r2, PROT_READ);
        int er = errno;
        rec("ro.readonly-grant", !mw && mr && check(mr, PG, 4), NULL, "map RW=%s map RO=%s data=%s",
            pres(mw, ew), pres(mr, er), ys(mr && check(mr, PG, 4)));
        if (mw) xengnttab_unmap(gt, mw, 1);
        if (mr) xengnttab_unmap(gt, mr, 1);
        xengntshr_unshare(gs, s2, 1);
    } else rec("ro.readonly-grant", 0, "share failed", "share(writable=0)=%s", pres(s2, errno));
    /* PROT_WRITE alone (QEMU's fallback path uses it) */
    errno = 0;
    void *wo = xengnttab_map_domain_grant_refs(gt, 1, dom, &ref, PROT_WRITE);
    rec("ro.prot-write-only", V_NONE, NULL, "map(PROT_WRITE)=%s", pres(wo, errno));
    if (wo) xengnttab_unmap(gt, wo, 1);
    xengntshr_unshare(gs, s, 1);
}

static void t_bad_maps(void)
{
    uint32_t refs[3];
    uint8_t *s = setup_share("badmap.setup", 2, refs);
    if (!s) return;
    errno = 0;
    void *m = xengnttab_map_grant_ref(gt, dom, BADREF, PROT_READ);
    rec("badmap.invalid-ref", !m && errno == EINVAL, "fails at mmap with EINVAL", "map=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 1);
    uint32_t batch[3] = { refs[0], BADREF, refs[1] };
    errno = 0;
    m = xengnttab_map_domain_grant_refs(gt, 3, dom, batch, RW);
    rec("badmap.batch-one-bad", !m && errno == EINVAL, "batch is all-or-nothing", "map=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 3);
    /* the batch failure must not have left anything behind: the good refs still map */
    m = xengnttab_map_domain_grant_refs(gt, 2, dom, refs, RW);
    rec("badmap.after-failure", m != NULL, NULL, "map good refs=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 2);
    errno = 0;
    m = xengnttab_map_domain_grant_refs(gt, 0, dom, refs, RW);
    rec("badmap.count0", !m, NULL, "map(count=0)=%s", pres(m, errno));
    /* gntdev refuses requests above its per-call limit (65536 pages) with EINVAL */
    uint32_t n = 65537, *many = malloc(n * sizeof *many);
    for (uint32_t i = 0; i < n; i++) many[i] = refs[0];
    errno = 0;
    m = xengnttab_map_domain_grant_refs(gt, n, dom, many, PROT_READ);
    rec("badmap.count65537", !m, NULL, "map=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, n);
    free(many);
    /* the same ref twice in one batch, and mapped twice at once */
    uint32_t twice[2] = { refs[0], refs[0] };
    fill(s, PG, 5);
    uint8_t *m2 = xengnttab_map_domain_grant_refs(gt, 2, dom, twice, PROT_READ);
    uint8_t *m3 = xengnttab_map_grant_ref(gt, dom, refs[0], PROT_READ);
    int ok = m2 && m3 && check(m2, PG, 5) && check(m2 + PG, PG, 5) && check(m3, PG, 5);
    rec("badmap.same-ref-twice", ok, NULL, "batch=%s single=%s data=%s", pres(m2, errno), pres(m3, errno), ys(ok));
    if (m2) xengnttab_unmap(gt, m2, 2);
    if (m3) xengnttab_unmap(gt, m3, 1);
    xengntshr_unshare(gs, s, 2);

    /* a grant for a domain that does not exist: sharing works, dom0 may not map or copy it */
    uint32_t r7;
    errno = 0;
    uint8_t *s7 = xengntshr_share_pages(gs, NODOM, 1, &r7, 1);
    rec("nodom.share", s7 != NULL, NULL, "share to domid %d=%s", NODOM, pres(s7, errno));
    if (s7) {
        errno = 0;
        m = xengnttab_map_grant_ref(gt, dom, r7, PROT_READ);
        rec("nodom.map-from-dom0", !m && errno == EINVAL, "grant is for another domain", "map=%s", pres(m, errno));
        if (m) xengnttab_unmap(gt, m, 1);
        uint8_t buf[64];
        xengnttab_grant_copy_segment_t seg = { 0 };
        seg.source.foreign.ref = r7; seg.source.foreign.domid = dom;
        seg.dest.virt = buf; seg.len = 64; seg.flags = GNTCOPY_source_gref;
        int rc = xengnttab_grant_copy(gt, 1, &seg);
        rec("nodom.copy-from-dom0", rc == 0 && seg.status != GNTST_okay, NULL, "rc=%d status=%d", rc, seg.status);
        xengntshr_unshare(gs, s7, 1);
    }
}

static void t_unmap(void)
{
    uint32_t refs[4];
    uint8_t *s = setup_share("unmap.setup", 4, refs);
    if (!s) return;
    fill(s, 4 * PG, 6);
    uint8_t *m = xengnttab_map_domain_grant_refs(gt, 4, dom, refs, PROT_READ);
    if (!m) { rec("unmap.setup", 0, "map failed", "map=%s", pres(m, errno)); xengntshr_unshare(gs, s, 4); return; }
    errno = 0;
    int r = xengnttab_unmap(gt, m, 2);
    rec("unmap.wrong-count", r == -1 && errno == EINVAL && check(m, 4 * PG, 6), "EINVAL, nothing unmapped",
        "unmap(count 2 of 4)=%d/%s still-mapped=%s", r, en(errno), ys(check(m, 4 * PG, 6)));
    errno = 0;
    r = xengnttab_unmap(gt, m, 4);
    rec("unmap.right-count", r == 0, NULL, "unmap=%d/%s", r, en(r ? errno : 0));
    errno = 0;
    r = xengnttab_unmap(gt, m, 4);
    rec("unmap.twice", r == -1 && errno == EINVAL, NULL, "second unmap=%d/%s", r, en(errno));
    int stackvar = 0, *heap = malloc(PG * 4);
    errno = 0;
    r = xengnttab_unmap(gt, &stackvar, 1);
    int e1 = errno;
    errno = 0;
    int r2 = xengnttab_unmap(gt, heap, 1);
    int e2 = errno;
    errno = 0;
    int r3 = xengnttab_unmap(gt, NULL, 1);
    int e3 = errno;
    rec("unmap.unknown-address", r == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL && r3 == -1 && e3 == EINVAL, NULL,
        "stack=%d/%s heap=%d/%s NULL=%d/%s", r, en(e1), r2, en(e2), r3, en(e3));
    free(heap);
    xengntshr_unshare(gs, s, 4);
    /* unshare is munmap: NULL with count 0 is munmap(NULL, 0) */
    errno = 0;
    r = xengntshr_unshare(gs, NULL, 0);
    rec("unshare.null-0", V_NONE, NULL, "unshare(NULL,0)=%d/%s", r, en(r ? errno : 0));
}

static void t_copy(void)
{
    uint32_t refs[2];
    uint8_t *s = setup_share("copy.setup", 2, refs);
    if (!s) return;
    errno = 0;
    int r = xengnttab_grant_copy(gt, 0, NULL);
    rec("copy.probe-0-null", r == 0, "QEMU's probe needs 0", "grant_copy(0,NULL)=%d/%s", r, en(r ? errno : 0));

    fill(s, 2 * PG, 8);
    uint8_t *buf = aligned_alloc(PG, 3 * PG);
    memset(buf, 0, 3 * PG);
    xengnttab_grant_copy_segment_t seg[40];
    memset(seg, 0, sizeof seg);
    /* gref -> local buffer crossing a page boundary */
    seg[0].source.foreign.ref = refs[1]; seg[0].source.foreign.offset = 100; seg[0].source.foreign.domid = dom;
    seg[0].dest.virt = buf + PG - 50; seg[0].len = 1000; seg[0].flags = GNTCOPY_source_gref;
    /* local buffer crossing a page boundary -> gref */
    for (int i = 0; i < 500; i++) buf[2 * PG - 200 + i] = (uint8_t)(0x5A ^ i);
    seg[1].source.virt = buf + 2 * PG - 200; seg[1].dest.foreign.ref = refs[0];
    seg[1].dest.foreign.offset = 10; seg[1].dest.foreign.domid = dom; seg[1].len = 500; seg[1].flags = GNTCOPY_dest_gref;
    r = xengnttab_grant_copy(gt, 2, seg);
    int ok = r == 0 && seg[0].status == GNTST_okay && seg[1].status == GNTST_okay &&
             !memcmp(buf + PG - 50, s + PG + 100, 1000) && !memcmp(s + 10, buf + 2 * PG - 200, 500);
    rec("copy.both-directions", ok, NULL, "rc=%d status=%d,%d data=%s", r, seg[0].status, seg[1].status, ys(ok));

    /* gref -> gref */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = refs[1]; seg[0].source.foreign.domid = dom; seg[0].source.foreign.offset = 0;
    seg[0].dest.foreign.ref = refs[0]; seg[0].dest.foreign.domid = dom; seg[0].dest.foreign.offset = 2048;
    seg[0].len = 2048; seg[0].flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.gref-to-gref", r == 0 && seg[0].status == 0 && !memcmp(s + 2048, s + PG, 2048), NULL,
        "rc=%d status=%d data=%s", r, seg[0].status, ys(!memcmp(s + 2048, s + PG, 2048)));

    /* 40 segments (more than one kernel batch of 16) */
    fill(s, 2 * PG, 11);
    memset(seg, 0, sizeof seg);
    memset(buf, 0, 3 * PG);
    for (int i = 0; i < 40; i++) {
        seg[i].source.foreign.ref = refs[i & 1]; seg[i].source.foreign.domid = dom;
        seg[i].source.foreign.offset = i * 100; seg[i].dest.virt = buf + i * 100;
        seg[i].len = 100; seg[i].flags = GNTCOPY_source_gref;
    }
    r = xengnttab_grant_copy(gt, 40, seg);
    ok = r == 0;
    for (int i = 0; i < 40; i++)
        if (seg[i].status || memcmp(buf + i * 100, s + (i & 1) * PG + i * 100, 100)) ok = 0;
    rec("copy.40-segments", ok, NULL, "rc=%d all-ok=%s", r, ys(ok));

    /* bad ref -> per-segment status, rc 0 */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = BADREF; seg[0].source.foreign.domid = dom;
    seg[0].dest.virt = buf; seg[0].len = 16; seg[0].flags = GNTCOPY_source_gref;
    seg[1].source.foreign.ref = refs[0]; seg[1].source.foreign.domid = dom;
    seg[1].dest.virt = buf + 100; seg[1].len = 16; seg[1].flags = GNTCOPY_source_gref;
    r = xengnttab_grant_copy(gt, 2, seg);
    rec("copy.bad-ref", r == 0 && seg[0].status == GNTST_bad_gntref && seg[1].status == 0, NULL,
        "rc=%d status=%d,%d", r, seg[0].status, seg[1].status);

    /* bad domid on the foreign side */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = refs[0]; seg[0].source.foreign.domid = NODOM;
    seg[0].dest.virt = buf; seg[0].len = 16; seg[0].flags = GNTCOPY_source_gref;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.bad-domid", r == 0 && seg[0].status != 0, NULL, "rc=%d status=%d", r, seg[0].status);

    /* local -> local is rejected by the kernel: -1 EINVAL and a log line */
    memset(seg, 0, sizeof seg);
    seg[0].source.virt = buf; seg[0].dest.virt = buf + PG; seg[0].len = 16; seg[0].flags = 0;
    errno = 0;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.local-to-local", r == -1 && errno == EINVAL, NULL, "rc=%d/%s", r, en(errno));

    /* offset + len beyond the foreign page */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = refs[0]; seg[0].source.foreign.domid = dom; seg[0].source.foreign.offset = 4000;
    seg[0].dest.virt = buf; seg[0].len = 200; seg[0].flags = GNTCOPY_source_gref;
    errno = 0;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.cross-foreign-page", r == -1 && errno == EINVAL, NULL, "rc=%d/%s", r, en(errno));

    /* len 0: status okay, nothing copied */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = refs[0]; seg[0].source.foreign.domid = dom;
    seg[0].dest.virt = buf; seg[0].len = 0; seg[0].flags = GNTCOPY_source_gref; seg[0].status = 99;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.len0", r == 0 && seg[0].status == 0, NULL, "rc=%d status=%d", r, seg[0].status);

    /* a bad local pointer */
    memset(seg, 0, sizeof seg);
    seg[0].source.foreign.ref = refs[0]; seg[0].source.foreign.domid = dom;
    seg[0].dest.virt = (void *)16; seg[0].len = 16; seg[0].flags = GNTCOPY_source_gref;
    errno = 0;
    r = xengnttab_grant_copy(gt, 1, seg);
    rec("copy.bad-local-pointer", r == -1, NULL, "rc=%d/%s", r, en(errno));
    free(buf);

    /* copy into a grant shared read-only */
    uint32_t rr;
    uint8_t *ro = xengntshr_share_pages(gs, dom, 1, &rr, 0);
    if (ro) {
        uint8_t src[32] = { 1 };
        memset(seg, 0, sizeof seg);
        seg[0].source.virt = src; seg[0].dest.foreign.ref = rr; seg[0].dest.foreign.domid = dom;
        seg[0].len = 32; seg[0].flags = GNTCOPY_dest_gref;
        r = xengnttab_grant_copy(gt, 1, seg);
        rec("copy.into-readonly-grant", r == 0 && seg[0].status != 0 && all_zero(ro, PG), NULL,
            "rc=%d status=%d page-untouched=%s", r, seg[0].status, ys(all_zero(ro, PG)));
        xengntshr_unshare(gs, ro, 1);
    }
    xengntshr_unshare(gs, s, 2);
}

static void t_notify(void)
{
    ea = xenevtchn_open(NULL, 0);
    eb = xenevtchn_open(NULL, 0);
    pa = ea ? xenevtchn_bind_unbound_port(ea, dom) : -1;
    pb = eb && pa >= 0 ? xenevtchn_bind_interdomain(eb, dom, pa) : -1;
    rec("notify.evtchn-setup", pa >= 0 && pb >= 0, "libxenevtchn port pair", "ports bound=%s", ys(pa >= 0 && pb >= 0));
    if (pa < 0 || pb < 0) return;
    uint32_t ref;
    uint8_t *s = setup_share("notify.setup", 1, &ref);
    if (!s) return;

    /* gnttab: clear byte + event at unmap */
    memset(s, 0x11, PG);
    flush_evts();
    errno = 0;
    uint8_t *m = xengnttab_map_grant_ref_notify(gt, dom, ref, RW, 100, pb);
    int me = errno;
    int ur = m ? xengnttab_unmap(gt, m, 1) : -2;
    int ev = wait_evt(ea, pa, 2000);
    rec("notify.gnttab-byte-event", m && ur == 0 && s[100] == 0 && s[99] == 0x11 && s[101] == 0x11 && ev == 1, NULL,
        "map=%s unmap=%d byte-cleared=%s neighbours-kept=%s %s", pres(m, me), ur, ys(s[100] == 0),
        ys(s[99] == 0x11 && s[101] == 0x11), evs(ev));

    /* offset out of range (4096) and no port: silently ignored */
    memset(s, 0x11, PG);
    flush_evts();
    errno = 0;
    m = xengnttab_map_grant_ref_notify(gt, dom, ref, RW, PG, (evtchn_port_t)-1);
    me = errno;
    ur = m ? xengnttab_unmap(gt, m, 1) : -2;
    ev = wait_evt(ea, pa, 300);
    rec("notify.gnttab-offset-out-of-range", m && ur == 0 && s[0] == 0x11 && s[PG - 1] == 0x11 && ev == 0, NULL,
        "map=%s unmap=%d page-untouched=%s %s", pres(m, me), ur, ys(s[0] == 0x11 && s[PG - 1] == 0x11), evs(ev));

    /* event only (offset -1) */
    flush_evts();
    errno = 0;
    m = xengnttab_map_grant_ref_notify(gt, dom, ref, RW, (uint32_t)-1, pb);
    me = errno;
    ur = m ? xengnttab_unmap(gt, m, 1) : -2;
    ev = wait_evt(ea, pa, 2000);
    rec("notify.gnttab-event-only", m && ur == 0 && ev == 1 && s[0] == 0x11, NULL,
        "map=%s unmap=%d %s page-untouched=%s", pres(m, me), ur, evs(ev), ys(s[0] == 0x11));

    /* clear byte on a read-only map: EINVAL (two log lines upstream) */
    flush_evts();
    errno = 0;
    m = xengnttab_map_grant_ref_notify(gt, dom, ref, PROT_READ, 100, (evtchn_port_t)-1);
    rec("notify.gnttab-ro-clear-byte", !m && errno == EINVAL, NULL, "map=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 1);
    /* event only on a read-only map is fine */
    flush_evts();
    errno = 0;
    m = xengnttab_map_grant_ref_notify(gt, dom, ref, PROT_READ, (uint32_t)-1, pb);
    me = errno;
    ur = m ? xengnttab_unmap(gt, m, 1) : -2;
    ev = wait_evt(ea, pa, 2000);
    rec("notify.gnttab-ro-event-only", m && ur == 0 && ev == 1, NULL, "map=%s unmap=%d %s", pres(m, me), ur, evs(ev));
    /* a port that is not bound: EINVAL */
    flush_evts();
    errno = 0;
    m = xengnttab_map_grant_ref_notify(gt, dom, ref, RW, 100, UNBOUND_PORT);
    rec("notify.gnttab-unbound-port", !m && errno == EINVAL, NULL, "map=%s", pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 1);

    /* process exit fires the notification: a child maps with its own handle and just exits */
    memset(s, 0x11, PG);
    flush_evts();
    pid_t p = fork();
    if (p == 0) {
        xengnttab_handle *h = xengnttab_open(NULL, 0);
        void *cm = h ? xengnttab_map_grant_ref_notify(h, dom, ref, RW, 200, pb) : NULL;
        _exit(cm ? 0 : 1);
    }
    const char *cs = child_status(p);
    ev = wait_evt(ea, pa, 2000);
    rec("notify.gnttab-on-exit", !strcmp(cs, "exit-0") && s[200] == 0 && ev == 1, NULL, "child %s byte-cleared=%s %s",
        cs, ys(s[200] == 0), evs(ev));
    xengntshr_unshare(gs, s, 1);

    /* gntshr: share_page_notify, peer (our own gnttab map) sees the byte cleared at unshare */
    flush_evts();
    errno = 0;
    s = xengntshr_share_page_notify(gs, dom, &ref, 1, 64, pa);
    me = errno;
    if (s) {
        memset(s, 0x22, PG);
        m = xengnttab_map_grant_ref(gt, dom, ref, PROT_READ);
        int sr = xengntshr_unshare(gs, s, 1);
        ev = wait_evt(eb, pb, 2000);
        int ok = m && sr == 0 && m[64] == 0 && m[63] == 0x22 && m[65] == 0x22 && ev == 1;
        rec("notify.gntshr-byte-event", ok, NULL, "share=ok map=%s unshare=%d byte-cleared=%s neighbours-kept=%s %s",
            pres(m, errno), sr, ys(m && m[64] == 0), ys(m && m[63] == 0x22 && m[65] == 0x22), evs(ev));
        if (m) xengnttab_unmap(gt, m, 1);
    } else rec("notify.gntshr-byte-event", 0, "share failed", "share=%s", pres(s, me));

    /* gntshr: out-of-range offset, no port: ignored */
    flush_evts();
    errno = 0;
    s = xengntshr_share_page_notify(gs, dom, &ref, 1, PG, (evtchn_port_t)-1);
    me = errno;
    if (s) {
        memset(s, 0x22, PG);
        m = xengnttab_map_grant_ref(gt, dom, ref, PROT_READ);
        int sr = xengntshr_unshare(gs, s, 1);
        ev = wait_evt(eb, pb, 300);
        int ok = m && sr == 0 && m[0] == 0x22 && m[PG - 1] == 0x22 && ev == 0;
        rec("notify.gntshr-offset-out-of-range", ok, NULL, "share=ok unshare=%d page-untouched=%s %s", sr,
            ys(m && m[0] == 0x22 && m[PG - 1] == 0x22), evs(ev));
        if (m) xengnttab_unmap(gt, m, 1);
    } else rec("notify.gntshr-offset-out-of-range", 0, "share failed", "share=%s", pres(s, me));

    /* gntshr: unbound port -> NULL/EINVAL, the ref is still written (spec §10.11) */
    ref = 0xdeadbeef;
    flush_evts();
    errno = 0;
    s = xengntshr_share_page_notify(gs, dom, &ref, 1, 64, UNBOUND_PORT);
    rec("notify.gntshr-unbound-port", !s && errno == EINVAL, NULL, "share=%s ref-written=%s", pres(s, errno),
        ys(ref != 0xdeadbeef));
    if (s) xengntshr_unshare(gs, s, 1);
}

static void t_limit(void)
{
    int old = gntalloc_limit_read();
    if (old <= 0 || gntalloc_limit_write(8)) { rec("limit.lower", 0, "cannot write " LIMIT_PATH, "limit=%d", old); return; }
    uint32_t refs[9];
    errno = 0;
    uint8_t *a = xengntshr_share_pages(gs, dom, 8, refs, 1);
    int ea1 = errno;
    errno = 0;
    uint8_t *b = xengntshr_share_pages(gs, dom, 1, refs + 8, 1);
    int eb1 = errno;
    rec("limit.hit", a && !b && eb1 == ENOSPC, NULL, "share 8 at limit 8=%s share 1 more=%s", pres(a, ea1), pres(b, eb1));
    if (b) xengntshr_unshare(gs, b, 1);
    int ur = a ? xengntshr_unshare(gs, a, 8) : -2;
    errno = 0;
    a = xengntshr_share_pages(gs, dom, 8, refs, 1);
    rec("limit.recover", ur == 0 && a, NULL, "unshare=%d share 8 again=%s", ur, pres(a, errno));
    if (a) xengntshr_unshare(gs, a, 8);
    errno = 0;
    b = xengntshr_share_pages(gs, dom, 9, refs, 1);
    rec("limit.single-request-too-big", !b && errno == ENOSPC, NULL, "share 9=%s", pres(b, errno));
    if (b) xengntshr_unshare(gs, b, 9);
    gntalloc_limit_write(old);
    rec("limit.restored", gntalloc_limit_read() == old, NULL, "restored=%s", ys(gntalloc_limit_read() == old));
}

static void t_close_live(void)
{
    uint32_t ref;
    uint8_t *s = setup_share("close.setup", 1, &ref);
    if (!s) return;
    fill(s, PG, 12);
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    uint8_t *m = h ? xengnttab_map_grant_ref(h, dom, ref, RW) : NULL;
    int cr = h ? xengnttab_close(h) : -2;
    int ok = m && check(m, PG, 12);
    if (m) { m[5] = 0x99; ok = ok && s[5] == 0x99; }
    rec("close.gnttab-live-mapping", m && cr == 0 && ok, "close does not unmap", "map=%s close=%d still-valid=%s",
        pres(m, errno), cr, ys(ok));
    if (m) munmap(m, PG);   /* the handle is gone: only munmap is left, as libxenvchan does */

    xengntshr_handle *h2 = xengntshr_open(NULL, 0);
    uint32_t r2;
    uint8_t *s2 = h2 ? xengntshr_share_pages(h2, dom, 1, &r2, 1) : NULL;
    int cr2 = h2 ? xengntshr_close(h2) : -2;
    uint8_t *m2 = s2 ? xengnttab_map_grant_ref(gt, dom, r2, RW) : NULL;
    ok = s2 && m2;
    if (ok) { s2[7] = 0x42; ok = m2[7] == 0x42; }
    rec("close.gntshr-live-share", s2 && cr2 == 0 && ok, NULL, "share=%s close=%d peer-map=%s still-shared=%s",
        pres(s2, errno), cr2, pres(m2, 0), ys(ok));
    if (m2) xengnttab_unmap(gt, m2, 1);
    if (s2) munmap(s2, PG);
    xengntshr_unshare(gs, s, 1);
}

static void t_fork_close(void)
{
    pid_t p = fork();
    if (p == 0) _exit(xengnttab_close(gt) == 0 && xengntshr_close(gs) == 0 ? 0 : 1);
    const char *cs = child_status(p);
    uint32_t ref;
    uint8_t *s = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, dom, ref, RW) : NULL;
    int ur = m ? xengnttab_unmap(gt, m, 1) : -2;
    int sr = s ? xengntshr_unshare(gs, s, 1) : -2;
    rec("fork.child-closes-handles", !strcmp(cs, "exit-0") && s && m && ur == 0 && sr == 0, NULL,
        "child %s parent: share=%s map=%s unmap=%d unshare=%d", cs, pres(s, 0), pres(m, 0), ur, sr);
}

static void t_cross_family(void)
{
    uint32_t ref = 0, r2;
    uint8_t *s = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    errno = 0;
    /* both typedefs name struct xengntdev_handle: a gnttab handle used for gntshr calls */
    void *x = xengntshr_share_pages((xengntshr_handle *)gt, dom, 1, &r2, 1);
    rec("cross.gnttab-handle-share", !x && errno == ENOTTY, NULL, "share=%s", pres(x, errno));
    if (x) munmap(x, PG);
    errno = 0;
    x = s ? xengnttab_map_grant_ref((xengnttab_handle *)gs, dom, ref, PROT_READ) : NULL;
    rec("cross.gntshr-handle-map", !x && errno == ENOTTY, NULL, "map=%s", pres(x, errno));
    if (x) munmap(x, PG);
    xengnttab_grant_copy_segment_t seg = { 0 };
    uint8_t buf[16];
    seg.source.foreign.ref = ref; seg.source.foreign.domid = dom; seg.dest.virt = buf; seg.len = 16;
    seg.flags = GNTCOPY_source_gref;
    errno = 0;
    int r = xengnttab_grant_copy((xengnttab_handle *)gs, 1, &seg);
    rec("cross.gntshr-handle-copy", r == -1 && errno == ENOTTY, NULL, "copy=%d/%s", r, en(errno));
    r = xengnttab_set_max_grants((xengnttab_handle *)gs, 8);
    rec("cross.gntshr-handle-set-max", r == 0, NULL, "set_max_grants=%d", r);
    if (s) xengntshr_unshare(gs, s, 1);
}

static void t_dmabuf(void)
{
    uint32_t ref, fd = 0xffffffff, refs[1];
    uint8_t *s = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    errno = 0;
    int r = xengnttab_dmabuf_exp_from_refs(gt, dom, 0, 0, &ref, &fd);
    rec("dmabuf.exp-count0", r == -1 && errno == EINVAL, NULL, "rc=%d/%s", r, en(errno));
    errno = 0;
    r = xengnttab_dmabuf_exp_from_refs(gt, dom, 0, 1, &ref, &fd);
    int e = errno;
    rec("dmabuf.exp-from-refs", V_NONE, NULL, "rc=%d/%s", r, en(r ? e : 0));
    if (r == 0) close(fd);
    errno = 0;
    r = xengnttab_dmabuf_exp_wait_released(gt, 12345, 10);
    rec("dmabuf.wait-released", V_NONE, NULL, "rc=%d/%s", r, en(errno));
    errno = 0;
    r = xengnttab_dmabuf_imp_to_refs(gt, dom, 0, 0, refs);
    rec("dmabuf.imp-count0", r == -1 && errno == EINVAL, NULL, "rc=%d/%s", r, en(errno));
    errno = 0;
    r = xengnttab_dmabuf_imp_to_refs(gt, dom, 1 /* stdout: not a dma-buf */, 1, refs);
    rec("dmabuf.imp-not-a-dmabuf", r == -1, NULL, "rc=%d/%s", r, en(errno));
    errno = 0;
    r = xengnttab_dmabuf_imp_release(gt, 12345);
    rec("dmabuf.imp-release-unknown", r == -1, NULL, "rc=%d/%s", r, en(errno));
    if (s) xengntshr_unshare(gs, s, 1);
}

static void t_logger(void)
{
    FILE *f = tmpfile();
    xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(f, XTL_DEBUG, 0);
    xengnttab_handle *h = xengnttab_open((xentoollog_logger *)lg, 0);
    xengntshr_handle *h2 = xengntshr_open((xentoollog_logger *)lg, 0);
    void *m = h ? xengnttab_map_grant_ref(h, dom, BADREF, PROT_READ) : NULL;
    uint32_t r;
    void *x = h2 ? xengntshr_share_pages((xengntshr_handle *)h, dom, 1, &r, 1) : NULL;
    int c1 = h ? xengnttab_close(h) : -2, c2 = h2 ? xengntshr_close(h2) : -2;
    rec("logger.custom", h && h2 && !m && !x && c1 == 0 && c2 == 0, NULL, "open=%s,%s closes=%d,%d (lines below)",
        pres(h, 0), pres(h2, 0), c1, c2);
    /* the library must not destroy a caller's logger: it still works after close */
    xtl_log((xentoollog_logger *)lg, XTL_ERROR, -1, "gntdiff", "logger still alive");
    fflush(f);
    rewind(f);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        printf("    logger| %s\n", line);
    }
    xtl_logger_destroy((xentoollog_logger *)lg);
    fclose(f);
}

/* xentoolcore_restrict_all neuters gnttab handles (dup2 of /dev/null) but not gntshr ones.
 * Done in a forked child so the parent's handles stay usable. */
static void t_restrict(void)
{
    pid_t p = fork();
    if (p == 0) {
        uint32_t ref;
        /* libxenevtchn handles are registered too and their restrict (an ioctl) may fail,
         * which stops restrict_all early: keep only gnttab/gntshr handles in this process */
        if (ea) xenevtchn_close(ea);
        if (eb) xenevtchn_close(eb);
        xengnttab_handle *h = xengnttab_open(NULL, 0);
        uint8_t *s = xengntshr_share_pages(gs, dom, 1, &ref, 1);
        if (!h || !s) { rec("restrict.setup", 0, "setup failed", "open=%s share=%s", pres(h, 0), pres(s, 0)); _exit(1); }
        fill(s, PG, 13);
        uint8_t *m = xengnttab_map_grant_ref(h, dom, ref, PROT_READ);
        int fd = xengnttab_fd(h);
        int rr = xentoolcore_restrict_all(0);
        rec("restrict.call", rr == 0 && xengnttab_fd(h) == fd, NULL, "restrict_all(0)=%d fd-number-kept=%s", rr,
            ys(xengnttab_fd(h) == fd));
        int sm = xengnttab_set_max_grants(h, 16);
        rec("restrict.set-max-grants", sm == 0, NULL, "set_max_grants=%d", sm);
        errno = 0;
        void *m2 = xengnttab_map_grant_ref(h, dom, ref, PROT_READ);
        rec("restrict.map", !m2 && errno == ENOTTY, NULL, "map=%s", pres(m2, errno));
        errno = 0;
        void *m3 = xengnttab_map_grant_ref(gt, dom, ref, PROT_READ);
        rec("restrict.inherited-handle-map", !m3 && errno == ENOTTY, NULL, "map=%s", pres(m3, errno));
        xengnttab_grant_copy_segment_t seg = { 0 };
        uint8_t buf[16];
        seg.source.foreign.ref = ref; seg.source.foreign.domid = dom; seg.dest.virt = buf; seg.len = 16;
        seg.flags = GNTCOPY_source_gref;
        errno = 0;
        int cr = xengnttab_grant_copy(h, 1, &seg);
        rec("restrict.copy", cr == -1 && errno == ENOTTY, NULL, "copy=%d/%s", cr, en(errno));
        rec("restrict.existing-mapping", m && check(m, PG, 13), NULL, "still-readable=%s", ys(m && check(m, PG, 13)));
        errno = 0;
        int ur = m ? xengnttab_unmap(h, m, 1) : -2;
        rec("restrict.unmap", ur == -1 && errno == ENOTTY, NULL, "unmap=%d/%s", ur, en(errno));
        uint32_t r2;
        errno = 0;
        uint8_t *s2 = xengntshr_share_pages(gs, dom, 1, &r2, 1);
        int se = errno;
        int us = s2 ? xengntshr_unshare(gs, s2, 1) : -2;
        rec("restrict.gntshr-unaffected", s2 && us == 0, NULL, "share=%s unshare=%d", pres(s2, se), us);
        int c = xengnttab_close(h);
        rec("restrict.close", c == 0, NULL, "close=%d", c);
        _exit(0);
    }
    const char *cs = child_status(p);
    uint32_t ref;
    uint8_t *s = xengntshr_share_pages(gs, dom, 1, &ref, 1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, dom, ref, PROT_READ) : NULL;
    rec("restrict.parent-unaffected", !strcmp(cs, "exit-0") && m, NULL, "child %s parent map=%s", cs, pres(m, errno));
    if (m) xengnttab_unmap(gt, m, 1);
    if (s) xengntshr_unshare(gs, s, 1);
}

/* Cases where upstream has undefined behaviour (spec §10.17): only the replacement is run
 * through them, and all it has to do is fail cleanly with NULL/-1 and an errno. */
static int ours_only(void)
{
    printf("BEGIN gntdiff-ours-only\n");
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    if (!gt || !gs) { rec("oo.open", 0, "open failed", "open failed"); return 1; }
    uint32_t refs[4] = { 0 };
    errno = 0;
    void *m = xengnttab_map_domain_grant_refs(gt, 0x20000000u, dom, refs, PROT_READ);
    rec("oo.map-count-overflow", !m && errno, "must fail cleanly", "map(count=2^29)=%s", pres(m, errno));
    errno = 0;
    m = xengnttab_map_domain_grant_refs(gt, 0xFFFFFFFFu, dom, refs, PROT_READ);
    rec("oo.map-count-max", !m && errno, "must fail cleanly", "map(count=2^32-1)=%s", pres(m, errno));
    errno = 0;
    void *s = xengntshr_share_pages(gs, dom, -1, refs, 1);
    rec("oo.share-negative-count", !s && errno, "must fail cleanly", "share(count=-1)=%s", pres(s, errno));
    errno = 0;
    s = xengntshr_share_pages(gs, dom, 0x40000000, refs, 1);
    rec("oo.share-huge-count", !s && errno, "must fail cleanly", "share(count=2^30)=%s", pres(s, errno));
    xengnttab_close(gt);
    xengntshr_close(gs);
    printf("END gntdiff-ours-only\n");
    return 0;
}

int main(int argc, char **argv)
{
    log_capture_init();
    if (argc > 1 && !strcmp(argv[1], "--ours-only")) return ours_only();
    dom = argc > 1 ? (uint32_t)atoi(argv[1]) : 0;
    printf("BEGIN gntdiff\n");
    t_open();
    t_set_max();
    t_sizes();
    t_readonly();
    t_bad_maps();
    t_unmap();
    t_copy();
    t_notify();
    t_limit();
    t_close_live();
    t_fork_close();
    t_cross_family();
    t_dmabuf();
    t_logger();
    t_restrict();
    if (ea) xenevtchn_close(ea);
    if (eb) xenevtchn_close(eb);
    rec("close.final", xengnttab_close(gt) == 0 && xengntshr_close(gs) == 0, NULL, "both closes 0");
    printf("END gntdiff\n");
    return 0;
}
