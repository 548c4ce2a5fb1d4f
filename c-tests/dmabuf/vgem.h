/* vgem.h - a dma-buf to import, from vgem (CONFIG_DRM_VGEM, the lab's 36-dmabuf loads it): a
 * dumb buffer exported as a PRIME fd and mapped through that fd. For dmabuf.c and
 * vgem-stdin.c. */
#ifndef VGEM_H
#define VGEM_H
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* the few DRM uapi bits needed (include/uapi/drm/drm.h, drm_mode.h) */
struct drm_version_ { int major, minor, patch; size_t name_len; char *name; size_t date_len; char *date; size_t desc_len; char *desc; };
struct drm_create_dumb { uint32_t height, width, bpp, flags, handle, pitch; uint64_t size; };
struct drm_prime_handle { uint32_t handle, flags; int32_t fd; };
#define DRM_IOCTL_VERSION_ _IOWR('d', 0x00, struct drm_version_)
#define DRM_IOCTL_CREATE_DUMB _IOWR('d', 0xB2, struct drm_create_dumb)
#define DRM_IOCTL_PRIME_HANDLE_TO_FD _IOWR('d', 0x2d, struct drm_prime_handle)

static int vgem_card(void)   /* the first /dev/dri/card* whose driver is vgem, or -1 */
{
    char path[32], name[32];
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "/dev/dri/card%d", i);
        int c = open(path, O_RDWR | O_CLOEXEC);
        if (c < 0) continue;
        struct drm_version_ v = { .name_len = sizeof name - 1, .name = name };
        memset(name, 0, sizeof name);
        if (ioctl(c, DRM_IOCTL_VERSION_, &v) == 0 && !strcmp(name, "vgem")) return c;
        close(c);
    }
    return -1;
}
/* a dma-buf of `pages` 4 KiB pages (a dumb buffer of 1024 32-bit pixels a row, one row a page),
 * mapped read-write at *map: its fd (O_CLOEXEC), or -1 */
static int vgem_buffer(int card, unsigned pages, uint8_t **map)
{
    struct drm_create_dumb cd = { .height = pages, .width = 4096 / 4, .bpp = 32 };
    if (ioctl(card, DRM_IOCTL_CREATE_DUMB, &cd) || cd.size != (uint64_t)pages * 4096) return -1;
    struct drm_prime_handle ph = { .handle = cd.handle, .flags = O_RDWR | O_CLOEXEC, .fd = -1 };
    if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph) || ph.fd < 0) return -1;
    *map = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, ph.fd, 0);
    if (*map == MAP_FAILED) { close(ph.fd); return -1; }
    return ph.fd;
}
#endif
