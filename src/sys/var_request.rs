//! Variable-length ioctl requests: a fixed header followed by `count` entries, the
//! `struct { ...; T entries[1]; }` idiom of the gntdev/gntalloc uapi.
//!
//! As upstream, a request of up to one page (510 map refs) lives on the stack and costs no
//! allocation; a larger one is malloc'd for the call (upstream mmaps it, two more syscalls).
//! Nothing is zeroed that is about to be written: the header and every entry are written once.

use super::caller_array::OutArray;
use super::ioctl::ioctl_raw;
use crate::error::{Error, Result};
use std::marker::PhantomData;
use std::mem::{MaybeUninit, align_of, size_of};
use std::ptr::NonNull;

/// The fixed header of a variable-length ioctl argument, tied to the one request number that
/// takes it and to the type of its trailing entries.
pub trait VarIoctlHeader: Copy {
    const REQUEST: libc::c_ulong;
    /// Whether the kernel writes the entries (on success) instead of reading them.
    const KERNEL_WRITES: bool;
    type Entry: Copy;
    /// How many entries the kernel reads or writes for this header.
    fn count(&self) -> u32;
}

/// Implements [`VarIoctlHeader`] for uapi headers whose `count` field gives the entry count.
macro_rules! var_ioctl_headers {
    ($($header:ty => $request:expr, $entry:ty, $kernel_writes:expr),* $(,)?) => {
        $(impl VarIoctlHeader for $header {
            const REQUEST: libc::c_ulong = $request;
            const KERNEL_WRITES: bool = $kernel_writes;
            type Entry = $entry;
            fn count(&self) -> u32 {
                self.count
            }
        })*
    };
}
pub(crate) use var_ioctl_headers;

/// Requests up to this size live on the stack: upstream's threshold (one page).
const INLINE_BYTES: usize = 4096;

/// An 8-byte aligned buffer holding header `H` followed by `count` initialised entries `E`,
/// borrowed for one call of [`with_request`].
pub struct VarRequest<'buf, H, E> {
    buf: NonNull<u64>,
    /// Entries the buffer has room for.
    room: usize,
    /// Entries initialised, by `fill` or by the kernel.
    filled: usize,
    _layout: PhantomData<(&'buf mut [u64], H, E)>,
}

/// Builds the request `header` + `entries` (which yields the entry count) and runs `body` on it.
/// Up to one page it is on this function's stack; beyond, malloc'd and freed afterwards
/// (failure is ENOMEM, never an abort; `too_big_for_the_stack` is called first, for upstream's
/// log line). A request with no entries still has room for the one the C struct declares,
/// zeroed.
pub fn with_request<H: Copy, E: Copy, R>(
    header: H,
    entries: impl ExactSizeIterator<Item = E>,
    too_big_for_the_stack: impl FnOnce(Error),
    body: impl FnOnce(&mut VarRequest<'_, H, E>) -> Result<R>,
) -> Result<R> {
    let len = entries.len();
    // SAFETY: `with_buffer` passes a buffer with room for `room` entries after the header.
    let fill = |buf, room| unsafe { fill::<H, E>(buf, entries, room) };
    with_buffer(header, len, too_big_for_the_stack, fill, body)
}

/// As [`with_request`], for a request whose `count` entries the kernel writes: nothing is
/// written into them beforehand, and [`VarRequest::entries`] shows them once the ioctl
/// succeeded.
#[inline(always)]
pub fn with_output_request<H: Copy, E: Copy, R>(
    header: H,
    count: usize,
    too_big_for_the_stack: impl FnOnce(Error),
    body: impl FnOnce(&mut VarRequest<'_, H, E>) -> Result<R>,
) -> Result<R> {
    with_buffer(header, count, too_big_for_the_stack, |_, _| 0, body)
}

/// The buffer of both: header written, the declared first entry zeroed, then `fill(buf, room)`
/// initialises the entries and says how many.
#[inline]
fn with_buffer<H: Copy, E: Copy, R>(
    header: H,
    len: usize,
    too_big_for_the_stack: impl FnOnce(Error),
    fill: impl FnOnce(NonNull<u64>, usize) -> usize,
    body: impl FnOnce(&mut VarRequest<'_, H, E>) -> Result<R>,
) -> Result<R> {
    const { assert!(align_of::<H>() <= 8 && align_of::<E>() <= 8 && size_of::<H>() % align_of::<E>() == 0) };
    let size = len.max(1).checked_mul(size_of::<E>()).and_then(|n| n.checked_add(size_of::<H>()));
    let mut inline = MaybeUninit::<[u64; INLINE_BYTES / 8]>::uninit();
    let (heap, bytes) = match size {
        Some(bytes) if bytes <= INLINE_BYTES => (None, bytes),
        _ => {
            // SAFETY: plain malloc; a NULL result is handled here.
            let heap = size.and_then(|bytes| NonNull::new(unsafe { libc::malloc(bytes) }.cast::<u64>()));
            (Some(heap.ok_or(Error::NO_MEMORY).inspect_err(|&e| too_big_for_the_stack(e))?), size.unwrap_or(0))
        }
    };
    let buf = heap.unwrap_or(NonNull::from(&mut inline).cast());
    let room = (bytes - size_of::<H>()) / size_of::<E>();
    // SAFETY: `buf` is 8-aligned (the u64 array, or malloc's 16) and `bytes` long: room for H
    // and `room` >= 1 entries at size_of::<H>(), a multiple of align_of::<E>().
    unsafe {
        buf.cast::<H>().write(header);
        buf.cast::<u8>().add(size_of::<H>()).write_bytes(0, size_of::<E>());
    }
    let filled = fill(buf, room);
    let result = body(&mut VarRequest { buf, room, filled, _layout: PhantomData });
    if let Some(heap) = heap {
        // SAFETY: malloc'd above, freed once, no VarRequest borrowing it is left.
        unsafe { libc::free(heap.as_ptr().cast()) };
    }
    result
}

/// Writes at most `room` entries after the header; returns how many.
///
/// # Safety
/// `buf` is 8-aligned and has room for an H followed by `room` entries.
#[inline(always)]
unsafe fn fill<H, E>(buf: NonNull<u64>, entries: impl Iterator<Item = E>, room: usize) -> usize {
    // SAFETY: the caller's contract: entries start at size_of::<H>(), a multiple of
    // align_of::<E>(), with room for `room` of them.
    unsafe {
        let first = buf.cast::<u8>().add(size_of::<H>()).cast::<E>();
        let mut count = 0;
        for entry in entries.take(room) {
            first.add(count).write(entry);
            count += 1;
        }
        count
    }
}

impl<H: Copy, E: Copy> VarRequest<'_, H, E> {
    pub fn header(&self) -> &H {
        // SAFETY: the buffer starts with the H written by `fill`, and lives for the borrow.
        unsafe { self.buf.cast::<H>().as_ref() }
    }

    /// Copies the initialised entries into `out`, as many as both hold (one memcpy).
    pub fn copy_entries_to(&self, mut out: OutArray<'_, E>) {
        // SAFETY: `filled` initialised entries at size_of::<H>() (see `entries`); a local
        // buffer never overlaps the caller's array.
        unsafe { out.copy_from(self.buf.cast::<u8>().add(size_of::<H>()).cast::<E>().as_ptr(), self.filled) }
    }

    /// The initialised entries: those written by `with_request`, or those the kernel wrote.
    #[cfg(test)]
    pub fn entries(&self) -> &[E] {
        // SAFETY: `filled` entries at size_of::<H>() were written by `fill` or by the kernel
        // (plain integers).
        unsafe {
            std::slice::from_raw_parts(self.buf.cast::<u8>().add(size_of::<H>()).cast::<E>().as_ptr(), self.filled)
        }
    }
}

impl<H: VarIoctlHeader> VarRequest<'_, H, H::Entry> {
    /// Issues `H::REQUEST` with this buffer. A header claiming more entries than the buffer
    /// holds is EINVAL: the kernel would read or write past it.
    /// On success, the entries the kernel writes (`KERNEL_WRITES`) become readable.
    pub fn ioctl(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        let count = self.header().count() as usize;
        if count > self.room {
            return Err(Error::INVALID);
        }
        // SAFETY: the buffer is laid out as H's uapi struct (header, then entries at
        // size_of::<H>()) with room for every entry the header announces, checked above.
        unsafe { ioctl_raw(fd, H::REQUEST, self.buf.as_ptr().cast()) }?;
        if H::KERNEL_WRITES {
            self.filled = count;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    #[repr(C)]
    struct Head {
        count: u32,
        pad: u32,
        index: u64,
    }

    fn head(count: u32) -> Head {
        Head { count, pad: 0, index: 7 }
    }

    #[test]
    fn entries_follow_the_header() {
        let seen = with_request(head(3), [1u32, 2, 3].into_iter(), drop, |r| {
            assert_eq!(r.header().count, 3);
            assert_eq!(r.header().index, 7);
            Ok(r.entries().to_vec())
        });
        assert_eq!(seen, Ok(vec![1, 2, 3]));
    }

    #[test]
    fn one_page_is_on_the_stack_and_more_on_the_heap() {
        let mut logged = None;
        // 16 + 510 * 8 = 4096 bytes: no allocation, so nothing to log even on failure.
        let r =
            with_request(head(510), std::iter::repeat_n(9u64, 510), |e| logged = Some(e), |r| Ok(r.entries().len()));
        assert_eq!((r, logged), (Ok(510), None));
        let r = with_request(head(511), std::iter::repeat_n(9u64, 511), drop, |r| Ok(r.entries().iter().sum::<u64>()));
        assert_eq!(r, Ok(9 * 511));
    }

    #[test]
    fn a_request_without_entries_still_has_the_declared_one_zeroed() {
        let r = with_request(head(0), std::iter::empty::<u64>(), drop, |r| {
            // SAFETY: room for one entry after the 16-byte header, zeroed by `fill`.
            let first = unsafe { r.buf.as_ptr().add(2).read() };
            Ok((r.entries().len(), first))
        });
        assert_eq!(r, Ok((0, 0)));
    }

    impl VarIoctlHeader for Head {
        const REQUEST: libc::c_ulong = 0;
        const KERNEL_WRITES: bool = true;
        type Entry = u32;
        fn count(&self) -> u32 {
            self.count
        }
    }

    #[test]
    fn a_header_announcing_more_entries_than_the_buffer_holds_is_refused_before_the_ioctl() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let r = with_request(head(3), [1u32, 2].into_iter(), drop, |r| r.ioctl(std::os::fd::AsFd::as_fd(&null)));
        assert_eq!(r, Err(Error::INVALID));
    }

    #[test]
    #[cfg_attr(miri, ignore = "ioctl on /dev/null: Miri has no ioctl")]
    fn an_output_requests_entries_are_readable_only_after_the_kernel_wrote_them() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let mut out = [7u32; 3];
        let r = with_output_request(head(3), 3, drop, |r: &mut VarRequest<'_, Head, u32>| {
            assert!(r.entries().is_empty());
            r.copy_entries_to(OutArray::from_mut_slice(&mut out));
            r.ioctl(std::os::fd::AsFd::as_fd(&null)) // ENOTTY: still nothing written
                .inspect_err(|_| assert!(r.entries().is_empty()))
        });
        assert_eq!((r, out), (Err(Error::from_errno(libc::ENOTTY)), [7, 7, 7]));
    }

    #[test]
    fn absurd_sizes_are_enomem_not_an_abort() {
        struct Lying;
        impl Iterator for Lying {
            type Item = u64;
            fn next(&mut self) -> Option<u64> {
                None
            }
        }
        impl ExactSizeIterator for Lying {
            fn len(&self) -> usize {
                usize::MAX / 4
            }
        }
        let mut logged = None;
        let r = with_request(head(0), Lying, |e| logged = Some(e), |_| Ok(()));
        assert_eq!((r, logged), (Err(Error::NO_MEMORY), Some(Error::NO_MEMORY)));
    }
}
