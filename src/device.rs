//! An open gntdev or gntalloc device with its logger: the state behind every handle.

use crate::error::{Error, Result};
use crate::sys::device;
use crate::sys::toolcore::Registration;
use crate::sys::toollog::Logger;
use std::ffi::{CStr, c_int};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// Which node to open, and how upstream opens it.
#[derive(Clone, Copy)]
pub(crate) struct DeviceKind {
    path: &'static CStr,
    open_flags: c_int,
    /// Only gnttab handles join xentoolcore's registry (gntshr handles survive restrict_all).
    register_with_toolcore: bool,
}

pub(crate) const GNTDEV: DeviceKind =
    DeviceKind { path: c"/dev/xen/gntdev", open_flags: libc::O_CLOEXEC, register_with_toolcore: true };
/// Upstream opens gntalloc without O_CLOEXEC; kept for fidelity (README, compatibility notes).
pub(crate) const GNTALLOC: DeviceKind =
    DeviceKind { path: c"/dev/xen/gntalloc", open_flags: 0, register_with_toolcore: false };

/// /dev/null, to drive the validation paths without Xen: every ioctl is ENOTTY.
#[cfg(any(test, fuzzing))]
pub(crate) const DEV_NULL_FOR_TESTS: DeviceKind =
    DeviceKind { path: c"/dev/null", open_flags: libc::O_CLOEXEC, register_with_toolcore: true };

/// Fields drop in declaration order, which is upstream's close order: deregister, close, then
/// destroy the logger.
#[derive(Debug)]
pub(crate) struct Device {
    registration: Option<Registration>,
    fd: OwnedFd,
    logger: Logger,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registration")
    }
}

impl Device {
    /// Upstream's open sequence: register, make the logger (stderr by default), open the node.
    /// Open failures are not logged.
    pub(crate) fn open(kind: DeviceKind, logger: Option<Logger>) -> Result<Device> {
        let registration = kind.register_with_toolcore.then(Registration::register);
        let logger = match logger {
            Some(logger) => logger,
            None => Logger::stderr().ok_or(Error::NO_MEMORY)?,
        };
        let fd = device::open(kind.path, kind.open_flags)?;
        if let Some(registration) = &registration {
            registration.set_fd(fd.as_raw_fd());
        }
        Ok(Device { registration, fd, logger })
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Logs `message` with `error`'s strerror, under `context` ("gnttab" or "gntshr").
    pub(crate) fn log(&self, context: &CStr, message: &CStr, error: Error) {
        self.logger.error(context, message, error.errno());
    }

    pub(crate) fn logger(&self) -> &Logger {
        &self.logger
    }

    /// Closes the device; close(2)'s failure is reported, as `xengnttab_close` returns it.
    /// Live mappings stay valid: each pins the kernel's file.
    pub(crate) fn close(self) -> Result<()> {
        let Device { registration, fd, logger } = self;
        drop(registration);
        let closed = device::close(fd);
        drop(logger);
        closed
    }
}
