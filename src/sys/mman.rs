//! `mmap`/`munmap` of device pages, owned (RAII) or handed to C.

use super::volatile::VolatileSlice;
use crate::access::Access;
use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

#[cfg(target_pointer_width = "64")]
use libc::mmap;
#[cfg(target_pointer_width = "32")]
use libc::mmap64 as mmap;

/// A `MAP_SHARED` mapping of a device range; unmapped on drop.
#[derive(Debug)]
pub struct Mapping {
    addr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; nothing in it is tied to a thread.
unsafe impl Send for Mapping {}
// SAFETY: shared access only hands out volatile slices, whose every access is volatile or
// atomic; unmapping needs ownership.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// `mmap(NULL, len, prot, MAP_SHARED, fd, offset)`. `prot` is passed through unchanged, as
    /// upstream does (PROT_READ alone gives a read-only grant map).
    pub fn map_shared(fd: BorrowedFd<'_>, len: usize, prot: libc::c_int, offset: u64) -> Result<Self> {
        // mmap64: a 64-bit offset on 32-bit targets too (armhf's off_t is 32 bits; upstream,
        // built with _FILE_OFFSET_BITS=64, calls mmap64 there), so that maps past 2 GiB of a
        // gntdev or gntalloc fd's offset space work. On 64-bit glibc, mmap is the same call.
        let offset = libc::off64_t::try_from(offset).map_err(|_| Error::INVALID)?;
        // SAFETY: a fresh mapping at an address the kernel chooses cannot alias existing Rust
        // memory; the device validates offset and length.
        let addr = unsafe { mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), offset) };
        if addr == libc::MAP_FAILED {
            return Err(Error::last_os_error());
        }
        Ok(Mapping { addr: NonNull::new(addr.cast()).ok_or(Error::INVALID)?, len })
    }

    pub fn addr(&self) -> *mut libc::c_void {
        self.addr.as_ptr().cast()
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The mapped bytes as a volatile slice (never as `&[u8]`: another domain writes them).
    /// `A` must be [`Writable`](crate::Writable) only for a mapping made with PROT_WRITE.
    /// Touching a page the kernel could not back faults (SIGBUS/SIGSEGV), as with any device
    /// mapping.
    pub fn volatile<A: Access>(&self) -> VolatileSlice<'_, A> {
        // SAFETY: addr..addr+len is a live mapping owned by self, which the slice borrows;
        // callers pick `Writable` only for PROT_WRITE mappings; no reference to it is made.
        unsafe { VolatileSlice::new(self.addr, self.len) }
    }

    /// Hands the mapping to C: it is no longer unmapped on drop.
    pub fn into_raw(self) -> *mut libc::c_void {
        let addr = self.addr();
        std::mem::forget(self);
        addr
    }

    /// Unmaps now, reporting failure (drop ignores it).
    pub fn unmap(self) -> Result<()> {
        let region = RawRegion { addr: self.addr(), len: self.len };
        std::mem::forget(self);
        region.unmap()
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let _ = RawRegion { addr: self.addr(), len: self.len }.unmap();
    }
}

/// An address range a C caller handed back to the library for unmapping.
#[derive(Debug)]
pub struct RawRegion {
    addr: *mut libc::c_void,
    len: usize,
}

impl RawRegion {
    /// # Safety
    /// The caller gives up the range `addr..addr+len`: nothing may use it after `unmap`.
    /// (The C API's contract: the address came from one of our map/share calls.)
    pub unsafe fn from_raw(addr: *mut libc::c_void, len: usize) -> Self {
        RawRegion { addr, len }
    }

    pub fn addr(&self) -> *mut libc::c_void {
        self.addr
    }

    /// `munmap(addr, len)`.
    pub fn unmap(self) -> Result<()> {
        // SAFETY: `from_raw`'s contract (or Mapping's ownership) says nothing uses the range
        // any more.
        if unsafe { libc::munmap(self.addr, self.len) } == 0 { Ok(()) } else { Err(Error::last_os_error()) }
    }
}
