//! `xengnttab_*`: the gntdev (mapping) half of the C API.

use super::boundary::{array, array_mut, device, ffi_call, ffi_call_errno};
use super::regions::{self, Owner};
use super::{
    caller_logger, close_handle, evtchn_port_t, handle_fd, into_handle, xengnttab_grant_copy_segment_t,
    xengnttab_handle, xentoollog_logger,
};
use crate::dmabuf::{self, DmabufWait};
use crate::error::Error;
use crate::gnttab::{self, DomainList, GrantTable, MAX_MAP_COUNT, MaxGrants};
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::sys::caller_array::InArray;
use crate::sys::gntdev::{CopyBatch, GrantCopySegment};
use crate::sys::mman::RawRegion;
use std::ffi::{c_int, c_uint, c_void};
use std::os::fd::IntoRawFd;
use std::ptr::null_mut;

/// Opens `/dev/xen/gntdev`. A NULL logger logs errors to stderr. Open failures are not
/// logged; without Xen this is NULL with errno ENOENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_open(logger: *mut xentoollog_logger, open_flags: c_uint) -> *mut xengnttab_handle {
    let _ = open_flags;
    ffi_call(null_mut(), || {
        // SAFETY: the caller's logger outlives the handle (C API contract).
        let table = GrantTable::open_with_logger(unsafe { caller_logger(logger) })?;
        Ok(into_handle(table.dev))
    })
}

/// Closes the handle. Existing mappings stay valid until munmapped; the library forgets them
/// (its unmap needs this handle).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_close(xgt: *mut xengnttab_handle) -> c_int {
    // SAFETY: the caller passes a live handle (or NULL).
    if let Ok(dev) = unsafe { device(xgt) } {
        if dev.has_recorded() {
            regions::forget(Owner::gnttab(dev.id()));
        }
    }
    // SAFETY: the caller gives the handle back.
    unsafe { close_handle(xgt) }
}

/// The handle's file descriptor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_fd(xgt: *mut xengnttab_handle) -> c_int {
    // SAFETY: the caller passes a live handle.
    unsafe { handle_fd(xgt) }
}

/// Maps one grant of `domid`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_map_grant_ref(
    xgt: *mut xengnttab_handle,
    domid: u32,
    r#ref: u32,
    prot: c_int,
) -> *mut c_void {
    // SAFETY: the caller passes a live handle.
    unsafe { map(xgt, DomainList::Same(domid), InArray::from_slice(&[r#ref]), prot, UnmapNotify::NONE) }
}

/// Maps `count` grants, `refs[i]` of `domids[i]`, as one contiguous region.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_map_grant_refs(
    xgt: *mut xengnttab_handle,
    count: u32,
    domids: *mut u32,
    refs: *mut u32,
    prot: c_int,
) -> *mut c_void {
    ffi_call(null_mut(), || {
        let count = checked_map_count(count)?;
        // SAFETY: the caller's arrays hold `count` elements.
        let (domids, refs) = unsafe { (array(domids, count)?, array(refs, count)?) };
        // SAFETY: the caller passes a live handle.
        Ok(unsafe { map(xgt, DomainList::PerRef(domids), refs, prot, UnmapNotify::NONE) })
    })
}

/// Maps `count` grants of one domain as one contiguous region.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_map_domain_grant_refs(
    xgt: *mut xengnttab_handle,
    count: u32,
    domid: u32,
    refs: *mut u32,
    prot: c_int,
) -> *mut c_void {
    ffi_call(null_mut(), || {
        let count = checked_map_count(count)?;
        // SAFETY: the caller's array holds `count` elements.
        let refs = unsafe { array(refs, count)? };
        // SAFETY: the caller passes a live handle.
        Ok(unsafe { map(xgt, DomainList::Same(domid), refs, prot, UnmapNotify::NONE) })
    })
}

/// Maps one grant with an unmap notification: byte `notify_offset` cleared (if inside the
/// page) and/or event `notify_port` signalled (unless -1) when the mapping goes away.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_map_grant_ref_notify(
    xgt: *mut xengnttab_handle,
    domid: u32,
    r#ref: u32,
    prot: c_int,
    notify_offset: u32,
    notify_port: evtchn_port_t,
) -> *mut c_void {
    let notify = UnmapNotify { offset: notify_offset, port: notify_port };
    // SAFETY: the caller passes a live handle.
    unsafe { map(xgt, DomainList::Same(domid), InArray::from_slice(&[r#ref]), prot, notify) }
}

/// Unmaps a region returned by one of the map calls; `count` must be its page count.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_unmap(xgt: *mut xengnttab_handle, start_address: *mut c_void, count: u32) -> c_int {
    ffi_call(-1, || {
        // SAFETY: the caller passes a live handle.
        let dev = unsafe { device(xgt)? };
        // Held from the start: no other call can take this region, or a new one mapped at its
        // address, until it is unmapped (then released) or the unmap fails (then put back).
        // An address the table refuses gets the kernel's errno if the kernel refuses it too,
        // as upstream's would (EINVAL when nothing is there, ENOTTY through a gntshr handle).
        let offset = regions::take_down(
            start_address,
            count,
            Owner::gnttab(dev.id()),
            || {
                // SAFETY: the table holds exactly this region of this handle's, and nothing is
                // unmapped unless the kernel also finds a grant map of `count` pages there.
                let region = unsafe { RawRegion::from_raw(start_address, count as usize * PAGE_SIZE) };
                gnttab::unmap_region(dev, region, count)
            },
            || gnttab::unmap_refusal(dev, start_address),
        )?;
        gnttab::release_grant_map(dev, offset, count).map(|()| 0)
    })
}

/// Linux has no such limit: returns 0 (errno left at ENOTTY, as upstream).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_set_max_grants(xgt: *mut xengnttab_handle, nr_grants: u32) -> c_int {
    ffi_call_errno(-1, || {
        // SAFETY: the caller passes a live handle.
        Ok(match gnttab::set_max_grants(unsafe { device(xgt)? }, nr_grants)? {
            MaxGrants::Set => (0, None),
            MaxGrants::Unsupported => (0, Some(libc::ENOTTY)),
        })
    })
}

/// Copies between local buffers and grants; each segment's `status` gets its GNTST_* result.
/// `(0, NULL)` returns 0: QEMU's probe for grant-copy support.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_grant_copy(
    xgt: *mut xengnttab_handle,
    count: u32,
    segs: *mut xengnttab_grant_copy_segment_t,
) -> c_int {
    ffi_call(-1, || {
        // SAFETY: the caller passes a live handle.
        let dev = unsafe { device(xgt)? };
        // SAFETY: the caller's `count` segments and their buffers are valid for the call (a
        // bad pointer is the kernel's EFAULT, as with upstream); the two segment types are
        // layout-identical (asserted in types.rs).
        let mut batch = unsafe { CopyBatch::from_raw(count, segs.cast::<GrantCopySegment>()) };
        gnttab::grant_copy(dev, &mut batch).map(|()| 0)
    })
}

/// Exports `count` grants of `domid` as a dma-buf; its fd is written to `*fd`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_dmabuf_exp_from_refs(
    xgt: *mut xengnttab_handle,
    domid: u32,
    flags: u32,
    count: u32,
    refs: *const u32,
    fd: *mut u32,
) -> c_int {
    ffi_call(-1, || {
        // SAFETY: the caller passes a live handle and `count` refs.
        let (dev, refs) = unsafe { (device(xgt)?, array(refs, count as usize)?) };
        // Checked for NULL before any dma-buf exists, so none can leak; written only once the
        // refs were read and the kernel made the buffer (it may point into `refs`).
        if fd.is_null() {
            return Err(Error::INVALID);
        }
        let exported = dmabuf::dmabuf_exp_from_refs(dev, domid, flags, refs)?;
        // SAFETY: the caller's out-pointer, non-NULL, valid for a write on success. The
        // caller owns the fd from now on.
        unsafe { fd.write_unaligned(exported.into_raw_fd().unsigned_abs()) };
        Ok(0)
    })
}

/// Waits up to `wait_to_ms` for an exported dma-buf's release. A buffer the kernel no longer
/// knows counts as released (0 with errno 0, as upstream).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_dmabuf_exp_wait_released(
    xgt: *mut xengnttab_handle,
    fd: u32,
    wait_to_ms: u32,
) -> c_int {
    ffi_call_errno(-1, || {
        // SAFETY: the caller passes a live handle.
        let dev = unsafe { device(xgt)? };
        match dmabuf::dmabuf_exp_wait_released(dev, fd, wait_to_ms)? {
            DmabufWait::Released => Ok((0, None)),
            DmabufWait::NotExported => Ok((0, Some(0))),
            DmabufWait::TimedOut => Err(dmabuf::log_wait_timed_out(dev)),
        }
    })
}

/// Grants the pages of dma-buf `fd` to `domid`, writing `count` refs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_dmabuf_imp_to_refs(
    xgt: *mut xengnttab_handle,
    domid: u32,
    fd: u32,
    count: u32,
    refs: *mut u32,
) -> c_int {
    ffi_call(-1, || {
        // SAFETY: the caller passes a live handle and room for `count` refs.
        let (dev, refs) = unsafe { (device(xgt)?, array_mut(refs, count as usize)?) };
        dmabuf::dmabuf_imp_to_refs(dev, domid, fd, refs).map(|()| 0)
    })
}

/// Releases an imported dma-buf.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengnttab_dmabuf_imp_release(xgt: *mut xengnttab_handle, fd: u32) -> c_int {
    // SAFETY: the caller passes a live handle.
    ffi_call(-1, || dmabuf::dmabuf_imp_release(unsafe { device(xgt)? }, fd).map(|()| 0))
}

/// Counts whose request size would overflow upstream's 32-bit arithmetic are refused before
/// the caller's arrays are touched.
fn checked_map_count(count: u32) -> Result<usize, Error> {
    if count > MAX_MAP_COUNT { Err(Error::INVALID) } else { Ok(count as usize) }
}

/// # Safety
/// `xgt` is NULL or a live handle.
unsafe fn map(
    xgt: *mut xengnttab_handle,
    domains: DomainList<'_>,
    refs: InArray<'_, u32>,
    prot: c_int,
    notify: UnmapNotify,
) -> *mut c_void {
    ffi_call(null_mut(), || {
        // SAFETY: the caller's contract.
        let dev = unsafe { device(xgt)? };
        let mapping = gnttab::map(dev, domains, refs, prot, notify)?;
        // Unmapped again (on drop) if it cannot be recorded.
        regions::record(mapping.addr(), mapping.pages(), Owner::gnttab(dev.id_for_recording()))?;
        Ok(mapping.into_raw())
    })
}
