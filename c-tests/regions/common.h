/* common.h - what the region tests (c-tests/regions) share: the shim's hooks, a readability
 * probe that cannot crash, and PASS/FAIL counting. See common.c and c-tests/regions/run. */
#ifndef REGIONS_COMMON_H
#define REGIONS_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <xengnttab.h>

/* The hooks of c-tests/bench/fakegnt.c (LD_PRELOADed), found at start-up by regions_init. */
extern void (*hook_mmap_at)(void *addr);
extern void (*hook_park_get_offset)(void);
extern int (*hook_wait_parked)(int ms);
extern void (*hook_unpark)(void);
extern void (*hook_fail_munmap)(void *addr, int err);
extern uint32_t (*hook_exp_first_ref)(void);
extern int faked; /* 1 without Xen (the shim fakes the devices), 0 on real devices */

/* Resolves the hooks (exits with a FAIL line if the shim is not preloaded), opens the
 * readability pipe, and prints which library and mode run. */
void regions_init(const char *program);
/* 1 if the byte at p can be read (write(2) to a pipe: EFAULT instead of a crash), else 0. */
int readable(const void *p);
/* A free, page-aligned range of `bytes`, found by mapping and unmapping it. */
uintptr_t free_range(size_t bytes);
/* The home slot of a region's start in the C API's region table (64 slots, Fibonacci hash of
 * the page number; the same before and after b036c8d). */
unsigned home_slot(uintptr_t start);
/* An anonymous page placed at exactly addr with a marker byte, or NULL. */
void *anon_page_at(uintptr_t addr, unsigned char marker);
/* "0" or "-1/EINVAL(22)"-style text for an int result and its errno. */
const char *rc_text(int rc, int err);
const char *errno_name(int err);
void check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Opens a gntshr and a gnttab handle; if either fails, a FAIL line "<finding>/open" and 0 (the
 * caller then returns finish()), else 1. */
int open_both(const char *finding, xengntshr_handle **gs, xengnttab_handle **gt);
/* Prints "N passed, M failed"; the exit status (0 when nothing failed). */
int finish(void);
#endif
