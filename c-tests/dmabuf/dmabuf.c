/* dmabuf.c - the four dma-buf functions of libxengnttab on real Xen, against a gntdev built with
 * CONFIG_XEN_GNTDEV_DMABUF (compat/lab/host/gntdev-dmabuf.sh; no Debian kernel has it):
 * xengnttab_dmabuf_exp_from_refs, _exp_wait_released, _imp_to_refs and _imp_release.
 *
 * Compiled ONCE against OUR header (include/xengnttab.h) and linked to Debian's library (the
 * SONAME libxengnttab.so.1); the lab runs the same binary with Debian's library and with ours,
 * and the two outputs must be identical record for record (compat/lab/suites/full/36-dmabuf.*).
 * The record format is gntdiff's (../diff/gntdiff.h): each record has its own verdict from the
 * spec ([ok], [BAD: why]) or none ([--], compared only), the library's stderr log lines attached;
 * no record shows a grant ref, fd number, address or time.
 *
 * Everything runs in dom0, dom0 granting to itself:
 *   exp.*   export (auto-translated dom0, i.e. Arm, only: gntdev refuses it with EINVAL where it
 *           must modify PTEs, in every PV domain; the EINVAL is the record there) of 4 pages
 *           dom0 shared with gntalloc, with each flag upstream accepts (0, WC, COHERENT); the
 *           bytes are checked by importing the exported dma-buf again (imp_to_refs to dom0) and
 *           mapping those refs: they must show the shared pages, and writes go both ways
 *   wait.*  exp_wait_released: ETIMEDOUT while the dma-buf is held (by its fd, or by an
 *           importer after its fd was closed), 0 once released, 0 for an fd the handle never
 *           exported (gntdev's ENOENT, which <xen/sys/gntdev.h> says "must not be treated as
 *           error": both libraries turn it into 0; the raw ioctl's ENOENT is shown next to it)
 *   imp.*   import of a vgem dumb buffer (PRIME fd, filled through its own mmap) to refs for
 *           dom0; the refs mapped show the same bytes, writes go both ways; imp_release, after
 *           which the refs no longer map; a second release fails
 *   err.*   error paths: count 0, counts past the buffer and past gntdev's limit, bad and
 *           non-dma-buf fds, a wrong domid, releases of fds never imported (or imported on
 *           another handle), WC|COHERENT together
 *   close.* a handle closed with a live import (and export): its refs are gone, no fd is left
 * Two lines are not records: "PLATFORM auto-translated|pv" and "LIB <path>" (which file the
 * dynamic linker bound xengnttab_open to), for the checker.
 * usage: dmabuf        (needs /dev/xen/gntdev, /dev/xen/gntalloc and vgem's /dev/dri/card*)
 *
 * Across domains (lab suite 78-xdmabuf; dom0 runs the first, the guest the other two, the suite
 * relays the refs and the steps):
 *   dmabuf to-guest <domid> <dir>    xd.dom0.*: import a vgem buffer (dom0's, bytes of seed 5) to
 *                                    N refs for <domid>, write them to <dir>/refs; once <dir>/written
 *                                    exists the buffer must hold what the guest wrote (seed 6);
 *                                    imp_release, <dir>/released; wait for <dir>/end, close
 *   dmabuf in-guest <domid> <ref>... xd.guest.*: map the N refs of <domid> (one batch), bytes of
 *                                    seed 5, write seed 6 through the mapping, unmap
 *   dmabuf in-guest-gone <domid> <ref>...  xd.gone.*: after the release the refs no longer map
 *   dmabuf share-for <domid> <dir>   xd.share.*: the guest shares N pages (gntalloc, seed 7) to
 *                                    <domid>, writes the refs to <dir>/refs; once <dir>/check
 *                                    exists its pages must hold what it says: "wrote" (dom0 wrote
 *                                    seed 8 through its export) or "none" (seed 7 untouched)
 *   dmabuf export-of <domid> <ref>...  xd.exp.*: dom0 exports the guest's N grants as a dma-buf:
 *                                    on an auto-translated dom0 a dma-buf, which imp_to_refs takes,
 *                                    but whose refs Xen will not map (its pages are foreign
 *                                    mappings, which Xen never grants on); released once closed.
 *                                    A PV dom0: EINVAL. (Were the refs mapped, the bytes would be
 *                                    checked and seed 8 written, and share-for told "wrote".)
 * Each waits 120 s at most for its file (a missing step is a [BAD] record, never a hang).
 * Exit status 0 once it reached its end (verdicts are in the records), 2 for bad usage. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xengnttab.h>
#include "../diff/gntdiff.h"
#include "vgem.h"

#define N 4
#define PG 4096
#define SZ (N * PG)
#define NODOM 32000u           /* a domid no domain has in the lab */
#define NOFD 987654u           /* an fd number never open */

/* gntdev's raw wait ioctl (<xen/sys/gntdev.h>), to show what the library turns into 0 */
struct gntdev_wait { uint32_t fd, wait_to_ms; };
#define IOCTL_WAIT_RELEASED _IOC(_IOC_NONE, 'G', 10, sizeof(struct gntdev_wait))

static xengnttab_handle *gt, *gt2;
static xengntshr_handle *gs;
static uint32_t srefs[N];
static uint8_t *spages;
static int xlat;                /* auto-translated dom0 (Arm): gntdev exports */
static unsigned limit;          /* gntdev's per-request limit */

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static uint8_t pat(unsigned seed, size_t i) { return (uint8_t)(i * 7 + seed * 29 + 3 + (i >> 12)); }
static void fill(volatile uint8_t *p, unsigned seed) { for (size_t i = 0; i < SZ; i++) p[i] = pat(seed, i); }
static int holds(const volatile uint8_t *p, unsigned seed) { for (size_t i = 0; i < SZ; i++) if (p[i] != pat(seed, i)) return 0; return 1; }
static unsigned read_uint(const char *path, unsigned dflt)
{
    unsigned v = dflt;
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%u", &v) != 1) v = dflt;
    if (f) fclose(f);
    return v;
}
static int auto_translated(void)   /* XENFEAT_auto_translated_physmap (bit 2), as seqdiff */
{
    unsigned long f = 0;
    FILE *fp = fopen("/sys/hypervisor/properties/features", "r");
    int v = fp && fscanf(fp, "%lx", &f) == 1 ? (int)((f >> 2) & 1) : 0;
    if (fp) fclose(fp);
    return v;
}
static int raw_wait(uint32_t fd, uint32_t ms, int *e)
{
    struct gntdev_wait w = { fd, ms };
    errno = 0;
    int rc = ioctl(xengnttab_fd(gt), IOCTL_WAIT_RELEASED, &w);
    *e = errno;
    return rc;
}
/* the dma-buf fd is one: "/dmabuf:" link, fdinfo exp_name and size */
static int is_gntdev_dmabuf(uint32_t fd, char *what, size_t wn)
{
    char p[64], link[128] = "", l[256], name[64] = "?";
    unsigned long size = 0;
    snprintf(p, sizeof p, "/proc/self/fd/%u", fd);
    ssize_t n = readlink(p, link, sizeof link - 1);
    if (n > 0) link[n] = 0;
    snprintf(p, sizeof p, "/proc/self/fdinfo/%u", fd);
    FILE *f = fopen(p, "r");
    while (f && fgets(l, sizeof l, f)) {
        sscanf(l, "exp_name: %63s", name);
        sscanf(l, "size: %lu", &size);
    }
    if (f) fclose(f);
    snprintf(what, wn, "link=%.8s exp_name=%s size=%lu", link, name, size);
    return !strncmp(link, "/dmabuf:", 8) && !strcmp(name, "xen_gntdev") && size == SZ;
}
/* maps refs of dom0 (read-write) and checks the bytes both ways against the other view `other`:
 * "bytes=equal write-map=seen write-other=seen"; 1 if all three hold. Leaves `other` = seed. */
static int map_both_ways(xengnttab_handle *h, const uint32_t *refs, volatile uint8_t *other, unsigned seed, char *out, size_t on)
{
    errno = 0;
    volatile uint8_t *m = xengnttab_map_domain_grant_refs(h, N, 0, (uint32_t *)refs, PROT_READ | PROT_WRITE);
    int e = errno;
    if (!m) { snprintf(out, on, "map=%s", pres(NULL, e)); return 0; }
    int eq = holds(m, seed);
    fill(m, seed + 1);                         /* through the grant mapping */
    int seen1 = holds(other, seed + 1);
    fill(other, seed + 2);                     /* through the other view */
    int seen2 = holds(m, seed + 2);
    fill(other, seed);
    int un = xengnttab_unmap(h, (void *)m, N);
    snprintf(out, on, "map=ok bytes=%s write-map=%s write-other=%s unmap=%d", eq ? "equal" : "DIFFER",
             seen1 ? "seen" : "NOT-seen", seen2 ? "seen" : "NOT-seen", un);
    return eq && seen1 && seen2 && un == 0;
}
/* a map of refs must now be refused (grants ended, or made out to another domain) */
static void refs_refused(const char *id, const uint32_t *refs)
{
    errno = 0;
    void *m = xengnttab_map_domain_grant_refs(gt, N, 0, (uint32_t *)refs, PROT_READ);
    int e = errno;
    rec(id, m == NULL, "a map of these refs went through", "map=%s", pres(m, e));
    if (m) xengnttab_unmap(gt, m, N);
}

/* ------------------------------------------------------------------ export (Arm) or EINVAL (PV) */
static void t_export(void)
{
    static const char *fname[] = { "none", "wc", "coherent" };
    char w[160], b[160];
    for (uint32_t fl = 0; fl <= 2; fl++) {
        char id[64];
        uint32_t fd = 0, r[N] = { 0 };
        fill(spages, 10 + fl);
        errno = 0;
        int rc = xengnttab_dmabuf_exp_from_refs(gt, 0, fl, N, srefs, &fd);
        int e = errno;
        snprintf(id, sizeof id, "exp.%s", fname[fl]);
        if (!xlat) {
            rec(id, rc == -1 && e == EINVAL, "a PV dom0's gntdev must refuse exports (use_ptemod)", "rc=%d/%s", rc, en(rc ? e : 0));
            if (rc == 0) close(fd);
            continue;
        }
        rec(id, rc == 0, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
        if (rc) continue;
        snprintf(id, sizeof id, "exp.%s.is-dmabuf", fname[fl]);
        rec(id, is_gntdev_dmabuf(fd, w, sizeof w), NULL, "%s", w);
        /* its bytes: imported again (to dom0) and the new refs mapped */
        errno = 0;
        rc = xengnttab_dmabuf_imp_to_refs(gt, 0, fd, N, r);
        e = errno;
        snprintf(id, sizeof id, "exp.%s.reimport", fname[fl]);
        rec(id, rc == 0, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
        if (rc == 0) {
            int ok = map_both_ways(gt, r, spages, 10 + fl, b, sizeof b);
            snprintf(id, sizeof id, "exp.%s.bytes", fname[fl]);
            rec(id, ok, "the re-imported refs must show the shared pages, both ways", "%s", b);
            errno = 0;
            rc = xengnttab_dmabuf_imp_release(gt, fd);
            snprintf(id, sizeof id, "exp.%s.imp-release", fname[fl]);
            rec(id, rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
        }
        close(fd);
        errno = 0;
        rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 2000);
        e = errno;
        snprintf(id, sizeof id, "exp.%s.released", fname[fl]);
        rec(id, rc == 0 && e == 0, NULL, "closed: wait_released rc=%d/%s", rc, en(e));
    }
    fill(spages, 1);
    /* flags upstream's gntdev refuses or ignores */
    uint32_t fd = 0;
    errno = 0;
    int rc = xengnttab_dmabuf_exp_from_refs(gt, 0, GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT, N, srefs, &fd);
    int e = errno;
    rec("err.exp-wc+coherent", rc == -1 && e == EINVAL, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
    if (rc == 0) close(fd);
    errno = 0;
    rc = xengnttab_dmabuf_exp_from_refs(gt, 0, 1u << 2, N, srefs, &fd);
    e = errno;
    rec("err.exp-unknown-flag", V_NONE, NULL, "rc=%d/%s", rc, en(rc ? e : 0));   /* gntdev ignores it */
    if (rc == 0) { close(fd); xengnttab_dmabuf_exp_wait_released(gt, fd, 2000); }
    /* errors before and after the hypervisor */
    errno = 0;
    rc = xengnttab_dmabuf_exp_from_refs(gt, 0, 0, 0, srefs, &fd);
    rec("err.exp-count0", rc == -1 && errno == EINVAL, NULL, "rc=%d/%s", rc, en(errno));
    uint32_t *many = calloc(limit + 1, sizeof *many);
    errno = 0;
    rc = xengnttab_dmabuf_exp_from_refs(gt, 0, 0, limit + 1, many, &fd);
    rec("err.exp-count-past-limit", rc == -1 && errno == EINVAL, NULL, "count=limit+1: rc=%d/%s", rc, en(errno));
    free(many);
    uint32_t bad[N] = { srefs[0], srefs[1], srefs[2], 1u << 20 };   /* the last: past the grant table */
    errno = 0;
    rc = xengnttab_dmabuf_exp_from_refs(gt, 0, 0, N, bad, &fd);
    e = errno;
    rec("err.exp-bad-ref", rc == -1, "an export with a ref that cannot map", "rc=%d/%s", rc, en(rc ? e : 0));
    if (rc == 0) close(fd);
    errno = 0;
    rc = xengnttab_dmabuf_exp_from_refs(gt, NODOM, 0, N, srefs, &fd);
    e = errno;
    rec("err.exp-wrong-domid", rc == -1, "an export of grants of a domain that does not exist", "rc=%d/%s", rc, en(rc ? e : 0));
    if (rc == 0) close(fd);
    rec("exp.shared-pages-intact", holds(spages, 1), NULL, "gntalloc's pages after the exports");
}

/* ------------------------------------------------------------------ exp_wait_released (Arm) */
struct waiter { uint32_t fd; int rc, e; double took; };
static void *wait_thread(void *a)
{
    struct waiter *w = a;
    double t = now();
    errno = 0;
    w->rc = xengnttab_dmabuf_exp_wait_released(gt, w->fd, 5000);
    w->e = errno;
    w->took = now() - t;
    return NULL;
}
static void t_wait(void)
{
    uint32_t fd = 0, r[N];
    int rc, e;
    if (!xlat) return;
    if (xengnttab_dmabuf_exp_from_refs(gt, 0, 0, N, srefs, &fd)) { rec("wait.export", 0, NULL, "export: %s", en(errno)); return; }
    double t = now();
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 300);
    e = errno;
    double took = now() - t;
    rec("wait.held", rc == -1 && e == ETIMEDOUT && took > 0.25 && took < 5, "ETIMEDOUT after about 300 ms while the fd is open",
        "rc=%d/%s after the timeout: %s", rc, en(e), took > 0.25 && took < 5 ? "yes" : "NO");
    /* on another handle of the same process: not its export, gntdev's ENOENT, so 0 */
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt2, fd, 300);
    rec("wait.other-handle", rc == 0 && errno == 0, NULL, "rc=%d/%s (ENOENT: not this handle's export)", rc, en(errno));
    /* held by an importer after its own fd was closed: still not released */
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, fd, N, r);
    rec("wait.importer.import", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
    close(fd);
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 300);
    e = errno;
    rec("wait.importer.held", rc == -1 && e == ETIMEDOUT, "the importer's reference holds the dma-buf", "fd closed, import live: rc=%d/%s", rc, en(e));
    errno = 0;
    rc = xengnttab_dmabuf_imp_release(gt, fd);
    rec("wait.importer.release", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 2000);
    e = errno;
    rec("wait.importer.released", rc == 0 && e == 0, NULL, "import released: rc=%d/%s", rc, en(e));
    /* a waiter in a thread (5 s) returns 0 soon after the fd is closed */
    if (xengnttab_dmabuf_exp_from_refs(gt, 0, 0, N, srefs, &fd)) { rec("wait.export2", 0, NULL, "export: %s", en(errno)); return; }
    struct waiter w = { fd, -2, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, wait_thread, &w);
    usleep(300000);
    close(fd);
    pthread_join(th, NULL);
    rec("wait.across-close", w.rc == 0 && w.e == 0 && w.took < 4, "a 5 s waiter must return 0 once the fd is closed",
        "rc=%d/%s before its timeout: %s", w.rc, en(w.e), w.took < 4 ? "yes" : "NO");
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 100);
    e = errno;
    rec("wait.after-release", rc == 0 && e == 0, NULL, "rc=%d/%s", rc, en(e));
    rc = raw_wait(fd, 100, &e);
    rec("wait.after-release.raw-ioctl", rc == -1 && e == ENOENT, NULL, "what the library reports as 0: rc=%d/%s", rc, en(e));
    /* fds this handle never exported: gntdev's ENOENT, 0 from both libraries */
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, NOFD, 100);
    rec("wait.never-open-fd", rc == 0 && errno == 0, NULL, "rc=%d/%s", rc, en(errno));
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, (uint32_t)xengnttab_fd(gt), 100);
    rec("wait.not-a-dmabuf", rc == 0 && errno == 0, NULL, "the gntdev fd itself: rc=%d/%s", rc, en(errno));
}

/* ------------------------------------------------------------------ import of a vgem buffer */
static void t_import(void)
{
    char b[160];
    uint8_t *bm = NULL;
    uint32_t r[N] = { 0 }, r2[N] = { 0 };
    int rc, e;
    int card = vgem_card();
    int bfd = card < 0 ? -1 : vgem_buffer(card, N, &bm);
    rec("imp.vgem", bfd >= 0, "needs vgem.ko: a dma-buf of 4 pages to import", "card=%s buffer=%s", card < 0 ? "none" : "vgem", bfd < 0 ? "none" : "4 pages mapped");
    if (bfd < 0) return;
    fill(bm, 40);
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, bfd, N, r);
    e = errno;
    int distinct = 1;
    for (int i = 0; i < N; i++) for (int j = 0; j < i; j++) if (r[i] == r[j]) distinct = 0;
    rec("imp.to-refs", rc == 0 && distinct, NULL, "rc=%d/%s refs distinct: %s", rc, en(rc ? e : 0), distinct ? "yes" : "NO");
    if (rc == 0) {
        rec("imp.bytes", map_both_ways(gt, r, bm, 40, b, sizeof b), "the refs must show the dma-buf's bytes, both ways", "%s", b);
        /* a second handle maps them too (the grants are dom0's, not the handle's) */
        rec("imp.bytes-other-handle", map_both_ways(gt2, r, bm, 40, b, sizeof b), NULL, "%s", b);
        errno = 0;
        rc = xengnttab_dmabuf_imp_release(gt2, bfd);
        e = errno;
        rec("err.imp-release-other-handle", rc == -1 && e == ENOENT, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
        errno = 0;
        rc = xengnttab_dmabuf_imp_release(gt, bfd);
        rec("imp.release", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
        refs_refused("imp.refs-gone", r);
        errno = 0;
        rc = xengnttab_dmabuf_imp_release(gt, bfd);
        e = errno;
        rec("imp.release-again", rc == -1 && e == ENOENT, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
    }
    rec("imp.dmabuf-intact", holds(bm, 40), NULL, "the vgem buffer after import and release");
    /* the same buffer imported twice on one handle: two imports, each released once */
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, bfd, N, r);
    e = errno;
    int rc2 = xengnttab_dmabuf_imp_to_refs(gt, 0, bfd, N, r2);
    int e2 = errno;
    rec("imp.twice", V_NONE, NULL, "first rc=%d/%s second rc=%d/%s", rc, en(rc ? e : 0), rc2, en(rc2 ? e2 : 0));
    int n = 0;
    char rels[96] = "";
    for (int k = 0; k < 3; k++) {
        errno = 0;
        int x = xengnttab_dmabuf_imp_release(gt, bfd);
        n += snprintf(rels + n, sizeof rels - n, "%s%d/%s", k ? " " : "", x, en(x ? errno : 0));
    }
    rec("imp.twice.releases", V_NONE, NULL, "three releases: %s", rels);
    /* counts: only the buffer's own page count is accepted */
    uint32_t *many = calloc(limit + 1, sizeof *many);
    struct { const char *id; uint32_t count; } cs[] = {
        { "err.imp-count0", 0 }, { "err.imp-count-short", N - 1 }, { "err.imp-count-past-buffer", N + 1 },
        { "err.imp-count-past-limit", limit + 1 } };
    for (unsigned k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        errno = 0;
        rc = xengnttab_dmabuf_imp_to_refs(gt, 0, bfd, cs[k].count, many);
        e = errno;
        rec(cs[k].id, rc == -1 && e == EINVAL, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
        if (rc == 0) xengnttab_dmabuf_imp_release(gt, bfd);
    }
    free(many);
    /* fds that are not dma-bufs */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, NOFD, N, r);
    e = errno;
    rec("err.imp-fd-not-open", rc == -1 && e == EBADF, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, (uint32_t)devnull, N, r);
    e = errno;
    rec("err.imp-not-a-dmabuf", rc == -1 && e == EINVAL, NULL, "/dev/null: rc=%d/%s", rc, en(rc ? e : 0));
    errno = 0;
    rc = xengnttab_dmabuf_imp_release(gt, (uint32_t)devnull);
    e = errno;
    rec("err.imp-release-never-imported", rc == -1 && e == ENOENT, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
    close(devnull);
    /* a domid no domain has: gntdev grants anyway (it does not check); dom0 cannot map them */
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, NODOM, bfd, N, r);
    e = errno;
    rec("err.imp-wrong-domid", V_NONE, NULL, "rc=%d/%s", rc, en(rc ? e : 0));
    if (rc == 0) {
        refs_refused("err.imp-wrong-domid.dom0-map", r);
        errno = 0;
        rc = xengnttab_dmabuf_imp_release(gt, bfd);
        rec("err.imp-wrong-domid.release", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
    }
    /* a handle closed with a live import (and, where gntdev exports, a live export) */
    int fds0 = proc_open_fds();
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    uint32_t efd = 0;
    errno = 0;
    rc = h ? xengnttab_dmabuf_imp_to_refs(h, 0, bfd, N, r) : -1;
    rec("close.import", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
    int erc = -1;
    if (xlat && h) {
        erc = xengnttab_dmabuf_exp_from_refs(h, 0, 0, N, srefs, &efd);
        rec("close.export", erc == 0, NULL, "rc=%d/%s", erc, en(erc ? errno : 0));
    }
    errno = 0;
    rc = h ? xengnttab_close(h) : -1;
    rec("close.handle", rc == 0, NULL, "with a live import%s: rc=%d/%s", xlat ? " and export" : "", rc, en(rc ? errno : 0));
    /* a live export holds the handle's file (gntdev-dmabuf.c: get_file), so the handle's
     * imports go once the export is closed too */
    if (erc == 0) {
        char w[160];
        rec("close.export-still-a-dmabuf", is_gntdev_dmabuf(efd, w, sizeof w), NULL, "after the handle's close: %s", w);
        close(efd);
    }
    refs_refused("close.import-refs-gone", r);
    int fds1 = proc_open_fds();
    rec("close.no-fd-left", fds1 == fds0, NULL, "open fds before and after: %s", fds1 == fds0 ? "same" : "DIFFER");
    munmap(bm, SZ);
    close(bfd);
    close(card);
}

/* ------------------------------------------------------------------ across domains */
static int appears(const char *dir, const char *name)   /* waits 120 s at most for <dir>/<name> */
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (int i = 0; i < 1200; i++) { if (access(path, F_OK) == 0) return 1; usleep(100000); }
    return 0;
}
static void touch(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) { fputs(text, f); fclose(f); }
}
static void to_guest(uint32_t domid, const char *dir)
{
    uint8_t *bm = NULL;
    uint32_t r[N] = { 0 };
    char line[N * 12] = "";
    int fds0 = proc_open_fds();
    int card = vgem_card();
    int bfd = card < 0 ? -1 : vgem_buffer(card, N, &bm);
    rec("xd.dom0.vgem", bfd >= 0, "no vgem buffer", "a vgem buffer of %d pages: %s", N, bfd >= 0 ? "ok" : "none");
    if (bfd < 0) return;
    fill(bm, 5);
    int rc = xengnttab_dmabuf_imp_to_refs(gt, domid, (uint32_t)bfd, N, r);
    rec("xd.dom0.import", rc == 0, NULL, "imp_to_refs of the buffer for the guest: rc=%d/%s", rc, en(rc ? errno : 0));
    for (int i = 0; i < N; i++) snprintf(line + strlen(line), sizeof line - strlen(line), "%u ", r[i]);
    strcat(line, "\n");
    touch(dir, "refs", rc == 0 ? line : "import-failed\n");
    int came = appears(dir, "written");
    rec("xd.dom0.guest-wrote", came && holds(bm, 6), came ? "the buffer lacks the guest's bytes" : "no <dir>/written in 120 s",
        "the buffer, read through its own mmap after the guest wrote through its mapping: %s",
        !came ? "never told" : holds(bm, 6) ? "the guest's bytes" : "OTHER bytes");
    if (rc == 0) {
        rc = xengnttab_dmabuf_imp_release(gt, (uint32_t)bfd);
        rec("xd.dom0.release", rc == 0, NULL, "imp_release: rc=%d/%s", rc, en(rc ? errno : 0));
    }
    touch(dir, "released", "\n");
    came = appears(dir, "end");
    rec("xd.dom0.end", came, "no <dir>/end in 120 s", "the guest's checks ended: %s", came ? "yes" : "no");
    munmap(bm, SZ);
    close(bfd);
    close(card);
    rec("xd.dom0.no-fd-left", proc_open_fds() == fds0, NULL, "open fds before and after: %s",
        proc_open_fds() == fds0 ? "same" : "DIFFER");
}
static void in_guest(uint32_t domid, char **args, int gone)
{
    uint32_t r[N];
    for (int i = 0; i < N; i++) r[i] = (uint32_t)strtoul(args[i], NULL, 0);
    errno = 0;
    volatile uint8_t *p = xengnttab_map_domain_grant_refs(gt, N, domid, r, PROT_READ | PROT_WRITE);
    int e = errno;
    if (gone) {
        rec("xd.gone.map", p == NULL, "the released refs still map", "map of the %d refs after dom0's imp_release: %s", N, pres((void *)p, e));
        if (p) xengnttab_unmap(gt, (void *)p, N);
        return;
    }
    rec("xd.guest.map", p != NULL, NULL, "map of dom0's %d refs (one batch): %s", N, pres((void *)p, e));
    if (!p) return;
    int same = holds(p, 5);
    rec("xd.guest.bytes", same, "not the vgem buffer's bytes", "the mapping shows dom0's vgem buffer: %s", same ? "yes" : "NO");
    fill(p, 6);
    rec("xd.guest.write", holds(p, 6), NULL, "wrote seed 6 through the mapping: %s", holds(p, 6) ? "reads back" : "LOST");
    int rc = xengnttab_unmap(gt, (void *)p, N);
    rec("xd.guest.unmap", rc == 0, NULL, "unmap: rc=%d/%s", rc, en(rc ? errno : 0));
}
static void share_for(uint32_t domid, const char *dir)
{
    uint32_t r[N] = { 0 };
    char line[N * 12] = "", check[16] = "";
    gs = xengntshr_open(NULL, 0);
    rec("xd.share.open", gs != NULL, NULL, "xengntshr_open: %s", pres(gs, errno));
    volatile uint8_t *p = gs ? xengntshr_share_pages(gs, domid, N, r, 1) : NULL;
    rec("xd.share.pages", p != NULL, NULL, "%d pages shared to dom0: %s", N, pres((void *)p, errno));
    for (int i = 0; i < N; i++) snprintf(line + strlen(line), sizeof line - strlen(line), "%u ", r[i]);
    strcat(line, "\n");
    if (p) fill(p, 7);
    touch(dir, "refs", p ? line : "share-failed\n");
    char path[512];
    snprintf(path, sizeof path, "%s/check", dir);
    FILE *f = appears(dir, "check") ? fopen(path, "r") : NULL;
    if (f && !fgets(check, sizeof check, f)) check[0] = 0;
    if (f) fclose(f);
    check[strcspn(check, "\n")] = 0;
    int wrote = !strcmp(check, "wrote");
    int ok = p && (wrote ? holds(p, 8) : !strcmp(check, "none") && holds(p, 7));
    rec("xd.share.after", ok, "the pages do not hold what dom0 did", "dom0 says '%s': the pages hold %s", check,
        !p ? "nothing" : holds(p, 8) ? "dom0's bytes" : holds(p, 7) ? "the guest's own bytes" : "OTHER bytes");
    if (p) xengntshr_unshare(gs, (void *)p, N);
    if (gs) xengntshr_close(gs);
}
static void export_of(uint32_t domid, char **args)
{
    uint32_t g[N], r[N] = { 0 }, fd = 0;
    char w[160];
    for (int i = 0; i < N; i++) g[i] = (uint32_t)strtoul(args[i], NULL, 0);
    errno = 0;
    int rc = xengnttab_dmabuf_exp_from_refs(gt, domid, 0, N, g, &fd);
    int e = errno;
    if (!xlat) {
        rec("xd.exp.export", rc == -1 && e == EINVAL, "a PV dom0's gntdev must refuse exports (use_ptemod)",
            "export of the guest's %d grants: rc=%d/%s", N, rc, en(rc ? e : 0));
        if (rc == 0) close(fd);
        return;
    }
    rec("xd.exp.export", rc == 0, NULL, "export of the guest's %d grants: rc=%d/%s", N, rc, en(rc ? e : 0));
    if (rc) return;
    rec("xd.exp.is-dmabuf", is_gntdev_dmabuf(fd, w, sizeof w), NULL, "%s", w);
    errno = 0;
    rc = xengnttab_dmabuf_imp_to_refs(gt, 0, fd, N, r);
    rec("xd.exp.reimport", rc == 0, NULL, "imported again for dom0: rc=%d/%s", rc, en(rc ? errno : 0));
    if (rc == 0) {
        errno = 0;
        volatile uint8_t *m = xengnttab_map_domain_grant_refs(gt, N, 0, r, PROT_READ | PROT_WRITE);
        e = errno;
        /* The dma-buf's pages are dom0 frames that map the guest's: Xen refuses a grant of such a
         * frame (xen/common/grant_table.c, get_paged_frame: p2m_is_foreign -> GNTST_bad_page), so
         * an exported guest page cannot be granted on, unlike dom0's own pages (exp.*.bytes). */
        rec("xd.exp.regrant-refused", m == NULL && e == EINVAL, "Xen mapped a grant of a foreign-mapped page",
            "map of the re-imported refs: %s", pres((void *)m, e));
        if (m) {
            int saw = holds(m, 7);
            rec("xd.exp.bytes", saw, "the re-imported refs must show the guest's pages", "the guest's bytes: %s", saw ? "yes" : "NO");
            fill(m, 8);
            xengnttab_unmap(gt, (void *)m, N);
        }
        errno = 0;
        rc = xengnttab_dmabuf_imp_release(gt, fd);
        rec("xd.exp.imp-release", rc == 0, NULL, "rc=%d/%s", rc, en(rc ? errno : 0));
    }
    close(fd);
    errno = 0;
    rc = xengnttab_dmabuf_exp_wait_released(gt, fd, 2000);
    e = errno;
    rec("xd.exp.released", rc == 0 && e == 0, NULL, "closed: wait_released rc=%d/%s", rc, en(e));
}
static int across_domains(int argc, char **argv)
{
    static const char *modes[] = { "to-guest", "share-for", "in-guest", "in-guest-gone", "export-of" };
    int mode = -1;
    for (int i = 0; i < 5; i++) if (!strcmp(argv[1], modes[i])) mode = i;
    char *e = "";
    unsigned long d = argc >= 3 ? strtoul(argv[2], &e, 0) : 0;
    if (mode < 0 || *e || d > 0x7FEF || argc != (mode < 2 ? 4 : 3 + N)) {
        fprintf(stderr, "usage: dmabuf [to-guest|share-for <domid> <dir> | in-guest|in-guest-gone|export-of <domid> <%d refs>]\n", N);
        return 2;
    }
    log_capture_init();
    printf("BEGIN dmabuf-%s\n", argv[1]);
    xlat = auto_translated();
    printf("PLATFORM %s\n", xlat ? "auto-translated" : "pv");
    Dl_info dl;
    printf("LIB %s\n", dladdr((void *)xengnttab_open, &dl) && dl.dli_fname ? dl.dli_fname : "?");
    if (mode == 1) share_for((uint32_t)d, argv[3]);
    else {
        static const char *open_id[] = { "xd.dom0.open", "", "xd.guest.open", "xd.gone.open", "xd.exp.open" };
        gt = xengnttab_open(NULL, 0);
        rec(open_id[mode], gt != NULL, NULL, "xengnttab_open: %s", pres(gt, errno));
        if (!gt) { printf("END dmabuf-%s (aborted)\n", argv[1]); return 1; }
        if (mode == 0) to_guest((uint32_t)d, argv[3]);
        else if (mode == 4) export_of((uint32_t)d, argv + 3);
        else in_guest((uint32_t)d, argv + 3, mode == 3);
        xengnttab_close(gt);
    }
    printf("END dmabuf-%s\n", argv[1]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) return across_domains(argc, argv);
    log_capture_init();
    printf("BEGIN dmabuf\n");
    xlat = auto_translated();
    limit = read_uint("/sys/module/xen_gntdev/parameters/limit", 65536);
    printf("PLATFORM %s\n", xlat ? "auto-translated" : "pv");
    Dl_info dl;
    printf("LIB %s\n", dladdr((void *)xengnttab_open, &dl) && dl.dli_fname ? dl.dli_fname : "?");
    gt = xengnttab_open(NULL, 0);
    gt2 = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    spages = gs ? xengntshr_share_pages(gs, 0, N, srefs, 1) : NULL;
    rec("setup", gt && gt2 && gs && spages, NULL, "two gntdev handles, %d pages shared to dom0 with gntalloc: %s", N, spages ? "ok" : "failed");
    if (!gt || !gt2 || !spages) { printf("END dmabuf (aborted)\n"); return 1; }
    fill(spages, 1);
    t_export();
    t_wait();
    t_import();
    rec("shared-pages-intact", holds(spages, 1), NULL, "gntalloc's pages at the end");
    xengntshr_unshare(gs, spages, N);
    xengnttab_close(gt2);
    xengnttab_close(gt);
    xengntshr_close(gs);
    printf("END dmabuf\n");
    return 0;
}
