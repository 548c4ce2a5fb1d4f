//! Handles for the fuzz target (fuzz/), built only with `--cfg fuzzing` (cargo fuzz sets it):
//! without Xen there is no gntdev to open, yet the validation behind the handle check must
//! be fuzzed too. Nothing here is exported from the C library.

use super::{caller_logger, into_handle, xengntdev_handle, xentoollog_logger};
use crate::device::{DEV_NULL_FOR_TESTS, Device};

/// A live C handle whose fd is /dev/null, usable with every `xengnttab_*`/`xengntshr_*`
/// function (both handle types are the same struct); close it with `xengnttab_close`.
/// Every ioctl on it fails with ENOTTY, so nothing ever gets mapped. NULL with errno set if
/// even /dev/null cannot be opened.
///
/// # Safety
/// `logger` is NULL (stderr, upstream's default) or a valid xentoollog logger that outlives
/// the handle.
pub unsafe fn dev_null_handle(logger: *mut xentoollog_logger) -> *mut xengntdev_handle {
    // SAFETY: the caller's contract.
    let logger = unsafe { caller_logger(logger) };
    match Device::open(DEV_NULL_FOR_TESTS, logger) {
        Ok(dev) => into_handle(dev),
        Err(error) => {
            crate::sys::errno::set(error.errno());
            std::ptr::null_mut()
        }
    }
}
