//! Share a page with our own domain, map the grant back, and see each side's writes from the
//! other: byte copies, a typed value and an atomic counter, all through volatile accesses (the
//! peer may write the page at any time, so it is never a `&[u8]`). Needs Xen: run it as root in
//! dom0 (domain 0 grants to itself).

use std::sync::atomic::{AtomicU32, Ordering};
use xengnttab::{GrantSharer, GrantTable, UnmapNotify, Writable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dom0 = 0;
    let sharer = GrantSharer::open()?;
    let table = GrantTable::open()?;

    let shared = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    let gref = shared.refs()[0];
    let mapped = table.map_ref(dom0.into(), gref, Writable)?;
    assert_eq!((shared.len(), mapped.len()), (4096, 4096));

    shared.write_from(0, b"hello")?;
    let mut text = [0u8; 11];
    mapped.read_into(0, &mut text[..5])?;
    assert_eq!(&text[..5], b"hello", "the mapper sees the sharer's write");
    mapped.write_from(5, b" world")?;
    shared.read_into(0, &mut text)?;
    assert_eq!(&text, b"hello world", "the sharer sees the mapper's write");

    // Plain-data values at any offset, atomics at aligned ones (indices, flags).
    mapped.write_obj(100, 0x1234_5678_u32)?;
    assert_eq!(shared.read_obj::<u32>(100)?, 0x1234_5678);
    let counter: &AtomicU32 = shared.atomic(128)?;
    counter.fetch_add(2, Ordering::AcqRel);
    assert_eq!(mapped.load::<AtomicU32>(128, Ordering::Acquire)?, 2);
    assert!(mapped.atomic::<AtomicU32>(130).is_err(), "misaligned atomics are refused");
    assert!(mapped.read_into(4090, &mut text).is_err(), "so are ranges past the end");

    // A part of the page for other code; raw pointers for zero-copy callers (unsafe to use).
    let tail = mapped.as_volatile_slice().subslice(2048, 2048)?;
    tail.write_obj(0, u64::MAX)?;
    assert_eq!(shared.read_obj::<u64>(2048)?, u64::MAX);
    assert!(!shared.as_ptr().is_null() && !mapped.as_mut_ptr().is_null() && !shared.is_empty());

    println!("share_map_roundtrip: ref {gref} reads {:?} on both sides", String::from_utf8_lossy(&text));
    // Dropped in reverse order: `mapped` is unmapped, then `shared` unshared.
    Ok(())
}
