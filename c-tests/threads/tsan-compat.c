/* tsan-compat.c - the three ThreadSanitizer entry points that Rust's LLVM emits and GCC 12's
 * libtsan (Debian 12) predates (LLVM 16 added them as aliases of the runtime's own memcpy,
 * memmove and memset interceptors). Linked into compat/check-tsan's TSan build of the
 * library only when libtsan lacks them; compiled with -fno-builtin, so each is a call to the
 * libc function, which libtsan intercepts and checks as it checks the C code's. */
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
