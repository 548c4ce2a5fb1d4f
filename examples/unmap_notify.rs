//! Unmap notification: the kernel clears a byte the other side watches when a mapping or a
//! share goes away, even when the process dies. Needs Xen: run it as root in dom0.
//! (`examples/ring.rs` also sends an event with it, and waits for the peer's.)

use xengnttab::{Domains, GrantSharer, GrantTable, ReadOnly, UnmapNotify, Writable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dom0 = 0;
    let sharer = GrantSharer::open()?;
    let table = GrantTable::open()?;

    // The mapper asks for byte 0 to be cleared when it unmaps (the kernel clears it through
    // the mapping, so that must be writable).
    let shared = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    let mapped = table.map(Domains::Same(dom0.into()), shared.refs(), Writable, UnmapNotify::clear_byte(0))?;
    shared.write_obj(0, 1u8)?;
    assert_eq!(mapped.read_obj::<u8>(0)?, 1);
    drop(mapped);
    assert_eq!(shared.read_obj::<u8>(0)?, 0, "the mapper's unmap cleared byte 0");

    // The sharer asks for byte 100 to be cleared when it stops sharing.
    let shared = sharer.share(dom0, 1, Writable, UnmapNotify::clear_byte(100))?;
    let mapped = table.map_ref(dom0.into(), shared.refs()[0], ReadOnly)?;
    shared.write_obj(100, 1u8)?;
    assert_eq!(mapped.read_obj::<u8>(100)?, 1);
    sharer.close()?; // shared pages outlive the handle
    shared.unshare()?;
    assert_eq!(mapped.read_obj::<u8>(100)?, 0, "the sharer's unshare cleared byte 100");

    println!("unmap_notify: both sides saw the byte cleared");
    Ok(())
}
