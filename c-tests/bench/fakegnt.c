/* fakegnt.c - an LD_PRELOAD stand-in for /dev/xen/gntdev and /dev/xen/gntalloc, for counting
 * the library's own instructions on a machine without Xen (c-tests/bench/instr-host).
 *
 * It replaces libc's open, close, ioctl and mmap for those two paths only: MAP_GRANT_REF and
 * ALLOC_GREF hand out indexes, mmap of a device gives anonymous memory, GET_OFFSET_FOR_VADDR
 * finds the map, GRANT_COPY copies from the first shared region (gntbench's page pool). Both
 * libraries then run exactly their real code paths above libc: the per-row instructions of
 * the libraries themselves equal those of the lab's callgrind pass on real Xen (compat/lab/
 * suites/bench/15-instr.*); only the system-call wrappers are this shim's instead of libc's.
 * Not a Xen emulation: no grant semantics, no checks beyond what gntbench needs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/ioctl.h>
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/sys/gntdev.h>
#include <xen/sys/gntalloc.h>
#ifndef GNTCOPY_source_gref
#define GNTCOPY_source_gref 1
#endif
static int kind[1024];                 /* fd -> 1 gntdev, 2 gntalloc */
struct mapping { uint64_t index; uint32_t count; void *addr; };
static struct mapping maps[4096];
static uint64_t next_index = 0x10000;
static uint8_t *pool; static int pool_set;
int open(const char *p, int flags, ...)
{
    static int (*real)(const char *, int, ...);
    if (!real) real = dlsym(RTLD_NEXT, "open");
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    int k = !strcmp(p, "/dev/xen/gntdev") ? 1 : !strcmp(p, "/dev/xen/gntalloc") ? 2 : 0;
    if (!k) return real(p, flags, mode);
    int fd = real("/dev/null", O_RDWR);
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
    switch (req) {
    case IOCTL_GNTDEV_MAP_GRANT_REF: { struct ioctl_gntdev_map_grant_ref *m = arg; struct mapping *s = slot();
        s->index = next_index; s->count = m->count; s->addr = 0; m->index = next_index; next_index += (uint64_t)m->count * 4096 + 4096; return 0; }
    case IOCTL_GNTALLOC_ALLOC_GREF: { struct ioctl_gntalloc_alloc_gref *m = arg; struct mapping *s = slot();
        s->index = next_index; s->count = m->count; s->addr = 0; m->index = next_index; next_index += (uint64_t)m->count * 4096 + 4096;
        for (uint32_t i = 0; i < m->count; i++) m->gref_ids[i] = i; return 0; }
    case IOCTL_GNTDEV_UNMAP_GRANT_REF: { struct ioctl_gntdev_unmap_grant_ref *m = arg; struct mapping *s = by_index(m->index);
        if (!s) { errno = EINVAL; return -1; } s->count = 0; return 0; }
    case IOCTL_GNTALLOC_DEALLOC_GREF: return 0;
    case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR: { struct ioctl_gntdev_get_offset_for_vaddr *m = arg;
        for (int i = 0; i < 4096; i++) if (maps[i].count && maps[i].addr && (uint64_t)(uintptr_t)maps[i].addr <= m->vaddr && m->vaddr < (uint64_t)(uintptr_t)maps[i].addr + maps[i].count * 4096ull) {
            m->offset = maps[i].index; m->count = maps[i].count; return 0; }
        errno = EINVAL; return -1; }
    case IOCTL_GNTDEV_SET_UNMAP_NOTIFY: return 0;
    case IOCTL_GNTDEV_GRANT_COPY: { struct ioctl_gntdev_grant_copy *c = arg;
        for (unsigned i = 0; i < c->count; i++) { struct ioctl_gntdev_grant_copy_segment *s = &c->segments[i];
            if (s->flags & GNTCOPY_source_gref) memcpy(s->dest.virt, pool + s->source.foreign.ref * 4096ull + s->source.foreign.offset, s->len);
            s->status = 0; } return 0; }
    default: errno = ENOTTY; return -1;
    }
}
void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "mmap");
    if (fd < 0 || fd >= 1024 || !kind[fd]) return real(a, len, prot, flags, fd, off);
    struct mapping *s = by_index((uint64_t)off);
    if (!s) { errno = EINVAL; return MAP_FAILED; }
    void *p = real(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return p;
    if (kind[fd] == 2) { if (!pool_set) { pool = p; pool_set = 1; } s->count = 0; }  /* gntalloc: dealloc'd right away */
    else s->addr = p;
    return p;
}
void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off) { return mmap(a, len, prot, flags, fd, off); }
