/* A minimal libxengnttab consumer, built by c-tests/pkgconfig/run ONLY with the flags
 * pkg-config prints for the installed tree. Without Xen (CI) both opens must fail with
 * ENOENT; with Xen they must succeed and close must return 0. Prints one "ok"/"FAIL"
 * line per call, plus which file provided xengnttab_open (dynamic builds), and exits
 * non-zero on any failure. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xengnttab.h>

static int check(const char *what, void *h, int err, const char *dev)
{
    int have_xen = access(dev, F_OK) == 0;

    if (have_xen && h) {
        printf("ok %s opened (%s present)\n", what, dev);
        return 0;
    }
    if (!have_xen && !h && err == ENOENT) {
        printf("ok %s: NULL, ENOENT without %s\n", what, dev);
        return 0;
    }
    printf("FAIL %s: %s, errno %d (%s); %s %s\n", what, h ? "handle" : "NULL", err,
           strerror(err), dev, have_xen ? "present" : "absent");
    return 1;
}

int main(void)
{
    xengnttab_handle *xgt;
    xengntshr_handle *xgs;
    Dl_info info;
    char path[PATH_MAX];
    int bad = 0;

    errno = 0;
    xgt = xengnttab_open(NULL, 0);
    bad += check("xengnttab_open", xgt, errno, "/dev/xen/gntdev");
    errno = 0;
    xgs = xengntshr_open(NULL, 0);
    bad += check("xengntshr_open", xgs, errno, "/dev/xen/gntalloc");
    if (xengnttab_close(xgt) != 0 || xengntshr_close(xgs) != 0) {
        printf("FAIL close did not return 0\n");
        bad++;
    }
    /* In a static binary dladdr finds nothing; that is fine. */
    if (dladdr((void *)&xengnttab_open, &info) && info.dli_fname && realpath(info.dli_fname, path))
        printf("xengnttab_open from %s\n", path);
    return bad ? 1 : 0;
}
