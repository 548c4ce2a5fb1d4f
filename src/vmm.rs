//! rust-vmm's [`vm_memory`] traits over grants (feature `vm-memory`, 64-bit targets only, as
//! vm-memory itself).
//!
//! - [`GrantMapping<Writable>`](crate::GrantMapping) (borrowed or owned) and
//!   [`SharedPages`] are [`VolatileMemory`] and [`Bytes<usize>`](Bytes): code written for
//!   vm-memory reads and writes them, and `read_volatile_from`/`write_volatile_to` move data
//!   between an fd (file, pipe, socket: vm-memory's [`ReadVolatile`](vm_memory::ReadVolatile)
//!   and [`WriteVolatile`](vm_memory::WriteVolatile)) and the granted pages with one system
//!   call, no bounce buffer.
//! - [`GrantMemory`] is a [`GuestMemory`] (so also `Bytes<GuestAddress>`) whose regions are
//!   lists of (domid, ref) pairs, of any domains, placed at guest addresses of the caller's
//!   choosing. A region is mapped on first access and kept until [`GrantMemory::unmap_all`]
//!   or drop; a failed map is an error of that access (retried by the next one), never a
//!   panic.
//! - [`GrantRegion`] is one eagerly mapped region, a [`GuestMemoryRegion`]:
//!   `GuestRegionCollection::from_regions` makes a [`GuestMemoryBackend`] of them, which fails
//!   at construction instead of at first access.
//!
//! vm-memory's own `xen` backend maps only consecutive refs of one domain, derived from the
//! guest address, and panics when a map made on demand or an unmap in drop fails
//! (rust-vmm/rust-vmm#81). Here maps are whatever refs the caller lists, their failures are
//! [`GuestMemoryError::IOError`]s with the errno, and an unmap failure is reported by
//! [`GrantMemory::unmap_all`] (drop ignores it, as every mapping of this crate does).
//!
//! **Writable mappings only.** vm-memory's [`VolatileSlice`](vm_memory::VolatileSlice) always
//! has write methods, and [`Permissions`](vm_memory::Permissions) is a run-time argument, not a
//! type: a read-only grant mapping (`PROT_READ`) behind it would let safe code write to a page
//! that faults. So a [`GrantMapping<ReadOnly>`](crate::GrantMapping) has none of these traits
//! (read it with its own volatile accessors), and [`GrantMemory`] maps every region writable: a
//! read-only grant there fails to map, with an error.
//!
//! The crate's inherent methods (`len`, `as_volatile_slice`, `read_obj`, `store`, ...) come
//! before the traits' of the same names in method calls; call the traits' as
//! `Bytes::read_obj(&page, 0)` or `VolatileMemory::get_slice(&page, 0, 8)`, or convert a slice
//! of the crate with [`VolatileSlice::to_vm_memory`](crate::VolatileSlice::to_vm_memory).
//!
//! ```no_run
#![doc = include_str!("../examples/vmm_grants.rs")]
//! ```

use crate::access::Writable;
use crate::error::{Error, Result};
use crate::gnttab::{Domains, GrantMappingOf, TableHandle, map_on};
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::{SharedPages, VolatileSlice};
use std::iter::FusedIterator;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use vm_memory::bitmap::BS;
use vm_memory::guest_memory::GuestMemorySliceIterator;
use vm_memory::volatile_memory::{Error as VolatileError, Result as VolatileResult};
use vm_memory::{
    AtomicAccess, Bytes, GuestAddress, GuestMemory, GuestMemoryError, GuestMemoryRegion, GuestMemoryRegionBytes,
    GuestRegionCollection, GuestUsize, MemoryRegionAddress, Permissions, ReadVolatile, VolatileMemory, WriteVolatile,
};

#[cfg(doc)]
use vm_memory::GuestMemoryBackend;

/// `count` bytes at `offset` of `slice`, as vm-memory's slice, with vm-memory's errors.
fn vm_slice(slice: VolatileSlice<'_>, offset: usize, count: usize) -> VolatileResult<vm_memory::VolatileSlice<'_>> {
    let end = offset.checked_add(count).ok_or(VolatileError::Overflow { base: offset, offset: count })?;
    slice.subslice(offset, count).map(VolatileSlice::to_vm_memory).map_err(|_| VolatileError::OutOfBounds { addr: end })
}

/// [`VolatileMemory`] and [`Bytes<usize>`](Bytes) for a type whose inherent
/// `as_volatile_slice()` gives its whole writable, mapped memory.
macro_rules! vm_memory_traits {
    (impl[$($generics:tt)*] for $ty:ty) => {
        /// vm-memory's volatile access to the pages (writable ones: see the module documentation).
        impl<$($generics)*> VolatileMemory for $ty {
            type B = ();

            fn len(&self) -> usize {
                self.as_volatile_slice().len()
            }

            fn get_slice(&self, offset: usize, count: usize) -> VolatileResult<vm_memory::VolatileSlice<'_, BS<'_, ()>>> {
                vm_slice(self.as_volatile_slice(), offset, count)
            }

            /// The whole mapping (never fails, unlike the trait's default, which unwraps).
            fn as_volatile_slice(&self) -> vm_memory::VolatileSlice<'_, BS<'_, ()>> {
                <$ty>::as_volatile_slice(self).to_vm_memory()
            }
        }

        /// vm-memory's byte access at offsets into the pages, each method that of
        /// [`vm_memory::VolatileSlice`] over the whole mapping.
        impl<$($generics)*> Bytes<usize> for $ty {
            type E = VolatileError;

            fn write(&self, buf: &[u8], addr: usize) -> VolatileResult<usize> {
                VolatileMemory::as_volatile_slice(self).write(buf, addr)
            }

            fn read(&self, buf: &mut [u8], addr: usize) -> VolatileResult<usize> {
                VolatileMemory::as_volatile_slice(self).read(buf, addr)
            }

            fn write_slice(&self, buf: &[u8], addr: usize) -> VolatileResult<()> {
                VolatileMemory::as_volatile_slice(self).write_slice(buf, addr)
            }

            fn read_slice(&self, buf: &mut [u8], addr: usize) -> VolatileResult<()> {
                VolatileMemory::as_volatile_slice(self).read_slice(buf, addr)
            }

            fn read_volatile_from<F: ReadVolatile>(&self, addr: usize, src: &mut F, count: usize) -> VolatileResult<usize> {
                VolatileMemory::as_volatile_slice(self).read_volatile_from(addr, src, count)
            }

            fn read_exact_volatile_from<F: ReadVolatile>(&self, addr: usize, src: &mut F, count: usize) -> VolatileResult<()> {
                VolatileMemory::as_volatile_slice(self).read_exact_volatile_from(addr, src, count)
            }

            fn write_volatile_to<F: WriteVolatile>(&self, addr: usize, dst: &mut F, count: usize) -> VolatileResult<usize> {
                VolatileMemory::as_volatile_slice(self).write_volatile_to(addr, dst, count)
            }

            fn write_all_volatile_to<F: WriteVolatile>(&self, addr: usize, dst: &mut F, count: usize) -> VolatileResult<()> {
                VolatileMemory::as_volatile_slice(self).write_all_volatile_to(addr, dst, count)
            }

            fn store<T: AtomicAccess>(&self, val: T, addr: usize, order: Ordering) -> VolatileResult<()> {
                VolatileMemory::as_volatile_slice(self).store(val, addr, order)
            }

            fn load<T: AtomicAccess>(&self, addr: usize, order: Ordering) -> VolatileResult<T> {
                VolatileMemory::as_volatile_slice(self).load(addr, order)
            }
        }
    };
}

vm_memory_traits!(impl[H: TableHandle] for GrantMappingOf<H, Writable>);
vm_memory_traits!(impl[] for SharedPages);

/// The refs of (domid, ref) pairs and their domids, as one map call takes them.
fn split(grants: &[(u32, u32)]) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut domids = Vec::new();
    let mut refs = Vec::new();
    domids.try_reserve_exact(grants.len())?;
    refs.try_reserve_exact(grants.len())?;
    for &(domid, gref) in grants {
        domids.push(domid);
        refs.push(gref);
    }
    Ok((domids, refs))
}

/// The guest address range `start..start + pages * 4096` as (start, length in bytes), if it
/// has at least one page and fits below 2^64.
fn guest_range(start: GuestAddress, pages: usize) -> Result<(u64, u64)> {
    let len = u64::try_from(pages).ok().and_then(|p| p.checked_mul(PAGE_SIZE as u64)).filter(|&l| l > 0);
    let len = len.ok_or(Error::INVALID)?;
    start.0.checked_add(len - 1).ok_or(Error::INVALID)?;
    Ok((start.0, len))
}

/// One region of grants, mapped writable as one contiguous range when made: a
/// [`GuestMemoryRegion`] at a guest address of the caller's choosing. A
/// `GuestRegionCollection` of them is a [`GuestMemoryBackend`] (and so a [`GuestMemory`])
/// that fails at construction when a grant cannot be mapped; [`GrantMemory`] maps on first
/// access instead.
///
/// ```no_run
/// use vm_memory::{Bytes, GuestAddress, GuestRegionCollection};
/// use xengnttab::{GrantTable, vmm::GrantRegion};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let table = GrantTable::open()?;
/// // refs 8 and 9 of domain 1 at 0, ref 20 of domain 2 and ref 8 of domain 3 at 1 MiB
/// let low = GrantRegion::map(&table, GuestAddress(0), &[(1, 8), (1, 9)])?;
/// let high = GrantRegion::map(&table, GuestAddress(0x10_0000), &[(2, 20), (3, 8)])?;
/// let memory = GuestRegionCollection::from_regions(vec![low, high])?;
/// memory.write_obj(0x1234_u32, GuestAddress(0x10_0ffe))?; // across the two pages of `high`
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct GrantRegion<H: TableHandle> {
    start: GuestAddress,
    mapping: GrantMappingOf<H, Writable>,
}

impl<H: TableHandle> GrantRegion<H> {
    /// Maps `grants`, (domid, ref) pairs of any domains, writable and in order, as the region
    /// at `start`. EINVAL for no grants or a region that would end past 2^64; the map's own
    /// errors otherwise ([`GrantTable::map`](crate::GrantTable::map)).
    pub fn map(table: H, start: GuestAddress, grants: &[(u32, u32)]) -> Result<Self> {
        guest_range(start, grants.len())?;
        let (domids, refs) = split(grants)?;
        let mapping = map_on(table, Domains::PerRef(&domids), &refs, Writable, UnmapNotify::NONE)?;
        Ok(GrantRegion { start, mapping })
    }

    /// The mapping, with the crate's own accessors.
    pub fn mapping(&self) -> &GrantMappingOf<H, Writable> {
        &self.mapping
    }

    /// The mapping, leaving the region (e.g. to [`unmap`](GrantMappingOf::unmap) it and see
    /// an error that drop would ignore).
    pub fn into_mapping(self) -> GrantMappingOf<H, Writable> {
        self.mapping
    }
}

impl<H: TableHandle> GuestMemoryRegion for GrantRegion<H> {
    type B = ();

    fn len(&self) -> GuestUsize {
        self.mapping.len() as GuestUsize
    }

    fn start_addr(&self) -> GuestAddress {
        self.start
    }

    fn bitmap(&self) -> BS<'_, ()> {}

    fn get_slice(
        &self,
        offset: MemoryRegionAddress,
        count: usize,
    ) -> vm_memory::GuestMemoryResult<vm_memory::VolatileSlice<'_, BS<'_, ()>>> {
        let offset = usize::try_from(offset.0).map_err(|_| GuestMemoryError::InvalidBackendAddress)?;
        Ok(vm_slice(self.mapping.as_volatile_slice(), offset, count)?)
    }
}

impl<H: TableHandle> GuestMemoryRegionBytes for GrantRegion<H> {}

/// Guest memory made of grants of any domains, each region mapped on first access: a
/// [`GuestMemory`], hence [`Bytes<GuestAddress>`](Bytes) (`read_obj`, `write_slice`,
/// `read_volatile_from`, atomics...) and `get_slices`.
///
/// Regions are lists of (domid, ref) pairs placed at guest addresses ([`add_region`]); a
/// region's pages are contiguous in guest addresses and in this process once mapped, and
/// accesses may run from one region into the next when they touch. The first access to a
/// region maps all its grants (one `MAP_GRANT_REF` and one `mmap`), writable; the mapping is
/// kept until [`unmap_all`] or drop. A map that fails makes that access fail with
/// [`GuestMemoryError::IOError`] (the errno) and is tried again by the next one; an address no
/// region covers is [`GuestMemoryError::InvalidGuestAddress`]. Nothing here panics.
///
/// `H` is how it holds the [`GrantTable`](crate::GrantTable): `&GrantTable` or
/// `Arc<GrantTable>` (then it is `Send + Sync + 'static`, for a device's worker threads).
/// Two threads first touching one region at once may both map it; one mapping is kept and
/// the other unmapped.
///
/// [`add_region`]: GrantMemory::add_region
/// [`unmap_all`]: GrantMemory::unmap_all
///
/// ```no_run
#[doc = include_str!("../examples/vmm_grants.rs")]
/// ```
#[derive(Debug)]
pub struct GrantMemory<H: TableHandle> {
    table: H,
    /// Sorted by start, disjoint.
    regions: Vec<LazyRegion<H>>,
}

#[derive(Debug)]
struct LazyRegion<H: TableHandle> {
    start: u64,
    /// Bytes, > 0; start + len - 1 fits in u64.
    len: u64,
    domids: Vec<u32>,
    refs: Vec<u32>,
    mapping: OnceLock<GrantMappingOf<H, Writable>>,
}

impl<H: TableHandle> LazyRegion<H> {
    fn contains(&self, addr: u64) -> bool {
        addr >= self.start && addr - self.start < self.len
    }

    /// The mapping, made now if it is not yet.
    fn mapping(&self, table: &H) -> Result<&GrantMappingOf<H, Writable>>
    where
        H: Clone,
    {
        if let Some(mapping) = self.mapping.get() {
            return Ok(mapping);
        }
        let mapping = map_on(table.clone(), Domains::PerRef(&self.domids), &self.refs, Writable, UnmapNotify::NONE)?;
        // A thread that raced us may have set one first: ours is then dropped (unmapped).
        let _ = self.mapping.set(mapping);
        self.mapping.get().ok_or(Error::INVALID)
    }
}

impl<H: TableHandle + Clone> GrantMemory<H> {
    /// No regions yet, on `table`.
    pub fn new(table: H) -> Self {
        GrantMemory { table, regions: Vec::new() }
    }

    /// Adds the region of `grants`, (domid, ref) pairs of any domains, at guest address
    /// `start`: page `i` is `grants[i]`. Nothing is mapped yet. EINVAL for no grants, more than
    /// one map can take ([`crate::gnttab::MAX_MAP_COUNT`]), a region ending past 2^64 or one
    /// overlapping a region already added.
    ///
    /// ```
    /// use vm_memory::GuestAddress;
    /// # fn f(table: &xengnttab::GrantTable) -> xengnttab::Result<()> {
    /// let mut memory = xengnttab::vmm::GrantMemory::new(table);
    /// memory.add_region(GuestAddress(0), &[(1, 8), (2, 9)])?;
    /// assert!(memory.add_region(GuestAddress(0x1000), &[(1, 10)]).is_err()); // overlaps
    /// # Ok(()) }
    /// ```
    pub fn add_region(&mut self, start: GuestAddress, grants: &[(u32, u32)]) -> Result<()> {
        if grants.len() > crate::gnttab::MAX_MAP_COUNT as usize {
            return Err(Error::INVALID);
        }
        let (start, len) = guest_range(start, grants.len())?;
        let at = self.regions.partition_point(|r| r.start < start);
        let before_ends_first =
            at.checked_sub(1).and_then(|i| self.regions.get(i)).is_none_or(|r| r.start + (r.len - 1) < start);
        let after_starts_later = self.regions.get(at).is_none_or(|r| start + (len - 1) < r.start);
        if !(before_ends_first && after_starts_later) {
            return Err(Error::INVALID);
        }
        let (domids, refs) = split(grants)?;
        self.regions.try_reserve(1)?;
        self.regions.insert(at, LazyRegion { start, len, domids, refs, mapping: OnceLock::new() });
        Ok(())
    }

    /// Number of regions.
    pub fn regions(&self) -> usize {
        self.regions.len()
    }

    /// Number of regions mapped now.
    pub fn mapped_regions(&self) -> usize {
        self.regions.iter().filter(|r| r.mapping.get().is_some()).count()
    }

    /// Unmaps every mapped region now (they are mapped again on their next access), reporting
    /// the first failure; the other regions are unmapped all the same.
    pub fn unmap_all(&mut self) -> Result<()> {
        let mut result = Ok(());
        for region in &mut self.regions {
            if let Some(mapping) = region.mapping.take() {
                let unmapped = mapping.unmap();
                if result.is_ok() {
                    result = unmapped;
                }
            }
        }
        result
    }

    fn find(&self, addr: u64) -> Option<&LazyRegion<H>> {
        let after = self.regions.partition_point(|r| r.start <= addr);
        after.checked_sub(1).and_then(|i| self.regions.get(i)).filter(|r| r.contains(addr))
    }

    /// Whether regions cover `count` bytes from `addr` without a gap (nothing is mapped).
    fn covers(&self, addr: u64, count: usize) -> bool {
        let (mut addr, mut left) = (addr, count as u64);
        while left > 0 {
            let Some(region) = self.find(addr) else { return false };
            let take = (region.len - (addr - region.start)).min(left);
            left -= take;
            match addr.checked_add(take) {
                Some(next) => addr = next,
                None => return left == 0,
            }
        }
        true
    }
}

impl<H: TableHandle + Clone> GuestMemory for GrantMemory<H> {
    /// None: see [`GrantRegion`] for eagerly mapped regions.
    type PhysicalMemory = GuestRegionCollection<GrantRegion<H>>;
    type Bitmap = ();

    /// Whether regions cover the range; every region is writable, so `access` is any. Maps
    /// nothing: the access itself may still fail to map.
    fn check_range(&self, addr: GuestAddress, count: usize, _access: Permissions) -> bool {
        self.covers(addr.0, count)
    }

    /// One slice per region the range touches, each region mapped if it is not yet; the first
    /// error (a gap, a failed map) ends the iteration.
    fn get_slices<'a>(
        &'a self,
        addr: GuestAddress,
        count: usize,
        _access: Permissions,
    ) -> vm_memory::GuestMemoryResult<impl GuestMemorySliceIterator<'a, BS<'a, ()>>> {
        Ok(GrantSlices { memory: self, addr: Some(addr.0), count })
    }
}

/// The slices of one [`GrantMemory::get_slices`].
struct GrantSlices<'a, H: TableHandle> {
    memory: &'a GrantMemory<H>,
    /// None once the range ran past 2^64.
    addr: Option<u64>,
    count: usize,
}

impl<'a, H: TableHandle + Clone> GrantSlices<'a, H> {
    fn slice(&mut self) -> vm_memory::GuestMemoryResult<vm_memory::VolatileSlice<'a>> {
        let addr = self.addr.ok_or(GuestMemoryError::GuestAddressOverflow)?;
        let region = self.memory.find(addr).ok_or(GuestMemoryError::InvalidGuestAddress(GuestAddress(addr)))?;
        let offset = addr - region.start;
        let len = (region.len - offset).min(self.count as u64) as usize;
        let mapping =
            region.mapping(&self.memory.table).map_err(|e| GuestMemoryError::IOError(std::io::Error::from(e)))?;
        let offset = usize::try_from(offset).map_err(|_| GuestMemoryError::InvalidBackendAddress)?;
        let slice = vm_slice(mapping.as_volatile_slice(), offset, len)?;
        self.count -= len;
        self.addr = addr.checked_add(len as u64);
        Ok(slice)
    }
}

impl<'a, H: TableHandle + Clone> Iterator for GrantSlices<'a, H> {
    type Item = vm_memory::GuestMemoryResult<vm_memory::VolatileSlice<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.count == 0 {
            return None;
        }
        let slice = self.slice();
        if slice.is_err() {
            self.count = 0;
        }
        Some(slice)
    }
}

impl<H: TableHandle + Clone> FusedIterator for GrantSlices<'_, H> {}

impl<'a, H: TableHandle + Clone> GuestMemorySliceIterator<'a, ()> for GrantSlices<'a, H> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GrantTable;
    use std::os::fd::AsFd;

    /// Owned, it moves into a device's worker threads.
    const _: () = {
        const fn send_sync_static<T: Send + Sync + 'static>() {}
        send_sync_static::<GrantMemory<std::sync::Arc<GrantTable>>>();
    };

    /// A table on /dev/null: every map fails with ENOTTY at MAP_GRANT_REF.
    fn table_on_dev_null() -> GrantTable {
        let null = std::fs::File::open("/dev/null").expect("/dev/null opens");
        GrantTable { dev: crate::device::Device::from_fd_for_tests(null.into()).expect("a test device") }
    }

    /// A page of memory outside every Rust allocation (a shared mapping of /dev/zero), as a
    /// grant mapping is.
    fn zero_page() -> crate::sys::mman::Mapping {
        let zero = std::fs::File::options().read(true).write(true).open("/dev/zero").unwrap();
        crate::sys::mman::Mapping::map_shared(zero.as_fd(), 4096, libc::PROT_READ | libc::PROT_WRITE, 0).unwrap()
    }

    #[test]
    fn guest_ranges_have_pages_and_fit_below_2_pow_64() {
        assert_eq!(guest_range(GuestAddress(0x1000), 2).unwrap(), (0x1000, 0x2000));
        assert_eq!(guest_range(GuestAddress(0), 0).unwrap_err(), Error::INVALID);
        assert_eq!(guest_range(GuestAddress(u64::MAX - 0xfff), 1).unwrap(), (u64::MAX - 0xfff, 0x1000), "ends at 2^64");
        assert_eq!(guest_range(GuestAddress(u64::MAX - 0xffe), 1).unwrap_err(), Error::INVALID);
        assert_eq!(split(&[(1, 8), (2, 9)]).unwrap(), (vec![1, 2], vec![8, 9]));
    }

    #[test]
    fn regions_are_kept_sorted_and_may_not_overlap() {
        let table = table_on_dev_null();
        let mut memory = GrantMemory::new(&table);
        memory.add_region(GuestAddress(0x10000), &[(1, 8)]).unwrap();
        memory.add_region(GuestAddress(0), &[(2, 8), (2, 9)]).unwrap();
        memory.add_region(GuestAddress(0x2000), &[(3, 1)]).unwrap();
        assert_eq!(memory.add_region(GuestAddress(0x1fff), &[(3, 2)]).unwrap_err(), Error::INVALID);
        assert_eq!(memory.add_region(GuestAddress(0xf001), &[(3, 2)]).unwrap_err(), Error::INVALID);
        assert_eq!(memory.add_region(GuestAddress(0x10fff), &[(3, 2)]).unwrap_err(), Error::INVALID);
        assert_eq!(memory.add_region(GuestAddress(0x5000), &[]).unwrap_err(), Error::INVALID);
        memory.add_region(GuestAddress(u64::MAX - 0xfff), &[(4, 4)]).unwrap();
        let starts: Vec<u64> = memory.regions.iter().map(|r| r.start).collect();
        assert_eq!(starts, [0, 0x2000, 0x10000, u64::MAX - 0xfff]);
        assert_eq!(memory.regions(), 4);
        assert_eq!(memory.mapped_regions(), 0, "nothing is mapped until accessed");
    }

    #[test]
    fn ranges_are_checked_across_touching_regions_and_gaps() {
        let table = table_on_dev_null();
        let mut memory = GrantMemory::new(&table);
        memory.add_region(GuestAddress(0), &[(1, 8), (1, 9)]).unwrap();
        memory.add_region(GuestAddress(0x2000), &[(2, 8)]).unwrap();
        memory.add_region(GuestAddress(0x5000), &[(2, 9)]).unwrap();
        memory.add_region(GuestAddress(u64::MAX - 0xfff), &[(4, 4)]).unwrap();
        let check = |addr, count| memory.check_range(GuestAddress(addr), count, Permissions::ReadWrite);
        assert!(check(0, 0x3000), "two touching regions");
        assert!(check(0x1fff, 2));
        assert!(!check(0x2fff, 2), "runs into the gap");
        assert!(!check(0x3000, 1));
        assert!(check(0x3000, 0), "nothing to check");
        assert!(check(0x5000, 0x1000));
        assert!(!check(0x5000, 0x1001));
        assert!(check(u64::MAX, 1), "the last byte of the address space");
        assert!(!check(u64::MAX, 2), "past 2^64");
    }

    #[test]
    fn failed_maps_and_gaps_are_errors_not_panics() {
        let table = table_on_dev_null();
        let mut memory = GrantMemory::new(&table);
        memory.add_region(GuestAddress(0x1000), &[(1, 8)]).unwrap();
        memory.add_region(GuestAddress(u64::MAX - 0xfff), &[(4, 4)]).unwrap();
        let enotty = |e: GuestMemoryError| matches!(e, GuestMemoryError::IOError(ref io) if io.raw_os_error() == Some(libc::ENOTTY));

        {
            let mut slices = memory.get_slices(GuestAddress(0x1000), 16, Permissions::Read).unwrap();
            assert!(slices.next().is_some_and(|s| s.is_err_and(enotty)), "the map reached the (stand-in) driver");
            assert!(slices.next().is_none(), "an error ends the iteration");
            assert!(memory.get_slices(GuestAddress(0), 0, Permissions::Read).unwrap().next().is_none());
            let mut gap = memory.get_slices(GuestAddress(0x2000), 1, Permissions::Write).unwrap();
            assert!(matches!(gap.next(), Some(Err(GuestMemoryError::InvalidGuestAddress(GuestAddress(0x2000))))));
        }

        assert!(memory.read_obj::<u64>(GuestAddress(0x1ff8)).is_err_and(enotty));
        assert!(memory.write_slice(b"abc", GuestAddress(0x1000)).is_err_and(enotty));
        assert!(
            memory
                .write(b"abc", GuestAddress(0x3000))
                .is_err_and(|e| matches!(e, GuestMemoryError::InvalidGuestAddress(_)))
        );
        assert!(memory.store(1u32, GuestAddress(0x1000), Ordering::Release).is_err_and(enotty));
        assert!(memory.load::<u32>(GuestAddress(0), Ordering::Acquire).is_err());
        assert!(memory.load::<u64>(GuestAddress(u64::MAX - 7), Ordering::Acquire).is_err_and(enotty));
        let mut pipe = &b"data"[..];
        assert!(memory.read_volatile_from(GuestAddress(0x1000), &mut pipe, 4).is_err_and(enotty));
        assert_eq!(memory.mapped_regions(), 0, "a failed map is not kept");
        assert!(memory.unmap_all().is_ok());
    }

    #[test]
    fn eager_regions_fail_when_made() {
        let table = table_on_dev_null();
        assert_eq!(GrantRegion::map(&table, GuestAddress(0), &[(1, 8)]).unwrap_err().errno(), libc::ENOTTY);
        assert_eq!(GrantRegion::map(&table, GuestAddress(0), &[]).unwrap_err(), Error::INVALID);
        assert_eq!(GrantRegion::map(&table, GuestAddress(u64::MAX), &[(1, 8)]).unwrap_err(), Error::INVALID);
    }

    #[test]
    #[cfg_attr(miri, ignore = "mmap of a device: Miri has no file mappings")]
    fn vm_slices_are_checked_and_move_data_through_fds() {
        let page = zero_page();
        let memory: VolatileSlice<'_> = page.volatile();
        assert_eq!(vm_slice(memory, 4000, 96).unwrap().len(), 96);
        assert!(matches!(vm_slice(memory, 4000, 97), Err(VolatileError::OutOfBounds { addr: 4097 })));
        assert!(matches!(vm_slice(memory, usize::MAX, 2), Err(VolatileError::Overflow { .. })));

        let (mut a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        std::io::Write::write_all(&mut a, b"through a socket").unwrap();
        let whole = memory.to_vm_memory();
        whole.read_exact_volatile_from(100, &mut b, 16).unwrap();
        let mut text = [0u8; 16];
        memory.read_into(100, &mut text).unwrap();
        assert_eq!(&text, b"through a socket", "read(2) wrote straight into the page");
        whole.write_all_volatile_to(100, &mut b, 16).unwrap();
        let mut back = [0u8; 16];
        std::io::Read::read_exact(&mut a, &mut back).unwrap();
        assert_eq!(&back, b"through a socket");
        assert!(whole.read_exact_volatile_from(4090, &mut b, 16).is_err(), "past the end");
    }
}
