/* blocked.c - detects a lock held across a library call's memory accesses and syscalls.
 *
 * Thread A calls the library with an argument in a page registered with userfaultfd and not
 * yet populated, so A blocks inside the call exactly where the library (or the kernel, in
 * the middle of the ioctl) touches that argument, for as long as we like. While A is blocked,
 * thread B must finish a number of share+map+unmap+unshare cycles on the SAME handles. A lock
 * taken before that point and released after it (a per-handle mutex around the ioctl, the
 * request building or the copying out of refs) would stop B, and B's time limit fails the
 * check without relying on timing. Then the page is filled in and A's call must succeed with
 * the right data. Cases:
 *   map-refs     map_domain_grant_refs reading the caller's refs (the library builds its request)
 *   copy-segs    grant_copy: the kernel reads the caller's segments inside the GRANT_COPY ioctl
 *   share-refs   share_pages writing the refs out to the caller after its ioctl and mmap */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "threads.h"

#define PG 4096
#define B_CYCLES 20
#define B_LIMIT_S 20      /* generous: B needs well under a second even under TCG */

enum blocked_case { MAP_REFS, COPY_SEGS, SHARE_REFS, NCASES };
static const char *case_name[NCASES] = { "map-refs", "copy-segs", "share-refs" };

struct blocked {
    enum blocked_case kind;
    xengnttab_handle *gt;
    xengntshr_handle *gs;
    void *arg_page;           /* the userfaultfd page the call's argument lives in */
    uint8_t *shared;          /* a page shared in advance: what A maps or copies */
    uint8_t local[64];        /* grant copy's destination */
    void *result;             /* A's map or share */
    int rc, err;
};

static void *blocked_call(void *arg)
{
    struct blocked *b = arg;
    errno = 0;
    switch (b->kind) {
    case MAP_REFS: b->result = xengnttab_map_domain_grant_refs(b->gt, 1, 0, b->arg_page, PROT_READ); break;
    case COPY_SEGS: b->rc = xengnttab_grant_copy(b->gt, 1, b->arg_page); break;
    default: b->result = xengntshr_share_pages(b->gs, 0, 1, b->arg_page, 1); break;
    }
    b->err = errno;
    return NULL;
}

/* waits up to ms for the fault on page; 1 if it came */
static int wait_fault(int uffd, void *page, int ms)
{
    struct pollfd p = { .fd = uffd, .events = POLLIN };
    struct uffd_msg msg;
    if (poll(&p, 1, ms) != 1 || read(uffd, &msg, sizeof msg) != sizeof msg) return 0;
    return msg.event == UFFD_EVENT_PAGEFAULT && (msg.arg.pagefault.address & ~(uint64_t)(PG - 1)) == (uint64_t)(uintptr_t)page;
}

static int join_within(pthread_t t, int seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* one case; prints its result line, returns 1 if it passed */
static int run_case(const char *label, int uffd, struct blocked *b, uint32_t shared_ref)
{
    char why[256] = "";
    uint8_t content[PG] = { 0 };   /* what the page will hold once the fault is resolved */
    b->arg_page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = { .range = { (uint64_t)(uintptr_t)b->arg_page, PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    if (b->arg_page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
        printf("FAIL threads/%s/blocked/%s: userfaultfd register: %s\n", label, case_name[b->kind], strerror(errno));
        return 0;
    }
    if (b->kind == MAP_REFS) memcpy(content, &shared_ref, sizeof shared_ref);
    if (b->kind == COPY_SEGS) {
        xengnttab_grant_copy_segment_t seg = { 0 };
        seg.source.foreign.ref = shared_ref;
        seg.source.foreign.offset = 100;
        seg.dest.virt = b->local;
        seg.len = sizeof b->local;
        seg.flags = GNTCOPY_source_gref;
        memcpy(content, &seg, sizeof seg);
    }
    pthread_t a;
    pthread_create(&a, NULL, blocked_call, b);
    long b_done = -1;
    if (!wait_fault(uffd, b->arg_page, 10000)) {
        fail(why, sizeof why, "the call never touched its argument page");
    } else {
        struct worker w = { .id = 9, .iterations = B_CYCLES, .gt = b->gt, .gs = b->gs };
        pthread_create(&w.tid, NULL, run_worker, &w);
        int finished = join_within(w.tid, B_LIMIT_S);
        b_done = w.done;
        if (!finished) fail(why, sizeof why, "the other thread did %ld of %d cycles in %d s: blocked by the call", w.done,
                            B_CYCLES, B_LIMIT_S);
        else if (w.error[0]) fail(why, sizeof why, "the other thread failed: %s", w.error);
        struct uffdio_copy copy = { .dst = (uint64_t)(uintptr_t)b->arg_page, .src = (uint64_t)(uintptr_t)content, .len = PG };
        if (ioctl(uffd, UFFDIO_COPY, &copy)) fail(why, sizeof why, "UFFDIO_COPY: %s", strerror(errno));
        if (!finished) pthread_join(w.tid, NULL);
    }
    if (!join_within(a, 20)) {   /* the fault was never resolved: unblock A before giving up */
        struct uffdio_copy copy = { .dst = (uint64_t)(uintptr_t)b->arg_page, .src = (uint64_t)(uintptr_t)content, .len = PG };
        ioctl(uffd, UFFDIO_COPY, &copy);
        pthread_join(a, NULL);
    }
    /* A's call must have done its job once unblocked */
    switch (b->kind) {
    case MAP_REFS:
        if (!b->result) fail(why, sizeof why, "map failed: %s", strerror(b->err));
        else {
            if (memcmp(b->result, b->shared, PG)) fail(why, sizeof why, "mapped page differs from the shared one");
            xengnttab_unmap(b->gt, b->result, 1);
        }
        break;
    case COPY_SEGS: {
        const xengnttab_grant_copy_segment_t *seg = b->arg_page;
        if (b->rc || seg->status) fail(why, sizeof why, "grant_copy rc %d status %d", b->rc, seg->status);
        else if (memcmp(b->local, b->shared + 100, sizeof b->local)) fail(why, sizeof why, "copied bytes differ");
        break;
    }
    default:
        if (!b->result) fail(why, sizeof why, "share failed: %s", strerror(b->err));
        else {
            uint32_t ref = *(uint32_t *)b->arg_page;
            uint8_t *m = xengnttab_map_grant_ref(b->gt, 0, ref, PROT_READ);
            ((uint8_t *)b->result)[7] = 0x5c;
            if (!m || m[7] != 0x5c) fail(why, sizeof why, "the ref written out does not map the share");
            if (m) xengnttab_unmap(b->gt, m, 1);
            xengntshr_unshare(b->gs, b->result, 1);
        }
    }
    munmap(b->arg_page, PG);
    printf("%s threads/%s/blocked/%s: %s%s%ld cycles on the same handles while another thread was blocked in the call\n",
           why[0] ? "FAIL" : "PASS", label, case_name[b->kind], why, why[0] ? "; " : "", b_done < 0 ? 0 : b_done);
    return !why[0];
}

int blocked_calls(const char *label)
{
    int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    struct uffdio_api api = { .api = UFFD_API };
    if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
        printf("FAIL threads/%s/blocked: userfaultfd unavailable: %s\n", label, strerror(errno));
        return 0;
    }
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    uint32_t ref;
    uint8_t *shared = gs ? xengntshr_share_pages(gs, 0, 1, &ref, 1) : NULL;
    int ok = gt && gs && shared;
    if (!ok) printf("FAIL threads/%s/blocked: setup (open/share) failed: %s\n", label, strerror(errno));
    for (int i = 0; i < PG && ok; i++) shared[i] = (uint8_t)(i * 7 + 3);
    for (int k = 0; k < NCASES && gt && gs && shared; k++) {
        struct blocked b = { .kind = k, .gt = gt, .gs = gs, .shared = shared };
        ok &= run_case(label, uffd, &b, ref);
    }
    if (shared) xengntshr_unshare(gs, shared, 1);
    if (gt) xengnttab_close(gt);
    if (gs) xengntshr_close(gs);
    close(uffd);
    return ok;
}
