//! Variable-length ioctl requests: a fixed header followed by `count` entries, the
//! `struct { ...; T entries[1]; }` idiom of the gntdev/gntalloc uapi.

use super::ioctl::ioctl_raw;
use crate::error::{Error, Result};
use std::marker::PhantomData;
use std::mem::{align_of, size_of};

/// The fixed header of a variable-length ioctl argument, tied to the one request number that
/// takes it and to the type of its trailing entries.
pub trait VarIoctlHeader: Copy {
    const REQUEST: libc::c_ulong;
    type Entry: Copy;
    /// How many entries the kernel reads or writes for this header.
    fn count(&self) -> u32;
}

/// Implements [`VarIoctlHeader`] for uapi headers whose `count` field gives the entry count.
macro_rules! var_ioctl_headers {
    ($($header:ty => $request:expr, $entry:ty),* $(,)?) => {
        $(impl VarIoctlHeader for $header {
            const REQUEST: libc::c_ulong = $request;
            type Entry = $entry;
            fn count(&self) -> u32 {
                self.count
            }
        })*
    };
}
pub(crate) use var_ioctl_headers;

/// A zero-initialised, 8-byte aligned buffer holding header `H` followed by `count` entries `E`.
///
/// Zeroing matters: upstream leaves `reserved` fields as malloc garbage, the uapi asks for 0.
pub struct VarRequest<H, E> {
    words: Vec<u64>,
    count: usize,
    _layout: PhantomData<(H, E)>,
}

impl<H: Copy, E: Copy> VarRequest<H, E> {
    const ENTRIES_AT: usize = size_of::<H>();
    const LAYOUT_OK: () =
        assert!(align_of::<H>() <= 8 && align_of::<E>() <= 8 && size_of::<H>() % align_of::<E>() == 0);

    /// Allocates room for the header and `count` entries (at least one, as the C struct
    /// declares `entries[1]`). Allocation failure is ENOMEM, never an abort.
    pub fn new(header: H, count: usize) -> Result<Self> {
        let () = Self::LAYOUT_OK;
        let bytes = count
            .max(1)
            .checked_mul(size_of::<E>())
            .and_then(|n| n.checked_add(Self::ENTRIES_AT))
            .ok_or(crate::Error::NO_MEMORY)?;
        let mut words = Vec::new();
        words.try_reserve_exact(bytes.div_ceil(8))?;
        words.resize(bytes.div_ceil(8), 0);
        let mut req = VarRequest { words, count, _layout: PhantomData };
        *req.header_mut() = header;
        Ok(req)
    }

    pub fn header(&self) -> &H {
        // SAFETY: the buffer is 8-aligned, at least size_of::<H>() long, and was initialised
        // with a valid H in `new` (H is a plain-old-data uapi struct).
        unsafe { &*self.words.as_ptr().cast::<H>() }
    }

    pub fn header_mut(&mut self) -> &mut H {
        // SAFETY: as in `header`; &mut self gives exclusive access.
        unsafe { &mut *self.words.as_mut_ptr().cast::<H>() }
    }

    pub fn entries(&self) -> &[E] {
        // SAFETY: entries start at size_of::<H>(), which is a multiple of align_of::<E>() and
        // inside the 8-aligned buffer sized for `count` entries; the bytes are initialised
        // (zeroed) and every bit pattern is a valid E (plain integers).
        unsafe {
            std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>().add(Self::ENTRIES_AT).cast::<E>(), self.count)
        }
    }

    pub fn entries_mut(&mut self) -> &mut [E] {
        // SAFETY: as in `entries`; &mut self gives exclusive access.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.words.as_mut_ptr().cast::<u8>().add(Self::ENTRIES_AT).cast::<E>(),
                self.count,
            )
        }
    }

    fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        self.words.as_mut_ptr().cast()
    }
}

impl<H: VarIoctlHeader> VarRequest<H, H::Entry> {
    /// Issues `H::REQUEST` with this buffer. A header claiming more entries than the buffer
    /// holds is EINVAL: the kernel would read or write past it.
    pub fn ioctl(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        if self.header().count() as usize > self.count {
            return Err(Error::INVALID);
        }
        // SAFETY: the buffer is laid out as H's uapi struct (header, then entries at
        // size_of::<H>()) with room for every entry the header announces, checked above.
        unsafe { ioctl_raw(fd, H::REQUEST, self.as_mut_ptr()) }.map(drop)
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

    #[test]
    fn entries_follow_the_header_and_start_zeroed() {
        let mut r: VarRequest<Head, u32> = VarRequest::new(Head { count: 3, pad: 0, index: 7 }, 3).unwrap();
        assert_eq!(r.entries(), &[0, 0, 0]);
        r.entries_mut().copy_from_slice(&[1, 2, 3]);
        assert_eq!(r.header().count, 3);
        assert_eq!(r.header().index, 7);
        assert_eq!(r.entries(), &[1, 2, 3]);
    }

    #[test]
    fn count_zero_still_has_the_declared_single_entry_of_room() {
        let r: VarRequest<Head, u64> = VarRequest::new(Head { count: 0, pad: 0, index: 0 }, 0).unwrap();
        assert_eq!(r.words.len() * 8, 24);
        assert!(r.entries().is_empty());
    }

    impl VarIoctlHeader for Head {
        const REQUEST: libc::c_ulong = 0;
        type Entry = u32;
        fn count(&self) -> u32 {
            self.count
        }
    }

    #[test]
    fn a_header_announcing_more_entries_than_the_buffer_holds_is_refused_before_the_ioctl() {
        let null = std::fs::File::open("/dev/null").unwrap();
        let mut r: VarRequest<Head, u32> = VarRequest::new(Head { count: 2, pad: 0, index: 0 }, 1).unwrap();
        assert_eq!(r.ioctl(std::os::fd::AsFd::as_fd(&null)), Err(Error::INVALID));
    }

    #[test]
    fn absurd_sizes_are_enomem_not_an_abort() {
        let r = VarRequest::<Head, u64>::new(Head { count: 0, pad: 0, index: 0 }, usize::MAX / 4);
        assert_eq!(r.err(), Some(crate::Error::NO_MEMORY));
    }
}
