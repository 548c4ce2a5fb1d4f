//! Variable-length ioctl requests: a fixed header followed by `count` entries, the
//! `struct { ...; T entries[1]; }` idiom of the gntdev/gntalloc uapi.

use crate::error::Result;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};

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

    /// The whole request, for the ioctl.
    pub fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        self.words.as_mut_ptr().cast()
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

    #[test]
    fn absurd_sizes_are_enomem_not_an_abort() {
        let r = VarRequest::<Head, u64>::new(Head { count: 0, pad: 0, index: 0 }, usize::MAX / 4);
        assert_eq!(r.err(), Some(crate::Error::NO_MEMORY));
    }
}
