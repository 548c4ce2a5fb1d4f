/* usage.c - failure messages, time, and the fd / mapping counts the leak check compares. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "threads.h"
#include "../diff/gntdiff.h"      /* proc_open_fds */

int fail(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    if (buf[0]) return -1;   /* keep the first failure */
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return -1;
}

double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

struct usage usage_now(void)
{
    struct usage u = { proc_open_fds(), 0, 0 };
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    size_t used = 0;
    u.maps[0] = 0;
    while (f && fgets(line, sizeof line, f)) {
        u.maps_lines++;
        u.xen_maps += strstr(line, "/dev/xen/") != NULL;
        size_t n = strlen(line);
        if (used + n < sizeof u.maps) { memcpy(u.maps + used, line, n + 1); used += n; }
    }
    if (f) fclose(f);
    return u;
}

int usage_report(const char *label, const char *mode, struct usage before)
{
    struct usage after = usage_now();
    int ok = after.fds == before.fds && after.maps_lines == before.maps_lines && after.xen_maps == 0;
    /* for a failure: the first mappings that were not there before */
    char added[600] = "";
    for (char *l = after.maps, *e; *l && (e = strchr(l, '\n')); l = e + 1) {
        *e = 0;
        if (!strstr(before.maps, l) && strlen(added) + strlen(l) + 4 < sizeof added)
            snprintf(added + strlen(added), sizeof added - strlen(added), " [%s]", l);
        *e = '\n';
    }
    printf("%s threads/%s/%s/no-leak: fds %d -> %d, /proc/self/maps lines %d -> %d, /dev/xen mappings left %d%s%s\n",
           ok ? "PASS" : "FAIL", label, mode, before.fds, after.fds, before.maps_lines, after.maps_lines,
           after.xen_maps, ok || !added[0] ? "" : "; new:", ok ? "" : added);
    return ok;
}
