//! Event channels in a tokio runtime (feature `tokio`): [`AsyncEventChannels`] waits for a
//! port's event as a future, through the runtime's own reactor ([`tokio::io::unix::AsyncFd`]
//! over the handle's fd, which is non-blocking already). No thread of its own and no
//! `spawn_blocking`: a wait is an epoll registration, and the read that takes the port happens
//! in the task that awaits it.
//!
//! Not under Miri or ThreadSanitizer: those runs build with `--features capi` only (Miri has no
//! epoll for tokio's reactor); this module's unit tests run natively (`--features capi,tokio`).

use crate::error::{Error, Result};
use crate::evtchn::{ChannelsHandle, EventChannels, take_pending};
use crate::sys::async_fd::{self, HandleFd};
use std::io;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::unix::{AsyncFd, AsyncFdReadyGuard};

/// An [`EventChannels`] handle waited on asynchronously, in a tokio runtime built with its I/O
/// driver (`enable_io`, or `enable_all`; a current-thread runtime will do).
///
/// [`wait`](Self::wait) resolves to the next local port that fired, already unmasked, as
/// [`EventChannels::wait`] returns it; [`next`](Self::next) is the same as a stream of ports,
/// and [`poll_wait`](Self::poll_wait) the poll function under both (to build a `Stream`, e.g.
/// `futures::stream::poll_fn(|cx| events.poll_wait(cx).map(Some))`). The same rules as for the
/// blocking wait: events of one port coalesce and may be spurious, so look at the shared state
/// after a wake-up rather than count events. Ports are bound, notified and unbound on the
/// handle as before ([`handle`](Self::handle)); only the waiting moves here (a blocking
/// [`EventChannels::wait`] on the same handle would take events from under the futures).
///
/// `H` is how it holds the handle, as for [`BoundPortOf`](crate::BoundPortOf): borrowed
/// (`&EventChannels`) or shared (`Arc<EventChannels>`, which makes it `Send + Sync + 'static`
/// for spawned tasks). One per handle: a second registration of the same fd fails (EEXIST).
///
/// ```no_run
/// # async fn run() -> xengnttab::Result<()> {
/// use xengnttab::{AsyncEventChannels, EventChannels};
/// let channels = EventChannels::open()?;
/// let port = channels.bind_unbound_port(1)?; // for domain 1, which binds it
/// let events = AsyncEventChannels::new(&channels)?;
/// while let Some(fired) = events.next().await {
///     assert_eq!(fired?, port.port()); // unmasked already: the next notify wakes us again
///     port.notify()?;                  // answer
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncEventChannels<H: ChannelsHandle> {
    fd: AsyncFd<HandleFd<H>>,
}

impl AsyncEventChannels<Arc<EventChannels>> {
    /// Opens `/dev/xen/evtchn` ([`EventChannels::open`]) and registers it with the current
    /// runtime. Bind ports on [`handle`](Self::handle): `bind_*_owned` gives ports that move
    /// into spawned tasks.
    ///
    /// ```no_run
    /// # async fn run() -> xengnttab::Result<()> {
    /// let events = xengnttab::AsyncEventChannels::open()?;
    /// let port = events.handle().bind_unbound_port_owned(1)?; // an OwnedBoundPort
    /// let fired = events.wait().await?;
    /// assert_eq!(fired, port.port());
    /// # Ok(())
    /// # }
    /// ```
    pub fn open() -> Result<Self> {
        AsyncEventChannels::new(Arc::new(EventChannels::open()?))
    }
}

impl<H: ChannelsHandle> AsyncEventChannels<H> {
    /// Registers `channels`' fd with the current tokio runtime's reactor. Fails with EINVAL
    /// outside a runtime (where tokio itself would panic), with EEXIST when the handle is
    /// registered already; in a runtime built without its I/O driver, tokio panics, as for
    /// every tokio I/O type (it gives no way to ask beforehand).
    ///
    /// ```no_run
    /// # async fn run() -> xengnttab::Result<()> {
    /// let channels = std::sync::Arc::new(xengnttab::EventChannels::open()?);
    /// let events = xengnttab::AsyncEventChannels::new(std::sync::Arc::clone(&channels))?;
    /// tokio::spawn(async move { events.wait().await }); // Arc: Send + 'static
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(channels: H) -> Result<Self> {
        Ok(AsyncEventChannels { fd: async_fd::register(channels)? })
    }

    /// The handle: bind, notify and unbind ports on it, as without a runtime.
    pub fn handle(&self) -> &H {
        self.fd.get_ref().handle()
    }

    /// Deregisters the handle from the reactor and gives it back.
    pub fn into_handle(self) -> H {
        self.fd.into_inner().into_handle()
    }

    /// Waits for an event on one of the handle's ports and returns that local port, unmasked
    /// (an event arriving while the caller handles this one wakes the next wait). Errors are
    /// the driver's (e.g. EFBIG: its queue overflowed, see [`EventChannels::reset`]) or the
    /// runtime's (EIO once it shuts down). Cancel-safe: a port is taken and unmasked in one
    /// poll, so a wait dropped mid-way (`select!`, `tokio::time::timeout`) loses no event.
    /// Tasks may wait on one handle at once: each event goes to one of them.
    ///
    /// ```no_run
    /// # async fn run(events: xengnttab::AsyncEventChannels<&xengnttab::EventChannels>) -> xengnttab::Result<()> {
    /// use std::time::Duration;
    /// match tokio::time::timeout(Duration::from_millis(250), events.wait()).await {
    ///     Ok(port) => println!("port {} fired", port?),
    ///     Err(_) => println!("nothing within 250 ms"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait(&self) -> Result<u32> {
        loop {
            let mut ready = self.fd.readable().await?;
            if let Some(taken) = take(&mut ready) {
                return taken;
            }
        }
    }

    /// The ports as a stream: [`wait`](Self::wait) as `Some`, for `while let` loops and
    /// stream adapters. Never `None`: the handle fires as long as it has ports.
    pub async fn next(&self) -> Option<Result<u32>> {
        Some(self.wait().await)
    }

    /// [`wait`](Self::wait) as a poll function, for hand-written futures and streams:
    /// `Ready` with the port (unmasked) or an error, or `Pending` with `cx`'s waker
    /// registered. As tokio's `poll_read_ready`, it keeps only the waker of its latest call:
    /// tasks that wait at once should use [`wait`](Self::wait).
    pub fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<Result<u32>> {
        loop {
            let mut ready = match self.fd.poll_read_ready(cx) {
                Poll::Ready(Ok(ready)) => ready,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => return Poll::Pending,
            };
            if let Some(taken) = take(&mut ready) {
                return Poll::Ready(taken);
            }
        }
    }
}

/// Reads one pending port and unmasks it, the reactor having said the fd is readable; `None`
/// when there was none after all (another task took it: readiness is cleared, to wait
/// again) or the read was interrupted. Readiness stays set after a port is taken, so the
/// next wait reads again at once: tokio's epoll is edge-triggered, and more ports may be
/// queued behind this one.
fn take<H: ChannelsHandle>(ready: &mut AsyncFdReadyGuard<'_, HandleFd<H>>) -> Option<Result<u32>> {
    let taken = ready.try_io(|fd| {
        let channels: &EventChannels = fd.get_ref().handle();
        take_pending(channels.as_fd()).map_err(io::Error::from)
    });
    match taken {
        Ok(Ok(port)) => Some(Ok(port)),
        Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => None,
        Ok(Err(e)) => Some(Err(Error::from(e))),
        Err(_would_block) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    /// The stand-in of `evtchn.rs`'s tests: a stream socket is readable while ports are
    /// queued, a read takes one, and an unmask writes it back to the peer end.
    fn socket_channels() -> (EventChannels, UnixStream) {
        let (ours, peer) = UnixStream::pair().unwrap();
        (EventChannels::from_fd(OwnedFd::from(ours)).unwrap(), peer)
    }

    fn send_port(peer: &UnixStream, port: u32) {
        (&*peer).write_all(&port.to_ne_bytes()).unwrap();
    }

    fn read_port(peer: &UnixStream) -> u32 {
        let mut port = [0u8; 4];
        (&*peer).read_exact(&mut port).unwrap();
        u32::from_ne_bytes(port)
    }

    /// A current-thread runtime with its I/O driver and timer: no runtime threads.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    const SHORT: Duration = Duration::from_millis(50);

    #[test]
    fn without_xen_open_fails_with_enoent() {
        if std::path::Path::new("/dev/xen/evtchn").exists() {
            return;
        }
        let opened = runtime().block_on(async { AsyncEventChannels::open().map(drop) });
        assert_eq!(opened.unwrap_err().errno(), libc::ENOENT);
    }

    #[test]
    fn outside_a_runtime_registering_is_an_error_not_a_panic() {
        let (channels, _peer) = socket_channels();
        assert_eq!(AsyncEventChannels::new(&channels).unwrap_err().errno(), libc::EINVAL);
    }

    #[test]
    fn a_second_registration_of_one_handle_fails_with_eexist() {
        let (channels, _peer) = socket_channels();
        runtime().block_on(async {
            let _events = AsyncEventChannels::new(&channels).unwrap();
            assert_eq!(AsyncEventChannels::new(&channels).unwrap_err().errno(), libc::EEXIST);
        });
    }

    #[test]
    fn wait_takes_each_queued_port_and_unmasks_it() {
        let (channels, peer) = socket_channels();
        runtime().block_on(async {
            let events = AsyncEventChannels::new(&channels).unwrap();
            assert!(tokio::time::timeout(SHORT, events.wait()).await.is_err(), "nothing pending: it waits");
            send_port(&peer, 7);
            send_port(&peer, 9);
            // Both queued behind one readiness edge: the second wait reads without a new one.
            assert_eq!(events.wait().await, Ok(7));
            assert_eq!(events.next().await, Some(Ok(9)));
            assert_eq!((read_port(&peer), read_port(&peer)), (7, 9), "written back: unmasked");
            assert!(tokio::time::timeout(SHORT, events.wait()).await.is_err(), "then nothing again");
        });
    }

    /// A port arriving while the task sleeps in the reactor wakes it.
    #[test]
    fn a_port_sent_while_waiting_wakes_the_wait() {
        let (channels, peer) = socket_channels();
        runtime().block_on(async {
            let events = AsyncEventChannels::new(&channels).unwrap();
            let sender = std::thread::spawn(move || {
                std::thread::sleep(SHORT);
                send_port(&peer, 3);
                peer
            });
            assert_eq!(tokio::time::timeout(Duration::from_secs(300), events.wait()).await, Ok(Ok(3)));
            assert_eq!(read_port(&sender.join().unwrap()), 3);
        });
    }

    /// The reactor said readable, but the port was taken before the read (here by a blocking
    /// wait on the same handle, as another reader would): the read's EAGAIN clears the
    /// readiness and the future waits again, neither an error nor a hang in read(2).
    #[test]
    fn a_port_taken_by_another_reader_sends_the_wait_back_to_waiting() {
        let (channels, peer) = socket_channels();
        runtime().block_on(async {
            let events = AsyncEventChannels::new(&channels).unwrap();
            send_port(&peer, 5);
            assert!(tokio::time::timeout(SHORT, events.wait()).await.is_ok_and(|p| p == Ok(5)));
            send_port(&peer, 6);
            tokio::task::yield_now().await; // the reactor sees the edge
            assert_eq!(channels.wait(Some(Duration::ZERO)), Ok(Some(6)), "taken by the other reader");
            assert!(tokio::time::timeout(SHORT, events.wait()).await.is_err(), "back to waiting");
            send_port(&peer, 8);
            assert_eq!(events.wait().await, Ok(8), "and woken by the next one");
        });
    }

    #[test]
    fn poll_wait_is_pending_then_ready() {
        let (channels, peer) = socket_channels();
        runtime().block_on(async {
            let events = AsyncEventChannels::new(&channels).unwrap();
            std::future::poll_fn(|cx| {
                assert!(events.poll_wait(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            send_port(&peer, 4);
            assert_eq!(std::future::poll_fn(|cx| events.poll_wait(cx)).await, Ok(4));
        });
    }

    /// Owned: `Send + 'static`, into a spawned task (on the same current-thread runtime), and
    /// the handle comes back, deregistered, when it ends.
    #[test]
    fn an_owned_registration_moves_into_a_task_and_gives_its_handle_back() {
        fn spawnable<T: Send + Sync + 'static>(_: &T) {}
        let (channels, peer) = socket_channels();
        let channels = Arc::new(channels);
        runtime().block_on(async {
            let events = AsyncEventChannels::new(Arc::clone(&channels)).unwrap();
            spawnable(&events);
            send_port(&peer, 2);
            let task = tokio::spawn(async move { (events.wait().await, events.into_handle()) });
            let (fired, handle) = task.await.unwrap();
            assert_eq!(fired, Ok(2));
            assert!(Arc::ptr_eq(&handle, &channels));
            drop(handle);
            assert_eq!(Arc::strong_count(&channels), 1);
            let again = AsyncEventChannels::new(&*channels);
            assert!(again.is_ok(), "deregistered: the fd registers again");
        });
    }
}
