/* gntdiff.h - tiny reporting helpers shared by the differential test program.
 *
 * Output format (one record per check, stable across runs and libraries):
 *     <id>: <observations> [ok]           expectation from the spec holds
 *     <id>: <observations> [BAD: why]     expectation from the spec violated
 *     <id>: <observations> [--]           no fixed expectation: only compared between libraries
 *         log| <line>                     stderr output (library log) produced since the last record
 * Nothing run-dependent (grant refs, addresses, fds, timings) may appear in a record. */
#ifndef GNTDIFF_H
#define GNTDIFF_H
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>

/* verdicts */
#define V_NONE (-1)
void rec(const char *id, int verdict, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "EINVAL(22)" / "0"; several may be used in one printf (rotating buffers) */
const char *en(int e);
/* like en() but for a pointer result: "ok" or "NULL/EINVAL(22)" */
const char *pres(const void *p, int e);
void log_capture_init(void);
/* xen_gntalloc's global limit (pages), read or written through sysfs: -1 on failure */
#define GNTALLOC_LIMIT_PATH "/sys/module/xen_gntalloc/parameters/limit"
int gntalloc_limit_read(void);
int gntalloc_limit_write(int pages);
/* this process's open fds (not counting the one used to count them), and its lines in
 * /proc/self/maps: -1 if /proc cannot be read */
int proc_open_fds(void);
int proc_maps_lines(void);
void log_drain(void);
/* how a forked child ended ("exit-N", "killed-by-SEGV", "fork-failed" for pid < 0), after
 * waiting for it and draining the log lines it left */
const char *child_status(pid_t pid);
/* a write of v to *p: 0 if it went through, else the SIGSEGV's si_code (caught in this process) */
int try_write(volatile uint8_t *p, uint8_t v);
const char *segv_name(int si_code);   /* "no-fault", "SEGV_ACCERR", "SEGV_MAPERR", "SEGV_other" */
#endif
