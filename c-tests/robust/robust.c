/* robust.c - helpers of robust.h */
#define _GNU_SOURCE
#include <unistd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "robust.h"

const char *tag = "ours";

struct footprint footprint(void)
{
    struct footprint f = { proc_open_fds(), proc_maps_lines(), -1 };
    FILE *s = fopen("/proc/self/status", "r");
    char line[256];
    while (s && fgets(line, sizeof line, s)) sscanf(line, "VmRSS: %ld", &f.rss_kb);
    if (s) fclose(s);
    return f;
}

const char *footprint_delta(struct footprint a, struct footprint b)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "fds %d->%d, maps lines %d->%d, RSS %ld->%ld KiB", a.fds, b.fds, a.maps, b.maps,
             a.rss_kb, b.rss_kb);
    return buf;
}

void result(int ok, const char *name, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    printf("%s %s/%s: %s\n", ok ? "PASS" : "FAIL", name, tag, detail);
    fflush(stdout);
}

int evpair_open(struct evpair *e)
{
    e->h = xenevtchn_open(NULL, 0);
    e->h2 = xenevtchn_open(NULL, 0);
    if (!e->h || !e->h2) return -1;
    e->local = xenevtchn_bind_unbound_port(e->h, 0);
    e->remote = e->local >= 0 ? xenevtchn_bind_interdomain(e->h2, 0, e->local) : -1;
    return e->remote >= 0 ? 0 : -1;
}

int evpair_wait(struct evpair *e, int ms)
{
    struct pollfd p = { .fd = xenevtchn_fd(e->h), .events = POLLIN };
    if (poll(&p, 1, ms) <= 0) return 0;
    int port = xenevtchn_pending(e->h);
    if (port >= 0) xenevtchn_unmask(e->h, port);
    return port == e->local;
}

static int saved_stderr = -1, capture_fd = -1;

void stderr_begin(void)
{
    char path[] = "/tmp/robust-log-XXXXXX";
    fflush(stderr);
    capture_fd = mkstemp(path);
    if (capture_fd < 0) return;
    unlink(path);
    saved_stderr = dup(2);
    dup2(capture_fd, 2);
}

const char *stderr_end(void)
{
    static char buf[256];
    buf[0] = 0;
    if (capture_fd < 0) return buf;
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    ssize_t n = pread(capture_fd, buf, sizeof buf - 1, 0);
    close(capture_fd);
    capture_fd = -1;
    buf[n > 0 ? n : 0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    return buf;
}
