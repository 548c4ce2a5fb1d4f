/* tsan-control.c - proves that compat/check-tsan's ThreadSanitizer sees the library's own
 * (Rust) memory accesses: one thread keeps rewriting a refs array while another passes it to
 * xengnttab_map_domain_grant_refs, which reads it inside the library. Nothing orders the two,
 * so TSan must report a data race whose reading side is in libxengnttab.so.1. (The race is
 * the caller's, on its own array; the library is right to read it.) Runs with fakexen.c. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <xengnttab.h>

static uint32_t refs[1];
static int stop; /* atomic: the only race is the one on refs */

static void *writer(void *unused)
{
    for (uint32_t i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++)
        refs[0] = 8 + i % 2;
    return unused;
}

int main(void)
{
    xengntshr_handle *gs = xengntshr_open(NULL, 0);
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    uint32_t shared[2];
    void *s = gs ? xengntshr_share_pages(gs, 0, 2, shared, 1) : NULL;
    pthread_t t;
    if (!gt || !s)
        return 2;
    pthread_create(&t, NULL, writer, NULL);
    for (int i = 0; i < 200; i++) {
        void *m = xengnttab_map_domain_grant_refs(gt, 1, 0, refs, PROT_READ);
        if (m)
            xengnttab_unmap(gt, m, 1);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    xengntshr_unshare(gs, s, 2);
    xengnttab_close(gt);
    xengntshr_close(gs);
    printf("control: done\n");
    return 0;
}
