//! The one error type of the crate: an errno value, as the C API reports it.

use std::fmt;

/// A failed operation, carrying the `errno` the C API would report. Displays as the
/// strerror text; converts to and from [`std::io::Error`], so `?` works in functions
/// returning `io::Result`.
///
/// ```
/// use xengnttab::Error;
/// let e = Error::from_errno(libc::ENOENT);
/// assert_eq!(e.errno(), libc::ENOENT);
/// assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
/// # #[cfg(not(miri))] // Miri's strerror_r stand-in appends "(os error 2)" itself
/// assert_eq!(e.to_string(), "No such file or directory (os error 2)");
/// let io: std::io::Error = e.into();
/// assert_eq!(Error::from(io), e);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error(i32);

/// Result of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an errno value.
    pub const fn from_errno(errno: i32) -> Self {
        Error(errno)
    }

    /// The errno value, e.g. `libc::EINVAL`.
    pub const fn errno(self) -> i32 {
        self.0
    }

    /// The [`std::io::ErrorKind`] of the errno, e.g. `NotFound` for ENOENT (no Xen device),
    /// `PermissionDenied` for EACCES/EPERM.
    pub fn kind(self) -> std::io::ErrorKind {
        std::io::Error::from_raw_os_error(self.0).kind()
    }

    /// The calling thread's current errno, read right after a failed libc call.
    pub fn last_os_error() -> Self {
        Error(crate::sys::errno::get())
    }

    pub(crate) const INVALID: Error = Error(libc::EINVAL);
    pub(crate) const NO_MEMORY: Error = Error(libc::ENOMEM);
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.0, std::io::Error::from_raw_os_error(self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&std::io::Error::from_raw_os_error(self.0), f)
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        std::io::Error::from_raw_os_error(e.0)
    }
}

/// An I/O error without an errno (e.g. one made by `io::Error::new`) becomes EIO.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

impl From<std::collections::TryReserveError> for Error {
    fn from(_: std::collections::TryReserveError) -> Self {
        Error::NO_MEMORY
    }
}
