//! `/dev/xen/gntalloc`: the uapi structs and ioctls of `<xen/gntalloc.h>`.

use super::ioctl::{IoctlArg, ioc_none_g, ioctl, ioctl_args};
use super::var_request::{VarIoctlHeader, var_ioctl_headers};
use crate::error::Result;
use std::mem::{align_of, offset_of, size_of};
use std::os::fd::BorrowedFd;

/// Header of `struct ioctl_gntalloc_alloc_gref` (`gref_ids[]`, out, follow at offset 16).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct AllocGrefHeader {
    pub domid: u16,
    pub flags: u16,
    pub count: u32,
    /// out: the pages' offset in the fd's address space, in bytes.
    pub index: u64,
}

/// `GNTALLOC_FLAG_WRITABLE`.
pub const GNTALLOC_FLAG_WRITABLE: u16 = 1;

/// `struct ioctl_gntalloc_dealloc_gref`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct DeallocGref {
    pub index: u64,
    pub count: u32,
}

/// sizeof(struct ioctl_gntalloc_alloc_gref), tail padding to the u64's alignment included:
/// 24 where u64 is 8-aligned (x86_64, aarch64, armhf EABI; it would be 20 on i386).
pub const SIZEOF_ALLOC_GREF: usize = 24;

const _: () = {
    assert!(offset_of!(AllocGrefHeader, count) == 4 && offset_of!(AllocGrefHeader, index) == 8);
    assert!((size_of::<AllocGrefHeader>() + 4).next_multiple_of(align_of::<AllocGrefHeader>()) == SIZEOF_ALLOC_GREF);
    assert!(size_of::<DeallocGref>() == 16);
};

/// `#define IOCTL_GNTALLOC_ALLOC_GREF _IOC(_IOC_NONE, 'G', 5, sizeof(struct ioctl_gntalloc_alloc_gref))`
pub const IOCTL_GNTALLOC_ALLOC_GREF: libc::c_ulong = ioc_none_g(5, SIZEOF_ALLOC_GREF);
/// `#define IOCTL_GNTALLOC_DEALLOC_GREF _IOC(_IOC_NONE, 'G', 6, sizeof(struct ioctl_gntalloc_dealloc_gref))`
pub const IOCTL_GNTALLOC_DEALLOC_GREF: libc::c_ulong = ioc_none_g(6, size_of::<DeallocGref>());
/// `#define IOCTL_GNTALLOC_SET_UNMAP_NOTIFY _IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntalloc_unmap_notify))`:
/// the same number and struct as gntdev's, so `gntdev::set_unmap_notify` serves both devices.
pub const IOCTL_GNTALLOC_SET_UNMAP_NOTIFY: libc::c_ulong = ioc_none_g(7, size_of::<super::gntdev::UnmapNotify>());
const _: () = assert!(IOCTL_GNTALLOC_SET_UNMAP_NOTIFY == super::gntdev::IOCTL_GNTDEV_SET_UNMAP_NOTIFY);

ioctl_args! {
    DeallocGref => IOCTL_GNTALLOC_DEALLOC_GREF,
}

var_ioctl_headers! {
    AllocGrefHeader => IOCTL_GNTALLOC_ALLOC_GREF, u32, true,
}

pub fn dealloc_gref(fd: BorrowedFd<'_>, index: u64, count: u32) -> Result<()> {
    ioctl(fd, &mut DeallocGref { index, count }).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x86_64's numbers, the same on aarch64 and armhf: no pointer or `long` in these structs.
    #[test]
    fn ioctl_numbers_match_the_documented_x86_64_values() {
        assert_eq!(IOCTL_GNTALLOC_ALLOC_GREF, 0x0018_4705);
        assert_eq!(IOCTL_GNTALLOC_DEALLOC_GREF, 0x0010_4706);
        assert_eq!(IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, 0x0010_4707);
    }
}
