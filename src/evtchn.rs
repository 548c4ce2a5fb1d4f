//! Event channels (`/dev/xen/evtchn`): the doorbell between two domains that share pages.
//!
//! One side binds an unbound port for the other domain ([`EventChannels::bind_unbound_port`])
//! and tells it the port number (through xenstore, a file, a command line); the other side
//! binds it ([`EventChannels::bind_interdomain`]). Then either side's
//! [`BoundPort::notify`] wakes the other's [`EventChannels::wait`]. A port is also what an
//! [`UnmapNotify`](crate::UnmapNotify) signals when a mapping or share goes away, even when
//! its process dies. Rust API only: the C library is libxengnttab's and has no event channels
//! (those are libxenevtchn's).

use crate::error::Result;
use crate::sys::evtchn;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// A handle on `/dev/xen/evtchn`: binds ports, signals them, and waits for their events. Its
/// fd can be polled (readable = an event is pending) with poll/epoll/an async runtime, then
/// [`wait`](Self::wait) with a zero timeout takes the event.
///
/// ```no_run
#[doc = include_str!("../examples/evtchn_ping.rs")]
/// ```
#[derive(Debug)]
pub struct EventChannels {
    fd: OwnedFd,
}

/// A port bound on an [`EventChannels`] handle; unbound on drop.
///
/// ```no_run
#[doc = include_str!("../examples/evtchn_ping.rs")]
/// ```
#[derive(Debug)]
pub struct BoundPort<'e> {
    channels: &'e EventChannels,
    port: u32,
}

impl EventChannels {
    /// Opens `/dev/xen/evtchn` (close-on-exec). Fails with ENOENT where there is no Xen (or
    /// the `xen_evtchn` module is not loaded).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn open() -> Result<EventChannels> {
        Ok(EventChannels { fd: evtchn::open()? })
    }

    /// Allocates a local port that domain `remote_domid` may bind (with `bind_interdomain`
    /// and the returned port's number).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn bind_unbound_port(&self, remote_domid: u32) -> Result<BoundPort<'_>> {
        let port = evtchn::bind_unbound_port(self.fd.as_fd(), remote_domid)?;
        Ok(BoundPort { channels: self, port })
    }

    /// Connects a new local port to `remote_port`, an unbound port that domain
    /// `remote_domid` allocated for us. Xen marks the new port pending at once (events the
    /// peer sent before may have been lost), so the first [`wait`](Self::wait) returns it
    /// without a notify behind it.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn bind_interdomain(&self, remote_domid: u32, remote_port: u32) -> Result<BoundPort<'_>> {
        let port = evtchn::bind_interdomain(self.fd.as_fd(), remote_domid, remote_port)?;
        Ok(BoundPort { channels: self, port })
    }

    /// Waits until an event is pending on one of this handle's ports, or `timeout` (`None`:
    /// no limit) runs out. Returns the local port that fired, already unmasked (so an event
    /// that arrives while the caller handles this one wakes the next wait), or `None` after
    /// the timeout. Events on one port coalesce (one wake-up may stand for several notifies)
    /// and may be spurious (see [`bind_interdomain`](Self::bind_interdomain)): after a wake-up,
    /// look at the shared state rather than count events.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<u32>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match evtchn::poll_readable(self.fd.as_fd(), poll_timeout(left)) {
                Ok(true) => break,
                Ok(false) if left.is_some_and(|l| l.is_zero()) => return Ok(None),
                Ok(false) => {}
                Err(e) if e.errno() == libc::EINTR => {}
                Err(e) => return Err(e),
            }
        }
        let port = evtchn::read_pending(self.fd.as_fd())?;
        evtchn::unmask(self.fd.as_fd(), port)?;
        Ok(Some(port))
    }

    /// Signals local port `port` (bound on any handle of this domain).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn notify(&self, port: u32) -> Result<()> {
        evtchn::notify(self.fd.as_fd(), port)
    }
}

/// poll(2)'s timeout in milliseconds for what is left of a wait, rounded up so that a wait
/// never ends early; -1 for no limit.
fn poll_timeout(left: Option<Duration>) -> libc::c_int {
    match left {
        None => -1,
        Some(left) => {
            let ms = left.as_nanos().div_ceil(1_000_000);
            libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
        }
    }
}

/// The fd, for poll/epoll: readable while an event is pending.
impl AsFd for EventChannels {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The fd, for poll/epoll: readable while an event is pending.
impl AsRawFd for EventChannels {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl BoundPort<'_> {
    /// The local port number: what the peer binds (after `bind_unbound_port`), what
    /// [`EventChannels::wait`] returns for it, and what an
    /// [`UnmapNotify::send_event`](crate::UnmapNotify::send_event) names.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn port(&self) -> u32 {
        self.port
    }

    /// Sends an event to the other end.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn notify(&self) -> Result<()> {
        self.channels.notify(self.port)
    }

    /// Unbinds now, reporting a failure that drop would ignore.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn unbind(self) -> Result<()> {
        let port = self.port;
        let fd = self.channels.fd.as_fd();
        std::mem::forget(self);
        evtchn::unbind(fd, port)
    }
}

impl Drop for BoundPort<'_> {
    fn drop(&mut self) {
        let _ = evtchn::unbind(self.channels.fd.as_fd(), self.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_timeouts_round_up_and_saturate() {
        assert_eq!(poll_timeout(None), -1);
        assert_eq!(poll_timeout(Some(Duration::ZERO)), 0);
        assert_eq!(poll_timeout(Some(Duration::from_nanos(1))), 1, "never shorter than asked");
        assert_eq!(poll_timeout(Some(Duration::from_millis(250))), 250);
        assert_eq!(poll_timeout(Some(Duration::from_secs(u64::MAX))), libc::c_int::MAX);
    }

    #[test]
    fn without_xen_open_fails_with_enoent() {
        if std::path::Path::new("/dev/xen/evtchn").exists() {
            return;
        }
        assert_eq!(EventChannels::open().unwrap_err().errno(), libc::ENOENT);
    }
}
