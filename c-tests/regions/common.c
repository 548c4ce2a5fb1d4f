/* common.c - the region tests' shared helpers (common.h). */
#define _GNU_SOURCE
#include "common.h"
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

void (*hook_mmap_at)(void *);
void (*hook_park_get_offset)(void);
int (*hook_wait_parked)(int);
void (*hook_unpark)(void);
void (*hook_fail_munmap)(void *, int);
uint32_t (*hook_exp_first_ref)(void);
int faked;
static int probe[2];
static int passed, failed;

void regions_init(const char *program)
{
    Dl_info di;
    const char *p = getenv("FAKEGNT_PASSTHROUGH");
    setvbuf(stdout, NULL, _IOLBF, 0);
    hook_mmap_at = (void (*)(void *))dlsym(RTLD_DEFAULT, "fakegnt_mmap_at");
    hook_park_get_offset = (void (*)(void))dlsym(RTLD_DEFAULT, "fakegnt_park_get_offset");
    hook_wait_parked = (int (*)(int))dlsym(RTLD_DEFAULT, "fakegnt_wait_parked");
    hook_unpark = (void (*)(void))dlsym(RTLD_DEFAULT, "fakegnt_unpark");
    hook_fail_munmap = (void (*)(void *, int))dlsym(RTLD_DEFAULT, "fakegnt_fail_munmap");
    hook_exp_first_ref = (uint32_t (*)(void))dlsym(RTLD_DEFAULT, "fakegnt_exp_first_ref");
    if (!hook_mmap_at || !hook_park_get_offset || !hook_wait_parked || !hook_unpark || !hook_fail_munmap ||
        !hook_exp_first_ref) {
        printf("FAIL %s/shim: c-tests/bench/fakegnt.c is not preloaded (LD_PRELOAD)\n0 passed, 1 failed\n", program);
        exit(1);
    }
    faked = !(p && !strcmp(p, "1"));
    if (pipe(probe)) { perror("pipe"); exit(2); }
    printf("INFO %s: library %s, devices %s\n", program,
           dladdr((void *)xengnttab_open, &di) && di.dli_fname ? di.dli_fname : "?",
           faked ? "faked by the shim" : "real (pass-through)");
}

int readable(const void *p)
{
    char c;
    if (write(probe[1], p, 1) != 1) return 0;
    if (read(probe[0], &c, 1) != 1) { perror("read"); exit(2); }
    return 1;
}

uintptr_t free_range(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    munmap(p, bytes);
    return (uintptr_t)p;
}

unsigned home_slot(uintptr_t start)
{
    return (unsigned)(((uint64_t)(start >> 12) * 0x9E3779B97F4A7C15ull) >> 58);
}

void *anon_page_at(uintptr_t addr, unsigned char marker)
{
    void *p = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if ((uintptr_t)p != addr) { munmap(p, 4096); return NULL; }
    *(volatile unsigned char *)p = marker;
    return p;
}

const char *errno_name(int err)
{
    switch (err) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENOTTY: return "ENOTTY";
    case ENOENT: return "ENOENT";
    case EFAULT: return "EFAULT";
    default: return strerror(err);
    }
}

const char *rc_text(int rc, int err)
{
    static char buf[4][48];
    static int n;
    char *b = buf[n++ % 4];
    if (rc == 0) snprintf(b, sizeof buf[0], "0");
    else snprintf(b, sizeof buf[0], "%d/%s(%d)", rc, errno_name(err), err);
    return b;
}

void check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    printf("%s %s: ", ok ? "PASS" : "FAIL", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (ok) passed++; else failed++;
}

int open_both(const char *finding, xengntshr_handle **gs, xengnttab_handle **gt)
{
    char name[32];

    *gs = xengntshr_open(NULL, 0);
    *gt = xengnttab_open(NULL, 0);
    if (*gs && *gt)
        return 1;
    snprintf(name, sizeof name, "%s/open", finding);
    check(0, name, "xengntshr_open %p, xengnttab_open %p: %s", (void *)*gs, (void *)*gt, errno_name(errno));
    return 0;
}

int finish(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
