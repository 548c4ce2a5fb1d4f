//! The C ABI of `libxengnttab.so.1`: one thin `extern "C"` function per upstream symbol.
//!
//! Every function goes through `boundary::ffi_call`: panics never unwind into C, failures
//! return upstream's failure value (NULL or -1) with errno set last.
//!
//! # Safety
//! Every function has upstream's C contract: a handle argument is NULL or a live handle from
//! the matching open call; arrays hold `count` elements; addresses passed to unmap/unshare
//! came from our map/share calls and are not used afterwards. NULL handles and arrays are
//! rejected with EINVAL rather than trusted.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod boundary;
#[cfg(test)]
mod caller_array_tests;
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod gntshr;
pub mod gnttab;
#[cfg(test)]
mod panic_tests;
mod regions;
pub mod types;
#[cfg(test)]
mod validation_tests;

pub use types::*;

use crate::device::Device;
use crate::sys::toolcore::HandleBox;
use crate::sys::toollog::Logger;
use std::ptr::NonNull;

/// Hands an open device's block to C as its handle.
fn into_handle(dev: HandleBox<Device>) -> *mut xengntdev_handle {
    dev.into_raw().cast().as_ptr()
}

/// Takes a caller's logger, or None for upstream's stderr default.
///
/// # Safety
/// `logger` is NULL or a valid logger that outlives the handle.
unsafe fn caller_logger(logger: *mut xentoollog_logger) -> Option<Logger> {
    // SAFETY: the caller's contract.
    NonNull::new(logger.cast()).map(|logger| unsafe { Logger::borrowed(logger) })
}

/// Closes a handle: NULL is 0; otherwise close(2)'s result. Never unmaps anything.
///
/// # Safety
/// `handle` is NULL or a live handle, not used afterwards.
unsafe fn close_handle(handle: *mut xengntdev_handle) -> libc::c_int {
    boundary::ffi_call(-1, || {
        let Some(handle) = NonNull::new(handle) else {
            return Ok(0);
        };
        // SAFETY: a live handle from into_handle, given back to us exactly once.
        let dev = unsafe { HandleBox::<Device>::from_raw(handle.cast()) };
        Device::close(dev).map(|()| 0)
    })
}

/// The handle's file descriptor; -1/EINVAL for NULL (upstream would crash).
///
/// # Safety
/// `handle` is NULL or a live handle.
unsafe fn handle_fd(handle: *mut xengntdev_handle) -> libc::c_int {
    // SAFETY: the caller's contract.
    boundary::ffi_call(-1, || Ok(unsafe { boundary::device(handle) }?.raw_fd()))
}
