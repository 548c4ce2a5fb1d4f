//! An open gntdev or gntalloc device with its logger: the state behind every handle.

use crate::error::{Error, Result};
use crate::sys::device;
use crate::sys::toolcore::HandleBox;
use crate::sys::toollog::Logger;
use std::ffi::{CStr, c_int};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};

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
/// gntalloc for the Rust API ([`GrantSharer::open`](crate::GrantSharer::open)): close-on-exec,
/// as every fd the Rust API opens, so that a program that spawns others does not leak it.
pub(crate) const GNTALLOC: DeviceKind =
    DeviceKind { path: c"/dev/xen/gntalloc", open_flags: libc::O_CLOEXEC, register_with_toolcore: false };
/// gntalloc for the C API: upstream opens it without O_CLOEXEC; kept for fidelity (README,
/// compatibility notes).
pub(crate) const GNTALLOC_AS_UPSTREAM: DeviceKind = DeviceKind { open_flags: 0, ..GNTALLOC };

/// /dev/null, to drive the validation paths without Xen: every ioctl is ENOTTY.
#[cfg(any(test, fuzzing))]
pub(crate) const DEV_NULL_FOR_TESTS: DeviceKind =
    DeviceKind { path: c"/dev/null", open_flags: libc::O_CLOEXEC, register_with_toolcore: true };

/// Fields drop in declaration order, which is upstream's close order (after deregistering,
/// which the [`HandleBox`] does first): close, then destroy the logger.
#[derive(Debug)]
pub(crate) struct Device {
    fd: OwnedFd,
    logger: Logger,
    /// [`next_id`]'s number, with [`RECORDED`] set once the C API recorded a region of this
    /// handle's: only then must closing it look for regions to forget. In one word with the
    /// id, so that neither open nor map pays a store of its own for the flag.
    id: AtomicU64,
}

/// The flag in [`Device`]'s id word.
const RECORDED: u64 = 1 << 63;

impl Device {
    /// Upstream's open sequence, in one allocation as upstream's: allocate the handle,
    /// register it with xentoolcore (gntdev only), make the logger (stderr by default), open
    /// the node. Open failures are not logged.
    #[inline(always)]
    pub(crate) fn open(kind: DeviceKind, logger: Option<Logger>) -> Result<HandleBox<Device>> {
        let open = || {
            let logger = match logger {
                Some(logger) => logger,
                None => Logger::stderr().ok_or(Error::NO_MEMORY)?,
            };
            let fd = device::open(kind.path, kind.open_flags)?;
            Ok(Device { fd, logger, id: AtomicU64::new(next_id()) })
        };
        HandleBox::new(kind.register_with_toolcore, open, Device::raw_fd)
    }

    /// A device on `fd`, not registered with libxentoolcore: what the tests of the C API open
    /// under Miri, which runs no C and, isolated, opens no file (a pipe's ioctls are ENOTTY,
    /// as /dev/null's).
    #[cfg(test)]
    pub(crate) fn from_fd_for_tests(fd: OwnedFd) -> Result<HandleBox<Device>> {
        let open = || {
            let logger = Logger::stderr().ok_or(Error::NO_MEMORY)?;
            Ok(Device { fd, logger, id: AtomicU64::new(next_id()) })
        };
        HandleBox::new(false, open, Device::raw_fd)
    }

    /// A number no other device of this process has had, unlike fds or heap addresses, which
    /// are reused after close: it says which handle may unmap a region (`capi::regions`). It
    /// changes once, at [`id_for_recording`](Self::id_for_recording), before any region of the
    /// handle is recorded.
    pub(crate) fn id(&self) -> u64 {
        self.id.load(Ordering::Relaxed)
    }

    /// The id with [`RECORDED`] set, for recording a region of this handle's: every region is
    /// recorded under it, and [`has_recorded`](Self::has_recorded) tells close to look.
    #[inline(always)]
    pub(crate) fn id_for_recording(&self) -> u64 {
        let id = self.id() | RECORDED;
        self.id.store(id, Ordering::Relaxed);
        id
    }

    /// Whether a region of this handle's was ever recorded.
    pub(crate) fn has_recorded(&self) -> bool {
        self.id() & RECORDED != 0
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

    /// Closes the device: deregisters and frees the handle, then closes the fd, whose
    /// failure is reported (as `xengnttab_close` returns it), then destroys the logger. Live
    /// mappings stay valid: each pins the kernel's file.
    pub(crate) fn close(handle: HandleBox<Device>) -> Result<()> {
        let Device { fd, logger, .. } = handle.into_inner();
        let closed = device::close(fd);
        drop(logger);
        closed
    }
}

/// Ids start at 1: 0 is no handle's (`capi::regions` uses it for gntshr regions). They never
/// reach [`RECORDED`].
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::device::{close_on_exec, open};

    /// What each handle's open flags give, on a node every host has (the Xen nodes exist only
    /// in a Xen domain: see `every_handle_the_rust_api_opens_is_close_on_exec`).
    fn flags_give_close_on_exec(open_flags: c_int) -> bool {
        let fd = open(c"/dev/null", open_flags).expect("/dev/null opens");
        close_on_exec(fd.as_fd()).expect("F_GETFD on a live fd")
    }

    #[test]
    #[cfg_attr(miri, ignore = "fcntl(F_GETFD) of an opened file: checked natively")]
    fn the_rust_apis_devices_open_close_on_exec_and_the_c_apis_gntalloc_as_upstream() {
        assert!(flags_give_close_on_exec(GNTDEV.open_flags), "gntdev");
        assert!(flags_give_close_on_exec(GNTALLOC.open_flags), "gntalloc, Rust API");
        assert!(flags_give_close_on_exec(crate::sys::evtchn::OPEN_FLAGS), "evtchn");
        assert!(!flags_give_close_on_exec(GNTALLOC_AS_UPSTREAM.open_flags), "gntalloc, C API: upstream's flags");
        assert_eq!(GNTALLOC_AS_UPSTREAM.path, GNTALLOC.path);
    }

    /// With Xen (`cargo test` as root in a dom0), the fds the handles hold; without it, each
    /// open must fail as a missing node (or a lack of root) does. The lab checks the same on
    /// real Xen end to end: `examples/owned_threads.rs` asserts that a child process it runs
    /// inherits no `/dev/xen` fd.
    #[test]
    #[cfg_attr(miri, ignore = "fcntl(F_GETFD) of an opened file: checked natively")]
    fn every_handle_the_rust_api_opens_is_close_on_exec() {
        let check = |name: &str, opened: Result<Option<bool>>| match opened {
            Ok(cloexec) => assert_eq!(cloexec, Some(true), "{name}'s fd is close-on-exec"),
            Err(e) => assert!(
                [libc::ENOENT, libc::EACCES, libc::EPERM].contains(&e.errno()),
                "{name}: without the node (or root), open fails as such: {e}"
            ),
        };
        let cloexec = |fd: BorrowedFd<'_>| close_on_exec(fd).ok();
        check("gntdev", crate::GrantTable::open().map(|t| cloexec(t.dev.fd())));
        check("gntalloc", crate::GrantSharer::open().map(|s| cloexec(s.dev.fd())));
        check("evtchn", crate::EventChannels::open().map(|c| cloexec(c.as_fd())));
    }
}
