//! An event-channel handle registered with tokio's reactor (feature `tokio`): the one unsafe
//! step of the async API, [`AsyncFd::register_with_interest`], whose contract is I/O safety.

use crate::error::{Error, Result};
use std::fmt;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A handle whose fd tokio polls: `H` is `&EventChannels` or `Arc<EventChannels>`
/// (`ChannelsHandle`), so the fd is the handle's own `OwnedFd`, which lives as long as `H` does.
pub struct HandleFd<H>(H);

impl<H> HandleFd<H> {
    pub fn handle(&self) -> &H {
        &self.0
    }

    pub fn into_handle(self) -> H {
        self.0
    }
}

impl<H: Deref<Target = T>, T: AsFd> AsRawFd for HandleFd<H> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl<H: fmt::Debug> fmt::Debug for HandleFd<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Registers `handle`'s fd with the current tokio runtime's reactor, for readability only.
/// Outside a runtime: EINVAL (tokio would panic); a failed registration (e.g. EEXIST: this fd
/// is registered already, by another `AsyncEventChannels` on the same handle) is its errno.
/// A runtime built without `enable_io` is tokio's panic, as for every tokio I/O type: tokio
/// offers no way to ask.
pub fn register<H: Deref<Target = crate::EventChannels>>(handle: H) -> Result<AsyncFd<HandleFd<H>>> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(Error::INVALID);
    }
    // SAFETY: the fd is the `OwnedFd` inside the `EventChannels` that `H` borrows or shares:
    // it stays open and the same open file for as long as the `AsyncFd` holds `H` (the
    // handle never replaces or closes its fd while it lives, and `H` keeps it alive: a
    // borrow outlives the `AsyncFd`, an `Arc` is a strong reference), and `as_raw_fd`
    // returns that fd each time.
    let registered = unsafe { AsyncFd::register_with_interest(HandleFd(handle), Interest::READABLE) };
    registered.map_err(|e| Error::from(e.into_parts().1))
}
