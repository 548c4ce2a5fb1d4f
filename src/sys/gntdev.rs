//! `/dev/xen/gntdev`: the uapi structs and ioctls of `<xen/gntdev.h>`.

use super::ioctl::{IoctlArg, ioc_none_g, ioctl, ioctl_args, ioctl_raw};
use super::var_request::{VarIoctlHeader, VarRequest, var_ioctl_headers};
use super::volatile::VolatileSlice;
use crate::access::{Access, Writable};
use crate::error::{Error, Result};
use crate::memory::Memory;
use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};

/// `struct ioctl_gntdev_grant_ref`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrantRef {
    pub domid: u32,
    pub r#ref: u32,
}

/// Header of `struct ioctl_gntdev_map_grant_ref` (its `refs[]` follow at offset 16).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct MapGrantRefHeader {
    pub count: u32,
    pub pad: u32,
    /// out: the map's offset in the fd's address space, in bytes.
    pub index: u64,
}

/// `struct ioctl_gntdev_map_grant_ref` for exactly one ref: the C struct as declared, with its
/// one-element `refs[]`, so a fixed-size argument (no variable request to size and fill).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct MapGrantRefOne {
    pub header: MapGrantRefHeader,
    pub r#ref: GrantRef,
}

/// `struct ioctl_gntdev_unmap_grant_ref`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct UnmapGrantRef {
    pub index: u64,
    pub count: u32,
    pub pad: u32,
}

/// `struct ioctl_gntdev_get_offset_for_vaddr`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct GetOffsetForVaddr {
    pub vaddr: u64,
    pub offset: u64,
    pub count: u32,
    pub pad: u32,
}

/// `struct ioctl_gntdev_set_max_grants`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SetMaxGrants {
    pub count: u32,
}

/// `struct ioctl_gntdev_unmap_notify`, identical to `struct ioctl_gntalloc_unmap_notify`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct UnmapNotify {
    /// Byte offset of the notify byte in the fd's address space.
    pub index: u64,
    pub action: u32,
    pub event_channel_port: u32,
}

/// `UNMAP_NOTIFY_CLEAR_BYTE`.
pub const UNMAP_NOTIFY_CLEAR_BYTE: u32 = 0x1;
/// `UNMAP_NOTIFY_SEND_EVENT`.
pub const UNMAP_NOTIFY_SEND_EVENT: u32 = 0x2;

/// The foreign side of a copy segment: `struct { uint32_t ref; uint16_t offset; uint16_t domid; }`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyForeign {
    pub r#ref: u32,
    pub offset: u16,
    pub domid: u16,
}

/// `union xengnttab_copy_ptr`: a local virtual address or a foreign grant.
#[repr(C)]
#[derive(Clone, Copy)]
pub union CopyPtr {
    pub virt: *mut libc::c_void,
    pub foreign: CopyForeign,
}

/// `struct gntdev_grant_copy_segment`, byte-identical to the public
/// `struct xengnttab_grant_copy_segment` (upstream asserts the same at build time).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct GrantCopySegment {
    pub source: CopyPtr,
    pub dest: CopyPtr,
    pub len: u16,
    pub flags: u16,
    pub status: i16,
}

/// `struct ioctl_gntdev_grant_copy`.
#[repr(C)]
pub struct GrantCopy {
    pub count: libc::c_uint,
    pub segments: *mut GrantCopySegment,
}

/// Header of `struct ioctl_gntdev_dmabuf_exp_from_refs` (`refs[]` follow at offset 16).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct DmabufExpFromRefsHeader {
    pub flags: u32,
    pub count: u32,
    /// out: the new dma-buf's file descriptor.
    pub fd: u32,
    pub domid: u32,
}

/// `struct ioctl_gntdev_dmabuf_exp_wait_released`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct DmabufExpWaitReleased {
    pub fd: u32,
    pub wait_to_ms: u32,
}

/// Header of `struct ioctl_gntdev_dmabuf_imp_to_refs` (`refs[]`, out, follow at offset 16).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct DmabufImpToRefsHeader {
    pub fd: u32,
    pub count: u32,
    pub domid: u32,
    pub reserved: u32,
}

/// `struct ioctl_gntdev_dmabuf_imp_release`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct DmabufImpRelease {
    pub fd: u32,
    pub reserved: u32,
}

/// `GNTDEV_DMA_FLAG_WC`: an exported dma-buf backed by write-combined DMA memory.
pub const GNTDEV_DMA_FLAG_WC: u32 = 1 << 0;
/// `GNTDEV_DMA_FLAG_COHERENT`: an exported dma-buf backed by coherent DMA memory.
pub const GNTDEV_DMA_FLAG_COHERENT: u32 = 1 << 1;

/// Sizes of the uapi structs as C declares them, with their one-element trailing arrays (the
/// same on every architecture: the headers hold no pointer or `long`, and u64 is 8-aligned on
/// x86_64, aarch64 and armhf EABI alike).
pub const SIZEOF_MAP_GRANT_REF: usize = 24;
pub const SIZEOF_DMABUF_EXP_FROM_REFS: usize = 20;
pub const SIZEOF_DMABUF_IMP_TO_REFS: usize = 20;

// The kernel's definitions, checked here at compile time and against the installed
// uapi headers by tests/uapi.rs.
const _: () = {
    assert!(size_of::<MapGrantRefHeader>() + size_of::<GrantRef>() == SIZEOF_MAP_GRANT_REF);
    assert!(offset_of!(MapGrantRefHeader, index) == 8);
    assert!(size_of::<MapGrantRefOne>() == SIZEOF_MAP_GRANT_REF && offset_of!(MapGrantRefOne, r#ref) == 16);
    assert!(size_of::<UnmapGrantRef>() == 16);
    assert!(size_of::<GetOffsetForVaddr>() == 24 && offset_of!(GetOffsetForVaddr, count) == 16);
    assert!(size_of::<SetMaxGrants>() == 4);
    assert!(size_of::<UnmapNotify>() == 16 && offset_of!(UnmapNotify, event_channel_port) == 12);
    assert!(size_of::<GrantCopySegment>() == 24);
    assert!(offset_of!(GrantCopySegment, dest) == 8 && offset_of!(GrantCopySegment, status) == 20);
    // `unsigned int count; struct gntdev_grant_copy_segment *segments;`: the one pointer-sized
    // field, so 16 bytes on 64-bit and 8 on armhf (and the ioctl number differs with it).
    assert!(size_of::<GrantCopy>() == 2 * size_of::<usize>());
    assert!(offset_of!(GrantCopy, segments) == size_of::<usize>());
    assert!(size_of::<DmabufExpFromRefsHeader>() + 4 == SIZEOF_DMABUF_EXP_FROM_REFS);
    assert!(size_of::<DmabufExpWaitReleased>() == 8);
    assert!(size_of::<DmabufImpToRefsHeader>() + 4 == SIZEOF_DMABUF_IMP_TO_REFS);
    assert!(size_of::<DmabufImpRelease>() == 8);
};

/// `#define IOCTL_GNTDEV_MAP_GRANT_REF _IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))`
pub const IOCTL_GNTDEV_MAP_GRANT_REF: libc::c_ulong = ioc_none_g(0, SIZEOF_MAP_GRANT_REF);
/// `#define IOCTL_GNTDEV_UNMAP_GRANT_REF _IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))`
pub const IOCTL_GNTDEV_UNMAP_GRANT_REF: libc::c_ulong = ioc_none_g(1, size_of::<UnmapGrantRef>());
/// `#define IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR _IOC(_IOC_NONE, 'G', 2, sizeof(struct ioctl_gntdev_get_offset_for_vaddr))`
pub const IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR: libc::c_ulong = ioc_none_g(2, size_of::<GetOffsetForVaddr>());
/// `#define IOCTL_GNTDEV_SET_MAX_GRANTS _IOC(_IOC_NONE, 'G', 3, sizeof(struct ioctl_gntdev_set_max_grants))`
pub const IOCTL_GNTDEV_SET_MAX_GRANTS: libc::c_ulong = ioc_none_g(3, size_of::<SetMaxGrants>());
/// `#define IOCTL_GNTDEV_SET_UNMAP_NOTIFY _IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntdev_unmap_notify))`
pub const IOCTL_GNTDEV_SET_UNMAP_NOTIFY: libc::c_ulong = ioc_none_g(7, size_of::<UnmapNotify>());
/// `#define IOCTL_GNTDEV_GRANT_COPY _IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy))`
pub const IOCTL_GNTDEV_GRANT_COPY: libc::c_ulong = ioc_none_g(8, size_of::<GrantCopy>());
/// `#define IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS _IOC(_IOC_NONE, 'G', 9, sizeof(struct ioctl_gntdev_dmabuf_exp_from_refs))`
pub const IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS: libc::c_ulong = ioc_none_g(9, SIZEOF_DMABUF_EXP_FROM_REFS);
/// `#define IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED _IOC(_IOC_NONE, 'G', 10, sizeof(struct ioctl_gntdev_dmabuf_exp_wait_released))`
pub const IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED: libc::c_ulong = ioc_none_g(10, size_of::<DmabufExpWaitReleased>());
/// `#define IOCTL_GNTDEV_DMABUF_IMP_TO_REFS _IOC(_IOC_NONE, 'G', 11, sizeof(struct ioctl_gntdev_dmabuf_imp_to_refs))`
pub const IOCTL_GNTDEV_DMABUF_IMP_TO_REFS: libc::c_ulong = ioc_none_g(11, SIZEOF_DMABUF_IMP_TO_REFS);
/// `#define IOCTL_GNTDEV_DMABUF_IMP_RELEASE _IOC(_IOC_NONE, 'G', 12, sizeof(struct ioctl_gntdev_dmabuf_imp_release))`
pub const IOCTL_GNTDEV_DMABUF_IMP_RELEASE: libc::c_ulong = ioc_none_g(12, size_of::<DmabufImpRelease>());

ioctl_args! {
    MapGrantRefOne => IOCTL_GNTDEV_MAP_GRANT_REF,
    UnmapGrantRef => IOCTL_GNTDEV_UNMAP_GRANT_REF,
    GetOffsetForVaddr => IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR,
    SetMaxGrants => IOCTL_GNTDEV_SET_MAX_GRANTS,
    UnmapNotify => IOCTL_GNTDEV_SET_UNMAP_NOTIFY,
    DmabufExpWaitReleased => IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED,
    DmabufImpRelease => IOCTL_GNTDEV_DMABUF_IMP_RELEASE,
}

var_ioctl_headers! {
    MapGrantRefHeader => IOCTL_GNTDEV_MAP_GRANT_REF, GrantRef, false,
    DmabufExpFromRefsHeader => IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, u32, false,
    DmabufImpToRefsHeader => IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, u32, true,
}

/// IOCTL_GNTDEV_MAP_GRANT_REF for one ref: returns the map's offset (`index`).
pub fn map_grant_ref_one(fd: BorrowedFd<'_>, domid: u32, r#ref: u32) -> Result<u64> {
    let mut arg =
        MapGrantRefOne { header: MapGrantRefHeader { count: 1, pad: 0, index: 0 }, r#ref: GrantRef { domid, r#ref } };
    ioctl(fd, &mut arg)?;
    Ok(arg.header.index)
}

pub fn unmap_grant_ref(fd: BorrowedFd<'_>, index: u64, count: u32) -> Result<()> {
    ioctl(fd, &mut UnmapGrantRef { index, count, pad: 0 }).map(drop)
}

/// Asks the kernel which map of a gntdev fd covers `vaddr`: returns (offset, count).
pub fn get_offset_for_vaddr(fd: BorrowedFd<'_>, vaddr: u64) -> Result<(u64, u32)> {
    let mut arg = GetOffsetForVaddr { vaddr, ..Default::default() };
    ioctl(fd, &mut arg)?;
    Ok((arg.offset, arg.count))
}

pub fn set_max_grants(fd: BorrowedFd<'_>, count: u32) -> Result<()> {
    ioctl(fd, &mut SetMaxGrants { count }).map(drop)
}

/// IOCTL_GNTDEV_SET_UNMAP_NOTIFY, which is also IOCTL_GNTALLOC_SET_UNMAP_NOTIFY.
pub fn set_unmap_notify(fd: BorrowedFd<'_>, index: u64, action: u32, port: u32) -> Result<()> {
    ioctl(fd, &mut UnmapNotify { index, action, event_channel_port: port }).map(drop)
}

/// IOCTL_GNTDEV_GRANT_COPY over `count` segments at `segments`, used in place.
///
/// # Safety
/// `segments` must be valid for reads and writes of `count` segments (or `count` is 0), and
/// every local (`virt`) side must be a buffer of `len` bytes the caller owns for the call,
/// readable for a source, writable for a destination: the kernel writes into them.
pub unsafe fn grant_copy(fd: BorrowedFd<'_>, count: u32, segments: *mut GrantCopySegment) -> Result<()> {
    let mut arg = GrantCopy { count, segments };
    // SAFETY: GrantCopy is the argument of IOCTL_GNTDEV_GRANT_COPY; the caller vouches for
    // the segments and their buffers.
    unsafe { ioctl_raw(fd, IOCTL_GNTDEV_GRANT_COPY, (&raw mut arg).cast()) }.map(drop)
}

/// `GNTCOPY_source_gref` / `GNTCOPY_dest_gref` of `<xen/grant_table.h>`.
pub const GNTCOPY_SOURCE_GREF: u16 = 1 << 0;
pub const GNTCOPY_DEST_GREF: u16 = 1 << 1;

/// The segments of one IOCTL_GNTDEV_GRANT_COPY: either a C caller's array used in place, or
/// segments built here from borrowed Rust buffers, which stay borrowed for `'a`.
pub struct CopyBatch<'a> {
    storage: CopyStorage,
    _buffers: PhantomData<&'a mut [u8]>,
}

enum CopyStorage {
    Raw { count: u32, segments: *mut GrantCopySegment },
    Built(Vec<GrantCopySegment>),
}

impl CopyBatch<'static> {
    /// The C caller's segments, used in place (the kernel writes each `status` back).
    ///
    /// # Safety
    /// As for `grant_copy`: `segments` valid for `count` segments whose local buffers the
    /// caller owns for the duration of the call.
    pub unsafe fn from_raw(count: u32, segments: *mut GrantCopySegment) -> Self {
        CopyBatch { storage: CopyStorage::Raw { count, segments }, _buffers: PhantomData }
    }
}

impl<'a> CopyBatch<'a> {
    pub fn new() -> Self {
        CopyBatch { storage: CopyStorage::Built(Vec::new()), _buffers: PhantomData }
    }

    fn push(&mut self, segment: GrantCopySegment) -> Result<()> {
        match &mut self.storage {
            CopyStorage::Built(segments) => {
                segments.try_reserve(1)?;
                segments.push(segment);
                Ok(())
            }
            CopyStorage::Raw { .. } => Err(crate::Error::INVALID),
        }
    }

    /// A segment from the `len` local bytes at `local` into the foreign grant `dest`.
    fn push_to_grant(&mut self, local: *const u8, len: usize, dest: CopyForeign) -> Result<()> {
        let len = u16::try_from(len).map_err(|_| crate::Error::INVALID)?;
        self.push(GrantCopySegment {
            source: CopyPtr { virt: local.cast_mut().cast() },
            dest: CopyPtr { foreign: dest },
            len,
            flags: GNTCOPY_DEST_GREF,
            status: 0,
        })
    }

    /// A segment from the foreign grant `src` into the `len` local bytes at `local`.
    fn push_from_grant(&mut self, src: CopyForeign, local: *mut u8, len: usize) -> Result<()> {
        let len = u16::try_from(len).map_err(|_| crate::Error::INVALID)?;
        self.push(GrantCopySegment {
            source: CopyPtr { foreign: src },
            dest: CopyPtr { virt: local.cast() },
            len,
            flags: GNTCOPY_SOURCE_GREF,
            status: 0,
        })
    }

    /// Copies `src` into the foreign grant `dest`.
    pub fn copy_to_grant(&mut self, src: &'a [u8], dest: CopyForeign) -> Result<()> {
        self.push_to_grant(src.as_ptr(), src.len(), dest)
    }

    /// Copies the foreign grant `src` into `dest`.
    pub fn copy_from_grant(&mut self, src: CopyForeign, dest: &'a mut [u8]) -> Result<()> {
        self.push_from_grant(src, dest.as_mut_ptr(), dest.len())
    }

    /// Copies the bytes of `src`, a volatile slice (a mapping, shared pages, a local buffer),
    /// into the foreign grant `dest`: the kernel reads them during `execute`, as a peer would.
    pub fn copy_volatile_to_grant<A: Access, M: Memory>(
        &mut self,
        src: VolatileSlice<'a, A, M>,
        dest: CopyForeign,
    ) -> Result<()> {
        self.push_to_grant(src.as_ptr(), src.len(), dest)
    }

    /// Copies the foreign grant `src` into `dest`, a writable volatile slice: the kernel writes
    /// it during `execute`, as a peer would.
    pub fn copy_grant_to_volatile<M: Memory>(
        &mut self,
        src: CopyForeign,
        dest: VolatileSlice<'a, Writable, M>,
    ) -> Result<()> {
        self.push_from_grant(src, dest.as_mut_ptr(), dest.len())
    }

    /// Per-segment `GNTST_*` statuses of built segments, after `execute`.
    pub fn statuses(&self) -> Vec<i16> {
        match &self.storage {
            CopyStorage::Built(segments) => segments.iter().map(|s| s.status).collect(),
            CopyStorage::Raw { .. } => Vec::new(),
        }
    }

    pub fn execute(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        let (count, segments) = match &mut self.storage {
            CopyStorage::Raw { count, segments } => (*count, *segments),
            CopyStorage::Built(segments) => {
                (u32::try_from(segments.len()).map_err(|_| crate::Error::INVALID)?, segments.as_mut_ptr())
            }
        };
        // SAFETY: raw segments come with `from_raw`'s guarantee; built ones point into slices
        // borrowed for 'a, each `len` long: Rust slices (shared for sources, exclusive for
        // destinations), or volatile slices (readable for sources, writable for destinations),
        // whose memory stays valid for 'a and is never referenced (crate::memory), so the
        // kernel reading or writing it during this call is one more volatile user, as the peer
        // is; a Local slice's buffer is used by this thread only, which is in this call.
        unsafe { grant_copy(fd, count, segments) }
    }
}

impl Default for CopyBatch<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS on a request built for it: the new dma-buf, owned.
/// `gntdev` is a gntdev fd (the only kind the crate issues this request on; elsewhere it fails
/// with ENOTTY before anything is adopted).
pub fn dmabuf_exp_from_refs(
    gntdev: BorrowedFd<'_>,
    req: &mut VarRequest<'_, DmabufExpFromRefsHeader, u32>,
) -> Result<OwnedFd> {
    req.ioctl(gntdev)?;
    // A number past i32::MAX is no fd: refused, which also keeps OwnedFd's -1 assertion (a
    // panic path) out of the C library.
    let fd = i32::try_from(req.header().fd).map_err(|_| Error::from_errno(libc::EBADF))?;
    // SAFETY: on success gntdev installed a new file for the dma-buf in this process's fd
    // table and wrote its number into the header; nothing else in the process knows it, so
    // this is its only owner.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn dmabuf_exp_wait_released(fd: BorrowedFd<'_>, dmabuf_fd: u32, wait_to_ms: u32) -> Result<()> {
    ioctl(fd, &mut DmabufExpWaitReleased { fd: dmabuf_fd, wait_to_ms }).map(drop)
}

pub fn dmabuf_imp_release(fd: BorrowedFd<'_>, dmabuf_fd: u32) -> Result<()> {
    ioctl(fd, &mut DmabufImpRelease { fd: dmabuf_fd, reserved: 0 }).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers as the spec's table lists them for x86_64 (§6.1), the same on aarch64; on
    /// armhf (Debian's armhf linux-libc-dev, printed by arm-linux-gnueabihf-gcc) only
    /// IOCTL_GNTDEV_GRANT_COPY, whose struct holds a pointer, differs.
    #[test]
    fn ioctl_numbers_match_the_documented_values() {
        let grant_copy = if cfg!(target_pointer_width = "64") { 0x0010_4708 } else { 0x0008_4708 };
        assert_eq!(IOCTL_GNTDEV_MAP_GRANT_REF, 0x0018_4700);
        assert_eq!(IOCTL_GNTDEV_UNMAP_GRANT_REF, 0x0010_4701);
        assert_eq!(IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, 0x0018_4702);
        assert_eq!(IOCTL_GNTDEV_SET_MAX_GRANTS, 0x0004_4703);
        assert_eq!(IOCTL_GNTDEV_SET_UNMAP_NOTIFY, 0x0010_4707);
        assert_eq!(IOCTL_GNTDEV_GRANT_COPY, grant_copy);
        assert_eq!(IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, 0x0014_4709);
        assert_eq!(IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, 0x0008_470a);
        assert_eq!(IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, 0x0014_470b);
        assert_eq!(IOCTL_GNTDEV_DMABUF_IMP_RELEASE, 0x0008_470c);
    }
}
