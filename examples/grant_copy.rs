//! Grant copy: the hypervisor copies between our buffers and a grant without mapping it, and
//! reports each segment on its own. Needs Xen: run it as root in dom0.

use xengnttab::{CopyBatch, ForeignGrant, GrantSharer, GrantStatus, GrantTable, UnmapNotify, Writable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dom0 = 0;
    let sharer = GrantSharer::open()?;
    let table = GrantTable::open()?;
    let shared = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    shared.write_from(0, b"abcdef")?;
    let page = ForeignGrant::new(dom0, shared.refs()[0]);

    let mut middle = [0u8; 3];
    let mut lost = [0u8; 1];
    let mut batch = CopyBatch::new();
    batch.copy_to_grant(b"XYZ", page.at_offset(100))?;
    batch.copy_from_grant(page.at_offset(2), &mut middle)?;
    // A ref beyond dom0's grant table fails alone; the other segments are still copied.
    batch.copy_from_grant(ForeignGrant::new(dom0, 99_999), &mut lost)?;
    let statuses = table.copy(batch)?;

    assert_eq!(statuses, [GrantStatus::Okay, GrantStatus::Okay, GrantStatus::BadGntref]);
    assert_eq!(shared.read_obj::<[u8; 3]>(100)?, *b"XYZ");
    assert_eq!(&middle, b"cde");

    // Segments from and into volatile slices: pages we share (never a &[u8]) and a local
    // buffer, with no copy through a buffer of ours.
    let other = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    other.write_from(0, b"from a volatile slice")?;
    let mut local = [0u64; 4];
    let local = xengnttab::VolatileSlice::from_mut_slice(&mut local);
    let mut batch = CopyBatch::new();
    batch.copy_volatile_to_grant(other.as_volatile_slice().subslice(0, 21)?, page.at_offset(200))?;
    batch.copy_grant_to_volatile(page.at_offset(100), other.as_volatile_slice().subslice(300, 3)?)?;
    batch.copy_grant_to_volatile(page.at_offset(0), local.subslice(0, 6)?)?;
    assert_eq!(table.copy(batch)?, [GrantStatus::Okay; 3]);
    assert_eq!(shared.read_obj::<[u8; 21]>(200)?, *b"from a volatile slice");
    assert_eq!(other.read_obj::<[u8; 3]>(300)?, *b"XYZ");
    assert_eq!(local.read_obj::<[u8; 6]>(0)?, *b"abcdef");
    println!("grant_copy: statuses {statuses:?}; bad ref: {}", statuses[2]);
    Ok(())
}
