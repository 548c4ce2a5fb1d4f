//! The memory model of shared pages, and the range and alignment checks of every access.
//!
//! Pages shared with another domain (or mapped from one) can be written by the peer at any
//! moment. A `&[u8]` over them would promise Rust that nobody writes the bytes while it lives,
//! and a `&mut [u8]` that nobody else even reads them: the peer keeps neither promise, so the
//! compiler could cache, merge or invent reads and writes that the peer then breaks. The crate
//! therefore never makes a reference to shared bytes. As rust-vmm's `vm-memory` does for guest
//! memory, it hands out [`VolatileSlice`](crate::VolatileSlice)s, whose accesses are
//! - volatile copies (`read_into`, `write_from`, `read_obj`, `write_obj`): each is really made,
//!   once, in program order with the other volatile accesses; a copy the peer writes into at
//!   the same time may see old and new bytes mixed, but only [`ByteValued`](crate::ByteValued)
//!   types, for which every bit pattern is valid, can be read;
//! - atomics at aligned offsets (`atomic`, `load`): `Acquire`/`Release` on an index or flag
//!   orders the volatile copies of the data around it, for both sides (the peer's kernel and
//!   CPU use the same memory).
//!
//! Every offset is checked: a range that does not fit, or a misaligned atomic, is a
//! [`MemoryError`] and nothing is accessed. A read-only mapping's slice has no write methods
//! at all (checked at compile time). The raw pointers (`as_ptr`, `as_mut_ptr`) stay for
//! zero-copy callers who take on the unsafety.
//!
//! # Two kinds of memory, and threads
//!
//! A slice's third type parameter, a [`Memory`], says where its bytes are, because Rust's
//! rules for the two differ:
//!
//! - [`Mapped`] (the default): a grant mapping or shared pages, which `mmap` of a Xen device
//!   made. No Rust allocation lies there (the crate made none and makes no reference to the
//!   bytes), and Rust's documentation of [`read_volatile`](std::ptr::read_volatile) and
//!   [`write_volatile`](std::ptr::write_volatile) allows volatile accesses to "memory that is
//!   *outside* of any Rust allocation": the pointer need not be valid, the access must not
//!   trap (the slice borrows the live mapping) nor modify memory inside a Rust allocation (it
//!   does not), and it is not atomic, so it does not synchronize. The data-race rule the
//!   docs state is for memory inside allocations ("behave exactly like non-atomic accesses");
//!   for memory outside them they state none, and the peer's writes race ours there whatever
//!   Rust says. The crate treats the threads of this process like the peer (part of the
//!   assumption below): a thread copying into a mapping while another copies out of it makes
//!   the reader get a mix of old and new bytes, nothing worse. A `Mapped` slice is therefore
//!   `Send + Sync`; volatile copies of the same bytes from two threads are unordered with each
//!   other, and the atomics are what hands data over.
//! - [`Local`]: a buffer of this program, wrapped by
//!   [`VolatileSlice::from_mut_slice`](crate::VolatileSlice::from_mut_slice) (tests, examples,
//!   code written once for both kinds). That buffer *is* a Rust allocation, and there "whether
//!   an operation is volatile has no bearing whatsoever on questions involving concurrent
//!   accesses from multiple threads" (`read_volatile`): two threads copying into it at once
//!   would be a data race, and so would an atomic racing a copy or two atomics of different
//!   sizes at one offset ([`std::sync::atomic`], "Memory model for atomic accesses"). A `Local`
//!   slice is therefore `!Send + !Sync` (it cannot reach another thread, not even through a
//!   scoped one) and has no `atomic` (an `&AtomicU32` is `Sync` and would carry the buffer to
//!   another thread); `load`, which returns a value, it keeps. Everything done through it is
//!   done by one thread, in program order, so none of those races can happen.
//!
//! ```compile_fail,E0277
//! // A local buffer's slice cannot be shared with another thread:
//! let mut buffer = [0u8; 8];
//! let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
//! std::thread::scope(|s| {
//!     s.spawn(|| memory.write_from(0, b"a")); // error: `VolatileSlice<'_, Writable, Local>` is not `Sync`
//!     memory.write_from(0, b"b")
//! }).unwrap();
//! ```
//!
//! # The one assumption: atomics and threads on mapped memory
//!
//! Rust does not yet define atomic operations on memory outside its allocations, nor what
//! two threads' racing volatile accesses there do. An "atomic
//! volatile" operation has been accepted as a proposal but does not exist yet
//! (rust-lang/unsafe-code-guidelines#615); how to share memory with an untrusted party is an
//! open question (unsafe-code-guidelines#607, which suggests never making such memory part of
//! the abstract machine and using volatile accesses only); until atomic APIs catch up,
//! volatile accesses are "the least bad solution" (unsafe-code-guidelines#152, closing note),
//! and atomics are what the same discussions suggest for memory other processes share
//! (unsafe-code-guidelines#606). A ring of indices and flags needs atomics (volatile accesses
//! cannot synchronize), so the crate uses the standard ones, through `AtomicU32::from_ptr`,
//! whose contract asks for memory valid for reads and writes, i.e. inside an allocation,
//! which a mapping is not. It assumes what every shared-memory protocol in C assumes: the
//! compiler, which cannot know who else reaches memory it did not allocate, compiles those
//! atomics into the instructions they are on x86-64 (aligned loads and stores, which the
//! hardware makes single-copy atomic up to 8 bytes, and `lock`-prefixed read-modify-writes).
//! On mapped memory, whoever races them (the peer, or a thread of this process through
//! another `Mapped` slice: a volatile copy, an atomic of another size at the same offset)
//! then changes which bytes are read, never the meaning of the program. Miri and
//! ThreadSanitizer model all memory as allocations and would report such races; the crate's
//! tests do not race on mapped memory.

use std::fmt;
use std::ops::Range;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Mapped {}
    impl Sealed for super::Local {}
}

/// Where a [`VolatileSlice`](crate::VolatileSlice)'s bytes are: [`Mapped`] pages, which may
/// be used from any number of threads, or a [`Local`] buffer, which stays on one thread (see
/// [the module documentation](self#two-kinds-of-memory-and-threads)). Sealed.
///
/// ```
/// use xengnttab::VolatileSlice;
/// use xengnttab::memory::{Local, Mapped};
/// fn shareable<T: Send + Sync>() {}
/// shareable::<VolatileSlice<'static>>(); // the default: Mapped, Writable
/// shareable::<VolatileSlice<'static, xengnttab::ReadOnly, Mapped>>();
/// let mut buffer = [0u8; 4];
/// let local: VolatileSlice<'_, xengnttab::Writable, Local> = VolatileSlice::from_mut_slice(&mut buffer);
/// assert_eq!(local.len(), 4);
/// ```
pub trait Memory: sealed::Sealed + Copy + fmt::Debug + Default + 'static {}

/// Pages mapped from a Xen device (grant mappings, shared pages): outside every Rust
/// allocation, written by the peer at any time; their slices are `Send + Sync`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mapped;

/// A buffer of this program (a Rust allocation), wrapped by
/// [`VolatileSlice::from_mut_slice`](crate::VolatileSlice::from_mut_slice): its slices are
/// `!Send + !Sync` and have no `atomic`, so it is only ever accessed by one thread.
///
/// ```compile_fail,E0599
/// use std::sync::atomic::AtomicU32;
/// let mut buffer = [0u32; 2];
/// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
/// let index: &AtomicU32 = memory.atomic(0).unwrap(); // error: no `atomic` on a Local slice
/// ```
///
/// ```compile_fail,E0277
/// // Not even a copy of the slice can move to another thread:
/// let mut buffer = [0u8; 8];
/// let memory = xengnttab::VolatileSlice::from_mut_slice(&mut buffer);
/// let copy = memory;
/// std::thread::scope(|s| {
///     s.spawn(move || copy.write_from(0, b"a")); // error: `VolatileSlice<'_, Writable, Local>` cannot be sent
///     memory.write_from(0, b"b")
/// }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Local;

impl Memory for Mapped {}
impl Memory for Local {}

/// Why a volatile access was refused; nothing was read or written.
///
/// ```
/// use xengnttab::{MemoryError, VolatileSlice};
/// use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// let mut buffer = [0u32; 2];
/// let memory = VolatileSlice::from_mut_slice(&mut buffer);
/// assert_eq!(memory.read_obj::<u32>(6), Err(MemoryError::OutOfBounds { offset: 6, len: 4, size: 8 }));
/// assert_eq!(memory.load::<AtomicU32>(2, Relaxed), Err(MemoryError::Misaligned { offset: 2, align: 4 }));
/// let e: xengnttab::Error = MemoryError::Misaligned { offset: 2, align: 4 }.into();
/// assert_eq!(e.errno(), libc::EINVAL);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// `len` bytes at `offset` do not fit in the `size` bytes of the slice.
    OutOfBounds {
        /// Where the access starts.
        offset: usize,
        /// How many bytes it covers.
        len: usize,
        /// The slice's length.
        size: usize,
    },
    /// An atomic of `align` bytes at an address that is not a multiple of `align`.
    Misaligned {
        /// Where the atomic would be, from the start of the slice.
        offset: usize,
        /// Its size, which is also its alignment.
        align: usize,
    },
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MemoryError::OutOfBounds { offset, len, size } => {
                write!(f, "{len} byte(s) at offset {offset} do not fit in {size} byte(s)")
            }
            MemoryError::Misaligned { offset, align } => {
                write!(f, "offset {offset} is not aligned to {align} bytes for an atomic access")
            }
        }
    }
}

impl std::error::Error for MemoryError {}

/// EFAULT for an access out of bounds, EINVAL for a misaligned atomic, so that `?` works in
/// functions returning [`crate::Result`].
impl From<MemoryError> for crate::Error {
    fn from(e: MemoryError) -> Self {
        match e {
            MemoryError::OutOfBounds { .. } => crate::Error::from_errno(libc::EFAULT),
            MemoryError::Misaligned { .. } => crate::Error::INVALID,
        }
    }
}

/// Via [`crate::Error`]: `?` works in functions returning `io::Result` too.
impl From<MemoryError> for std::io::Error {
    fn from(e: MemoryError) -> Self {
        std::io::Error::new(crate::Error::from(e).kind(), e)
    }
}

/// The byte range `offset..offset + len` of a slice of `size` bytes, if it fits.
pub(crate) fn range(offset: usize, len: usize, size: usize) -> Result<Range<usize>, MemoryError> {
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(offset..end),
        _ => Err(MemoryError::OutOfBounds { offset, len, size }),
    }
}

/// Checks that `base + offset` is a multiple of `align` (a power of two).
pub(crate) fn aligned(base: usize, offset: usize, align: usize) -> Result<(), MemoryError> {
    if base.wrapping_add(offset) % align == 0 { Ok(()) } else { Err(MemoryError::Misaligned { offset, align }) }
}

/// The accessors of [`GrantMapping`](crate::GrantMapping) and
/// [`SharedPages`](crate::SharedPages): each is the [`VolatileSlice`](crate::VolatileSlice)
/// method of the same name over the whole mapping, returned by the type's own
/// `as_volatile_slice()`. `read` for every access, `write` for writable ones; `$example` is the
/// example file every method shows.
macro_rules! volatile_accessors {
    (read, $example:literal) => {
        /// Length in bytes (4096 per page).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn len(&self) -> usize {
            self.as_volatile_slice().len()
        }

        /// Never true: a mapping has at least one page.
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn is_empty(&self) -> bool {
            self.as_volatile_slice().is_empty()
        }

        /// Copies bytes at `offset` into `buf` with volatile reads; see
        /// [`VolatileSlice::read_into`](crate::VolatileSlice::read_into).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn read_into(&self, offset: usize, buf: &mut [u8]) -> Result<(), crate::MemoryError> {
            self.as_volatile_slice().read_into(offset, buf)
        }

        /// Reads a plain-data value at `offset`; see
        /// [`VolatileSlice::read_obj`](crate::VolatileSlice::read_obj).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn read_obj<T: crate::ByteValued>(&self, offset: usize) -> Result<T, crate::MemoryError> {
            self.as_volatile_slice().read_obj(offset)
        }

        /// Loads the atomic integer at an aligned `offset`; see
        /// [`VolatileSlice::load`](crate::VolatileSlice::load).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn load<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            order: std::sync::atomic::Ordering,
        ) -> Result<T::Value, crate::MemoryError> {
            self.as_volatile_slice().load::<T>(offset, order)
        }

        /// The first byte's address, for zero-copy callers who take on the unsafety; see
        /// [`VolatileSlice::as_ptr`](crate::VolatileSlice::as_ptr).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn as_ptr(&self) -> *const u8 {
            self.as_volatile_slice().as_ptr()
        }
    };
    (write, $example:literal) => {
        /// Copies `buf` to `offset` with volatile writes; see
        /// [`VolatileSlice::write_from`](crate::VolatileSlice::write_from).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn write_from(&self, offset: usize, buf: &[u8]) -> Result<(), crate::MemoryError> {
            self.as_volatile_slice().write_from(offset, buf)
        }

        /// Writes a plain-data value at `offset`; see
        /// [`VolatileSlice::write_obj`](crate::VolatileSlice::write_obj).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn write_obj<T: crate::ByteValued>(&self, offset: usize, value: T) -> Result<(), crate::MemoryError> {
            self.as_volatile_slice().write_obj(offset, value)
        }

        /// The atomic integer at an aligned `offset` (indices, flags); see
        /// [`VolatileSlice::atomic`](crate::VolatileSlice::atomic).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn atomic<T: crate::AtomicInteger>(&self, offset: usize) -> Result<&T, crate::MemoryError> {
            self.as_volatile_slice().atomic(offset)
        }

        /// Stores into the atomic integer at an aligned `offset`, handing out no reference;
        /// see [`VolatileSlice::store`](crate::VolatileSlice::store).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn store<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            value: T::Value,
            order: std::sync::atomic::Ordering,
        ) -> Result<(), crate::MemoryError> {
            self.as_volatile_slice().store::<T>(offset, value, order)
        }

        /// Swaps the atomic integer at an aligned `offset`; see
        /// [`VolatileSlice::swap`](crate::VolatileSlice::swap).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn swap<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            value: T::Value,
            order: std::sync::atomic::Ordering,
        ) -> Result<T::Value, crate::MemoryError> {
            self.as_volatile_slice().swap::<T>(offset, value, order)
        }

        /// Adds to the atomic integer at an aligned `offset`; see
        /// [`VolatileSlice::fetch_add`](crate::VolatileSlice::fetch_add).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn fetch_add<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            value: T::Value,
            order: std::sync::atomic::Ordering,
        ) -> Result<T::Value, crate::MemoryError> {
            self.as_volatile_slice().fetch_add::<T>(offset, value, order)
        }

        /// Subtracts from the atomic integer at an aligned `offset`; see
        /// [`VolatileSlice::fetch_sub`](crate::VolatileSlice::fetch_sub).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn fetch_sub<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            value: T::Value,
            order: std::sync::atomic::Ordering,
        ) -> Result<T::Value, crate::MemoryError> {
            self.as_volatile_slice().fetch_sub::<T>(offset, value, order)
        }

        /// Compares and exchanges the atomic integer at an aligned `offset`; see
        /// [`VolatileSlice::compare_exchange`](crate::VolatileSlice::compare_exchange).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn compare_exchange<T: crate::AtomicInteger>(
            &self,
            offset: usize,
            current: T::Value,
            new: T::Value,
            success: std::sync::atomic::Ordering,
            failure: std::sync::atomic::Ordering,
        ) -> Result<Result<T::Value, T::Value>, crate::MemoryError> {
            self.as_volatile_slice().compare_exchange::<T>(offset, current, new, success, failure)
        }

        /// The first byte's address, writable; see
        /// [`VolatileSlice::as_mut_ptr`](crate::VolatileSlice::as_mut_ptr).
        ///
        /// ```no_run
        #[doc = include_str!($example)]
        /// ```
        pub fn as_mut_ptr(&self) -> *mut u8 {
            self.as_volatile_slice().as_mut_ptr()
        }
    };
}
pub(crate) use volatile_accessors;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VolatileSlice;
    use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering};

    #[test]
    fn ranges_must_fit_without_overflowing() {
        assert_eq!(range(0, 4096, 4096), Ok(0..4096));
        assert_eq!(range(4096, 0, 4096), Ok(4096..4096));
        assert_eq!(range(4095, 2, 4096), Err(MemoryError::OutOfBounds { offset: 4095, len: 2, size: 4096 }));
        assert_eq!(range(4097, 0, 4096), Err(MemoryError::OutOfBounds { offset: 4097, len: 0, size: 4096 }));
        assert!(range(usize::MAX, 2, 4096).is_err(), "offset + len overflows");
        assert!(range(1, usize::MAX, usize::MAX).is_err());
    }

    #[test]
    fn alignment_is_of_the_address_not_the_offset() {
        assert_eq!(aligned(0x1000, 8, 8), Ok(()));
        assert_eq!(aligned(0x1004, 4, 8), Ok(()));
        assert_eq!(aligned(0x1000, 4, 8), Err(MemoryError::Misaligned { offset: 4, align: 8 }));
        assert_eq!(aligned(0x1001, 0, 1), Ok(()));
    }

    #[test]
    fn refused_accesses_touch_nothing() {
        let mut buffer = [0u64; 2];
        let memory = VolatileSlice::from_mut_slice(&mut buffer);
        assert!(memory.write_from(12, &[0xff; 5]).is_err());
        assert!(memory.write_obj(9, u64::MAX).is_err());
        let mut out = [1u8; 17];
        assert!(memory.read_into(0, &mut out).is_err());
        assert_eq!(out, [1; 17], "the destination is left alone");
        assert_eq!(buffer, [0, 0]);
    }

    #[test]
    fn copies_of_every_length_and_alignment_round_trip() {
        let mut buffer = [0u64; 8];
        let memory = VolatileSlice::from_mut_slice(&mut buffer);
        let data: Vec<u8> = (0..64u8).map(|b| b.wrapping_mul(37).wrapping_add(1)).collect();
        // Under Miri (which interprets every byte copied), every alignment and every split into
        // head bytes, words and tail bytes, with fewer lengths.
        let (offsets, lengths) = if cfg!(miri) { (9, 24) } else { (16, 40) };
        for offset in 0..offsets {
            for len in 0..=(64 - offset).min(lengths) {
                memory.write_from(0, &[0; 64]).unwrap();
                memory.write_from(offset, &data[..len]).unwrap();
                let mut whole = [0u8; 64];
                memory.read_into(0, &mut whole).unwrap();
                assert_eq!(&whole[offset..offset + len], &data[..len], "offset {offset} len {len}");
                assert!(whole[..offset].iter().chain(&whole[offset + len..]).all(|&b| b == 0));
                let mut back = vec![0u8; len];
                memory.read_into(offset, &mut back).unwrap();
                assert_eq!(back, &data[..len]);
            }
        }
    }

    #[test]
    fn loads_need_their_alignment_and_see_volatile_writes() {
        let mut buffer = [0u64; 2];
        let memory = VolatileSlice::from_mut_slice(&mut buffer);
        assert_eq!(memory.load::<AtomicU8>(15, Ordering::Relaxed), Ok(0));
        assert_eq!(
            memory.load::<AtomicU16>(1, Ordering::Relaxed),
            Err(MemoryError::Misaligned { offset: 1, align: 2 })
        );
        assert_eq!(
            memory.load::<AtomicU32>(6, Ordering::Relaxed),
            Err(MemoryError::Misaligned { offset: 6, align: 4 })
        );
        assert_eq!(
            memory.load::<AtomicU64>(4, Ordering::Relaxed),
            Err(MemoryError::Misaligned { offset: 4, align: 8 })
        );
        assert_eq!(
            memory.load::<AtomicU64>(16, Ordering::Relaxed),
            Err(MemoryError::OutOfBounds { offset: 16, len: 8, size: 16 })
        );
        memory.write_obj(12, 0xdead_beef_u32).unwrap();
        assert_eq!(memory.read_only().load::<AtomicU32>(12, Ordering::Acquire), Ok(0xdead_beef));
        let inner = memory.subslice(4, 12).unwrap();
        assert_eq!(inner.load::<AtomicU32>(8, Ordering::SeqCst), Ok(0xdead_beef), "a subslice keeps the address");
        assert!(inner.load::<AtomicU64>(4, Ordering::Relaxed).is_ok(), "offset 4 of the subslice is address-aligned");
        assert!(inner.load::<AtomicU64>(0, Ordering::Relaxed).is_err());
    }

    /// The pointer-based atomics work on local buffers too (so Miri checks them): they hand
    /// out values, never a reference that could leave the thread.
    #[test]
    fn pointer_based_atomics_check_offsets_and_update_in_place() {
        let mut buffer = [0u64; 2];
        let memory = VolatileSlice::from_mut_slice(&mut buffer);
        assert_eq!(memory.store::<AtomicU32>(12, 7, Ordering::Release), Ok(()));
        assert_eq!(memory.read_obj::<u32>(12), Ok(7));
        assert_eq!(memory.fetch_add::<AtomicU32>(12, 3, Ordering::AcqRel), Ok(7));
        assert_eq!(memory.fetch_sub::<AtomicU32>(12, 11, Ordering::AcqRel), Ok(10));
        assert_eq!(memory.load::<AtomicU32>(12, Ordering::Acquire), Ok(u32::MAX), "wrapped");
        assert_eq!(memory.swap::<AtomicU16>(2, 0xabcd, Ordering::SeqCst), Ok(0));
        assert_eq!(memory.compare_exchange::<AtomicU8>(3, 0xab, 1, Ordering::AcqRel, Ordering::Acquire), Ok(Ok(0xab)));
        assert_eq!(memory.compare_exchange::<AtomicU8>(3, 0xab, 2, Ordering::AcqRel, Ordering::Relaxed), Ok(Err(1)));
        assert_eq!(memory.fetch_add::<AtomicU64>(8, 5, Ordering::Relaxed), Ok(u64::from(u32::MAX) << 32));
        assert_eq!(
            memory.store::<AtomicU32>(6, 1, Ordering::Relaxed),
            Err(MemoryError::Misaligned { offset: 6, align: 4 })
        );
        assert_eq!(
            memory.swap::<AtomicU64>(16, 1, Ordering::Relaxed),
            Err(MemoryError::OutOfBounds { offset: 16, len: 8, size: 16 })
        );
        let inner = memory.subslice(8, 8).unwrap();
        assert_eq!(inner.fetch_sub::<AtomicU64>(0, 1, Ordering::Release), Ok((u64::from(u32::MAX) << 32) + 5));
        if cfg!(target_endian = "little") {
            assert_eq!(buffer, [0x01cd_0000, 0xffff_ffff_0000_0004]);
        }
    }

    /// `atomic` exists on mapped memory only: a shared mapping of /dev/zero stands in for a
    /// grant mapping (memory outside every Rust allocation, as gntdev's and gntalloc's).
    #[test]
    #[cfg_attr(miri, ignore = "mmap of a device: Miri has no file mappings")]
    fn atomics_on_mapped_memory_need_their_alignment_and_see_volatile_writes() {
        use std::os::fd::AsFd;
        let zero = std::fs::File::options().read(true).write(true).open("/dev/zero").unwrap();
        let page =
            crate::sys::mman::Mapping::map_shared(zero.as_fd(), 4096, libc::PROT_READ | libc::PROT_WRITE, 0).unwrap();
        let memory: VolatileSlice<'_> = page.volatile::<crate::Writable>().subslice(0, 16).unwrap();
        assert!(memory.atomic::<AtomicU8>(15).is_ok());
        assert_eq!(memory.atomic::<AtomicU16>(1).unwrap_err(), MemoryError::Misaligned { offset: 1, align: 2 });
        assert_eq!(memory.atomic::<AtomicU32>(6).unwrap_err(), MemoryError::Misaligned { offset: 6, align: 4 });
        assert_eq!(memory.atomic::<AtomicU64>(4).unwrap_err(), MemoryError::Misaligned { offset: 4, align: 8 });
        assert_eq!(
            memory.atomic::<AtomicU64>(16).unwrap_err(),
            MemoryError::OutOfBounds { offset: 16, len: 8, size: 16 }
        );
        let index = memory.atomic::<AtomicU32>(12).unwrap();
        index.store(0xdead_beef, Ordering::Release);
        assert_eq!(memory.read_obj::<u32>(12).unwrap(), 0xdead_beef);
        memory.write_obj(12, 5u32).unwrap();
        assert_eq!(memory.read_only().load::<AtomicU32>(12, Ordering::Acquire), Ok(5));
        assert_eq!(index.fetch_add(1, Ordering::AcqRel), 5);
        let inner = memory.subslice(4, 12).unwrap();
        assert_eq!(inner.load::<AtomicU32>(8, Ordering::SeqCst), Ok(6), "a subslice keeps the address");
        assert!(inner.atomic::<AtomicU64>(4).is_ok(), "offset 4 of the subslice is address-aligned");
        assert!(inner.atomic::<AtomicU64>(0).is_err());
    }

    /// Mapped slices are what threads share (the peer writes the same bytes anyway); Local
    /// ones are not (the compile_fail examples of `Local` and of this module show it).
    #[test]
    #[cfg_attr(miri, ignore = "mmap of a device: Miri has no file mappings")]
    fn threads_share_a_mapped_slice() {
        use std::os::fd::AsFd;
        let zero = std::fs::File::options().read(true).write(true).open("/dev/zero").unwrap();
        let page =
            crate::sys::mman::Mapping::map_shared(zero.as_fd(), 4096, libc::PROT_READ | libc::PROT_WRITE, 0).unwrap();
        let memory: VolatileSlice<'_> = page.volatile();
        let ready = memory.atomic::<AtomicU32>(0).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                memory.write_from(64, b"from a thread").unwrap();
                ready.store(1, Ordering::Release);
            });
            while ready.load(Ordering::Acquire) == 0 {
                std::hint::spin_loop();
            }
            let mut text = [0u8; 13];
            memory.read_into(64, &mut text).unwrap();
            assert_eq!(&text, b"from a thread");
        });
    }
}
