//! The regions the C API handed out, so that unmap and unshare only take down a whole region
//! this library mapped, and only once.
//!
//! Upstream trusts the caller's address: for an address in the middle of a mapping, another
//! handle's mapping, or a region unshared twice, it munmaps whatever lies there (the spec's
//! §3.2 and §4.4). Every region a map or share call returns is recorded here with its page
//! count and owner (the gnttab handle, or gntshr), and unmap and unshare go through [`take`]
//! before anything is unmapped. What that guarantees, for calls that do not race with a misuse
//! of the same pages:
//!
//! - **Exactly a recorded region, of its owner.** A take succeeds only for the start, page
//!   count and owner of a region the table holds; anything else is EINVAL with the table
//!   unchanged.
//! - **Once.** The take holds the region from its first step, before the kernel check and the
//!   munmap, so of two calls for one region one wins and the other gets EINVAL, and a region
//!   mapped again at the same address meanwhile is a new recording that the loser cannot take.
//! - **Never a region recorded later.** Recording a region first evicts every recorded region
//!   it overlaps: the kernel just handed those pages out again, so those regions were unmapped
//!   behind the library's back. A stale region can then no longer be taken, at its own start
//!   or any other, so no take ever unmaps a page of a region the table holds.
//! - **Put back when nothing was unmapped.** If the kernel refuses a gnttab unmap
//!   (GET_OFFSET_FOR_VADDR, checked after the take) or munmap fails, the region goes back as it
//!   was and the call returns that errno, so it can be unmapped later; unless a region recorded
//!   meanwhile overlaps it, in which case it is stale and dropped.
//! - **Closed handles.** Closing a gnttab handle forgets its regions: they stay mapped, but only
//!   munmap can take them down now (upstream's unmap needs the handle too), so their slots are
//!   freed at once.
//!
//! What no table can know: a region the caller unmapped behind the library's back whose pages
//! then went to something else than this library (malloc, another library's mmap). Unshare then
//! munmaps that memory, as upstream would; unmap does only if the kernel finds a grant mapping
//! of the same size there. Calls racing with such a misuse of the same pages get no guarantee
//! either: the kernel check and munmap cannot be made atomic with the table.
//!
//! The table has no lock: no call waits for another thread, and a child forked while another
//! thread was half-way through a call finds at worst that one slot held (a region it cannot
//! take, or a slot it cannot reuse). Cost: with few live regions, a record and a take each read
//! their home slot; a record also reads every live region (a bitmap per 64 slots says which)
//! to find stale overlaps, so with n live regions it reads n slots.
//! `table.rs` has the protocol; its loom tests check it with a generation that wraps.

mod table;

pub(crate) use table::Owner;

use crate::error::{Error, Result};
use std::ffi::c_void;
use table::Table;

/// 64 slots per chunk (one bitmap word); a 10-bit generation, the most a page offset leaves
/// beside the two flags.
type RegionTable = Table<64, 10>;

static TABLE: RegionTable = Table::new();

/// Records a region just returned by a map or share (see the module's guarantees). ENOMEM only
/// if every slot is taken and no chunk can be added.
#[inline(always)]
pub(crate) fn record(addr: *mut c_void, pages: u32, owner: Owner) -> Result<()> {
    TABLE.record(addr as usize, pages, owner)
}

/// Takes exactly one recorded region of `owner` out of the table and holds it while `unmap`
/// takes its pages down: released when `unmap` returns Ok, put back when it fails. A region
/// the table does not hold is not unmapped: the call fails with the error `refused` gives.
#[inline(always)]
pub(crate) fn take_down<R>(
    addr: *mut c_void,
    pages: u32,
    owner: Owner,
    unmap: impl FnOnce() -> Result<R>,
    refused: impl FnOnce() -> Error,
) -> Result<R> {
    TABLE.take_down(addr as usize, pages, owner, unmap, refused)
}

/// Forgets a closed gnttab handle's regions.
#[inline(always)]
pub(crate) fn forget(owner: Owner) {
    TABLE.forget(owner)
}

#[cfg(test)]
mod tests {
    use super::table::{Table, Taken};
    use super::*;
    use crate::sys::PAGE_SIZE;

    /// A table of its own for each test (the process-wide one is the C API's). Kept reachable
    /// from a static, so that Miri's leak check does not count it as leaked.
    fn table() -> &'static RegionTable {
        static KEPT: std::sync::Mutex<Vec<&'static RegionTable>> = std::sync::Mutex::new(Vec::new());
        let table = Box::leak(Box::new(Table::new()));
        KEPT.lock().unwrap().push(table);
        table
    }

    /// An address in the part of user space where mmap places regions, given as its x86_64
    /// value: on a 32-bit target (armhf's 3 GiB user space) the same bits 16 places lower.
    pub(super) const fn user_address(x86_64: u64) -> usize {
        (if usize::BITS == 64 { x86_64 } else { x86_64 >> 16 }) as usize
    }

    fn at(page: usize) -> usize {
        user_address(0x7e00_0000_0000) + page * PAGE_SIZE
    }

    /// A take whose unmap succeeds.
    fn unmap(t: &'static RegionTable, start: usize, pages: u32, owner: Owner) -> Result<()> {
        t.take(start, pages, owner).map(Taken::release)
    }

    /// The home slot of a start (the first chunk's slot its search starts at).
    fn home(start: usize) -> usize {
        (start >> 12).wrapping_mul((0x9E37_79B9_7F4A_7C15_u64 >> (64 - usize::BITS)) as usize) >> (usize::BITS - 6)
    }

    #[test]
    fn only_the_exact_region_of_its_owner_can_be_taken_once() {
        let t = table();
        let owner = Owner::gnttab(1);
        t.record(at(0), 4, owner).unwrap();
        assert_eq!(unmap(t, at(1), 4, owner), Err(Error::INVALID), "mid-region address");
        assert_eq!(unmap(t, at(0), 3, owner), Err(Error::INVALID), "wrong count");
        assert_eq!(unmap(t, at(0), 4, Owner::gnttab(2)), Err(Error::INVALID), "another handle");
        assert_eq!(unmap(t, at(0), 4, Owner::GNTSHR), Err(Error::INVALID), "a gntshr call");
        assert_eq!(unmap(t, at(0), 4, owner), Ok(()));
        assert_eq!(unmap(t, at(0), 4, owner), Err(Error::INVALID), "twice");
        assert!(t.live().is_empty());
    }

    #[test]
    fn a_new_region_at_a_stale_regions_start_replaces_it() {
        let t = table();
        let owner = Owner::gnttab(4);
        t.record(at(100), 2, Owner::GNTSHR).unwrap(); // then munmapped behind the library's back
        t.record(at(100), 1, owner).unwrap(); // the kernel hands the address out again
        assert_eq!(unmap(t, at(100), 2, Owner::GNTSHR), Err(Error::INVALID));
        assert_eq!(unmap(t, at(100), 1, owner), Ok(()));
        assert_eq!(unmap(t, at(100), 1, owner), Err(Error::INVALID));
    }

    /// Finding 1 of issue 18: a start recorded again must not leave an older entry behind at
    /// another slot. With linear probing and no tombstones, the old table put X beside Y (at
    /// Y's home slot), then, once Y was gone, put X's second recording at the home slot: X
    /// could be unshared twice, the second time munmapping whatever lived there then.
    #[test]
    fn a_start_recorded_again_after_its_neighbour_left_is_taken_once() {
        let t = table();
        let x = at(200);
        let y = (201..).map(at).find(|&y| home(y) == home(x)).unwrap();
        t.record(y, 1, Owner::GNTSHR).unwrap();
        t.record(x, 1, Owner::GNTSHR).unwrap(); // its home is taken: another slot
        // x munmapped behind the library's back; y unshared; the kernel hands x out again
        assert_eq!(unmap(t, y, 1, Owner::GNTSHR), Ok(()));
        t.record(x, 1, Owner::GNTSHR).unwrap();
        assert_eq!(unmap(t, x, 1, Owner::GNTSHR), Ok(()));
        assert_eq!(unmap(t, x, 1, Owner::GNTSHR), Err(Error::INVALID), "x unshared twice");
        assert!(t.live().is_empty());
    }

    /// Finding 1: a stale region that overlaps a newer one, from another start, is evicted:
    /// `unshare(X, 4)` after a direct munmap of X must not take down a region at X + 1 page.
    #[test]
    fn a_stale_region_overlapping_a_newer_one_cannot_be_taken() {
        let t = table();
        t.record(at(300), 4, Owner::GNTSHR).unwrap(); // then munmapped behind the library's back
        t.record(at(301), 1, Owner::GNTSHR).unwrap(); // the kernel hands its second page out
        assert_eq!(unmap(t, at(300), 4, Owner::GNTSHR), Err(Error::INVALID));
        t.record(at(310), 1, Owner::GNTSHR).unwrap(); // and a larger one over a smaller one
        t.record(at(308), 4, Owner::GNTSHR).unwrap();
        assert_eq!(unmap(t, at(310), 1, Owner::GNTSHR), Err(Error::INVALID));
        let mut live = t.live();
        live.sort();
        assert_eq!(live, vec![(at(301), 1, 0), (at(308), 4, 0)]);
    }

    /// Finding 1: a closed handle's regions do not keep their slots.
    #[test]
    fn a_closed_handles_regions_are_forgotten() {
        let t = table();
        for i in 0..100 {
            t.record(at(400 + 2 * i), 1, Owner::gnttab(10)).unwrap();
        }
        t.record(at(1000), 1, Owner::gnttab(11)).unwrap();
        t.record(at(1002), 1, Owner::GNTSHR).unwrap();
        t.forget(Owner::gnttab(10));
        let mut live = t.live();
        live.sort();
        assert_eq!(live, vec![(at(1000), 1, 11), (at(1002), 1, 0)]);
    }

    /// Findings 2 and 6: a take holds the region; dropping it (the kernel refused, or munmap
    /// failed) puts it back, and meanwhile no other take gets it.
    #[test]
    fn a_held_region_is_refused_to_others_and_put_back_when_dropped() {
        let t = table();
        let owner = Owner::gnttab(20);
        t.record(at(500), 2, owner).unwrap();
        let held = t.take(at(500), 2, owner).unwrap();
        assert_eq!(unmap(t, at(500), 2, owner), Err(Error::INVALID), "held by another call");
        drop(held);
        assert_eq!(unmap(t, at(500), 2, owner), Ok(()), "put back");
    }

    /// A held region that a newly recorded region overlaps is stale: dropped, not put back.
    #[test]
    fn a_held_stale_region_is_not_put_back() {
        let t = table();
        t.record(at(600), 4, Owner::GNTSHR).unwrap();
        let held = t.take(at(600), 4, Owner::GNTSHR).unwrap();
        t.record(at(602), 1, Owner::GNTSHR).unwrap();
        drop(held);
        assert_eq!(unmap(t, at(600), 4, Owner::GNTSHR), Err(Error::INVALID));
        assert_eq!(t.live(), vec![(at(602), 1, 0)]);
    }

    #[test]
    fn null_reserved_and_unaligned_addresses_are_never_recorded() {
        let t = table();
        for addr in [0, PAGE_SIZE, 2 * PAGE_SIZE - 1, at(0) + 0x10, usize::MAX] {
            assert_eq!(t.record(addr, 1, Owner::GNTSHR), Err(Error::INVALID), "{addr:#x}");
            assert_eq!(unmap(t, addr, 1, Owner::GNTSHR), Err(Error::INVALID), "{addr:#x}");
        }
        assert_eq!(t.record(at(0), 0, Owner::GNTSHR), Err(Error::INVALID), "no pages");
        assert!(t.live().is_empty());
    }

    #[test]
    fn the_table_grows_past_its_static_slots_and_reuses_them() {
        // Every record reads the live regions, so this is quadratic: under Miri (99 s at three
        // chunks) it grows into a second chunk only.
        let (regions, chunks) = if cfg!(miri) { (64 + 8, 2) } else { (3 * 64, 3) };
        let t = table();
        let owner = Owner::gnttab(3);
        for i in 0..regions {
            t.record(at(1000 + 2 * i), 1, owner).unwrap();
        }
        assert!(t.chunk_count() >= chunks);
        for i in (0..regions).rev() {
            assert_eq!(unmap(t, at(1000 + 2 * i), 1, owner), Ok(()));
        }
        let before = t.chunk_count();
        for i in 0..regions {
            t.record(at(5000 + i), 1, owner).unwrap();
            assert_eq!(unmap(t, at(5000 + i), 1, owner), Ok(()));
        }
        assert_eq!(t.chunk_count(), before, "freed slots are reused");
    }

    /// The thread tests' iterations: fewer under Miri, which interprets, and under valgrind
    /// (compat/check-memcheck sets XENGNTTAB_TESTS_UNDER_VALGRIND), which runs one thread at a
    /// time; the interleavings they look for stay.
    pub(super) fn iterations(full: usize) -> usize {
        if cfg!(miri) {
            full / 100
        } else if std::env::var_os("XENGNTTAB_TESTS_UNDER_VALGRIND").is_some() {
            full / 20
        } else {
            full
        }
    }

    #[test]
    fn threads_on_their_own_regions_never_lose_one() {
        let t = table();
        let workers: Vec<_> = (0..4u64)
            .map(|n| {
                std::thread::spawn(move || {
                    let owner = Owner::gnttab(100 + n);
                    for i in 0..iterations(20_000) {
                        let start = at(10_000 + n as usize * 8 + i % 8);
                        assert_eq!(t.record(start, 1, owner), Ok(()));
                        assert_eq!(unmap(t, start, 1, Owner::gnttab(999)), Err(Error::INVALID));
                        assert_eq!(unmap(t, start, 1, owner), Ok(()), "thread {n}, iteration {i}");
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        assert!(t.live().is_empty());
    }

    /// Threads racing for the same regions: each recording is taken exactly once.
    #[test]
    fn threads_racing_for_one_region_take_it_once() {
        let t = table();
        let rounds = iterations(2_000);
        let taken = std::sync::atomic::AtomicUsize::new(0);
        for round in 0..rounds {
            t.record(at(20_000), 1, Owner::GNTSHR).unwrap();
            std::thread::scope(|s| {
                for _ in 0..3 {
                    s.spawn(|| {
                        if unmap(t, at(20_000), 1, Owner::GNTSHR).is_ok() {
                            taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(taken.load(std::sync::atomic::Ordering::Relaxed), round + 1, "round {round}");
        }
    }

    /// A child forked while another thread is in the middle of table updates can still record
    /// and take regions (with a mutex, the child would block forever on a lock that thread
    /// held at the fork). Each child has 300 s before SIGALRM kills it (a generous bound: the
    /// test may run at idle priority beside the labs). 50 rounds: the mutex table hung in 20 of 30;
    /// under check-memcheck's valgrind a round takes about 6 s, so it runs 2 there.
    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot fork")]
    fn a_child_forked_during_updates_can_still_use_the_table() {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        static STOP: AtomicBool = AtomicBool::new(false);
        let t = table();
        let busy = std::thread::spawn(move || {
            let owner = Owner::gnttab(40);
            while !STOP.load(Relaxed) {
                let _ = t.record(at(30_000), 1, owner);
                let _ = unmap(t, at(30_000), 1, owner);
            }
        });
        let mut failures = Vec::new();
        for round in 0..iterations(50).max(2) {
            let mut pipe = [0; 2];
            // SAFETY: a pipe for the child's one-byte verdict (its exit status is valgrind's
            // under check-memcheck, so it cannot carry the verdict).
            assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0, "pipe");
            // SAFETY: the child only uses the lock-free table, alarm, write and _exit.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork");
            if pid == 0 {
                // SAFETY: plain syscalls in the child.
                unsafe { libc::alarm(300) };
                let owner = Owner::gnttab(50);
                let ok = t.record(at(40_000), 2, owner).is_ok()
                    && unmap(t, at(40_000), 2, owner).is_ok()
                    && unmap(t, at(40_000), 2, owner).is_err();
                // SAFETY: one byte from a live local; then leave without the parent's atexit
                // handlers.
                unsafe {
                    libc::write(pipe[1], [u8::from(ok)].as_ptr().cast(), 1);
                    libc::_exit(0);
                }
            }
            let mut verdict = [9u8];
            // SAFETY: our ends of the pipe; the child's write end is closed first so that a
            // hung child (killed by its alarm) reads as end of file.
            let got = unsafe {
                libc::close(pipe[1]);
                let got = libc::read(pipe[0], verdict.as_mut_ptr().cast(), 1);
                libc::close(pipe[0]);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
                got
            };
            if got != 1 || verdict[0] != 1 {
                failures.push((round, verdict[0]));
            }
        }
        STOP.store(true, Relaxed);
        busy.join().unwrap();
        assert!(failures.is_empty(), "children that failed (verdict 0) or hung (9), by round: {failures:?}");
    }
}

#[cfg(test)]
mod stress {
    use super::table::Table;
    use super::*;
    use crate::sys::PAGE_SIZE;
    use std::sync::Mutex;

    /// The kernel's address space, as far as this test is concerned: ranges of a small window,
    /// each handed to one caller at a time, and handed out again as soon as they are unmapped.
    struct Kernel(Mutex<Vec<bool>>);

    impl Kernel {
        const BASE: usize = super::tests::user_address(0x7d00_0000_0000);

        fn mmap(&self, pages: usize) -> usize {
            let mut used = self.0.lock().unwrap();
            let free = |at: &usize| used[*at..at + pages].iter().all(|u| !u);
            let at = (0..=used.len() - pages).rev().find(free).expect("window full");
            used[at..at + pages].iter_mut().for_each(|u| *u = true);
            Self::BASE + at * PAGE_SIZE
        }

        fn munmap(&self, start: usize, pages: usize) {
            let at = (start - Self::BASE) / PAGE_SIZE;
            self.0.lock().unwrap()[at..at + pages].iter_mut().for_each(|u| *u = false);
        }
    }

    /// 8 threads do what c-tests/threads does (share 1-3 pages, map them, unmap, unshare) on
    /// addresses the kernel hands out again at once: every unmap of a region a thread recorded
    /// succeeds. The first table refused a region whose home slot still held an older region at
    /// the same address, munmapped but not yet released (c-tests/threads in the lab: "unmap
    /// failed: Invalid argument"); the yields make that window wide.
    #[test]
    fn threads_whose_addresses_the_kernel_reuses_never_lose_a_region() {
        static TABLE_OF_THIS_TEST: Table<64, 10> = Table::new(); // a static: not a leak for Miri
        let t: &'static Table<64, 10> = &TABLE_OF_THIS_TEST;
        let kernel = Kernel(Mutex::new(vec![false; 96]));
        let iterations = super::tests::iterations(20_000).max(30);
        std::thread::scope(|s| {
            for n in 0..8u64 {
                let kernel = &kernel;
                s.spawn(move || {
                    let owner = Owner::gnttab(1 + n % 2);
                    for i in 0..iterations {
                        let pages = 1 + (i + n as usize) % 3;
                        let shared = kernel.mmap(pages);
                        t.record(shared, pages as u32, Owner::GNTSHR).unwrap();
                        let mapped = kernel.mmap(pages);
                        t.record(mapped, pages as u32, owner).unwrap();
                        for (start, owner) in [(mapped, owner), (shared, Owner::GNTSHR)] {
                            let munmap = || {
                                std::thread::yield_now();
                                kernel.munmap(start, pages);
                                std::thread::yield_now();
                                Ok(())
                            };
                            let unmapped = t.take_down(start, pages as u32, owner, munmap, || Error::INVALID);
                            assert_eq!(unmapped, Ok(()), "thread {n}, iteration {i}: {pages} pages at {start:#x}");
                        }
                    }
                });
            }
        });
        assert!(t.live().is_empty());
    }
}
