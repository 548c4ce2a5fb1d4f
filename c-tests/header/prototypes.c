/* Our 20 prototypes must be identical to upstream's. Upstream's header is included first;
 * then every name our header declares is renamed to ours_<name> by the generated
 * renames.h, XENGNTTAB_H is undefined so our header (same guard) is read too, and
 * unrenames.h restores the plain names, which again mean upstream's declarations.
 * The handle tag (struct xengntdev_handle) is deliberately NOT renamed: ours must use it.
 *
 * compat/check-header builds this once per function with -DCHECK_FN=<name>, assigning
 * ours_<name> to a pointer of upstream's type (incompatible pointer type is an error under
 * -Werror), and once with -DCHECK_TYPES for the copy-segment layout and grant_copy,
 * whose parameter type is the (renamed) segment struct.
 * UPSTREAM_HEADER and OURS_HEADER are quoted paths passed with -D. */
#include <stddef.h>
#include <stdint.h>
#include UPSTREAM_HEADER
#include "renames.h"
#undef XENGNTTAB_H
#include OURS_HEADER
#include "unrenames.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#ifdef CHECK_FN
__typeof__(&CHECK_FN) CAT(upstream_typed_, CHECK_FN) = &CAT(ours_, CHECK_FN);
#endif

#ifdef CHECK_TYPES
typedef struct xengnttab_grant_copy_segment up_seg;
typedef struct ours_xengnttab_grant_copy_segment our_seg;

/* Same member: same offset, same size, compatible type. */
#define SAME(member, type)                                                               \
    _Static_assert(offsetof(up_seg, member) == offsetof(our_seg, member),                \
                   "offset of " #member);                                                \
    _Static_assert(sizeof(((up_seg *)0)->member) == sizeof(((our_seg *)0)->member),     \
                   "size of " #member);                                                  \
    _Static_assert(__builtin_types_compatible_p(__typeof__(((our_seg *)0)->member), type), \
                   "type of " #member " is not " #type)

SAME(source.virt, void *);
SAME(source.foreign.ref, uint32_t);
SAME(source.foreign.offset, uint16_t);
SAME(source.foreign.domid, uint16_t);
SAME(dest.virt, void *);
SAME(dest.foreign.ref, uint32_t);
SAME(dest.foreign.offset, uint16_t);
SAME(dest.foreign.domid, uint16_t);
SAME(len, uint16_t);
SAME(flags, uint16_t);
SAME(status, int16_t);
_Static_assert(sizeof(our_seg) == sizeof(up_seg) && sizeof(our_seg) == 24, "segment size");
_Static_assert(_Alignof(our_seg) == _Alignof(up_seg), "segment alignment");
/* The union tag and the _t typedef exist under upstream's names. */
_Static_assert(sizeof(union ours_xengnttab_copy_ptr) == sizeof(union xengnttab_copy_ptr),
               "union xengnttab_copy_ptr");
_Static_assert(__builtin_types_compatible_p(__typeof__(((our_seg *)0)->source),
                                            union ours_xengnttab_copy_ptr),
               "source is not union xengnttab_copy_ptr");
_Static_assert(__builtin_types_compatible_p(__typeof__(((our_seg *)0)->dest),
                                            union ours_xengnttab_copy_ptr),
               "dest is not union xengnttab_copy_ptr");
_Static_assert(__builtin_types_compatible_p(ours_xengnttab_grant_copy_segment_t, our_seg),
               "xengnttab_grant_copy_segment_t");
/* The handle typedefs name upstream's tag. */
_Static_assert(__builtin_types_compatible_p(ours_xengnttab_handle, xengnttab_handle),
               "xengnttab_handle");
_Static_assert(__builtin_types_compatible_p(ours_xengntshr_handle, xengntshr_handle),
               "xengntshr_handle");
/* grant_copy: upstream's prototype with our segment type substituted. */
int (*grant_copy_typed)(xengnttab_handle *, uint32_t, ours_xengnttab_grant_copy_segment_t *) =
    &ours_xengnttab_grant_copy;
/* Values of the DMA flags (their exact text is compared separately). */
_Static_assert(GNTDEV_DMA_FLAG_WC == 1 && GNTDEV_DMA_FLAG_COHERENT == 2, "GNTDEV_DMA_FLAG_*");
#endif
