//! Unmap notification: what the kernel does for the other side when our mapping goes away.

use crate::device::Device;
use crate::error::Result;
use crate::sys::gntdev::{self, UNMAP_NOTIFY_CLEAR_BYTE, UNMAP_NOTIFY_SEND_EVENT};
use crate::sys::mman::Mapping;
use std::ffi::CStr;

/// What the kernel does for the other side when our mapping or share goes away, even when
/// the process dies: a byte of the page cleared to 0 and/or an event channel signalled.
/// The peer watches the byte (or waits for the event) to learn that we are gone.
///
/// ```
/// use xengnttab::UnmapNotify;
/// let both = UnmapNotify::clear_byte(0).and_send_event(5);
/// assert_eq!((both.offset, both.port), (0, 5));
/// assert_eq!(UnmapNotify::default(), UnmapNotify::NONE);
/// ```
///
/// On real Xen:
///
/// ```no_run
#[doc = include_str!("../examples/unmap_notify.rs")]
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnmapNotify {
    /// Byte offset in the mapping cleared to 0 on unmap; offsets outside the mapping (e.g.
    /// -1) are ignored, as upstream does.
    pub offset: u32,
    /// Event channel (bound in this domain) signalled on unmap; `u32::MAX` for none.
    pub port: u32,
}

impl UnmapNotify {
    /// No notification.
    pub const NONE: UnmapNotify = UnmapNotify { offset: u32::MAX, port: u32::MAX };

    /// Clear the byte at `offset` (from the start of the mapping) to 0. On a
    /// [`GrantTable::map`](crate::GrantTable::map) the mapping must be
    /// [`Writable`](crate::Writable): the kernel clears the byte through it, and refuses a
    /// read-only one (EINVAL). Shared pages are always writable on our side.
    pub const fn clear_byte(offset: u32) -> Self {
        UnmapNotify { offset, port: u32::MAX }
    }

    /// Signal event channel `port`, bound in this domain (by any process, e.g. with
    /// [`EventChannels`](crate::EventChannels) or libxenevtchn); the peer bound to its other
    /// end gets the event. `examples/ring.rs` uses both.
    pub const fn send_event(port: u32) -> Self {
        UnmapNotify { offset: u32::MAX, port }
    }

    /// This notification, and also signal `port`.
    pub const fn and_send_event(self, port: u32) -> Self {
        UnmapNotify { port, ..self }
    }

    /// The SET_UNMAP_NOTIFY (byte index, action) for a mapping at `index` of `len` bytes,
    /// or None when nothing is requested.
    fn request(self, index: u64, len: usize) -> Option<(u64, u32)> {
        let mut target = index;
        let mut action = 0;
        if (self.offset as usize) < len {
            target += u64::from(self.offset);
            action |= UNMAP_NOTIFY_CLEAR_BYTE;
        }
        if self.port != u32::MAX {
            action |= UNMAP_NOTIFY_SEND_EVENT;
        }
        (action != 0).then_some((target, action))
    }

    /// Arms the notification on `map` (at `index` in the device's offset space), with the
    /// same ioctl on gntdev and gntalloc. On failure the error is logged under `context`
    /// and the mapping is unmapped.
    pub(crate) fn arm(self, dev: &Device, context: &CStr, map: Mapping, index: u64) -> Result<Mapping> {
        let Some((target, action)) = self.request(index, map.len()) else {
            return Ok(map);
        };
        match gntdev::set_unmap_notify(dev.fd(), target, action, self.port) {
            Ok(()) => Ok(map),
            Err(e) => {
                dev.log(context, c"ioctl SET_UNMAP_NOTIFY failed", e);
                drop(map);
                Err(e)
            }
        }
    }
}

impl Default for UnmapNotify {
    fn default() -> Self {
        UnmapNotify::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_offset_inside_the_mapping_clears_a_byte_relative_to_the_index() {
        let n = UnmapNotify { offset: 20, port: u32::MAX };
        assert_eq!(n.request(0x5000, 4096), Some((0x5014, UNMAP_NOTIFY_CLEAR_BYTE)));
    }

    #[test]
    fn notify_offset_out_of_range_is_ignored_but_the_event_stays() {
        let n = UnmapNotify { offset: 4096, port: 7 };
        assert_eq!(n.request(0x5000, 4096), Some((0x5000, UNMAP_NOTIFY_SEND_EVENT)));
        assert_eq!(UnmapNotify { offset: u32::MAX, port: 0 }.request(0, 4096), Some((0, UNMAP_NOTIFY_SEND_EVENT)));
    }

    #[test]
    fn no_notify_means_no_ioctl() {
        assert_eq!(UnmapNotify::NONE.request(0, 4096), None);
    }

    #[test]
    fn the_last_byte_of_a_multi_page_map_is_in_range() {
        let n = UnmapNotify { offset: 2 * 4096 - 1, port: u32::MAX };
        assert_eq!(n.request(0, 2 * 4096), Some((8191, UNMAP_NOTIFY_CLEAR_BYTE)));
    }
}
