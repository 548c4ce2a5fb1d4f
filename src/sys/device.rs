//! Opening and closing the device nodes with exactly upstream's flags.

use crate::error::{Error, Result};
use std::ffi::CStr;
#[cfg(test)]
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};

/// `open(path, O_RDWR | extra_flags)`; std's `File::open` always adds O_CLOEXEC, which
/// upstream does not use for gntalloc.
pub fn open(path: &CStr, extra_flags: libc::c_int) -> Result<OwnedFd> {
    // SAFETY: path is a NUL-terminated string.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | extra_flags) };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `close(fd)`, reporting its result as `xengnttab_close` must; OwnedFd's drop ignores it.
pub fn close(fd: OwnedFd) -> Result<()> {
    // SAFETY: into_raw_fd gives up ownership, so the descriptor is closed exactly once.
    if unsafe { libc::close(fd.into_raw_fd()) } == 0 { Ok(()) } else { Err(Error::last_os_error()) }
}

/// Whether `fd` is close-on-exec (`FD_CLOEXEC` of `fcntl(F_GETFD)`).
#[cfg(test)]
pub fn close_on_exec(fd: BorrowedFd<'_>) -> Result<bool> {
    // SAFETY: F_GETFD on a live fd takes no argument and returns an integer.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    if flags < 0 { Err(Error::last_os_error()) } else { Ok(flags & libc::FD_CLOEXEC != 0) }
}
