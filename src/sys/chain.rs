//! Growth for the library's lock-free tables: a link to a zeroed next chunk, allocated once
//! when first needed and never freed, so `&'static` references to it stay valid.
//!
//! Under `--cfg loom` (the region table's model tests) the link is loom's `AtomicPtr` and a
//! chunk is a leaked `Box` of [`Fresh::fresh`]: loom's atomics must be made by their
//! constructors, not by zeroed memory.

use std::ptr::null_mut;

#[cfg(loom)]
use loom::sync::atomic::{AtomicPtr, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicPtr, Ordering};

/// Types for which all-zero bytes are a valid value (atomics, and structs of them).
///
/// # Safety
/// Implement only for types whose all-zero bit pattern is a valid, ready-to-use value.
pub unsafe trait Zeroable {}

/// An empty chunk made by its constructors (loom's model tests only).
#[cfg(loom)]
pub trait Fresh {
    /// An empty chunk.
    fn fresh() -> Self;
}

/// The link to a chunk's successor: none until [`get_or_grow`](Self::get_or_grow).
pub struct NextChunk<T>(AtomicPtr<T>);

impl<T: Zeroable + Sync> NextChunk<T> {
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        NextChunk(AtomicPtr::new(null_mut()))
    }

    #[cfg(loom)]
    pub fn new() -> Self {
        NextChunk(AtomicPtr::new(null_mut()))
    }

    /// The next chunk, if one was ever added.
    pub fn get(&self) -> Option<&'static T> {
        // SAFETY: a non-NULL pointer here is a chunk made by `allocate` (valid: zeroed
        // `Zeroable`, or constructed) that is never freed; Acquire pairs with the Release of
        // the CAS that published it.
        unsafe { self.0.load(Ordering::Acquire).as_ref() }
    }
}

#[cfg(not(loom))]
impl<T: Zeroable + Sync> NextChunk<T> {
    /// The next chunk, allocated (zeroed) if there is none yet; None if calloc fails. Two
    /// threads growing at once agree on one chunk; the loser frees its own.
    pub fn get_or_grow(&self) -> Option<&'static T> {
        if let Some(next) = self.get() {
            return Some(next);
        }
        // SAFETY: calloc of one zeroed T (calloc's alignment suits it: asserted below).
        let fresh = unsafe { libc::calloc(1, size_of::<T>()) }.cast::<T>();
        if fresh.is_null() {
            return None;
        }
        const { assert!(align_of::<T>() <= 16) };
        self.publish(fresh, |loser| {
            // SAFETY: ours, from calloc, never published.
            unsafe { libc::free(loser.cast()) }
        })
    }
}

#[cfg(loom)]
impl<T: Zeroable + Sync + Fresh> NextChunk<T> {
    /// As without loom, with a leaked Box.
    pub fn get_or_grow(&self) -> Option<&'static T> {
        if let Some(next) = self.get() {
            return Some(next);
        }
        let fresh = Box::into_raw(Box::new(T::fresh()));
        self.publish(fresh, |loser| {
            // SAFETY: ours, from Box::into_raw, never published.
            drop(unsafe { Box::from_raw(loser) })
        })
    }
}

impl<T: Zeroable + Sync> NextChunk<T> {
    /// Publishes `fresh` unless another thread published a chunk first; `discard` frees ours then.
    fn publish(&self, fresh: *mut T, discard: impl FnOnce(*mut T)) -> Option<&'static T> {
        match self.0.compare_exchange(null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: a valid T (zeroed `Zeroable` or constructed), published and never freed.
            Ok(_) => Some(unsafe { &*fresh }),
            Err(existing) => {
                discard(fresh);
                // SAFETY: another thread's published chunk, never freed.
                unsafe { existing.as_ref() }
            }
        }
    }
}
