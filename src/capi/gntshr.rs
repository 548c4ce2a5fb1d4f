//! `xengntshr_*`: the gntalloc (sharing) half of the C API.

use super::boundary::{array_mut, device, ffi_call};
use super::regions::{self, Owner};
use super::{caller_logger, close_handle, evtchn_port_t, handle_fd, into_handle, xengntshr_handle, xentoollog_logger};
use crate::error::Error;
use crate::gntshr::{self, GrantSharer};
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::sys::mman::RawRegion;
use std::ffi::{c_int, c_uint, c_void};
use std::ptr::null_mut;

/// Opens `/dev/xen/gntalloc` (without O_CLOEXEC, as upstream). Failures are not logged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_open(logger: *mut xentoollog_logger, open_flags: c_uint) -> *mut xengntshr_handle {
    let _ = open_flags;
    ffi_call(null_mut(), || {
        // SAFETY: the caller's logger outlives the handle (C API contract).
        let sharer = GrantSharer::open_with_logger(unsafe { caller_logger(logger) })?;
        Ok(into_handle(sharer.dev))
    })
}

/// Closes the handle; shared pages stay shared until unshared.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_close(xgs: *mut xengntshr_handle) -> c_int {
    // SAFETY: the caller gives the handle back.
    unsafe { close_handle(xgs) }
}

/// The handle's file descriptor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_fd(xgs: *mut xengntshr_handle) -> c_int {
    // SAFETY: the caller passes a live handle.
    unsafe { handle_fd(xgs) }
}

/// Shares `count` new zeroed pages with `domid`, writing one grant ref per page to `refs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_share_pages(
    xgs: *mut xengntshr_handle,
    domid: u32,
    count: c_int,
    refs: *mut u32,
    writable: c_int,
) -> *mut c_void {
    // SAFETY: the caller passes a live handle and room for `count` refs.
    unsafe { share(xgs, domid, count, refs, writable, UnmapNotify::NONE) }
}

/// Shares one page with an unmap notification (byte cleared and/or event sent when we unshare).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_share_page_notify(
    xgs: *mut xengntshr_handle,
    domid: u32,
    r#ref: *mut u32,
    writable: c_int,
    notify_offset: u32,
    notify_port: evtchn_port_t,
) -> *mut c_void {
    let notify = UnmapNotify { offset: notify_offset, port: notify_port };
    // SAFETY: the caller passes a live handle and room for one ref.
    unsafe { share(xgs, domid, 1, r#ref, writable, notify) }
}

/// Stops sharing: munmaps `count` pages at `start_address`, which must be exactly a region
/// returned by a share call (upstream munmaps any range). Like upstream it needs no handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xengntshr_unshare(
    xgs: *mut xengntshr_handle,
    start_address: *mut c_void,
    count: u32,
) -> c_int {
    let _ = xgs;
    ffi_call(-1, || {
        // Held until munmap succeeded; put back if it fails.
        regions::take_down(
            start_address,
            count,
            Owner::GNTSHR,
            || {
                // SAFETY: the table holds exactly this region, which a share call returned, and no
                // other call can take it meanwhile.
                let region = unsafe { RawRegion::from_raw(start_address, count as usize * PAGE_SIZE) };
                gntshr::unshare_raw(region)
            },
            || Error::INVALID,
        )
        .map(|()| 0)
    })
}

/// # Safety
/// `xgs` is NULL or a live handle; `refs` has room for `count` refs.
unsafe fn share(
    xgs: *mut xengntshr_handle,
    domid: u32,
    count: c_int,
    refs: *mut u32,
    writable: c_int,
    notify: UnmapNotify,
) -> *mut c_void {
    ffi_call(null_mut(), || {
        let pages = u32::try_from(count).map_err(|_| Error::INVALID)?;
        // SAFETY: the caller's contract.
        let (dev, refs) = unsafe { (device(xgs)?, array_mut(refs, pages as usize)?) };
        let shared = gntshr::share(dev, domid, refs, writable != 0, notify)?;
        // Unshared again (on drop) if it cannot be recorded.
        regions::record(shared.addr(), pages, Owner::GNTSHR)?;
        Ok(shared.into_raw())
    })
}
