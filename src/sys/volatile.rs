//! Volatile and atomic access to memory that another domain (or process) may write at any
//! moment: grant mappings and shared pages. No `&[u8]` or `&mut [u8]` is ever made over such
//! memory; every access is a volatile copy or an atomic operation on a checked range
//! (`crate::memory` has the checks and the crate's memory model: which memory a slice may
//! cover, which threads may use it, and the one assumption that atomics and threads on
//! mapped memory rest on). Addresses are computed with `wrapping_add`: `add` promises that the
//! pointer stays inside one Rust allocation, and mapped memory is not one.

use crate::access::{Access, ReadOnly, Writable};
use crate::memory::{Local, Mapped, Memory, MemoryError, aligned, range};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{self, AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering};

/// Plain data that may be copied to and from shared memory byte for byte: every bit pattern
/// is a valid value and the type has no padding (`#[repr(C)]` structs of such fields, laid out
/// without gaps, integers, arrays of them).
///
/// # Safety
/// Implement it only for types that have no padding bytes, no pointers or references, and for
/// which every bit pattern of `size_of::<Self>()` bytes is a valid value: a peer can write any
/// bytes at all.
///
/// ```
/// use xengnttab::{ByteValued, VolatileSlice};
/// #[derive(Clone, Copy, Debug, Default, PartialEq)]
/// #[repr(C)]
/// struct Header { magic: u32, len: u32 }
/// // SAFETY: two u32s, no padding; every bit pattern is a valid Header.
/// unsafe impl ByteValued for Header {}
///
/// let mut buffer = [0u8; 16];
/// let memory = VolatileSlice::from_mut_slice(&mut buffer);
/// memory.write_obj(8, Header { magic: 0x5852, len: 7 })?;
/// assert_eq!(memory.read_obj::<Header>(8)?, Header { magic: 0x5852, len: 7 });
/// # Ok::<(), xengnttab::MemoryError>(())
/// ```
pub unsafe trait ByteValued: Copy + Send + Sync + 'static {}

macro_rules! byte_valued {
    ($($t:ty),*) => { $(
        // SAFETY: a primitive integer: no padding, every bit pattern valid.
        unsafe impl ByteValued for $t {}
    )* };
}
byte_valued!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

// SAFETY: an array of such values has no padding between elements and every bit pattern valid.
unsafe impl<T: ByteValued, const N: usize> ByteValued for [T; N] {}

/// A value's bytes, to be copied out by a volatile write.
fn bytes_of<T: ByteValued>(value: &T) -> &[u8] {
    // SAFETY: `T: ByteValued` has no padding, so all size_of::<T>() bytes are initialized.
    unsafe { std::slice::from_raw_parts((value as *const T).cast(), size_of::<T>()) }
}

/// A zeroed value whose bytes a volatile read then fills.
fn zeroed_bytes<T: ByteValued>() -> T {
    // SAFETY: every bit pattern, all zeros included, is a valid `T: ByteValued`.
    unsafe { std::mem::zeroed() }
}

fn bytes_of_mut<T: ByteValued>(value: &mut T) -> &mut [u8] {
    // SAFETY: as `bytes_of`; any bytes written into it leave a valid `T`.
    unsafe { std::slice::from_raw_parts_mut((value as *mut T).cast(), size_of::<T>()) }
}

mod sealed {
    pub trait Sealed {}
}

/// The atomic integer types a [`VolatileSlice`] hands out at aligned offsets: [`AtomicU8`],
/// [`AtomicU16`], [`AtomicU32`] and [`AtomicU64`]. Sealed.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use xengnttab::VolatileSlice;
/// let mut buffer = [0u64; 2]; // u64s: 8-byte aligned
/// let memory = VolatileSlice::from_mut_slice(&mut buffer);
/// memory.write_obj(4, 7u32)?;
/// assert_eq!(memory.load::<AtomicU32>(4, Ordering::Acquire)?, 7);
/// # Ok::<(), xengnttab::MemoryError>(())
/// ```
///
/// On mapped pages, [`VolatileSlice::atomic`] hands out the atomic itself (here an
/// `AtomicU32` counter both sides update):
///
/// ```no_run
#[doc = include_str!("../../examples/share_map_roundtrip.rs")]
/// ```
pub trait AtomicInteger: sealed::Sealed + Send + Sync + 'static {
    /// The integer it holds (`u32` for `AtomicU32`).
    type Value: ByteValued;

    /// # Safety
    /// As `AtomicU32::from_ptr`: `ptr` aligned and, for the whole of `'a`, either inside a
    /// Rust allocation only this thread accesses (a `Local` slice's buffer), or in mapped
    /// memory, where `crate::memory`'s one assumption (atomics on memory outside Rust's
    /// allocations compile to the hardware's atomic instructions) stands in for validity.
    #[doc(hidden)]
    unsafe fn from_ptr<'a>(ptr: *mut Self::Value) -> &'a Self;

    /// A relaxed load.
    #[doc(hidden)]
    fn load_relaxed(&self) -> Self::Value;

    /// The read-modify-writes and the store of [`VolatileSlice`]'s pointer-based accessors:
    /// `op` runs on the atomic at `ptr`, whose reference lives only for that one operation and
    /// never reaches the caller.
    ///
    /// # Safety
    /// As [`from_ptr`](Self::from_ptr), for the duration of the call, on writable memory.
    #[doc(hidden)]
    unsafe fn update_at<R>(ptr: *mut Self::Value, op: impl FnOnce(&Self) -> R) -> R {
        // SAFETY: the caller's contract; the reference does not outlive `op`.
        op(unsafe { Self::from_ptr(ptr) })
    }

    /// `store` on `self`, as the standard atomic's (panics on `Acquire` and `AcqRel`).
    #[doc(hidden)]
    fn store_value(&self, value: Self::Value, order: Ordering);

    /// `swap` on `self`.
    #[doc(hidden)]
    fn swap_value(&self, value: Self::Value, order: Ordering) -> Self::Value;

    /// `fetch_add` on `self` (wrapping).
    #[doc(hidden)]
    fn fetch_add_value(&self, value: Self::Value, order: Ordering) -> Self::Value;

    /// `fetch_sub` on `self` (wrapping).
    #[doc(hidden)]
    fn fetch_sub_value(&self, value: Self::Value, order: Ordering) -> Self::Value;

    /// `compare_exchange` on `self`, as the standard atomic's (panics on a `Release` or
    /// `AcqRel` failure order).
    #[doc(hidden)]
    fn compare_exchange_value(
        &self,
        current: Self::Value,
        new: Self::Value,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::Value, Self::Value>;
}

macro_rules! atomic_integer {
    ($($atomic:ty => $value:ty),*) => { $(
        impl sealed::Sealed for $atomic {}
        impl AtomicInteger for $atomic {
            type Value = $value;
            unsafe fn from_ptr<'a>(ptr: *mut $value) -> &'a Self {
                // SAFETY: the caller's contract is from_ptr's.
                unsafe { <$atomic>::from_ptr(ptr) }
            }
            fn load_relaxed(&self) -> $value {
                self.load(Ordering::Relaxed)
            }
            // #[inline] on the methods that take a caller's ordering: they are compiled only
            // where used, so the staticlib behind the C library (which never uses them) keeps
            // no copy of their panic paths, nor the messages compat/check-no-panic looks for.
            #[inline]
            fn store_value(&self, value: $value, order: Ordering) {
                self.store(value, order)
            }
            #[inline]
            fn swap_value(&self, value: $value, order: Ordering) -> $value {
                self.swap(value, order)
            }
            #[inline]
            fn fetch_add_value(&self, value: $value, order: Ordering) -> $value {
                self.fetch_add(value, order)
            }
            #[inline]
            fn fetch_sub_value(&self, value: $value, order: Ordering) -> $value {
                self.fetch_sub(value, order)
            }
            #[inline]
            fn compare_exchange_value(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                self.compare_exchange(current, new, success, failure)
            }
        }
    )* };
}
atomic_integer!(AtomicU8 => u8, AtomicU16 => u16, AtomicU32 => u32, AtomicU64 => u64);

/// A range of memory shared with another domain (or process), accessed only by volatile
/// copies and aligned atomics, in the style of rust-vmm's `vm-memory`: no `&[u8]` is ever
/// made over it, so the peer writing at any time breaks none of Rust's rules. `A` says
/// whether it may be written: a [`ReadOnly`] slice has no write methods. `M` says where the
/// bytes are ([`crate::memory`]): [`Mapped`] pages (the default) may be used from any number
/// of threads; a [`Local`] buffer's slice stays on its thread and has no `atomic`.
///
/// Get one from [`GrantMapping::as_volatile_slice`](crate::GrantMapping::as_volatile_slice)
/// or [`SharedPages::as_volatile_slice`](crate::SharedPages::as_volatile_slice); it borrows
/// the mapping, so it cannot outlive it. [`VolatileSlice::from_mut_slice`] makes a `Local` one
/// over a buffer of the program (tests, examples).
///
/// ```
/// use xengnttab::VolatileSlice;
/// let mut buffer = [0u8; 64];
/// let memory = VolatileSlice::from_mut_slice(&mut buffer);
/// memory.write_from(10, b"hello")?;
/// let mut out = [0u8; 5];
/// memory.read_into(10, &mut out)?;
/// assert_eq!(&out, b"hello");
/// assert!(memory.write_from(62, b"abc").is_err()); // past the end: nothing written
/// # Ok::<(), xengnttab::MemoryError>(())
/// ```
///
/// A read-only slice cannot be written:
///
/// ```compile_fail,E0599
/// let mut buffer = [0u8; 8];
/// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer).read_only();
/// memory.write_from(0, b"x"); // error: no method `write_from` on VolatileSlice<ReadOnly>
/// ```
pub struct VolatileSlice<'a, A: Access = Writable, M: Memory = Mapped> {
    addr: NonNull<u8>,
    len: usize,
    _memory: PhantomData<&'a [std::cell::UnsafeCell<u8>]>,
    _access: PhantomData<A>,
    _kind: PhantomData<M>,
}

impl<A: Access, M: Memory> Clone for VolatileSlice<'_, A, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Access, M: Memory> Copy for VolatileSlice<'_, A, M> {}

impl<A: Access, M: Memory> std::fmt::Debug for VolatileSlice<'_, A, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VolatileSlice")
            .field("addr", &self.addr)
            .field("len", &self.len)
            .field("access", &A::default())
            .field("memory", &M::default())
            .finish()
    }
}

// Only `Mapped` slices cross threads; a `Local` one stays `!Send + !Sync` (its `NonNull`
// field makes it so), because its buffer is a Rust allocation, where racing volatile copies
// and atomics are data races (crate::memory, "Two kinds of memory, and threads").
//
// SAFETY: a Mapped slice covers pages mmap'd from a Xen device: no Rust allocation, no Rust
// reference, nothing tied to a thread. Its copies are volatile accesses to memory outside all
// Rust allocations, which `read_volatile`/`write_volatile` allow (they must not trap: the
// slice borrows the live mapping; they touch no Rust allocation). That such accesses and the
// atomics may come from several threads at once, as from the peer, is crate::memory's one
// stated assumption ("atomics and threads on mapped memory"), not a rule Rust documents.
unsafe impl<A: Access> Send for VolatileSlice<'_, A, Mapped> {}
// SAFETY: as for Send: every method takes `&self` and makes only those accesses.
unsafe impl<A: Access> Sync for VolatileSlice<'_, A, Mapped> {}

impl<'a, A: Access, M: Memory> VolatileSlice<'a, A, M> {
    /// # Safety
    /// `addr..addr + len` must stay readable for `'a`, and writable when `A` is [`Writable`];
    /// nothing may make a Rust reference to those bytes meanwhile; and
    /// - for [`Mapped`]: the bytes are outside every Rust allocation (pages mmap'd from a
    ///   device) and stay mapped for `'a`;
    /// - for [`Local`]: the bytes are a Rust allocation's, borrowed exclusively for `'a` by
    ///   this slice and the slices made from it (which all stay on the creating thread).
    pub(crate) unsafe fn new(addr: NonNull<u8>, len: usize) -> Self {
        VolatileSlice { addr, len, _memory: PhantomData, _access: PhantomData, _kind: PhantomData }
    }

    /// The address `offset` bytes in, for an `offset` already checked to lie within the slice
    /// (`wrapping_add`: mapped memory is no Rust allocation, so `add`'s rule cannot be met).
    fn at(&self, offset: usize) -> *mut u8 {
        self.addr.as_ptr().wrapping_add(offset)
    }

    /// Length in bytes.
    ///
    /// ```
    /// let mut buffer = [0u8; 64];
    /// assert_eq!(xengnttab::VolatileSlice::from_mut_slice(&mut buffer).len(), 64);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no bytes.
    ///
    /// ```
    /// assert!(xengnttab::VolatileSlice::from_mut_slice(&mut [0u8; 0]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first byte's address, for callers that need zero-copy access and take on its
    /// unsafety: the peer may write these bytes at any time, so no `&[u8]` may be made over
    /// them, only raw-pointer reads.
    ///
    /// ```
    /// let mut buffer = [7u8; 4];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// // SAFETY: the slice is at least one byte long and mapped; a volatile read of a u8.
    /// assert_eq!(unsafe { memory.as_ptr().read_volatile() }, 7);
    /// ```
    pub fn as_ptr(&self) -> *const u8 {
        self.addr.as_ptr()
    }

    /// The `len` bytes at `offset`, as a slice of their own.
    ///
    /// ```
    /// let mut buffer = [0u8; 64];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// let data = memory.subslice(16, 48)?;
    /// data.write_from(0, b"x")?;
    /// assert_eq!(memory.read_obj::<u8>(16)?, b'x');
    /// assert!(memory.subslice(16, 49).is_err());
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn subslice(&self, offset: usize, len: usize) -> Result<VolatileSlice<'a, A, M>, MemoryError> {
        let at = range(offset, len, self.len)?;
        // SAFETY: `at` lies within this non-null slice, which does not wrap around the address
        // space, so the address is not null.
        let addr = unsafe { NonNull::new_unchecked(self.at(at.start)) };
        // SAFETY: a checked sub-range of this slice's memory, with the same lifetime, access
        // and kind (a Local sub-slice shares the exclusive borrow and stays `!Send + !Sync`).
        Ok(unsafe { VolatileSlice::new(addr, len) })
    }

    /// Copies `buf.len()` bytes from `offset` into `buf` with volatile reads (aligned words
    /// where possible). Fails, copying nothing, when the range does not fit.
    ///
    /// ```
    /// let mut buffer = *b"0123456789";
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// let mut out = [0u8; 3];
    /// memory.read_into(7, &mut out)?;
    /// assert_eq!(&out, b"789");
    /// assert!(memory.read_into(8, &mut out).is_err());
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn read_into(&self, offset: usize, buf: &mut [u8]) -> Result<(), MemoryError> {
        let at = range(offset, buf.len(), self.len)?;
        // SAFETY: a checked range of this readable slice. `buf` is a Rust reference, so it
        // overlaps no slice memory: nothing references mapped bytes, and a Local buffer is
        // exclusively borrowed by its slices.
        unsafe { copy_from_volatile(buf, self.at(at.start)) };
        Ok(())
    }

    /// Reads a `T` at `offset` (any alignment) with volatile reads. A peer writing meanwhile
    /// can make it a mix of old and new bytes, never an invalid value.
    ///
    /// ```
    /// let mut buffer = [0u8; 8];
    /// buffer[1..5].copy_from_slice(&0x1234_5678u32.to_ne_bytes());
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// assert_eq!(memory.read_obj::<u32>(1)?, 0x1234_5678);
    /// assert!(memory.read_obj::<u64>(1).is_err());
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn read_obj<T: ByteValued>(&self, offset: usize) -> Result<T, MemoryError> {
        let mut value = zeroed_bytes::<T>();
        self.read_into(offset, bytes_of_mut(&mut value))?;
        Ok(value)
    }

    /// Loads the atomic integer at `offset`, which must be aligned to its size: the way to
    /// read an index or flag the peer updates, on any mapping, read-only ones included (a
    /// relaxed load, then a fence for `Acquire` or `SeqCst`).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU16, Ordering};
    /// let mut buffer = [0u16; 4]; // u16s: 2-byte aligned
    /// buffer[1] = 513;
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer).read_only();
    /// assert_eq!(memory.load::<AtomicU16>(2, Ordering::Acquire)?, 513);
    /// assert!(memory.load::<AtomicU16>(3, Ordering::Relaxed).is_err()); // misaligned
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn load<T: AtomicInteger>(&self, offset: usize, order: Ordering) -> Result<T::Value, MemoryError> {
        let ptr = self.atomic_ptr::<T>(offset)?;
        // SAFETY: aligned and in range, readable for 'a; a plain (relaxed) atomic load, which
        // is allowed on read-only memory too. The reference lives only for this load: on a
        // Local buffer, every access is this thread's, in program order; on mapped memory,
        // see `T::from_ptr`'s contract.
        let value = unsafe { T::from_ptr(ptr) }.load_relaxed();
        if order != Ordering::Relaxed {
            atomic::fence(order);
        }
        Ok(value)
    }

    /// The same memory, read-only.
    ///
    /// ```
    /// let mut buffer = [1u8; 4];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer).read_only();
    /// assert_eq!(memory.read_obj::<u8>(3)?, 1);
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn read_only(self) -> VolatileSlice<'a, ReadOnly, M> {
        // SAFETY: the same memory, with less access.
        unsafe { VolatileSlice::new(self.addr, self.len) }
    }

    fn atomic_ptr<T: AtomicInteger>(&self, offset: usize) -> Result<*mut T::Value, MemoryError> {
        let size = size_of::<T::Value>();
        let at = range(offset, size, self.len)?;
        aligned(self.addr.as_ptr() as usize, offset, size)?;
        Ok(self.at(at.start).cast())
    }
}

impl<'a> VolatileSlice<'a, Writable, Local> {
    /// A volatile view of the bytes of a local buffer of plain data, borrowed exclusively for
    /// `'a`: what tests and examples run the accessors on without Xen. The elements' type
    /// sets the alignment (`[u64]` for 8-byte loads). The buffer is a Rust allocation, so the
    /// slice is [`Local`]: `!Send + !Sync` and without `atomic` ([`crate::memory`] says why).
    ///
    /// ```
    /// let mut buffer = [0u32; 2];
    /// xengnttab::VolatileSlice::from_mut_slice(&mut buffer).write_obj(4, 0xffff_u32)?;
    /// assert_eq!(buffer, [0, 0xffff]);
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn from_mut_slice<T: ByteValued>(buf: &'a mut [T]) -> Self {
        let len = size_of_val(buf);
        // SAFETY: `buf` is exclusively borrowed for 'a, so only this slice (and the slices
        // made from it, all Local: on this thread) accesses it, and `buf` itself is not used
        // meanwhile; any bytes written leave valid `T: ByteValued` values.
        unsafe { VolatileSlice::new(NonNull::from(buf).cast(), len) }
    }
}

impl<'a, M: Memory> VolatileSlice<'a, Writable, M> {
    /// The first byte's address, writable; see [`as_ptr`](Self::as_ptr).
    ///
    /// ```
    /// let mut buffer = [0u8; 4];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// // SAFETY: in range and writable; a volatile write of a u8.
    /// unsafe { memory.as_mut_ptr().add(1).write_volatile(9) };
    /// assert_eq!(memory.read_obj::<u8>(1)?, 9);
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.addr.as_ptr()
    }

    /// Copies `buf` to `offset` with volatile writes (aligned words where possible). Fails,
    /// writing nothing, when the range does not fit.
    ///
    /// ```
    /// let mut buffer = [0u8; 8];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// memory.write_from(5, b"abc")?;
    /// assert!(memory.write_from(6, b"abc").is_err());
    /// assert_eq!(&buffer[5..], b"abc");
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn write_from(&self, offset: usize, buf: &[u8]) -> Result<(), MemoryError> {
        let at = range(offset, buf.len(), self.len)?;
        // SAFETY: a checked range of this writable slice; `buf` overlaps none of it (as in
        // `read_into`).
        unsafe { copy_to_volatile(self.at(at.start), buf) };
        Ok(())
    }

    /// Writes `value` at `offset` (any alignment) with volatile writes.
    ///
    /// ```
    /// let mut buffer = [0u8; 8];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// memory.write_obj(1, [1u16, 2])?;
    /// assert_eq!(memory.read_obj::<[u16; 2]>(1)?, [1, 2]);
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn write_obj<T: ByteValued>(&self, offset: usize, value: T) -> Result<(), MemoryError> {
        self.write_from(offset, bytes_of(&value))
    }

    /// Runs `op` on the atomic integer at `offset` (aligned to its size), on this thread:
    /// the pointer-based accessors below, which hand out values, never a reference into the
    /// slice's memory (unlike [`atomic`](VolatileSlice::atomic), whose `&T` lives as long as
    /// the slice; whether such a reference into memory a peer writes is allowed is an open
    /// question, rust-lang/unsafe-code-guidelines#607).
    fn update<T: AtomicInteger, R>(&self, offset: usize, op: impl FnOnce(&T) -> R) -> Result<R, MemoryError> {
        let ptr = self.atomic_ptr::<T>(offset)?;
        // SAFETY: aligned, in range, writable for 'a. The reference lives only for `op`, one
        // operation of this thread that returns a value: on a Local buffer, every access is
        // this thread's, in program order (as in `load`); on mapped memory, see
        // `T::from_ptr`'s contract.
        Ok(unsafe { T::update_at(ptr, op) })
    }

    /// Stores `value` into the atomic integer at `offset`, which must be aligned to its size
    /// (an index or flag the peer reads), without handing out a reference to it. Panics on an
    /// `Acquire` or `AcqRel` order, as the standard atomics' `store`.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// let mut buffer = [0u32; 2];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// memory.store::<AtomicU32>(4, 9, Ordering::Release)?;
    /// assert_eq!(memory.load::<AtomicU32>(4, Ordering::Acquire)?, 9);
    /// assert!(memory.store::<AtomicU32>(2, 9, Ordering::Release).is_err()); // misaligned
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn store<T: AtomicInteger>(&self, offset: usize, value: T::Value, order: Ordering) -> Result<(), MemoryError> {
        self.update::<T, _>(offset, |atomic| atomic.store_value(value, order))
    }

    /// Swaps `value` into the atomic integer at an aligned `offset`; returns the old value.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU16, Ordering};
    /// let mut buffer = [7u16; 2];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// assert_eq!(memory.swap::<AtomicU16>(2, 8, Ordering::AcqRel)?, 7);
    /// assert_eq!(memory.read_obj::<u16>(2)?, 8);
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn swap<T: AtomicInteger>(
        &self,
        offset: usize,
        value: T::Value,
        order: Ordering,
    ) -> Result<T::Value, MemoryError> {
        self.update::<T, _>(offset, |atomic| atomic.swap_value(value, order))
    }

    /// Adds `value` (wrapping) to the atomic integer at an aligned `offset`, e.g. a
    /// producer index; returns the old value.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let mut buffer = [u64::MAX; 1];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// assert_eq!(memory.fetch_add::<AtomicU64>(0, 2, Ordering::Release)?, u64::MAX);
    /// assert_eq!(memory.load::<AtomicU64>(0, Ordering::Relaxed)?, 1, "wraps");
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn fetch_add<T: AtomicInteger>(
        &self,
        offset: usize,
        value: T::Value,
        order: Ordering,
    ) -> Result<T::Value, MemoryError> {
        self.update::<T, _>(offset, |atomic| atomic.fetch_add_value(value, order))
    }

    /// Subtracts `value` (wrapping) from the atomic integer at an aligned `offset`; returns
    /// the old value.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU8, Ordering};
    /// let mut buffer = [5u8; 1];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// assert_eq!(memory.fetch_sub::<AtomicU8>(0, 6, Ordering::AcqRel)?, 5);
    /// assert_eq!(memory.read_obj::<u8>(0)?, 255, "wraps");
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn fetch_sub<T: AtomicInteger>(
        &self,
        offset: usize,
        value: T::Value,
        order: Ordering,
    ) -> Result<T::Value, MemoryError> {
        self.update::<T, _>(offset, |atomic| atomic.fetch_sub_value(value, order))
    }

    /// Stores `new` into the atomic integer at an aligned `offset` if it holds `current`:
    /// `Ok(Ok(current))` when it did, `Ok(Err(actual))` when it held `actual` instead (the
    /// outer `Result` is the offset check). Panics on a `Release` or `AcqRel` failure order,
    /// as the standard atomics' `compare_exchange`.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering::{AcqRel, Acquire}};
    /// let mut buffer = [3u32; 1];
    /// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
    /// assert_eq!(memory.compare_exchange::<AtomicU32>(0, 3, 4, AcqRel, Acquire)?, Ok(3));
    /// assert_eq!(memory.compare_exchange::<AtomicU32>(0, 3, 5, AcqRel, Acquire)?, Err(4));
    /// # Ok::<(), xengnttab::MemoryError>(())
    /// ```
    pub fn compare_exchange<T: AtomicInteger>(
        &self,
        offset: usize,
        current: T::Value,
        new: T::Value,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Result<T::Value, T::Value>, MemoryError> {
        self.update::<T, _>(offset, |atomic| atomic.compare_exchange_value(current, new, success, failure))
    }
}

impl<'a> VolatileSlice<'a, Writable, Mapped> {
    /// The atomic integer at `offset`, which must be aligned to its size: producer and
    /// consumer indices, flags. The reference borrows the mapping for `'a`. Mapped memory
    /// only: a [`Local`] buffer's atomic could be sent to another thread and race the copies
    /// of this one (see [`crate::memory`], also for what atomics on mapped memory rest on).
    ///
    /// ```no_run
    #[doc = include_str!("../../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn atomic<T: AtomicInteger>(&self, offset: usize) -> Result<&'a T, MemoryError> {
        let ptr = self.atomic_ptr::<T>(offset)?;
        // SAFETY: aligned, in range, mapped and writable for 'a (the slice's borrow); mapped
        // memory, as `T::from_ptr`'s contract allows under crate::memory's assumption.
        Ok(unsafe { T::from_ptr(ptr) })
    }
}

/// vm-memory's view of mapped, writable pages (feature `vm-memory`, 64-bit targets).
#[cfg(all(feature = "vm-memory", target_pointer_width = "64"))]
impl<'a> VolatileSlice<'a, Writable, Mapped> {
    /// The same bytes as a [`vm_memory::VolatileSlice`], borrowing the mapping for `'a` as this
    /// slice does: for code written against rust-vmm's traits (`Bytes<usize>`,
    /// `VolatileMemory`, `ReadVolatile`/`WriteVolatile`, which move data between an fd and the
    /// pages with no bounce buffer). Writable mapped pages only: vm-memory's slice always has
    /// write methods, so a read-only mapping's (`PROT_READ`) would let safe code write to a page
    /// that faults; and a [`Local`] buffer has `VolatileSlice::from(&mut [u8])` in vm-memory.
    ///
    /// ```no_run
    #[doc = include_str!("../../examples/vmm_grants.rs")]
    /// ```
    pub fn to_vm_memory(self) -> vm_memory::VolatileSlice<'a> {
        // SAFETY: vm-memory's contract is that `addr..addr + len` stays valid memory for 'a and
        // that every other user of it makes only volatile accesses. This slice's own contract
        // (`new`, Mapped + Writable) gives the first: the bytes are pages mmap'd
        // PROT_READ|PROT_WRITE from a Xen device and stay mapped for 'a, which the returned
        // slice inherits (it cannot outlive the GrantMapping or SharedPages it borrows). For
        // the second, the other users are: this crate, which never makes a Rust reference to
        // mapped bytes, only volatile copies and atomics (crate::memory); the peer domain and
        // the kernel (read(2)/write(2) of ReadVolatile), which are outside Rust's abstract
        // machine as for any shared memory vm-memory maps; and vm-memory's slice itself, whose
        // safe methods are volatile copies and aligned atomics too (its atomics rest on the
        // same assumption as ours, crate::memory). References to the bytes come only from its
        // `unsafe` methods (`aligned_as_ref`/`aligned_as_mut`), whose callers vouch for them.
        // The bytes lie in no Rust allocation, so vm-memory's `*mut u8` aliases nothing Rust
        // owns; its slice is `!Send`, narrower than ours.
        unsafe { vm_memory::VolatileSlice::new(self.addr.as_ptr(), self.len) }
    }
}

const WORD: usize = size_of::<u64>();

/// Volatile copy out of a slice's memory: bytes until `src` is word-aligned, then words, then
/// the tail bytes (`wrapping_add`: see the module docs).
///
/// # Safety
/// `src..src + dst.len()` must be a readable range of one slice (its bytes never referenced),
/// which `dst` does not overlap.
unsafe fn copy_from_volatile(dst: &mut [u8], src: *const u8) {
    let head = src.align_offset(WORD).min(dst.len());
    let (bytes, rest) = dst.split_at_mut(head);
    for (i, b) in bytes.iter_mut().enumerate() {
        // SAFETY: i < head <= len: in range.
        *b = unsafe { src.wrapping_add(i).read_volatile() };
    }
    let src = src.wrapping_add(head);
    let done = rest.len() / WORD * WORD;
    let mut words = rest.chunks_exact_mut(WORD);
    for (i, chunk) in words.by_ref().enumerate() {
        // SAFETY: word-aligned (align_offset above), in range.
        let word = unsafe { src.cast::<u64>().wrapping_add(i).read_volatile() };
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    for (i, b) in words.into_remainder().iter_mut().enumerate() {
        // SAFETY: done + i < rest.len(): in range.
        *b = unsafe { src.wrapping_add(done + i).read_volatile() };
    }
}

/// Volatile copy into a slice's memory, as `copy_from_volatile`.
///
/// # Safety
/// `dst..dst + src.len()` must be a writable range of one slice (its bytes never referenced),
/// which `src` does not overlap.
unsafe fn copy_to_volatile(dst: *mut u8, src: &[u8]) {
    let head = dst.align_offset(WORD).min(src.len());
    let (bytes, rest) = src.split_at(head);
    for (i, &b) in bytes.iter().enumerate() {
        // SAFETY: i < head <= len: in range.
        unsafe { dst.wrapping_add(i).write_volatile(b) };
    }
    let dst = dst.wrapping_add(head);
    let mut words = rest.chunks_exact(WORD);
    for (i, chunk) in words.by_ref().enumerate() {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        // SAFETY: word-aligned, in range.
        unsafe { dst.cast::<u64>().wrapping_add(i).write_volatile(word) };
    }
    let done = rest.len() / WORD * WORD;
    for (i, &b) in words.remainder().iter().enumerate() {
        // SAFETY: done + i < rest.len(): in range.
        unsafe { dst.wrapping_add(done + i).write_volatile(b) };
    }
}
