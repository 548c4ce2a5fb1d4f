//! A page the shell holds: one we share, or one we mapped, read-only or writable.

use xengnttab::{GrantMapping, ReadOnly, SharedPages, VolatileSlice, Writable};

pub enum Held<'t> {
    Shared { pages: SharedPages, peer_read_only: bool },
    MappedReadOnly(GrantMapping<'t, ReadOnly>),
    MappedWritable(GrantMapping<'t, Writable>),
}

/// A held page with what `show` prints about it.
pub struct Slot<'t> {
    pub number: u32,
    pub domid: u16,
    pub gref: u32,
    pub held: Held<'t>,
}

impl Slot<'_> {
    /// The page, to read (volatile copies: the peer may write it at any time).
    pub fn memory(&self) -> VolatileSlice<'_, ReadOnly> {
        match &self.held {
            Held::Shared { pages, .. } => pages.as_volatile_slice().read_only(),
            Held::MappedReadOnly(map) => map.as_volatile_slice(),
            Held::MappedWritable(map) => map.as_volatile_slice().read_only(),
        }
    }

    /// The page, if we may write it: our shared pages always, mappings only when writable.
    pub fn writable(&self) -> Option<VolatileSlice<'_, Writable>> {
        match &self.held {
            Held::Shared { pages, .. } => Some(pages.as_volatile_slice()),
            Held::MappedReadOnly(_) => None,
            Held::MappedWritable(map) => Some(map.as_volatile_slice()),
        }
    }

    pub fn address(&self) -> usize {
        self.memory().as_ptr() as usize
    }

    pub fn is_shared(&self) -> bool {
        matches!(self.held, Held::Shared { .. })
    }

    /// e.g. `shared ref 8 with domain 0 (peer rw)`, `mapped ref 8 of domain 0 (ro)`.
    pub fn describe(&self) -> String {
        let (kind, preposition, access) = match &self.held {
            Held::Shared { peer_read_only, .. } => {
                ("shared", "with", if *peer_read_only { "peer ro" } else { "peer rw" })
            }
            Held::MappedReadOnly(_) => ("mapped", "of", "ro"),
            Held::MappedWritable(_) => ("mapped", "of", "rw"),
        };
        format!("{kind} ref {} {preposition} domain {} ({access}) at {:#x}", self.gref, self.domid, self.address())
    }

    /// Unshares or unmaps now, reporting what drop would ignore.
    pub fn release(self) -> xengnttab::Result<()> {
        match self.held {
            Held::Shared { pages, .. } => pages.unshare(),
            Held::MappedReadOnly(map) => map.unmap(),
            Held::MappedWritable(map) => map.unmap(),
        }
    }
}
