/* sequtil.c - PRNG, output, event channels and /proc probes for seqdiff.c.
 * The stderr capture, en() and pres() come from c-tests/diff/report.c (shared with gntdiff). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../diff/gntdiff.h"
#include "seqdiff.h"


/* splitmix64: the whole sequence is a function of the seed, never of libc's rand() */
static uint64_t state;
void prng_seed(uint64_t seed) { state = seed * 0x2545F4914F6CDD1Dull; }
uint64_t rnd(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
uint32_t below(uint32_t n) { return n ? (uint32_t)(rnd() % n) : 0; }
int chance(int percent) { return below(100) < (uint32_t)percent; }

uint32_t crc(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

int ncalls;
static void vout(int numbered, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    if (numbered) printf("%d %s\n", ++ncalls, line);
    else printf("%s\n", line);
    log_drain();
}
void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vout(1, fmt, ap);
    va_end(ap);
}
void out_plain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vout(0, fmt, ap);
    va_end(ap);
}

/* ea owns port_a (unbound, for the peer), eb owns port_b (bound to port_a): a gntdev notify on
 * port_b signals port_a, a gntalloc notify on port_a signals port_b */
static xenevtchn_handle *ea, *eb;
int port_a = -1, port_b = -1;
int events_open(uint32_t dom)
{
    ea = xenevtchn_open(NULL, 0);
    eb = xenevtchn_open(NULL, 0);
    port_a = ea ? xenevtchn_bind_unbound_port(ea, dom) : -1;
    port_b = eb && port_a >= 0 ? xenevtchn_bind_interdomain(eb, dom, port_a) : -1;
    return port_a >= 0 && port_b >= 0 ? 0 : -1;
}
void events_close(void)
{
    if (ea) xenevtchn_close(ea);
    if (eb) xenevtchn_close(eb);
}
/* 1 if an event arrived on h within ms (unmasked again), else 0 */
static int wait_evt(xenevtchn_handle *h, int ms)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(h), .events = POLLIN };
    if (poll(&pfd, 1, ms) <= 0) return 0;
    int p = xenevtchn_pending(h);
    if (p >= 0) xenevtchn_unmask(h, p);
    return p >= 0;
}
void events_flush(void)
{
    while (wait_evt(ea, 0)) ;
    while (wait_evt(eb, 0)) ;
}
/* Events coalesce while pending, so "at least one arrived" is all that can be compared. The
 * kernel sends an unmap notification when its asynchronous grant unmap completes, which it
 * retries with growing delays while a page is still referenced: usually well under a
 * millisecond, but on a loaded host once over 500 ms (4 events reported missing with ours in
 * one run, none in the next). The wait is the price of each "no-event" (a gntdev map
 * munmapped after its handle was closed sends none, with either library: 2 per run). */
#define EVENT_WAIT_MS 3000
const char *event_to_a(void) { return wait_evt(ea, EVENT_WAIT_MS) ? "event" : "no-event"; }
const char *event_to_b(void) { return wait_evt(eb, EVENT_WAIT_MS) ? "event" : "no-event"; }

