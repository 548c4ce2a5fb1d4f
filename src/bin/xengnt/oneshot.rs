//! The one-shot subcommands: share, map, copy.

use crate::cli::PAGE;
use crate::devices;
use crate::failure::{Failure, failed};
use crate::text;
use std::io::{self, Read};
use xengnttab::{
    Access, CopyBatch, Domains, ForeignGrant, GrantSharer, GrantStatus, GrantTable, ReadOnly, SharedPages, UnmapNotify,
    VolatileSlice, Writable,
};

pub fn share(
    domid: u16,
    pages: usize,
    read_only: bool,
    text: Option<&str>,
    notify: UnmapNotify,
) -> Result<(), Failure> {
    let sharer = GrantSharer::open();
    let sharer = devices::sharer(&sharer)?;
    let shared = if read_only {
        sharer.share(domid, pages, ReadOnly, notify)
    } else {
        sharer.share(domid, pages, Writable, notify)
    };
    let shared: SharedPages = shared.map_err(|e| failed!("sharing {pages} page(s) with domain {domid}: {e}"))?;
    if let Some(text) = text {
        shared.write_from(0, text.as_bytes()).map_err(|e| failed!("--text: {e}"))?;
    }
    let refs: Vec<String> = shared.refs().iter().map(u32::to_string).collect();
    println!("refs {}", refs.join(" "));
    // Held until stdin ends, so the peer has time to map and write; its text is shown after.
    io::stdin().lock().read_to_end(&mut Vec::new()).map_err(|e| failed!("reading stdin: {e}"))?;
    let first = shared.as_volatile_slice().subslice(0, PAGE).map_err(|e| failed!("{e}"))?;
    println!("text: \"{}\"", text::read(&text::snapshot(first)));
    shared.unshare().map_err(|e| failed!("unsharing: {e}"))?;
    println!("unshared {pages} page(s)");
    Ok(())
}

pub fn map(domid: u16, refs: &[u32], read_only: bool, write: Option<&str>, notify: UnmapNotify) -> Result<(), Failure> {
    let table = GrantTable::open();
    let table = devices::table(&table)?;
    let map_failed = |e| failed!("mapping {} ref(s) of domain {domid}: {e}", refs.len());
    let domains = Domains::Same(domid.into());
    if read_only {
        let mapping = table.map(domains, refs, ReadOnly, notify).map_err(map_failed)?;
        print_pages(mapping.as_volatile_slice(), refs);
        unmap(mapping, refs)
    } else {
        let mapping = table.map(domains, refs, Writable, notify).map_err(map_failed)?;
        print_pages(mapping.as_volatile_slice(), refs);
        if let Some(text) = write {
            // The NUL first, then the text: a reader sees the old text or the new one whole.
            mapping
                .write_obj(text.len(), 0u8)
                .and_then(|()| mapping.write_from(0, text.as_bytes()))
                .map_err(|e| failed!("--write: {e}"))?;
            println!("wrote \"{}\" to page 0", text.escape_default());
        }
        unmap(mapping, refs)
    }
}

fn print_pages<A: Access>(pages: VolatileSlice<'_, A>, refs: &[u32]) {
    for (index, gref) in refs.iter().enumerate() {
        let page = pages.subslice(index * PAGE, PAGE).map(text::snapshot).unwrap_or_default();
        println!("page {index} ref {gref}: \"{}\"", text::read(&page));
    }
}

fn unmap<A: Access>(mapping: xengnttab::GrantMapping<'_, A>, refs: &[u32]) -> Result<(), Failure> {
    mapping.unmap().map_err(|e| failed!("unmapping: {e}"))?;
    println!("unmapped {} page(s)", refs.len());
    Ok(())
}

/// `copy from`: prints `len` bytes of the grant as text.
pub fn copy_from(from: ForeignGrant, len: usize) -> Result<(), Failure> {
    let mut buffer = vec![0u8; len];
    let mut batch = CopyBatch::new();
    batch.copy_from_grant(from, &mut buffer).map_err(|e| failed!("copy segment: {e}"))?;
    run_copy(batch)?;
    println!("text: \"{}\"", text::read(&buffer));
    Ok(())
}

/// `copy to`: writes `text` into the grant.
pub fn copy_to(to: ForeignGrant, text: &str) -> Result<(), Failure> {
    let mut batch = CopyBatch::new();
    batch.copy_to_grant(text.as_bytes(), to).map_err(|e| failed!("copy segment: {e}"))?;
    run_copy(batch)
}

fn run_copy(batch: CopyBatch<'_>) -> Result<(), Failure> {
    let table = GrantTable::open();
    let statuses = devices::table(&table)?.copy(batch).map_err(|e| failed!("grant copy: {e}"))?;
    let status = statuses.first().copied().unwrap_or(GrantStatus::GeneralError);
    println!("status: {status}");
    status.result().map_err(|status| failed!("grant copy: {status}"))
}
