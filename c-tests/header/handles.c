/* Both handle typedefs must name the same tag, struct xengntdev_handle: QEMU redeclares
 * "typedef struct xengntdev_handle xengnttab_handle;" itself, and callers pass either
 * handle to code taking the struct pointer. Built with -Werror, so an incompatible pointer
 * (a different tag) fails the build. Includes only OUR header (first on the -I path). */
#include <xengnttab.h>

/* QEMU's own redeclaration (include/hw/xen/xen_backend_ops.h); C11 allows an identical
 * typedef redefinition, a different tag is an error. */
typedef struct xengntdev_handle xengnttab_handle;

static int take(struct xengntdev_handle *h)
{
    return h == 0;
}

int use_handles(xengnttab_handle *xgt, xengntshr_handle *xgs);
int use_handles(xengnttab_handle *xgt, xengntshr_handle *xgs)
{
    _Static_assert(__builtin_types_compatible_p(xengnttab_handle, struct xengntdev_handle),
                   "xengnttab_handle is not struct xengntdev_handle");
    _Static_assert(__builtin_types_compatible_p(xengntshr_handle, struct xengntdev_handle),
                   "xengntshr_handle is not struct xengntdev_handle");
    return take(xgt) + take(xgs);
}
