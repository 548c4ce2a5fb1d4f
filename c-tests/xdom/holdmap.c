/* holdmap - holds another domain's grants mapped while that domain dies (lab suite 75-lifecycle).
 *   holdmap share <domid> <pages>      share <pages> writable pages to <domid> (gntalloc), page i
 *                                      filled with byte i+1; print the refs on one line; sleep
 *                                      until killed
 *   holdmap map <domid> <dir> <ref>... map the refs (one batch), check the pattern, create
 *                                      <dir>/mapped, wait (at most 300 s) for <dir>/go, read every
 *                                      page again, unmap, close; one "holdmap: ..." line per step
 * Exit status 0 only if every step worked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xengnttab.h>

#define PAGE 4096
#define MAX_PAGES 64

static int pattern_ok(const unsigned char *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < PAGE; j++)
            if (p[i * PAGE + j] != (unsigned char)(i + 1)) return 0;
    return 1;
}

static int share(unsigned domid, unsigned n)
{
    uint32_t refs[MAX_PAGES];
    xengntshr_handle *s = xengntshr_open(NULL, 0);
    unsigned char *p = s ? xengntshr_share_pages(s, domid, n, refs, 1) : NULL;
    if (!p) { printf("holdmap: share failed: %s\n", strerror(errno)); return 1; }
    for (unsigned i = 0; i < n; i++) memset(p + i * PAGE, i + 1, PAGE);
    for (unsigned i = 0; i < n; i++) printf("%u%c", refs[i], i + 1 < n ? ' ' : '\n');
    fflush(stdout);
    for (;;) pause();
}

static int exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static int map(unsigned domid, const char *dir, unsigned n, char **args)
{
    uint32_t refs[MAX_PAGES];
    int bad = 0;
    for (unsigned i = 0; i < n; i++) refs[i] = strtoul(args[i], NULL, 0);
    xengnttab_handle *g = xengnttab_open(NULL, 0);
    unsigned char *p = g ? xengnttab_map_domain_grant_refs(g, n, domid, refs, PROT_READ | PROT_WRITE) : NULL;
    if (!p) { printf("holdmap: map of %u pages failed: %s\n", n, strerror(errno)); return 1; }
    int ok = pattern_ok(p, n);
    bad |= !ok;
    printf("holdmap: mapped %u pages of domain %u, pattern %s\n", n, domid, ok ? "ok" : "WRONG");
    fflush(stdout);
    char path[512];
    snprintf(path, sizeof path, "%s/mapped", dir);
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    int waited = 0;
    while (!exists(dir, "go") && waited < 3000) { usleep(100000); waited++; }
    if (waited >= 3000) { printf("holdmap: no %s/go in 300 s\n", dir); bad = 1; }
    ok = pattern_ok(p, n);   /* the pages stay ours until unmapped, whatever became of the granter */
    bad |= !ok;
    printf("holdmap: pages readable after go, pattern %s\n", ok ? "ok" : "WRONG");
    int rc = xengnttab_unmap(g, p, n);
    printf("holdmap: unmap -> %d%s%s\n", rc, rc ? " " : "", rc ? strerror(errno) : "");
    int rc2 = xengnttab_close(g);
    printf("holdmap: close -> %d\n", rc2);
    return bad || rc || rc2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "share") && atoi(argv[3]) > 0 && atoi(argv[3]) <= MAX_PAGES)
        return share(strtoul(argv[2], NULL, 0), atoi(argv[3]));
    if (argc >= 5 && argc - 4 <= MAX_PAGES && !strcmp(argv[1], "map"))
        return map(strtoul(argv[2], NULL, 0), argv[3], argc - 4, argv + 4);
    fprintf(stderr, "usage: holdmap share <domid> <pages> | holdmap map <domid> <dir> <ref>...\n");
    return 2;
}
