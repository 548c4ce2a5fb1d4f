//! Share a page with our own domain, map the grant back, and see each side's writes from the
//! other. Needs Xen: run it as root in dom0 (domain 0 grants to itself).

use xengnttab::{GrantSharer, GrantTable, UnmapNotify, Writable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dom0 = 0;
    let sharer = GrantSharer::open()?;
    let table = GrantTable::open()?;

    let mut shared = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    let gref = shared.refs()[0];
    let mut mapped = table.map_ref(dom0.into(), gref, Writable)?;

    shared[..5].copy_from_slice(b"hello");
    assert_eq!(&mapped[..5], b"hello", "the mapper sees the sharer's write");
    mapped[5..11].copy_from_slice(b" world");
    assert_eq!(&shared[..11], b"hello world", "the sharer sees the mapper's write");

    println!("share_map_roundtrip: ref {gref} reads {:?} on both sides", String::from_utf8_lossy(&shared[..11]));
    // Dropped in reverse order: `mapped` is unmapped, then `shared` unshared.
    Ok(())
}
