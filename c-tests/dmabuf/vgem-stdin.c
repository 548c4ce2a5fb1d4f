/* vgem-stdin.c - runs a program with a vgem dma-buf as its stdin, for programs that import a
 * dma-buf but cannot make one themselves (examples/dmabuf_roundtrip.rs: safe Rust has no DRM
 * ioctls, and std hands out stdin's fd safely). The buffer's bytes are a pattern whose FNV-1a
 * hash is printed first, so the program's view of them can be compared:
 *   vgem: <pages> pages fnv1a64 <16 hex digits>
 * usage: vgem-stdin <pages> <program> [args...]   (needs vgem.ko: /dev/dri/card*)
 * Exit status: the program's (exec), or 2 when there is no buffer to give it. */
#include <stdlib.h>
#include "vgem.h"

int main(int argc, char **argv)
{
    unsigned pages = argc > 2 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
    if (pages == 0) { fprintf(stderr, "usage: vgem-stdin <pages> <program> [args...]\n"); return 2; }
    uint8_t *map;
    int card = vgem_card();
    int fd = card < 0 ? -1 : vgem_buffer(card, pages, &map);
    if (fd < 0) { fprintf(stderr, "vgem-stdin: no vgem buffer of %u pages (card %s)\n", pages, card < 0 ? "missing" : "found"); return 2; }
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < (size_t)pages * 4096; i++) {
        map[i] = (uint8_t)(i * 7 + 3 + (i >> 12));
        hash = (hash ^ map[i]) * 0x100000001b3ull;
    }
    printf("vgem: %u pages fnv1a64 %016llx\n", pages, (unsigned long long)hash);
    fflush(stdout);
    /* dup2 clears O_CLOEXEC on the copy: the buffer survives the exec as fd 0 */
    if (dup2(fd, 0) != 0) { perror("vgem-stdin: dup2"); return 2; }
    execvp(argv[2], argv + 2);
    perror("vgem-stdin: exec");
    return 2;
}
