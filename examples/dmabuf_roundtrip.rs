//! Make a dma-buf of pages dom0 shares with itself, import it again as grants (as a second
//! driver or process would), map those and see the shared bytes, then wait for the export's
//! release: held while imported, released once the importer let go. Needs Xen and a gntdev
//! built with `CONFIG_XEN_GNTDEV_DMABUF`, as root in dom0. Exporting needs a domain whose gntdev
//! does not edit page tables (Arm's dom0, x86 PVH or HVM); a PV dom0's refuses it with EINVAL.
//!
//! `dmabuf_roundtrip import <pages>` grants the dma-buf on its stdin to dom0 instead (e.g. a
//! vgem buffer, `c-tests/dmabuf/vgem-stdin`), maps it and prints the FNV-1a hash of its bytes.

use std::os::fd::AsFd;
use std::time::Duration;
use xengnttab::{DmabufMemory, DmabufRelease, Domains, GrantSharer, GrantTable, ReadOnly, UnmapNotify, Writable};

const DOM0: u16 = 0;
const PAGES: usize = 4;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = GrantTable::open()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => export_and_import_again(&table),
        [mode, pages] if mode == "import" => import_stdin(&table, pages.parse()?),
        _ => Err("usage: dmabuf_roundtrip [import <pages>]".into()),
    }
}

fn export_and_import_again(table: &GrantTable) -> Result<(), Box<dyn std::error::Error>> {
    let sharer = GrantSharer::open()?;
    let shared = sharer.share(DOM0, PAGES, Writable, UnmapNotify::NONE)?;
    let pattern: Vec<u8> = (0..PAGES * 4096).map(|i| (i * 7 + 3) as u8).collect();
    shared.write_from(0, &pattern)?;

    let exported = table.export_dmabuf(DOM0.into(), shared.refs(), DmabufMemory::default())?;
    println!("export: {PAGES} shared pages as a dma-buf");

    // The importer has its own fd of the buffer (sent over a socket, say): here a duplicate.
    let importer_fd = exported.as_fd().try_clone_to_owned()?;
    let import = table.import_dmabuf(DOM0.into(), importer_fd.as_fd(), PAGES)?;
    let mapped = table.map(Domains::Same(DOM0.into()), import.refs(), Writable, UnmapNotify::NONE)?;
    let mut seen = vec![0; PAGES * 4096];
    mapped.read_into(0, &mut seen)?;
    assert!(seen == pattern, "the imported grants show the shared pages");
    mapped.write_from(4096, b"written through the import")?;
    shared.read_into(4096, &mut seen[..26])?;
    assert_eq!(&seen[..26], b"written through the import", "and the shared pages see its writes");
    println!("import: {} refs map the shared bytes, writes seen both ways", import.refs().len());
    drop(mapped);

    let closed = exported.close()?;
    assert_eq!(closed.wait_released(Duration::from_millis(200))?, DmabufRelease::Held);
    println!("wait: held while imported (our fd closed)");
    import.release()?;
    drop(importer_fd);
    assert_eq!(closed.wait_released(Duration::from_secs(5))?, DmabufRelease::Released);
    println!("wait: released once the importer let go");
    Ok(())
}

fn import_stdin(table: &GrantTable, pages: usize) -> Result<(), Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let import = table.import_dmabuf(DOM0.into(), stdin.as_fd(), pages)?;
    let mapped = table.map(Domains::Same(DOM0.into()), import.refs(), ReadOnly, UnmapNotify::NONE)?;
    let mut bytes = vec![0; pages * 4096];
    mapped.read_into(0, &mut bytes)?;
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    println!("import: {pages} pages of stdin's dma-buf mapped, fnv1a64 {hash:016x}");
    drop(mapped);

    let refs = import.refs().to_vec();
    import.release()?;
    let again = table.map(Domains::Same(DOM0.into()), &refs, ReadOnly, UnmapNotify::NONE);
    assert!(again.is_err(), "released grants no longer map");
    println!("release: the {} refs no longer map", refs.len());
    Ok(())
}
