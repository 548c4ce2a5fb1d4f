/* seqdiff.c - seeded random-sequence differential test of libxengnttab/libxengntshr.
 *
 * For each seed, a pseudo-random sequence of public-API calls (open/close of both handle kinds,
 * share/share-notify, the four map calls with valid/bad/mixed refs, unmap with right and wrong
 * counts, unshare, grant copy, set_max_grants, writes through one side read through the other)
 * runs dom0 -> dom0, and every call prints one line (format in seqdiff.h). The lab runs the
 * binary once with Debian's library and once with ours; the host compares the outputs per
 * seed (compat/lab/suites/full/35-seqdiff.host.sh). The next call depends only on the seed
 * and on earlier results, so two libraries that agree produce identical text.
 *
 * Left out on purpose (undefined behaviour in upstream, or misuse where upstream munmaps
 * whatever lies at the address and ours deliberately refuses with EINVAL, see
 * docs/robustness.md): NULL handles/arrays, overflowing or negative counts; unmap of an
 * address inside a mapping, of another handle's mapping, or of a region already unmapped
 * (the kernel's find_vma then answers for the next mapping up, and upstream takes THAT one
 * down: seen in this test's first runs); unshare twice, with a wrong count, or of something
 * that is not a share; refs whose share is gone (the kernel may hand the same ref out
 * again, so what they map is not a function of the seed).
 *
 * usage: seqdiff <first-seed> <last-seed> <steps-per-seed>
 * Needs root in dom0 with xen-gntdev, xen-gntalloc, xen-evtchn loaded; lowers the global
 * gntalloc limit to SEQ_LIMIT while it runs (the caller restores it if we die). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include "../diff/gntdiff.h"
#include "seqdiff.h"

#define RW (PROT_READ | PROT_WRITE)
#define BADREF 99999u          /* beyond dom0's grant table */
#define NODOM 7                /* a domid that does not exist in the lab */
#define UNBOUND_PORT 1000      /* an event channel port nobody binds */
#define SEQ_LIMIT 24           /* gntalloc limit while we run: shares around it stay cheap */

static const uint32_t dom = 0;
static xengnttab_handle *gt[NHANDLES];
static xengntshr_handle *gs[NHANDLES];
static struct share shares[MAXOBJ];
static struct map maps[MAXOBJ];
static int next_share_id, next_map_id;
static uint8_t lbuf[3 * PG] __attribute__((aligned(PG)));   /* grant copy's local side */

static const char *prot_name(int p) { return p == RW ? "RW" : p == PROT_READ ? "R" : p == PROT_WRITE ? "W" : "?"; }
static const char *port_name(uint32_t p)
{
    return p == (uint32_t)-1 ? "none" : p == (uint32_t)port_a ? "pa" : p == (uint32_t)port_b ? "pb" :
           p == UNBOUND_PORT ? "unbound" : "?";
}
static const char *off_name(uint32_t o)
{
    static char b[4][16];
    static int k;
    char *s = b[k++ & 3];
    if (o == (uint32_t)-1) return "-1";
    snprintf(s, 16, "%u", o);
    return s;
}
static void fill(uint8_t *p, size_t n)
{
    uint8_t k = (uint8_t)rnd();
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 131 + k) ^ (uint8_t)(i >> 8);
}
static int all_zero(const uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) if (p[i]) return 0; return 1; }

/* ------------------------------------------------------------------ state */

static int outstanding_pages(void)
{
    int n = 0;
    for (int i = 0; i < MAXOBJ; i++) if (shares[i].live) n += shares[i].n;
    return n;
}
static struct share *free_share(void) { for (int i = 0; i < MAXOBJ; i++) if (!shares[i].live) return &shares[i]; return NULL; }
static struct map *free_map(void) { for (int i = 0; i < MAXOBJ; i++) if (!maps[i].live) return &maps[i]; return NULL; }
static struct share *pick_share(void)
{
    int live[MAXOBJ], n = 0;
    for (int i = 0; i < MAXOBJ; i++) if (shares[i].live && shares[i].n) live[n++] = i;
    return n ? &shares[live[below(n)]] : NULL;
}
/* a live map, only writable ones if asked */
static struct map *pick_map(int writable)
{
    int live[MAXOBJ], n = 0;
    for (int i = 0; i < MAXOBJ; i++)
        if (maps[i].live && (!writable || (maps[i].prot & PROT_WRITE))) live[n++] = i;
    return n ? &maps[live[below(n)]] : NULL;
}
static int pick_open(void **handles)
{
    int open[NHANDLES], n = 0;
    for (int i = 0; i < NHANDLES; i++) if (handles[i]) open[n++] = i;
    return n ? open[below(n)] : -1;
}

/* A ref to map or copy: a page of a live share, or BADREF (forced when nothing is shared). */
struct refpick { uint32_t ref; struct share *s; int page; char name[24]; };
static void pick_ref(struct refpick *r, int bad_percent)
{
    r->s = chance(bad_percent) ? NULL : pick_share();
    if (!r->s) { r->ref = BADREF; r->page = 0; snprintf(r->name, sizeof r->name, "BADREF"); return; }
    r->page = below(r->s->n);
    r->ref = r->s->refs[r->page];
    snprintf(r->name, sizeof r->name, "share#%d.p%d", r->s->id, r->page);
}

/* Compares every mapped page with its sharer's view and prints the mapping's checksum. */
static const char *map_data(const struct map *m)
{
    static char b[64];
    int bad = 0;
    for (int i = 0; i < m->n; i++)
        if (m->src[i] && memcmp(m->p + (size_t)i * PG, m->src[i]->p + (size_t)m->src_page[i] * PG, PG)) bad++;
    snprintf(b, sizeof b, "data=%s crc=%08x", bad ? "MISMATCH !BAD(page differs from sharer)" : "match",
             crc(m->p, (size_t)m->n * PG));
    return b;
}

/* Is dom0 auto-translated (XENFEAT_auto_translated_physmap, bit 2 of Xen's feature word)? Every
 * domain on Arm is; the lab's x86 dom0 is PV. There gntdev maps without PTE modification, and
 * munmap of a mapping whose handle is already closed only drops the vma's reference: the grant
 * (and its unmap notification) goes when the handle's file is released, i.e. with the last
 * mapping of that handle (Linux drivers/xen/gntdev.c, gntdev_vma_close: no unmap unless
 * use_ptemod). On PV the MMU notifier unmaps at munmap. */
static int auto_translated(void)
{
    static int v = -1;
    if (v < 0) {
        unsigned long f = 0;
        FILE *fp = fopen("/sys/hypervisor/properties/features", "r");
        if (fp && fscanf(fp, "%lx", &f) == 1) v = (f >> 2) & 1;
        else v = 0;    /* unknown: the strict (PV) expectation */
        if (fp) fclose(fp);
    }
    return v;
}

/* What the other side sees once map m went away (its notify byte and event). An orphan map
 * (handle closed before the munmap) on an auto-translated dom0 may keep its byte until the
 * handle's last mapping is gone: "deferred", and orphan_deferred_check() looks again then. */
static const struct map *deferred[MAXOBJ];
static int ndeferred;
static const char *map_gone_notice_orphan(const struct map *m, int orphan)
{
    static char b[96];
    const char *byte = "", *ev = "";
    if (m->notify_off < PG) {
        const struct share *s = m->src[0];
        int cleared = s && s->p[(size_t)m->src_page[0] * PG + m->notify_off] == 0;
        if (s && !cleared && orphan && auto_translated()) { deferred[ndeferred++] = m; byte = " byte=deferred"; }
        else byte = !s ? " byte=unobserved" : cleared ? " byte=cleared" : " byte=kept !BAD(notify byte not cleared)";
    }
    if (m->notify_port == (uint32_t)port_b) ev = event_to_a();
    snprintf(b, sizeof b, "%s%s%s", byte, *ev ? " " : "", ev);
    return b;
}
static const char *map_gone_notice(const struct map *m) { return map_gone_notice_orphan(m, 0); }

/* Once every orphan map of a closed handle is unmapped, the handle's file is released: each
 * deferred notify byte must be cleared now. */
static void orphan_deferred_check(void)
{
    for (int i = 0; i < ndeferred; i++) {
        const struct map *m = deferred[i];
        const struct share *s = m->src[0];
        int cleared = s && s->p[(size_t)m->src_page[0] * PG + m->notify_off] == 0;
        out_plain("  orphan map#%d byte=%s", m->id,
                  !s ? "unobserved" : cleared ? "cleared with the handle's last mapping"
                                              : "kept !BAD(notify byte not cleared after the handle's last mapping went)");
    }
    ndeferred = 0;
}

/* What the peer (our maps of its page 0) sees once share s went away. Then forgets s. */
static const char *share_gone_notice(struct share *s)
{
    static char b[96];
    int seen = 0, cleared = 0;
    const char *ev = "";
    for (int i = 0; i < MAXOBJ; i++) {
        struct map *m = &maps[i];
        for (int j = 0; m->live && j < m->n; j++) {
            if (m->src[j] != s) continue;
            if (s->notify_off < PG && m->src_page[j] == 0) { seen++; cleared += m->p[(size_t)j * PG + s->notify_off] == 0; }
            m->src[j] = NULL;
        }
    }
    if (s->notify_port == (uint32_t)port_a) ev = event_to_b();
    b[0] = 0;
    if (s->notify_off < PG)
        snprintf(b, sizeof b, " byte=%s%s", !seen ? "unobserved" : cleared == seen ? "cleared" : "kept",
                 seen && cleared != seen ? " !BAD(notify byte not cleared)" : "");
    snprintf(b + strlen(b), sizeof b - strlen(b), "%s%s", *ev ? " " : "", ev);
    s->live = 0;
    return b;
}

/* ------------------------------------------------------------------ operations */

static void op_open_close(void)
{
    int slot = below(NHANDLES);
    if (chance(50)) {
        if (!gt[slot]) {
            errno = 0;
            gt[slot] = xengnttab_open(NULL, 0);
            out("gnttab_open(gt%d) -> %s", slot, pres(gt[slot], errno));
            return;
        }
        errno = 0;
        int rc = xengnttab_close(gt[slot]);
        gt[slot] = NULL;
        out("gnttab_close(gt%d) -> %d/%s", slot, rc, en(rc ? errno : 0));
        /* close does not unmap: the mappings still work, and only munmap is left for them */
        for (int i = 0; i < MAXOBJ; i++) {
            struct map *m = &maps[i];
            if (!m->live || m->h != slot) continue;
            events_flush();
            const char *data = map_data(m);
            int r = munmap(m->p, (size_t)m->n * PG);
            m->live = 0;
            out_plain("  orphan map#%d %s munmap=%d%s", m->id, data, r, map_gone_notice_orphan(m, 1));
        }
        orphan_deferred_check();
        return;
    }
    if (!gs[slot]) {
        errno = 0;
        gs[slot] = xengntshr_open(NULL, 0);
        out("gntshr_open(gs%d) -> %s", slot, pres(gs[slot], errno));
        return;
    }
    errno = 0;
    int rc = xengntshr_close(gs[slot]);
    gs[slot] = NULL;
    out("gntshr_close(gs%d) -> %d/%s", slot, rc, en(rc ? errno : 0));
    /* live shares survive the close; unsharing through another handle is not in the
     * vocabulary, so they are dropped with munmap as a consumer without a handle would */
    for (int i = 0; i < MAXOBJ; i++) {
        struct share *s = &shares[i];
        if (!s->live || s->h != slot) continue;
        events_flush();
        uint32_t c = crc(s->p, (size_t)s->n * PG);
        int r = s->n ? munmap(s->p, (size_t)s->n * PG) : 0;
        int id = s->id;
        const char *notice = share_gone_notice(s);
        out_plain("  orphan share#%d crc=%08x munmap=%d%s", id, c, r, notice);
    }
}

static void op_share(int with_notify)
{
    int h = pick_open((void **)gs);
    struct share *s = free_share();
    if (h < 0 || !s) return;
    int room = SEQ_LIMIT - outstanding_pages();
    int n = 1, writable = chance(80), r = below(100);
    uint32_t d = chance(8) ? NODOM : dom;
    uint32_t refs[MAXPG + 1], off = (uint32_t)-1, port = (uint32_t)-1;
    if (!with_notify) n = r < 4 ? 0 : r < 16 ? (room > 0 ? room - 1 : 0) + (int)below(3) : 1 + (int)below(4);
    if (n > MAXPG) n = MAXPG;
    errno = 0;
    uint8_t *p;
    char call[128];
    if (with_notify) {
        r = below(10);
        off = r < 5 ? below(PG) : r < 7 ? PG : r < 9 ? (uint32_t)-1 : PG + below(1 << 20);
        r = below(10);
        port = r < 5 ? (uint32_t)port_a : r < 8 ? (uint32_t)-1 : UNBOUND_PORT;
        p = xengntshr_share_page_notify(gs[h], d, refs, writable, off, port);
        snprintf(call, sizeof call, "share_page_notify(gs%d, dom%u, writable=%d, off=%s, port=%s)", h, d, writable,
                 off_name(off), port_name(port));
    } else {
        p = xengntshr_share_pages(gs[h], d, n, refs, writable);
        snprintf(call, sizeof call, "share_pages(gs%d, dom%u, n=%d, writable=%d)", h, d, n, writable);
    }
    int e = errno;
    if (!p) {
        /* the only way a small share fails here is the gntalloc limit */
        const char *bad = n > 0 && n <= room && e == ENOSPC ? " !BAD(ENOSPC below the limit)" : "";
        out("%s room=%d -> %s%s", call, room, pres(p, e), bad);
        return;
    }
    *s = (struct share){ .live = 1, .id = ++next_share_id, .h = h, .n = n, .writable = writable, .dom = d, .p = p,
                         .notify_off = off, .notify_port = port };
    memcpy(s->refs, refs, sizeof(uint32_t) * n);
    int zero = all_zero(p, (size_t)n * PG), distinct = 1;
    for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (refs[i] == refs[j]) distinct = 0;
    out("%s room=%d -> share#%d zeroed=%s refs-distinct=%s%s", call, room, s->id, zero ? "yes" : "no",
        distinct ? "yes" : "no", n > room ? " !BAD(share above the limit)" : !zero || !distinct ? " !BAD" : "");
    fill(p, (size_t)n * PG);
}

static void op_unshare(void)
{
    struct share *s = pick_share();
    if (!s) return;
    events_flush();
    errno = 0;
    int rc = xengntshr_unshare(gs[s->h], s->p, s->n);
    int e = errno, id = s->id;
    const char *notice = rc == 0 ? share_gone_notice(s) : "";
    out("unshare(gs%d, share#%d, %d) -> %d/%s%s", s->h, id, s->n, rc, en(rc ? e : 0), notice);
}

enum map_kind { MAP_ONE, MAP_REFS, MAP_DOMAIN, MAP_NOTIFY, MAP_KINDS };

static void op_map(enum map_kind kind)
{
    int h = pick_open((void **)gt);
    struct map *m = free_map();
    if (h < 0 || !m) return;
    int n = kind == MAP_ONE || kind == MAP_NOTIFY ? 1 : chance(4) ? 0 : 1 + (int)below(6);
    int r = below(10), prot = r < 4 ? PROT_READ : r < 9 ? RW : PROT_WRITE;
    uint32_t refs[MAXPG], doms[MAXPG], off = (uint32_t)-1, port = (uint32_t)-1;
    struct share *src[MAXPG];
    int src_page[MAXPG];
    char names[512] = "", call[700];
    for (int i = 0; i < n; i++) {
        struct refpick rp;
        pick_ref(&rp, 6);
        refs[i] = rp.ref; src[i] = rp.s; src_page[i] = rp.page; doms[i] = dom;
        if (kind == MAP_REFS && chance(4)) { doms[i] = NODOM; strcat(names, "dom7:"); }
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", rp.name, i + 1 < n ? "," : "");
    }
    errno = 0;
    uint8_t *p = NULL;
    switch (kind) {
    case MAP_ONE:
        p = xengnttab_map_grant_ref(gt[h], dom, refs[0], prot);
        snprintf(call, sizeof call, "map_grant_ref(gt%d, %s, %s)", h, names, prot_name(prot));
        break;
    case MAP_REFS:
        p = xengnttab_map_grant_refs(gt[h], n, doms, refs, prot);
        snprintf(call, sizeof call, "map_grant_refs(gt%d, n=%d, [%s], %s)", h, n, names, prot_name(prot));
        break;
    case MAP_DOMAIN:
        p = xengnttab_map_domain_grant_refs(gt[h], n, dom, refs, prot);
        snprintf(call, sizeof call, "map_domain_grant_refs(gt%d, n=%d, [%s], %s)", h, n, names, prot_name(prot));
        break;
    default:
        r = below(10);
        off = r < 5 ? below(PG) : r < 7 ? PG : r < 9 ? (uint32_t)-1 : PG + below(1 << 20);
        r = below(10);
        port = r < 5 ? (uint32_t)port_b : r < 8 ? (uint32_t)-1 : UNBOUND_PORT;
        p = xengnttab_map_grant_ref_notify(gt[h], dom, refs[0], prot, off, port);
        snprintf(call, sizeof call, "map_grant_ref_notify(gt%d, %s, %s, off=%s, port=%s)", h, names, prot_name(prot),
                 off_name(off), port_name(port));
    }
    int e = errno;
    if (!p) { out("%s -> %s", call, pres(p, e)); return; }
    *m = (struct map){ .live = 1, .id = ++next_map_id, .h = h, .n = n, .prot = prot, .p = p, .notify_off = off,
                       .notify_port = port };
    memcpy(m->src, src, sizeof(src[0]) * n);
    memcpy(m->src_page, src_page, sizeof(src_page[0]) * n);
    int unmappable = 0;
    for (int i = 0; i < n; i++) unmappable |= !src[i] || src[i]->dom != dom || (doms[i] != dom) ||
                                              ((prot & PROT_WRITE) && !src[i]->writable);
    out("%s -> map#%d %s%s", call, m->id, map_data(m), unmappable ? " !BAD(mapped what it may not)" : "");
}

static void op_unmap(void)
{
    struct map *m = pick_map(0);
    if (!m) return;
    int r = below(100), stackvar = 0;
    errno = 0;
    if (r < 12) {   /* wrong count: EINVAL, nothing unmapped */
        uint32_t c = chance(50) || m->n == 0 ? m->n + 1 : m->n - 1;
        int rc = xengnttab_unmap(gt[m->h], m->p, c);
        out("unmap(gt%d, map#%d, %u of %d) -> %d/%s %s", m->h, m->id, c, m->n, rc, en(rc ? errno : 0), map_data(m));
        return;
    }
    if (r < 18) {   /* addresses that are no mapping at all */
        void *a = chance(50) ? NULL : (void *)&stackvar;
        int rc = xengnttab_unmap(gt[m->h], a, 1);
        out("unmap(gt%d, %s, 1) -> %d/%s", m->h, a ? "stack-address" : "NULL", rc, en(rc ? errno : 0));
        return;
    }
    events_flush();
    int rc = xengnttab_unmap(gt[m->h], m->p, m->n);
    int e = errno;
    if (rc) { out("unmap(gt%d, map#%d, %d) -> %d/%s", m->h, m->id, m->n, rc, en(e)); return; }
    m->live = 0;
    out("unmap(gt%d, map#%d, %d) -> 0%s", m->h, m->id, m->n, map_gone_notice(m));
}

/* write a byte through the sharer, read it through every mapping of that page */
static void op_write_share(void)
{
    struct share *s = pick_share();
    if (!s) return;
    int pg = below(s->n), off = below(PG), seen = 0, total = 0;
    uint8_t v = (uint8_t)(1 + below(255));
    s->p[(size_t)pg * PG + off] = v;
    for (int i = 0; i < MAXOBJ; i++)
        for (int j = 0; maps[i].live && j < maps[i].n; j++)
            if (maps[i].src[j] == s && maps[i].src_page[j] == pg) { total++; seen += maps[i].p[(size_t)j * PG + off] == v; }
    out_plain("  write share#%d.p%d[%d]=%u seen-by=%d/%d%s", s->id, pg, off, v, seen, total,
              seen != total ? " !BAD(a mapping does not see the sharer's write)" : "");
}

/* write a byte through a writable mapping, read it through the sharer */
static void op_write_map(void)
{
    struct map *m = pick_map(1);
    if (!m || !m->n) return;
    int j = below(m->n), off = below(PG);
    uint8_t v = (uint8_t)(1 + below(255));
    m->p[(size_t)j * PG + off] = v;
    const struct share *s = m->src[j];
    const char *seen = !s ? "unobserved" : s->p[(size_t)m->src_page[j] * PG + off] == v ? "yes" : "no !BAD(sharer does not see the write)";
    out_plain("  write map#%d.p%d[%d]=%u sharer-sees=%s", m->id, j, off, v, seen);
}

/* one foreign side of a copy segment: ref, domid, offset */
static void copy_side(struct refpick *rp, uint16_t *domid, uint16_t *offset, uint32_t off, char *desc, size_t dn)
{
    pick_ref(rp, 8);
    *domid = chance(6) ? NODOM : dom;
    *offset = off;
    snprintf(desc, dn, "%s%s+%u", *domid == NODOM ? "dom7:" : "", rp->name, off);
}

static void op_copy(void)
{
    int h = pick_open((void **)gt);
    if (h < 0) return;
    if (chance(3)) {
        errno = 0;
        int rc = xengnttab_grant_copy(gt[h], 0, NULL);
        out("grant_copy(gt%d, 0, NULL) -> %d/%s", h, rc, en(rc ? errno : 0));
        return;
    }
    int n = 1 + below(4);
    xengnttab_grant_copy_segment_t seg[4];
    struct refpick src[4], dst[4];
    char desc[4][128], touched[256] = "";
    memset(seg, 0, sizeof seg);
    fill(lbuf, sizeof lbuf);
    for (int i = 0; i < n; i++) {
        int type = below(3);   /* 0: ref -> local, 1: local -> ref, 2: ref -> ref */
        uint32_t len, off1, off2;
        if (chance(8)) {       /* a foreign range past the end of its page: the whole call fails */
            len = 2 + below(PG - 1);
            off1 = PG - len + 1 + below(len - 1);
        } else {
            len = below(PG + 1);
            off1 = below(PG - len + 1);
        }
        off2 = type == 2 ? below(PG - len + 1) : below(3 * PG - len + 1);
        char a[48], b[48];
        src[i].s = dst[i].s = NULL;
        seg[i].len = len;
        if (type != 1) {
            copy_side(&src[i], &seg[i].source.foreign.domid, &seg[i].source.foreign.offset, off1, a, sizeof a);
            seg[i].source.foreign.ref = src[i].ref;
            seg[i].flags |= GNTCOPY_source_gref;
        } else {
            seg[i].source.virt = lbuf + off2;
            snprintf(a, sizeof a, "local+%u", off2);
        }
        if (type != 0) {
            copy_side(&dst[i], &seg[i].dest.foreign.domid, &seg[i].dest.foreign.offset, type == 2 ? off2 : off1, b,
                      sizeof b);
            seg[i].dest.foreign.ref = dst[i].ref;
            seg[i].flags |= GNTCOPY_dest_gref;
        } else {
            seg[i].dest.virt = lbuf + off2;
            snprintf(b, sizeof b, "local+%u", off2);
        }
        snprintf(desc[i], sizeof desc[i], "%s->%s len %u", a, b, len);
    }
    errno = 0;
    int rc = xengnttab_grant_copy(gt[h], n, seg);
    int e = errno;
    char line[1024];
    int k = snprintf(line, sizeof line, "grant_copy(gt%d, %d, [", h, n);
    for (int i = 0; i < n; i++) k += snprintf(line + k, sizeof line - k, "%s%s", desc[i], i + 1 < n ? "; " : "");
    k += snprintf(line + k, sizeof line - k, "]) -> %d/%s", rc, en(rc ? e : 0));
    if (rc == 0) {   /* statuses are undefined when the call itself fails */
        k += snprintf(line + k, sizeof line - k, " status=");
        for (int i = 0; i < n; i++) k += snprintf(line + k, sizeof line - k, "%d%s", seg[i].status, i + 1 < n ? "," : "");
    }
    /* both sides' bytes afterwards: earlier segments may have been copied even when rc is -1 */
    for (int i = 0; i < n; i++) {
        if (dst[i].s)
            snprintf(touched + strlen(touched), sizeof touched - strlen(touched), " %s=%08x", dst[i].name,
                     crc(dst[i].s->p + (size_t)dst[i].page * PG, PG));
    }
    out("%s local=%08x%s", line, crc(lbuf, sizeof lbuf), touched);
}

static void op_set_max(void)
{
    int h = pick_open((void **)gt);
    if (h < 0) return;
    uint32_t v = chance(30) ? 0 : chance(30) ? 0x7FF0 : 1 + below(4096);
    errno = 0;
    int rc = xengnttab_set_max_grants(gt[h], v);
    out("set_max_grants(gt%d, %u) -> %d/%s", h, v, rc, en(errno));
}

/* ------------------------------------------------------------------ one seed */

static void teardown(void)
{
    for (int i = 0; i < MAXOBJ; i++) {
        struct map *m = &maps[i];
        if (!m->live) continue;
        events_flush();
        errno = 0;
        int rc = xengnttab_unmap(gt[m->h], m->p, m->n);
        int e = errno;
        if (rc == 0) m->live = 0;
        out("unmap(gt%d, map#%d, %d) -> %d/%s%s", m->h, m->id, m->n, rc, en(rc ? e : 0), rc ? "" : map_gone_notice(m));
    }
    for (int i = 0; i < MAXOBJ; i++) {
        struct share *s = &shares[i];
        if (!s->live) continue;
        events_flush();
        errno = 0;
        int rc = xengntshr_unshare(gs[s->h], s->p, s->n);
        int e = errno, id = s->id;
        out("unshare(gs%d, share#%d, %d) -> %d/%s%s", s->h, id, s->n, rc, en(rc ? e : 0), rc ? "" : share_gone_notice(s));
    }
    for (int i = 0; i < NHANDLES; i++) {
        if (gt[i]) { int rc = xengnttab_close(gt[i]); gt[i] = NULL; out("gnttab_close(gt%d) -> %d", i, rc); }
        if (gs[i]) { int rc = xengntshr_close(gs[i]); gs[i] = NULL; out("gntshr_close(gs%d) -> %d", i, rc); }
    }
}

static int run_seed(uint64_t seed, int steps)
{
    prng_seed(seed);
    ncalls = 0;
    next_share_id = next_map_id = 0;
    memset(shares, 0, sizeof shares);
    memset(maps, 0, sizeof maps);
    out_plain("seed %llu begin", (unsigned long long)seed);
    int fds0 = proc_open_fds(), maps0 = proc_maps_lines();
    errno = 0;
    gt[0] = xengnttab_open(NULL, 0);
    out("gnttab_open(gt0) -> %s", pres(gt[0], errno));
    errno = 0;
    gs[0] = xengntshr_open(NULL, 0);
    out("gntshr_open(gs0) -> %s", pres(gs[0], errno));
    /* weights of the operations, in the order of the switch below */
    static const int weight[] = { 3, 16, 6, 10, 6, 8, 6, 18, 8, 5, 5, 8, 2 };
    int total = 0;
    for (unsigned i = 0; i < sizeof weight / sizeof *weight; i++) total += weight[i];
    for (int step = 0; step < steps; step++) {
        int w = below(total), op = 0;
        while (w >= weight[op]) w -= weight[op++];
        switch (op) {
        case 0: op_open_close(); break;
        case 1: op_share(0); break;
        case 2: op_share(1); break;
        case 3: op_map(MAP_ONE); break;
        case 4: op_map(MAP_REFS); break;
        case 5: op_map(MAP_DOMAIN); break;
        case 6: op_map(MAP_NOTIFY); break;
        case 7: op_unmap(); break;
        case 8: op_unshare(); break;
        case 9: op_write_share(); break;
        case 10: op_write_map(); break;
        case 11: op_copy(); break;
        default: op_set_max(); break;
        }
    }
    teardown();
    int dfds = proc_open_fds() - fds0, dmaps = proc_maps_lines() - maps0;
    out_plain("  leaks fds=%+d maps-lines=%+d%s", dfds, dmaps, dfds || dmaps ? " !BAD(leak)" : "");
    out_plain("seed %llu end calls=%d", (unsigned long long)seed, ncalls);
    return ncalls;
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: %s <first-seed> <last-seed> <steps-per-seed>\n", argv[0]); return 2; }
    unsigned long long first = strtoull(argv[1], NULL, 0), last = strtoull(argv[2], NULL, 0);
    int steps = atoi(argv[3]);
    log_capture_init();
    printf("BEGIN seqdiff\n");
    int old_limit = gntalloc_limit_read();
    if (old_limit <= 0 || gntalloc_limit_write(SEQ_LIMIT)) { printf("setup: cannot lower the gntalloc limit !BAD\n"); return 1; }
    if (events_open(dom)) { printf("setup: cannot bind the event channel pair !BAD\n"); return 1; }
    long calls = 0;
    for (unsigned long long s = first; s <= last; s++) calls += run_seed(s, steps);
    events_close();
    int restored = gntalloc_limit_write(old_limit) == 0 && gntalloc_limit_read() == old_limit;
    printf("END seqdiff seeds=%llu calls=%ld limit-restored=%s\n", last - first + 1, calls, restored ? "yes" : "no !BAD");
    return 0;
}
