/* whichlib.c - print the file that provides xengnttab_open (and libxenvchan, if loaded) in this
 * process, so the lab can prove which library the dynamic linker picked for a given
 * environment (LD_PRELOAD / LD_LIBRARY_PATH). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <xengnttab.h>

int main(void)
{
    Dl_info di;
    if (!dladdr((void *)xengnttab_open, &di) || !di.dli_fname) { puts("unknown"); return 1; }
    printf("%s\n", di.dli_fname);
    return 0;
}
