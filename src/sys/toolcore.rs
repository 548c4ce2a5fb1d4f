//! libxentoolcore's handle registry, so `xentoolcore_restrict_all` neuters our gnttab handles
//! exactly as upstream's (qemu's `-xen-domid-restrict` relies on it).

use std::cell::UnsafeCell;
use std::ffi::c_int;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// `Xentoolcore__Active_Handle` (xentoolcore_internal.h): a callback plus the intrusive
/// list entry `{ le_next, le_prev }` that libxentoolcore links under its own mutex.
#[repr(C)]
struct ActiveHandle {
    restrict_callback: unsafe extern "C" fn(*mut ActiveHandle, u16) -> c_int,
    le_next: *mut ActiveHandle,
    le_prev: *mut *mut ActiveHandle,
}

/// The registered entry; `active` first, so a pointer to it is a pointer to the whole.
#[repr(C)]
struct Entry {
    active: UnsafeCell<ActiveHandle>,
    fd: AtomicI32,
}

#[link(name = "xentoolcore")]
unsafe extern "C" {
    fn xentoolcore__register_active_handle(ah: *mut ActiveHandle);
    fn xentoolcore__deregister_active_handle(ah: *mut ActiveHandle);
    fn xentoolcore__restrict_by_dup2_null(fd: c_int) -> c_int;
}

/// Restricting ignores the domid and dup2s /dev/null over the fd, as upstream's gnttab does.
unsafe extern "C" fn restrict(ah: *mut ActiveHandle, _domid: u16) -> c_int {
    // SAFETY: libxentoolcore passes back the pointer we registered, which is the start of a
    // live `Entry` (repr(C), `active` first) until we deregister it.
    let entry = unsafe { &*ah.cast::<Entry>() };
    // SAFETY: plain libxentoolcore call; it handles fd < 0 as a no-op.
    unsafe { xentoolcore__restrict_by_dup2_null(entry.fd.load(Ordering::Acquire)) }
}

/// A live registration; deregistered on drop. Boxed so its address never changes while
/// libxentoolcore's list points at it.
pub struct Registration(Box<Entry>);

// SAFETY: the list fields are only touched by libxentoolcore under its global mutex; the fd
// is atomic.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers with no fd yet (-1), as upstream does before opening the device, so a
    /// concurrent restrict sees a no-op rather than a half-built handle.
    pub fn register() -> Registration {
        let entry = Box::new(Entry {
            active: UnsafeCell::new(ActiveHandle {
                restrict_callback: restrict,
                le_next: std::ptr::null_mut(),
                le_prev: std::ptr::null_mut(),
            }),
            fd: AtomicI32::new(-1),
        });
        // SAFETY: the entry is boxed (stable address) and stays registered until Drop.
        unsafe { xentoolcore__register_active_handle(entry.active.get()) };
        Registration(entry)
    }

    pub fn set_fd(&self, fd: RawFd) {
        self.0.fd.store(fd, Ordering::Release);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered in `register`, deregistered exactly once here.
        unsafe { xentoolcore__deregister_active_handle(self.0.active.get()) }
    }
}
