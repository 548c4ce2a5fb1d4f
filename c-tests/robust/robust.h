/* robust.h - what the robustness programs (soak, peers, exhaust) share: process footprint
 * (fds, /proc/self/maps lines, RSS), result lines, dom0 event-channel pairs. */
#ifndef ROBUST_H
#define ROBUST_H
#include <stdint.h>
#include <xenevtchn.h>
#include "../diff/gntdiff.h"        /* gntalloc_limit_read/_write */

#define PG 4096
#define RW_PROT 3                       /* PROT_READ | PROT_WRITE */

struct footprint { int fds, maps; long rss_kb; };
struct footprint footprint(void);
/* "fds 5->5 maps 40->40 rss 1200->1204 KiB" */
const char *footprint_delta(struct footprint a, struct footprint b);

/* PASS/FAIL line; `tag` names the library run ("ours", "deb") */
extern const char *tag;
void result(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));


/* a bound pair of event channel ports in dom0: `local` on h (the watcher) is connected to
 * `remote` on h2 (the notifier); 0 on success */
struct evpair { xenevtchn_handle *h, *h2; int local, remote; };
int evpair_open(struct evpair *e);
/* 1 if an event arrived on e->local within ms, else 0 */
int evpair_wait(struct evpair *e, int ms);
/* the library's log lines: stderr goes to a temp file between the two calls; stderr_end
 * returns what was written (first line, newline stripped) */
void stderr_begin(void);
const char *stderr_end(void);
#endif
