/* Our xengnttab.h together with the kernel's <xen/sys/gntdev.h>, as libxenvchan and
 * Qubes include them. Both define GNTDEV_DMA_FLAG_WC/COHERENT, so any difference in the
 * macro text is a "redefined" warning, an error under -Werror. Built by compat/check-header
 * as C89 (-ansi -pedantic), C11, C++11 and C++17, in both include orders (GNTDEV_FIRST). */
#include <stdint.h> /* xen/sys/gntdev.h includes nothing itself */
#ifdef GNTDEV_FIRST
#include <xen/sys/gntdev.h>
#include <xengnttab.h>
#else
#include <xengnttab.h>
#include <xen/sys/gntdev.h>
#endif

/* Use the header's types and macros so the compiler really looks at them. */
int use_header(xengnttab_handle *xgt, xengntshr_handle *xgs);
int use_header(xengnttab_handle *xgt, xengntshr_handle *xgs)
{
    xengnttab_grant_copy_segment_t seg;
    struct ioctl_gntdev_grant_copy copy;

    seg.source.foreign.ref = 0;
    seg.source.foreign.offset = 0;
    seg.source.foreign.domid = 0;
    seg.dest.virt = 0;
    seg.len = 0;
    seg.flags = GNTCOPY_source_gref;
    seg.status = GNTST_okay;
    copy.count = 1;
    copy.segments = 0;
    return xengnttab_grant_copy(xgt, copy.count, &seg) + xengntshr_fd(xgs) +
           (int)(GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT);
}
