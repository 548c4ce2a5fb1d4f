//! Map several grants in one call: each ref with its own domain, or all from one domain;
//! read-only or writable. Needs Xen: run it as root in dom0 (domain 0 grants to itself).

use std::io::ErrorKind;
use xengnttab::{Domains, GrantSharer, GrantTable, ReadOnly, UnmapNotify, Writable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const PAGE: usize = 4096;
    let dom0 = 0;
    let sharer = GrantSharer::open()?;
    let table = GrantTable::open()?;
    // Linux's gntdev has no limit to raise: this reports MaxGrants::Unsupported.
    println!("map_batch: set_max_grants(16) -> {:?}", table.set_max_grants(16)?);

    let shared = sharer.share(dom0, 3, Writable, UnmapNotify::NONE)?;
    for (page, word) in [b"one", b"two", b"six"].into_iter().enumerate() {
        shared.write_from(page * PAGE, word)?;
    }
    let refs = shared.refs().to_vec();

    let domids = [u32::from(dom0); 3];
    let all = table.map(Domains::PerRef(&domids), &refs, ReadOnly, UnmapNotify::NONE)?;
    assert_eq!(all.pages(), 3);
    assert_eq!(all.read_obj::<[u8; 3]>(PAGE)?, *b"two");

    // The same frames again, two of them in reverse order, writable this time.
    let two = table.map(Domains::Same(dom0.into()), &[refs[2], refs[1]], Writable, UnmapNotify::NONE)?;
    assert_eq!(two.read_obj::<[u8; 3]>(0)?, *b"six");
    two.write_obj(PAGE, b'T')?;
    assert_eq!(shared.read_obj::<[u8; 3]>(PAGE)?, *b"Two");
    assert_eq!(all.read_obj::<[u8; 3]>(PAGE)?, *b"Two", "the read-only map sees the write too");
    two.unmap()?;
    all.unmap()?;

    let short = table.map(Domains::PerRef(&domids[..2]), &refs, ReadOnly, UnmapNotify::NONE);
    assert_eq!(short.unwrap_err().kind(), ErrorKind::InvalidInput, "domids must match the refs");
    table.close()?;
    println!("map_batch: 3 pages mapped with per-ref domids, 2 from one domain");
    Ok(())
}
