/* unmap_race.c - issue 18, finding 2: two unmaps of one mapping while a new map lands at its
 * address, in a fixed interleaving.
 *
 * Thread 1 calls xengnttab_unmap(X) and is parked by the shim right after its
 * GET_OFFSET_FOR_VADDR returned. Thread 2 (main) then unmaps X and maps the same grant again,
 * asking the shim to place the new map at X when X is free. Thread 1 then goes on.
 *   Before b036c8d the library asked the kernel first and took the table entry afterwards:
 *   thread 2's unmap succeeded, its new map landed at X, and thread 1's take then found the new
 *   recording at X and munmapped thread 2's new page.
 *   Now the take holds X before the kernel is asked: thread 2's unmap is refused (EINVAL), its
 *   new map lands elsewhere, and thread 1 unmaps X.
 * Checked: X is unmapped exactly once; the second thread's new page stays readable and unmaps
 * cleanly. Each call's result is printed. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static xengnttab_handle *gt;
static void *x;
static int r1, e1;

static void *thread1(void *arg)
{
    (void)arg;
    errno = 0;
    r1 = xengnttab_unmap(gt, x, 1);
    e1 = errno;
    return NULL;
}

int main(void)
{
    xengntshr_handle *gs;
    pthread_t t;
    uint32_t ref;
    unsigned char *shared, *n;
    int r2, e2, parked, once, n_ok, n_unmap = -2, en = 0;

    regions_init("unmap_race");
    if (!open_both("f2", &gs, &gt))
        return finish();
    shared = xengntshr_share_pages(gs, 0, 1, &ref, 1);
    x = shared ? xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE) : NULL;
    if (!x) {
        check(0, "f2/setup", "share %p, map %p: %s", (void *)shared, x, errno_name(errno));
        return finish();
    }
    hook_park_get_offset();
    pthread_create(&t, NULL, thread1, NULL);
    parked = hook_wait_parked(10000);
    printf("INFO f2: thread 1 unmap(X=%p) %s after its GET_OFFSET_FOR_VADDR\n", x, parked ? "parked" : "NOT parked");
    if (!parked) hook_unpark(); /* no GET_OFFSET of thread 2 may park instead */
    errno = 0;
    r2 = xengnttab_unmap(gt, x, 1);
    e2 = errno;
    printf("INFO f2: thread 2 unmap(X) while thread 1 is parked: %s\n", rc_text(r2, e2));
    hook_mmap_at(x);
    n = xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE);
    printf("INFO f2: thread 2 maps again: %p (%s)\n", (void *)n, !n ? errno_name(errno) : (void *)n == x ? "at X" : "elsewhere: X still mapped");
    if (n) n[0] = 0x77;
    hook_unpark();
    pthread_join(t, NULL);
    printf("INFO f2: thread 1 unmap(X) resumed: %s\n", rc_text(r1, e1));
    check(parked, "f2/thread1-parked", "thread 1 reached GET_OFFSET_FOR_VADDR and waited there");
    once = (r1 == 0) + (r2 == 0) == 1;
    check(once, "f2/x-unmapped-once", "thread 1 %s, thread 2 %s: %s", rc_text(r1, e1), rc_text(r2, e2),
          once ? "exactly one succeeded" : r1 == 0 && r2 == 0 ? "both succeeded" : "neither succeeded");
    n_ok = n && readable(n) && n[0] == 0x77;
    check(n_ok, "f2/new-page-kept", "thread 2's new map %p %s after thread 1's unmap", (void *)n,
          n_ok ? "is still readable" : "was taken down");
    if (n) {
        errno = 0;
        n_unmap = xengnttab_unmap(gt, n, 1);
        en = errno;
    }
    check(n_unmap == 0, "f2/new-page-unmaps", "xengnttab_unmap(new map) %s", n ? rc_text(n_unmap, en) : "(no map)");
    if (r1 != 0 && r2 != 0) xengnttab_unmap(gt, x, 1);
    xengntshr_unshare(gs, shared, 1);
    xengnttab_close(gt);
    xengntshr_close(gs);
    return finish();
}
