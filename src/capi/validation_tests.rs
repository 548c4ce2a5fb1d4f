//! Bad input through the exported C functions, on a machine without Xen: where upstream
//! crashes or corrupts memory we return the C failure value with a clear errno.
//! (The same calls on real Xen run in the lab.)
#![allow(clippy::unwrap_used)]

use super::gntshr::*;
use super::gnttab::*;
use super::{xengnttab_grant_copy_segment_t, xengnttab_handle};
use std::ffi::c_void;
use std::ptr::{null, null_mut};

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

fn set_errno(v: i32) {
    // SAFETY: errno is thread-local and always addressable.
    unsafe { *libc::__errno_location() = v }
}

/// Runs `call`, returning its result and the errno it left.
fn with_errno<T>(call: impl FnOnce() -> T) -> (T, i32) {
    set_errno(0);
    let r = call();
    (r, errno())
}

const NULL_TAB: *mut xengnttab_handle = null_mut();
const EINVAL: i32 = libc::EINVAL;

#[test]
fn null_handles_are_einval_not_a_crash() {
    let mut refs = [1u32; 4];
    let mut domids = [0u32; 4];
    // SAFETY: every pointer is NULL or valid; the functions must not dereference NULL.
    unsafe {
        assert_eq!(with_errno(|| xengnttab_fd(NULL_TAB)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengntshr_fd(NULL_TAB)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengnttab_map_grant_ref(NULL_TAB, 0, 1, 3)), (null_mut(), EINVAL));
        assert_eq!(with_errno(|| xengnttab_map_grant_ref_notify(NULL_TAB, 0, 1, 3, 0, 1)), (null_mut(), EINVAL));
        assert_eq!(
            with_errno(|| xengnttab_map_grant_refs(NULL_TAB, 4, domids.as_mut_ptr(), refs.as_mut_ptr(), 3)),
            (null_mut(), EINVAL)
        );
        assert_eq!(
            with_errno(|| xengnttab_map_domain_grant_refs(NULL_TAB, 4, 0, refs.as_mut_ptr(), 3)),
            (null_mut(), EINVAL)
        );
        assert_eq!(with_errno(|| xengnttab_unmap(NULL_TAB, 0x1000 as *mut c_void, 1)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengnttab_set_max_grants(NULL_TAB, 1)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengnttab_grant_copy(NULL_TAB, 0, null_mut())), (-1, EINVAL));
        let mut fd = 0u32;
        assert_eq!(
            with_errno(|| xengnttab_dmabuf_exp_from_refs(NULL_TAB, 0, 0, 1, refs.as_ptr(), &mut fd)),
            (-1, EINVAL)
        );
        assert_eq!(with_errno(|| xengnttab_dmabuf_exp_wait_released(NULL_TAB, 3, 1)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengnttab_dmabuf_imp_to_refs(NULL_TAB, 0, 3, 1, refs.as_mut_ptr())), (-1, EINVAL));
        assert_eq!(with_errno(|| xengnttab_dmabuf_imp_release(NULL_TAB, 3)), (-1, EINVAL));
        assert_eq!(with_errno(|| xengntshr_share_pages(NULL_TAB, 0, 1, refs.as_mut_ptr(), 1)), (null_mut(), EINVAL));
        assert_eq!(
            with_errno(|| xengntshr_share_page_notify(NULL_TAB, 0, refs.as_mut_ptr(), 1, 0, 1)),
            (null_mut(), EINVAL)
        );
    }
}

#[test]
fn closing_null_is_zero_as_upstream() {
    // SAFETY: NULL is explicitly allowed.
    unsafe {
        assert_eq!(xengnttab_close(NULL_TAB), 0);
        assert_eq!(xengntshr_close(NULL_TAB), 0);
    }
}

#[test]
#[cfg_attr(miri, ignore = "open calls libxentoollog and libxentoolcore, C code Miri cannot run")]
fn without_xen_open_is_enoent() {
    if std::path::Path::new("/dev/xen").exists() {
        panic!("this test needs a machine without /dev/xen (the lab covers real Xen)");
    }
    // SAFETY: a NULL logger selects the default one.
    unsafe {
        assert_eq!(with_errno(|| xengnttab_open(null_mut(), 0)), (null_mut(), libc::ENOENT));
        assert_eq!(with_errno(|| xengntshr_open(null_mut(), 0)), (null_mut(), libc::ENOENT));
    }
}

/// A handle on a device that exists everywhere stands in for gntdev, so the validation runs
/// past the handle check: it must fail before any ioctl reaches the (wrong) device.
mod with_a_handle {
    use super::*;

    /// A C handle whose fd is /dev/null.
    fn handle() -> *mut xengnttab_handle {
        let dev = crate::device::Device::open(crate::device::DEV_NULL_FOR_TESTS, None).unwrap();
        super::super::into_handle(dev)
    }

    #[test]
    #[cfg_attr(miri, ignore = "a handle registers with libxentoolcore (C) and ioctls /dev/null: Miri runs neither")]
    fn map_counts_that_overflow_upstreams_request_size_are_einval() {
        let h = handle();
        // SAFETY: h is live; the arrays are never read for rejected counts (NULL proves it).
        unsafe {
            for count in [536_870_910u32, 1 << 31, u32::MAX] {
                assert_eq!(
                    with_errno(|| xengnttab_map_domain_grant_refs(h, count, 0, null_mut(), 3)),
                    (null_mut(), EINVAL)
                );
                assert_eq!(
                    with_errno(|| xengnttab_map_grant_refs(h, count, null_mut(), null_mut(), 3)),
                    (null_mut(), EINVAL)
                );
            }
            assert_eq!(xengnttab_close(h), 0);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "a handle registers with libxentoolcore (C) and ioctls /dev/null: Miri runs neither")]
    fn null_arrays_with_a_count_are_einval() {
        let h = handle();
        let mut one = [1u32];
        // SAFETY: h is live; arrays are NULL or valid for one element.
        unsafe {
            assert_eq!(with_errno(|| xengnttab_map_domain_grant_refs(h, 1, 0, null_mut(), 3)), (null_mut(), EINVAL));
            assert_eq!(
                with_errno(|| xengnttab_map_grant_refs(h, 1, null_mut(), one.as_mut_ptr(), 3)),
                (null_mut(), EINVAL)
            );
            assert_eq!(
                with_errno(|| xengnttab_map_grant_refs(h, 1, one.as_mut_ptr(), null_mut(), 3)),
                (null_mut(), EINVAL)
            );
            assert_eq!(with_errno(|| xengntshr_share_pages(h, 0, 1, null_mut(), 1)), (null_mut(), EINVAL));
            assert_eq!(
                with_errno(|| xengntshr_share_page_notify(h, 0, null_mut(), 1, 0, u32::MAX)),
                (null_mut(), EINVAL)
            );
            let mut fd = 0u32;
            assert_eq!(with_errno(|| xengnttab_dmabuf_exp_from_refs(h, 0, 0, 1, null(), &mut fd)), (-1, EINVAL));
            assert_eq!(
                with_errno(|| xengnttab_dmabuf_exp_from_refs(h, 0, 0, 1, one.as_ptr(), null_mut())),
                (-1, EINVAL)
            );
            assert_eq!(with_errno(|| xengnttab_dmabuf_imp_to_refs(h, 0, 3, 1, null_mut())), (-1, EINVAL));
            assert_eq!(xengnttab_close(h), 0);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "a handle registers with libxentoolcore (C) and ioctls /dev/null: Miri runs neither")]
    fn negative_share_counts_are_einval() {
        let h = handle();
        let mut refs = [0u32; 8];
        // SAFETY: h is live; refs is valid for 8 elements and never written for these counts.
        unsafe {
            for count in [-1, -5, i32::MIN] {
                assert_eq!(
                    with_errno(|| xengntshr_share_pages(h, 0, count, refs.as_mut_ptr(), 1)),
                    (null_mut(), EINVAL)
                );
            }
            assert_eq!(xengnttab_close(h), 0);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "a handle registers with libxentoolcore (C) and ioctls /dev/null: Miri runs neither")]
    fn dmabuf_count_zero_is_einval_without_an_ioctl() {
        let h = handle();
        let mut fd = 0u32;
        // SAFETY: h is live.
        unsafe {
            assert_eq!(with_errno(|| xengnttab_dmabuf_exp_from_refs(h, 0, 0, 0, null(), &mut fd)), (-1, EINVAL));
            assert_eq!(with_errno(|| xengnttab_dmabuf_imp_to_refs(h, 0, 3, 0, null_mut())), (-1, EINVAL));
            assert_eq!(xengnttab_close(h), 0);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "a handle registers with libxentoolcore (C) and ioctls /dev/null: Miri runs neither")]
    fn ioctls_the_device_does_not_know_are_enotty_and_set_max_grants_swallows_it() {
        let h = handle();
        let mut segs: [xengnttab_grant_copy_segment_t; 0] = [];
        // SAFETY: h is live; /dev/null answers every ioctl with ENOTTY.
        unsafe {
            assert_eq!(with_errno(|| xengnttab_set_max_grants(h, 64)), (0, libc::ENOTTY));
            assert_eq!(with_errno(|| xengnttab_grant_copy(h, 0, segs.as_mut_ptr())), (-1, libc::ENOTTY));
            // No region this library mapped: the table refuses, and the errno is the kernel's
            // GET_OFFSET_FOR_VADDR's, as upstream's (EINVAL on real gntdev; /dev/null: ENOTTY).
            assert_eq!(with_errno(|| xengnttab_unmap(h, null_mut(), 1)), (-1, libc::ENOTTY));
            assert_eq!(with_errno(|| xengnttab_unmap(h, 0x1000 as *mut c_void, 1)), (-1, libc::ENOTTY));
            assert_eq!(xengnttab_close(h), 0);
        }
    }
}
