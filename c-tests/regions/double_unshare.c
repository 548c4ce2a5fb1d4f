/* double_unshare.c - issue 18, finding 1: stale regions in the C API's region table.
 *
 * collision: region Y at X's home slot, X recorded beside it (home+1), X munmapped behind the
 *   library's back, Y unshared, X shared again at the same address. Linear probing without
 *   tombstones then put X's second recording at the freed home slot and kept the stale one at
 *   home+1: X could be unshared twice, the second time munmapping whatever lived at X. Here
 *   an anonymous page is placed at X after the first unshare: the second must be EINVAL and
 *   the page must stay.
 * overlap: X (4 pages) shared, munmapped directly, Y (1 page) shared at X + 4096: the stale X
 *   overlaps Y, and xengntshr_unshare(X, 4) must not take Y down.
 * Addresses are chosen with the shim's fakegnt_mmap_at, so the cases are deterministic. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGE 4096u

static void *share_at(xengntshr_handle *gs, uintptr_t at, int pages, const char *name)
{
    uint32_t refs[8];
    void *p;
    hook_mmap_at((void *)at);
    p = xengntshr_share_pages(gs, 0, pages, refs, 1);
    if (p != (void *)at) {
        check(0, name, "could not share %d page(s) at %#lx (got %p, errno %s)", pages, (unsigned long)at, p,
              errno_name(errno));
        return NULL;
    }
    return p;
}

static void collision(xengntshr_handle *gs)
{
    const char *name = "f1/collision/second-unshare-refused";
    uintptr_t base = free_range(64 << 20), x = base + 16 * PAGE, y = 0;
    int r1, e1, r2, e2, kept;
    unsigned char *page;

    for (uintptr_t a = x + 2 * PAGE; a < base + (64 << 20); a += PAGE)
        if (home_slot(a) == home_slot(x)) { y = a; break; }
    if (!y) { check(0, name, "no page with X's home slot in 64 MiB"); return; }
    printf("INFO f1/collision: X=%#lx Y=%#lx, home slot %u\n", (unsigned long)x, (unsigned long)y, home_slot(x));
    if (!share_at(gs, y, 1, name) || !share_at(gs, x, 1, name)) return;
    munmap((void *)x, PAGE);                            /* behind the library's back */
    printf("INFO f1/collision: unshare(Y) %s\n", rc_text(xengntshr_unshare(gs, (void *)y, 1), errno));
    if (!share_at(gs, x, 1, name)) return;              /* the kernel hands X out again */
    errno = 0;
    r1 = xengntshr_unshare(gs, (void *)x, 1);
    e1 = errno;
    page = anon_page_at(x, 0x5a);                        /* whatever lives at X next */
    if (!page) { check(0, name, "first unshare(X) %s left X mapped", rc_text(r1, e1)); return; }
    errno = 0;
    r2 = xengntshr_unshare(gs, (void *)x, 1);
    e2 = errno;
    kept = readable(page) && page[0] == 0x5a;
    check(r1 == 0 && r2 == -1 && e2 == EINVAL && kept, name,
          "first unshare(X) %s, second %s (expected -1/EINVAL); the page mapped at X since: %s", rc_text(r1, e1),
          rc_text(r2, e2), kept ? "kept" : "munmapped by the second unshare");
    munmap(page, PAGE);
}

static void overlap(xengntshr_handle *gs)
{
    const char *name = "f1/overlap/stale-region-refused";
    uintptr_t x = free_range(16 * PAGE) + 4 * PAGE;
    unsigned char *y;
    int r, e, kept;

    if (!share_at(gs, x, 4, name)) return;
    munmap((void *)x, 4 * PAGE);                        /* behind the library's back */
    if (!(y = share_at(gs, x + PAGE, 1, name))) return; /* its second page handed out again */
    y[0] = 0x6b;
    errno = 0;
    r = xengntshr_unshare(gs, (void *)x, 4);
    e = errno;
    kept = readable(y) && y[0] == 0x6b;
    check(r == -1 && e == EINVAL && kept, name, "unshare(X, 4) %s (expected -1/EINVAL); Y at X+4096: %s", rc_text(r, e),
          kept ? "kept" : "munmapped");
    if (kept) {
        r = xengntshr_unshare(gs, y, 1);
        check(r == 0 && !readable(y), "f1/overlap/live-region-unshared", "unshare(Y, 1) %s", rc_text(r, errno));
    }
}

int main(void)
{
    xengntshr_handle *gs;
    regions_init("double_unshare");
    if (!(gs = xengntshr_open(NULL, 0))) {
        check(0, "f1/open", "xengntshr_open: %s", errno_name(errno));
        return finish();
    }
    collision(gs);
    overlap(gs);
    xengntshr_close(gs);
    return finish();
}
