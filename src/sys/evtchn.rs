//! `/dev/xen/evtchn`: the uapi structs and ioctls of `<xen/evtchn.h>`, and the fd's read
//! (pending ports), write (unmask) and poll.

use super::ioctl::{IoctlArg, ioc_none, ioctl, ioctl_args};
use crate::error::{Error, Result};
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// The device node.
pub const EVTCHN: &std::ffi::CStr = c"/dev/xen/evtchn";

/// `struct ioctl_evtchn_bind_virq`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct BindVirq {
    pub virq: u32,
}

/// `struct ioctl_evtchn_bind_interdomain`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct BindInterdomain {
    pub remote_domain: u32,
    pub remote_port: u32,
}

/// `struct ioctl_evtchn_bind_unbound_port`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct BindUnboundPort {
    pub remote_domain: u32,
}

/// `struct ioctl_evtchn_unbind`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Unbind {
    pub port: u32,
}

/// `struct ioctl_evtchn_notify`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Notify {
    pub port: u32,
}

/// IOCTL_EVTCHN_RESET has no argument struct (its size field is 0): this empty one stands
/// for it, so that the ioctl goes through the same typed path; the kernel reads nothing.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Reset;

const _: () = {
    assert!(size_of::<BindVirq>() == 4 && size_of::<Reset>() == 0);
    assert!(size_of::<BindInterdomain>() == 8 && std::mem::offset_of!(BindInterdomain, remote_port) == 4);
    assert!(size_of::<BindUnboundPort>() == 4 && size_of::<Unbind>() == 4 && size_of::<Notify>() == 4);
};

/// `#define IOCTL_EVTCHN_BIND_VIRQ _IOC(_IOC_NONE, 'E', 0, sizeof(struct ioctl_evtchn_bind_virq))`
pub const IOCTL_EVTCHN_BIND_VIRQ: libc::c_ulong = ioc_none(b'E', 0, size_of::<BindVirq>());
/// `#define IOCTL_EVTCHN_BIND_INTERDOMAIN _IOC(_IOC_NONE, 'E', 1, sizeof(struct ioctl_evtchn_bind_interdomain))`
pub const IOCTL_EVTCHN_BIND_INTERDOMAIN: libc::c_ulong = ioc_none(b'E', 1, size_of::<BindInterdomain>());
/// `#define IOCTL_EVTCHN_BIND_UNBOUND_PORT _IOC(_IOC_NONE, 'E', 2, sizeof(struct ioctl_evtchn_bind_unbound_port))`
pub const IOCTL_EVTCHN_BIND_UNBOUND_PORT: libc::c_ulong = ioc_none(b'E', 2, size_of::<BindUnboundPort>());
/// `#define IOCTL_EVTCHN_UNBIND _IOC(_IOC_NONE, 'E', 3, sizeof(struct ioctl_evtchn_unbind))`
pub const IOCTL_EVTCHN_UNBIND: libc::c_ulong = ioc_none(b'E', 3, size_of::<Unbind>());
/// `#define IOCTL_EVTCHN_NOTIFY _IOC(_IOC_NONE, 'E', 4, sizeof(struct ioctl_evtchn_notify))`
pub const IOCTL_EVTCHN_NOTIFY: libc::c_ulong = ioc_none(b'E', 4, size_of::<Notify>());
/// `#define IOCTL_EVTCHN_RESET _IOC(_IOC_NONE, 'E', 5, 0)`
pub const IOCTL_EVTCHN_RESET: libc::c_ulong = ioc_none(b'E', 5, size_of::<Reset>());

ioctl_args! {
    BindVirq => IOCTL_EVTCHN_BIND_VIRQ,
    BindInterdomain => IOCTL_EVTCHN_BIND_INTERDOMAIN,
    BindUnboundPort => IOCTL_EVTCHN_BIND_UNBOUND_PORT,
    Unbind => IOCTL_EVTCHN_UNBIND,
    Notify => IOCTL_EVTCHN_NOTIFY,
    Reset => IOCTL_EVTCHN_RESET,
}

/// The bind ioctls return the new local port as the ioctl's value.
fn port(rc: libc::c_int) -> Result<u32> {
    u32::try_from(rc).map_err(|_| Error::INVALID)
}

/// The flags beside O_RDWR: close-on-exec, as libxenevtchn and every fd of the Rust API.
pub const OPEN_FLAGS: libc::c_int = libc::O_CLOEXEC;

/// `open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC)`, as libxenevtchn.
pub fn open() -> Result<OwnedFd> {
    super::device::open(EVTCHN, OPEN_FLAGS)
}

/// IOCTL_EVTCHN_BIND_VIRQ: a local port bound to virtual IRQ `virq`; the local port.
pub fn bind_virq(fd: BorrowedFd<'_>, virq: u32) -> Result<u32> {
    ioctl(fd, &mut BindVirq { virq }).and_then(port)
}

/// IOCTL_EVTCHN_BIND_INTERDOMAIN: connects to `remote_port` of `remote_domain`; the local port.
pub fn bind_interdomain(fd: BorrowedFd<'_>, remote_domain: u32, remote_port: u32) -> Result<u32> {
    ioctl(fd, &mut BindInterdomain { remote_domain, remote_port }).and_then(port)
}

/// IOCTL_EVTCHN_BIND_UNBOUND_PORT: a local port that `remote_domain` may bind; the local port.
pub fn bind_unbound_port(fd: BorrowedFd<'_>, remote_domain: u32) -> Result<u32> {
    ioctl(fd, &mut BindUnboundPort { remote_domain }).and_then(port)
}

pub fn unbind(fd: BorrowedFd<'_>, port: u32) -> Result<()> {
    ioctl(fd, &mut Unbind { port }).map(drop)
}

pub fn notify(fd: BorrowedFd<'_>, port: u32) -> Result<()> {
    ioctl(fd, &mut Notify { port }).map(drop)
}

/// IOCTL_EVTCHN_RESET: empties the fd's ring of pending ports and clears its overflow error.
pub fn reset(fd: BorrowedFd<'_>) -> Result<()> {
    ioctl(fd, &mut Reset).map(drop)
}

/// Makes the fd non-blocking (`O_NONBLOCK`, kept with the other status flags): a read with no
/// port pending then fails with EAGAIN instead of blocking.
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: F_GETFL and F_SETFL on a live fd take and return plain integers.
    let ok = unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) == 0
    };
    if ok { Ok(()) } else { Err(Error::last_os_error()) }
}

/// Reads one pending port (the kernel masks it until it is written back). On a non-blocking
/// fd (as `EventChannels` makes its fd), EAGAIN when none is pending; otherwise it blocks.
pub fn read_pending(fd: BorrowedFd<'_>) -> Result<u32> {
    let mut port = 0u32;
    // SAFETY: reads at most 4 bytes into a live u32.
    let n = unsafe { libc::read(fd.as_raw_fd(), (&raw mut port).cast(), size_of::<u32>()) };
    match n {
        4 => Ok(port),
        n if n < 0 => Err(Error::last_os_error()),
        _ => Err(Error::from_errno(libc::EIO)),
    }
}

/// Writes `port` back to the fd, which unmasks it.
pub fn unmask(fd: BorrowedFd<'_>, port: u32) -> Result<()> {
    // SAFETY: writes the 4 bytes of a live u32.
    let n = unsafe { libc::write(fd.as_raw_fd(), (&raw const port).cast(), size_of::<u32>()) };
    match n {
        4 => Ok(()),
        n if n < 0 => Err(Error::last_os_error()),
        _ => Err(Error::from_errno(libc::EIO)),
    }
}

/// `poll(fd, POLLIN, timeout_ms)` (-1: no limit): whether a port is pending. EINTR is
/// reported as such, for the caller to retry with what is left of its timeout.
pub fn poll_readable(fd: BorrowedFd<'_>, timeout_ms: libc::c_int) -> Result<bool> {
    let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one live pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
    if n < 0 { Err(Error::last_os_error()) } else { Ok(n > 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x86_64's numbers, the same on aarch64 and armhf: no pointer or `long` in these structs.
    #[test]
    fn ioctl_numbers_match_the_documented_x86_64_values() {
        assert_eq!(IOCTL_EVTCHN_BIND_VIRQ, 0x0004_4500);
        assert_eq!(IOCTL_EVTCHN_BIND_INTERDOMAIN, 0x0008_4501);
        assert_eq!(IOCTL_EVTCHN_BIND_UNBOUND_PORT, 0x0004_4502);
        assert_eq!(IOCTL_EVTCHN_UNBIND, 0x0004_4503);
        assert_eq!(IOCTL_EVTCHN_NOTIFY, 0x0004_4504);
        assert_eq!(IOCTL_EVTCHN_RESET, 0x0000_4505);
    }
}
