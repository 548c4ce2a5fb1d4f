//! The C API's own types, as `<xengnttab.h>` declares them.

/// `struct xengntdev_handle`: one type behind both `xengnttab_handle` and `xengntshr_handle`,
/// as upstream (QEMU redeclares the typedef with this tag).
// Only ever a pointer: to the one malloc'd block of an open device (`HandleBox<Device>`).
pub struct xengntdev_handle {
    _opaque: [u8; 0],
}

/// `typedef struct xengntdev_handle xengnttab_handle;`
pub type xengnttab_handle = xengntdev_handle;
/// `typedef struct xengntdev_handle xengntshr_handle;`
pub type xengntshr_handle = xengntdev_handle;

/// From `<xen/event_channel.h>`, which the header includes; not redefined.
pub type evtchn_port_t = u32;

/// `struct xentoollog_logger` of libxentoollog, only ever passed by pointer: callers who
/// don't care don't need to include `<xentoollog.h>`.
pub struct xentoollog_logger {
    _opaque: [u8; 0],
}

/// The foreign side of a copy segment: grant `ref` of `domid`, from byte `offset`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct xengnttab_copy_foreign {
    pub r#ref: u32,
    pub offset: u16,
    pub domid: u16,
}

/// One side of a copy segment: a local virtual address or a foreign grant.
#[repr(C)]
#[derive(Clone, Copy)]
pub union xengnttab_copy_ptr {
    pub virt: *mut core::ffi::c_void,
    pub foreign: xengnttab_copy_foreign,
}

/// One grant copy operation. `flags` says which side is foreign (GNTCOPY_source_gref,
/// GNTCOPY_dest_gref); `status` receives GNTST_okay or the first error.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct xengnttab_grant_copy_segment {
    pub source: xengnttab_copy_ptr,
    pub dest: xengnttab_copy_ptr,
    pub len: u16,
    pub flags: u16,
    pub status: i16,
}

/// `typedef struct xengnttab_grant_copy_segment xengnttab_grant_copy_segment_t;`
pub type xengnttab_grant_copy_segment_t = xengnttab_grant_copy_segment;

/// The segments are handed to the kernel in place, so both definitions must agree byte
/// for byte (upstream checks the same with BUILD_BUG_ON).
const _: () = {
    use crate::sys::gntdev::{CopyForeign, GrantCopySegment};
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<xengnttab_grant_copy_segment>() == size_of::<GrantCopySegment>());
    assert!(align_of::<xengnttab_grant_copy_segment>() == align_of::<GrantCopySegment>());
    assert!(offset_of!(xengnttab_grant_copy_segment, dest) == offset_of!(GrantCopySegment, dest));
    assert!(offset_of!(xengnttab_grant_copy_segment, len) == offset_of!(GrantCopySegment, len));
    assert!(offset_of!(xengnttab_grant_copy_segment, flags) == offset_of!(GrantCopySegment, flags));
    assert!(offset_of!(xengnttab_grant_copy_segment, status) == offset_of!(GrantCopySegment, status));
    assert!(offset_of!(xengnttab_copy_foreign, offset) == offset_of!(CopyForeign, offset));
    assert!(offset_of!(xengnttab_copy_foreign, domid) == offset_of!(CopyForeign, domid));
    assert!(size_of::<xengnttab_grant_copy_segment>() == 24);
};

/// `GNTDEV_DMA_FLAG_WC`, spelled exactly as `<xen/sys/gntdev.h>` does so both may be included.
pub const GNTDEV_DMA_FLAG_WC: u32 = 1 << 0;
/// `GNTDEV_DMA_FLAG_COHERENT`, spelled exactly as `<xen/sys/gntdev.h>` does.
pub const GNTDEV_DMA_FLAG_COHERENT: u32 = 1 << 1;
