//! libxentoollog: the logger upstream reports errors through.

use std::ffi::{CStr, c_int};
#[cfg(not(miri))]
use std::ffi::{c_char, c_uint};
use std::ptr::NonNull;

/// `struct XtlLogger`, opaque here; callers of the C API pass their own.
#[repr(C)]
pub struct XtlLogger {
    _opaque: [u8; 0],
}

/// `XTL_PROGRESS` and `XTL_ERROR` of `enum xentoollog_level`.
const XTL_PROGRESS: c_int = 4;
const XTL_ERROR: c_int = 8;

#[cfg(not(miri))]
#[link(name = "xentoollog")]
unsafe extern "C" {
    fn xtl_createlogger_stdiostream(fh: *mut libc::FILE, min_level: c_int, flags: c_uint) -> *mut XtlLogger;
    fn xtl_logger_destroy(logger: *mut XtlLogger);
    fn xtl_log(
        logger: *mut XtlLogger,
        level: c_int,
        errnoval: c_int,
        context: *const c_char,
        format: *const c_char,
        ...
    );
    static mut stderr: *mut libc::FILE;
}

/// Miri runs no C: the logger is a placeholder and logs nothing (`error` and `error_with_int`
/// skip `xtl_log`, which is variadic).
#[cfg(miri)]
#[allow(non_upper_case_globals, clippy::missing_safety_doc)]
mod miri_seam {
    use super::XtlLogger;
    use std::ffi::{c_int, c_uint};
    use std::ptr::NonNull;

    pub static mut stderr: *mut libc::FILE = std::ptr::null_mut();

    pub unsafe fn xtl_createlogger_stdiostream(_: *mut libc::FILE, _: c_int, _: c_uint) -> *mut XtlLogger {
        NonNull::dangling().as_ptr()
    }

    pub unsafe fn xtl_logger_destroy(_: *mut XtlLogger) {}
}
#[cfg(miri)]
use miri_seam::*;

/// The handle's logger: the caller's (never destroyed by us) or upstream's default stderr one.
/// As upstream's handle, it keeps the logger to free (NULL for the caller's) and destroys it
/// unconditionally: `xtl_logger_destroy(NULL)` does nothing (issue 12: no flag to test).
#[derive(Debug)]
pub struct Logger {
    ptr: NonNull<XtlLogger>,
    tofree: *mut XtlLogger,
}

// SAFETY: upstream calls the logger from whichever thread uses the handle; xentoollog's stdio
// logger and caller-supplied loggers are used the same way by every Xen library.
unsafe impl Send for Logger {}
// SAFETY: as above.
unsafe impl Sync for Logger {}

impl Logger {
    /// Upstream's default: `xtl_createlogger_stdiostream(stderr, XTL_PROGRESS, 0)`.
    pub fn stderr() -> Option<Logger> {
        // SAFETY: reading libc's `stderr` FILE pointer; the stream lives for the process.
        let ptr = unsafe { xtl_createlogger_stdiostream(stderr, XTL_PROGRESS, 0) };
        NonNull::new(ptr).map(|ptr| Logger { ptr, tofree: ptr.as_ptr() })
    }

    /// Wraps a caller's logger.
    ///
    /// # Safety
    /// `ptr` must be a valid xentoollog logger that outlives the handle (the C API contract).
    pub unsafe fn borrowed(ptr: NonNull<XtlLogger>) -> Logger {
        Logger { ptr, tofree: std::ptr::null_mut() }
    }

    /// Logs `<context>: error: <message>: <strerror(errno)>` at XTL_ERROR. `message` is
    /// passed as the format, as upstream's fixed strings are: it must contain no `%`.
    pub fn error(&self, context: &CStr, message: &CStr, errno: i32) {
        debug_assert!(!message.to_bytes().contains(&b'%'));
        // SAFETY: valid logger; both strings NUL-terminated; the format takes no arguments.
        #[cfg(not(miri))]
        unsafe {
            xtl_log(self.ptr.as_ptr(), XTL_ERROR, errno, context.as_ptr(), message.as_ptr())
        }
        #[cfg(miri)]
        let _ = (self.ptr, context, errno, XTL_ERROR);
    }

    /// Logs with a format taking one `%d`, e.g. "ioctl GRANT COPY failed %d ".
    pub fn error_with_int(&self, context: &CStr, format_with_one_d: &CStr, value: c_int, errno: i32) {
        // SAFETY: valid logger; the format consumes exactly one int argument.
        #[cfg(not(miri))]
        unsafe {
            xtl_log(self.ptr.as_ptr(), XTL_ERROR, errno, context.as_ptr(), format_with_one_d.as_ptr(), value)
        }
        #[cfg(miri)]
        let _ = (self.ptr, context, format_with_one_d, value, errno);
    }
}

impl Drop for Logger {
    fn drop(&mut self) {
        // SAFETY: `tofree` is NULL (a no-op for libxentoollog, as in upstream's close) or the
        // logger we created, destroyed exactly once.
        unsafe { xtl_logger_destroy(self.tofree) }
    }
}
