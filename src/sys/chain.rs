//! Growth for the library's lock-free tables: a link to a zeroed next chunk, allocated once
//! when first needed and never freed, so `&'static` references to it stay valid.

use std::ptr::null_mut;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Types for which all-zero bytes are a valid value (atomics, and structs of them).
///
/// # Safety
/// Implement only for types whose all-zero bit pattern is a valid, ready-to-use value.
pub unsafe trait Zeroable {}

/// The link to a chunk's successor: none until [`get_or_grow`](Self::get_or_grow).
pub struct NextChunk<T>(AtomicPtr<T>);

impl<T: Zeroable + Sync> NextChunk<T> {
    pub const fn new() -> Self {
        NextChunk(AtomicPtr::new(null_mut()))
    }

    /// The next chunk, if one was ever added.
    pub fn get(&self) -> Option<&'static T> {
        // SAFETY: a non-NULL pointer here is a zeroed (valid, by `Zeroable`) T that is never
        // freed; Acquire pairs with the Release of the CAS that published it.
        unsafe { self.0.load(Ordering::Acquire).as_ref() }
    }

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
        match self.0.compare_exchange(null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: zeroed, valid by `Zeroable`, published and never freed.
            Ok(_) => Some(unsafe { &*fresh }),
            Err(existing) => {
                // SAFETY: ours, never published; `existing` is another thread's published chunk.
                unsafe {
                    libc::free(fresh.cast());
                    existing.as_ref()
                }
            }
        }
    }
}
