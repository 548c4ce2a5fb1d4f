/* fakegnt.c - an LD_PRELOAD stand-in for /dev/xen/gntdev and /dev/xen/gntalloc, for counting
 * the library's own instructions on a machine without Xen (c-tests/bench/instr-host) and for
 * the region tests (c-tests/regions), which drive its hooks.
 *
 * It replaces libc's open, close, ioctl, mmap and munmap for those two paths only: MAP_GRANT_REF
 * and ALLOC_GREF hand out indexes (ALLOC_GREF refuses more than gntalloc's default limit of
 * 1024 pages with ENOSPC, as the kernel), mmap of a device gives anonymous memory,
 * GET_OFFSET_FOR_VADDR finds the map (until it is munmapped, as the kernel's find_vma),
 * GRANT_COPY copies from the first shared region (gntbench's page pool), DMABUF_EXP_FROM_REFS
 * hands out a duplicate fd and remembers the first ref it was given. Both libraries then run
 * exactly their real code paths above libc: the per-row instructions of the libraries
 * themselves equal those of the lab's callgrind pass on real Xen (compat/lab/suites/bench/
 * 15-instr.*); only the system-call wrappers are this shim's instead of libc's. Not a Xen
 * emulation: no grant semantics, no checks beyond what its users need.
 *
 * With FAKEGNT_PASSTHROUGH=1 in the environment nothing is faked: the real devices are used
 * (the lab, on real Xen) and only the hooks below act.
 *
 * Hooks, for test programs (resolved with dlsym, c-tests/regions/common.c); each acts once:
 *   fakegnt_mmap_at(addr)          the next mmap of a device goes at addr (MAP_FIXED_NOREPLACE),
 *                                  or where it would have gone if addr is taken
 *   fakegnt_park_get_offset()      the next thread whose GET_OFFSET_FOR_VADDR returns waits
 *                                  there, its result in hand, until fakegnt_unpark()
 *   fakegnt_wait_parked(ms)        1 once a thread is parked, 0 after ms milliseconds
 *   fakegnt_unpark()               lets it go on
 *   fakegnt_fail_munmap(addr, e)   the next munmap starting at addr fails with errno e and
 *                                  unmaps nothing
 *   fakegnt_exp_first_ref()        the first ref of the last faked DMABUF_EXP_FROM_REFS
 * Calls are not serialised beyond that: the test programs run one call at a time, apart from
 * the parked thread, which holds only its ioctl's result. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/sys/gntdev.h>
#include <xen/sys/gntalloc.h>
#ifndef GNTCOPY_source_gref
#define GNTCOPY_source_gref 1
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define GNTALLOC_LIMIT 1024
static int kind[1024];                 /* fd -> 1 gntdev, 2 gntalloc */
struct mapping { uint64_t index; uint32_t count; void *addr; };
static struct mapping maps[4096];
static uint64_t next_index = 0x10000;
static uint8_t *pool; static int pool_set;
static int passthrough = -1;           /* FAKEGNT_PASSTHROUGH=1: the real devices */
static void *mmap_at;                  /* hooks */
static int park_armed, parked, unparked;
static void *fail_munmap_at; static int fail_munmap_errno;
static uint32_t exp_first_ref;
void fakegnt_mmap_at(void *addr) { mmap_at = addr; }
void fakegnt_park_get_offset(void) { __atomic_store_n(&parked, 0, __ATOMIC_SEQ_CST); __atomic_store_n(&unparked, 0, __ATOMIC_SEQ_CST); __atomic_store_n(&park_armed, 1, __ATOMIC_SEQ_CST); }
void fakegnt_unpark(void) { __atomic_store_n(&unparked, 1, __ATOMIC_SEQ_CST); }
void fakegnt_fail_munmap(void *addr, int e) { fail_munmap_at = addr; fail_munmap_errno = e; }
uint32_t fakegnt_exp_first_ref(void) { return exp_first_ref; }
static void sleep_ms(void) { struct timespec t = { 0, 1000000 }; nanosleep(&t, 0); }
int fakegnt_wait_parked(int ms)
{
    for (int i = 0; i < ms; i++) { if (__atomic_load_n(&parked, __ATOMIC_SEQ_CST)) return 1; sleep_ms(); }
    return __atomic_load_n(&parked, __ATOMIC_SEQ_CST);
}
/* After a GET_OFFSET_FOR_VADDR has its result: park here if asked (once). */
static void maybe_park(void)
{
    if (!__atomic_exchange_n(&park_armed, 0, __ATOMIC_SEQ_CST)) return;
    __atomic_store_n(&parked, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&unparked, __ATOMIC_SEQ_CST)) sleep_ms();
}
static int faking(void)
{
    if (passthrough < 0) { const char *p = getenv("FAKEGNT_PASSTHROUGH"); passthrough = p && !strcmp(p, "1"); }
    return !passthrough;
}
int open(const char *p, int flags, ...)
{
    static int (*real)(const char *, int, ...);
    if (!real) real = dlsym(RTLD_NEXT, "open");
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    int k = !strcmp(p, "/dev/xen/gntdev") ? 1 : !strcmp(p, "/dev/xen/gntalloc") ? 2 : 0;
    if (!k) return real(p, flags, mode);
    int fd = faking() ? real("/dev/null", O_RDWR) : real(p, flags, mode);
    if (fd >= 0 && fd < 1024) kind[fd] = k;
    return fd;
}
int open64(const char *p, int flags, ...) { va_list ap; va_start(ap, flags); int m = va_arg(ap, int); va_end(ap); return open(p, flags, m); }
int close(int fd)
{
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < 1024) kind[fd] = 0;
    return real(fd);
}
static struct mapping *by_index(uint64_t index) { for (int i = 0; i < 4096; i++) if (maps[i].count && maps[i].index == index) return &maps[i]; return 0; }
static struct mapping *slot(void) { for (int i = 0; i < 4096; i++) if (!maps[i].count) return &maps[i]; return 0; }
int ioctl(int fd, unsigned long req, ...)
{
    static int (*real)(int, unsigned long, ...);
    if (!real) real = dlsym(RTLD_NEXT, "ioctl");
    va_list ap; va_start(ap, req); void *arg = va_arg(ap, void *); va_end(ap);
    if (fd < 0 || fd >= 1024 || !kind[fd]) return real(fd, req, arg);
    if (!faking()) {
        int rc = real(fd, req, arg);
        if (req == IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR) { int e = errno; maybe_park(); errno = e; }
        return rc;
    }
    switch (req) {
    case IOCTL_GNTDEV_MAP_GRANT_REF: { struct ioctl_gntdev_map_grant_ref *m = arg; struct mapping *s = slot();
        s->index = next_index; s->count = m->count; s->addr = 0; m->index = next_index; next_index += (uint64_t)m->count * 4096 + 4096; return 0; }
    case IOCTL_GNTALLOC_ALLOC_GREF: { struct ioctl_gntalloc_alloc_gref *m = arg;
        if (m->count > GNTALLOC_LIMIT) { errno = ENOSPC; return -1; }
        struct mapping *s = slot();
        s->index = next_index; s->count = m->count; s->addr = 0; m->index = next_index; next_index += (uint64_t)m->count * 4096 + 4096;
        for (uint32_t i = 0; i < m->count; i++) m->gref_ids[i] = i;
        return 0; }
    case IOCTL_GNTDEV_UNMAP_GRANT_REF: { struct ioctl_gntdev_unmap_grant_ref *m = arg; struct mapping *s = by_index(m->index);
        if (!s) { errno = EINVAL; return -1; } s->count = 0; return 0; }
    case IOCTL_GNTALLOC_DEALLOC_GREF: return 0;
    case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR: { struct ioctl_gntdev_get_offset_for_vaddr *m = arg; int rc = -1;
        for (int i = 0; i < 4096; i++) if (maps[i].count && maps[i].addr && (uint64_t)(uintptr_t)maps[i].addr <= m->vaddr && m->vaddr < (uint64_t)(uintptr_t)maps[i].addr + maps[i].count * 4096ull) {
            m->offset = maps[i].index; m->count = maps[i].count; rc = 0; break; }
        maybe_park();
        if (rc) errno = EINVAL;
        return rc; }
    case IOCTL_GNTDEV_SET_UNMAP_NOTIFY: return 0;
    case IOCTL_GNTDEV_GRANT_COPY: { struct ioctl_gntdev_grant_copy *c = arg;
        for (unsigned i = 0; i < c->count; i++) { struct ioctl_gntdev_grant_copy_segment *s = &c->segments[i];
            if (s->flags & GNTCOPY_source_gref) memcpy(s->dest.virt, pool + s->source.foreign.ref * 4096ull + s->source.foreign.offset, s->len);
            s->status = 0; } return 0; }
    case IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS: { struct ioctl_gntdev_dmabuf_exp_from_refs *m = arg;
        if (!m->count) { errno = EINVAL; return -1; }
        int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0); if (dup < 0) return -1;
        exp_first_ref = m->refs[0]; m->fd = dup; return 0; }
    default: errno = ENOTTY; return -1;
    }
}
void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "mmap");
    if (fd < 0 || fd >= 1024 || !kind[fd]) return real(a, len, prot, flags, fd, off);
    void *at = mmap_at, *p = MAP_FAILED;
    mmap_at = 0;
    if (!faking()) {
        if (at) p = real(at, len, prot, flags | MAP_FIXED_NOREPLACE, fd, off);
        return p != MAP_FAILED ? p : real(a, len, prot, flags, fd, off);
    }
    struct mapping *s = by_index((uint64_t)off);
    if (!s) { errno = EINVAL; return MAP_FAILED; }
    if (at) p = real(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) p = real(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return p;
    if (kind[fd] == 2) { if (!pool_set) { pool = p; pool_set = 1; } s->count = 0; }  /* gntalloc: dealloc'd right away */
    else s->addr = p;
    return p;
}
void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off) { return mmap(a, len, prot, flags, fd, off); }
int munmap(void *a, size_t len)
{
    static int (*real)(void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "munmap");
    if (fail_munmap_at && a == fail_munmap_at) { fail_munmap_at = 0; errno = fail_munmap_errno; return -1; }
    int rc = real(a, len);
    if (rc == 0 && passthrough != 1)   /* a gntdev map's pages are gone: the kernel's find_vma no longer finds it */
        for (int i = 0; i < 4096; i++)
            if (maps[i].count && maps[i].addr && (uintptr_t)a <= (uintptr_t)maps[i].addr && (uintptr_t)maps[i].addr < (uintptr_t)a + len) maps[i].addr = 0;
    return rc;
}
