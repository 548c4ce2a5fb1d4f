//! Sharing our own pages with other domains (`/dev/xen/gntalloc`), upstream's algorithm.

use crate::access::Access;
use crate::device::{Device, DeviceKind, GNTALLOC, GNTALLOC_AS_UPSTREAM};
use crate::error::{Error, Result};
use crate::memory::volatile_accessors;
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::sys::caller_array::OutArray;
use crate::sys::gntalloc::{self, AllocGrefHeader, GNTALLOC_FLAG_WRITABLE};
use crate::sys::mman::{Mapping, RawRegion};
use crate::sys::toolcore::HandleBox;
use crate::sys::toollog::Logger;
use crate::sys::volatile::VolatileSlice;
use crate::sys::with_output_request;
use std::ffi::CStr;

const CONTEXT: &CStr = c"gntshr";

/// A handle on `/dev/xen/gntalloc`: shares pages of this process with other domains.
///
/// Errors are also logged to stderr, in upstream's format, as libxengnttab does.
///
/// ```no_run
#[doc = include_str!("../examples/share_map_roundtrip.rs")]
/// ```
#[derive(Debug)]
pub struct GrantSharer {
    pub(crate) dev: HandleBox<Device>,
}

/// Pages we share, with their grant refs, read and written only through volatile copies and
/// aligned atomics ([`VolatileSlice`], see the crate's memory model): the peer may write them
/// at any time, so no `&[u8]` is ever made over them. Our side is always writable. Unshared
/// (munmapped) on drop, which fires the unmap notification, if any; a peer that still maps
/// them keeps them until it unmaps. They are detached from the handle the moment they are
/// shared, so they may outlive it, and they are `Send + 'static`: they move into threads and
/// tasks as they are (`examples/owned_threads.rs`).
///
/// ```
/// fn moves_into_threads<T: Send + Sync + 'static>() {}
/// moves_into_threads::<xengnttab::SharedPages>();
/// ```
///
/// ```no_run
#[doc = include_str!("../examples/share_map_roundtrip.rs")]
/// ```
#[derive(Debug)]
pub struct SharedPages {
    map: Mapping,
    refs: Vec<u32>,
}

impl GrantSharer {
    /// Opens `/dev/xen/gntalloc` (close-on-exec). Fails with ENOENT where there is no Xen (or the
    /// `xen_gntalloc` module is not loaded).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn open() -> Result<GrantSharer> {
        Self::open_kind(GNTALLOC, None)
    }

    /// The C API's open: upstream's flags (no O_CLOEXEC), the caller's logger.
    #[inline(always)]
    pub(crate) fn open_with_logger(logger: Option<Logger>) -> Result<GrantSharer> {
        Self::open_kind(GNTALLOC_AS_UPSTREAM, logger)
    }

    #[inline(always)]
    fn open_kind(kind: DeviceKind, logger: Option<Logger>) -> Result<GrantSharer> {
        Ok(GrantSharer { dev: Device::open(kind, logger)? })
    }

    /// Shares `pages` zero-filled pages with `domid`, which may write them only when `peer`
    /// is [`Writable`](crate::Writable), with an unmap notification ([`UnmapNotify::NONE`]
    /// for none). The module's `limit` parameter caps how many pages may be shared at once.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn share<A: Access>(&self, domid: u16, pages: usize, peer: A, notify: UnmapNotify) -> Result<SharedPages> {
        let mut refs = Vec::new();
        refs.try_reserve_exact(pages)?;
        refs.resize(pages, 0);
        let map = share(&self.dev, u32::from(domid), OutArray::from_mut_slice(&mut refs), peer.is_writable(), notify)?;
        Ok(SharedPages { map, refs })
    }

    /// Closes the handle, reporting close(2)'s result (dropping it closes it too). Shared
    /// pages stay shared.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/unmap_notify.rs")]
    /// ```
    pub fn close(self) -> Result<()> {
        Device::close(self.dev)
    }
}

impl SharedPages {
    /// The grant refs, one per page, to hand to the other domain.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// Stops sharing now, reporting a failure that drop would ignore.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/unmap_notify.rs")]
    /// ```
    pub fn unshare(self) -> Result<()> {
        self.map.unmap()
    }
}

impl SharedPages {
    /// The shared pages as a [`VolatileSlice`], e.g. to hand a part of them to other code with
    /// [`VolatileSlice::subslice`].
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn as_volatile_slice(&self) -> VolatileSlice<'_> {
        // gntalloc pages are always mapped PROT_READ | PROT_WRITE on our side.
        self.map.volatile()
    }

    volatile_accessors!(read, "../examples/share_map_roundtrip.rs");
    volatile_accessors!(write, "../examples/share_map_roundtrip.rs");
}

/// Upstream's osdep share: ALLOC_GREF, mmap, optional SET_UNMAP_NOTIFY, then always
/// DEALLOC_GREF so the pages live exactly as long as the mapping. The refs are written to
/// `refs_out` even when the notify step fails (as upstream does), never when the ioctl or
/// mmap fails: `refs_out` may then be shorter than its count, as upstream never touches it.
#[inline(always)]
pub(crate) fn share(
    dev: &Device,
    domid: u32,
    refs_out: OutArray<'_, u32>,
    writable: bool,
    notify: UnmapNotify,
) -> Result<Mapping> {
    let count = u32::try_from(refs_out.len()).map_err(|_| Error::INVALID)?;
    let header = AllocGrefHeader {
        // The uapi field is 16 bits; upstream truncates the caller's uint32_t the same way.
        domid: domid as u16,
        flags: if writable { GNTALLOC_FLAG_WRITABLE } else { 0 },
        count,
        index: 0,
    };
    with_output_request(header, refs_out.len(), drop, |req| {
        req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl failed", e))?;
        let index = req.header().index;
        let len = refs_out.len() * PAGE_SIZE;

        let shared = match Mapping::map_shared(dev.fd(), len, libc::PROT_READ | libc::PROT_WRITE, index) {
            Err(e) => {
                dev.log(CONTEXT, c"mmap failed", e);
                Err(e)
            }
            Ok(map) => {
                let notified = notify.arm(dev, CONTEXT, map, index);
                req.copy_entries_to(refs_out);
                notified
            }
        };
        let _ = gntalloc::dealloc_gref(dev.fd(), index, count);
        shared
    })
}

/// `xengntshr_unshare`: a plain munmap of `count` pages, as upstream.
pub(crate) fn unshare_raw(region: RawRegion) -> Result<()> {
    region.unmap()
}
