/* report.c - record printing and stderr capture for gntdiff, and the gntalloc limit helpers
 * that the lab's C programs share.
 * stderr (fd 2) is redirected into an unlinked temp file so that the library's log lines can be
 * attached to the record of the check that produced them: that makes the stdout/stderr ordering
 * deterministic, whatever buffering either library uses. The read offset lives in the shared
 * open file description, so a forked child that drains advances the parent's position too. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "gntdiff.h"

static int log_rd = -1;

void log_capture_init(void)
{
    char path[] = "/tmp/gntdiff-log-XXXXXX";
    int wr = mkstemp(path);
    if (wr < 0) { perror("mkstemp"); exit(2); }
    log_rd = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    if (log_rd < 0) { perror("open log"); exit(2); }
    /* O_APPEND so that parent and children never overwrite each other's lines */
    fcntl(wr, F_SETFL, fcntl(wr, F_GETFL) | O_APPEND);
    fflush(stderr);
    dup2(wr, 2);
    close(wr);
    setvbuf(stderr, NULL, _IONBF, 0);
    setvbuf(stdout, NULL, _IONBF, 0);
}

void log_drain(void)
{
    static char pend[8192];
    static size_t plen;
    char buf[4096];
    ssize_t n;
    int saved = errno;
    fflush(stderr);
    if (log_rd < 0) return;
    while ((n = read(log_rd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || plen == sizeof pend - 1) {
                pend[plen] = 0;
                printf("    log| %s\n", pend);
                plen = 0;
            } else if (buf[i] != '\r') {
                pend[plen++] = buf[i];
            }
        }
    }
    if (plen) { pend[plen] = 0; printf("    log| %s (no newline)\n", pend); plen = 0; }
    errno = saved;
}

void rec(const char *id, int verdict, const char *why, const char *fmt, ...)
{
    va_list ap;
    char obs[1024];
    va_start(ap, fmt);
    vsnprintf(obs, sizeof obs, fmt, ap);
    va_end(ap);
    if (verdict == V_NONE)
        printf("%s: %s [--]\n", id, obs);
    else if (verdict)
        printf("%s: %s [ok]\n", id, obs);
    else
        printf("%s: %s [BAD: %s]\n", id, obs, why ? why : "unexpected");
    log_drain();
}

const char *en(int e)
{
    static char bufs[8][48];
    static int k;
    char *b = bufs[k++ & 7];
    const char *n = e ? strerrorname_np(e) : NULL;
    if (!e) snprintf(b, 48, "0");
    else snprintf(b, 48, "%s(%d)", n ? n : "E?", e);
    return b;
}

const char *pres(const void *p, int e)
{
    static char bufs[8][64];
    static int k;
    char *b = bufs[k++ & 7];
    if (p) snprintf(b, 64, "ok");
    else snprintf(b, 64, "NULL/%s", en(e));
    return b;
}

int gntalloc_limit_read(void)
{
    FILE *f = fopen(GNTALLOC_LIMIT_PATH, "r");
    int v = -1;
    if (f) { if (fscanf(f, "%d", &v) != 1) v = -1; fclose(f); }
    return v;
}

int gntalloc_limit_write(int pages)
{
    FILE *f = fopen(GNTALLOC_LIMIT_PATH, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", pages);
    return fclose(f);
}

int proc_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;
}

int proc_maps_lines(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    int n = 0;
    if (!f) return -1;
    for (int c; (c = getc(f)) != EOF;) n += c == '\n';
    fclose(f);
    return n;
}

const char *child_status(pid_t pid)
{
    static char b[64];
    int st;
    if (pid < 0) return "fork-failed";
    if (waitpid(pid, &st, 0) < 0) return "waitpid-failed";
    log_drain();
    if (WIFSIGNALED(st)) snprintf(b, sizeof b, "killed-by-%s", sigabbrev_np(WTERMSIG(st)) ?: "?");
    else snprintf(b, sizeof b, "exit-%d", WEXITSTATUS(st));
    return b;
}

/* write fault probe: 0 = no fault, else the si_code of the SIGSEGV. The write is made in this
 * process: a forked child would not have the mapping at all (gntdev mappings are VM_DONTCOPY) */
static sigjmp_buf jb;
static volatile int segv_code;
static void on_segv(int sig, siginfo_t *si, void *ctx) { (void)sig; (void)ctx; segv_code = si->si_code; siglongjmp(jb, 1); }
int try_write(volatile uint8_t *p, uint8_t v)
{
    struct sigaction sa = { 0 }, old;
    int r;
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(jb, 1) == 0) { *p = v; r = 0; } else r = segv_code;
    sigaction(SIGSEGV, &old, NULL);
    return r;
}
const char *segv_name(int c) { return c == 0 ? "no-fault" : c == SEGV_ACCERR ? "SEGV_ACCERR" : c == SEGV_MAPERR ? "SEGV_MAPERR" : "SEGV_other"; }
