/* threads.h - shared pieces of the thread tests (threads.c, blocked.c, usage.c). */
#ifndef THREADS_H
#define THREADS_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <xengnttab.h>

struct worker {
    pthread_t tid;
    int id, iterations, own;
    xengnttab_handle *gt;
    xengntshr_handle *gs;
    long done;               /* completed iterations */
    char error[256];         /* first failure, empty if none */
};
/* one share+map+verify+unmap+unshare iteration of worker w: 0, or -1 with w->error set */
int cycle(struct worker *w, int iteration);
/* runs w->iterations cycles on w's handles (opening its own pair first if w->own) */
void *run_worker(void *w);

/* usage.c */
int fail(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));   /* returns -1 */
double now(void);
struct usage { int fds, maps_lines, xen_maps; char maps[16384]; };
struct usage usage_now(void);
/* prints the leak check's PASS/FAIL line; 1 if nothing leaked */
int usage_report(const char *label, const char *mode, struct usage before);

/* blocked.c: prints PASS/FAIL lines; 1 if all passed */
int blocked_calls(const char *label);
#endif
