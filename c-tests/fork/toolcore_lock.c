/*
 * toolcore_lock.c: the one lock a forked child can inherit held, shown without Xen and
 * without timing (docs/robustness.md §5, "Fork"; issue 18, finding 7).
 *
 * libxentoolcore keeps gnttab handles in a list under its own mutex, handles_lock
 * (tools/libs/toolcore/handlereg.c), taken by xentoolcore__register_active_handle (every
 * xengnttab_open), xentoolcore__deregister_active_handle (every xengnttab_close, and an
 * open that fails) and xentoolcore_restrict_all. It has no pthread_atfork handler. So a
 * child forked while another thread of the parent holds it starts with it held by a thread
 * that does not exist in the child, and its first gnttab open or close waits for good.
 *
 * To hold the lock deterministically, this program registers a handle of its own whose
 * restrict callback blocks (on a pipe); a thread calls xentoolcore_restrict_all, which
 * runs that callback with handles_lock held. Then:
 *   - control: before the thread starts, a forked child's xengnttab_open(NULL, 0) returns
 *     (NULL with ENOENT without Xen, or a handle) within the child's alarm;
 *   - held: with the thread parked in the callback, a forked child's xengnttab_open does not
 *     return: SIGALRM ends the child after ALARM_S seconds.
 * Both hold for upstream's library and ours (the lock is libxentoolcore's): run it with
 * either through LD_LIBRARY_PATH. Prints PASS/FAIL lines and "N passed, M failed".
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>

#define ALARM_S 1

/* Xentoolcore__Active_Handle (xentoolcore_internal.h): the callback, then the list entry. */
typedef struct fake_handle fake_handle;
struct fake_handle {
    int (*restrict_callback)(fake_handle *ah, uint16_t domid);
    fake_handle *le_next;
    fake_handle **le_prev;
};
void xentoolcore__register_active_handle(fake_handle *ah);
void xentoolcore__deregister_active_handle(fake_handle *ah);
int xentoolcore_restrict_all(uint16_t domid);

static int inside[2];  /* the callback writes a byte once it runs under handles_lock */
static int release[2]; /* ... and returns when a byte arrives here */
static int passed, failed;

static void verdict(int ok, const char *name, const char *detail)
{
    printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
    if (ok)
        passed++;
    else
        failed++;
}

static int parked_callback(fake_handle *ah, uint16_t domid)
{
    char byte = 1;
    (void)ah;
    (void)domid;
    if (write(inside[1], &byte, 1) != 1 || read(release[0], &byte, 1) != 1)
        return -1;
    return 0;
}

static void *restrict_all(void *unused)
{
    (void)unused;
    return (void *)(intptr_t)xentoolcore_restrict_all(0);
}

/* Forks a child that opens (and closes) a gnttab handle under an ALARM_S alarm; returns
 * 1 if the open returned, 0 if SIGALRM ended the child, -1 on anything else. */
static int child_opens(void)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        xengnttab_handle *xgt;
        alarm(ALARM_S);
        xgt = xengnttab_open(NULL, 0);
        if (xgt)
            xengnttab_close(xgt);
        else if (errno != ENOENT)
            _exit(3);
        _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        return 0;
    return -1;
}

int main(void)
{
    fake_handle ah = { parked_callback, NULL, NULL };
    pthread_t thread;
    void *rc;
    char byte = 0;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(inside) || pipe(release)) {
        perror("pipe");
        return 2;
    }
    xentoolcore__register_active_handle(&ah);

    r = child_opens();
    verdict(r == 1, "toolcore-lock/free: a child forked with handles_lock free opens a gnttab handle",
            r == 0 ? "the child's xengnttab_open hung" : "the child failed");

    if (pthread_create(&thread, NULL, restrict_all, NULL)) {
        perror("pthread_create");
        return 2;
    }
    if (read(inside[0], &byte, 1) != 1) { /* the thread now holds handles_lock */
        perror("read");
        return 2;
    }
    r = child_opens();
    verdict(r == 0,
            "toolcore-lock/held: a child forked while a thread holds handles_lock hangs in xengnttab_open "
            "(no atfork handler; documented)",
            r == 1 ? "the child's open returned: is there an atfork handler now? update docs/robustness.md"
                   : "the child failed");

    if (write(release[1], &byte, 1) != 1 || pthread_join(thread, &rc)) {
        perror("release");
        return 2;
    }
    {
        xengnttab_handle *xgt = xengnttab_open(NULL, 0);
        int e = errno;
        if (xgt)
            xengnttab_close(xgt);
        verdict(rc == 0 && (xgt || e == ENOENT), "toolcore-lock/parent: the parent's restrict_all and open go on",
                rc ? "restrict_all failed" : "xengnttab_open failed");
    }
    xentoolcore__deregister_active_handle(&ah);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
