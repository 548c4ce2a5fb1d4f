//! The regions the C API handed out, so that unmap and unshare only ever take down a whole
//! region that this library mapped, and for unmap one of the calling handle's.
//!
//! Upstream trusts the caller's address: for an address in the middle of a mapping, another
//! handle's mapping, or a region unshared twice, it munmaps whatever lies there (the spec's
//! §3.2 and §4.4). We remember each region we return and refuse anything else with EINVAL
//! before any munmap. The lock guards the table only: it is never held across a system call.

use crate::error::{Error, Result};
use crate::sys::PAGE_SIZE;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Who may take a region down: the gnttab handle that mapped it, or any gntshr call (upstream's
/// unshare ignores its handle, and callers may unshare after closing it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owner {
    Gnttab(HandleId),
    Gntshr,
}

/// A number no other handle of this process has had, unlike fds or heap addresses, which are
/// reused after close.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct HandleId(u64);

impl HandleId {
    pub(crate) fn next() -> HandleId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        HandleId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Clone, Copy)]
struct Region {
    pages: u32,
    owner: Owner,
}

/// Live regions by start address; they never overlap.
static LIVE: Mutex<BTreeMap<usize, Region>> = Mutex::new(BTreeMap::new());

fn live() -> MutexGuard<'static, BTreeMap<usize, Region>> {
    // The table stays consistent whatever a panicking holder did: each operation is one call.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn end(start: usize, pages: u32) -> usize {
    start.saturating_add(pages as usize * PAGE_SIZE)
}

/// Records a region just returned to C and passes it through; NULL (a failure) is not recorded.
pub(crate) fn record(addr: *mut c_void, pages: u32, owner: Owner) -> *mut c_void {
    if addr.is_null() {
        return addr;
    }
    let start = addr as usize;
    let mut live = live();
    // The kernel handed out this range, so any entry overlapping it is stale: its region was
    // munmapped behind our back (plain munmap, or an unmap whose last step failed).
    while let Some(old) = live.range(..end(start, pages)).next_back().filter(|&(&s, r)| end(s, r.pages) > start) {
        let old = *old.0;
        live.remove(&old);
    }
    live.insert(start, Region { pages, owner });
    addr
}

/// Takes `[addr, addr + pages)` out of the table if it is exactly one region of `owner`'s,
/// else EINVAL and the table is unchanged. The caller then takes the region down.
pub(crate) fn take(addr: *mut c_void, pages: u32, owner: Owner) -> Result<()> {
    let mut live = live();
    match live.get(&(addr as usize)) {
        Some(region) if region.pages == pages && region.owner == owner => {
            live.remove(&(addr as usize));
            Ok(())
        }
        _ => Err(Error::INVALID),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses far from anything real: the table is process-wide and other tests use it.
    fn at(page: usize) -> *mut c_void {
        ((0x7e00_0000_0000 + page * PAGE_SIZE) as *mut u8).cast()
    }

    #[test]
    fn only_the_exact_region_of_its_owner_can_be_taken_once() {
        let owner = Owner::Gnttab(HandleId::next());
        record(at(0), 4, owner);
        assert_eq!(take(at(1), 4, owner), Err(Error::INVALID), "mid-region address");
        assert_eq!(take(at(0), 3, owner), Err(Error::INVALID), "wrong count");
        assert_eq!(take(at(0), 4, Owner::Gnttab(HandleId::next())), Err(Error::INVALID), "another handle");
        assert_eq!(take(at(0), 4, Owner::Gntshr), Err(Error::INVALID), "a gntshr call");
        assert_eq!(take(at(0), 4, owner), Ok(()));
        assert_eq!(take(at(0), 4, owner), Err(Error::INVALID), "twice");
    }

    #[test]
    fn a_new_region_replaces_stale_overlapping_ones() {
        record(at(100), 2, Owner::Gntshr);
        record(at(103), 2, Owner::Gntshr);
        record(at(106), 1, Owner::Gntshr);
        record(at(101), 3, Owner::Gntshr); // overlaps the first two, not the third
        assert_eq!(take(at(100), 2, Owner::Gntshr), Err(Error::INVALID));
        assert_eq!(take(at(103), 2, Owner::Gntshr), Err(Error::INVALID));
        assert_eq!(take(at(101), 3, Owner::Gntshr), Ok(()));
        assert_eq!(take(at(106), 1, Owner::Gntshr), Ok(()));
    }

    #[test]
    fn null_is_never_recorded() {
        assert!(record(std::ptr::null_mut(), 1, Owner::Gntshr).is_null());
        assert_eq!(take(std::ptr::null_mut(), 1, Owner::Gntshr), Err(Error::INVALID));
    }
}
