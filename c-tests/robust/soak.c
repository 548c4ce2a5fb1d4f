/* soak.c - no leaks over many cycles: map/unmap and share/unshare of 1 and 64 pages, with and
 * without unmap-notify, in one process. After a warm-up, the open fds and /proc/self/maps lines
 * must come back exactly and RSS must stay flat; no call may fail (so the gntalloc limit is
 * never hit); at the end the whole gntalloc limit can still be shared at once, so no grant
 * leaked. Public C API only; dom0 shares pages with itself.
 * usage: soak <cycles> <tag> */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xengnttab.h>
#include "robust.h"

#define WARMUP 200
#define RSS_SLACK_KB 32        /* allocator noise; a leak of 4 bytes a cycle is 40 KiB */

static xengnttab_handle *gt;
static xengntshr_handle *gs;
static uint32_t refs[64];
static uint8_t *shared64;       /* 64 pages shared once, for the map cycles */

/* one cycle of a variant; 0 on success, else errno */
typedef int (*cycle_fn)(int pages, int i);

static int map_cycle(int pages, int i)
{
    uint8_t *m = pages == 1 ? xengnttab_map_grant_ref(gt, 0, refs[i % 64], RW_PROT)
                            : xengnttab_map_domain_grant_refs(gt, pages, 0, refs, RW_PROT);
    if (!m) return errno;
    int ok = m[PG - 1] == shared64[(size_t)(pages == 1 ? i % 64 : 0) * PG + PG - 1];
    m[0] = (uint8_t)i;                   /* written through, seen by the sharer */
    if (xengnttab_unmap(gt, m, pages)) return errno;
    return ok && shared64[(size_t)(pages == 1 ? i % 64 : 0) * PG] == (uint8_t)i ? 0 : EIO;
}

static int map_notify_cycle(int pages, int i)
{
    (void)pages;
    uint8_t *page = shared64 + (size_t)(i % 64) * PG;
    page[100] = 1;
    uint8_t *m = xengnttab_map_grant_ref_notify(gt, 0, refs[i % 64], RW_PROT, 100, (evtchn_port_t)-1);
    if (!m) return errno;
    if (xengnttab_unmap(gt, m, 1)) return errno;
    return page[100] == 0 ? 0 : EIO;     /* the notify byte was cleared at unmap */
}

static int share_cycle(int pages, int i)
{
    uint32_t r[64];
    uint8_t *s = xengntshr_share_pages(gs, 0, pages, r, 1);
    if (!s) return errno;
    int zero = s[0] == 0 && s[(size_t)pages * PG - 1] == 0;
    s[0] = (uint8_t)i;
    if (xengntshr_unshare(gs, s, pages)) return errno;
    return zero ? 0 : EIO;
}

static int share_notify_cycle(int pages, int i)
{
    (void)pages;
    uint32_t r;
    uint8_t *s = xengntshr_share_page_notify(gs, 0, &r, 1, 200, (evtchn_port_t)-1);
    if (!s) return errno;
    s[200] = (uint8_t)(i | 1);
    return xengntshr_unshare(gs, s, 1) ? errno : 0;
}

static void soak(const char *name, cycle_fn fn, int pages, int cycles)
{
    int err = 0, first_err = 0, at = -1;
    for (int i = 0; i < WARMUP; i++) fn(pages, i);
    struct footprint a = footprint();
    for (int i = 0; i < cycles; i++) {
        int e = fn(pages, i);
        if (e && !err++) { first_err = e; at = i; }
    }
    struct footprint b = footprint();
    int flat = a.fds == b.fds && a.maps == b.maps && b.rss_kb - a.rss_kb <= RSS_SLACK_KB;
    result(!err && flat, name, "%d cycles, %d errors%s%s%s; %s", cycles, err, err ? " (first: " : "",
           err ? strerror(first_err) : "", err ? ")" : "", footprint_delta(a, b));
    if (err) fprintf(stderr, "first error at cycle %d\n", at);
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 10000;
    if (argc > 2) tag = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    struct footprint start = footprint();
    shared64 = gs ? xengntshr_share_pages(gs, 0, 64, refs, 1) : NULL;
    if (!gt || !gs || !shared64) { result(0, "soak/setup", "open/share: %s", strerror(errno)); return 1; }
    for (int p = 0; p < 64; p++) memset(shared64 + (size_t)p * PG, 0x40 + p, PG);
    soak("soak/map-unmap-1", map_cycle, 1, cycles);
    soak("soak/map-unmap-64", map_cycle, 64, cycles);
    soak("soak/map-notify-unmap-1", map_notify_cycle, 1, cycles);
    soak("soak/share-unshare-1", share_cycle, 1, cycles);
    soak("soak/share-unshare-64", share_cycle, 64, cycles);
    soak("soak/share-notify-unshare-1", share_notify_cycle, 1, cycles);
    xengntshr_unshare(gs, shared64, 64);
    /* every grant came back: the whole limit can be shared at once */
    int limit = gntalloc_limit_read();
    uint32_t *all = calloc(limit > 0 ? (size_t)limit : 1, sizeof *all);
    uint8_t *s = limit > 0 && all ? xengntshr_share_pages(gs, 0, limit, all, 1) : NULL;
    int e = errno;
    result(s != NULL, "soak/no-grant-leaked", "sharing the whole gntalloc limit (%d pages) at once: %s", limit,
           s ? "ok" : strerror(e));
    if (s) xengntshr_unshare(gs, s, (uint32_t)limit);
    free(all);
    struct footprint end = footprint();
    result(start.fds == end.fds && start.maps == end.maps, "soak/whole-run", "%s", footprint_delta(start, end));
    xengnttab_close(gt);
    xengntshr_close(gs);
    return 0;
}
