//! The regions the C API handed out, so that unmap and unshare only ever take down a whole
//! region that this library mapped, and for unmap one of the calling handle's.
//!
//! Upstream trusts the caller's address: for an address in the middle of a mapping, another
//! handle's mapping, or a region unshared twice, it munmaps whatever lies there (the spec's
//! §3.2 and §4.4). We remember each region we return and refuse anything else with EINVAL
//! before any munmap.
//!
//! The table has no lock. Each slot is one atomic word, `start | generation` (regions are
//! page-aligned, so the low 12 bits are free), plus the region's page count and owner. A slot
//! is claimed, published and taken with compare-and-swap on that word, and the generation
//! changes with every claim, so a take that read a slot's owner and count can only succeed
//! if the slot still holds that same region. Threads never wait for each other, and a child
//! forked while another thread was half-way through an update finds nothing held: at worst
//! one slot stays reserved in the child. A region's search starts at a slot hashed from its
//! address, so with few live regions recording and taking read one slot each; only a refused
//! address reads them all. The first 64 slots are static; more come in zeroed chunks that are
//! never freed.

use crate::error::{Error, Result};
use crate::sys::PAGE_SIZE;
use crate::sys::chain::{NextChunk, Zeroable};
use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};

/// Who may take a region down: the gnttab handle (its device id) that mapped it, or any
/// gntshr call (upstream's unshare ignores its handle, and callers may unshare after closing
/// it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owner {
    Gnttab(u64),
    Gntshr,
}

impl Owner {
    /// Device ids start at 1, so 0 is free for gntshr.
    fn code(self) -> u64 {
        match self {
            Owner::Gnttab(id) => id,
            Owner::Gntshr => 0,
        }
    }
}

/// The generation bits of a slot word.
const GENERATION: usize = PAGE_SIZE - 1;
/// The start of a slot claimed but not yet published (page 1 is never mapped).
const RESERVED: usize = PAGE_SIZE;
const SLOTS: usize = 64;

struct Slot {
    /// `start | generation`; start 0 is a free slot, RESERVED a claimed one.
    word: AtomicUsize,
    owner: AtomicU64,
    pages: AtomicU32,
}

struct Chunk {
    slots: [Slot; SLOTS],
    next: NextChunk<Chunk>,
}

// SAFETY: atomics and a NULL link: all-zero is an empty chunk.
unsafe impl Zeroable for Chunk {}

static FIRST: Chunk = Chunk {
    slots: [const { Slot { word: AtomicUsize::new(0), owner: AtomicU64::new(0), pages: AtomicU32::new(0) } }; SLOTS],
    next: NextChunk::new(),
};

#[cfg(test)]
fn chunks() -> impl Iterator<Item = &'static Chunk> {
    std::iter::successors(Some(&FIRST), |chunk| chunk.next.get())
}

fn start_of(word: usize) -> usize {
    word & !GENERATION
}

/// Where a region's search starts in every chunk: Fibonacci hashing of its page number, so
/// that with few live regions a lookup reads one slot.
fn home(start: usize) -> usize {
    (start >> 12).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - SLOTS.trailing_zeros())
}

/// Whether `start` can be a region's start: page-aligned and above RESERVED, in one compare.
/// Subtracting two pages takes 0 and RESERVED to the top two pages; rotating the page offset
/// into the high bits takes every unaligned address above every aligned one (issue 12: 3
/// instructions fewer per map than the two tests).
fn recordable(start: usize) -> bool {
    start.wrapping_sub(2 * PAGE_SIZE).rotate_right(GENERATION.count_ones())
        <= (usize::MAX >> GENERATION.count_ones()) - 2
}

/// The slots of `chunk` in search order for `start`.
fn probe(chunk: &'static Chunk, start: usize) -> impl Iterator<Item = &'static Slot> {
    let home = home(start);
    (0..SLOTS).map(move |i| &chunk.slots[(home + i) % SLOTS])
}

/// Records a region just returned by a map or share, which only this library may then take
/// down: the first free slot from its home, in the first chunk that has one. A slot on the way
/// holding the same start is stale (the kernel handed that address out again, so the caller
/// munmapped it behind our back) and is reused. ENOMEM only if every slot is taken and no
/// chunk can be added.
pub(crate) fn record(addr: *mut c_void, pages: u32, owner: Owner) -> Result<()> {
    let start = addr as usize;
    if !recordable(start) {
        return Err(Error::INVALID); // mmap never returns these
    }
    // With few live regions, the home slot of the first chunk is free: no search (issue 12).
    if claim(&FIRST.slots[home(start)], start, pages, owner) {
        return Ok(());
    }
    record_searching(start, pages, owner)
}

/// Puts the region in `slot` if it is free or holds a stale region at the same start.
#[inline(always)]
fn claim(slot: &Slot, start: usize, pages: u32, owner: Owner) -> bool {
    let word = slot.word.load(Relaxed);
    let other = start_of(word);
    if other != 0 && other != start {
        return false;
    }
    let generation = (word + 1) & GENERATION;
    if slot.word.compare_exchange(word, RESERVED | generation, Acquire, Relaxed).is_err() {
        return false;
    }
    slot.owner.store(owner.code(), Release);
    slot.pages.store(pages, Release);
    slot.word.store(start | generation, Release);
    true
}

/// The rest of [`record`]: every slot from its home, chunk after chunk, growing the table.
#[cold]
#[inline(never)]
fn record_searching(start: usize, pages: u32, owner: Owner) -> Result<()> {
    let mut chunk = &FIRST;
    loop {
        if probe(chunk, start).any(|slot| claim(slot, start, pages, owner)) {
            return Ok(());
        }
        chunk = chunk.next.get_or_grow().ok_or(Error::NO_MEMORY)?;
    }
}

/// Takes `[addr, addr + pages)` out of the table if it is exactly one region of `owner`'s,
/// else EINVAL and the table is unchanged. The caller then takes the region down.
pub(crate) fn take(addr: *mut c_void, pages: u32, owner: Owner) -> Result<()> {
    let start = addr as usize;
    // Free and claimed slots hold start 0 and RESERVED. An unaligned start needs no check of
    // its own: no slot's start (`start_of`, page-aligned) can equal it, so it is refused by the
    // search (issue 12: 5 instructions fewer per unmap).
    if start <= RESERVED {
        return Err(Error::INVALID);
    }
    // With few live regions, a region is in the home slot of the first chunk (issue 12).
    let slot = &FIRST.slots[home(start)];
    let word = slot.word.load(Acquire);
    if start_of(word) == start
        && slot.pages.load(Acquire) == pages
        && slot.owner.load(Acquire) == owner.code()
        && slot.word.compare_exchange(word, word & GENERATION, AcqRel, Relaxed).is_ok()
    {
        return Ok(());
    }
    take_searching(start, pages, owner)
}

/// The rest of [`take`]: every slot from its home, chunk after chunk (the home slot again,
/// in case it changed under the first look).
#[cold]
#[inline(never)]
fn take_searching(start: usize, pages: u32, owner: Owner) -> Result<()> {
    let mut chunk = &FIRST;
    loop {
        for slot in probe(chunk, start) {
            loop {
                let word = slot.word.load(Acquire);
                if start_of(word) != start {
                    break;
                }
                if slot.pages.load(Acquire) == pages && slot.owner.load(Acquire) == owner.code() {
                    if slot.word.compare_exchange(word, word & GENERATION, AcqRel, Relaxed).is_ok() {
                        return Ok(());
                    }
                } else if slot.word.load(Acquire) == word {
                    break; // really another region's owner or size
                }
                // The slot changed under us: look again.
            }
        }
        chunk = chunk.next.get().ok_or(Error::INVALID)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses far from anything real: the table is process-wide and other tests use it.
    fn at(page: usize) -> *mut c_void {
        ((0x7e00_0000_0000 + page * PAGE_SIZE) as *mut u8).cast()
    }

    fn record(addr: *mut c_void, pages: u32, owner: Owner) -> *mut c_void {
        super::record(addr, pages, owner).map_or(std::ptr::null_mut(), |()| addr)
    }

    #[test]
    fn only_the_exact_region_of_its_owner_can_be_taken_once() {
        let owner = Owner::Gnttab(1_000_001);
        record(at(0), 4, owner);
        assert_eq!(take(at(1), 4, owner), Err(Error::INVALID), "mid-region address");
        assert_eq!(take(at(0), 3, owner), Err(Error::INVALID), "wrong count");
        assert_eq!(take(at(0), 4, Owner::Gnttab(1_000_002)), Err(Error::INVALID), "another handle");
        assert_eq!(take(at(0), 4, Owner::Gntshr), Err(Error::INVALID), "a gntshr call");
        assert_eq!(take(at(0), 4, owner), Ok(()));
        assert_eq!(take(at(0), 4, owner), Err(Error::INVALID), "twice");
    }

    #[test]
    fn a_new_region_at_a_stale_regions_start_replaces_it() {
        let owner = Owner::Gnttab(1_000_004);
        record(at(100), 2, Owner::Gntshr); // then munmapped behind the library's back
        record(at(100), 1, owner); // the kernel hands the address out again
        assert_eq!(take(at(100), 2, Owner::Gntshr), Err(Error::INVALID));
        assert_eq!(take(at(100), 1, owner), Ok(()));
        assert_eq!(take(at(100), 1, owner), Err(Error::INVALID));
    }

    #[test]
    fn recordable_is_aligned_and_above_reserved() {
        for start in [0, 1, RESERVED - 1, RESERVED, RESERVED + 1, 2 * PAGE_SIZE - 1, 0x7e00_0000_0010, usize::MAX] {
            assert!(!recordable(start), "{start:#x}");
        }
        for start in [2 * PAGE_SIZE, 3 * PAGE_SIZE, 0x7e00_0000_0000, usize::MAX & !GENERATION] {
            assert!(recordable(start), "{start:#x}");
        }
        for start in (0..64 * PAGE_SIZE).step_by(97).chain((0..64).map(|p| p * PAGE_SIZE)) {
            assert_eq!(recordable(start), start > RESERVED && start & GENERATION == 0, "{start:#x}");
        }
    }

    #[test]
    fn null_reserved_and_unaligned_addresses_are_never_recorded() {
        for addr in [0, RESERVED, 0x7e00_0000_0010] {
            assert_eq!(super::record(addr as *mut c_void, 1, Owner::Gntshr), Err(Error::INVALID));
            assert_eq!(take(addr as *mut c_void, 1, Owner::Gntshr), Err(Error::INVALID));
        }
    }

    #[test]
    fn the_table_grows_past_its_static_slots_and_reuses_them() {
        let owner = Owner::Gnttab(1_000_003);
        let regions: Vec<_> = (0..3 * SLOTS).map(|i| record(at(1000 + 2 * i), 1, owner)).collect();
        assert!(chunks().count() >= 3);
        for &region in regions.iter().rev() {
            assert_eq!(take(region, 1, owner), Ok(()));
        }
        let before = chunks().count();
        for i in 0..3 * SLOTS {
            record(at(5000 + i), 1, owner);
            assert_eq!(take(at(5000 + i), 1, owner), Ok(()));
        }
        assert_eq!(chunks().count(), before, "freed slots are reused");
    }

    #[test]
    fn threads_on_their_own_regions_never_lose_one() {
        let workers: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    let owner = Owner::Gnttab(2_000_000 + t);
                    for i in 0..20_000 {
                        let addr = at(10_000 + t as usize * 8 + i % 8);
                        assert_eq!(record(addr, 1, owner), addr);
                        assert_eq!(take(addr, 1, Owner::Gnttab(3_000_000)), Err(Error::INVALID));
                        assert_eq!(take(addr, 1, owner), Ok(()), "thread {t}, iteration {i}");
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
    }

    /// A child forked while another thread is in the middle of table updates can still record
    /// and take regions (with a mutex, the child would block forever on a lock that thread
    /// held at the fork). Each child has 5 s before SIGALRM kills it. 50 rounds: the mutex
    /// table hung in 20 of 30, and under check-memcheck's valgrind a round takes about 1.5 s.
    #[test]
    fn a_child_forked_during_updates_can_still_use_the_table() {
        use std::sync::atomic::AtomicBool;
        static STOP: AtomicBool = AtomicBool::new(false);
        let busy = std::thread::spawn(|| {
            let owner = Owner::Gnttab(4_000_000);
            while !STOP.load(Relaxed) {
                record(at(20_000), 1, owner);
                let _ = take(at(20_000), 1, owner);
            }
        });
        let mut failures = Vec::new();
        for round in 0..50 {
            let mut pipe = [0; 2];
            // SAFETY: a pipe for the child's one-byte verdict (its exit status is valgrind's
            // under check-memcheck, so it cannot carry the verdict).
            assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0, "pipe");
            // SAFETY: the child only uses the lock-free table, alarm, write and _exit.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork");
            if pid == 0 {
                // SAFETY: plain syscalls in the child.
                unsafe { libc::alarm(5) };
                let owner = Owner::Gnttab(5_000_000);
                let ok = super::record(at(30_000), 2, owner).is_ok()
                    && take(at(30_000), 2, owner).is_ok()
                    && take(at(30_000), 2, owner).is_err();
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
