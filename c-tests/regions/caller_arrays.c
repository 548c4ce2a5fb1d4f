/* caller_arrays.c - issue 18, finding 5: what the library touches of a caller's arrays.
 *
 * Upstream reads input arrays as it builds the request and writes output arrays only once the
 * kernel produced them. A call the kernel refuses never touches its output array, so a count
 * larger than the array is harmless there, and an out-pointer may point into an input array.
 * The arrays here sit right before a PROT_NONE page: a library touching more than upstream
 * would crash. (Before the fix the library made Rust references over such arrays, undefined
 * behaviour that the compiled code did not act on: capi::caller_array_tests shows it under
 * Miri; these checks pass before and after.) */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define UNTOUCHED 0xAAAAAAAAu

/* `n` uint32_t right before a PROT_NONE page. */
static uint32_t *before_guard(int n)
{
    unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE)) { perror("guard"); return NULL; }
    return (uint32_t *)(p + 4096) - n;
}

static void share_short(xengntshr_handle *gs, int count)
{
    char name[64];
    uint32_t *refs = before_guard(1);
    void *r;
    int e;
    snprintf(name, sizeof name, "f5/share-%d-into-1-ref", count);
    refs[0] = UNTOUCHED;
    errno = 0;
    r = xengntshr_share_pages(gs, 0, count, refs, 1);
    e = errno;
    /* ENOSPC: the kernel's gntalloc limit (1024 pages). ENOMEM: for INT_MAX the 8 GiB request
     * buffer, which upstream mallocs as well, may not be allocatable. */
    check(!r && (e == ENOSPC || (count == INT_MAX && e == ENOMEM)) && refs[0] == UNTOUCHED, name,
          "%s errno %s, refs[0] %s", r ? "a region" : "NULL", errno_name(e), refs[0] == UNTOUCHED ? "untouched" : "written");
    if (r) xengntshr_unshare(gs, r, count);
}

static void import_short(xengnttab_handle *gt)
{
    uint32_t *refs = before_guard(1);
    int r, e;
    refs[0] = UNTOUCHED;
    errno = 0;
    r = xengnttab_dmabuf_imp_to_refs(gt, 0, 1000, 64, refs); /* fd 1000: no dma-buf */
    e = errno;
    check(r == -1 && refs[0] == UNTOUCHED, "f5/dmabuf-import-64-into-1-ref", "%s, refs[0] %s", rc_text(r, e),
          refs[0] == UNTOUCHED ? "untouched" : "written");
}

static void export_fd_aliasing_refs(xengnttab_handle *gt, uint32_t ref)
{
    uint32_t *both = before_guard(1);
    int r, e;
    both[0] = ref;
    errno = 0;
    r = xengnttab_dmabuf_exp_from_refs(gt, 0, 0, 1, both, both);
    e = errno;
    if (r == 0) {
        /* Read first, written after: the kernel saw the ref (known only when faked), *fd is the
         * new dma-buf's fd. */
        int fd_ok = fcntl((int)both[0], F_GETFD) != -1;
        int seen = !faked || hook_exp_first_ref() == ref;
        check(fd_ok && seen, "f5/dmabuf-export-fd-aliasing-refs", "0, fd %u written over refs[0] %s, the kernel saw ref %s",
              both[0], fd_ok ? "(an open fd)" : "(not an open fd)", !faked ? "(unknown on real devices)" : seen ? "(the caller's)" : "(not the caller's)");
        if (fd_ok) close((int)both[0]);
    } else {
        check(both[0] == ref, "f5/dmabuf-export-fd-aliasing-refs", "%s, refs[0] %s", rc_text(r, e),
              both[0] == ref ? "untouched" : "written");
    }
}

int main(void)
{
    xengntshr_handle *gs;
    xengnttab_handle *gt;
    uint32_t ref = 0;
    void *page;

    regions_init("caller_arrays");
    if (!open_both("f5", &gs, &gt))
        return finish();
    share_short(gs, 1025);
    share_short(gs, INT_MAX);
    import_short(gt);
    page = xengntshr_share_pages(gs, 0, 1, &ref, 1);
    export_fd_aliasing_refs(gt, page ? ref : 1);
    if (page) xengntshr_unshare(gs, page, 1);
    xengnttab_close(gt);
    xengntshr_close(gs);
    return finish();
}
