//! libxentoolcore's handle registry, so `xentoolcore_restrict_all` neuters our gnttab handles
//! exactly as upstream's (qemu's `-xen-domid-restrict` relies on it), and the one allocation
//! behind every handle.
//!
//! Upstream's handle is one `malloc`: the struct with xentoolcore's list entry inside it. Ours
//! is the same: [`HandleBox`] puts the entry and the device state in one malloc'd block, which
//! never moves while libxentoolcore's list points into it.

use std::cell::UnsafeCell;
use std::ffi::c_int;
use std::fmt;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::Deref;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::{Error, Result};

/// `Xentoolcore__Active_Handle` (xentoolcore_internal.h): a callback plus the intrusive
/// list entry `{ le_next, le_prev }` that libxentoolcore links under its own mutex. The
/// links are only ever written by libxentoolcore (its insert sets both before anything reads
/// them), so they start uninitialised, as in upstream's malloc'd handle (issue 12).
#[repr(C)]
struct ActiveHandle {
    restrict_callback: unsafe extern "C" fn(*mut ActiveHandle, u16) -> c_int,
    le_next: MaybeUninit<*mut ActiveHandle>,
    le_prev: MaybeUninit<*mut *mut ActiveHandle>,
}

/// The registered entry; `active` first, so a pointer to it is a pointer to the whole.
#[repr(C)]
struct Entry {
    active: UnsafeCell<ActiveHandle>,
    fd: AtomicI32,
    registered: bool,
}

/// The block: the entry first, then the value.
#[repr(C)]
struct Block<T> {
    entry: Entry,
    value: T,
}

#[cfg(not(miri))]
#[link(name = "xentoolcore")]
unsafe extern "C" {
    fn xentoolcore__register_active_handle(ah: *mut ActiveHandle);
    fn xentoolcore__deregister_active_handle(ah: *mut ActiveHandle);
    fn xentoolcore__restrict_by_dup2_null(fd: c_int) -> c_int;
}

/// Miri runs no C: no registry (nothing calls `xentoolcore_restrict_all` under Miri).
#[cfg(miri)]
#[allow(non_snake_case)]
mod miri_seam {
    use super::ActiveHandle;
    use std::ffi::c_int;

    pub unsafe fn xentoolcore__register_active_handle(_: *mut ActiveHandle) {}
    pub unsafe fn xentoolcore__deregister_active_handle(_: *mut ActiveHandle) {}
    pub unsafe fn xentoolcore__restrict_by_dup2_null(_: c_int) -> c_int {
        0
    }
}
#[cfg(miri)]
use miri_seam::*;

/// Restricting ignores the domid and dup2s /dev/null over the fd, as upstream's gnttab does.
unsafe extern "C" fn restrict(ah: *mut ActiveHandle, _domid: u16) -> c_int {
    // SAFETY: libxentoolcore passes back the pointer we registered, which is the start of a
    // live `Entry` (repr(C), `active` first) until we deregister it.
    let entry = unsafe { &*ah.cast::<Entry>() };
    // SAFETY: plain libxentoolcore call; it handles fd < 0 as a no-op.
    unsafe { xentoolcore__restrict_by_dup2_null(entry.fd.load(Ordering::Acquire)) }
}

/// A malloc'd block holding a `T` (an open device) and, when asked, a registration with
/// libxentoolcore whose restrict callback dup2s /dev/null over the fd. Deregistered, dropped
/// and freed on drop.
pub struct HandleBox<T>(NonNull<Block<T>>);

// SAFETY: the list fields are only touched by libxentoolcore under its global mutex, the fd
// is atomic, and the value is T's own business.
unsafe impl<T: Send> Send for HandleBox<T> {}
// SAFETY: as above; `&HandleBox` only hands out `&T`.
unsafe impl<T: Sync> Sync for HandleBox<T> {}

impl<T> HandleBox<T> {
    /// Upstream's open sequence: allocate the handle, register it (fd -1, so a concurrent
    /// restrict sees a no-op rather than a half-built handle) when `register`, then `open`,
    /// whose result's fd (`fd_of`) the restrict callback will use. A failed open deregisters
    /// and frees; a failed allocation is ENOMEM.
    #[inline(always)]
    pub fn new(register: bool, open: impl FnOnce() -> Result<T>, fd_of: impl FnOnce(&T) -> RawFd) -> Result<Self> {
        // SAFETY: plain malloc; NULL is handled.
        let block = NonNull::new(unsafe { libc::malloc(size_of::<Block<T>>()) }.cast::<Block<T>>());
        let block = block.ok_or(Error::NO_MEMORY)?;
        let entry = Entry {
            active: UnsafeCell::new(ActiveHandle {
                restrict_callback: restrict,
                le_next: MaybeUninit::uninit(),
                le_prev: MaybeUninit::uninit(),
            }),
            fd: AtomicI32::new(-1),
            registered: register,
        };
        // SAFETY: `block` is malloc'd for a Block<T> (malloc's alignment suits every type
        // here, asserted below); the entry is written before it is registered and the block
        // never moves afterwards.
        let entry = unsafe {
            let entry_ptr = &raw mut (*block.as_ptr()).entry;
            entry_ptr.write(entry);
            if register {
                xentoolcore__register_active_handle((*entry_ptr).active.get());
            }
            &*entry_ptr
        };
        match open() {
            Ok(value) => {
                // Only the restrict callback reads it, and only a registered entry is ever
                // restricted (issue 12: one store fewer for gntshr handles).
                if register {
                    entry.fd.store(fd_of(&value), Ordering::Release);
                }
                // SAFETY: the value's slot in the block, written once.
                unsafe { (&raw mut (*block.as_ptr()).value).write(value) };
                Ok(HandleBox(block))
            }
            Err(e) => {
                // SAFETY: the entry as registered above; the block holds no value yet.
                unsafe { release(block.cast::<Entry>()) };
                Err(e)
            }
        }
    }

    /// Deregisters, frees the block, and gives the value back (to be closed by its owner).
    pub fn into_inner(self) -> T {
        let block = ManuallyDrop::new(self).0;
        // SAFETY: the block holds a live value; it is moved out once and the block, whose
        // entry is then released, is never used again.
        unsafe {
            let value = (&raw const (*block.as_ptr()).value).read();
            release(block.cast::<Entry>());
            value
        }
    }

    /// Hands the block to C, as an opaque handle pointer.
    pub fn into_raw(self) -> NonNull<libc::c_void> {
        ManuallyDrop::new(self).0.cast()
    }

    /// Takes back a block [`into_raw`](Self::into_raw) gave out.
    ///
    /// # Safety
    /// `raw` came from `into_raw` of a `HandleBox<T>` and is given back exactly once.
    pub unsafe fn from_raw(raw: NonNull<libc::c_void>) -> Self {
        HandleBox(raw.cast())
    }

    /// The value of a block handed to C, borrowed for the call.
    ///
    /// # Safety
    /// `raw` came from `into_raw` of a `HandleBox<T>` and is not given back during `'a`.
    pub unsafe fn value_from_raw<'a>(raw: NonNull<libc::c_void>) -> &'a T {
        // SAFETY: the caller's contract: a live block.
        unsafe { &(*raw.cast::<Block<T>>().as_ptr()).value }
    }
}

// malloc's result is aligned for any fundamental type (16 bytes on x86_64).
const _: () = assert!(align_of::<Entry>() <= 16);

/// Deregisters the entry (if registered) and frees the block.
///
/// # Safety
/// `entry` is the start of a malloc'd block written by `HandleBox::new`, whose value (if
/// any) is already dropped or moved out; it is not used afterwards.
unsafe fn release(entry: NonNull<Entry>) {
    // SAFETY: the caller's contract.
    unsafe {
        let entry_ref = entry.as_ref();
        if entry_ref.registered {
            xentoolcore__deregister_active_handle(entry_ref.active.get());
        }
        libc::free(entry.as_ptr().cast());
    }
}

impl<T> Drop for HandleBox<T> {
    fn drop(&mut self) {
        // SAFETY: deregister first (upstream's close order), then drop the value, then free.
        unsafe {
            let entry = self.0.cast::<Entry>();
            if entry.as_ref().registered {
                xentoolcore__deregister_active_handle(entry.as_ref().active.get());
            }
            std::ptr::drop_in_place(&raw mut (*self.0.as_ptr()).value);
            libc::free(self.0.as_ptr().cast());
        }
    }
}

impl<T> Deref for HandleBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the block holds a live value for as long as the box exists.
        unsafe { &(*self.0.as_ptr()).value }
    }
}

impl<T: fmt::Debug> fmt::Debug for HandleBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
