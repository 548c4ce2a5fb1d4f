/* matrix.c - the bad-input matrix of docs/robustness.md: one row per (function, bad input),
 * each run in its own forked child so that a crash in a library is a result, not the end.
 *
 * Compiled once against Debian's header and library, run with Debian's library and with ours
 * (the lab's `deb` and `lp` setups). Output, one line per row:
 *     R|<id>|<call>|<result>              the observed result; never addresses, refs or fds
 *     W|<id>|<ours expected>|<why>        (--rows only) where ours deliberately differs
 * The host side (compat/lab/suites/full/30-matrix.host.sh) compares the two runs, checks ours
 * against the table and renders the table of docs/robustness.md.
 *
 * usage: matrix          run every row
 *        matrix --rows   print the W| lines (the deliberate differences) and exit
 * Needs root in dom0 with xen-gntdev, xen-gntalloc and xen-evtchn loaded; dom0 maps its own
 * grants (domid 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include <xentoolcore.h>
#include "../diff/gntdiff.h"

#define PG 4096
#define RW (PROT_READ | PROT_WRITE)
#define DOM 0
#define BADREF 99999u
#define UNBOUND_PORT 1000
#define NOPORT ((evtchn_port_t)-1)
#define GNTDEV_LIMIT 65536u          /* xen_gntdev's per-request limit (its `limit` parameter) */
#define GNTALLOC_LIMIT 1024          /* xen_gntalloc's default global limit */

static char out[512];
#define SAY(...) snprintf(out, sizeof out, __VA_ARGS__)

/* ------------------------------------------------------------------ helpers for the rows */
static xengnttab_handle *gt;
static xengntshr_handle *gs;
static uint32_t refs[GNTALLOC_LIMIT + 1];
static uint32_t domids[GNTDEV_LIMIT + 1];     /* all DOM */

static void setup_fail(const char *what) { SAY("setup failed: %s: %s", what, en(errno)); }
static int open_both(void)
{
    gt = xengnttab_open(NULL, 0);
    gs = xengntshr_open(NULL, 0);
    if (!gt || !gs) { setup_fail("open"); return 0; }
    return 1;
}
/* n writable pages shared to ourselves, page i filled with byte 0x10+i; refs in refs[] */
static uint8_t *shared(int n)
{
    uint8_t *s = xengntshr_share_pages(gs, DOM, n, refs, 1);
    if (!s) { setup_fail("share"); return NULL; }
    for (int i = 0; i < n; i++) memset(s + (size_t)i * PG, 0x10 + (i & 0x3f), PG);
    return s;
}
static int page_ok(const uint8_t *m, int i) { return m[(size_t)i * PG] == 0x10 + (i & 0x3f) && m[(size_t)i * PG + PG - 1] == 0x10 + (i & 0x3f); }
static int pages_ok(const uint8_t *m, int n) { for (int i = 0; i < n; i++) if (!page_ok(m, i)) return 0; return 1; }

static sigjmp_buf jb;
static void on_segv(int sig) { (void)sig; siglongjmp(jb, 1); }
/* readable pages of [p, p + n pages) */
static int readable(const volatile uint8_t *p, int n)
{
    struct sigaction sa = { .sa_handler = on_segv }, old;
    volatile int k = 0;      /* volatile: kept exact across siglongjmp */
    sigaction(SIGSEGV, &sa, &old);
    sigaction(SIGBUS, &sa, NULL);
    for (int i = 0; i < n; i++) {
        if (sigsetjmp(jb, 1) == 0) { (void)p[(size_t)i * PG]; k++; }
    }
    sigaction(SIGSEGV, &old, NULL);
    return k;
}
static const char *ir(int r, int e) { static char b[4][48]; static int k; char *s = b[k++ & 3]; if (r == 0) return "0"; snprintf(s, 48, "%d/%s", r, en(e)); return s; }
#define CALL_I(expr) ({ errno = 0; int r_ = (expr); ir(r_, errno); })
#define CALL_P(expr) ({ errno = 0; void *p_ = (void *)(expr); last_p = p_; pres(p_, errno); })
static void *last_p;

/* an anonymous page this process owns, for "unknown address" rows */
static uint8_t *anon_page(void)
{
    uint8_t *p = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    memset(p, 0x5a, PG);
    return p;
}
static xengnttab_grant_copy_segment_t seg_to_ref(uint32_t ref, void *buf)
{
    xengnttab_grant_copy_segment_t s = { 0 };
    s.flags = GNTCOPY_dest_gref;
    s.dest.foreign.ref = ref;
    s.dest.foreign.domid = DOM;
    s.source.virt = buf;
    s.len = 64;
    return s;
}

/* ------------------------------------------------------------------ rows: NULL handles */
static void r_null_tab_close(void) { SAY("%s", CALL_I(xengnttab_close(NULL))); }
static void r_null_tab_fd(void) { SAY("%s", CALL_I(xengnttab_fd(NULL) < 0 ? -1 : 0)); }
static void r_null_map1(void) { SAY("%s", CALL_P(xengnttab_map_grant_ref(NULL, DOM, BADREF, RW))); }
static void r_null_maps(void) { uint32_t d = DOM, r = BADREF; SAY("%s", CALL_P(xengnttab_map_grant_refs(NULL, 1, &d, &r, RW))); }
static void r_null_mapd(void) { uint32_t r = BADREF; SAY("%s", CALL_P(xengnttab_map_domain_grant_refs(NULL, 1, DOM, &r, RW))); }
static void r_null_mapn(void) { SAY("%s", CALL_P(xengnttab_map_grant_ref_notify(NULL, DOM, BADREF, RW, 0, NOPORT))); }
static void r_null_unmap(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r = CALL_I(xengnttab_unmap(NULL, m, 1));
    SAY("%s; mapping readable=%d", r, readable(m, 1));
}
static void r_null_smg(void) { SAY("%s", CALL_I(xengnttab_set_max_grants(NULL, 1))); }
static void r_null_copy1(void) { char b[64] = { 0 }; xengnttab_grant_copy_segment_t s = seg_to_ref(BADREF, b); SAY("%s", CALL_I(xengnttab_grant_copy(NULL, 1, &s))); }
static void r_null_copy0(void) { SAY("%s", CALL_I(xengnttab_grant_copy(NULL, 0, NULL))); }
static void r_null_dexp(void) { uint32_t r = BADREF, fd; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(NULL, DOM, 0, 1, &r, &fd))); }
static void r_null_dwait(void) { SAY("%s", CALL_I(xengnttab_dmabuf_exp_wait_released(NULL, 3, 0))); }
static void r_null_dimp(void) { uint32_t r; SAY("%s", CALL_I(xengnttab_dmabuf_imp_to_refs(NULL, DOM, 3, 1, &r))); }
static void r_null_drel(void) { SAY("%s", CALL_I(xengnttab_dmabuf_imp_release(NULL, 3))); }
static void r_null_shr_close(void) { SAY("%s", CALL_I(xengntshr_close(NULL))); }
static void r_null_shr_fd(void) { SAY("%s", CALL_I(xengntshr_fd(NULL) < 0 ? -1 : 0)); }
static void r_null_share(void) { uint32_t r; SAY("%s", CALL_P(xengntshr_share_pages(NULL, DOM, 1, &r, 1))); }
static void r_null_sharen(void) { uint32_t r; SAY("%s", CALL_P(xengntshr_share_page_notify(NULL, DOM, &r, 1, 0, NOPORT))); }
static void r_null_unshare(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    if (!s) return;
    const char *r = CALL_I(xengntshr_unshare(NULL, s, 1));
    SAY("%s; region readable=%d", r, readable(s, 1));
}

/* ------------------------------------------------------------------ rows: NULL arrays */
static void r_arr_maps_domids(void) { if (!open_both()) return; SAY("%s", CALL_P(xengnttab_map_grant_refs(gt, 1, NULL, refs, RW))); }
static void r_arr_maps_refs(void) { if (!open_both()) return; SAY("%s", CALL_P(xengnttab_map_grant_refs(gt, 1, domids, NULL, RW))); }
static void r_arr_maps_both0(void) { if (!open_both()) return; SAY("%s", CALL_P(xengnttab_map_grant_refs(gt, 0, NULL, NULL, RW))); }
static void r_arr_mapd_refs(void) { if (!open_both()) return; SAY("%s", CALL_P(xengnttab_map_domain_grant_refs(gt, 1, DOM, NULL, RW))); }
static void r_arr_copy1(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_grant_copy(gt, 1, NULL))); }
static void r_arr_copy0(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_grant_copy(gt, 0, NULL))); }
static void r_arr_share(void) { if (!open_both()) return; SAY("%s", CALL_P(xengntshr_share_pages(gs, DOM, 1, NULL, 1))); }
static void r_arr_sharen(void) { if (!open_both()) return; SAY("%s", CALL_P(xengntshr_share_page_notify(gs, DOM, NULL, 1, 0, NOPORT))); }
static void r_arr_dexp_refs(void) { uint32_t fd; if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(gt, DOM, 0, 1, NULL, &fd))); }
static void r_arr_dexp_fd(void) { uint32_t r = BADREF; if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(gt, DOM, 0, 1, &r, NULL))); }
static void r_arr_dimp_refs(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_imp_to_refs(gt, DOM, 3, 1, NULL))); }

/* ------------------------------------------------------------------ rows: counts */
/* maps `count` refs (valid shared ones when the count allows, else BADREF); arrays hold
 * min(count, GNTDEV_LIMIT + 1) entries, which is all a sane library may read */
static void map_count(uint32_t count, int single_domain)
{
    if (!open_both()) return;
    int valid = count >= 1 && count <= 511;
    uint8_t *s = valid ? shared((int)count) : NULL;
    if (valid && !s) return;
    static uint32_t big_refs[GNTDEV_LIMIT + 1];
    uint32_t *r = valid ? refs : big_refs;
    if (!valid) for (uint32_t i = 0; i <= GNTDEV_LIMIT; i++) big_refs[i] = BADREF;
    errno = 0;
    uint8_t *m = single_domain ? xengnttab_map_domain_grant_refs(gt, count, DOM, r, RW)
                               : xengnttab_map_grant_refs(gt, count, domids, r, RW);
    int e = errno;
    if (!m) { SAY("%s", pres(m, e)); return; }
    int data = valid && pages_ok(m, (int)count);
    SAY("ok, data %s; unmap %s", data ? "ok" : "WRONG", CALL_I(xengnttab_unmap(gt, m, count)));
}
static void r_maps_0(void) { map_count(0, 0); }
static void r_maps_1(void) { map_count(1, 0); }
static void r_maps_510(void) { map_count(510, 0); }
static void r_maps_511(void) { map_count(511, 0); }
static void r_maps_lim(void) { map_count(GNTDEV_LIMIT, 0); }
static void r_maps_lim1(void) { map_count(GNTDEV_LIMIT + 1, 0); }
static void r_maps_2p31(void) { map_count(1u << 31, 0); }
static void r_maps_2p32(void) { map_count(UINT32_MAX, 0); }
static void r_mapd_0(void) { map_count(0, 1); }
static void r_mapd_1(void) { map_count(1, 1); }
static void r_mapd_511(void) { map_count(511, 1); }
static void r_mapd_lim(void) { map_count(GNTDEV_LIMIT, 1); }
static void r_mapd_lim1(void) { map_count(GNTDEV_LIMIT + 1, 1); }
static void r_mapd_2p31(void) { map_count(1u << 31, 1); }
static void r_mapd_2p32(void) { map_count(UINT32_MAX, 1); }

static void share_count(int count)
{
    static uint32_t many[GNTALLOC_LIMIT + 1];
    if (!open_both()) return;
    errno = 0;
    uint8_t *s = xengntshr_share_pages(gs, DOM, count, many, 1);
    int e = errno;
    if (!s) { SAY("%s", pres(s, e)); return; }
    int zero = 1;
    for (size_t i = 0; i < (size_t)count * PG; i += 997) zero &= s[i] == 0;
    SAY("ok, zeroed %s; unshare %s", zero ? "yes" : "NO", CALL_I(xengntshr_unshare(gs, s, (uint32_t)count)));
}
static void r_share_0(void) { share_count(0); }
static void r_share_1(void) { share_count(1); }
static void r_share_lim(void) { share_count(GNTALLOC_LIMIT); }
static void r_share_lim1(void) { share_count(GNTALLOC_LIMIT + 1); }
static void r_share_max(void) { share_count(0x7fffffff); }
static void r_share_m1(void) { share_count(-1); }
static void r_share_min(void) { share_count((int)0x80000000u); }

/* grant copy of `count` segments; beyond one real segment the array is zeroed memory reserved
 * lazily, so that every count points at `count` readable segments */
static void copy_count(uint32_t count)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    if (!s) return;
    char buf[64];
    memset(buf, 0x77, sizeof buf);
    size_t len = count ? (size_t)count * sizeof(xengnttab_grant_copy_segment_t) : PG;
    xengnttab_grant_copy_segment_t *segs = mmap(NULL, len, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (segs == MAP_FAILED) { setup_fail("reserve segments"); return; }
    segs[0] = seg_to_ref(refs[0], buf);
    const char *r = CALL_I(xengnttab_grant_copy(gt, count, segs));
    SAY("%s; seg0 status %d, copied %s", r, segs[0].status, s[0] == 0x77 ? "yes" : "no");
}
static void r_copy_0(void) { copy_count(0); }
static void r_copy_1(void) { copy_count(1); }
static void r_copy_2p31(void) { copy_count(1u << 31); }
static void r_copy_2p32(void) { copy_count(UINT32_MAX); }

static void r_dexp_0(void) { uint32_t fd; if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(gt, DOM, 0, 0, refs, &fd))); }
static void r_dexp_1(void) { uint32_t fd; if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(gt, DOM, 0, 1, refs, &fd))); }
static void r_dexp_2p31(void) { uint32_t fd; if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_exp_from_refs(gt, DOM, 0, 1u << 31, refs, &fd))); }
static void r_dimp_0(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_imp_to_refs(gt, DOM, 3, 0, refs))); }
static void r_dimp_1(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_imp_to_refs(gt, DOM, 3, 1, refs))); }
static void r_dimp_2p31(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_dmabuf_imp_to_refs(gt, DOM, 3, 1u << 31, refs))); }

/* ------------------------------------------------------------------ rows: notify */
static xenevtchn_handle *ev;
static int bound_port(void)
{
    ev = xenevtchn_open(NULL, 0);
    return ev ? xenevtchn_bind_unbound_port(ev, DOM) : -1;
}
/* gnttab: map with notify, unmap, then look at the byte through the sharer's mapping */
static void tab_notify(uint32_t off, int port_kind)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    if (!s) return;
    evtchn_port_t port = NOPORT;
    if (port_kind == 1) port = UNBOUND_PORT;
    if (port_kind == 2) { int p = bound_port(); if (p < 0) { setup_fail("evtchn"); return; } port = (evtchn_port_t)p; }
    errno = 0;
    uint8_t *m = xengnttab_map_grant_ref_notify(gt, DOM, refs[0], RW, off, port);
    int e = errno;
    if (!m) { SAY("%s", pres(m, e)); return; }
    const char *u = CALL_I(xengnttab_unmap(gt, m, 1));
    int cleared = -1;
    for (int i = 0; i < PG; i++) if (s[i] != 0x10) { cleared = i; break; }
    SAY("ok; unmap %s; byte cleared at %s", u, cleared < 0 ? "none" : cleared == 4095 ? "4095" : cleared == 0 ? "0" : "other");
}
static void r_tabn_off0(void) { tab_notify(0, 0); }
static void r_tabn_off4095(void) { tab_notify(4095, 0); }
static void r_tabn_off4096(void) { tab_notify(4096, 0); }
static void r_tabn_offm1(void) { tab_notify(UINT32_MAX, 0); }
static void r_tabn_port_unbound(void) { tab_notify(UINT32_MAX, 1); }
static void r_tabn_port_bound(void) { tab_notify(UINT32_MAX, 2); }
/* gntshr: share with notify, map it ourselves, unshare, look at the byte through the mapping */
static void shr_notify(uint32_t off, int port_kind)
{
    if (!open_both()) return;
    evtchn_port_t port = NOPORT;
    if (port_kind == 1) port = UNBOUND_PORT;
    if (port_kind == 2) { int p = bound_port(); if (p < 0) { setup_fail("evtchn"); return; } port = (evtchn_port_t)p; }
    uint32_t ref = 0;
    errno = 0;
    uint8_t *s = xengntshr_share_page_notify(gs, DOM, &ref, 1, off, port);
    int e = errno;
    if (!s) { SAY("%s", pres(s, e)); return; }
    memset(s, 0x10, PG);
    uint8_t *m = xengnttab_map_grant_ref(gt, DOM, ref, RW);
    if (!m) { setup_fail("map"); return; }
    const char *u = CALL_I(xengntshr_unshare(gs, s, 1));
    int cleared = -1;
    for (int i = 0; i < PG; i++) if (m[i] != 0x10) { cleared = i; break; }
    SAY("ok; unshare %s; byte cleared at %s", u, cleared < 0 ? "none" : cleared == 4095 ? "4095" : cleared == 0 ? "0" : "other");
}
static void r_shrn_off0(void) { shr_notify(0, 0); }
static void r_shrn_off4095(void) { shr_notify(4095, 0); }
static void r_shrn_off4096(void) { shr_notify(4096, 0); }
static void r_shrn_offm1(void) { shr_notify(UINT32_MAX, 0); }
static void r_shrn_port_unbound(void) { shr_notify(UINT32_MAX, 1); }
static void r_shrn_port_bound(void) { shr_notify(UINT32_MAX, 2); }

/* ------------------------------------------------------------------ rows: unmap misuse */
static void r_unmap_unknown(void)
{
    if (!open_both()) return;
    uint8_t *p = anon_page();
    const char *r = CALL_I(xengnttab_unmap(gt, p, 1));
    SAY("%s; page readable=%d", r, readable(p, 1));
}
static void r_unmap_nulladdr(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_unmap(gt, NULL, 1))); }
static void r_unmap_mid(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(4);
    uint8_t *m = s ? xengnttab_map_domain_grant_refs(gt, 4, DOM, refs, RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r = CALL_I(xengnttab_unmap(gt, m + PG, 4));
    int k = readable(m, 4);
    SAY("%s; pages readable %d of 4; then unmap(start) %s", r, k, CALL_I(xengnttab_unmap(gt, m, 4)));
}
static void r_unmap_other_handle(void)
{
    if (!open_both()) return;
    xengnttab_handle *gt2 = xengnttab_open(NULL, 0);
    uint8_t *s = shared(2);
    uint8_t *a = s ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    uint8_t *b = s && gt2 ? xengnttab_map_grant_ref(gt2, DOM, refs[1], RW) : NULL;
    if (!a || !b) { setup_fail("maps"); return; }
    const char *r = CALL_I(xengnttab_unmap(gt2, a, 1));
    int ka = readable(a, 1);
    const char *rb = CALL_I(xengnttab_unmap(gt2, b, 1));
    const char *ra = CALL_I(xengnttab_unmap(gt, a, 1));
    SAY("%s; its mapping readable=%d; then own unmap %s, owner's unmap %s", r, ka, rb, ra);
}
static void r_unmap_count(uint32_t mapped, uint32_t given)
{
    if (!open_both()) return;
    uint8_t *s = shared((int)mapped);
    uint8_t *m = s ? xengnttab_map_domain_grant_refs(gt, mapped, DOM, refs, RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r = CALL_I(xengnttab_unmap(gt, m, given));
    SAY("%s; pages readable %d of %u", r, readable(m, (int)mapped), mapped);
}
static void r_unmap_count_small(void) { r_unmap_count(2, 1); }
static void r_unmap_count_big(void) { r_unmap_count(2, 3); }
static void r_unmap_count_0(void) { r_unmap_count(1, 0); }
static void r_unmap_twice(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r1 = CALL_I(xengnttab_unmap(gt, m, 1));
    SAY("first %s, second %s", r1, CALL_I(xengnttab_unmap(gt, m, 1)));
}
static void r_unmap_shared_region(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    if (!s) return;
    const char *r = CALL_I(xengnttab_unmap(gt, s, 1));
    SAY("%s; region readable=%d", r, readable(s, 1));
}

/* ------------------------------------------------------------------ rows: unshare misuse */
static void r_unshare_unknown(void)
{
    if (!open_both()) return;
    uint8_t *p = anon_page();
    const char *r = CALL_I(xengntshr_unshare(gs, p, 1));
    SAY("%s; page readable=%d", r, readable(p, 1));
}
static void r_unshare_null0(void) { if (!open_both()) return; SAY("%s", CALL_I(xengntshr_unshare(gs, NULL, 0))); }
static void r_unshare_mid(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(4);
    if (!s) return;
    const char *r = CALL_I(xengntshr_unshare(gs, s + PG, 3));
    SAY("%s; pages readable %d of 4", r, readable(s, 4));
}
static void r_unshare_counts(uint32_t shared_n, uint32_t given)
{
    if (!open_both()) return;
    uint8_t *s = shared((int)shared_n);
    if (!s) return;
    const char *r = CALL_I(xengntshr_unshare(gs, s, given));
    SAY("%s; pages readable %d of %u", r, readable(s, (int)shared_n), shared_n);
}
static void r_unshare_count_small(void) { r_unshare_counts(2, 1); }
static void r_unshare_count_big(void) { r_unshare_counts(2, 3); }
static void r_unshare_twice(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    if (!s) return;
    const char *r1 = CALL_I(xengntshr_unshare(gs, s, 1));
    SAY("first %s, second %s", r1, CALL_I(xengntshr_unshare(gs, s, 1)));
}
static void r_unshare_other_handle(void)
{
    if (!open_both()) return;
    xengntshr_handle *gs2 = xengntshr_open(NULL, 0);
    uint8_t *s = shared(1);
    if (!s || !gs2) { setup_fail("share"); return; }
    const char *r = CALL_I(xengntshr_unshare(gs2, s, 1));
    SAY("%s; region readable=%d", r, readable(s, 1));
}
static void r_unshare_grant_map(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r = CALL_I(xengntshr_unshare(gs, m, 1));
    int k = readable(m, 1);
    SAY("%s; mapping readable=%d; then unmap %s", r, k, CALL_I(xengnttab_unmap(gt, m, 1)));
}

/* ------------------------------------------------------------------ rows: cross-family */
static void r_x_map_with_shr(void) { if (!open_both()) return; SAY("%s", CALL_P(xengnttab_map_grant_ref(gs, DOM, BADREF, RW))); }
static void r_x_unmap_with_shr(void)
{
    if (!open_both()) return;
    uint8_t *s = shared(1);
    uint8_t *m = s ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    if (!m) { setup_fail("map"); return; }
    const char *r = CALL_I(xengnttab_unmap(gs, m, 1));
    SAY("%s; mapping readable=%d", r, readable(m, 1));
}
static void r_x_smg_with_shr(void) { if (!open_both()) return; SAY("%s", CALL_I(xengnttab_set_max_grants(gs, 1))); }
static void r_x_copy_with_shr(void)
{
    char b[64] = { 0 };
    if (!open_both()) return;
    xengnttab_grant_copy_segment_t s = seg_to_ref(BADREF, b);
    SAY("%s", CALL_I(xengnttab_grant_copy(gs, 1, &s)));
}
static void r_x_share_with_tab(void) { uint32_t r; if (!open_both()) return; SAY("%s", CALL_P(xengntshr_share_pages(gt, DOM, 1, &r, 1))); }
static void r_x_tabfd_with_shr(void) { if (!open_both()) return; SAY("%s", xengnttab_fd(gs) == xengntshr_fd(gs) ? "the gntalloc fd" : "other"); }
static void r_x_tabclose_shr(void)
{
    if (!open_both()) return;
    const char *r = CALL_I(xengnttab_close(gs));
    SAY("%s; then restrict_all %s", r, CALL_I(xentoolcore_restrict_all(0)));
}
static void r_x_shrclose_tab(void)
{
    if (!open_both()) return;
    const char *r = CALL_I(xengntshr_close(gt));
    SAY("%s; then restrict_all %s", r, CALL_I(xentoolcore_restrict_all(0)));
}

/* ------------------------------------------------------------------ rows: after restrict_all */
static uint8_t *restricted_share, *restricted_map;
static int restricted(void)
{
    if (!open_both()) return 0;
    restricted_share = shared(2);
    restricted_map = restricted_share ? xengnttab_map_grant_ref(gt, DOM, refs[0], RW) : NULL;
    if (!restricted_map) { setup_fail("map"); return 0; }
    if (xentoolcore_restrict_all(0)) { setup_fail("restrict_all"); return 0; }
    return 1;
}
static void r_rs_map(void) { if (restricted()) SAY("%s", CALL_P(xengnttab_map_grant_ref(gt, DOM, refs[1], RW))); }
static void r_rs_unmap(void)
{
    if (!restricted()) return;
    const char *r = CALL_I(xengnttab_unmap(gt, restricted_map, 1));
    SAY("%s; mapping readable=%d", r, readable(restricted_map, 1));
}
static void r_rs_smg(void) { if (restricted()) SAY("%s", CALL_I(xengnttab_set_max_grants(gt, 1))); }
static void r_rs_copy(void)
{
    char b[64] = { 0 };
    if (!restricted()) return;
    xengnttab_grant_copy_segment_t s = seg_to_ref(refs[1], b);
    SAY("%s", CALL_I(xengnttab_grant_copy(gt, 1, &s)));
}
static void r_rs_fd(void) { if (!restricted()) return; int fd = xengnttab_fd(gt); SAY("%s", fd >= 0 ? "a valid fd (now /dev/null)" : "-1"); }
static void r_rs_share(void) { uint32_t r; if (restricted()) SAY("%s", CALL_P(xengntshr_share_pages(gs, DOM, 1, &r, 1))); }
static void r_rs_unshare(void) { if (restricted()) SAY("%s", CALL_I(xengntshr_unshare(gs, restricted_share, 2))); }
static void r_rs_close(void) { if (restricted()) SAY("%s", CALL_I(xengnttab_close(gt))); }

/* ------------------------------------------------------------------ the table */
struct row { const char *id, *call; void (*fn)(void); const char *ours, *why; };
#define SAME NULL, NULL
static const char WHY_NULL[] = "NULL handle: upstream dereferences it";
static const char WHY_ARR[] = "NULL array with a non-zero count: upstream dereferences it";
static const char WHY_OVF[] = "the request size overflows 32 bits in upstream: a small buffer, then an out-of-bounds fill";
static const char WHY_REG[] = "only a whole region this library returned is taken down (upstream munmaps whatever is there)";
static const char WHY_OWN[] = "only the handle that mapped a region may unmap it (upstream munmaps it, then releases a slot of this handle's)";
static const char WHY_NEG[] = "negative count: upstream turns it into a huge size (ENOSPC or ENOMEM by luck, see its malloc)";
static const char WHY_TC[] = "upstream deregisters a handle of the other family that was never registered with xentoolcore: list corruption";
static const struct row rows[] = {
    { "null.gnttab_close", "xengnttab_close(NULL)", r_null_tab_close, SAME },
    { "null.gnttab_fd", "xengnttab_fd(NULL)", r_null_tab_fd, "-1/EINVAL(22)", WHY_NULL },
    { "null.map_grant_ref", "xengnttab_map_grant_ref(NULL, ...)", r_null_map1, "NULL/EINVAL(22)", WHY_NULL },
    { "null.map_grant_refs", "xengnttab_map_grant_refs(NULL, 1, ...)", r_null_maps, "NULL/EINVAL(22)", WHY_NULL },
    { "null.map_domain_grant_refs", "xengnttab_map_domain_grant_refs(NULL, 1, ...)", r_null_mapd, "NULL/EINVAL(22)", WHY_NULL },
    { "null.map_grant_ref_notify", "xengnttab_map_grant_ref_notify(NULL, ...)", r_null_mapn, "NULL/EINVAL(22)", WHY_NULL },
    { "null.unmap", "xengnttab_unmap(NULL, a mapping, 1)", r_null_unmap, "-1/EINVAL(22); mapping readable=1", WHY_NULL },
    { "null.set_max_grants", "xengnttab_set_max_grants(NULL, 1)", r_null_smg, "-1/EINVAL(22)", WHY_NULL },
    { "null.grant_copy", "xengnttab_grant_copy(NULL, 1, seg)", r_null_copy1, "-1/EINVAL(22)", WHY_NULL },
    { "null.grant_copy-0", "xengnttab_grant_copy(NULL, 0, NULL)", r_null_copy0, "-1/EINVAL(22)", WHY_NULL },
    { "null.dmabuf_exp_from_refs", "xengnttab_dmabuf_exp_from_refs(NULL, ..., 1, ...)", r_null_dexp, "-1/EINVAL(22)", WHY_NULL },
    { "null.dmabuf_exp_wait_released", "xengnttab_dmabuf_exp_wait_released(NULL, ...)", r_null_dwait, "-1/EINVAL(22)", WHY_NULL },
    { "null.dmabuf_imp_to_refs", "xengnttab_dmabuf_imp_to_refs(NULL, ..., 1, ...)", r_null_dimp, "-1/EINVAL(22)", WHY_NULL },
    { "null.dmabuf_imp_release", "xengnttab_dmabuf_imp_release(NULL, 3)", r_null_drel, "-1/EINVAL(22)", WHY_NULL },
    { "null.gntshr_close", "xengntshr_close(NULL)", r_null_shr_close, SAME },
    { "null.gntshr_fd", "xengntshr_fd(NULL)", r_null_shr_fd, "-1/EINVAL(22)", WHY_NULL },
    { "null.share_pages", "xengntshr_share_pages(NULL, 0, 1, ...)", r_null_share, "NULL/EINVAL(22)", WHY_NULL },
    { "null.share_page_notify", "xengntshr_share_page_notify(NULL, ...)", r_null_sharen, "NULL/EINVAL(22)", WHY_NULL },
    { "null.unshare", "xengntshr_unshare(NULL, a shared region, 1)", r_null_unshare, SAME },
    { "array.map_grant_refs-domids", "xengnttab_map_grant_refs(h, 1, NULL, refs)", r_arr_maps_domids, "NULL/EINVAL(22)", WHY_ARR },
    { "array.map_grant_refs-refs", "xengnttab_map_grant_refs(h, 1, domids, NULL)", r_arr_maps_refs, "NULL/EINVAL(22)", WHY_ARR },
    { "array.map_grant_refs-0", "xengnttab_map_grant_refs(h, 0, NULL, NULL)", r_arr_maps_both0, SAME },
    { "array.map_domain_grant_refs", "xengnttab_map_domain_grant_refs(h, 1, 0, NULL)", r_arr_mapd_refs, "NULL/EINVAL(22)", WHY_ARR },
    { "array.grant_copy", "xengnttab_grant_copy(h, 1, NULL)", r_arr_copy1, SAME },
    { "array.grant_copy-0", "xengnttab_grant_copy(h, 0, NULL)", r_arr_copy0, SAME },
    { "array.share_pages", "xengntshr_share_pages(h, 0, 1, NULL, 1)", r_arr_share, "NULL/EINVAL(22)", WHY_ARR },
    { "array.share_page_notify", "xengntshr_share_page_notify(h, 0, NULL, ...)", r_arr_sharen, "NULL/EINVAL(22)", WHY_ARR },
    { "array.dmabuf_exp_from_refs-refs", "xengnttab_dmabuf_exp_from_refs(h, 0, 0, 1, NULL, &fd)", r_arr_dexp_refs, "-1/EINVAL(22)", WHY_ARR },
    { "array.dmabuf_exp_from_refs-fd", "xengnttab_dmabuf_exp_from_refs(h, 0, 0, 1, refs, NULL)", r_arr_dexp_fd, "-1/EINVAL(22)", "NULL fd out-pointer: upstream writes through it on success" },
    { "array.dmabuf_imp_to_refs", "xengnttab_dmabuf_imp_to_refs(h, 0, 3, 1, NULL)", r_arr_dimp_refs, "-1/EINVAL(22)", WHY_ARR },
    { "count.map_grant_refs-0", "xengnttab_map_grant_refs(h, 0, ...)", r_maps_0, SAME },
    { "count.map_grant_refs-1", "xengnttab_map_grant_refs(h, 1, ...)", r_maps_1, SAME },
    { "count.map_grant_refs-510", "xengnttab_map_grant_refs(h, 510, ...)", r_maps_510, SAME },
    { "count.map_grant_refs-511", "xengnttab_map_grant_refs(h, 511, ...)", r_maps_511, SAME },
    { "count.map_grant_refs-limit", "xengnttab_map_grant_refs(h, 65536, bad refs)", r_maps_lim, SAME },
    { "count.map_grant_refs-limit+1", "xengnttab_map_grant_refs(h, 65537, ...)", r_maps_lim1, SAME },
    { "count.map_grant_refs-2^31", "xengnttab_map_grant_refs(h, 2^31, ...)", r_maps_2p31, "NULL/EINVAL(22)", WHY_OVF },
    { "count.map_grant_refs-2^32-1", "xengnttab_map_grant_refs(h, 2^32-1, ...)", r_maps_2p32, "NULL/EINVAL(22)", WHY_OVF },
    { "count.map_domain_grant_refs-0", "xengnttab_map_domain_grant_refs(h, 0, ...)", r_mapd_0, SAME },
    { "count.map_domain_grant_refs-1", "xengnttab_map_domain_grant_refs(h, 1, ...)", r_mapd_1, SAME },
    { "count.map_domain_grant_refs-511", "xengnttab_map_domain_grant_refs(h, 511, ...)", r_mapd_511, SAME },
    { "count.map_domain_grant_refs-limit", "xengnttab_map_domain_grant_refs(h, 65536, bad refs)", r_mapd_lim, SAME },
    { "count.map_domain_grant_refs-limit+1", "xengnttab_map_domain_grant_refs(h, 65537, ...)", r_mapd_lim1, SAME },
    { "count.map_domain_grant_refs-2^31", "xengnttab_map_domain_grant_refs(h, 2^31, ...)", r_mapd_2p31, "NULL/EINVAL(22)", WHY_OVF },
    { "count.map_domain_grant_refs-2^32-1", "xengnttab_map_domain_grant_refs(h, 2^32-1, ...)", r_mapd_2p32, "NULL/EINVAL(22)", WHY_OVF },
    { "count.share_pages-0", "xengntshr_share_pages(h, 0, 0, ...)", r_share_0, SAME },
    { "count.share_pages-1", "xengntshr_share_pages(h, 0, 1, ...)", r_share_1, SAME },
    { "count.share_pages-limit", "xengntshr_share_pages(h, 0, 1024, ...)", r_share_lim, SAME },
    { "count.share_pages-limit+1", "xengntshr_share_pages(h, 0, 1025, ...)", r_share_lim1, SAME },
    { "count.share_pages-2^31-1", "xengntshr_share_pages(h, 0, INT_MAX, ...)", r_share_max, SAME },
    { "count.share_pages--1", "xengntshr_share_pages(h, 0, -1, ...)", r_share_m1, "NULL/EINVAL(22)", WHY_NEG },
    { "count.share_pages--2^31", "xengntshr_share_pages(h, 0, INT_MIN, ...)", r_share_min, "NULL/EINVAL(22)", WHY_NEG },
    { "count.grant_copy-0", "xengnttab_grant_copy(h, 0, segs)", r_copy_0, SAME },
    { "count.grant_copy-1", "xengnttab_grant_copy(h, 1, segs)", r_copy_1, SAME },
    { "count.grant_copy-2^31", "xengnttab_grant_copy(h, 2^31, segs), all but the first zeroed", r_copy_2p31, SAME },
    { "count.grant_copy-2^32-1", "xengnttab_grant_copy(h, 2^32-1, segs), all but the first zeroed", r_copy_2p32, SAME },
    { "count.dmabuf_exp_from_refs-0", "xengnttab_dmabuf_exp_from_refs(h, ..., 0, ...)", r_dexp_0, SAME },
    { "count.dmabuf_exp_from_refs-1", "xengnttab_dmabuf_exp_from_refs(h, ..., 1, ...)", r_dexp_1, SAME },
    { "count.dmabuf_exp_from_refs-2^31", "xengnttab_dmabuf_exp_from_refs(h, ..., 2^31, ...)", r_dexp_2p31, SAME },
    { "count.dmabuf_imp_to_refs-0", "xengnttab_dmabuf_imp_to_refs(h, ..., 0, ...)", r_dimp_0, SAME },
    { "count.dmabuf_imp_to_refs-1", "xengnttab_dmabuf_imp_to_refs(h, ..., 1, ...)", r_dimp_1, SAME },
    { "count.dmabuf_imp_to_refs-2^31", "xengnttab_dmabuf_imp_to_refs(h, ..., 2^31, ...)", r_dimp_2p31, SAME },
    { "notify.map-offset-0", "xengnttab_map_grant_ref_notify(offset 0, port -1)", r_tabn_off0, SAME },
    { "notify.map-offset-4095", "xengnttab_map_grant_ref_notify(offset 4095, port -1)", r_tabn_off4095, SAME },
    { "notify.map-offset-4096", "xengnttab_map_grant_ref_notify(offset 4096, port -1)", r_tabn_off4096, SAME },
    { "notify.map-offset--1", "xengnttab_map_grant_ref_notify(offset -1, port -1)", r_tabn_offm1, SAME },
    { "notify.map-port-unbound", "xengnttab_map_grant_ref_notify(offset -1, unbound port)", r_tabn_port_unbound, SAME },
    { "notify.map-port-bound", "xengnttab_map_grant_ref_notify(offset -1, bound port)", r_tabn_port_bound, SAME },
    { "notify.share-offset-0", "xengntshr_share_page_notify(offset 0, port -1)", r_shrn_off0, SAME },
    { "notify.share-offset-4095", "xengntshr_share_page_notify(offset 4095, port -1)", r_shrn_off4095, SAME },
    { "notify.share-offset-4096", "xengntshr_share_page_notify(offset 4096, port -1)", r_shrn_off4096, SAME },
    { "notify.share-offset--1", "xengntshr_share_page_notify(offset -1, port -1)", r_shrn_offm1, SAME },
    { "notify.share-port-unbound", "xengntshr_share_page_notify(offset -1, unbound port)", r_shrn_port_unbound, SAME },
    { "notify.share-port-bound", "xengntshr_share_page_notify(offset -1, bound port)", r_shrn_port_bound, SAME },
    { "unmap.unknown-address", "xengnttab_unmap(h, an anonymous page, 1)", r_unmap_unknown, SAME },
    { "unmap.null-address", "xengnttab_unmap(h, NULL, 1)", r_unmap_nulladdr, SAME },
    { "unmap.mid-mapping", "xengnttab_unmap(h, 4-page mapping + 4096, 4)", r_unmap_mid,
      "-1/EINVAL(22); pages readable 4 of 4; then unmap(start) 0", WHY_REG },
    { "unmap.other-handle", "xengnttab_unmap(h2, h1's mapping, 1)", r_unmap_other_handle,
      "-1/EINVAL(22); its mapping readable=1; then own unmap 0, owner's unmap 0", WHY_OWN },
    { "unmap.count-smaller", "xengnttab_unmap(h, 2-page mapping, 1)", r_unmap_count_small, SAME },
    { "unmap.count-larger", "xengnttab_unmap(h, 2-page mapping, 3)", r_unmap_count_big, SAME },
    { "unmap.count-0", "xengnttab_unmap(h, 1-page mapping, 0)", r_unmap_count_0, SAME },
    { "unmap.twice", "xengnttab_unmap(h, m, 1) twice", r_unmap_twice, SAME },
    { "unmap.shared-region", "xengnttab_unmap(h, a gntshr region, 1)", r_unmap_shared_region, SAME },
    { "unshare.unknown-address", "xengntshr_unshare(h, an anonymous page, 1)", r_unshare_unknown,
      "-1/EINVAL(22); page readable=1", WHY_REG },
    { "unshare.null-address-0", "xengntshr_unshare(h, NULL, 0)", r_unshare_null0, SAME },
    { "unshare.mid-region", "xengntshr_unshare(h, 4-page region + 4096, 3)", r_unshare_mid,
      "-1/EINVAL(22); pages readable 4 of 4", WHY_REG },
    { "unshare.count-smaller", "xengntshr_unshare(h, 2-page region, 1)", r_unshare_count_small,
      "-1/EINVAL(22); pages readable 2 of 2", WHY_REG },
    { "unshare.count-larger", "xengntshr_unshare(h, 2-page region, 3)", r_unshare_count_big,
      "-1/EINVAL(22); pages readable 2 of 2", WHY_REG },
    { "unshare.twice", "xengntshr_unshare(h, s, 1) twice", r_unshare_twice, "first 0, second -1/EINVAL(22)", WHY_REG },
    { "unshare.other-handle", "xengntshr_unshare(h2, h1's region, 1)", r_unshare_other_handle, SAME },
    { "unshare.grant-mapping", "xengntshr_unshare(h, a gnttab mapping, 1)", r_unshare_grant_map,
      "-1/EINVAL(22); mapping readable=1; then unmap 0", WHY_REG },
    { "cross.map-with-gntshr-handle", "xengnttab_map_grant_ref(gntshr handle, ...)", r_x_map_with_shr, SAME },
    { "cross.unmap-with-gntshr-handle", "xengnttab_unmap(gntshr handle, a mapping, 1)", r_x_unmap_with_shr, SAME },
    { "cross.set_max_grants-with-gntshr-handle", "xengnttab_set_max_grants(gntshr handle, 1)", r_x_smg_with_shr, SAME },
    { "cross.grant_copy-with-gntshr-handle", "xengnttab_grant_copy(gntshr handle, 1, seg)", r_x_copy_with_shr, SAME },
    { "cross.share-with-gnttab-handle", "xengntshr_share_pages(gnttab handle, ...)", r_x_share_with_tab, SAME },
    { "cross.fd-of-gntshr-handle", "xengnttab_fd(gntshr handle)", r_x_tabfd_with_shr, SAME },
    { "cross.gnttab_close-of-gntshr-handle", "xengnttab_close(gntshr handle), then xentoolcore_restrict_all", r_x_tabclose_shr,
      "0; then restrict_all 0", WHY_TC },
    { "cross.gntshr_close-of-gnttab-handle", "xengntshr_close(gnttab handle), then xentoolcore_restrict_all", r_x_shrclose_tab, SAME },
    { "restrict.map", "after xentoolcore_restrict_all: xengnttab_map_grant_ref", r_rs_map, SAME },
    { "restrict.unmap", "after xentoolcore_restrict_all: xengnttab_unmap", r_rs_unmap, SAME },
    { "restrict.set_max_grants", "after xentoolcore_restrict_all: xengnttab_set_max_grants", r_rs_smg, SAME },
    { "restrict.grant_copy", "after xentoolcore_restrict_all: xengnttab_grant_copy", r_rs_copy, SAME },
    { "restrict.fd", "after xentoolcore_restrict_all: xengnttab_fd", r_rs_fd, SAME },
    { "restrict.share", "after xentoolcore_restrict_all: xengntshr_share_pages", r_rs_share, SAME },
    { "restrict.unshare", "after xentoolcore_restrict_all: xengntshr_unshare", r_rs_unshare, SAME },
    { "restrict.close", "after xentoolcore_restrict_all: xengnttab_close", r_rs_close, SAME },
};

/* runs one row in a child; its result comes back through a pipe, a crash is reported as such */
static void run_row(const struct row *r)
{
    int p[2];
    if (pipe(p)) { perror("pipe"); exit(2); }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        alarm(120);
        for (size_t i = 0; i < GNTDEV_LIMIT + 1; i++) domids[i] = DOM;
        out[0] = 0;
        r->fn();
        if (write(p[1], out, strlen(out)) < 0) _exit(3);
        _exit(0);
    }
    close(p[1]);
    char res[512];
    ssize_t n, got = 0;
    while ((n = read(p[0], res + got, sizeof res - 1 - got)) > 0) got += n;
    res[got] = 0;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        snprintf(res, sizeof res, "crash (%s)", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
    else if (WEXITSTATUS(st) != 0 || !got)
        snprintf(res + got, sizeof res - got, "%sexit %d", got ? "; " : "no result, ", WEXITSTATUS(st));
    printf("R|%s|%s|%s\n", r->id, r->call, res);
}

int main(int argc, char **argv)
{
    size_t n = sizeof rows / sizeof rows[0];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "--rows")) {
        for (size_t i = 0; i < n; i++)
            if (rows[i].why) printf("W|%s|%s|%s\n", rows[i].id, rows[i].ours, rows[i].why);
        return 0;
    }
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2);    /* library log lines: gntdiff compares those */
    for (size_t i = 0; i < n; i++) run_row(&rows[i]);
    printf("END matrix %zu rows\n", n);
    return 0;
}
