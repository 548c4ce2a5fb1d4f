/* munmap_fails.c - issue 18, finding 6: the munmap of an unshare or of an unmap fails once
 * (the shim's fakegnt_fail_munmap: ENOMEM, nothing unmapped). The call must return -1 with
 * that errno, leave the pages mapped, and a retry must succeed. Before the fix the region had
 * already left the table, so the retry was EINVAL and the pages could never be taken down
 * through the library. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

static xengnttab_handle *gt;
static xengntshr_handle *gs;

static int unmap_one(void *addr) { return xengnttab_unmap(gt, addr, 1); }
static int unshare_one(void *addr) { return xengntshr_unshare(gs, addr, 1); }

/* take_down_twice: the first call's munmap fails with ENOMEM; it must fail with that errno and
 * leave the page mapped, and the retry must take the page down. */
static void take_down_twice(int (*take_down)(void *), void *addr, const char *call, const char *what)
{
    int r, e, r2, e2, mapped, gone;
    char name[64];

    hook_fail_munmap(addr, ENOMEM);
    errno = 0;
    r = take_down(addr);
    e = errno;
    mapped = readable(addr);
    errno = 0;
    r2 = take_down(addr);
    e2 = errno;
    gone = !readable(addr);
    snprintf(name, sizeof name, "f6/%s-fails", call);
    check(r == -1 && e == ENOMEM && mapped, name, "%s with munmap failing %s, %s %s", call, rc_text(r, e), what,
          mapped ? "still mapped" : "gone");
    snprintf(name, sizeof name, "f6/%s-retried", call);
    check(r2 == 0 && gone, name, "the retry %s, %s %s", rc_text(r2, e2), what, gone ? "gone" : "still mapped");
}

int main(void)
{
    uint32_t ref;
    unsigned char *s, *m;

    regions_init("munmap_fails");
    if (!open_both("f6", &gs, &gt))
        return finish();

    s = xengntshr_share_pages(gs, 0, 1, &ref, 1);
    m = s ? xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE) : NULL;
    if (!m) {
        check(0, "f6/setup", "share %p, map %p: %s", (void *)s, (void *)m, errno_name(errno));
        return finish();
    }
    take_down_twice(unmap_one, m, "unmap", "mapping");
    take_down_twice(unshare_one, s, "unshare", "pages");

    xengnttab_close(gt);
    xengntshr_close(gs);
    return finish();
}
