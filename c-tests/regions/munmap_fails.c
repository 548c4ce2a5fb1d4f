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

int main(void)
{
    xengntshr_handle *gs;
    xengnttab_handle *gt;
    uint32_t ref;
    unsigned char *s, *m;
    int r, e, r2, e2, mapped, gone;

    regions_init("munmap_fails");
    gs = xengntshr_open(NULL, 0);
    gt = xengnttab_open(NULL, 0);
    if (!gs || !gt) {
        check(0, "f6/open", "xengntshr_open %p, xengnttab_open %p: %s", (void *)gs, (void *)gt, errno_name(errno));
        return finish();
    }

    s = xengntshr_share_pages(gs, 0, 1, &ref, 1);
    m = s ? xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE) : NULL;
    if (!m) {
        check(0, "f6/setup", "share %p, map %p: %s", (void *)s, (void *)m, errno_name(errno));
        return finish();
    }

    hook_fail_munmap(m, ENOMEM);
    errno = 0;
    r = xengnttab_unmap(gt, m, 1);
    e = errno;
    mapped = readable(m);
    errno = 0;
    r2 = xengnttab_unmap(gt, m, 1);
    e2 = errno;
    gone = !readable(m);
    check(r == -1 && e == ENOMEM && mapped, "f6/unmap-fails", "unmap with munmap failing %s, mapping %s", rc_text(r, e),
          mapped ? "still mapped" : "gone");
    check(r2 == 0 && gone, "f6/unmap-retried", "the retry %s, mapping %s", rc_text(r2, e2), gone ? "gone" : "still mapped");

    hook_fail_munmap(s, ENOMEM);
    errno = 0;
    r = xengntshr_unshare(gs, s, 1);
    e = errno;
    mapped = readable(s);
    errno = 0;
    r2 = xengntshr_unshare(gs, s, 1);
    e2 = errno;
    gone = !readable(s);
    check(r == -1 && e == ENOMEM && mapped, "f6/unshare-fails", "unshare with munmap failing %s, pages %s", rc_text(r, e),
          mapped ? "still mapped" : "gone");
    check(r2 == 0 && gone, "f6/unshare-retried", "the retry %s, pages %s", rc_text(r2, e2), gone ? "gone" : "still mapped");

    xengnttab_close(gt);
    xengntshr_close(gs);
    return finish();
}
