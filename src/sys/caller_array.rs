//! A C caller's arrays, kept as pointers (issue 18, finding 5).
//!
//! A C caller promises only what upstream touches: upstream reads the refs of a map or an
//! export while it builds the request, and writes refs out only once the kernel has produced
//! them; when the kernel refuses the call (e.g. ENOSPC for a share of more pages than the
//! gntalloc limit), an output array is never touched, so a caller may pass a count larger
//! than its array. A Rust reference over `count` elements would claim all of them up front,
//! and a `&mut` would also claim that no other argument aliases them (`dmabuf_exp_from_refs`'
//! `fd` may point into its `refs`). These types make no such claim: an input array is read
//! one element at a time, an output array is written once, whole, after the kernel succeeded.
//! The Rust API hands its slices in through the same types.

use std::marker::PhantomData;
use std::ptr::NonNull;

/// `len` elements to read, each once, as the request is built.
#[derive(Clone, Copy)]
pub struct InArray<'a, T> {
    ptr: NonNull<T>,
    len: usize,
    _borrow: PhantomData<&'a [T]>,
}

/// Room for `len` elements, written once, whole, after the call succeeded.
pub struct OutArray<'a, T> {
    ptr: NonNull<T>,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

impl<'a, T: Copy> InArray<'a, T> {
    /// A C caller's array (the C API checks NULL first: see `empty`).
    ///
    /// # Safety
    /// Each of the `len` elements at `ptr` may be read during `'a` (upstream reads each once;
    /// unaligned elements are read as C's uint32_t loads are on x86).
    #[inline(always)]
    pub unsafe fn from_raw(ptr: NonNull<T>, len: usize) -> Self {
        InArray { ptr, len, _borrow: PhantomData }
    }

    /// No elements (a C caller's NULL with count 0).
    #[inline(always)]
    pub fn empty() -> Self {
        InArray { ptr: NonNull::dangling(), len: 0, _borrow: PhantomData }
    }

    #[inline(always)]
    pub fn from_slice(slice: &'a [T]) -> Self {
        InArray { ptr: NonNull::from(slice).cast(), len: slice.len(), _borrow: PhantomData }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Element 0, read now; 0 for an empty array (whose caller checked the length first).
    #[inline(always)]
    pub fn first(&self) -> T
    where
        T: Default,
    {
        if self.len == 0 {
            return T::default();
        }
        // SAFETY: `from_raw`'s contract, or a slice borrowed for 'a; 0 < len.
        unsafe { self.ptr.as_ptr().read_unaligned() }
    }

    /// The elements in order, each read when the iterator reaches it.
    #[inline(always)]
    pub fn iter(self) -> impl ExactSizeIterator<Item = T> + 'a {
        // SAFETY: `from_raw`'s contract, or a slice borrowed for 'a; every i < len.
        (0..self.len).map(move |i| unsafe { self.ptr.as_ptr().add(i).read_unaligned() })
    }
}

impl<'a, T: Copy> OutArray<'a, T> {
    /// A C caller's output array (the C API checks NULL first: see `empty`).
    ///
    /// # Safety
    /// Whenever a call succeeds, the `len` elements at `ptr` may be written during `'a`.
    #[inline(always)]
    pub unsafe fn from_raw(ptr: NonNull<T>, len: usize) -> Self {
        OutArray { ptr, len, _borrow: PhantomData }
    }

    /// No room (a C caller's NULL with count 0).
    #[inline(always)]
    pub fn empty() -> Self {
        OutArray { ptr: NonNull::dangling(), len: 0, _borrow: PhantomData }
    }

    #[inline(always)]
    pub fn from_mut_slice(slice: &'a mut [T]) -> Self {
        let len = slice.len();
        OutArray { ptr: NonNull::from(slice).cast(), len, _borrow: PhantomData }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Writes `min(n, len)` elements from `src` (one memcpy, no alignment assumed).
    ///
    /// # Safety
    /// `src` is valid for reads of `n` elements and does not overlap the output.
    #[inline(always)]
    pub unsafe fn copy_from(&mut self, src: *const T, n: usize) {
        let n = n.min(self.len);
        // SAFETY: the caller's contract for `src`; `from_raw`'s (or the slice's) for the n
        // <= len elements here; bytes, so neither side needs T's alignment.
        unsafe { std::ptr::copy_nonoverlapping(src.cast::<u8>(), self.ptr.as_ptr().cast::<u8>(), n * size_of::<T>()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_array_reads_each_element_in_order() {
        let data = [3u32, 1, 4];
        let a = InArray::from_slice(&data);
        assert_eq!((a.len(), a.first()), (3, 3));
        assert_eq!(a.iter().collect::<Vec<_>>(), data);
        assert_eq!((InArray::<u32>::empty().iter().count(), InArray::<u32>::empty().first()), (0, 0));
    }

    #[test]
    fn an_output_array_takes_at_most_its_length() {
        let mut out = [0u32; 2];
        let src = [7u32, 8, 9];
        // SAFETY: src holds 3 elements and does not overlap out.
        unsafe { OutArray::from_mut_slice(&mut out).copy_from(src.as_ptr(), 3) };
        assert_eq!(out, [7, 8]);
    }

    /// Unaligned element pointers are read and written byte for byte (Miri checks that no
    /// aligned access is made through them).
    #[test]
    fn unaligned_arrays_are_fine() {
        let mut bytes = [0u8; 13];
        bytes[1..5].copy_from_slice(&5u32.to_ne_bytes());
        let base = NonNull::from(&mut bytes).cast::<u8>();
        // SAFETY: 4 bytes at offset 1 are in bounds.
        let a = unsafe { InArray::from_raw(base.add(1).cast::<u32>(), 1) };
        assert_eq!(a.iter().collect::<Vec<_>>(), [5]);
        // SAFETY: 8 bytes at offset 5 are in bounds and do not overlap `src`.
        unsafe { OutArray::from_raw(base.add(5).cast::<u32>(), 2).copy_from([6u32, 7].as_ptr(), 2) };
        assert_eq!(bytes[5..13], [6u32.to_ne_bytes(), 7u32.to_ne_bytes()].concat()[..]);
    }
}
