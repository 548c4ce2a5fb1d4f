/* threads.c - 4 threads share, map, verify, unmap and unshare concurrently, dom0 -> dom0,
 * through the public C API only (compiled against Debian's header; run with either library).
 *
 * One iteration of a thread = share_pages (1-3 pages) + map (single/domain/per-ref-domid
 * batch) + unmap + unshare. The sharer fills the pages with a pattern unique to (thread,
 * iteration), the mapping must show exactly that; then the thread writes a second pattern
 * through the mapping and the sharer must see it. Any failed call or wrong byte fails the run.
 *
 *   threads shared <label> <iterations>   all threads use one gnttab and one gntshr handle
 *   threads own <label> <iterations>      each thread opens its own pair
 *   threads blocked <label>               a thread blocked inside a call must not stop another
 *                                         thread on the same handles (see blocked.c)
 * Afterwards no fd and no /dev/xen mapping may be left, and /proc/self/maps must have as many
 * lines as before (after a warm-up that lets glibc cache thread stacks and arenas).
 * Prints "PASS|FAIL threads/<label>/<mode>: ..." lines; exit status 0 only if all passed. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "threads.h"

#define NTHREADS 4
#define MAXPAGES 3

/* 64-bit words, so that writing and checking every byte stays cheap under emulation */
static uint64_t pattern(int thread, int iteration, size_t word, int side)
{
    uint64_t z = ((uint64_t)thread << 56) ^ ((uint64_t)iteration << 24) ^ ((uint64_t)side << 20) ^ word;
    return z * 0x9E3779B97F4A7C15ull;
}
static void fill_words(uint64_t *p, size_t words, int thread, int iteration, int side)
{
    for (size_t i = 0; i < words; i++) p[i] = pattern(thread, iteration, i, side);
}
/* the first word of p that is not the pattern, or -1 */
static long first_wrong(const uint64_t *p, size_t words, int thread, int iteration, int side)
{
    for (size_t i = 0; i < words; i++) if (p[i] != pattern(thread, iteration, i, side)) return (long)i;
    return -1;
}

static void *map_pages(xengnttab_handle *gt, int n, uint32_t *refs, int iteration)
{
    uint32_t domids[MAXPAGES] = { 0, 0, 0 };
    if (n == 1 && iteration % 2) return xengnttab_map_grant_ref(gt, 0, refs[0], PROT_READ | PROT_WRITE);
    if (iteration % 3 == 0) return xengnttab_map_grant_refs(gt, n, domids, refs, PROT_READ | PROT_WRITE);
    return xengnttab_map_domain_grant_refs(gt, n, 0, refs, PROT_READ | PROT_WRITE);
}

int cycle(struct worker *w, int it)
{
    int n = 1 + (it + w->id) % MAXPAGES;
    size_t words = (size_t)n * 4096 / 8;
    uint32_t refs[MAXPAGES];
    long bad;
    errno = 0;
    uint64_t *s = xengntshr_share_pages(w->gs, 0, n, refs, 1);
    if (!s) return fail(w->error, sizeof w->error, "share_pages(%d) failed: %s", n, strerror(errno));
    fill_words(s, words, w->id, it, 0);
    errno = 0;
    uint64_t *m = map_pages(w->gt, n, refs, it);
    if (!m) {
        fail(w->error, sizeof w->error, "map(%d) failed: %s", n, strerror(errno));
        xengntshr_unshare(w->gs, s, n);
        return -1;
    }
    int rc = 0;
    if ((bad = first_wrong(m, words, w->id, it, 0)) >= 0)
        rc = fail(w->error, sizeof w->error, "iteration %d: mapping word %ld differs from what the sharer wrote", it, bad);
    fill_words(m, words, w->id, it, 1);
    if (!rc && (bad = first_wrong(s, words, w->id, it, 1)) >= 0)
        rc = fail(w->error, sizeof w->error, "iteration %d: sharer word %ld differs from what the mapping wrote", it, bad);
    errno = 0;
    if (xengnttab_unmap(w->gt, m, n) && !rc) rc = fail(w->error, sizeof w->error, "unmap failed: %s", strerror(errno));
    errno = 0;
    if (xengntshr_unshare(w->gs, s, n) && !rc) rc = fail(w->error, sizeof w->error, "unshare failed: %s", strerror(errno));
    return rc;
}

void *run_worker(void *arg)
{
    struct worker *w = arg;
    if (w->own) {
        w->gt = xengnttab_open(NULL, 0);
        w->gs = xengntshr_open(NULL, 0);
        if (!w->gt || !w->gs) { fail(w->error, sizeof w->error, "open failed: %s", strerror(errno)); goto out; }
    }
    for (int it = 0; it < w->iterations; it++, w->done++)
        if (cycle(w, it)) break;
out:
    if (w->own) {
        if (w->gt && xengnttab_close(w->gt)) fail(w->error, sizeof w->error, "gnttab close failed");
        if (w->gs && xengntshr_close(w->gs)) fail(w->error, sizeof w->error, "gntshr close failed");
    }
    return NULL;
}

/* When timeout(1) ends a run that is too slow (or stuck), say how far each thread got. */
static struct worker *running;
static const char *running_name;
static void on_term(int sig)
{
    char b[512];
    int k = snprintf(b, sizeof b, "FAIL threads/%s: stopped by signal %d; iterations done per thread:", running_name, sig);
    for (int i = 0; i < NTHREADS && k < (int)sizeof b; i++)
        k += snprintf(b + k, sizeof b - k, " %ld/%d", running[i].done, running[i].iterations);
    if (k < (int)sizeof b - 1) b[k++] = '\n';
    (void)!write(1, b, k < (int)sizeof b ? k : (int)sizeof b);
    _exit(1);
}

/* all warm-up threads hold a malloc block at once, so glibc creates the arenas they need */
static pthread_barrier_t warm;
static void *warm_up(void *arg)
{
    void *p = malloc(64);
    pthread_barrier_wait(&warm);
    free(p);
    return arg;
}

/* the stress run of one mode; returns 1 if it passed */
static int stress(const char *label, const char *mode, int own, int iterations)
{
    struct worker w[NTHREADS];
    xengnttab_handle *gt = own ? NULL : xengnttab_open(NULL, 0);
    xengntshr_handle *gs = own ? NULL : xengntshr_open(NULL, 0);
    if (!own && (!gt || !gs)) {
        printf("FAIL threads/%s/%s: open failed: %s\n", label, mode, strerror(errno));
        return 0;
    }
    char name[128];
    snprintf(name, sizeof name, "%s/%s", label, mode);
    running = w;
    running_name = name;
    signal(SIGTERM, on_term);
    double t0 = now();
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct worker){ .id = i, .iterations = iterations, .own = own, .gt = gt, .gs = gs };
    }
    for (int i = 0; i < NTHREADS; i++) pthread_create(&w[i].tid, NULL, run_worker, &w[i]);
    long done = 0;
    char errors[1024] = "";
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(w[i].tid, NULL);
        done += w[i].done;
        if (w[i].error[0])
            snprintf(errors + strlen(errors), sizeof errors - strlen(errors), " [thread %d: %s]", i, w[i].error);
    }
    double secs = now() - t0;
    signal(SIGTERM, SIG_DFL);
    int closed = own || (xengnttab_close(gt) == 0 && xengntshr_close(gs) == 0);
    int ok = !errors[0] && closed && done == (long)NTHREADS * iterations;
    printf("%s threads/%s/%s: %dx%d iterations (share+map+unmap+unshare, %ld calls), %s, %.1fs, %.0f calls/s%s%s\n",
           ok ? "PASS" : "FAIL", label, mode, NTHREADS, iterations, done * 4, ok ? "data ok" : "FAILED", secs,
           done * 4 / (secs > 0 ? secs : 1), closed ? "" : " (close failed)", errors);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s shared|own <label> <iterations> | %s blocked <label>\n", argv[0], argv[0]);
        return 2;
    }
    const char *mode = argv[1], *label = argv[2];
    /* one malloc arena for all threads, so that glibc's per-thread arenas (which outlive the
     * threads) do not count as leaks; warm-up: glibc keeps thread stacks after join */
    mallopt(M_ARENA_MAX, 1);
    pthread_t t[NTHREADS];
    pthread_barrier_init(&warm, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, warm_up, NULL);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    struct usage before = usage_now();
    int ok;
    if (!strcmp(mode, "blocked")) ok = blocked_calls(label);
    else if (argc == 4 && (!strcmp(mode, "shared") || !strcmp(mode, "own"))) ok = stress(label, mode, !strcmp(mode, "own"), atoi(argv[3]));
    else { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    ok &= usage_report(label, mode, before);
    return ok ? 0 : 1;
}
