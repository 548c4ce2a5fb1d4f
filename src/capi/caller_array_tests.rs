//! Finding 5 of issue 18: a caller's arrays stay pointers until the kernel accepted the call.
//! Upstream reads input arrays while it builds the request and writes output arrays only
//! after the kernel produced them, so a call the kernel refuses never touches its output
//! array, which may be shorter than its count, and an out-pointer may point into an input
//! array. Before the fix these calls made Rust references over the caller's arrays up
//! front: a `&mut [u32]` of `count` over a one-element array (8 GiB for INT_MAX), a `&mut u32`
//! aliasing a `&[u32]`.
//! The compiled code did not misbehave, so only Miri sees the difference: run with
//! `cargo +nightly miri test --lib caller_array` (no flags needed: the device is a pipe,
//! and under Miri every ioctl fails with ENOTTY without a system call, `sys/ioctl.rs`).
#![allow(clippy::unwrap_used)]

use super::gntshr::*;
use super::gnttab::*;
use super::{into_handle, xengntdev_handle};
use std::os::fd::{FromRawFd, OwnedFd};
use std::ptr::null_mut;

/// A handle whose fd is a pipe: every ioctl is ENOTTY, so every call fails at the kernel.
fn handle() -> *mut xengntdev_handle {
    let mut fds = [0; 2];
    // SAFETY: room for the two fds.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both fds are new and ours; the write end is not needed.
    let read_end = unsafe {
        libc::close(fds[1]);
        OwnedFd::from_raw_fd(fds[0])
    };
    into_handle(crate::device::Device::from_fd_for_tests(read_end).unwrap())
}

/// Runs `call`, returning its result and the errno it left.
fn with_errno<T>(call: impl FnOnce() -> T) -> (T, i32) {
    crate::sys::errno::set(0);
    let r = call();
    (r, crate::sys::errno::get())
}

const UNTOUCHED: u32 = 0xAAAA_AAAA;

#[test]
fn a_refused_share_never_touches_a_refs_array_shorter_than_its_count() {
    let h = handle();
    let mut refs = [UNTOUCHED];
    // 1025 is past the gntalloc limit, which the kernel refuses with ENOSPC. (INT_MAX, whose
    // 8 GiB request buffer upstream mallocs too, is c-tests/regions' case: this binary also
    // runs under valgrind, which cannot shadow 8 GiB.)
    for count in [2, 1025] {
        // SAFETY: h is live; refs holds one element, which is all upstream would touch here.
        let r = with_errno(|| unsafe { xengntshr_share_pages(h, 0, count, refs.as_mut_ptr(), 1) });
        assert_eq!((r, refs), ((null_mut(), libc::ENOTTY), [UNTOUCHED]), "count {count}");
    }
    // SAFETY: h is live and not used afterwards.
    assert_eq!(unsafe { xengntshr_close(h) }, 0);
}

#[test]
fn a_refused_dmabuf_import_never_touches_a_refs_array_shorter_than_its_count() {
    let h = handle();
    let mut refs = [UNTOUCHED];
    // SAFETY: h is live; refs holds one element, which upstream would not touch on failure.
    let r = with_errno(|| unsafe { xengnttab_dmabuf_imp_to_refs(h, 0, 3, 64, refs.as_mut_ptr()) });
    assert_eq!((r, refs), ((-1, libc::ENOTTY), [UNTOUCHED]));
    // SAFETY: h is live and not used afterwards.
    assert_eq!(unsafe { xengnttab_close(h) }, 0);
}

/// `fd` may point at `refs[0]`: upstream reads the refs, then writes `*fd` on success only.
#[test]
fn a_dmabuf_export_whose_fd_aliases_its_refs_reads_the_refs_and_writes_nothing_on_failure() {
    let h = handle();
    let mut refs = [7u32, 8];
    let both = refs.as_mut_ptr();
    // SAFETY: h is live; `both` is valid for two refs and for the one fd write on success.
    let r = with_errno(|| unsafe { xengnttab_dmabuf_exp_from_refs(h, 0, 0, 2, both, both) });
    assert_eq!((r, refs), ((-1, libc::ENOTTY), [7, 8]));
    // SAFETY: h is live and not used afterwards.
    assert_eq!(unsafe { xengnttab_close(h) }, 0);
}

/// Per-ref domids and refs may be one array (both are only read).
#[test]
fn a_map_whose_domids_and_refs_are_one_array_reads_it() {
    let h = handle();
    let mut both = [0u32, 1];
    let p = both.as_mut_ptr();
    // SAFETY: h is live; `p` is valid for reads of two elements.
    let r = with_errno(|| unsafe { xengnttab_map_grant_refs(h, 2, p, p, 3) });
    assert_eq!((r, both), ((null_mut(), libc::ENOTTY), [0, 1]));
    // SAFETY: h is live and not used afterwards.
    assert_eq!(unsafe { xengnttab_close(h) }, 0);
}
