//! Xen grant tables from Rust and C.
//!
//! A safe Rust API that needs no `unsafe` from its users, and under it (feature `capi`, which
//! the Makefile builds into `libxengnttab.so.1.2`) a drop-in replacement for Xen's
//! `libxengnttab.so.1`, the C ABI in the `capi` module:
//!
//! | to | use |
//! |---|---|
//! | share pages of this process with a domain | [`GrantSharer::share`] → [`SharedPages`] (refs + volatile access, unshared on drop) |
//! | map pages a domain granted | [`GrantTable::map`] / [`GrantTable::map_ref`] → [`GrantMapping`] (volatile access, written only if [`Writable`], unmapped on drop) |
//! | move mappings and ports into threads and tasks | [`GrantTable::map_owned`] → [`OwnedGrantMapping`], `EventChannels::bind_*_owned` → [`OwnedBoundPort`]: they hold an `Arc` of their handle, so they are `Send + 'static`; [`SharedPages`] are already |
//! | read and write shared bytes | `read_into`/`write_from`, `read_obj`/`write_obj` ([`ByteValued`] plain data), `load`/`store`/`fetch_add`/`swap`/`compare_exchange` ([`AtomicInteger`] at aligned offsets, no reference handed out) or `atomic` (an `&AtomicU32`), [`VolatileSlice`]; failures are [`MemoryError`] |
//! | wake the peer, wait for it | [`EventChannels`]: bind a port ([`BoundPort`], unbound on drop; also to a VIRQ), notify, wait with a timeout, reset the queue |
//! | wait for it in a tokio runtime (feature `tokio`) | `AsyncEventChannels`: `wait().await` / `next().await` / `poll_wait`, the port taken and unmasked, through the runtime's reactor (no thread of its own) |
//! | learn that the peer went away | [`UnmapNotify`]: a byte cleared and/or an event sent when a mapping or share goes away |
//! | copy to or from grants without mapping | [`CopyBatch`] (segments of byte slices or [`VolatileSlice`]s) + [`GrantTable::copy`] → one [`GrantStatus`] per segment |
//! | make a dma-buf of grants | [`GrantTable::export_dmabuf`] → [`ExportedDmabuf`] (owns the fd; [`close`](ExportedDmabuf::close) it, then [`ClosedExport::wait_released`] for the importers) |
//! | grant a dma-buf's pages | [`GrantTable::import_dmabuf`] → [`ImportedDmabuf`] (refs, released on drop) |
//! | use rust-vmm's vm-memory traits (feature `vm-memory`, 64-bit) | [`GrantMapping<Writable>`](GrantMapping) and [`SharedPages`] are `VolatileMemory` + `Bytes<usize>` (fd ↔ grant with `ReadVolatile`/`WriteVolatile`, no bounce buffer); `vmm::GrantMemory`, a `GuestMemory` of (domid, ref) lists of several domains, mapped lazily, errors instead of panics |
//! | handle failures | [`Error`]: the errno, its strerror text, [`std::io::Error`] conversions |
//!
//! [`GrantTable`] uses `/dev/xen/gntdev`, [`GrantSharer`] `/dev/xen/gntalloc`,
//! [`EventChannels`] `/dev/xen/evtchn`: they exist in a Xen domain with the `xen_gntdev`,
//! `xen_gntalloc` and `xen_evtchn` modules loaded, and usually need root. Elsewhere opening
//! them fails with ENOENT. Every system call and all `unsafe` code live in the private `sys`
//! module.
//!
//! # Memory model
//!
//! Shared and mapped pages are never `&[u8]` or `&mut [u8]`: the peer domain may write them at
//! any moment, which breaks the promises such references make to the compiler (see the
//! [`memory`] module). They are reached only through volatile copies and aligned atomics, in
//! the style of rust-vmm's `vm-memory`: a read may see a mix of old and new bytes while the
//! peer writes, never an invalid value; atomics with `Acquire`/`Release` order the data
//! between the two sides; every offset is checked. Read-only mappings have no write methods
//! (a compile-time check). Raw pointers (`as_ptr`) remain for zero-copy callers, who take on
//! the unsafety.
//!
//! A round trip within dom0, which grants pages to itself (`examples/share_map_roundtrip.rs`):
//!
//! ```no_run
#![doc = include_str!("../examples/share_map_roundtrip.rs")]
//! ```
//!
//! More in `examples/`: `map_batch.rs`, `unmap_notify.rs`, `grant_copy.rs`, `evtchn_ping.rs`,
//! `dmabuf_roundtrip.rs`, `owned_threads.rs` (owned mappings, shared pages and ports in threads),
//! `vmm_grants.rs` (feature `vm-memory`: rust-vmm's traits over grants),
//! and `ring.rs`, two programs (or domains) exchanging messages through a shared ring with
//! atomic indices, event-channel wake-ups and unmap notifications that report a dead peer
//! (with `--async` and feature `tokio`, waiting through `AsyncEventChannels`). The
//! `xengnt` command-line tool (`docs/xengnt.md`) is built on this API too.

#![deny(unsafe_op_in_unsafe_fn)]
// Without `capi`, what only the C API calls (raw-handle helpers, logger plumbing, the
// caller-array checks) is unused; the full build (`clippy --all-features -D warnings`) still
// reports dead code.
#![cfg_attr(not(feature = "capi"), allow(dead_code))]
#![warn(missing_docs)]

#[deny(unsafe_code)]
mod access;
// The C structs mirror include/xengnttab.h field by field; their documentation is upstream's.
// Under `--cfg loom` (compat/check-loom) only the region table is built, for its model tests:
// the C API needs the table as a static, and loom's atomics cannot be one.
#[allow(missing_docs)]
#[cfg(all(feature = "capi", not(loom)))]
pub mod capi;
#[deny(unsafe_code)]
mod copy;
#[deny(unsafe_code)]
mod device;
#[deny(unsafe_code)]
mod dmabuf;
#[deny(unsafe_code)]
mod error;
#[deny(unsafe_code)]
mod evtchn;
#[cfg(feature = "tokio")]
#[deny(unsafe_code)]
mod evtchn_async;
#[deny(unsafe_code)]
pub mod gntshr;
#[deny(unsafe_code)]
pub mod gnttab;
#[deny(unsafe_code)]
pub mod memory;
#[deny(unsafe_code)]
mod notify;
#[cfg(loom)]
#[path = "capi/regions/table.rs"]
mod region_table;
mod sys;
#[cfg(all(feature = "vm-memory", target_pointer_width = "64"))]
#[deny(unsafe_code)]
pub mod vmm;

pub use access::{Access, ReadOnly, Writable};
pub use copy::{CopyBatch, ForeignGrant, GrantStatus};
pub use dmabuf::{ClosedExport, DmabufMemory, DmabufRelease, ExportedDmabuf, ImportedDmabuf};
pub use error::{Error, Result};
pub use evtchn::{BoundPort, BoundPortOf, ChannelsHandle, EventChannels, OwnedBoundPort};
#[cfg(feature = "tokio")]
pub use evtchn_async::AsyncEventChannels;
pub use gntshr::{GrantSharer, SharedPages};
pub use gnttab::{Domains, GrantMapping, GrantMappingOf, GrantTable, MaxGrants, OwnedGrantMapping, TableHandle};
pub use memory::MemoryError;
pub use notify::UnmapNotify;
pub use sys::volatile::{AtomicInteger, ByteValued, VolatileSlice};
