//! Mapping pages other domains granted us (`/dev/xen/gntdev`), upstream's algorithm step by step.

use crate::device::{Device, GNTDEV};
use crate::error::{Error, Result};
use crate::notify::UnmapNotify;
use crate::sys::PAGE_SIZE;
use crate::sys::gntdev::{self, GrantRef, MapGrantRefHeader, MapRequest};
use crate::sys::mman::{Mapping, RawRegion};
use crate::sys::toollog::Logger;
use std::ffi::{CStr, c_int};
use std::time::Duration;

const CONTEXT: &CStr = c"gnttab";

/// Upstream keeps requests of up to 510 refs (one OS page) on the stack and logs
/// "mmap of map failed" only when the larger, mmapped buffer cannot be had.
const REFS_IN_ONE_PAGE: usize = (PAGE_SIZE - gntdev::SIZEOF_MAP_GRANT_REF) / size_of::<GrantRef>() + 1;

/// Upstream computes the request size in 32 bits; beyond this count it overflows and
/// corrupts memory. We refuse such counts with EINVAL instead.
pub const MAX_MAP_COUNT: u32 = ((u32::MAX as usize - gntdev::SIZEOF_MAP_GRANT_REF) / size_of::<GrantRef>() + 1) as u32;

/// Upstream retries an mmap failing with EAGAIN every millisecond, forever. Modern kernels
/// retry paged-out grants themselves, so EAGAIN now means a resource limit: we give up
/// after one second.
const MMAP_EAGAIN_RETRIES: u32 = 1000;

/// The domain(s) that granted the refs of one map call.
#[derive(Clone, Copy, Debug)]
pub enum Domains<'a> {
    /// Every ref comes from this domain.
    Same(u32),
    /// `domids[i]` granted `refs[i]`; must be as long as the refs.
    PerRef(&'a [u32]),
}

/// Whether `set_max_grants` did anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxGrants {
    Set,
    /// Linux's gntdev has no such ioctl (ENOTTY); upstream treats that as success.
    Unsupported,
}

/// Result of waiting for an exported dma-buf's release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmabufWait {
    Released,
    /// The kernel no longer knows the buffer (ENOENT), which upstream counts as released.
    NotExported,
}

/// A handle on `/dev/xen/gntdev`.
#[derive(Debug)]
pub struct GrantTable {
    pub(crate) dev: Device,
}

/// Pages of other domains mapped into this process; unmapped (munmap, then the driver slot
/// released) on drop.
#[derive(Debug)]
pub struct GrantMapping<'a> {
    dev: &'a Device,
    map: Option<Mapping>,
    index: u64,
    count: u32,
}

impl GrantTable {
    /// Opens `/dev/xen/gntdev`, logging errors to stderr as upstream's default logger does.
    pub fn open() -> Result<GrantTable> {
        Self::open_with_logger(None)
    }

    pub(crate) fn open_with_logger(logger: Option<Logger>) -> Result<GrantTable> {
        Ok(GrantTable { dev: Device::open(GNTDEV, logger)? })
    }

    /// Maps `refs` (one page each) granted by `domains`, with `prot` (PROT_READ and/or
    /// PROT_WRITE) and an optional unmap notification.
    pub fn map(
        &self,
        domains: Domains<'_>,
        refs: &[u32],
        prot: c_int,
        notify: UnmapNotify,
    ) -> Result<GrantMapping<'_>> {
        map(&self.dev, domains, refs, prot, notify)
    }

    /// Asks the driver to allow `count` grants; a no-op on Linux (see [`MaxGrants`]).
    pub fn set_max_grants(&self, count: u32) -> Result<MaxGrants> {
        set_max_grants(&self.dev, count)
    }

    /// Closes the handle, reporting close(2)'s result. Mappings must be gone already: they
    /// borrow the table.
    pub fn close(self) -> Result<()> {
        self.dev.close()
    }
}

impl GrantMapping<'_> {
    fn mapping(&self) -> &Mapping {
        self.map.as_ref().expect("a GrantMapping holds its mapping until drop or into_raw")
    }

    /// Number of 4 KiB pages.
    pub fn pages(&self) -> u32 {
        self.count
    }

    pub fn as_slice(&self) -> &[u8] {
        self.mapping().as_slice()
    }

    /// Writable view; writing faults unless the mapping was made with PROT_WRITE.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.map.as_mut().expect("a GrantMapping holds its mapping until drop or into_raw").as_mut_slice()
    }

    /// Hands the mapping to C, which unmaps it with `xengnttab_unmap` (or munmap).
    pub(crate) fn into_raw(mut self) -> *mut libc::c_void {
        self.map.take().map_or(std::ptr::null_mut(), Mapping::into_raw)
    }
}

impl Drop for GrantMapping<'_> {
    fn drop(&mut self) {
        if let Some(map) = self.map.take()
            && map.unmap().is_ok()
        {
            let _ = gntdev::unmap_grant_ref(self.dev.fd(), self.index, self.count);
        }
    }
}

/// Upstream's osdep grant map: MAP_GRANT_REF, mmap (EAGAIN retried), optional
/// SET_UNMAP_NOTIFY; on failure the driver slot is released and nothing stays mapped.
pub(crate) fn map<'a>(
    dev: &'a Device,
    domains: Domains<'_>,
    refs: &[u32],
    prot: c_int,
    notify: UnmapNotify,
) -> Result<GrantMapping<'a>> {
    let count = u32::try_from(refs.len()).ok().filter(|&c| c <= MAX_MAP_COUNT).ok_or(Error::INVALID)?;
    if let Domains::PerRef(domids) = domains
        && domids.len() != refs.len()
    {
        return Err(Error::INVALID);
    }
    let mut req = MapRequest::new(MapGrantRefHeader { count, ..Default::default() }, refs.len()).inspect_err(|&e| {
        if refs.len() > REFS_IN_ONE_PAGE {
            dev.log(CONTEXT, c"mmap of map failed", e);
        }
    })?;
    for (i, (entry, &r#ref)) in req.entries_mut().iter_mut().zip(refs).enumerate() {
        let domid = match domains {
            Domains::Same(domid) => domid,
            Domains::PerRef(domids) => domids[i],
        };
        *entry = GrantRef { domid, r#ref };
    }
    req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl MAP_GRANT_REF failed", e))?;
    let index = req.header().index;
    let len = refs.len() * PAGE_SIZE;

    let mapped = mmap_retrying_eagain(dev, len, prot, index).and_then(|map| notify.arm(dev, CONTEXT, map, index));
    match mapped {
        Ok(map) => Ok(GrantMapping { dev, map: Some(map), index, count }),
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
                std::thread::sleep(Duration::from_millis(1));
            }
            result => return result,
        }
    }
}

/// `xengnttab_unmap`: the kernel, not an address table, says which map `region` starts; the
/// count must match it. munmap comes before the driver slot is released, as upstream.
pub(crate) fn unmap_raw(dev: &Device, region: RawRegion, count: u32) -> Result<()> {
    if region.addr().is_null() {
        return Err(Error::INVALID);
    }
    let (offset, mapped_count) = gntdev::get_offset_for_vaddr(dev.fd(), region.addr() as u64)?;
    if mapped_count != count {
        return Err(Error::INVALID);
    }
    region.unmap()?;
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

pub(crate) fn dmabuf_exp_from_refs(dev: &Device, domid: u32, flags: u32, refs: &[u32]) -> Result<u32> {
    let count = u32::try_from(refs.len()).map_err(|_| Error::INVALID)?;
    if count == 0 {
        return Err(Error::INVALID);
    }
    let header = gntdev::DmabufExpFromRefsHeader { flags, count, fd: 0, domid };
    let mut req = gntdev::DmabufExpRequest::new(header, refs.len())?;
    req.entries_mut().copy_from_slice(refs);
    req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_EXP_FROM_REFS failed", e))?;
    Ok(req.header().fd)
}

pub(crate) fn dmabuf_exp_wait_released(dev: &Device, dmabuf_fd: u32, wait_to_ms: u32) -> Result<DmabufWait> {
    match gntdev::dmabuf_exp_wait_released(dev.fd(), dmabuf_fd, wait_to_ms) {
        Ok(()) => Ok(DmabufWait::Released),
        Err(e) if e.errno() == libc::ENOENT => Ok(DmabufWait::NotExported),
        Err(e) => {
            dev.log(CONTEXT, c"ioctl DMABUF_EXP_WAIT_RELEASED failed", e);
            Err(e)
        }
    }
}

/// Imports a dma-buf as `refs_out.len()` grants to `domid`, writing the refs.
pub(crate) fn dmabuf_imp_to_refs(dev: &Device, domid: u32, dmabuf_fd: u32, refs_out: &mut [u32]) -> Result<()> {
    let count = u32::try_from(refs_out.len()).map_err(|_| Error::INVALID)?;
    if count == 0 {
        return Err(Error::INVALID);
    }
    let header = gntdev::DmabufImpToRefsHeader { fd: dmabuf_fd, count, domid, reserved: 0 };
    let mut req = gntdev::DmabufImpRequest::new(header, refs_out.len())?;
    req.ioctl(dev.fd()).inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_IMP_TO_REFS failed", e))?;
    refs_out.copy_from_slice(req.entries());
    Ok(())
}

pub(crate) fn dmabuf_imp_release(dev: &Device, dmabuf_fd: u32) -> Result<()> {
    gntdev::dmabuf_imp_release(dev.fd(), dmabuf_fd)
        .inspect_err(|&e| dev.log(CONTEXT, c"ioctl DMABUF_IMP_RELEASE failed", e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
