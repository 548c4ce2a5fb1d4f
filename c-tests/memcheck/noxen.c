/*
 * Every function of libxengnttab.so.1 on its no-Xen and bad-input paths, for valgrind's
 * memcheck (compat/check-memcheck): a failed open must free its registration and logger,
 * a caller's logger is never destroyed, NULL handles and NULL arrays are refused without a
 * crash. Each check prints "PASS <name>" or "FAIL <name>: <detail>"; the exit status is the
 * number of failures.
 *
 * Where upstream crashes (NULL handles, NULL arrays with a count) or munmaps whatever it is
 * given (unshare), our library returns the C failure value with EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xentoollog.h>

#define PAGE 4096
/* Enough failed opens that a per-open leak stands out in the leak summary. */
#define OPEN_REPEATS 200

static int failures;

static void check(const char *name, int ok, const char *detail_fmt, ...)
{
    va_list args;

    if (ok) {
        printf("PASS %s\n", name);
        return;
    }
    printf("FAIL %s: ", name);
    va_start(args, detail_fmt);
    vprintf(detail_fmt, args);
    va_end(args);
    printf("\n");
    failures++;
}

/* Calls returning int: expect (rc, errno). */
#define CHECK_INT(name, call, want_rc, want_errno)                                      \
    do {                                                                                \
        int rc_, errno_;                                                                \
        errno = 0;                                                                      \
        rc_ = (call);                                                                   \
        errno_ = errno;                                                                 \
        check(name, rc_ == (want_rc) && errno_ == (want_errno),                         \
              "got %d errno %d (%s), want %d errno %d", rc_, errno_, strerror(errno_), \
              (want_rc), (want_errno));                                                 \
    } while (0)

/* Calls returning a pointer: expect NULL with errno. */
#define CHECK_NULL(name, call, want_errno)                                              \
    do {                                                                                \
        void *p_;                                                                       \
        int errno_;                                                                     \
        errno = 0;                                                                      \
        p_ = (void *)(call);                                                            \
        errno_ = errno;                                                                 \
        check(name, p_ == NULL && errno_ == (want_errno),                               \
              "got %p errno %d (%s), want NULL errno %d", p_, errno_, strerror(errno_), \
              (want_errno));                                                            \
    } while (0)

/* A caller's logger: counts what the library does with it. */
struct counting_logger {
    xentoollog_logger vtable;
    int messages;
    int destroyed;
};

static void counting_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
                              const char *context, const char *format, va_list al)
{
    (void)level, (void)errnoval, (void)context, (void)format, (void)al;
    ((struct counting_logger *)logger)->messages++;
}

static void counting_progress(xentoollog_logger *logger, const char *context,
                              const char *doing_what, int percent, unsigned long done,
                              unsigned long total)
{
    (void)context, (void)doing_what, (void)percent, (void)done, (void)total;
    ((struct counting_logger *)logger)->messages++;
}

static void counting_destroy(xentoollog_logger *logger)
{
    ((struct counting_logger *)logger)->destroyed++;
}

/* Without Xen both opens fail with ENOENT; with it they succeed and close to 0. */
static void opens(int have_xen, xentoollog_logger *logger, const char *what)
{
    char name[128];
    xengnttab_handle *xgt;
    xengntshr_handle *xgs;
    int e;

    errno = 0;
    xgt = xengnttab_open(logger, 0);
    e = errno;
    snprintf(name, sizeof name, "xengnttab_open(%s)", what);
    if (have_xen)
        check(name, xgt != NULL && xengnttab_close(xgt) == 0, "errno %d", e);
    else
        check(name, xgt == NULL && e == ENOENT, "got %p errno %d, want NULL ENOENT", (void *)xgt, e);

    errno = 0;
    xgs = xengntshr_open(logger, 0xffffffffu);
    e = errno;
    snprintf(name, sizeof name, "xengntshr_open(%s, all flags)", what);
    if (have_xen)
        check(name, xgs != NULL && xengntshr_close(xgs) == 0, "errno %d", e);
    else
        check(name, xgs == NULL && e == ENOENT, "got %p errno %d, want NULL ENOENT", (void *)xgs, e);
}

static void open_paths(int have_xen)
{
    struct counting_logger counting = {
        { counting_vmessage, counting_progress, counting_destroy }, 0, 0
    };
    xentoollog_logger_stdiostream *stdio;
    FILE *dev_null = fopen("/dev/null", "w");
    int i, all_failed_cleanly = 1;

    opens(have_xen, NULL, "default logger");
    opens(have_xen, &counting.vtable, "caller's logger");
    check("a caller's logger is never destroyed", counting.destroyed == 0, "destroyed %d times",
          counting.destroyed);
    check("open and close log nothing", counting.messages == 0, "%d messages", counting.messages);

    stdio = dev_null ? xtl_createlogger_stdiostream(dev_null, XTL_PROGRESS, 0) : NULL;
    check("xtl stdio logger for the test", stdio != NULL, "could not create one");
    if (stdio) {
        opens(have_xen, (xentoollog_logger *)stdio, "xtl stdio logger");
        xtl_logger_destroy((xentoollog_logger *)stdio);
    }
    if (dev_null)
        fclose(dev_null);

    for (i = 0; i < OPEN_REPEATS; i++) {
        xengnttab_handle *xgt = xengnttab_open(NULL, 0);
        xengntshr_handle *xgs = xengntshr_open(NULL, 0);
        if (have_xen) {
            all_failed_cleanly &= xgt && xgs && xengnttab_close(xgt) == 0 && xengntshr_close(xgs) == 0;
        } else {
            all_failed_cleanly &= !xgt && !xgs;
        }
    }
    check("repeated open/close (leaks show in valgrind's summary)", all_failed_cleanly,
          "an iteration went wrong");
}

static void null_handles(void)
{
    uint32_t refs[4] = { 1, 2, 3, 4 }, domids[4] = { 0 }, fd = 0;
    xengnttab_grant_copy_segment_t seg;

    memset(&seg, 0, sizeof seg);
    CHECK_INT("xengnttab_close(NULL)", xengnttab_close(NULL), 0, 0);
    CHECK_INT("xengntshr_close(NULL)", xengntshr_close(NULL), 0, 0);
    CHECK_INT("xengnttab_fd(NULL)", xengnttab_fd(NULL), -1, EINVAL);
    CHECK_INT("xengntshr_fd(NULL)", xengntshr_fd(NULL), -1, EINVAL);
    CHECK_INT("xengnttab_set_max_grants(NULL)", xengnttab_set_max_grants(NULL, 32), -1, EINVAL);
    CHECK_NULL("xengnttab_map_grant_ref(NULL)", xengnttab_map_grant_ref(NULL, 0, 8, PROT_READ), EINVAL);
    CHECK_NULL("xengnttab_map_grant_ref_notify(NULL)",
               xengnttab_map_grant_ref_notify(NULL, 0, 8, PROT_READ | PROT_WRITE, 0, 5), EINVAL);
    CHECK_NULL("xengnttab_map_grant_refs(NULL)",
               xengnttab_map_grant_refs(NULL, 4, domids, refs, PROT_READ), EINVAL);
    CHECK_NULL("xengnttab_map_domain_grant_refs(NULL)",
               xengnttab_map_domain_grant_refs(NULL, 4, 0, refs, PROT_READ), EINVAL);
    CHECK_INT("xengnttab_unmap(NULL, addr)", xengnttab_unmap(NULL, (void *)0x10000, 1), -1, EINVAL);
    CHECK_INT("xengnttab_grant_copy(NULL, 1 segment)", xengnttab_grant_copy(NULL, 1, &seg), -1, EINVAL);
    CHECK_INT("xengnttab_grant_copy(NULL, 0, NULL)", xengnttab_grant_copy(NULL, 0, NULL), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_exp_from_refs(NULL)",
              xengnttab_dmabuf_exp_from_refs(NULL, 0, 0, 4, refs, &fd), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_exp_wait_released(NULL)",
              xengnttab_dmabuf_exp_wait_released(NULL, 3, 0), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_imp_to_refs(NULL)",
              xengnttab_dmabuf_imp_to_refs(NULL, 0, 3, 4, refs), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_imp_release(NULL)", xengnttab_dmabuf_imp_release(NULL, 3), -1, EINVAL);
    CHECK_NULL("xengntshr_share_pages(NULL)", xengntshr_share_pages(NULL, 0, 4, refs, 1), EINVAL);
    CHECK_NULL("xengntshr_share_page_notify(NULL)",
               xengntshr_share_page_notify(NULL, 0, refs, 1, 0, 5), EINVAL);
    check("refs untouched by refused calls", refs[0] == 1 && refs[3] == 4 && fd == 0,
          "refs %u..%u fd %u", refs[0], refs[3], fd);
}

static void null_arrays_and_bad_counts(void)
{
    CHECK_NULL("xengnttab_map_grant_refs(NULL arrays, 4)",
               xengnttab_map_grant_refs(NULL, 4, NULL, NULL, PROT_READ), EINVAL);
    CHECK_NULL("xengnttab_map_domain_grant_refs(count 2^32-1)",
               xengnttab_map_domain_grant_refs(NULL, 0xffffffffu, 0, NULL, PROT_READ), EINVAL);
    CHECK_INT("xengnttab_grant_copy(NULL segments, 3)", xengnttab_grant_copy(NULL, 3, NULL), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_exp_from_refs(NULL refs, NULL fd)",
              xengnttab_dmabuf_exp_from_refs(NULL, 0, 0, 2, NULL, NULL), -1, EINVAL);
    CHECK_INT("xengnttab_dmabuf_imp_to_refs(NULL refs)",
              xengnttab_dmabuf_imp_to_refs(NULL, 0, 3, 2, NULL), -1, EINVAL);
    CHECK_NULL("xengntshr_share_pages(count -1)", xengntshr_share_pages(NULL, 0, -1, NULL, 1), EINVAL);
    CHECK_NULL("xengntshr_share_page_notify(NULL ref)",
               xengntshr_share_page_notify(NULL, 0, NULL, 0, 0xffffffffu, 0xffffffffu), EINVAL);
    CHECK_INT("xengnttab_unmap(NULL, NULL)", xengnttab_unmap(NULL, NULL, 1), -1, EINVAL);
}

/* Unshare needs no handle, but takes down only a region a share call returned: here none
 * was, so memory the caller mapped itself stays mapped. */
static void unshare_paths(void)
{
    char *pages = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    check("mmap 3 pages for unshare", pages != MAP_FAILED, "errno %d", errno);
    if (pages == MAP_FAILED)
        return;
    CHECK_INT("xengntshr_unshare(NULL address)", xengntshr_unshare(NULL, NULL, 1), -1, EINVAL);
    CHECK_INT("xengntshr_unshare(misaligned)", xengntshr_unshare(NULL, pages + 1, 1), -1, EINVAL);
    CHECK_INT("xengntshr_unshare(count 0)", xengntshr_unshare(NULL, pages, 0), -1, EINVAL);
    CHECK_INT("xengntshr_unshare(pages it never shared)", xengntshr_unshare(NULL, pages, 3), -1, EINVAL);
    pages[0] = pages[3 * PAGE - 1] = 1; /* still mapped, or this write crashes */
    check("refused unshare left the pages mapped", munmap(pages, 3 * PAGE) == 0, "errno %d", errno);
}

int main(void)
{
    int have_xen = access("/dev/xen/gntdev", F_OK) == 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("# /dev/xen/gntdev %s\n", have_xen ? "present: opens must succeed" : "absent: opens must fail");
    open_paths(have_xen);
    null_handles();
    null_arrays_and_bad_counts();
    unshare_paths();
    return failures;
}
