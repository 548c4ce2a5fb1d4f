/* exhaust.c - running out cleanly: with the gntalloc limit lowered, sharing fails with ENOSPC
 * and a log line, leaves nothing half-allocated and works again after unsharing; a batch map
 * whose mmap fails (a bad ref in the middle, or no address space left) returns NULL, maps
 * nothing and leaks nothing. Restores the limit it changed.
 * usage: exhaust <tag> */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xengnttab.h>
#include "robust.h"

#define LOW_LIMIT 16
#define BADREF 99999u

static xengnttab_handle *gt;
static xengntshr_handle *gs;

static void share_limit(void)
{
    uint32_t r[LOW_LIMIT];
    int old = gntalloc_limit_read();
    if (old <= 0 || gntalloc_limit_write(LOW_LIMIT) || gntalloc_limit_read() != LOW_LIMIT) {
        result(0, "exhaust/limit-lowered", "cannot set %s to %d (was %d)", GNTALLOC_LIMIT_PATH, LOW_LIMIT, old);
        return;
    }
    uint8_t *ten = xengntshr_share_pages(gs, 0, 10, r, 1);
    struct footprint a = footprint();
    stderr_begin();
    errno = 0;
    uint8_t *eight = xengntshr_share_pages(gs, 0, 8, r, 1);
    int e = errno;
    const char *log = stderr_end();
    struct footprint b = footprint();
    result(ten && !eight && e == ENOSPC && strstr(log, "ioctl failed") && a.maps == b.maps && a.fds == b.fds,
           "exhaust/share-over-limit", "10 of %d held, share 8: %s/%s, log \"%s\", %s", LOW_LIMIT, eight ? "ok" : "NULL",
           strerrorname_np(e) ?: "0", log, footprint_delta(a, b));
    uint8_t *six = xengntshr_share_pages(gs, 0, 6, r, 1);
    errno = 0;
    uint8_t *one = xengntshr_share_pages(gs, 0, 1, r, 1);
    e = errno;
    result(six && !one && e == ENOSPC, "exhaust/nothing-half-allocated",
           "then exactly the 6 left: %s; one more: %s/%s", six ? "ok" : "NULL", one ? "ok" : "NULL", strerrorname_np(e) ?: "0");
    int u = (ten ? xengntshr_unshare(gs, ten, 10) : 0) | (six ? xengntshr_unshare(gs, six, 6) : 0);
    uint8_t *all = xengntshr_share_pages(gs, 0, LOW_LIMIT, r, 1);
    result(!u && all, "exhaust/recovers-after-unshare", "unshare %d, then all %d at once: %s", u, LOW_LIMIT,
           all ? "ok" : strerror(errno));
    if (all) xengntshr_unshare(gs, all, LOW_LIMIT);
    int w = gntalloc_limit_write(old);
    result(!w && gntalloc_limit_read() == old, "exhaust/limit-restored", "%d", gntalloc_limit_read());
}

/* NULL with errno `want`, a log line, nothing mapped or leaked, however often it happens */
static void failing_batch(const char *name, uint32_t count, const uint32_t *refs, int want, const char *why)
{
    uint8_t *m = NULL;
    int e = 0, odd = 0;
    char log[256];
    stderr_begin();                 /* a first failure warms up stdio and the allocator */
    m = xengnttab_map_domain_grant_refs(gt, count, 0, (uint32_t *)refs, RW_PROT);
    stderr_end();
    if (m) xengnttab_unmap(gt, m, count);
    struct footprint a = footprint();
    for (int i = 0; i < 50; i++) {
        stderr_begin();
        errno = 0;
        m = xengnttab_map_domain_grant_refs(gt, count, 0, (uint32_t *)refs, RW_PROT);
        e = errno;
        snprintf(log, sizeof log, "%s", stderr_end());
        if (m || e != want || !strstr(log, "mmap")) { odd = 1; break; }
    }
    struct footprint b = footprint();
    result(!odd && a.maps == b.maps && a.fds == b.fds && b.rss_kb - a.rss_kb <= 32, name,
           "%s, 50 times: %s/%s, log \"%s\"; %s", why, m ? "MAPPED" : "NULL", strerrorname_np(e) ?: "0", log,
           footprint_delta(a, b));
    if (m) xengnttab_unmap(gt, m, count);
}

static void batch_failures(void)
{
    uint32_t r[64];
    uint8_t *s = xengntshr_share_pages(gs, 0, 64, r, 1);
    if (!s) { result(0, "exhaust/batch-setup", "share 64: %s", strerror(errno)); return; }
    memset(s, 0x33, 64 * PG);
    uint32_t bad[64];
    memcpy(bad, r, sizeof bad);
    bad[31] = BADREF;
    failing_batch("exhaust/batch-bad-ref-in-middle", 64, bad, EINVAL, "64 refs, the 32nd invalid");
    /* the 63 good grants were released: the same refs map again, all of them */
    uint8_t *m = xengnttab_map_domain_grant_refs(gt, 64, 0, r, RW_PROT);
    result(m && m[63 * PG] == 0x33 && xengnttab_unmap(gt, m, 64) == 0, "exhaust/batch-grants-released",
           "the 64 good refs map again afterwards: %s", m ? "ok" : strerror(errno));

    /* no address space for the mapping: mmap fails with ENOMEM after the driver took the refs */
    struct rlimit old, tight;
    getrlimit(RLIMIT_AS, &old);
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long vm_pages = 0;
    if (f) { if (fscanf(f, "%lu", &vm_pages) != 1) vm_pages = 0; fclose(f); }
    tight = old;
    tight.rlim_cur = (vm_pages + 48) * PG;      /* room for the bookkeeping, not for 64 pages */
    if (!vm_pages || setrlimit(RLIMIT_AS, &tight)) {
        result(0, "exhaust/batch-no-address-space", "setrlimit: %s", strerror(errno));
    } else {
        failing_batch("exhaust/batch-no-address-space", 64, r, ENOMEM, "64 refs, RLIMIT_AS full");
        setrlimit(RLIMIT_AS, &old);
        m = xengnttab_map_domain_grant_refs(gt, 64, 0, r, RW_PROT);
        result(m && xengnttab_unmap(gt, m, 64) == 0, "exhaust/batch-after-address-space", "the same map with room: %s",
               m ? "ok" : strerror(errno));
    }
    xengntshr_unshare(gs, s, 64);
}

int main(int argc, char **argv)
{
    if (argc > 1) tag = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    if (!gt || !gs) { result(0, "exhaust/setup", "open: %s", strerror(errno)); return 1; }
    /* glibc >= 2.41 on Linux >= 6.11 (Debian 13) maps two pages for the vDSO getrandom state at
       a process's first getrandom(), which stderr_begin()'s mkstemp() makes: warmed up here, so
       that share_limit() does not count them as a leak of either library */
    stderr_begin();
    stderr_end();
    share_limit();
    batch_failures();
    return 0;
}
