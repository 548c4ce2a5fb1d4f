//! The one way into Rust from C: failures become upstream's failure value, errno is set last.
//!
//! There is no panic to catch here: the C library is built with panic=abort and
//! `compat/check-no-panic` proves that its linked object has no panic path left at all
//! (docs/robustness.md, section 6).

use crate::device::Device;
use crate::error::{Error, Result};
use crate::sys::caller_array::{InArray, OutArray};
use crate::sys::errno;
use crate::sys::toolcore::HandleBox;
use std::ptr::NonNull;

use super::xengntdev_handle;

/// Runs `body`; on failure returns `fail` with errno set from the error.
pub(crate) fn ffi_call<T>(fail: T, body: impl FnOnce() -> Result<T>) -> T {
    ffi_call_errno(fail, || body().map(|value| (value, None)))
}

/// As [`ffi_call`], for the calls whose success also sets errno (upstream quirks).
///
/// `body` has returned, and so dropped every local and finished every log line, before errno
/// is written: nothing can clobber it between here and the C caller.
pub(crate) fn ffi_call_errno<T>(fail: T, body: impl FnOnce() -> Result<(T, Option<i32>)>) -> T {
    let (value, errno_value) = match body() {
        Ok((value, errno_value)) => (value, errno_value),
        Err(error) => (fail, Some(error.errno())),
    };
    if let Some(value) = errno_value {
        errno::set(value);
    }
    value
}

/// The device behind a C handle; NULL is EINVAL (upstream would crash).
///
/// # Safety
/// `handle` is NULL or a live handle from one of our open calls, not yet closed.
pub(crate) unsafe fn device<'a>(handle: *mut xengntdev_handle) -> Result<&'a Device> {
    let handle = NonNull::new(handle).ok_or(Error::INVALID)?;
    // SAFETY: the caller's contract: the block of an open device, live for the call.
    Ok(unsafe { HandleBox::<Device>::value_from_raw(handle.cast()) })
}

/// A C array of `count` elements to read; NULL is EINVAL unless the array is empty. No Rust
/// reference is made over it (`sys::caller_array`): each element is read when the request
/// is built.
///
/// # Safety
/// A non-NULL `ptr` is valid for reads of `count` elements for the call's duration.
pub(crate) unsafe fn array<'a, T: Copy>(ptr: *const T, count: usize) -> Result<InArray<'a, T>> {
    match NonNull::new(ptr.cast_mut()) {
        // SAFETY: the caller's contract.
        Some(ptr) => Ok(unsafe { InArray::from_raw(ptr, count) }),
        None if count == 0 => Ok(InArray::empty()),
        None => Err(Error::INVALID),
    }
}

/// A C array of `count` elements to write once the call succeeded; NULL is EINVAL unless the
/// array is empty. Nothing is written, and no Rust reference is made over it, before then
/// (`sys::caller_array`), so a call the kernel refuses never touches it, as upstream's.
///
/// # Safety
/// A non-NULL `ptr` is valid for writes of `count` elements whenever the call succeeds.
pub(crate) unsafe fn array_mut<'a, T: Copy>(ptr: *mut T, count: usize) -> Result<OutArray<'a, T>> {
    match NonNull::new(ptr) {
        // SAFETY: the caller's contract.
        Some(ptr) => Ok(unsafe { OutArray::from_raw(ptr, count) }),
        None if count == 0 => Ok(OutArray::empty()),
        None => Err(Error::INVALID),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_the_failure_value_and_errno() {
        errno::set(0);
        assert_eq!(ffi_call(-1, || Err::<i32, _>(Error::from_errno(libc::ENOSPC))), -1);
        assert_eq!(errno::get(), libc::ENOSPC);
    }

    #[test]
    fn success_leaves_errno_alone_unless_told() {
        errno::set(libc::EBADF);
        assert_eq!(ffi_call(-1, || Ok(5)), 5);
        assert_eq!(errno::get(), libc::EBADF);
        assert_eq!(ffi_call_errno(-1, || Ok((0, Some(0)))), 0);
        assert_eq!(errno::get(), 0);
    }

    #[test]
    fn null_arrays_are_einval_unless_empty() {
        // SAFETY: NULL pointers are never dereferenced by `array`.
        unsafe {
            assert_eq!(array::<u32>(std::ptr::null(), 0).map(|a| a.len()).ok(), Some(0));
            assert_eq!(array::<u32>(std::ptr::null(), 3).err(), Some(Error::INVALID));
            assert_eq!(array_mut::<u32>(std::ptr::null_mut(), 0).map(|a| a.len()).ok(), Some(0));
            assert_eq!(array_mut::<u32>(std::ptr::null_mut(), 1).err(), Some(Error::INVALID));
            assert_eq!(device(std::ptr::null_mut()).err(), Some(Error::INVALID));
        }
    }
}
