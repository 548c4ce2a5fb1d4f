/* seqdiff.h - state and helpers of the random-sequence differential test (seqdiff.c).
 *
 * Output: one line per library call, "<n> <call>(<args>) -> <result> <observations>", inside
 * "seed <s> begin" ... "seed <s> end calls=<n>" blocks; the library's stderr log lines follow
 * the call that wrote them ("    log| ..."). Arguments and results are symbolic (share#3,
 * map#5, gt1, BADREF): no addresses, grant refs or fds, so the output of a correct library is
 * a pure function of the seed. A self-check that fails anywhere prints "!BAD(<why>)". */
#ifndef SEQDIFF_H
#define SEQDIFF_H
#include <stdint.h>
#include <xenevtchn.h>

#define PG 4096
#define MAXPG 32          /* most pages in one share or map (the lowered gntalloc limit is less) */
#define MAXOBJ 24         /* live shares / live maps tracked at once */
#define NHANDLES 2        /* handle slots of each kind */

struct share {
    int live, id, h, n, writable;
    uint32_t dom;
    uint8_t *p;
    uint32_t refs[MAXPG];
    uint32_t notify_off, notify_port;
};
struct map {
    int live, id, h, n, prot;
    uint8_t *p;
    struct share *src[MAXPG];   /* NULL: the page's sharer is gone (or never was: bad ref) */
    int src_page[MAXPG];
    uint32_t notify_off, notify_port;
};

/* sequtil.c */
void prng_seed(uint64_t seed);
uint64_t rnd(void);
uint32_t below(uint32_t n);          /* uniform in [0, n) */
int chance(int percent);
uint32_t crc(const uint8_t *p, size_t n);   /* FNV-1a, for printing page contents compactly */
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* one numbered call line */
void out_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int ncalls;                   /* calls printed in the current seed */
int events_open(uint32_t dom);       /* binds pa (unbound, owned by ea) and pb (interdomain, eb) */
void events_close(void);
extern int port_a, port_b;
void events_flush(void);
const char *event_to_a(void);        /* waits for the event a gntdev notify on port_b sends */
const char *event_to_b(void);        /* waits for the event a gntalloc notify on port_a sends */
#endif
