//! Thread-local errno access, for the C boundary.

/// Sets the calling thread's errno.
pub fn set(value: i32) {
    // SAFETY: __errno_location() returns a valid pointer to this thread's errno for the whole
    // life of the thread.
    unsafe { *libc::__errno_location() = value }
}

/// Reads the calling thread's errno.
pub fn get() -> i32 {
    // SAFETY: as in `set`.
    unsafe { *libc::__errno_location() }
}
