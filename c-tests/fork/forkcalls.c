/* forkcalls.c - a child forked while another thread is inside the library can still use it.
 *
 * A worker thread shares, maps, unmaps and unshares in a loop on the parent's handles. The
 * main thread forks ROUNDS children at moments that fall anywhere in that loop. Each child,
 * with ALARM_S seconds before SIGALRM ends it, shares a page on the inherited gntshr handle,
 * maps it through a gnttab handle of its own, checks the data, unmaps, unshares and closes
 * its handle and both inherited ones, then reports one byte through a pipe. A library lock held by the worker at the
 * fork would stay held forever in the child (only the forking thread is copied): the child
 * hangs in unmap, unshare or close, and its missing byte fails the run.
 * usage: forkcalls <tag> [rounds]   prints "PASS/FAIL fork/<check>/<tag>: ..." lines */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xengnttab.h>

#define ALARM_S 20
static xengnttab_handle *gt;
static xengntshr_handle *gs;
static atomic_int stop;
static atomic_long worker_cycles, worker_errors;

static void *worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        uint32_t ref;
        uint8_t *s = xengntshr_share_pages(gs, 0, 1, &ref, 1);
        uint8_t *m = s ? xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE) : NULL;
        if (!s || !m || (m && xengnttab_unmap(gt, m, 1)) || (s && xengntshr_unshare(gs, s, 1)))
            atomic_fetch_add(&worker_errors, 1);
        atomic_fetch_add(&worker_cycles, 1);
    }
    return NULL;
}

/* In the child: the full set of calls; 1 if all went right. Shares on the inherited gntshr
 * handle; maps through a gnttab handle of its own (a PV child cannot map through the parent's
 * gntdev, whose mappings belong to the parent's address space), unmaps, unshares, and closes
 * its own and both inherited handles. */
static int child_calls(void)
{
    xengnttab_handle *h = xengnttab_open(NULL, 0);
    uint32_t ref;
    uint8_t *s = h ? xengntshr_share_pages(gs, 0, 1, &ref, 1) : NULL;
    if (!s) return 0;
    s[7] = 0x5a;
    uint8_t *m = xengnttab_map_grant_ref(h, 0, ref, PROT_READ);
    int ok = m && m[7] == 0x5a;
    if (m && xengnttab_unmap(h, m, 1)) ok = 0;
    if (xengntshr_unshare(gs, s, 1)) ok = 0;
    if (xengnttab_close(h) || xengnttab_close(gt) || xengntshr_close(gs)) ok = 0;
    return ok;
}

int main(int argc, char **argv)
{
    const char *tag = argc > 1 ? argv[1] : "ours";
    int rounds = argc > 2 ? atoi(argv[2]) : 40;
    setvbuf(stdout, NULL, _IOLBF, 0);
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    if (!gt || !gs) { printf("FAIL fork/setup/%s: open: %s\n", tag, strerror(errno)); return 1; }
    pthread_t tid;
    if (pthread_create(&tid, NULL, worker, NULL)) { printf("FAIL fork/setup/%s: pthread_create\n", tag); return 1; }
    int hung = 0, failed = 0, done = 0;
    for (int i = 0; i < rounds; i++) {
        /* let the worker run a varying while, so the forks land all over its loop */
        struct timespec d = { 0, (long)(rand() % 2000) * 1000 };
        nanosleep(&d, NULL);
        int p[2];
        if (pipe(p)) { printf("FAIL fork/setup/%s: pipe\n", tag); return 1; }
        pid_t pid = fork();
        if (pid < 0) { printf("FAIL fork/setup/%s: fork: %s\n", tag, strerror(errno)); return 1; }
        if (pid == 0) {
            alarm(ALARM_S);
            char v = (char)child_calls();
            if (write(p[1], &v, 1) != 1) _exit(2);
            _exit(0);
        }
        close(p[1]);
        char v = 9;
        ssize_t got = read(p[0], &v, 1);
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        if (got != 1) hung++;
        else if (v != 1) failed++;
        else done++;
    }
    atomic_store(&stop, 1);
    pthread_join(tid, NULL);
    printf("%s fork/child-calls/%s: %d children forked while a thread shares/maps/unmaps/unshares: "
           "%d completed share, map, unmap, unshare and close, %d failed a call, %d hung (killed after %d s); "
           "the thread ran %ld cycles, %ld with an error\n",
           done == rounds && atomic_load(&worker_errors) == 0 ? "PASS" : "FAIL", tag, rounds, done, failed, hung,
           ALARM_S, atomic_load(&worker_cycles), atomic_load(&worker_errors));
    xengnttab_close(gt);
    xengntshr_close(gs);
    return 0;
}
