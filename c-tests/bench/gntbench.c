/* gntbench.c - cost per call of libxengnttab/libxengntshr, through the public C API only.
 *
 * Compiled once against Debian's header and library; the lab runs the same binary with
 * Debian's libxengnttab.so.1 and with ours (LD_LIBRARY_PATH), alternately, in one dom0 boot
 * (compat/lab/suites/bench/). Pages to map are dom0's own, shared to domid 0 with gntshr and
 * mapped back, so one domain is enough.
 *
 * usage: gntbench time <ms-per-row>   every row for about that long; one line per row:
 *                                     "R <row> <ops> <wall_ns> <user_ns> <sys_ns>"
 *        gntbench count <iterations>  every row exactly that many times, for strace: each loop
 *                                     is bracketed by write(-1, "BENCH+ <row>") and
 *                                     write(-1, "BENCH- <row>") from the thread running it,
 *                                     and "C <row> <ops>" lines give the op count per row
 *        Under valgrind --tool=callgrind --toggle-collect=count_ops, count mode also dumps callgrind's
 *        counters once per row (CALLGRIND_DUMP_STATS_AT("<row>"), zeroed before the row), so
 *        each dump holds the instructions of exactly that row's `count` ops and whatever
 *        they called: the lab's instruction table (compat/lab/suites/bench/15-instr.*).
 * Both start with "LIB <path of the libxengnttab.so.1 in use>" and end with "DONE <rows>". Any failing call stops the program with "FAIL ..." and
 * status 1: a benchmark that measures failing calls would measure nothing.
 * Needs root in a Xen domain with xen-gntdev and xen-gntalloc loaded, and a gntalloc limit
 * of at least POOL_PAGES + 64 (the suite raises it). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>   /* no-op macros unless run under callgrind */
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name) ((void)(name))
#endif
#include <xengnttab.h>

#define PG 4096
#define RW (PROT_READ | PROT_WRITE)
#define SELF 0                 /* dom0 maps its own grants */
#define POOL_PAGES 1024        /* shared once; the map and copy rows use its refs */
#define COPY_SEGS 16
#define MAX_THREADS 2

static xengnttab_handle *gt;
static xengntshr_handle *gs;
static uint32_t pool_refs[POOL_PAGES];
static uint8_t *pool;
static uint8_t *copy_buf;
static xengnttab_grant_copy_segment_t copy_segs[COPY_SEGS];

static void die(const char *row, const char *what)
{
    printf("FAIL %s: %s: %s\n", row, what, strerror(errno));
    fflush(stdout);
    exit(1);
}

/* ------------------------------------------------------------------ the operations measured
 * Each op is one complete call pair, so every iteration leaves nothing behind. `slot` picks
 * a distinct pool page per thread. */

static void op_open_close(int slot)
{
    (void)slot;
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    if (!h) die("open-close", "xengnttab_open");
    if (xengnttab_close(h)) die("open-close", "xengnttab_close");
}

static void op_shr_open_close(int slot)
{
    (void)slot;
    xengntshr_handle *h = xengntshr_open(NULL, 0);
    if (!h) die("shr-open-close", "xengntshr_open");
    if (xengntshr_close(h)) die("shr-open-close", "xengntshr_close");
}

static void map_unmap(const char *row, uint32_t n, int slot)
{
    void *m = n == 1 ? xengnttab_map_grant_ref(gt, SELF, pool_refs[slot], RW)
                     : xengnttab_map_domain_grant_refs(gt, n, SELF, pool_refs, RW);
    if (!m) die(row, "map");
    if (xengnttab_unmap(gt, m, n)) die(row, "unmap");
}
static void op_map1(int slot) { map_unmap("map-1", 1, slot); }
static void op_map64(int slot) { map_unmap("map-64", 64, slot); }
static void op_map1024(int slot) { map_unmap("map-1024", 1024, slot); }

/* notify: clear byte 0 on unmap (no event channel: the ioctl is the same either way) */
static void op_map_notify(int slot)
{
    void *m = xengnttab_map_grant_ref_notify(gt, SELF, pool_refs[slot], RW, 0, (evtchn_port_t)-1);
    if (!m) die("map-notify", "map_grant_ref_notify");
    if (xengnttab_unmap(gt, m, 1)) die("map-notify", "unmap");
}

static void share_unshare(const char *row, int n)
{
    uint32_t refs[64];
    void *s = xengntshr_share_pages(gs, SELF, n, refs, 1);
    if (!s) die(row, "share_pages");
    if (xengntshr_unshare(gs, s, n)) die(row, "unshare");
}
static void op_share1(int slot) { (void)slot; share_unshare("share-1", 1); }
static void op_share64(int slot) { (void)slot; share_unshare("share-64", 64); }

static void op_share_notify(int slot)
{
    (void)slot;
    uint32_t ref;
    void *s = xengntshr_share_page_notify(gs, SELF, &ref, 1, 0, (evtchn_port_t)-1);
    if (!s) die("share-notify", "share_page_notify");
    if (xengntshr_unshare(gs, s, 1)) die("share-notify", "unshare");
}

static void op_copy16(int slot)
{
    (void)slot;
    if (xengnttab_grant_copy(gt, COPY_SEGS, copy_segs)) die("copy-16x4k", "grant_copy");
    for (int i = 0; i < COPY_SEGS; i++)
        if (copy_segs[i].status != GNTST_okay) { errno = EIO; die("copy-16x4k", "segment status"); }
}

/* ------------------------------------------------------------------ the rows */
struct row {
    const char *name;
    void (*op)(int slot);
    int threads;               /* 0: run by main; n: n worker threads sharing gt */
};
static const struct row rows[] = {
    { "open-close", op_open_close, 0 },
    { "shr-open-close", op_shr_open_close, 0 },
    { "map-1", op_map1, 0 },
    { "map-64", op_map64, 0 },
    { "map-1024", op_map1024, 0 },
    { "map-notify", op_map_notify, 0 },
    { "share-1", op_share1, 0 },
    { "share-64", op_share64, 0 },
    { "share-notify", op_share_notify, 0 },
    { "copy-16x4k", op_copy16, 0 },
    { "map-1-thr1", op_map1, 1 },
    { "map-1-thr2", op_map1, 2 },
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
static int64_t tv_ns(struct timeval t) { return (int64_t)t.tv_sec * 1000000000 + (int64_t)t.tv_usec * 1000; }

/* strace sees these as write(-1, "BENCH+ map-1", ...) = -1 EBADF: phase markers that cost
 * one failing syscall outside the counted region */
static void marker(char sign, const char *row)
{
    char b[64];
    int n = snprintf(b, sizeof b, "BENCH%c %s", sign, row);
    if (write(-1, b, (size_t)n) != -1) abort();
}

static int counting;           /* count mode: exact iterations with markers */
static long count_iters;
static int64_t budget_ns;      /* time mode: per row */

/* A row that does not finish within ROW_LIMIT_S (whatever the emulation's slowness) fails
 * the run, naming the row, instead of hanging until the lab's timeout kills everything. */
#define ROW_LIMIT_S 60
static const char *volatile current_row = "setup";
static volatile long ops_done;
static void on_alarm(int sig)
{
    char b[160];
    (void)sig;
    int n = snprintf(b, sizeof b, "FAIL %s: not done after %d s (%ld ops)\n", current_row, ROW_LIMIT_S, ops_done);
    if (write(1, b, (size_t)n) < 0) _exit(1);
    _exit(1);
}

/* Time mode: batches of about an eighth of the budget until it is spent, so the clock is
 * read a few times per row, not once per op. A batch at most doubles the last one, so one
 * odd clock reading cannot turn into a batch of millions. Returns the ops done. */
/* Count mode's ops alone, without the markers around them: callgrind collects only in here. */
__attribute__((noinline)) static void count_ops(const struct row *r, int slot)
{
    for (long i = 0; i < count_iters; i++) r->op(slot);
}

static long loop(const struct row *r, int slot, atomic_int *stop)
{
    long ops = 0;
    if (counting) {
        marker('+', r->name);
        count_ops(r, slot);
        marker('-', r->name);
        return count_iters;
    }
    if (stop) {                /* worker thread: until main says stop */
        while (!atomic_load_explicit(stop, memory_order_relaxed)) { r->op(slot); ops++; }
        return ops;
    }
    int64_t t0 = now_ns(), spent = 0;
    for (long batch = 1; spent < budget_ns; spent = now_ns() - t0) {
        for (long i = 0; i < batch; i++) { r->op(slot); ops_done = ++ops; }
        int64_t per_op = (now_ns() - t0) / ops + 1;
        long want = (long)(budget_ns / 8 / per_op) + 1;
        batch = want < 2 * batch ? want : 2 * batch;
    }
    return ops;
}

/* The measured window: wall clock and the process's user/system CPU (all threads). */
struct window { int64_t t0, t1; struct rusage u0, u1; };
static void window_open(struct window *w) { getrusage(RUSAGE_SELF, &w->u0); w->t0 = now_ns(); }
static void window_close(struct window *w) { w->t1 = now_ns(); getrusage(RUSAGE_SELF, &w->u1); }

struct worker {
    pthread_t tid;
    const struct row *row;
    int slot;
    pthread_barrier_t *start, *end;
    atomic_int *stop;
    long ops;
};
static void *worker_main(void *p)
{
    struct worker *w = p;
    pthread_barrier_wait(w->start);
    w->ops = loop(w->row, w->slot, counting ? NULL : w->stop);
    pthread_barrier_wait(w->end);
    return NULL;
}

/* n threads on the one handle, each mapping its own pool page, for the row's budget. The
 * window runs from the start barrier to the end barrier: thread creation and exit stay out. */
static long run_threads(const struct row *r, struct window *win)
{
    struct worker w[MAX_THREADS];
    pthread_barrier_t start, end;
    atomic_int stop = 0;
    long ops = 0;
    pthread_barrier_init(&start, NULL, (unsigned)r->threads + 1);
    pthread_barrier_init(&end, NULL, (unsigned)r->threads + 1);
    for (int i = 0; i < r->threads; i++) {
        w[i] = (struct worker){ .row = r, .slot = i, .start = &start, .end = &end, .stop = &stop };
        if ((errno = pthread_create(&w[i].tid, NULL, worker_main, &w[i]))) die(r->name, "pthread_create");
    }
    pthread_barrier_wait(&start);
    window_open(win);
    if (!counting) {
        struct timespec d = { budget_ns / 1000000000, budget_ns % 1000000000 };
        while (nanosleep(&d, &d) && errno == EINTR) ;
        atomic_store(&stop, 1);
    }
    pthread_barrier_wait(&end);
    window_close(win);
    for (int i = 0; i < r->threads; i++) { pthread_join(w[i].tid, NULL); ops += w[i].ops; }
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&end);
    return ops;
}

static void run_row(const struct row *r)
{
    struct window w;
    long ops;
    current_row = r->name;
    ops_done = 0;
    alarm(ROW_LIMIT_S);
    r->op(0);                  /* warm-up: first-touch and lazy-binding costs stay out */
    if (counting) CALLGRIND_ZERO_STATS;
    if (r->threads)
        ops = run_threads(r, &w);
    else {
        window_open(&w);
        ops = loop(r, 0, NULL);
        window_close(&w);
    }
    alarm(0);
    if (counting) CALLGRIND_DUMP_STATS_AT(r->name);
    if (counting)
        printf("C %s %ld\n", r->name, ops);
    else
        printf("R %s %ld %lld %lld %lld\n", r->name, ops, (long long)(w.t1 - w.t0),
               (long long)(tv_ns(w.u1.ru_utime) - tv_ns(w.u0.ru_utime)),
               (long long)(tv_ns(w.u1.ru_stime) - tv_ns(w.u0.ru_stime)));
    fflush(stdout);
}

/* the pages every map and copy row uses: shared once, filled, and checked through one copy */
static void setup(void)
{
    gt = xengnttab_open(NULL, 0);
    if (!gt) die("setup", "xengnttab_open");
    gs = xengntshr_open(NULL, 0);
    if (!gs) die("setup", "xengntshr_open");
    pool = xengntshr_share_pages(gs, SELF, POOL_PAGES, pool_refs, 1);
    if (!pool) die("setup", "share the page pool (gntalloc limit raised?)");
    for (size_t i = 0; i < (size_t)POOL_PAGES * PG; i++) pool[i] = (uint8_t)(i * 131 + (i >> 12));
    copy_buf = aligned_alloc(PG, COPY_SEGS * PG);
    if (!copy_buf) die("setup", "aligned_alloc");
    memset(copy_buf, 0, COPY_SEGS * PG);
    for (int i = 0; i < COPY_SEGS; i++) {
        copy_segs[i].source.foreign.ref = pool_refs[i];
        copy_segs[i].source.foreign.domid = SELF;
        copy_segs[i].source.foreign.offset = 0;
        copy_segs[i].dest.virt = copy_buf + (size_t)i * PG;
        copy_segs[i].len = PG;
        copy_segs[i].flags = GNTCOPY_source_gref;
    }
    op_copy16(0);
    if (memcmp(copy_buf, pool, COPY_SEGS * PG)) { errno = EIO; die("setup", "grant copy data mismatch"); }
}

int main(int argc, char **argv)
{
    long arg = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
    if (arg <= 0 || (strcmp(argv[1], "time") && strcmp(argv[1], "count"))) {
        fprintf(stderr, "usage: %s time <ms-per-row> | count <iterations>\n", argv[0]);
        return 2;
    }
    Dl_info lib;
    printf("LIB %s\n", dladdr((void *)xengnttab_open, &lib) && lib.dli_fname ? lib.dli_fname : "?");
    counting = !strcmp(argv[1], "count");
    signal(SIGALRM, on_alarm);
    alarm(ROW_LIMIT_S);
    count_iters = arg;
    budget_ns = arg * 1000000;
    setup();
    for (int i = 0; i < NROWS; i++) run_row(&rows[i]);
    xengntshr_unshare(gs, pool, POOL_PAGES);
    xengntshr_close(gs);
    xengnttab_close(gt);
    printf("DONE %d\n", NROWS);
    return 0;
}
