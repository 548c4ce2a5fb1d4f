//! The lock-free table of the regions the C API handed out (`regions.rs` says what it
//! guarantees). Generic over the slots per chunk and the width of the generation so that loom
//! can check the protocol on a table of 4 slots whose generation wraps after one or two
//! claims; the C library's table is `Table<64, 10>`.
//!
//! Each chunk has a `used` bitmap, and each slot a word, `start | flags | generation`, plus the
//! region's page count and owner:
//!
//! | bit | word | state | who may change the slot |
//! |---|---|---|---|
//! | clear | start 0 | free | anyone: setting the bit claims it |
//! | set | start 0 | being recorded, or being freed | its holder alone |
//! | set | a region's start | live | anyone: CAS of the word to `start \| TAKING` |
//! | set | `start \| TAKING` | being taken | its taker alone; a recorder may add EVICTED |
//!
//! Pages and owner are written only by the recorder holding the slot and published by the
//! Release store of the live word, so after an Acquire load of a live word they describe that
//! word's recording, unless the slot was taken and recorded again at the same start meanwhile
//! and the generation wrapped back to the same value. Every decision that changes a slot is
//! therefore made while holding it, on the values it then really holds: a wrapped generation
//! costs a retry, never a wrong take. The generation changes on every recording, put-back and
//! release, so a thread holding an old word fails its CAS.
//!
//! The scans (for regions a new one overlaps, for a region away from its home slot) read only
//! the slots whose bit is set, so they cost one read per live region; a record into an empty
//! table reads the first chunk's bitmap and link and claims its home slot.

use crate::error::{Error, Result};
use crate::sys::PAGE_SIZE;
use crate::sys::chain::{NextChunk, Zeroable};

#[cfg(loom)]
use loom::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};

/// Who may take a region down: the gnttab handle (its device id) that mapped it, or any
/// gntshr call (upstream's unshare ignores its handle, and callers may unshare after closing
/// it). Device ids start at 1, so 0 is free for gntshr.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Owner(u64);

impl Owner {
    pub(crate) const GNTSHR: Owner = Owner(0);

    pub(crate) const fn gnttab(device_id: u64) -> Owner {
        Owner(device_id)
    }
}

/// The low bits of a slot word (regions are page-aligned): flags and the generation.
const LOW: usize = PAGE_SIZE - 1;
/// Set while a taker holds the slot.
const TAKING: usize = 1 << 11;
/// Set on a slot being taken when a newly recorded region overlaps it: it is not put back.
const EVICTED: usize = 1 << 10;

pub(crate) struct Table<const SLOTS: usize, const GEN_BITS: u32> {
    first: Chunk<SLOTS>,
}

struct Slot {
    word: AtomicUsize,
    pages: AtomicU32,
    owner: AtomicU64,
}

struct Chunk<const SLOTS: usize> {
    /// Bit i: slot i is in use (being recorded, live, being taken or being freed). Setting it
    /// claims the slot; only its holder clears it.
    used: AtomicU64,
    slots: [Slot; SLOTS],
    next: NextChunk<Chunk<SLOTS>>,
}

// SAFETY: atomics and a NULL link: all-zero is an empty chunk.
unsafe impl<const SLOTS: usize> Zeroable for Chunk<SLOTS> {}

#[cfg(not(loom))]
impl<const SLOTS: usize, const GEN_BITS: u32> Table<SLOTS, GEN_BITS> {
    pub(crate) const fn new() -> Self {
        const { assert!(SLOTS.is_power_of_two() && SLOTS <= 64 && GEN_BITS >= 1 && GEN_BITS <= 10) };
        Table {
            first: Chunk {
                used: AtomicU64::new(0),
                slots: [const { Slot { word: AtomicUsize::new(0), pages: AtomicU32::new(0), owner: AtomicU64::new(0) } };
                    SLOTS],
                next: NextChunk::new(),
            },
        }
    }
}

#[cfg(loom)]
impl<const SLOTS: usize> crate::sys::chain::Fresh for Chunk<SLOTS> {
    fn fresh() -> Self {
        let slot = |_| Slot { word: AtomicUsize::new(0), pages: AtomicU32::new(0), owner: AtomicU64::new(0) };
        Chunk { used: AtomicU64::new(0), slots: std::array::from_fn(slot), next: NextChunk::new() }
    }
}

#[cfg(loom)]
impl<const SLOTS: usize, const GEN_BITS: u32> Table<SLOTS, GEN_BITS> {
    pub(crate) fn new() -> Self {
        const { assert!(SLOTS.is_power_of_two() && SLOTS <= 64 && GEN_BITS >= 1 && GEN_BITS <= 10) };
        Table { first: crate::sys::chain::Fresh::fresh() }
    }
}

/// A region taken out of the table and held by its taker until it is unmapped:
/// [`release`](Self::release) then. Dropped instead (the unmap failed, or the kernel refused
/// it), it is put back as it was, unless a region recorded meanwhile overlaps it.
#[must_use]
pub(crate) struct Taken<'a, const SLOTS: usize, const GEN_BITS: u32> {
    chunk: &'a Chunk<SLOTS>,
    index: usize,
    /// The word as this taker set it: `start | TAKING | generation`.
    word: usize,
}

impl<const SLOTS: usize, const GEN_BITS: u32> Taken<'_, SLOTS, GEN_BITS> {
    /// The region is gone: the slot becomes free.
    #[inline(always)]
    pub(crate) fn release(self) {
        self.free();
        std::mem::forget(self);
    }

    #[inline(always)]
    fn free(&self) {
        // The word first, then the bit that lets a recorder claim the slot again. A swap, not
        // a store, though nothing reads what it returns: loom 0.7 lets a plain store fall
        // between the read and the write of another thread's compare-and-swap (here a recorder
        // adding EVICTED), which no hardware does (tokio-rs/loom#254); as a swap, the model
        // checks the code that runs. Same instruction count on x86 (xchg for mov).
        self.chunk.slot(self.index).word.swap(next_generation::<GEN_BITS>(self.word), Release);
        self.chunk.used.fetch_and(!(1 << self.index), Release);
    }
}

impl<const SLOTS: usize, const GEN_BITS: u32> Drop for Taken<'_, SLOTS, GEN_BITS> {
    /// Puts the region back, under a new generation; an EVICTED mark (only a recorder adds
    /// one) means a newer region overlaps it: it is stale, so it is freed instead.
    fn drop(&mut self) {
        let back = (self.word & !LOW) | next_generation::<GEN_BITS>(self.word);
        let word = &self.chunk.slot(self.index).word;
        if word.compare_exchange(self.word, back, Release, Relaxed).is_err() {
            self.free();
        }
    }
}

/// `word`'s generation plus one, wrapping within GEN_BITS (the start and flags cleared).
#[inline(always)]
fn next_generation<const GEN_BITS: u32>(word: usize) -> usize {
    word.wrapping_add(1) & ((1 << GEN_BITS) - 1)
}

/// What a take found in one slot.
enum Attempt<'a, const SLOTS: usize, const GEN_BITS: u32> {
    Taken(Taken<'a, SLOTS, GEN_BITS>),
    /// The live region at this start is not the caller's (size or owner).
    Refused,
    /// Not in this slot.
    Elsewhere,
}

/// Whether `start` can be a region's start: page-aligned and above page 1, in one compare.
/// Subtracting two pages takes pages 0 and 1 to the top two pages; rotating the page offset
/// into the high bits takes every unaligned address above every aligned one (issue 12: 3
/// instructions fewer per map than the two tests).
#[inline(always)]
fn recordable(start: usize) -> bool {
    start.wrapping_sub(2 * PAGE_SIZE).rotate_right(LOW.count_ones()) <= (usize::MAX >> LOW.count_ones()) - 2
}

/// The end of `pages` pages from `start`, saturated (a region the kernel returned never wraps).
fn end_of(start: usize, pages: u32) -> usize {
    start.saturating_add((pages as usize).saturating_mul(PAGE_SIZE))
}

/// The bits set in `used`, lowest first.
fn bits(mut used: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let i = used.trailing_zeros() as usize;
        used &= used.wrapping_sub(1);
        (i < 64).then_some(i)
    })
}

impl<const SLOTS: usize, const GEN_BITS: u32> Table<SLOTS, GEN_BITS> {
    /// Where a region's search starts in every chunk: Fibonacci hashing of its page number,
    /// so that with few live regions a record or take reads one slot.
    #[inline(always)]
    fn home(start: usize) -> usize {
        // 2^BITS / golden ratio: the top 32 bits of the 64-bit constant are the 32-bit one.
        const FIBONACCI: usize = (0x9E37_79B9_7F4A_7C15_u64 >> (64 - usize::BITS)) as usize;
        (start >> 12).wrapping_mul(FIBONACCI) >> (usize::BITS - SLOTS.trailing_zeros())
    }

    fn chunks(&'static self) -> impl Iterator<Item = &'static Chunk<SLOTS>> {
        std::iter::successors(Some(&self.first), |chunk| chunk.next.get())
    }

    /// Records a region just returned by a map or share, which only this library may then take
    /// down. The kernel handed its pages out just now, so any region still recorded that
    /// overlaps them was unmapped behind the library's back: it is evicted first. ENOMEM only
    /// if every slot is taken and no chunk can be added.
    #[inline(always)]
    pub(crate) fn record(&'static self, start: usize, pages: u32, owner: Owner) -> Result<()> {
        if !recordable(start) || pages == 0 {
            return Err(Error::INVALID); // mmap never returns these
        }
        // The common case, inline: no recorded region of the first chunk overlaps this one
        // (one compare for each region above it, two for one below), there is no second
        // chunk, and the home slot is free (issue 12).
        let end = start + pages as usize * PAGE_SIZE;
        let mut used = self.first.used.load(Acquire);
        while used != 0 {
            let slot = self.first.slot(used.trailing_zeros() as usize);
            used &= used - 1;
            let other = slot.word.load(Acquire) & !LOW;
            if other.wrapping_sub(1) < end - 1 && start < end_of(other, slot.pages.load(Relaxed)) {
                return self.record_searching(start, pages, owner);
            }
        }
        if self.first.next.get().is_none() && self.first.claim::<GEN_BITS>(Self::home(start), start, pages, owner) {
            return Ok(());
        }
        self.record_searching(start, pages, owner)
    }

    /// The rest of [`record`](Self::record): evict what the region overlaps, then take the first
    /// free slot from its home, chunk after chunk, growing the table.
    #[cold]
    #[inline(never)]
    fn record_searching(&'static self, start: usize, pages: u32, owner: Owner) -> Result<()> {
        let end = end_of(start, pages);
        for chunk in self.chunks() {
            for i in bits(chunk.used.load(Acquire)) {
                chunk.evict_if_overlapping::<GEN_BITS>(i, start, end);
            }
        }
        let home = Self::home(start);
        let mut chunk = &self.first;
        loop {
            for i in (0..SLOTS).map(|k| (home + k) % SLOTS) {
                if chunk.used.load(Relaxed) & (1 << i) == 0 && chunk.claim::<GEN_BITS>(i, start, pages, owner) {
                    return Ok(());
                }
            }
            chunk = chunk.next.get_or_grow().ok_or(Error::NO_MEMORY)?;
        }
    }

    /// Takes `[start, start + pages)` out of the table if it is exactly one live region of
    /// `owner`'s, else EINVAL and the table is unchanged. The caller then takes the region down
    /// and releases the [`Taken`], or drops it to put the region back. (The C API goes through
    /// [`take_down`](Self::take_down); the tests hold regions with this.)
    #[cfg(test)]
    pub(crate) fn take(
        &'static self,
        start: usize,
        pages: u32,
        owner: Owner,
    ) -> Result<Taken<'static, SLOTS, GEN_BITS>> {
        // Free slots hold start 0. An unaligned start needs no check of its own: no slot's
        // start is unaligned, so the search refuses it (issue 12).
        if start <= PAGE_SIZE {
            return Err(Error::INVALID);
        }
        // With few live regions, a region is in the home slot of the first chunk (issue 12).
        match self.first.try_take(Self::home(start), start, pages, owner) {
            Attempt::Taken(taken) => Ok(taken),
            Attempt::Refused => Err(Error::INVALID),
            Attempt::Elsewhere => self.take_searching(start, pages, owner),
        }
    }

    /// Takes the region as [`take`](Self::take) does and runs `unmap`, which takes its pages
    /// down: once it returns Ok the region is released, and if it fails (nothing was unmapped)
    /// the region is put back. A region the table does not hold fails with the error `refused`
    /// gives (the C API's unmap asks the kernel, to keep upstream's errno). What the C API's
    /// unmap and unshare call: the held region never leaves registers.
    #[inline(always)]
    pub(crate) fn take_down<R>(
        &'static self,
        start: usize,
        pages: u32,
        owner: Owner,
        unmap: impl FnOnce() -> Result<R>,
        refused: impl FnOnce() -> Error,
    ) -> Result<R> {
        if start <= PAGE_SIZE {
            return Err(refused()); // free slots hold start 0
        }
        let taken = match self.first.try_take(Self::home(start), start, pages, owner) {
            Attempt::Taken(taken) => taken,
            Attempt::Refused => return Err(refused()),
            Attempt::Elsewhere => match self.take_searching(start, pages, owner) {
                Ok(taken) => taken,
                Err(_) => return Err(refused()),
            },
        };
        let unmapped = unmap();
        if unmapped.is_ok() {
            taken.release();
        } // else dropped: put back
        unmapped
    }

    /// The rest of [`take`](Self::take): every slot in use, chunk after chunk. A start is in at
    /// most one slot (recording it evicted any other), so the first slot holding it decides.
    #[cold]
    #[inline(never)]
    fn take_searching(
        &'static self,
        start: usize,
        pages: u32,
        owner: Owner,
    ) -> Result<Taken<'static, SLOTS, GEN_BITS>> {
        for chunk in self.chunks() {
            for i in bits(chunk.used.load(Acquire)) {
                match chunk.try_take(i, start, pages, owner) {
                    Attempt::Taken(taken) => return Ok(taken),
                    Attempt::Refused => return Err(Error::INVALID),
                    Attempt::Elsewhere => {}
                }
            }
        }
        Err(Error::INVALID)
    }

    /// Forgets every region of `owner` (a gnttab handle being closed: its mappings stay, but
    /// nothing can unmap them through the library any more, so their slots are freed).
    #[inline(always)]
    pub(crate) fn forget(&'static self, owner: Owner) {
        if self.first.used.load(Acquire) != 0 || self.first.next.get().is_some() {
            self.forget_searching(owner);
        }
    }

    #[cold]
    #[inline(never)]
    fn forget_searching(&'static self, owner: Owner) {
        for chunk in self.chunks() {
            for i in bits(chunk.used.load(Acquire)) {
                chunk.forget_if_owned::<GEN_BITS>(i, owner);
            }
        }
    }

    /// Live regions, for the tests: `(start, pages, owner code)`.
    #[cfg(test)]
    pub(crate) fn live(&'static self) -> Vec<(usize, u32, u64)> {
        let mut regions = Vec::new();
        for chunk in self.chunks() {
            for slot in &chunk.slots {
                let word = slot.word.load(Acquire);
                if word & !LOW != 0 {
                    regions.push((word & !LOW, slot.pages.load(Relaxed), slot.owner.load(Relaxed)));
                }
            }
        }
        regions
    }

    /// Every slot's word, for the model tests' failure messages.
    #[cfg(all(test, loom))]
    pub(crate) fn words(&'static self) -> Vec<usize> {
        self.chunks().flat_map(|chunk| chunk.slots.iter().map(|slot| slot.word.load(Acquire))).collect()
    }

    /// How many chunks the table has, for the tests.
    #[cfg(test)]
    pub(crate) fn chunk_count(&'static self) -> usize {
        self.chunks().count()
    }
}

impl<const SLOTS: usize> Chunk<SLOTS> {
    /// Slot `i`, for an index that is in range (a bit of `used`, a home, a held slot's): the
    /// mask costs one instruction and leaves the C library no bounds check to panic on
    /// (compat/check-no-panic).
    #[inline(always)]
    fn slot(&self, i: usize) -> &Slot {
        &self.slots[i & (SLOTS - 1)]
    }

    /// Puts the region in slot `i` if it is free: setting its bit claims it.
    #[inline(always)]
    fn claim<const GEN_BITS: u32>(&self, i: usize, start: usize, pages: u32, owner: Owner) -> bool {
        if self.used.fetch_or(1 << i, Acquire) & (1 << i) != 0 {
            return false;
        }
        // Ours: nobody else writes a free slot. Acquire above pairs with the Release of the
        // bit's last clearing, after the word was freed: this load sees the free word.
        let slot = self.slot(i);
        slot.owner.store(owner.0, Relaxed);
        slot.pages.store(pages, Relaxed);
        slot.word.store(start | next_generation::<GEN_BITS>(slot.word.load(Relaxed)), Release);
        true
    }

    /// Takes slot `i` if it holds exactly `start`, `pages` and `owner`. The slot is held
    /// before its size and owner are compared (they are only stable while it is held), so a
    /// take with a wrong size or owner holds a region for an instant, and a right one racing
    /// with it for that same region may be refused: two calls unmapping one region at once
    /// are a double unmap, of which at most one may succeed anyway.
    #[inline(always)]
    fn try_take<const GEN_BITS: u32>(
        &self,
        i: usize,
        start: usize,
        pages: u32,
        owner: Owner,
    ) -> Attempt<'_, SLOTS, GEN_BITS> {
        let slot = self.slot(i);
        let word = slot.word.load(Acquire);
        // A slot being taken at this start is never the caller's live region: it is that
        // region's own taker (a double unmap: the search finds nothing else and refuses), or an
        // older region at this address whose unmap is finishing while the kernel has already
        // handed the address out again, to the region the search will find in another slot.
        if word & (!LOW | TAKING) != start {
            return Attempt::Elsewhere;
        }
        if slot.word.compare_exchange(word, word | TAKING, Acquire, Relaxed).is_err() {
            return self.try_take_again(i, start, pages, owner);
        }
        let taken = Taken { chunk: self, index: i, word: word | TAKING };
        if slot.pages.load(Relaxed) == pages && slot.owner.load(Relaxed) == owner.0 {
            return Attempt::Taken(taken);
        }
        drop(taken); // put back: another region's size or owner
        Attempt::Refused
    }

    /// [`try_take`](Self::try_take) after its slot changed between the load and the CAS.
    #[cold]
    #[inline(never)]
    fn try_take_again<const GEN_BITS: u32>(
        &self,
        i: usize,
        start: usize,
        pages: u32,
        owner: Owner,
    ) -> Attempt<'_, SLOTS, GEN_BITS> {
        self.try_take(i, start, pages, owner)
    }

    /// Evicts slot `i`'s region if it overlaps `start..end` (it is stale: the kernel just handed
    /// those pages out again), or marks it EVICTED if a taker holds it.
    fn evict_if_overlapping<const GEN_BITS: u32>(&self, i: usize, start: usize, end: usize) {
        let slot = self.slot(i);
        loop {
            let word = slot.word.load(Acquire);
            let other = word & !LOW;
            // Not overlapping by what we read: right even if the slot changed after that load
            // (a region recorded since then is newer than our pages, so it cannot overlap them).
            if other == 0 || other >= end || end_of(other, slot.pages.load(Relaxed)) <= start {
                return;
            }
            if word & TAKING != 0 {
                if word & EVICTED != 0 || slot.word.compare_exchange(word, word | EVICTED, Relaxed, Relaxed).is_ok() {
                    return;
                }
                continue;
            }
            if slot.word.compare_exchange(word, word | TAKING, Acquire, Relaxed).is_err() {
                continue;
            }
            // Held: decide on what it holds now.
            let held = Taken::<SLOTS, GEN_BITS> { chunk: self, index: i, word: word | TAKING };
            if end_of(other, slot.pages.load(Relaxed)) > start {
                held.release();
            } // else dropped: put back
            return;
        }
    }

    /// Frees slot `i` if it holds a live region of `owner`.
    fn forget_if_owned<const GEN_BITS: u32>(&self, i: usize, owner: Owner) {
        let slot = self.slot(i);
        loop {
            let word = slot.word.load(Acquire);
            if word & !LOW == 0 || word & TAKING != 0 || slot.owner.load(Relaxed) != owner.0 {
                return;
            }
            if slot.word.compare_exchange(word, word | TAKING, Acquire, Relaxed).is_err() {
                continue;
            }
            let held = Taken::<SLOTS, GEN_BITS> { chunk: self, index: i, word: word | TAKING };
            if slot.owner.load(Relaxed) == owner.0 {
                held.release();
            }
            return;
        }
    }
}

/// Model checks of the protocol (compat/check-loom: `RUSTFLAGS="--cfg loom" cargo test --lib`):
/// loom runs each test under every interleaving of its threads' atomic operations, on a table
/// of 4 slots whose generation wraps after 2 (or 4) claims of a slot, so that a word can come
/// back to a value a thread read before.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::thread;

    const A: usize = 0x10_0000;
    const P: usize = PAGE_SIZE;

    fn table<const GEN_BITS: u32>() -> &'static Table<4, GEN_BITS> {
        Box::leak(Box::new(Table::new()))
    }

    fn unmap<const G: u32>(t: &'static Table<4, G>, start: usize, pages: u32, owner: Owner) -> bool {
        t.take(start, pages, owner).map(Taken::release).is_ok()
    }

    fn sorted<const G: u32>(t: &'static Table<4, G>) -> Vec<(usize, u32, u64)> {
        let mut live = t.live();
        live.sort();
        live
    }

    /// Two threads each record and take their own region: neither is lost or taken twice.
    #[test]
    fn records_and_takes_of_different_regions() {
        loom::model(|| {
            let t = table::<1>();
            let other = thread::spawn(move || {
                t.record(A + 8 * P, 1, Owner::gnttab(2)).unwrap();
                assert!(unmap(t, A + 8 * P, 1, Owner::gnttab(2)));
            });
            t.record(A, 2, Owner::gnttab(1)).unwrap();
            assert!(!unmap(t, A, 2, Owner::gnttab(2)), "another owner's take");
            assert!(unmap(t, A, 2, Owner::gnttab(1)));
            other.join().unwrap();
            assert!(t.live().is_empty());
        });
    }

    /// Two takes of one region: exactly one wins.
    #[test]
    fn a_region_is_taken_once() {
        loom::model(|| {
            let t = table::<1>();
            t.record(A, 1, Owner::GNTSHR).unwrap();
            let other = thread::spawn(move || unmap(t, A, 1, Owner::GNTSHR));
            let mine = unmap(t, A, 1, Owner::GNTSHR);
            assert!(mine ^ other.join().unwrap(), "exactly one take succeeds");
            assert!(t.live().is_empty());
        });
    }

    /// Finding 3 of issue 18: a take that read a 2-page region races with that region being
    /// taken and a 1-page region recorded at the same start in the same slot, whose word (the
    /// 1-bit generation wrapped) equals the one it read. It must not take the 1-page region.
    #[test]
    fn a_wrapped_generation_never_takes_another_recording() {
        loom::model(|| {
            let t = table::<1>();
            t.record(A, 2, Owner::GNTSHR).unwrap();
            let other = thread::spawn(move || {
                let took = unmap(t, A, 2, Owner::GNTSHR);
                if took {
                    t.record(A, 1, Owner::GNTSHR).unwrap(); // the kernel hands A out again
                }
                took
            });
            let mine = unmap(t, A, 2, Owner::GNTSHR);
            let theirs = other.join().unwrap();
            assert!(mine ^ theirs, "the 2-page region is taken exactly once");
            if theirs {
                assert_eq!(t.live(), vec![(A, 1, 0)], "the 1-page recording is still there");
            } else {
                assert!(t.live().is_empty());
            }
        });
    }

    /// A take held while another thread tries the same region, then put back (the kernel
    /// refused): the other gets it only after the put-back, and exactly one of the other
    /// thread and a final take succeeds.
    #[test]
    fn a_put_back_region_is_taken_once_afterwards() {
        loom::model(|| {
            let t = table::<2>();
            t.record(A, 1, Owner::gnttab(1)).unwrap();
            let other = thread::spawn(move || unmap(t, A, 1, Owner::gnttab(1)));
            if let Ok(held) = t.take(A, 1, Owner::gnttab(1)) {
                drop(held); // put back
            }
            let theirs = other.join().unwrap();
            let last = unmap(t, A, 1, Owner::gnttab(1));
            assert!(theirs ^ last);
        });
    }

    /// Re-recording at a stale start while another thread takes the stale region (a misuse
    /// racing with the record): afterwards exactly the new region is in the table.
    #[test]
    fn a_stale_start_recorded_again_leaves_only_the_new_region() {
        loom::model(|| {
            let t = table::<1>();
            t.record(A, 2, Owner::gnttab(1)).unwrap(); // then munmapped behind the library's back
            let other = thread::spawn(move || {
                let _ = unmap(t, A, 2, Owner::gnttab(1));
            });
            t.record(A, 1, Owner::gnttab(2)).unwrap();
            other.join().unwrap();
            assert_eq!(t.live(), vec![(A, 1, 2)], "words {:x?}", t.words());
            assert!(!unmap(t, A, 2, Owner::gnttab(1)));
            assert!(unmap(t, A, 1, Owner::gnttab(2)));
        });
    }

    /// A stale region held by a taker (the kernel will refuse it) while a new region is
    /// recorded over its second page: it is not put back.
    #[test]
    fn a_held_stale_region_overlapped_by_a_record_is_dropped() {
        loom::model(|| {
            let t = table::<1>();
            t.record(A, 4, Owner::GNTSHR).unwrap(); // then munmapped behind the library's back
            let other = thread::spawn(move || {
                if let Ok(held) = t.take(A, 4, Owner::GNTSHR) {
                    drop(held); // put back: the unmap failed
                }
            });
            t.record(A + P, 1, Owner::GNTSHR).unwrap();
            other.join().unwrap();
            assert_eq!(t.live(), vec![(A + P, 1, 0)]);
        });
    }

    /// A region unmapped while the kernel hands its address out again at once: the new
    /// region is recorded while the old one's slot (its home) is still being released, and the
    /// new one must be taken from its own slot (the first table refused it: c-tests/threads).
    #[test]
    fn a_new_region_at_an_address_still_being_released_is_taken() {
        loom::model(|| {
            use loom::sync::atomic::AtomicBool;
            let t = table::<1>();
            let munmapped: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
            t.record(A, 1, Owner::gnttab(1)).unwrap();
            let other = thread::spawn(move || {
                let munmap = || {
                    munmapped.store(true, Release);
                    Ok(())
                };
                assert_eq!(t.take_down(A, 1, Owner::gnttab(1), munmap, || Error::INVALID), Ok(()));
            });
            while !munmapped.load(Acquire) {
                thread::yield_now();
            }
            t.record(A, 1, Owner::gnttab(2)).unwrap(); // the kernel hands A out again
            assert_eq!(t.take_down(A, 1, Owner::gnttab(2), || Ok(()), || Error::INVALID), Ok(()));
            other.join().unwrap();
            assert!(t.live().is_empty(), "words {:x?}", t.words());
        });
    }

    /// Two threads growing the table at once: one chunk is added, both regions recorded.
    #[test]
    fn growth_into_a_second_chunk() {
        loom::model(|| {
            let t = table::<1>();
            for i in 0..3 {
                t.record(A + 2 * i * P, 1, Owner::GNTSHR).unwrap();
            }
            let other = thread::spawn(move || {
                t.record(A + 20 * P, 1, Owner::GNTSHR).unwrap();
                assert!(unmap(t, A + 20 * P, 1, Owner::GNTSHR));
            });
            t.record(A + 30 * P, 1, Owner::GNTSHR).unwrap();
            other.join().unwrap();
            assert!(t.chunk_count() <= 2);
            assert!(unmap(t, A + 30 * P, 1, Owner::GNTSHR));
            assert_eq!(sorted(t), vec![(A, 1, 0), (A + 2 * P, 1, 0), (A + 4 * P, 1, 0)]);
        });
    }

    /// Forgetting a closed handle's regions while another handle records and takes its own.
    #[test]
    fn forget_takes_only_the_owners_regions() {
        loom::model(|| {
            let t = table::<2>();
            t.record(A, 1, Owner::gnttab(1)).unwrap();
            let other = thread::spawn(move || {
                t.record(A + 4 * P, 1, Owner::gnttab(2)).unwrap();
                assert!(unmap(t, A + 4 * P, 1, Owner::gnttab(2)));
            });
            t.forget(Owner::gnttab(1));
            other.join().unwrap();
            assert!(t.live().is_empty());
        });
    }
}
