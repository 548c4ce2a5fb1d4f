/* fakexen.c - a thread-safe LD_PRELOAD stand-in for /dev/xen/gntdev and /dev/xen/gntalloc
 * with the grant semantics c-tests/threads needs, so that threads.c and blocked.c run on a
 * machine without Xen (compat/check-tsan runs them under ThreadSanitizer against a TSan
 * build of the library).
 *
 * Every granted page is a page of one memfd (named "/dev/xen/grants", so /proc/self/maps
 * shows its mappings as /dev/xen ones and threads.c's leak check still counts them): grant
 * ref r is the page at offset r * 4096. gntalloc's ALLOC_GREF hands out consecutive refs and
 * its mmap maps their pages MAP_SHARED; gntdev's MAP_GRANT_REF records the refs and its mmap
 * maps the same pages, so a map of a shared page shows the sharer's bytes and the other way
 * round, as on Xen. GET_OFFSET_FOR_VADDR finds the map that holds an address (a munmap
 * forgets the addresses it covered, as the kernel's VMA lookup would); UNMAP_GRANT_REF drops
 * the record; GRANT_COPY reads or writes the memfd. Notify, SET_MAX_GRANTS and DEALLOC_GREF
 * succeed and do nothing else; refs are never reused.
 *
 * One mutex guards the shim's tables, and it is never held while the caller's memory is
 * touched (GRANT_COPY reads its segments, which blocked.c puts in a userfaultfd page, without
 * it), so the shim adds no lock to the calls it stands in for: blocked.c stays meaningful.
 * Not a Xen emulation: no domids, no access checks, no limits. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>
#ifndef GNTCOPY_source_gref
#define GNTCOPY_source_gref 1
#define GNTCOPY_dest_gref 2
#endif

#define PAGE 4096ull
#define MAXFD 4096
#define MAXMAPS 4096
#define MAXREFS 16

enum kind { NONE, GNTDEV, GNTALLOC };
struct record {           /* a gntdev map (refs) or a gntalloc allocation (first ref) */
    uint64_t index;
    uint32_t count;       /* 0: free slot */
    enum kind kind;
    uint32_t refs[MAXREFS];
    uintptr_t addr;       /* gntdev: where it is mapped, 0 if not (or munmapped) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum kind kinds[MAXFD];
static struct record records[MAXMAPS];
static uint64_t next_index = 0x10000;
static uint32_t next_ref = 8;
static int grants = -1;   /* the memfd */

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);

/* libc's functions, looked up on first use: the sanitizer's runtime and libc call some of
 * them before this library's constructor runs. Racing lookups store the same values
 * (atomically, so that the shim has no data race of its own). */
#define REAL(name) (__atomic_load_n(&real_##name, __ATOMIC_ACQUIRE) ? real_##name : (resolve(), real_##name))
static void resolve(void)
{
    __atomic_store_n(&real_open, (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"), __ATOMIC_RELEASE);
    __atomic_store_n(&real_close, (int (*)(int))dlsym(RTLD_NEXT, "close"), __ATOMIC_RELEASE);
    __atomic_store_n(&real_ioctl, (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl"), __ATOMIC_RELEASE);
    __atomic_store_n(&real_mmap, (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap"),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&real_munmap, (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap"), __ATOMIC_RELEASE);
    if (!real_open || !real_close || !real_ioctl || !real_mmap || !real_munmap)
        abort();
}

/* Before main: the memfd's fd exists before threads.c's leak check takes its first count. */
__attribute__((constructor)) static void init(void)
{
    resolve();
    grants = memfd_create("/dev/xen/grants", MFD_CLOEXEC);
    if (grants < 0)
        abort();
}

static enum kind kind_of(int fd)
{
    enum kind k;
    if (fd < 0 || fd >= MAXFD)
        return NONE;
    pthread_mutex_lock(&lock);
    k = kinds[fd];
    pthread_mutex_unlock(&lock);
    return k;
}

static struct record *find(uint64_t index, enum kind kind)
{
    for (int i = 0; i < MAXMAPS; i++)
        if (records[i].count && records[i].index == index && records[i].kind == kind)
            return &records[i];
    return NULL;
}

/* a free record with a fresh index for count pages, or NULL (ENOMEM); under the lock */
static struct record *new_record(enum kind kind, uint32_t count)
{
    if (count == 0 || count > MAXREFS)
        return NULL;
    for (int i = 0; i < MAXMAPS; i++)
        if (!records[i].count) {
            records[i] = (struct record){ .index = next_index, .count = count, .kind = kind };
            next_index += (count + 1) * PAGE;
            return &records[i];
        }
    return NULL;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = va_arg(ap, int);
    va_end(ap);
    enum kind k = !strcmp(path, "/dev/xen/gntdev") ? GNTDEV : !strcmp(path, "/dev/xen/gntalloc") ? GNTALLOC : NONE;
    if (k == NONE)
        return REAL(open)(path, flags, mode);
    int fd = REAL(open)("/dev/null", O_RDWR | (flags & O_CLOEXEC));
    if (fd >= MAXFD) {
        REAL(close)(fd);
        errno = EMFILE;
        return -1;
    }
    if (fd >= 0) {
        pthread_mutex_lock(&lock);
        kinds[fd] = k;
        pthread_mutex_unlock(&lock);
    }
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = va_arg(ap, int);
    va_end(ap);
    return open(path, flags, mode);
}

int close(int fd)
{
    if (fd >= 0 && fd < MAXFD) {
        pthread_mutex_lock(&lock);
        kinds[fd] = NONE;
        pthread_mutex_unlock(&lock);
    }
    return REAL(close)(fd);
}

static int fail(int e)
{
    errno = e;
    return -1;
}

static int grant_copy(struct ioctl_gntdev_grant_copy *c)
{
    /* No lock: the segments may sit in a page that blocks on first touch (blocked.c). */
    for (unsigned i = 0; i < c->count; i++) {
        struct ioctl_gntdev_grant_copy_segment *s = &c->segments[i];
        ssize_t n = s->len;
        if (s->flags & GNTCOPY_source_gref)
            n = pread(grants, s->dest.virt, s->len, s->source.foreign.ref * PAGE + s->source.foreign.offset);
        else if (s->flags & GNTCOPY_dest_gref)
            n = pwrite(grants, s->source.virt, s->len, s->dest.foreign.ref * PAGE + s->dest.foreign.offset);
        s->status = n == s->len ? 0 : -1; /* GNTST_okay, GNTST_general_error */
    }
    return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    enum kind k = kind_of(fd);
    if (k == NONE)
        return REAL(ioctl)(fd, req, arg);
    if (k == GNTDEV && req == IOCTL_GNTDEV_MAP_GRANT_REF) {
        struct ioctl_gntdev_map_grant_ref *m = arg;
        uint32_t count = m->count, refs[MAXREFS];
        if (count == 0 || count > MAXREFS)
            return fail(count ? ENOMEM : EINVAL);
        for (uint32_t i = 0; i < count; i++)
            refs[i] = m->refs[i].ref;
        pthread_mutex_lock(&lock);
        struct record *r = new_record(GNTDEV, count);
        uint64_t index = r ? r->index : 0;
        if (r)
            memcpy(r->refs, refs, count * sizeof refs[0]);
        pthread_mutex_unlock(&lock);
        if (!r)
            return fail(ENOMEM);
        m->index = index;
        return 0;
    }
    if (k == GNTDEV && req == IOCTL_GNTDEV_UNMAP_GRANT_REF) {
        struct ioctl_gntdev_unmap_grant_ref *m = arg;
        uint64_t index = m->index;
        uint32_t count = m->count;
        pthread_mutex_lock(&lock);
        struct record *r = find(index, GNTDEV);
        int ok = r && r->count == count;
        if (ok)
            r->count = 0;
        pthread_mutex_unlock(&lock);
        return ok ? 0 : fail(EINVAL);
    }
    if (k == GNTDEV && req == IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR) {
        struct ioctl_gntdev_get_offset_for_vaddr *m = arg;
        uint64_t vaddr = m->vaddr, index = 0;
        uint32_t count = 0;
        pthread_mutex_lock(&lock);
        for (int i = 0; i < MAXMAPS; i++) {
            struct record *r = &records[i];
            if (r->count && r->kind == GNTDEV && r->addr && r->addr <= vaddr && vaddr < r->addr + r->count * PAGE) {
                index = r->index;
                count = r->count;
                break;
            }
        }
        pthread_mutex_unlock(&lock);
        if (!count)
            return fail(EINVAL);
        m->offset = index;
        m->count = count;
        return 0;
    }
    if (k == GNTDEV && req == IOCTL_GNTDEV_GRANT_COPY)
        return grant_copy(arg);
    if ((k == GNTDEV && (req == IOCTL_GNTDEV_SET_UNMAP_NOTIFY || req == IOCTL_GNTDEV_SET_MAX_GRANTS)) ||
        (k == GNTALLOC && (req == IOCTL_GNTALLOC_SET_UNMAP_NOTIFY || req == IOCTL_GNTALLOC_DEALLOC_GREF)))
        return 0;
    if (k == GNTALLOC && req == IOCTL_GNTALLOC_ALLOC_GREF) {
        struct ioctl_gntalloc_alloc_gref *m = arg;
        uint32_t count = m->count, first;
        if (count == 0 || count > MAXREFS)
            return fail(count ? ENOMEM : EINVAL);
        pthread_mutex_lock(&lock);
        struct record *r = new_record(GNTALLOC, count);
        uint64_t index = r ? r->index : 0;
        first = next_ref;
        if (r) {
            for (uint32_t i = 0; i < count; i++)
                r->refs[i] = first + i;
            next_ref += count;
            if (ftruncate(grants, (off_t)(next_ref * PAGE))) {
                r->count = 0;
                r = NULL;
            }
        }
        pthread_mutex_unlock(&lock);
        if (!r)
            return fail(ENOMEM);
        m->index = index;
        for (uint32_t i = 0; i < count; i++)
            m->gref_ids[i] = first + i;
        return 0;
    }
    return fail(ENOTTY);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    enum kind k = kind_of(fd);
    if (k == NONE)
        return REAL(mmap)(addr, len, prot, flags, fd, off);
    pthread_mutex_lock(&lock);
    struct record *r = find((uint64_t)off, k);
    int ok = r && len == r->count * PAGE;
    /* unknown refs, or (not needed here) refs that are not consecutive */
    for (uint32_t i = 0; ok && i < r->count; i++)
        ok = r->refs[i] < next_ref && r->refs[i] == r->refs[0] + i;
    uint32_t first = ok ? r->refs[0] : 0;
    pthread_mutex_unlock(&lock);
    if (!ok) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    void *p = REAL(mmap)(addr, len, prot, flags | MAP_SHARED, grants, (off_t)(first * PAGE));
    if (p != MAP_FAILED && k == GNTDEV) {
        pthread_mutex_lock(&lock);
        struct record *now = find((uint64_t)off, GNTDEV);
        if (now)
            now->addr = (uintptr_t)p;
        pthread_mutex_unlock(&lock);
    }
    return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr, end = start + len;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAXMAPS; i++) {
        struct record *r = &records[i];
        if (r->count && r->kind == GNTDEV && r->addr && r->addr < end && start < r->addr + r->count * PAGE)
            r->addr = 0;
    }
    int rc = REAL(munmap)(addr, len);
    pthread_mutex_unlock(&lock);
    return rc;
}
