/* xdom.c - two-sided grant test: one domain shares pages (gntalloc, xengntshr_*), another maps
 * and copies them (gntdev, xengnttab_*). The two processes meet only through files in a
 * directory of each one's own domain; whoever runs them (c-tests/xdom/xdom-pair.sh) relays the
 * files between the domains. In the lab's loopback both run in dom0 with peer domid 0.
 *
 * Compiled once against Debian's header and library, like gntdiff: the same binary runs with
 * Debian's libxengnttab.so.1 and with ours, and the two outputs must be byte-identical. The
 * record format is gntdiff's (../diff/gntdiff.h); each record carries its own verdict, and no
 * record shows a grant ref, port, domid or address. One line "LIB <path>" (which library the
 * dynamic linker bound xengnttab_open to) is the only run-dependent line, for the checker.
 *
 * usage: xdom share <peer-domid> <dir>
 *        xdom map <sharer-domid> <dir> <tokens of <sharer-dir>/refs...>
 * env:   XDOM_WAIT  seconds each wait for the peer's file may take (default 120)
 *
 * The files, each created only by the side named (the relay copies the 4 marked ones across):
 *   sharer dir  refs (sharer, relayed as the mapper's arguments), verify (relay: the mapper wrote
 *               <mapper-dir>/mapped), unshared (sharer), finish (relay: the mapper has exited)
 *   mapper dir  mapped (mapper), peer-unshared (relay: the sharer wrote <sharer-dir>/unshared)
 * refs is ONE line of key=value tokens: single=R batch=R,R,R,R,R,R,R,R ro=R sn=R mn=R wrong=R
 * snport=P mnport=P (the sharer's own domid is not in it: the mapper gets it as argument).
 *
 * Sharer phase 1: share a writable page (single), 8 pages (batch), a read-only page (ro), a page
 * with unmap notify on the sharer's side (sn: byte SN_OFF + port snport, bound unbound for the
 * peer), a page the mapper maps with its own unmap notify (mn: byte MN_OFF + port mnport, bound
 * unbound for the peer), a page shared to a domid that is not the peer (wrong); fill patterns;
 * write refs; wait for verify. Phase 2: check what the mapper wrote (through its mappings and by
 * grant copy), that mn's byte was cleared and its event arrived; unshare sn; write unshared; wait
 * for finish; unshare the rest.
 * Mapper phase 1: map (single, batch both ways, read-only), the refused maps, grant copy both
 * ways and with a bad ref, map mn with notify and unmap it, bind snport and map sn; write mapped;
 * wait for peer-unshared. Phase 2: sn's byte cleared in its mapping and the event arrived; unmap.
 * Every wait is bounded: a missing peer gives a [BAD] record and the program goes on to its end.
 * Exit status 0 once "END xdom <role>" is printed (whatever the verdicts), 1 if it stopped early,
 * 2 for bad usage. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include "../diff/gntdiff.h"

#define PG 4096
#define RW (PROT_READ | PROT_WRITE)
#define NB 8                   /* pages in the batch */
#define SN_OFF 321             /* the sharer's notify byte in page sn */
#define MN_OFF 1234            /* the mapper's notify byte in page mn */
#define FILL_SN 0x3C
#define FILL_MN 0x5A
#define BADREF 99999u          /* beyond any lab domain's grant table */
/* The "wrong" page is granted to a domid that is never the mapper's, whatever the pair: the
 * highest ordinary domid (DOMID_FIRST_RESERVED - 1). Xen hands domids out upwards from 1, so a
 * lab of a few domains never has it, and it is neither the peer in loopback (0) nor across
 * domains (unlike peer+1, which is the sharer itself when a guest shares to dom0, or an existing
 * second guest). gntalloc grants to any domid; Xen refuses the map and the copy because the
 * grant's domid is not the mapping domain's, privileged dom0 included. */
#define WRONGDOM 0x7FEF
#define EVENT_MS 5000
enum { SEED_SINGLE = 1, SEED_BATCH = 10, SEED_RO = 30, SEED_WRONG = 40,
       SEED_REPLY_MAP = 101, SEED_REPLY_COPY = 102, SEED_REPLY_BATCH = 110 };

static const char *dir;
static int wait_s = 120;

/* ------------------------------------------------------------------------------- helpers */
/* byte `i` of a page's pattern: regions keep their page offset, so p[k] = pat(from + k) */
static uint8_t pat(size_t i, int seed) { return (uint8_t)(i * 151 + seed * 13 + 1); }
static void fill(uint8_t *p, size_t from, size_t n, int seed)
{
    for (size_t k = 0; k < n; k++) p[k] = pat(from + k, seed);
}
static int check(const uint8_t *p, size_t from, size_t n, int seed)
{
    if (!p) return 0;
    for (size_t k = 0; k < n; k++) if (p[k] != pat(from + k, seed)) return 0;
    return 1;
}
static int all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
    if (!p) return 0;
    for (size_t k = 0; k < n; k++) if (p[k] != b) return 0;
    return 1;
}
static const char *ys(int b) { return b ? "yes" : "no"; }
static const char *port_res(int p, int e) { return p >= 0 ? "ok" : pres(NULL, e); }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
static const char *at(const char *name)
{
    static char b[4][512];
    static int k;
    char *p = b[k++ & 3];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}
/* writes <dir>/<name> atomically (temp file + rename): the reader sees all of it or nothing */
static int put(const char *name, const char *text)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", at(name));
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : rename(tmp, at(name));
}
/* 1 once <dir>/<name> exists, 0 after wait_s seconds */
static int await_file(const char *name)
{
    double end = now() + wait_s;
    while (access(at(name), F_OK) != 0) {
        if (now() > end) return 0;
        usleep(50000);
    }
    return 1;
}
/* 1: an event on port `want` arrived within ms; 0: nothing; -1: only other ports fired */
static int await_event(xenevtchn_handle *h, int want, int ms)
{
    int other = 0;
    double end = now() + ms / 1000.0;
    for (;;) {
        int left = (int)((end - now()) * 1000);
        struct pollfd pfd = { .fd = xenevtchn_fd(h), .events = POLLIN };
        if (left <= 0 || poll(&pfd, 1, left) <= 0) return other ? -1 : 0;
        int p = xenevtchn_pending(h);
        if (p < 0) return other ? -1 : 0;
        xenevtchn_unmask(h, p);
        if (p == want) return 1;
        other = 1;
    }
}
static const char *evs(int r) { return r == 1 ? "event" : r == 0 ? "no-event" : "other-port-only"; }

/* which library the dynamic linker bound xengnttab_open to: compared by the checker with the
 * run's configuration, never between runs */
static void print_lib(void)
{
    Dl_info di;
    printf("LIB %s\n", dladdr((void *)xengnttab_open, &di) && di.dli_fname ? di.dli_fname : "(unknown)");
}
static int begin(const char *role)
{
    printf("BEGIN xdom %s\n", role);
    print_lib();
    if (mkdir(dir, 0755) && errno != EEXIST) {
        rec(role[0] == 's' ? "s.dir" : "m.dir", 0, "cannot create the directory", "mkdir=%s", en(errno));
        return -1;
    }
    return 0;
}
static int end(const char *role, int rc)
{
    printf("END xdom %s%s\n", role, rc ? " (stopped early)" : "");
    return rc;
}

/* opens the event channel handle and records the opening of both handles (`h`, the grant
 * handle, came back with errno e) */
static xenevtchn_handle *open_evtchn(const char *id, const char *name, const void *h, int e)
{
    errno = 0;
    xenevtchn_handle *eh = xenevtchn_open(NULL, 0);
    rec(id, h && eh, "open failed", "%s=%s evtchn=%s", name, pres(h, e), pres(eh, errno));
    return eh;
}
/* binds the two ports: left unbound for domain `dom` (remote == NULL), or connected to the
 * ports `remote` of domain `dom` */
static void bind_two(const char *id, xenevtchn_handle *eh, uint32_t dom, const int *remote, int *port)
{
    int e[2];
    for (int i = 0; i < 2; i++) {
        errno = 0;
        port[i] = remote ? xenevtchn_bind_interdomain(eh, dom, remote[i]) : xenevtchn_bind_unbound_port(eh, dom);
        e[i] = errno;
    }
    rec(id, port[0] >= 0 && port[1] >= 0 && port[0] != port[1], NULL, "%s: %s,%s distinct=%s",
        remote ? "the sharer's 2 ports" : "2 ports for the peer", port_res(port[0], e[0]), port_res(port[1], e[1]),
        ys(port[0] != port[1]));
}

/* ------------------------------------------------------------------------------- sharer */
static xengntshr_handle *gs;

/* share n pages with dom; the record's verdict: the share worked and came back zeroed */
static uint8_t *share(const char *id, uint32_t dom, int n, uint32_t *refs, int writable)
{
    errno = 0;
    uint8_t *p = xengntshr_share_pages(gs, dom, n, refs, writable);
    int e = errno, z = all_bytes(p, (size_t)n * PG, 0);
    int dist = 1;
    for (int i = 0; p && i < n; i++) for (int j = i + 1; j < n; j++) if (refs[i] == refs[j]) dist = 0;
    rec(id, p && z && dist, NULL, "share_pages(%d, writable=%d)=%s zeroed=%s refs-distinct=%s", n, writable,
        pres(p, e), ys(z), ys(p && dist));
    return p;
}
static const char *ures(int r) { return r == -2 ? "none" : r == 0 ? "0" : "-1"; }
static int unshare(uint8_t **p, int n)
{
    if (!*p) return -2;
    int r = xengntshr_unshare(gs, *p, n);
    *p = NULL;
    return r;
}

static int do_share(uint32_t peer)
{
    if (begin("share")) return end("share", 1);
    static const char *stale[] = { "refs", "verify", "unshared", "finish" };
    for (unsigned i = 0; i < sizeof stale / sizeof *stale; i++) unlink(at(stale[i]));
    errno = 0;
    gs = xengntshr_open(NULL, 0);
    xenevtchn_handle *eh = open_evtchn("s.open", "gntshr", gs, errno);
    if (!gs || !eh) return end("share", 1);
    /* two ports left unbound for the peer: sn's (the sharer notifies) and mn's (the mapper does) */
    int port[2];
    bind_two("s.evtchn.bind-unbound", eh, peer, NULL, port);
    int psn = port[0], pmn = port[1];

    uint32_t r1, rb[NB], rro, rsn = 0, rmn, rwd;
    uint8_t *s1 = share("s.share.single", peer, 1, &r1, 1);
    uint8_t *sb = share("s.share.batch", peer, NB, rb, 1);
    uint8_t *sro = share("s.share.ro", peer, 1, &rro, 0);
    uint8_t *ssn = NULL;
    errno = 0;
    if (psn >= 0) ssn = xengntshr_share_page_notify(gs, peer, &rsn, 1, SN_OFF, psn);
    int e1 = errno;
    rec("s.share.sharer-notify", ssn && all_bytes(ssn, PG, 0), NULL, "share_page_notify(writable, byte, port)=%s zeroed=%s",
        psn >= 0 ? pres(ssn, e1) : "not-tried(no port)", ys(all_bytes(ssn, PG, 0)));
    uint8_t *smn = share("s.share.mapper-notify", peer, 1, &rmn, 1);
    uint8_t *swd = share("s.share.wrong-domid", WRONGDOM, 1, &rwd, 1);
    if (s1) fill(s1, 0, PG, SEED_SINGLE);
    for (int i = 0; sb && i < NB; i++) fill(sb + (size_t)i * PG, 0, PG, SEED_BATCH + i);
    if (sro) fill(sro, 0, PG, SEED_RO);
    if (ssn) memset(ssn, FILL_SN, PG);
    if (smn) memset(smn, FILL_MN, PG);
    if (swd) fill(swd, 0, PG, SEED_WRONG);

    int complete = s1 && sb && sro && ssn && smn && swd && pmn >= 0;
    char line[512];
    if (complete)
        snprintf(line, sizeof line, "single=%u batch=%u,%u,%u,%u,%u,%u,%u,%u ro=%u sn=%u mn=%u wrong=%u snport=%d mnport=%d\n",
                 r1, rb[0], rb[1], rb[2], rb[3], rb[4], rb[5], rb[6], rb[7], rro, rsn, rmn, rwd, psn, pmn);
    else
        snprintf(line, sizeof line, "setup-failed\n");   /* the mapper reports it and stops */
    int pr = put("refs", line);
    rec("s.refs.written", complete && pr == 0, complete ? "cannot write <dir>/refs" : "a share failed",
        "refs=%s", pr ? "write-failed" : complete ? "written" : "setup-failed");

    int verified = 0;
    if (complete) {
        verified = await_file("verify");
        rec("s.wait.verify", verified, "the mapper never answered", "verify %s", verified ? "arrived" : "missing");
    }
    if (verified) {
        /* what the mapper wrote: single's first half through its mapping, the second half by grant
         * copy; each batch page through one of its two mappings; ro and wrong must be untouched */
        int hm = check(s1, 0, PG / 2, SEED_REPLY_MAP), hc = check(s1 + PG / 2, PG / 2, PG / 2, SEED_REPLY_COPY);
        rec("s.single.reply", hm && hc, NULL, "first half written through the mapping=%s second half by grant copy=%s",
            ys(hm), ys(hc));
        int nb = 0;
        for (int i = 0; i < NB; i++) nb += check(sb + (size_t)i * PG, 0, PG, SEED_REPLY_BATCH + i);
        rec("s.batch.reply", nb == NB, NULL, "pages holding the mapper's reply=%d/%d", nb, NB);
        rec("s.ro.unchanged", check(sro, 0, PG, SEED_RO), "the mapper could write a read-only grant",
            "read-only page unchanged=%s", ys(check(sro, 0, PG, SEED_RO)));
        rec("s.wrong-domid.unchanged", check(swd, 0, PG, SEED_WRONG), NULL, "page unchanged=%s",
            ys(check(swd, 0, PG, SEED_WRONG)));
        int ev = await_event(eh, pmn, EVENT_MS);
        int cl = smn[MN_OFF] == 0, nk = smn[MN_OFF - 1] == FILL_MN && smn[MN_OFF + 1] == FILL_MN;
        rec("s.mapper-notify.seen", cl && nk && ev == 1, "the mapper's unmap must clear the byte and send the event",
            "byte-cleared=%s neighbours-kept=%s %s", ys(cl), ys(nk), evs(ev));
        /* now the sharer's own notify: unsharing sn clears its byte in the mapper's view */
        int ur = unshare(&ssn, 1);
        int pu = put("unshared", "");
        rec("s.sharer-notify.unshare", ur == 0 && pu == 0, NULL, "unshare=%d unshared=%s", ur, pu ? "write-failed" : "written");
        int fin = await_file("finish");
        rec("s.wait.finish", fin, "the mapper never finished", "finish %s", fin ? "arrived" : "missing");
    }
    /* sn is gone already when phase 2 ran; -2 (shown as "none") is a page that was never shared */
    int u[6] = { unshare(&s1, 1), unshare(&sb, NB), unshare(&sro, 1), unshare(&ssn, 1), unshare(&smn, 1), unshare(&swd, 1) };
    int uok = 1;
    for (int i = 0; i < 6; i++) uok &= u[i] == 0 || u[i] == -2;
    rec("s.unshare", uok, NULL, "single=%s batch=%s ro=%s sharer-notify=%s mapper-notify=%s wrong-domid=%s", ures(u[0]),
        ures(u[1]), ures(u[2]), ures(u[3]), ures(u[4]), ures(u[5]));
    int c1 = xengntshr_close(gs), c2 = xenevtchn_close(eh);
    rec("s.close", c1 == 0 && c2 == 0, NULL, "gntshr=%d evtchn=%d", c1, c2);
    return end("share", 0);
}

/* ------------------------------------------------------------------------------- mapper */
static xengnttab_handle *gt;
static uint32_t sdom;

struct refs { uint32_t single, batch[NB], ro, sn, mn, wrong; int snport, mnport; };

/* parses the tokens of the sharer's refs line; 1 if every key came exactly once */
static int parse_refs(int n, char **tok, struct refs *t)
{
    static const char *keys[] = { "single", "batch", "ro", "sn", "mn", "wrong", "snport", "mnport" };
    unsigned seen = 0;
    for (int i = 0; i < n; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq) return 0;
        unsigned k;
        for (k = 0; k < 8; k++) if ((size_t)(eq - tok[i]) == strlen(keys[k]) && !strncmp(tok[i], keys[k], eq - tok[i])) break;
        if (k == 8 || seen & (1u << k)) return 0;
        seen |= 1u << k;
        char *s = eq + 1, *e;
        int cnt = k == 1 ? NB : 1;
        for (int j = 0; j < cnt; j++) {
            errno = 0;
            unsigned long v = strtoul(s, &e, 10);
            if (errno || e == s || v > 0xFFFFFFFFul || *e != (j == cnt - 1 ? 0 : ',')) return 0;
            s = e + 1;
            switch (k) {
            case 0: t->single = v; break;
            case 1: t->batch[j] = v; break;
            case 2: t->ro = v; break;
            case 3: t->sn = v; break;
            case 4: t->mn = v; break;
            case 5: t->wrong = v; break;
            case 6: t->snport = (int)v; break;
            case 7: t->mnport = (int)v; break;
            }
        }
    }
    return seen == 0xFF;
}

static int copy(int n, xengnttab_grant_copy_segment_t *seg, char *st, size_t stlen)
{
    errno = 0;
    int r = xengnttab_grant_copy(gt, n, seg);
    int e = errno;
    size_t o = 0;
    st[0] = 0;
    for (int i = 0; i < n && o < stlen; i++) o += snprintf(st + o, stlen - o, "%s%d", i ? "," : "", seg[i].status);
    errno = e;
    return r;
}
static void seg_from(xengnttab_grant_copy_segment_t *s, uint32_t ref, uint16_t off, void *dst, uint16_t len)
{
    memset(s, 0, sizeof *s);
    s->source.foreign.ref = ref; s->source.foreign.offset = off; s->source.foreign.domid = sdom;
    s->dest.virt = dst; s->len = len; s->flags = GNTCOPY_source_gref;
}
static void seg_to(xengnttab_grant_copy_segment_t *s, void *src, uint32_t ref, uint16_t off, uint16_t len)
{
    memset(s, 0, sizeof *s);
    s->source.virt = src;
    s->dest.foreign.ref = ref; s->dest.foreign.offset = off; s->dest.foreign.domid = sdom;
    s->len = len; s->flags = GNTCOPY_dest_gref;
}
static int unmap(void *p, int n) { return p ? xengnttab_unmap(gt, p, n) : -2; }

static int do_map(int ntok, char **tok)
{
    if (begin("map")) return end("map", 1);
    unlink(at("mapped"));
    unlink(at("peer-unshared"));
    struct refs t;
    int ok = parse_refs(ntok, tok, &t);
    rec("m.args", ok, "the sharer's refs line is incomplete", "tokens=%d complete=%s", ntok, ys(ok));
    if (!ok) return end("map", 1);
    errno = 0;
    gt = xengnttab_open(NULL, 0);
    xenevtchn_handle *eh = open_evtchn("m.open", "gnttab", gt, errno);
    if (!gt || !eh) return end("map", 1);
    int remote[2] = { t.snport, t.mnport }, port[2];
    bind_two("m.evtchn.bind-interdomain", eh, sdom, remote, port);
    int psn = port[0], pmn = port[1];

    /* single page, read-write */
    errno = 0;
    uint8_t *m1 = xengnttab_map_grant_ref(gt, sdom, t.single, RW);
    rec("m.single.map", m1 && check(m1, 0, PG, SEED_SINGLE), NULL, "map_grant_ref(RW)=%s data=%s", pres(m1, errno),
        ys(check(m1, 0, PG, SEED_SINGLE)));

    /* batch: per-ref domids with the refs reversed (page i is batch page 7-i), and one domain */
    uint32_t doms[NB], rev[NB];
    for (int i = 0; i < NB; i++) { doms[i] = sdom; rev[i] = t.batch[NB - 1 - i]; }
    errno = 0;
    uint8_t *mr = xengnttab_map_grant_refs(gt, NB, doms, rev, RW);
    int e = errno, np = 0;
    for (int i = 0; mr && i < NB; i++) np += check(mr + (size_t)i * PG, 0, PG, SEED_BATCH + NB - 1 - i);
    rec("m.batch.map-grant-refs", np == NB, NULL, "map_grant_refs(8, per-ref domids, refs reversed, RW)=%s pages-in-order=%d/%d",
        pres(mr, e), np, NB);
    errno = 0;
    uint8_t *md = xengnttab_map_domain_grant_refs(gt, NB, sdom, t.batch, RW);
    e = errno, np = 0;
    for (int i = 0; md && i < NB; i++) np += check(md + (size_t)i * PG, 0, PG, SEED_BATCH + i);
    rec("m.batch.map-domain-grant-refs", np == NB, NULL, "map_domain_grant_refs(8, RW)=%s pages-in-order=%d/%d",
        pres(md, e), np, NB);

    /* read-only grant: PROT_READ maps, a write faults, any writable map is refused */
    errno = 0;
    uint8_t *mro = xengnttab_map_grant_ref(gt, sdom, t.ro, PROT_READ);
    rec("m.ro.map", mro && check(mro, 0, PG, SEED_RO), NULL, "map_grant_ref(PROT_READ)=%s data=%s", pres(mro, errno),
        ys(check(mro, 0, PG, SEED_RO)));
    if (mro) {
        int f = try_write(mro + 10, 0x77);
        rec("m.ro.write-faults", f == SEGV_ACCERR && check(mro, 0, PG, SEED_RO),
            "a write to a read-only grant mapping must fault", "write=%s page-unchanged=%s", segv_name(f),
            ys(check(mro, 0, PG, SEED_RO)));
    } else rec("m.ro.write-faults", 0, "no mapping", "not-tried");
    errno = 0;
    void *x = xengnttab_map_grant_ref(gt, sdom, t.ro, RW);
    e = errno;
    errno = 0;
    void *y = xengnttab_map_grant_ref(gt, sdom, t.ro, PROT_WRITE);
    rec("m.ro.map-writable-refused", !x && e == EINVAL && !y && errno == EINVAL,
        "Xen refuses a writable map of a read-only grant (EINVAL at mmap)", "map RW=%s map PROT_WRITE=%s", pres(x, e),
        pres(y, errno));
    unmap(x, 1);
    unmap(y, 1);

    /* the grant made out to another domain: neither map nor copy */
    errno = 0;
    x = xengnttab_map_grant_ref(gt, sdom, t.wrong, PROT_READ);
    rec("m.wrong-domid.map-refused", !x && errno == EINVAL, "the grant is for another domain", "map_grant_ref(PROT_READ)=%s",
        pres(x, errno));
    unmap(x, 1);

    uint8_t *buf = aligned_alloc(PG, 6 * PG);
    memset(buf, 0, 6 * PG);
    xengnttab_grant_copy_segment_t seg[3];
    char st[64];
    seg_from(&seg[0], t.wrong, 0, buf, 64);
    int r = copy(1, seg, st, sizeof st);
    rec("m.wrong-domid.copy-refused", r == 0 && seg[0].status != GNTST_okay && all_bytes(buf, 64, 0), NULL,
        "grant_copy(source_gref)=%d status=%s", r, st);

    /* grant copy from the sharer's grants into local buffers that cross page boundaries */
    seg_from(&seg[0], t.single, 0, buf + PG / 2, PG);
    seg_from(&seg[1], t.batch[3], 100, buf + 2 * PG - 300, 1000);
    seg_from(&seg[2], t.ro, 0, buf + 3 * PG + 7, PG);
    r = copy(3, seg, st, sizeof st);
    int data = check(buf + PG / 2, 0, PG, SEED_SINGLE) && check(buf + 2 * PG - 300, 100, 1000, SEED_BATCH + 3) &&
               check(buf + 3 * PG + 7, 0, PG, SEED_RO);
    rec("m.copy.from-sharer", r == 0 && !strcmp(st, "0,0,0") && data, NULL,
        "grant_copy(3 segs: single, batch page 3 at 100, ro; source_gref)=%d status=%s data=%s", r, st, ys(data));

    /* replies: single's first half through the mapping; batch pages 0-3 through the domain map
     * and 4-7 through the reversed per-ref map; each must show in the other mapping */
    if (m1) fill(m1, 0, PG / 2, SEED_REPLY_MAP);
    for (int j = 0; md && mr && j < NB; j++)
        fill((j < NB / 2 ? md + (size_t)j * PG : mr + (size_t)(NB - 1 - j) * PG), 0, PG, SEED_REPLY_BATCH + j);
    np = 0;
    for (int j = 0; md && mr && j < NB; j++)
        np += check(md + (size_t)j * PG, 0, PG, SEED_REPLY_BATCH + j) &&
              check(mr + (size_t)(NB - 1 - j) * PG, 0, PG, SEED_REPLY_BATCH + j);
    rec("m.batch.reply", np == NB, NULL, "pages written through one mapping and seen in the other=%d/%d", np, NB);

    /* grant copy into the sharer's grants: single's second half (seen in our own mapping), and
     * the read-only grant, which Xen must refuse */
    fill(buf + PG - 1000, PG / 2, PG / 2, SEED_REPLY_COPY);
    memset(buf + 4 * PG, 0xEE, 64);
    seg_to(&seg[0], buf + PG - 1000, t.single, PG / 2, PG / 2);
    seg_to(&seg[1], buf + 4 * PG, t.ro, 0, 64);
    r = copy(2, seg, st, sizeof st);
    int seen = check(m1 ? m1 + PG / 2 : NULL, PG / 2, PG / 2, SEED_REPLY_COPY);
    rec("m.copy.to-sharer", r == 0 && seg[0].status == GNTST_okay && seg[1].status != GNTST_okay && seen &&
        check(mro, 0, PG, SEED_RO), NULL,
        "grant_copy(2 segs: single second half, ro; dest_gref)=%d status=%s seen-through-map=%s ro-unchanged=%s", r, st,
        ys(seen), ys(check(mro, 0, PG, SEED_RO)));

    /* a bad ref fails its own segment only */
    seg_from(&seg[0], BADREF, 0, buf + 5 * PG, 16);
    seg_from(&seg[1], t.single, 0, buf + 5 * PG + 64, 16);
    r = copy(2, seg, st, sizeof st);
    rec("m.copy.bad-ref", r == 0 && seg[0].status == GNTST_bad_gntref && seg[1].status == GNTST_okay &&
        check(buf + 5 * PG + 64, 0, 16, SEED_REPLY_MAP), NULL, "grant_copy(bad ref, good ref)=%d status=%s", r, st);
    free(buf);

    /* our own unmap notify on mn: the sharer checks the byte and the event in its phase 2 */
    errno = 0;
    uint8_t *mn = pmn >= 0 ? xengnttab_map_grant_ref_notify(gt, sdom, t.mn, RW, MN_OFF, pmn) : NULL;
    e = errno;
    int before = mn && all_bytes(mn, PG, FILL_MN);
    int ur = unmap(mn, 1);
    rec("m.mapper-notify.map-unmap", mn && before && ur == 0, NULL, "map_grant_ref_notify(RW, byte, port)=%s data=%s unmap=%d",
        pmn >= 0 ? pres(mn, e) : "not-tried(no port)", ys(before), ur);

    /* the sharer's notify page, read-only: its byte must be cleared when the sharer unshares */
    errno = 0;
    uint8_t *msn = xengnttab_map_grant_ref(gt, sdom, t.sn, PROT_READ);
    rec("m.sharer-notify.map", msn && all_bytes(msn, PG, FILL_SN), NULL, "map_grant_ref(PROT_READ)=%s data=%s",
        pres(msn, errno), ys(all_bytes(msn, PG, FILL_SN)));
    int pm = put("mapped", "");
    rec("m.mapped.written", pm == 0, NULL, "mapped=%s", pm ? "write-failed" : "written");

    int un = await_file("peer-unshared");
    rec("m.wait.peer-unshared", un, "the sharer never unshared", "peer-unshared %s", un ? "arrived" : "missing");
    if (un) {
        int ev = psn >= 0 ? await_event(eh, psn, EVENT_MS) : 0;
        int cl = msn && msn[SN_OFF] == 0, nk = msn && msn[SN_OFF - 1] == FILL_SN && msn[SN_OFF + 1] == FILL_SN;
        rec("m.sharer-notify.seen", cl && nk && ev == 1, "the sharer's unshare must clear the byte and send the event",
            "byte-cleared=%s neighbours-kept=%s %s", ys(cl), ys(nk), evs(ev));
    }
    int u1 = unmap(m1, 1), ur1 = unmap(mr, NB), ud = unmap(md, NB), uro = unmap(mro, 1), usn = unmap(msn, 1);
    rec("m.unmap", u1 == 0 && ur1 == 0 && ud == 0 && uro == 0 && usn == 0, NULL,
        "single=%d batch=%d,%d ro=%d sharer-notify=%d", u1, ur1, ud, uro, usn);
    int c1 = xengnttab_close(gt), c2 = xenevtchn_close(eh);
    rec("m.close", c1 == 0 && c2 == 0, NULL, "gnttab=%d evtchn=%d", c1, c2);
    return end("map", 0);
}

static int usage(void)
{
    fprintf(stdout, "usage: xdom share <peer-domid> <dir>\n"
                    "       xdom map <sharer-domid> <dir> <tokens of the sharer's refs file...>\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 4) return usage();
    char *e;
    unsigned long d = strtoul(argv[2], &e, 10);
    if (*e || e == argv[2] || d > 0x7FEF) return usage();
    const char *w = getenv("XDOM_WAIT");
    if (w && atoi(w) > 0) wait_s = atoi(w);
    dir = argv[3];
    log_capture_init();
    if (!strcmp(argv[1], "share") && argc == 4) return do_share((uint32_t)d);
    if (!strcmp(argv[1], "map")) { sdom = (uint32_t)d; return do_map(argc - 4, argv + 4); }
    return usage();
}
