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
use std::ffi::c_int;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A handle on `/dev/xen/evtchn`: binds ports, signals them, and waits for their events. Its
/// fd can be polled (readable = an event is pending) with poll/epoll/an async runtime, then
/// [`wait`](Self::wait) with a zero timeout takes the event. The fd is non-blocking
/// (`O_NONBLOCK`), so that a thread whose event another thread took first goes back to
/// waiting instead of blocking in `read(2)`.
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
/// `H` is how the port holds its handle, which must stay open while the port is bound:
/// borrowed ([`BoundPort`], from [`EventChannels::bind_unbound_port`] and the other binds) or
/// shared through an [`Arc`] ([`OwnedBoundPort`], from the `_owned` binds: `Send + 'static`,
/// so it moves into threads and tasks). One type, the same methods.
///
/// ```no_run
#[doc = include_str!("../examples/evtchn_ping.rs")]
/// ```
///
/// A borrowed port cannot leave for another thread that might outlive its handle:
///
/// ```compile_fail,E0597
/// let channels = xengnttab::EventChannels::open().unwrap();
/// let port = channels.bind_unbound_port(0).unwrap();
/// std::thread::spawn(move || port.notify()); // error: `channels` does not live long enough
/// ```
#[derive(Debug)]
pub struct BoundPortOf<H: ChannelsHandle> {
    channels: H,
    port: u32,
    /// Cleared by [`unbind`](BoundPortOf::unbind), so that drop does not unbind again.
    bound: bool,
}

/// A port that borrows its [`EventChannels`].
pub type BoundPort<'e> = BoundPortOf<&'e EventChannels>;

/// A port that shares its [`EventChannels`] through an [`Arc`]: `Send + 'static`, for threads
/// and tasks.
///
/// ```
/// fn moves_into_threads<T: Send + 'static>() {}
/// moves_into_threads::<xengnttab::OwnedBoundPort>();
/// ```
///
/// ```no_run
#[doc = include_str!("../examples/owned_threads.rs")]
/// ```
pub type OwnedBoundPort = BoundPortOf<Arc<EventChannels>>;

/// How a [`BoundPortOf`] holds its handle: `&EventChannels` or `Arc<EventChannels>`. Sealed:
/// the port must be unbound on the very handle that bound it.
pub trait ChannelsHandle: Deref<Target = EventChannels> + sealed::Sealed {}

impl ChannelsHandle for &EventChannels {}
impl ChannelsHandle for Arc<EventChannels> {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &super::EventChannels {}
    impl Sealed for std::sync::Arc<super::EventChannels> {}
}

/// The port `bind` returns, bound on `channels`, which it keeps.
fn bound<H: ChannelsHandle>(channels: H, bind: impl FnOnce(BorrowedFd<'_>) -> Result<u32>) -> Result<BoundPortOf<H>> {
    let port = bind(channels.fd.as_fd())?;
    Ok(BoundPortOf { channels, port, bound: true })
}

impl EventChannels {
    /// Opens `/dev/xen/evtchn` (close-on-exec). Fails with ENOENT where there is no Xen (or
    /// the `xen_evtchn` module is not loaded).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn open() -> Result<EventChannels> {
        EventChannels::from_fd(evtchn::open()?)
    }

    /// The handle on an evtchn fd, made non-blocking: [`wait`](Self::wait) reads a pending
    /// port only after poll said one is there, and another thread sharing the handle may have
    /// taken it meanwhile. (Tests pass a socket with the same read/poll semantics.)
    pub(crate) fn from_fd(fd: OwnedFd) -> Result<EventChannels> {
        evtchn::set_nonblocking(fd.as_fd())?;
        Ok(EventChannels { fd })
    }

    /// Allocates a local port that domain `remote_domid` may bind (with `bind_interdomain`
    /// and the returned port's number).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn bind_unbound_port(&self, remote_domid: u32) -> Result<BoundPort<'_>> {
        bound(self, |fd| evtchn::bind_unbound_port(fd, remote_domid))
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
        bound(self, |fd| evtchn::bind_interdomain(fd, remote_domid, remote_port))
    }

    /// Binds a new local port to virtual IRQ `virq` of this domain (Xen's `VIRQ_*` numbers,
    /// e.g. 1 for `VIRQ_DEBUG`); [`wait`](Self::wait) returns the port when the IRQ fires.
    /// Xen lets one port per vCPU bind a VIRQ: binding one that is bound already (by this or
    /// another process) fails with EEXIST; a number Xen does not know, with EINVAL.
    ///
    /// ```no_run
    /// let channels = xengnttab::EventChannels::open()?;
    /// let debug = channels.bind_virq(1)?; // VIRQ_DEBUG: `xl debug-keys` fires it
    /// println!("VIRQ_DEBUG on port {}", debug.port());
    /// # Ok::<(), xengnttab::Error>(())
    /// ```
    pub fn bind_virq(&self, virq: u32) -> Result<BoundPort<'_>> {
        bound(self, |fd| evtchn::bind_virq(fd, virq))
    }

    /// [`bind_unbound_port`](Self::bind_unbound_port), for a handle shared through an
    /// [`Arc`]: the port holds a clone of it, so it is `Send + 'static`.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/owned_threads.rs")]
    /// ```
    pub fn bind_unbound_port_owned(self: &Arc<Self>, remote_domid: u32) -> Result<OwnedBoundPort> {
        bound(Arc::clone(self), |fd| evtchn::bind_unbound_port(fd, remote_domid))
    }

    /// [`bind_interdomain`](Self::bind_interdomain), for a handle shared through an [`Arc`]:
    /// the port holds a clone of it, so it is `Send + 'static`.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/owned_threads.rs")]
    /// ```
    pub fn bind_interdomain_owned(self: &Arc<Self>, remote_domid: u32, remote_port: u32) -> Result<OwnedBoundPort> {
        bound(Arc::clone(self), |fd| evtchn::bind_interdomain(fd, remote_domid, remote_port))
    }

    /// [`bind_virq`](Self::bind_virq), for a handle shared through an [`Arc`]: the port
    /// holds a clone of it, so it is `Send + 'static`.
    ///
    /// ```no_run
    /// let channels = std::sync::Arc::new(xengnttab::EventChannels::open()?);
    /// let debug = channels.bind_virq_owned(1)?; // VIRQ_DEBUG
    /// std::thread::spawn(move || println!("VIRQ_DEBUG on port {}", debug.port()));
    /// # Ok::<(), xengnttab::Error>(())
    /// ```
    pub fn bind_virq_owned(self: &Arc<Self>, virq: u32) -> Result<OwnedBoundPort> {
        bound(Arc::clone(self), |fd| evtchn::bind_virq(fd, virq))
    }

    /// Empties the handle's queue of pending events and clears its overflow error (a
    /// [`wait`](Self::wait) that failed with EFBIG: more events arrived than the driver could
    /// queue). Ports stay bound, but the driver masks a port from the moment its event is
    /// queued (or lost to the overflow) until the event is taken: [`unmask`](BoundPortOf::unmask)
    /// each port afterwards, or it receives nothing more. Dropped events are not replayed, so
    /// look at the shared state afterwards.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn reset(&self) -> Result<()> {
        evtchn::reset(self.fd.as_fd())
    }

    /// Waits until an event is pending on one of this handle's ports, or `timeout` (`None`:
    /// no limit) runs out. Returns the local port that fired, already unmasked (so an event
    /// that arrives while the caller handles this one wakes the next wait), or `None` after
    /// the timeout. Events on one port coalesce (one wake-up may stand for several notifies)
    /// and may be spurious (see [`bind_interdomain`](Self::bind_interdomain)): after a wake-up,
    /// look at the shared state rather than count events. Threads may wait on one handle at
    /// once: each event goes to one of them, and the others keep waiting until their timeout.
    /// A timeout too long for the clock to add (`Duration::MAX`) is no limit.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<u32>> {
        wait_for_event(self.fd.as_fd(), timeout, evtchn::poll_readable)
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

/// [`EventChannels::wait`] on a non-blocking fd, with `poll` (poll(2) itself, or a test's
/// stand-in) saying whether a port is pending. A deadline past what `Instant` can hold is no
/// deadline. A read that finds nothing (EAGAIN: another thread took the event between our
/// poll and our read) goes back to waiting, with what is left of the timeout.
fn wait_for_event(
    fd: BorrowedFd<'_>,
    timeout: Option<Duration>,
    mut poll: impl FnMut(BorrowedFd<'_>, c_int) -> Result<bool>,
) -> Result<Option<u32>> {
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match poll(fd, poll_timeout(left)) {
            Ok(true) => match take_pending(fd) {
                Ok(port) => return Ok(Some(port)),
                Err(e) if e.errno() == libc::EAGAIN || e.errno() == libc::EINTR => {}
                Err(e) => return Err(e),
            },
            Ok(false) if left.is_some_and(|l| l.is_zero()) => return Ok(None),
            Ok(false) => {}
            Err(e) if e.errno() == libc::EINTR => {}
            Err(e) => return Err(e),
        }
    }
}

/// Takes the next pending port off a readable handle and unmasks it, so that its next event
/// wakes a waiter again: what every wait returns (this one, and the async one in
/// `evtchn_async.rs`). The read's errors are the caller's to sort (EAGAIN: another waiter took
/// it first).
pub(crate) fn take_pending(fd: BorrowedFd<'_>) -> Result<u32> {
    let port = evtchn::read_pending(fd)?;
    evtchn::unmask(fd, port)?;
    Ok(port)
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

impl<H: ChannelsHandle> BoundPortOf<H> {
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

    /// The handle the port is bound on, e.g. to [`wait`](EventChannels::wait) on it in the
    /// thread the port moved to.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/owned_threads.rs")]
    /// ```
    pub fn channels(&self) -> &EventChannels {
        &self.channels
    }

    /// Lets the driver deliver the port's events again: what [`EventChannels::wait`] does for
    /// the port it returns, needed after [`EventChannels::reset`] dropped queued events (their
    /// ports stay masked otherwise). Harmless on a port that is not masked.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn unmask(&self) -> Result<()> {
        evtchn::unmask(self.channels.fd.as_fd(), self.port)
    }

    /// Unbinds now, reporting a failure that drop would ignore.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/evtchn_ping.rs")]
    /// ```
    pub fn unbind(mut self) -> Result<()> {
        self.bound = false;
        evtchn::unbind(self.channels.fd.as_fd(), self.port)
    }
}

impl<H: ChannelsHandle> Drop for BoundPortOf<H> {
    fn drop(&mut self) {
        if self.bound {
            let _ = evtchn::unbind(self.channels.fd.as_fd(), self.port);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long past its timeout a wait may still run before the tests call it hung. A hung
    /// wait blocks for good, so any finite grace finds it; a long one keeps a machine that
    /// runs these tests at idle priority beside the labs (compat/run-tests) from failing them.
    const HANG_GRACE: Duration = Duration::from_secs(300);

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

    /// A stand-in for /dev/xen/evtchn with its semantics: a stream socket is readable while
    /// bytes are pending, a read takes a 4-byte port, and the unmask write goes to the peer
    /// end, which the test reads back. `EventChannels` gets it through the same constructor
    /// as the device's fd.
    fn socket_channels() -> (EventChannels, std::os::unix::net::UnixStream) {
        let (ours, peer) = std::os::unix::net::UnixStream::pair().unwrap();
        (EventChannels::from_fd(OwnedFd::from(ours)).unwrap(), peer)
    }

    /// A port bound (as far as the type knows) on the socket stand-in: every ioctl on it
    /// fails with ENOTTY, so notify and unbind reach the "driver" and report that.
    fn owned_port(channels: &Arc<EventChannels>, port: u32) -> OwnedBoundPort {
        BoundPortOf { channels: Arc::clone(channels), port, bound: true }
    }

    #[test]
    fn an_owned_port_moves_to_a_thread_and_gives_its_handle_back_when_dropped() {
        let channels = Arc::new(socket_channels().0);
        let port = owned_port(&channels, 7);
        let (number, notified) = std::thread::spawn(move || (port.port(), port.notify())).join().unwrap();
        assert_eq!(number, 7);
        assert_eq!(notified.unwrap_err().errno(), libc::ENOTTY, "notify reached the driver");
        assert_eq!(Arc::strong_count(&channels), 1, "the dropped port released its handle");
    }

    #[test]
    fn unbinding_an_owned_port_reports_the_drivers_answer_and_releases_the_handle() {
        let channels = Arc::new(socket_channels().0);
        let port = owned_port(&channels, 3);
        assert!(std::ptr::eq(port.channels(), &*channels));
        assert_eq!(port.unbind().unwrap_err().errno(), libc::ENOTTY, "the unbind ioctl was made");
        assert_eq!(Arc::strong_count(&channels), 1, "not leaked by unbind");
    }

    #[test]
    #[cfg_attr(miri, ignore = "recv(2) on a socket: Miri's socketpair has no recv")]
    fn unmask_writes_the_port_back() {
        let (channels, peer) = socket_channels();
        let port = bound(&channels, |_| Ok(9)).unwrap();
        port.unmask().unwrap();
        assert_eq!(read_port(&peer), 9);
    }

    #[test]
    fn reset_and_binds_reach_the_driver() {
        let channels = Arc::new(socket_channels().0);
        assert_eq!(channels.reset().unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(channels.bind_virq(1).unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(channels.bind_virq_owned(1).unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(channels.bind_unbound_port_owned(0).unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(channels.bind_interdomain_owned(0, 5).unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(Arc::strong_count(&channels), 1, "failed binds keep no clone");
    }

    /// The port an unmask wrote back, as the peer end reads it.
    fn read_port(peer: &std::os::unix::net::UnixStream) -> u32 {
        let mut port = [0u8; 4];
        std::io::Read::read_exact(&mut &*peer, &mut port).unwrap();
        u32::from_ne_bytes(port)
    }

    fn send_port(peer: &std::os::unix::net::UnixStream, port: u32) {
        use std::io::Write;
        (&*peer).write_all(&port.to_ne_bytes()).unwrap();
    }

    /// issue 18, finding 8: `Instant::now() + Duration::MAX` panicked; a timeout too long
    /// for the clock is no limit.
    #[test]
    #[cfg_attr(miri, ignore = "poll(2) on a socket: Miri has no poll")]
    fn a_timeout_longer_than_the_clock_can_count_is_no_limit() {
        let (channels, peer) = socket_channels();
        send_port(&peer, 7);
        assert_eq!(channels.wait(Some(Duration::MAX)), Ok(Some(7)));
        assert_eq!(read_port(&peer), 7, "the port was written back (unmasked)");
    }

    /// The same with real threads: 8 wait on one handle and one event arrives. All wake from
    /// poll; those that read after the winner used to block in read(2) for good. Now each
    /// goes back to waiting and times out. 5 rounds, each a fresh race (on main, 2 runs of 3
    /// hung); a wait still running HANG_GRACE after its timeout counts as hung, and the test fails.
    #[test]
    #[cfg_attr(miri, ignore = "poll(2) on a socket: Miri has no poll")]
    fn an_event_other_threads_took_ends_in_the_timeout_not_a_hang() {
        use std::sync::{Arc, Barrier, mpsc};
        const ROUNDS: usize = 5;
        const WAITERS: usize = 8;
        const TIMEOUT: Duration = Duration::from_millis(250);
        let (channels, peer) = socket_channels();
        let channels = Arc::new(channels);
        let start = Arc::new(Barrier::new(WAITERS + 1));
        let (done, rounds) = mpsc::channel();
        let waiters: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (channels, start, done) = (Arc::clone(&channels), Arc::clone(&start), done.clone());
                std::thread::spawn(move || {
                    for _ in 0..ROUNDS {
                        start.wait();
                        let began = Instant::now();
                        let got = channels.wait(Some(TIMEOUT));
                        if done.send((got, began.elapsed())).is_err() {
                            return; // the test gave up on a hung round
                        }
                    }
                })
            })
            .collect();
        let mut results = Vec::new();
        let mut hung = false;
        for _ in 0..ROUNDS {
            start.wait();
            std::thread::sleep(Duration::from_millis(10)); // the waiters sit in poll
            send_port(&peer, 3);
            for _ in 0..WAITERS {
                match rounds.recv_timeout(TIMEOUT + HANG_GRACE) {
                    Ok(result) => results.push(result),
                    Err(_) => hung = true,
                }
            }
            if hung {
                break;
            }
        }
        if hung {
            // Lets the blocked read return (its thread then ends); the other waiter is left
            // at the barrier, as the test fails anyway.
            drop(rounds);
            send_port(&peer, 3);
        } else {
            waiters.into_iter().for_each(|w| w.join().unwrap());
        }
        assert!(!hung, "a wait blocked in read(2) past its timeout (the event was taken by the other thread)");
        let events = results.iter().filter(|(got, _)| *got == Ok(Some(3))).count();
        assert_eq!(events, ROUNDS, "each event is returned once: {results:?}");
        let timed_out: Vec<_> = results.iter().filter(|(got, _)| *got == Ok(None)).map(|&(_, took)| took).collect();
        assert_eq!(timed_out.len(), ROUNDS * (WAITERS - 1), "the other wait of each round times out: {results:?}");
        assert!(timed_out.iter().all(|&took| took >= TIMEOUT), "never before its timeout: {timed_out:?}");
    }

    /// issue 18, finding 8, deterministically: another thread sharing the handle takes the
    /// event between this wait's poll and its read (the poll stand-in does that read, as the
    /// other thread's wait would). The read used to block for good, the timeout ignored; now
    /// the wait goes back to polling and times out. A wait still running HANG_GRACE after its
    /// timeout counts as hung: the test then sends a port to let it go, and fails.
    #[test]
    #[cfg_attr(miri, ignore = "poll(2) on a socket: Miri has no poll")]
    fn an_event_taken_between_poll_and_read_ends_in_the_timeout() {
        use std::sync::{Arc, mpsc};
        const TIMEOUT: Duration = Duration::from_millis(100);
        let (channels, peer) = socket_channels();
        let channels = Arc::new(channels);
        send_port(&peer, 5);
        let (done, result) = mpsc::channel();
        let waiter = {
            let channels = Arc::clone(&channels);
            std::thread::spawn(move || {
                let mut taken = None;
                let began = Instant::now();
                let got = wait_for_event(channels.as_fd(), Some(TIMEOUT), |fd, ms| {
                    let ready = evtchn::poll_readable(fd, ms)?;
                    if ready && taken.is_none() {
                        taken = Some(evtchn::read_pending(fd)?); // the other thread's read
                    }
                    Ok(ready)
                });
                let _ = done.send((got, taken, began.elapsed()));
            })
        };
        let Ok((got, taken, took)) = result.recv_timeout(TIMEOUT + HANG_GRACE) else {
            send_port(&peer, 5);
            panic!("the wait blocked in read(2) past its timeout after another reader took the event");
        };
        waiter.join().unwrap();
        assert_eq!(taken, Some(5), "the other reader took the event");
        assert_eq!(got, Ok(None), "so this wait times out");
        assert!(took >= TIMEOUT, "and not before its timeout: {took:?}");
    }
}
