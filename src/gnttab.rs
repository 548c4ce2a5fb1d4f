//! Mapping pages other domains granted us (`/dev/xen/gntdev`), upstream's algorithm step by step.

use crate::access::{Access, ReadOnly, Writable};
use crate::copy::{CopyBatch, GrantStatus};
use crate::device::{Device, GNTDEV};
use crate::error::{Error, Result};
use crate::memory::volatile_accessors;
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::sys::caller_array::InArray;
use crate::sys::gntdev::{self, GrantRef, MapGrantRefHeader};
use crate::sys::mman::{Mapping, RawRegion};
use crate::sys::toolcore::HandleBox;
use crate::sys::toollog::Logger;
use crate::sys::volatile::VolatileSlice;
use crate::sys::{VarRequest, with_request};
use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

pub(crate) const CONTEXT: &CStr = c"gnttab";

/// Upstream keeps requests of up to 510 refs (one OS page) on the stack and logs
/// "mmap of map failed" only when the larger, mmapped buffer cannot be had.
#[cfg(test)]
const REFS_IN_ONE_PAGE: usize = (PAGE_SIZE - gntdev::SIZEOF_MAP_GRANT_REF) / size_of::<GrantRef>() + 1;

/// Upstream computes the request size in 32 bits; beyond this count it overflows and
/// corrupts memory. We refuse such counts with EINVAL instead.
pub const MAX_MAP_COUNT: u32 = ((u32::MAX as usize - gntdev::SIZEOF_MAP_GRANT_REF) / size_of::<GrantRef>() + 1) as u32;

/// Upstream retries an mmap failing with EAGAIN every millisecond, forever. Modern kernels
/// retry paged-out grants themselves, so EAGAIN now means a resource limit: we give up
/// after one second.
const MMAP_EAGAIN_RETRIES: u32 = 1000;

/// The domain(s) that granted the refs of one map call.
///
/// ```no_run
#[doc = include_str!("../examples/map_batch.rs")]
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Domains<'a> {
    /// Every ref comes from this domain.
    Same(u32),
    /// `domids[i]` granted `refs[i]`; must be as long as the refs (EINVAL otherwise).
    PerRef(&'a [u32]),
}

/// Whether [`GrantTable::set_max_grants`] did anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxGrants {
    /// The driver took the new limit.
    Set,
    /// Linux's gntdev has no such ioctl (ENOTTY); upstream treats that as success.
    Unsupported,
}

/// A handle on `/dev/xen/gntdev`: maps pages that other domains (or this one) granted, and
/// copies to and from grants without mapping them.
///
/// Errors are also logged to stderr, in upstream's format, as libxengnttab does.
///
/// ```no_run
#[doc = include_str!("../examples/share_map_roundtrip.rs")]
/// ```
#[derive(Debug)]
pub struct GrantTable {
    pub(crate) dev: HandleBox<Device>,
}

/// Pages of other domains mapped into this process, read and written only through volatile
/// copies and aligned atomics ([`VolatileSlice`], see the crate's memory model): the other
/// domain may change the bytes at any time, so no `&[u8]` is ever made over them. The write
/// methods exist only when `A` is [`Writable`]. Unmapped (munmap, then the driver slot
/// released, then the unmap notification, if any, fires) on drop.
///
/// `H` is how the mapping holds its [`GrantTable`], which must stay open until the mapping
/// is gone: borrowed ([`GrantMapping`], from [`GrantTable::map`]) or shared through an
/// [`Arc`] ([`OwnedGrantMapping`], from [`GrantTable::map_owned`]: `Send + 'static`, so it
/// moves into threads and tasks, and the table closes when the last mapping and `Arc` go).
/// The two are one type with the same methods; only the ownership differs.
///
/// ```no_run
#[doc = include_str!("../examples/share_map_roundtrip.rs")]
/// ```
///
/// A read-only mapping cannot be written:
///
/// ```compile_fail,E0599
/// # fn f(table: &xengnttab::GrantTable) -> Result<(), Box<dyn std::error::Error>> {
/// let page = table.map_ref(0, 8, xengnttab::ReadOnly)?;
/// page.write_from(0, b"x")?; // error: no method `write_from` for GrantMapping<ReadOnly>
/// # Ok(()) }
/// ```
///
/// A borrowed mapping cannot outlive its table, nor leave for another thread that might:
///
/// ```compile_fail,E0597
/// let page = {
///     let table = xengnttab::GrantTable::open().unwrap();
///     table.map_ref(0, 8, xengnttab::ReadOnly).unwrap() // error: `table` does not live long enough
/// };
/// ```
///
/// ```compile_fail,E0597
/// let table = xengnttab::GrantTable::open().unwrap();
/// let page = table.map_ref(0, 8, xengnttab::ReadOnly).unwrap();
/// std::thread::spawn(move || page.len()); // error: `table` does not live long enough
/// ```
#[derive(Debug)]
pub struct GrantMappingOf<H: TableHandle, A: Access = ReadOnly> {
    raw: RawGrantMapping<H>,
    _access: PhantomData<A>,
}

/// A mapping that borrows its [`GrantTable`] ([`GrantTable::map`], [`GrantTable::map_ref`]).
pub type GrantMapping<'t, A = ReadOnly> = GrantMappingOf<&'t GrantTable, A>;

/// A mapping that shares its [`GrantTable`] through an [`Arc`] ([`GrantTable::map_owned`]):
/// `Send + 'static`, for threads and tasks.
///
/// ```
/// fn moves_into_threads<T: Send + 'static>() {}
/// moves_into_threads::<xengnttab::OwnedGrantMapping<xengnttab::Writable>>();
/// moves_into_threads::<xengnttab::OwnedGrantMapping<xengnttab::ReadOnly>>();
/// ```
///
/// ```no_run
#[doc = include_str!("../examples/owned_threads.rs")]
/// ```
///
/// Owned, it keeps the checks of the borrowed form: a read-only one cannot be written, and
/// what borrows it (a [`VolatileSlice`], an `&AtomicU32`) cannot outlive it when it moves:
///
/// ```compile_fail,E0599
/// # fn f(table: std::sync::Arc<xengnttab::GrantTable>) -> Result<(), Box<dyn std::error::Error>> {
/// let page = table.map_owned(xengnttab::Domains::Same(0), &[8], xengnttab::ReadOnly, xengnttab::UnmapNotify::NONE)?;
/// page.write_from(0, b"x")?; // error: no method `write_from` for OwnedGrantMapping<ReadOnly>
/// # Ok(()) }
/// ```
///
/// ```compile_fail,E0505
/// # fn f(table: std::sync::Arc<xengnttab::GrantTable>) -> Result<(), Box<dyn std::error::Error>> {
/// let page = table.map_owned(xengnttab::Domains::Same(0), &[8], xengnttab::Writable, xengnttab::UnmapNotify::NONE)?;
/// let slice = page.as_volatile_slice();
/// std::thread::spawn(move || page.len()); // error: cannot move out of `page` because it is borrowed
/// slice.write_from(0, b"x")?;
/// # Ok(()) }
/// ```
pub type OwnedGrantMapping<A = ReadOnly> = GrantMappingOf<Arc<GrantTable>, A>;

/// How a [`GrantMappingOf`] holds its table: `&GrantTable` or `Arc<GrantTable>`. Sealed: the
/// mapping's drop must reach the very table that made it.
pub trait TableHandle: Deref<Target = GrantTable> + sealed::Sealed {}

impl TableHandle for &GrantTable {}
impl TableHandle for Arc<GrantTable> {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &super::GrantTable {}
    impl Sealed for std::sync::Arc<super::GrantTable> {}
}

/// The device a [`RawGrantMapping`] unmaps its driver slot on: the C API's `&Device`, or a
/// Rust mapping's table handle.
pub(crate) trait DeviceRef {
    fn device(&self) -> &Device;
}

impl DeviceRef for &Device {
    fn device(&self) -> &Device {
        self
    }
}

impl<H: TableHandle> DeviceRef for H {
    fn device(&self) -> &Device {
        &self.dev
    }
}

/// A mapping with its driver slot, whatever its protection; the C API hands it out raw.
#[derive(Debug)]
pub(crate) struct RawGrantMapping<D: DeviceRef> {
    dev: D,
    map: Option<Mapping>,
    index: u64,
    count: u32,
}

impl GrantTable {
    /// Opens `/dev/xen/gntdev` (close-on-exec). Fails with ENOENT where there is no Xen (or
    /// the `xen_gntdev` module is not loaded).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn open() -> Result<GrantTable> {
        Self::open_with_logger(None)
    }

    #[inline(always)]
    pub(crate) fn open_with_logger(logger: Option<Logger>) -> Result<GrantTable> {
        Ok(GrantTable { dev: Device::open(GNTDEV, logger)? })
    }

    /// Maps `refs` (one page each) granted by `domains` as one contiguous region, with
    /// `access` ([`ReadOnly`] or [`Writable`]) and an unmap notification
    /// ([`UnmapNotify::NONE`] for none). Fails with EINVAL for an empty or oversized batch,
    /// per-ref domids not as long as the refs, or a byte to clear on a read-only mapping.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/map_batch.rs")]
    /// ```
    pub fn map<A: Access>(
        &self,
        domains: Domains<'_>,
        refs: &[u32],
        access: A,
        notify: UnmapNotify,
    ) -> Result<GrantMapping<'_, A>> {
        map_on(self, domains, refs, access, notify)
    }

    /// [`map`](Self::map), for a table shared through an [`Arc`]: the mapping holds a clone
    /// of it, so it is `Send + 'static` (it moves into threads and tasks) and the table stays
    /// open until the last mapping and `Arc` are gone.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/owned_threads.rs")]
    /// ```
    pub fn map_owned<A: Access>(
        self: &Arc<Self>,
        domains: Domains<'_>,
        refs: &[u32],
        access: A,
        notify: UnmapNotify,
    ) -> Result<OwnedGrantMapping<A>> {
        map_on(Arc::clone(self), domains, refs, access, notify)
    }

    /// Maps the one page `gref` granted by `domid`, without notification.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn map_ref<A: Access>(&self, domid: u32, gref: u32, access: A) -> Result<GrantMapping<'_, A>> {
        self.map(Domains::Same(domid), &[gref], access, UnmapNotify::NONE)
    }

    /// Copies between local buffers and grants without mapping them, one hypercall for the
    /// whole batch. Returns one status per segment, in order: a segment can fail (e.g. a bad
    /// grant ref) while the others succeed. The call itself fails only when the kernel
    /// refuses the batch.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/grant_copy.rs")]
    /// ```
    pub fn copy(&self, batch: CopyBatch<'_>) -> Result<Vec<GrantStatus>> {
        let mut segments = batch.into_segments();
        grant_copy(&self.dev, &mut segments)?;
        Ok(segments.statuses().into_iter().map(GrantStatus::from_code).collect())
    }

    /// Asks the driver to allow `count` grants; a no-op on Linux (see [`MaxGrants`]).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/map_batch.rs")]
    /// ```
    pub fn set_max_grants(&self, count: u32) -> Result<MaxGrants> {
        set_max_grants(&self.dev, count)
    }

    /// Closes the handle, reporting close(2)'s result (dropping it closes it too). Mappings
    /// must be gone already: they borrow the table (or, owned, hold an `Arc` of it, which
    /// cannot be unwrapped while they live).
    ///
    /// ```no_run
    #[doc = include_str!("../examples/map_batch.rs")]
    /// ```
    pub fn close(self) -> Result<()> {
        Device::close(self.dev)
    }
}

/// The one map of [`GrantTable::map`] and [`GrantTable::map_owned`]: `table` is the handle
/// the mapping keeps.
pub(crate) fn map_on<H: TableHandle, A: Access>(
    table: H,
    domains: Domains<'_>,
    refs: &[u32],
    access: A,
    notify: UnmapNotify,
) -> Result<GrantMappingOf<H, A>> {
    let _ = access;
    let domains = match domains {
        Domains::Same(domid) => DomainList::Same(domid),
        Domains::PerRef(domids) => DomainList::PerRef(InArray::from_slice(domids)),
    };
    let raw = map(table, domains, InArray::from_slice(refs), A::PROT, notify)?;
    Ok(GrantMappingOf { raw, _access: PhantomData })
}

impl<H: TableHandle, A: Access> GrantMappingOf<H, A> {
    /// Number of 4 KiB pages.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/map_batch.rs")]
    /// ```
    pub fn pages(&self) -> u32 {
        self.raw.pages()
    }

    /// Unmaps now, reporting a failure that drop would ignore.
    ///
    /// ```no_run
    #[doc = include_str!("../examples/map_batch.rs")]
    /// ```
    pub fn unmap(self) -> Result<()> {
        self.raw.unmap()
    }
}

impl<H: TableHandle, A: Access> GrantMappingOf<H, A> {
    /// The mapped pages as a [`VolatileSlice`] (read-only unless `A` is [`Writable`]), e.g. to
    /// hand a part of them to other code with [`VolatileSlice::subslice`].
    ///
    /// ```no_run
    #[doc = include_str!("../examples/share_map_roundtrip.rs")]
    /// ```
    pub fn as_volatile_slice(&self) -> VolatileSlice<'_, A> {
        // Mapped with A::PROT: PROT_WRITE exactly when A is Writable.
        self.raw.mapping().volatile()
    }

    volatile_accessors!(read, "../examples/share_map_roundtrip.rs");
}

impl<H: TableHandle> GrantMappingOf<H, Writable> {
    volatile_accessors!(write, "../examples/share_map_roundtrip.rs");
}

impl<D: DeviceRef> RawGrantMapping<D> {
    const HELD: &'static str = "a grant mapping holds its pages until unmap, drop or into_raw";

    fn mapping(&self) -> &Mapping {
        self.map.as_ref().expect(Self::HELD)
    }

    pub(crate) fn pages(&self) -> u32 {
        self.count
    }

    /// Where the mapping starts (NULL once handed out or unmapped).
    pub(crate) fn addr(&self) -> *mut libc::c_void {
        self.map.as_ref().map_or(std::ptr::null_mut(), Mapping::addr)
    }

    /// Hands the mapping to C, which unmaps it with `xengnttab_unmap` (or munmap).
    pub(crate) fn into_raw(mut self) -> *mut libc::c_void {
        self.map.take().map_or(std::ptr::null_mut(), Mapping::into_raw)
    }

    /// munmap, then the driver slot; the slot stays when munmap fails, as the pages are
    /// still in use.
    fn unmap(mut self) -> Result<()> {
        match self.map.take() {
            Some(map) => {
                map.unmap()?;
                gntdev::unmap_grant_ref(self.dev.device().fd(), self.index, self.count)
            }
            None => Ok(()),
        }
    }
}

impl<D: DeviceRef> Drop for RawGrantMapping<D> {
    fn drop(&mut self) {
        if let Some(map) = self.map.take()
            && map.unmap().is_ok()
        {
            let _ = gntdev::unmap_grant_ref(self.dev.device().fd(), self.index, self.count);
        }
    }
}

/// The domain(s) of one map's refs, as [`Domains`], with per-ref domids that may be a C
/// caller's array.
#[derive(Clone, Copy)]
pub(crate) enum DomainList<'a> {
    Same(u32),
    PerRef(InArray<'a, u32>),
}

/// Upstream's osdep grant map: MAP_GRANT_REF, mmap (EAGAIN retried), optional
/// SET_UNMAP_NOTIFY; on failure the driver slot is released and nothing stays mapped. Each
/// ref (and domid) is read once, as the request is built. The mapping keeps `handle`.
#[inline(always)]
pub(crate) fn map<D: DeviceRef>(
    handle: D,
    domains: DomainList<'_>,
    refs: InArray<'_, u32>,
    prot: c_int,
    notify: UnmapNotify,
) -> Result<RawGrantMapping<D>> {
    let dev = handle.device();
    let count = u32::try_from(refs.len()).ok().filter(|&c| c <= MAX_MAP_COUNT).ok_or(Error::INVALID)?;
    if let DomainList::PerRef(domids) = domains
        && domids.len() != refs.len()
    {
        return Err(Error::INVALID);
    }
    let header = MapGrantRefHeader { count, ..Default::default() };
    let too_big = |e| dev.log(CONTEXT, c"mmap of map failed", e);
    let ioctl = |req: &mut VarRequest<'_, MapGrantRefHeader, GrantRef>| {
        req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl MAP_GRANT_REF failed", e))?;
        Ok(req.header().index)
    };
    // One loop per kind of domain list, each as plain as upstream's; one ref of one domain
    // (xengnttab_map_grant_ref, the common call) as a fixed-size request (issue 12).
    let index = match (domains, count) {
        (DomainList::Same(domid), 1) => gntdev::map_grant_ref_one(dev.fd(), domid, refs.first())
            .inspect_err(|&e| dev.log(CONTEXT, c"ioctl MAP_GRANT_REF failed", e)),
        (DomainList::Same(domid), _) => {
            with_request(header, refs.iter().map(|r#ref| GrantRef { domid, r#ref }), too_big, ioctl)
        }
        (DomainList::PerRef(domids), _) => {
            let entries = refs.iter().zip(domids.iter()).map(|(r#ref, domid)| GrantRef { domid, r#ref });
            with_request(header, entries, too_big, ioctl)
        }
    }?;
    let len = refs.len() * PAGE_SIZE;

    let mapped = mmap_retrying_eagain(dev, len, prot, index).and_then(|map| notify.arm(dev, CONTEXT, map, index));
    match mapped {
        Ok(map) => Ok(RawGrantMapping { dev: handle, map: Some(map), index, count }),
        Err(e) => {
            dev.log(CONTEXT, c"mmap failed", e);
            let _ = gntdev::unmap_grant_ref(dev.fd(), index, count);
            Err(e)
        }
    }
}

fn mmap_retrying_eagain(dev: &Device, len: usize, prot: c_int, index: u64) -> Result<Mapping> {
    let mut retries = 0;
    loop {
        match Mapping::map_shared(dev.fd(), len, prot, index) {
            Err(e) if e.errno() == libc::EAGAIN && retries < MMAP_EAGAIN_RETRIES => {
                retries += 1;
                crate::sys::time::sleep_one_millisecond();
            }
            result => return result,
        }
    }
}

/// `xengnttab_unmap`'s munmap, once the C API holds `region` as exactly one of the handle's
/// regions: the kernel says which map holds it, whose count must match; then the pages go.
/// Returns the map's offset for [`release_grant_map`]; on failure nothing was unmapped.
pub(crate) fn unmap_region(dev: &Device, region: RawRegion, count: u32) -> Result<u64> {
    let (offset, mapped_count) = gntdev::get_offset_for_vaddr(dev.fd(), region.addr() as u64)?;
    if mapped_count != count {
        return Err(Error::INVALID);
    }
    region.unmap()?;
    Ok(offset)
}

/// The errno of an unmap the C API's table refused: the kernel's own if GET_OFFSET_FOR_VADDR
/// fails too (upstream's errno for the address), else EINVAL. Nothing is unmapped.
pub(crate) fn unmap_refusal(dev: &Device, addr: *mut std::ffi::c_void) -> Error {
    gntdev::get_offset_for_vaddr(dev.fd(), addr as u64).err().unwrap_or(Error::INVALID)
}

/// Releases the driver's slot of an unmapped grant map (munmap comes first, as upstream).
pub(crate) fn release_grant_map(dev: &Device, offset: u64, count: u32) -> Result<()> {
    gntdev::unmap_grant_ref(dev.fd(), offset, count)
}

pub(crate) fn set_max_grants(dev: &Device, count: u32) -> Result<MaxGrants> {
    match gntdev::set_max_grants(dev.fd(), count) {
        Ok(()) => Ok(MaxGrants::Set),
        Err(e) if e.errno() == libc::ENOTTY => Ok(MaxGrants::Unsupported),
        Err(e) => {
            dev.log(CONTEXT, c"ioctl SET_MAX_GRANTS failed", e);
            Err(e)
        }
    }
}

/// Runs a grant copy the caller prepared, logging a failure of the ioctl as upstream does.
/// Segment statuses are left in the segments.
pub(crate) fn grant_copy(dev: &Device, batch: &mut gntdev::CopyBatch<'_>) -> Result<()> {
    batch.execute(dev.fd()).inspect_err(|&e| {
        dev.logger().error_with_int(CONTEXT, c"ioctl GRANT COPY failed %d ", e.errno(), e.errno());
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SharedPages;

    /// The owned forms move into threads and tasks (the borrowed ones cannot: the
    /// compile_fail examples of [`GrantMappingOf`] and [`crate::BoundPortOf`]).
    const _: () = {
        const fn send_static<T: Send + Sync + 'static>() {}
        send_static::<OwnedGrantMapping<ReadOnly>>();
        send_static::<OwnedGrantMapping<Writable>>();
        send_static::<SharedPages>();
        send_static::<crate::OwnedBoundPort>();
        send_static::<GrantTable>();
        send_static::<crate::EventChannels>();
    };

    /// A table on /dev/null: every ioctl fails with ENOTTY, so a map fails at
    /// MAP_GRANT_REF, after the handle was cloned into it.
    fn shared_table_on_dev_null() -> Arc<GrantTable> {
        let null = std::fs::File::open("/dev/null").expect("/dev/null opens");
        Arc::new(GrantTable { dev: crate::device::Device::from_fd_for_tests(null.into()).expect("a test device") })
    }

    #[test]
    fn a_failed_owned_map_keeps_no_clone_of_the_table() {
        let table = shared_table_on_dev_null();
        let failed = table.map_owned(Domains::Same(0), &[8], Writable, UnmapNotify::NONE).unwrap_err();
        assert_eq!(failed.errno(), libc::ENOTTY, "the map reached the (stand-in) driver");
        let refused = table.map_owned(Domains::PerRef(&[0, 0]), &[8], ReadOnly, UnmapNotify::NONE).unwrap_err();
        assert_eq!(refused.errno(), libc::EINVAL, "domids not as long as the refs");
        assert_eq!(Arc::strong_count(&table), 1, "no mapping holds the table");
        Arc::into_inner(table).expect("the only handle").close().unwrap();
    }

    #[test]
    fn the_stack_threshold_is_upstreams_510_refs() {
        assert_eq!(REFS_IN_ONE_PAGE, 510);
    }

    #[test]
    fn max_map_count_is_the_last_count_whose_request_fits_in_32_bits() {
        let size = |count: u64| 24 + (count - 1) * 8;
        assert!(size(u64::from(MAX_MAP_COUNT)) <= u64::from(u32::MAX));
        assert!(size(u64::from(MAX_MAP_COUNT) + 1) > u64::from(u32::MAX));
    }
}
