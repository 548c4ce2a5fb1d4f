//! Read-only or writable, chosen by type: a read-only mapping has no write methods.

use std::ffi::c_int;
use std::fmt::Debug;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ReadOnly {}
    impl Sealed for super::Writable {}
}

/// The access a mapping or a grant allows: [`ReadOnly`] or [`Writable`].
///
/// It is passed as a value (`ReadOnly` or `Writable`, like the variants of an enum), but it is a
/// type, so the compiler knows which mappings may be written: only a
/// [`GrantMapping<Writable>`](crate::GrantMapping) (and a
/// [`VolatileSlice<Writable>`](crate::VolatileSlice)) has `write_from`, `write_obj` and `atomic`.
/// The trait is sealed; no other implementations can exist.
///
/// ```
/// use xengnttab::{Access, ReadOnly, Writable};
/// assert!(Writable.is_writable());
/// assert!(!ReadOnly.is_writable());
/// ```
pub trait Access: sealed::Sealed + Copy + Debug + Default + Send + Sync + 'static {
    /// `mmap` protection flags for a mapping with this access.
    #[doc(hidden)]
    const PROT: c_int;

    /// Whether the access allows writing.
    fn is_writable(self) -> bool {
        Self::PROT & libc::PROT_WRITE != 0
    }
}

/// Read-only access: a mapping can only be read; a shared grant cannot be written by the peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOnly;

/// Read-write access: a mapping can also be written; a shared grant may be written by the peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Writable;

impl Access for ReadOnly {
    const PROT: c_int = libc::PROT_READ;
}

impl Access for Writable {
    const PROT: c_int = libc::PROT_READ | libc::PROT_WRITE;
}
