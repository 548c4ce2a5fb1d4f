//! Grant copy with typed segments: the hypervisor copies between our buffers and other
//! domains' grants, no mapping needed.

use crate::access::{Access, Writable};
use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::sys::PAGE_SIZE;
use crate::sys::gntdev::{self, CopyForeign};
use crate::sys::volatile::VolatileSlice;
use std::fmt;

/// A place in a page another domain granted: the foreign side of a copy segment.
///
/// ```
/// use xengnttab::ForeignGrant;
/// let at = ForeignGrant::new(0, 8).at_offset(100);
/// assert_eq!((at.domid, at.gref, at.offset), (0, 8, 100));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignGrant {
    /// The granting domain.
    pub domid: u16,
    /// The grant ref.
    pub gref: u32,
    /// Byte offset in the granted page where the copy starts.
    pub offset: u16,
}

impl ForeignGrant {
    /// The start of page `gref` granted by `domid`.
    pub const fn new(domid: u16, gref: u32) -> Self {
        ForeignGrant { domid, gref, offset: 0 }
    }

    /// The same page, `offset` bytes in.
    pub const fn at_offset(self, offset: u16) -> Self {
        ForeignGrant { offset, ..self }
    }

    /// A segment of `len` bytes from here must stay inside the page: the hypervisor would
    /// refuse it (GNTST_bad_copy_arg); we refuse it before, with EINVAL.
    fn segment(self, len: usize) -> Result<CopyForeign> {
        if usize::from(self.offset) + len > PAGE_SIZE {
            return Err(Error::INVALID);
        }
        Ok(CopyForeign { r#ref: self.gref, offset: self.offset, domid: self.domid })
    }
}

/// The segments of one grant copy, run by [`GrantTable::copy`](crate::GrantTable::copy).
/// Local buffers stay borrowed until the copy has run: sources shared, destinations
/// exclusively.
///
/// ```no_run
#[doc = include_str!("../examples/grant_copy.rs")]
/// ```
///
/// Segments are checked as they are added, without Xen:
///
/// ```
/// use xengnttab::{CopyBatch, ForeignGrant};
/// let page = [0u8; 4096];
/// let mut batch = CopyBatch::new();
/// assert!(batch.copy_to_grant(&page, ForeignGrant::new(0, 8)).is_ok());
/// let crossing = batch.copy_to_grant(&page[..2], ForeignGrant::new(0, 8).at_offset(4095));
/// assert_eq!(crossing.unwrap_err().errno(), libc::EINVAL);
/// assert_eq!(batch.len(), 1);
/// ```
#[derive(Default)]
pub struct CopyBatch<'a> {
    segments: gntdev::CopyBatch<'a>,
    len: usize,
}

impl fmt::Debug for CopyBatch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyBatch").field("segments", &self.len).finish()
    }
}

impl<'a> CopyBatch<'a> {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a segment copying `src` into the grant at `dest`. EINVAL when `src` would run
    /// past the end of the granted page.
    pub fn copy_to_grant(&mut self, src: &'a [u8], dest: ForeignGrant) -> Result<()> {
        let dest = dest.segment(src.len())?;
        self.segments.copy_to_grant(src, dest)?;
        self.len += 1;
        Ok(())
    }

    /// Adds a segment filling `dest` from the grant at `src`. EINVAL when `dest` would run
    /// past the end of the granted page.
    pub fn copy_from_grant(&mut self, src: ForeignGrant, dest: &'a mut [u8]) -> Result<()> {
        let src = src.segment(dest.len())?;
        self.segments.copy_from_grant(src, dest)?;
        self.len += 1;
        Ok(())
    }

    /// Adds a segment copying the bytes of `src`, a [`VolatileSlice`] (part of a
    /// [`GrantMapping`](crate::GrantMapping), of [`SharedPages`](crate::SharedPages) or of a
    /// local buffer), into the grant at `dest`, with no copy through a buffer of ours first.
    /// EINVAL when `src` would run past the end of the granted page. The kernel pins `src`'s
    /// pages for the copy: pages shared with gntalloc and local buffers can be pinned; a
    /// gntdev mapping of another domain's grant may not be (the copy then fails), and such a
    /// grant is better copied directly.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/grant_copy.rs")]
    /// ```
    pub fn copy_volatile_to_grant<A: Access, M: Memory>(
        &mut self,
        src: VolatileSlice<'a, A, M>,
        dest: ForeignGrant,
    ) -> Result<()> {
        let dest = dest.segment(src.len())?;
        self.segments.copy_volatile_to_grant(src, dest)?;
        self.len += 1;
        Ok(())
    }

    /// Adds a segment filling `dest`, a writable [`VolatileSlice`], from the grant at `src`.
    /// EINVAL when `dest` would run past the end of the granted page; see
    /// [`copy_volatile_to_grant`](Self::copy_volatile_to_grant) for which memory the kernel
    /// can pin.
    ///
    /// ```
    /// use xengnttab::{CopyBatch, ForeignGrant, VolatileSlice};
    /// let mut buffer = [0u64; 1024];
    /// let memory = VolatileSlice::from_mut_slice(&mut buffer);
    /// let mut batch = CopyBatch::new();
    /// batch.copy_grant_to_volatile(ForeignGrant::new(0, 8), memory.subslice(0, 4096)?)?;
    /// let crossing = batch.copy_grant_to_volatile(ForeignGrant::new(0, 8).at_offset(1), memory.subslice(0, 4096)?);
    /// assert_eq!(crossing.unwrap_err().errno(), libc::EINVAL);
    /// assert_eq!(batch.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn copy_grant_to_volatile<M: Memory>(
        &mut self,
        src: ForeignGrant,
        dest: VolatileSlice<'a, Writable, M>,
    ) -> Result<()> {
        let src = src.segment(dest.len())?;
        self.segments.copy_grant_to_volatile(src, dest)?;
        self.len += 1;
        Ok(())
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no segment was added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn into_segments(self) -> gntdev::CopyBatch<'a> {
        self.segments
    }
}

/// The outcome of one grant-copy segment: Xen's `GNTST_*` codes of `<xen/grant_table.h>`.
///
/// ```
/// use xengnttab::GrantStatus;
/// assert!(GrantStatus::from_code(0).is_ok());
/// let bad = GrantStatus::from_code(-3);
/// assert_eq!(bad, GrantStatus::BadGntref);
/// assert_eq!(bad.code(), -3);
/// assert_eq!(bad.to_string(), "invalid grant reference (GNTST_bad_gntref)");
/// assert_eq!(bad.result(), Err(GrantStatus::BadGntref));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantStatus {
    /// `GNTST_okay`: the segment was copied.
    Okay,
    /// `GNTST_general_error`.
    GeneralError,
    /// `GNTST_bad_domain`: no such domain.
    BadDomain,
    /// `GNTST_bad_gntref`: the domain granted no such ref.
    BadGntref,
    /// `GNTST_bad_handle`.
    BadHandle,
    /// `GNTST_bad_virt_addr`: our buffer could not be used.
    BadVirtAddr,
    /// `GNTST_bad_dev_addr`.
    BadDevAddr,
    /// `GNTST_no_device_space`.
    NoDeviceSpace,
    /// `GNTST_permission_denied`: e.g. writing a read-only grant.
    PermissionDenied,
    /// `GNTST_bad_page`.
    BadPage,
    /// `GNTST_bad_copy_arg`: the segment crosses a page boundary.
    BadCopyArg,
    /// `GNTST_address_too_big`.
    AddressTooBig,
    /// `GNTST_eagain`: the page is paged out; try again.
    Eagain,
    /// `GNTST_no_space`.
    NoSpace,
    /// A code this crate does not know.
    Other(i16),
}

/// (status, code, description, Xen's name), in Xen's order.
const STATUSES: [(GrantStatus, i16, &str, &str); 14] = [
    (GrantStatus::Okay, 0, "okay", "GNTST_okay"),
    (GrantStatus::GeneralError, -1, "general error", "GNTST_general_error"),
    (GrantStatus::BadDomain, -2, "unrecognised domain id", "GNTST_bad_domain"),
    (GrantStatus::BadGntref, -3, "invalid grant reference", "GNTST_bad_gntref"),
    (GrantStatus::BadHandle, -4, "invalid mapping handle", "GNTST_bad_handle"),
    (GrantStatus::BadVirtAddr, -5, "invalid virtual address", "GNTST_bad_virt_addr"),
    (GrantStatus::BadDevAddr, -6, "invalid device address", "GNTST_bad_dev_addr"),
    (GrantStatus::NoDeviceSpace, -7, "no space in I/O MMU", "GNTST_no_device_space"),
    (GrantStatus::PermissionDenied, -8, "permission denied", "GNTST_permission_denied"),
    (GrantStatus::BadPage, -9, "bad page", "GNTST_bad_page"),
    (GrantStatus::BadCopyArg, -10, "copy arguments cross page boundary", "GNTST_bad_copy_arg"),
    (GrantStatus::AddressTooBig, -11, "page address size too large", "GNTST_address_too_big"),
    (GrantStatus::Eagain, -12, "operation not done; try again", "GNTST_eagain"),
    (GrantStatus::NoSpace, -13, "out of space", "GNTST_no_space"),
];

impl GrantStatus {
    /// The status for a `GNTST_*` code.
    pub fn from_code(code: i16) -> Self {
        STATUSES.iter().find(|s| s.1 == code).map_or(GrantStatus::Other(code), |s| s.0)
    }

    /// The `GNTST_*` code.
    pub fn code(self) -> i16 {
        match self {
            GrantStatus::Other(code) => code,
            known => STATUSES.iter().find(|s| s.0 == known).map_or(i16::MIN, |s| s.1),
        }
    }

    /// Whether the segment was copied.
    pub fn is_ok(self) -> bool {
        self == GrantStatus::Okay
    }

    /// `Ok(())` for [`GrantStatus::Okay`], the status as an error otherwise, for `?`.
    pub fn result(self) -> std::result::Result<(), GrantStatus> {
        if self.is_ok() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for GrantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match STATUSES.iter().find(|s| s.0 == *self) {
            Some((_, _, text, name)) => write!(f, "{text} ({name})"),
            None => write!(f, "unknown grant status {}", self.code()),
        }
    }
}

impl std::error::Error for GrantStatus {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_and_unknown_codes_are_kept() {
        for code in -13..=0 {
            let status = GrantStatus::from_code(code);
            assert!(!matches!(status, GrantStatus::Other(_)), "{code}");
            assert_eq!(status.code(), code);
        }
        assert_eq!(GrantStatus::from_code(-14), GrantStatus::Other(-14));
        assert_eq!(GrantStatus::Other(-14).code(), -14);
        assert_eq!(GrantStatus::Other(-14).to_string(), "unknown grant status -14");
    }

    #[test]
    fn a_segment_may_end_exactly_at_the_page_end() {
        assert!(ForeignGrant::new(1, 2).at_offset(4000).segment(96).is_ok());
        assert_eq!(ForeignGrant::new(1, 2).at_offset(4000).segment(97).unwrap_err(), Error::INVALID);
    }
}
