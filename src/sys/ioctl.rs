//! The single place where `ioctl(2)` is called.

use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, BorrowedFd};

/// Builds `_IOC(_IOC_NONE, kind, nr, size)`, the form of every gntdev, gntalloc and evtchn
/// ioctl number: direction bits 0, the type byte, and the argument struct's size encoded in
/// bits 16..30.
pub const fn ioc_none(kind: u8, nr: u32, size: usize) -> libc::c_ulong {
    ((size as libc::c_ulong) << 16) | ((kind as libc::c_ulong) << 8) | nr as libc::c_ulong
}

/// `_IOC(_IOC_NONE, 'G', nr, size)`: gntdev and gntalloc.
pub const fn ioc_none_g(nr: u32, size: usize) -> libc::c_ulong {
    ioc_none(b'G', nr, size)
}

/// A fixed-size ioctl argument struct, tied to the one request number that takes it.
pub trait IoctlArg {
    const REQUEST: libc::c_ulong;
}

/// Ties each fixed-size argument struct to its request number.
macro_rules! ioctl_args {
    ($($arg:ty => $request:expr),* $(,)?) => {
        $(impl IoctlArg for $arg {
            const REQUEST: libc::c_ulong = $request;
        })*
    };
}
pub(crate) use ioctl_args;

/// Issues `ioctl(fd, request, arg)`.
///
/// # Safety
/// `arg` must point to memory laid out as the argument struct of `request` (per the uapi
/// header), valid for reads and writes over everything the kernel accesses for it.
#[cfg(not(miri))]
pub unsafe fn ioctl_raw(fd: BorrowedFd<'_>, request: libc::c_ulong, arg: *mut libc::c_void) -> Result<libc::c_int> {
    // SAFETY: the caller guarantees `arg` matches `request`; fd is a live descriptor.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request, arg) };
    if rc < 0 { Err(Error::last_os_error()) } else { Ok(rc) }
}

/// Under Miri, which has no devices and no ioctl, every ioctl fails as on a file that is not
/// a device (ENOTTY, what the tests' /dev/null gives), without touching `arg`: the tests of
/// the C API then run every step before and after the kernel's refusal under Miri's checks.
///
/// # Safety
/// As the real one's.
#[cfg(miri)]
pub unsafe fn ioctl_raw(fd: BorrowedFd<'_>, request: libc::c_ulong, arg: *mut libc::c_void) -> Result<libc::c_int> {
    let _ = (fd.as_raw_fd(), request, arg);
    Err(Error::from_errno(libc::ENOTTY))
}

/// Issues the ioctl that takes `T`, with `arg` as its argument.
pub fn ioctl<T: IoctlArg>(fd: BorrowedFd<'_>, arg: &mut T) -> Result<libc::c_int> {
    // SAFETY: `T::REQUEST` is the request whose argument is exactly a `T` (the size is
    // encoded in the number and asserted beside each definition); `arg` is a live &mut T.
    unsafe { ioctl_raw(fd, T::REQUEST, (arg as *mut T).cast()) }
}
