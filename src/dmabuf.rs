//! dma-bufs from grants and grants from dma-bufs (`/dev/xen/gntdev` with
//! `CONFIG_XEN_GNTDEV_DMABUF`): the C API's four calls and the safe Rust API over them.
//!
//! The kernel knows an exported or imported buffer by the *number* of the fd it was exported
//! to or imported from, per gntdev handle: waiting for an export's release and releasing an
//! import both name that number. The Rust types keep the number meaningful: an
//! [`ExportedDmabuf`] owns its fd, an [`ImportedDmabuf`] borrows the importer's fd for as long
//! as it lives, and both borrow the [`GrantTable`] that made them.

use crate::device::Device;
use crate::error::{Error, Result};
use crate::gnttab::{CONTEXT, GrantTable};
use crate::sys::caller_array::{InArray, OutArray};
use crate::sys::gntdev::{self, GNTDEV_DMA_FLAG_COHERENT, GNTDEV_DMA_FLAG_WC};
use crate::sys::{with_output_request, with_request};
use std::ffi::CStr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

const WAIT_FAILED: &CStr = c"ioctl DMABUF_EXP_WAIT_RELEASED failed";

/// What backs the pages of an exported dma-buf: upstream's `flags` (`GNTDEV_DMA_FLAG_*`), one
/// at most (gntdev refuses write-combined and coherent together with EINVAL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DmabufMemory {
    /// Ordinary (ballooned) pages: flags 0.
    #[default]
    Ballooned,
    /// Write-combined DMA memory (`GNTDEV_DMA_FLAG_WC`).
    WriteCombined,
    /// Coherent DMA memory (`GNTDEV_DMA_FLAG_COHERENT`).
    Coherent,
}

impl DmabufMemory {
    fn flags(self) -> u32 {
        match self {
            DmabufMemory::Ballooned => 0,
            DmabufMemory::WriteCombined => GNTDEV_DMA_FLAG_WC,
            DmabufMemory::Coherent => GNTDEV_DMA_FLAG_COHERENT,
        }
    }
}

/// A dma-buf made from grants by [`GrantTable::export_dmabuf`]; owns the buffer's fd, which
/// can be handed to an importer (a GPU or display driver, another process) with
/// [`as_fd`](AsFd::as_fd).
///
/// The buffer, and with it the mapping of the grants in the kernel, lives until every fd of
/// it is closed and every importer let go. To learn when that happened, [`close`](Self::close)
/// our fd and wait on the [`ClosedExport`] it returns: there is no wait on the
/// `ExportedDmabuf` itself, because its own fd holds the buffer, so such a wait could only
/// time out. [`into_fd`](Self::into_fd) gives the fd away instead (no wait then); the
/// [`OwnedFd`] is an ordinary dma-buf fd that may outlive the table.
///
/// It borrows the table because the kernel's wait is an ioctl on the handle that exported the
/// buffer: another handle does not know it and would report it released (ENOENT). Its fd, once
/// given away, does not:
///
/// ```no_run
/// # fn f(table: xengnttab::GrantTable) -> xengnttab::Result<()> {
/// let fd = table.export_dmabuf(0, &[8, 9], xengnttab::DmabufMemory::default())?.into_fd();
/// table.close()?;
/// drop(fd); // the buffer goes now
/// # Ok(()) }
/// ```
///
/// ```compile_fail,E0505
/// # fn f(table: xengnttab::GrantTable) -> xengnttab::Result<()> {
/// let exported = table.export_dmabuf(0, &[8, 9], xengnttab::DmabufMemory::default())?;
/// table.close()?; // error: cannot move out of `table` because it is borrowed
/// exported.close()?.wait_released(std::time::Duration::from_secs(1))?;
/// # Ok(()) }
/// ```
///
/// ```no_run
#[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
/// ```
#[derive(Debug)]
pub struct ExportedDmabuf<'t> {
    dev: &'t Device,
    fd: OwnedFd,
}

/// An export whose fd this process closed ([`ExportedDmabuf::close`]): importers may still
/// hold the buffer. Waits for them with [`wait_released`](Self::wait_released).
///
/// gntdev remembers the export by the number its fd had, so a later export of the same table
/// that is given the same number (fd numbers are reused once closed) makes the wait ambiguous
/// while both live: the kernel waits for the first of the two it finds.
#[derive(Debug)]
pub struct ClosedExport<'t> {
    dev: &'t Device,
    number: u32,
}

/// The answer of [`ClosedExport::wait_released`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmabufRelease {
    /// Every importer let go (or the kernel no longer knows the buffer, ENOENT, which
    /// `<xen/gntdev.h>` says means released).
    Released,
    /// Still held when the timeout expired (ETIMEDOUT).
    Held,
}

/// The grants of an imported dma-buf ([`GrantTable::import_dmabuf`]): one ref per page, for
/// the domain they were made out to. Released (IMP_RELEASE: the grants end) on drop, or with
/// [`release`](Self::release), which reports a failure.
///
/// It borrows the dma-buf's fd until then: gntdev finds the import by that fd's number, so
/// the number must not be closed and reused meanwhile. The table (whose handle the import
/// belongs to) must outlive it too:
///
/// ```compile_fail,E0505
/// # fn f(table: xengnttab::GrantTable, buffer: std::os::fd::OwnedFd) -> xengnttab::Result<()> {
/// use std::os::fd::AsFd;
/// let import = table.import_dmabuf(1, buffer.as_fd(), 4)?;
/// drop(buffer); // error: cannot move out of `buffer` because it is borrowed
/// import.release()
/// # }
/// ```
///
/// ```no_run
#[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
/// ```
#[derive(Debug)]
pub struct ImportedDmabuf<'a> {
    dev: &'a Device,
    /// `None` once released.
    dmabuf: Option<BorrowedFd<'a>>,
    refs: Vec<u32>,
}

impl GrantTable {
    /// Makes a dma-buf of the pages `refs` (one page each) granted by `domid`, backed by
    /// `memory`. Fails with EINVAL for no refs or more than `u32::MAX`, and where gntdev must
    /// modify page tables to map grants (any PV domain, e.g. an x86 PV dom0); with ENOTTY
    /// where gntdev was built without `CONFIG_XEN_GNTDEV_DMABUF` (every Debian kernel).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn export_dmabuf(&self, domid: u32, refs: &[u32], memory: DmabufMemory) -> Result<ExportedDmabuf<'_>> {
        let fd = dmabuf_exp_from_refs(&self.dev, domid, memory.flags(), InArray::from_slice(refs))?;
        Ok(ExportedDmabuf { dev: &self.dev, fd })
    }

    /// Grants the pages of `dmabuf` to `domid`, one ref per page: `pages` must be the
    /// buffer's page count (gntdev refuses any other with EINVAL). Fails with EINVAL for 0
    /// pages or more than `u32::MAX` before asking the kernel, and with the kernel's errno when
    /// `dmabuf` is no dma-buf (EINVAL) or gntdev has no dma-buf support (ENOTTY).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn import_dmabuf<'a>(&'a self, domid: u32, dmabuf: BorrowedFd<'a>, pages: usize) -> Result<ImportedDmabuf<'a>> {
        // Validated before the refs are allocated: a count the kernel cannot take is EINVAL,
        // never ENOMEM.
        u32::try_from(pages).ok().filter(|&count| count > 0).ok_or(Error::INVALID)?;
        let mut refs = Vec::new();
        refs.try_reserve_exact(pages)?;
        refs.resize(pages, 0);
        dmabuf_imp_to_refs(&self.dev, domid, fd_number(dmabuf), OutArray::from_mut_slice(&mut refs))?;
        Ok(ImportedDmabuf { dev: &self.dev, dmabuf: Some(dmabuf), refs })
    }
}

impl<'t> ExportedDmabuf<'t> {
    /// Closes our fd, reporting close(2)'s result, and returns the export to wait on.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn close(self) -> Result<ClosedExport<'t>> {
        let number = fd_number(self.fd.as_fd());
        crate::sys::device::close(self.fd)?;
        Ok(ClosedExport { dev: self.dev, number })
    }

    /// Gives the fd away: whoever holds it decides when the buffer goes.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsFd for ExportedDmabuf<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for ExportedDmabuf<'_> {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<ExportedDmabuf<'_>> for OwnedFd {
    fn from(exported: ExportedDmabuf<'_>) -> OwnedFd {
        exported.into_fd()
    }
}

impl ClosedExport<'_> {
    /// Waits up to `timeout` (rounded up to a millisecond; EINVAL past `u32::MAX` ms) for the
    /// importers to let go. A timeout is an answer ([`DmabufRelease::Held`]), not an error,
    /// and is not logged; other failures are.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn wait_released(&self, timeout: Duration) -> Result<DmabufRelease> {
        Ok(match dmabuf_exp_wait_released(self.dev, self.number, timeout_ms(timeout)?)? {
            DmabufWait::Released | DmabufWait::NotExported => DmabufRelease::Released,
            DmabufWait::TimedOut => DmabufRelease::Held,
        })
    }
}

impl ImportedDmabuf<'_> {
    /// The grant refs, one per page, to hand to the domain.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// Releases the import now (the grants end), reporting a failure that drop would ignore.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/dmabuf_roundtrip.rs")]
    /// ```
    pub fn release(mut self) -> Result<()> {
        self.release_once()
    }

    fn release_once(&mut self) -> Result<()> {
        match self.dmabuf.take() {
            Some(dmabuf) => dmabuf_imp_release(self.dev, fd_number(dmabuf)),
            None => Ok(()),
        }
    }
}

impl Drop for ImportedDmabuf<'_> {
    fn drop(&mut self) {
        let _ = self.release_once();
    }
}

/// The uapi's fd field: an open fd is never negative.
fn fd_number(fd: BorrowedFd<'_>) -> u32 {
    fd.as_raw_fd().unsigned_abs()
}

/// gntdev's `wait_to_ms`, rounded up so that a wait shorter than a millisecond still waits.
fn timeout_ms(timeout: Duration) -> Result<u32> {
    u32::try_from(timeout.as_nanos().div_ceil(1_000_000)).map_err(|_| Error::INVALID)
}

/// How a wait for an exported dma-buf's release ended, as the C API must tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DmabufWait {
    /// The importer let go of the buffer.
    Released,
    /// The kernel no longer knows the buffer (ENOENT), which upstream counts as released.
    NotExported,
    /// Still held (ETIMEDOUT): not logged here; the C API logs it as upstream does.
    TimedOut,
}

/// Exports `refs` (each read once, as the request is built) as a dma-buf, owned by the caller.
pub(crate) fn dmabuf_exp_from_refs(dev: &Device, domid: u32, flags: u32, refs: InArray<'_, u32>) -> Result<OwnedFd> {
    let count = u32::try_from(refs.len()).map_err(|_| Error::INVALID)?;
    if count == 0 {
        return Err(Error::INVALID);
    }
    let header = gntdev::DmabufExpFromRefsHeader { flags, count, fd: 0, domid };
    with_request(header, refs.iter(), drop, |req| {
        gntdev::dmabuf_exp_from_refs(dev.fd(), req)
            .inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_EXP_FROM_REFS failed", e))
    })
}

pub(crate) fn dmabuf_exp_wait_released(dev: &Device, dmabuf_fd: u32, wait_to_ms: u32) -> Result<DmabufWait> {
    match gntdev::dmabuf_exp_wait_released(dev.fd(), dmabuf_fd, wait_to_ms) {
        Ok(()) => Ok(DmabufWait::Released),
        Err(e) if e.errno() == libc::ENOENT => Ok(DmabufWait::NotExported),
        Err(e) if e.errno() == libc::ETIMEDOUT => Ok(DmabufWait::TimedOut),
        Err(e) => {
            dev.log(CONTEXT, WAIT_FAILED, e);
            Err(e)
        }
    }
}

/// Upstream's log line for a wait that timed out, which the C API reports as a failure: the
/// ETIMEDOUT to return.
pub(crate) fn log_wait_timed_out(dev: &Device) -> Error {
    let e = Error::from_errno(libc::ETIMEDOUT);
    dev.log(CONTEXT, WAIT_FAILED, e);
    e
}

/// Imports a dma-buf as `refs_out.len()` grants to `domid`, writing the refs once the kernel
/// made them (never on failure).
pub(crate) fn dmabuf_imp_to_refs(dev: &Device, domid: u32, dmabuf_fd: u32, refs_out: OutArray<'_, u32>) -> Result<()> {
    let count = u32::try_from(refs_out.len()).map_err(|_| Error::INVALID)?;
    if count == 0 {
        return Err(Error::INVALID);
    }
    let header = gntdev::DmabufImpToRefsHeader { fd: dmabuf_fd, count, domid, reserved: 0 };
    with_output_request(header, refs_out.len(), drop, |req| {
        req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_IMP_TO_REFS failed", e))?;
        req.copy_entries_to(refs_out);
        Ok(())
    })
}

pub(crate) fn dmabuf_imp_release(dev: &Device, dmabuf_fd: u32) -> Result<()> {
    gntdev::dmabuf_imp_release(dev.fd(), dmabuf_fd)
        .inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_IMP_RELEASE failed", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    /// A table on /dev/null: every ioctl fails with ENOTTY (under Miri without a system call),
    /// so ENOTTY shows that a call reached the kernel and EINVAL that it was refused before.
    fn table_on_dev_null() -> GrantTable {
        let null = File::open("/dev/null").expect("/dev/null opens");
        GrantTable { dev: Device::from_fd_for_tests(null.into()).expect("a test device") }
    }

    fn some_fd() -> OwnedFd {
        File::open("/dev/null").expect("/dev/null opens").into()
    }

    #[test]
    fn an_export_of_no_refs_is_refused_before_the_kernel() {
        let table = table_on_dev_null();
        let e = table.export_dmabuf(0, &[], DmabufMemory::Ballooned).map(drop);
        assert_eq!(e, Err(Error::INVALID));
        let e = table.export_dmabuf(0, &[8, 9], DmabufMemory::Coherent).map(drop);
        assert_eq!(e, Err(Error::from_errno(libc::ENOTTY)));
    }

    #[test]
    fn an_import_of_no_pages_or_more_than_u32_max_is_refused_before_the_kernel() {
        let table = table_on_dev_null();
        let buffer = some_fd();
        // one past u32::MAX only where usize holds it (not on 32-bit targets)
        let past_u32 = usize::try_from(u64::from(u32::MAX) + 1).ok();
        for pages in [Some(0), past_u32, Some(usize::MAX)].into_iter().flatten() {
            let e = table.import_dmabuf(0, buffer.as_fd(), pages).map(drop);
            assert_eq!(e, Err(Error::INVALID), "{pages} pages");
        }
        assert_eq!(table.import_dmabuf(0, buffer.as_fd(), 4).map(drop), Err(Error::from_errno(libc::ENOTTY)));
    }

    #[test]
    fn memory_kinds_are_upstreams_flags() {
        assert_eq!(DmabufMemory::default().flags(), 0);
        assert_eq!(DmabufMemory::WriteCombined.flags(), 1);
        assert_eq!(DmabufMemory::Coherent.flags(), 2);
    }

    #[test]
    fn timeouts_round_up_to_milliseconds_and_past_u32_are_refused() {
        assert_eq!(timeout_ms(Duration::ZERO), Ok(0));
        assert_eq!(timeout_ms(Duration::from_nanos(1)), Ok(1));
        assert_eq!(timeout_ms(Duration::from_micros(1500)), Ok(2));
        assert_eq!(timeout_ms(Duration::from_millis(u64::from(u32::MAX))), Ok(u32::MAX));
        assert_eq!(
            timeout_ms(Duration::from_millis(u64::from(u32::MAX)) + Duration::from_nanos(1)),
            Err(Error::INVALID)
        );
        assert_eq!(timeout_ms(Duration::MAX), Err(Error::INVALID));
    }

    #[test]
    fn a_closed_export_waits_on_its_table_with_the_number_its_fd_had() {
        let table = table_on_dev_null();
        let fd = some_fd();
        let number = fd_number(fd.as_fd());
        let closed = ExportedDmabuf { dev: &table.dev, fd }.close().expect("close of /dev/null");
        assert_eq!(closed.number, number);
        // A failure of the wait is an error, never taken for a release.
        assert_eq!(closed.wait_released(Duration::from_millis(1)), Err(Error::from_errno(libc::ENOTTY)));
        assert_eq!(closed.wait_released(Duration::MAX), Err(Error::INVALID));
    }

    #[test]
    fn an_export_gives_its_fd_away_unchanged() {
        let table = table_on_dev_null();
        let fd = some_fd();
        let raw = fd.as_raw_fd();
        let exported = ExportedDmabuf { dev: &table.dev, fd };
        assert_eq!((exported.as_raw_fd(), exported.as_fd().as_raw_fd()), (raw, raw));
        assert_eq!(OwnedFd::from(exported).as_raw_fd(), raw);
    }

    #[test]
    fn an_import_is_released_once_by_release_or_drop() {
        let table = table_on_dev_null();
        let buffer = some_fd();
        let import = || ImportedDmabuf { dev: &table.dev, dmabuf: Some(buffer.as_fd()), refs: vec![5, 6] };
        let explicit = import();
        assert_eq!(explicit.refs(), [5, 6]);
        // release reports the kernel's answer (here /dev/null's ENOTTY); its drop then does nothing
        assert_eq!(explicit.release(), Err(Error::from_errno(libc::ENOTTY)));
        let mut dropped = import();
        assert_eq!(dropped.release_once(), Err(Error::from_errno(libc::ENOTTY)));
        assert_eq!(dropped.release_once(), Ok(()), "a second release asks the kernel nothing");
        drop(dropped);
        drop(import());
    }
}
