//! Fuzzes the argument validation of every exported C function, without Xen.
//!
//! Each input is two handle slots (NULL, a handle on /dev/null, or whatever `*_open` gives:
//! NULL without Xen) and a sequence of calls with fuzzer-chosen arguments. Arrays are either
//! NULL or real buffers as long as the count says: a caller lying about a buffer's size is
//! not something a C library can detect. Checked after every call:
//! - no panic, abort or crash (libFuzzer reports those; the C library itself is built with
//!   panic=abort and no panic path, compat/check-no-panic), and errno is never
//!   ENOTRECOVERABLE, which the library never sets;
//! - a failing call returns the C failure value (NULL or -1) with a non-zero errno that is
//!   EINVAL for a NULL handle, and EINVAL or ENOTTY (every ioctl on /dev/null) otherwise;
//! - nothing ever gets mapped, and a call that can succeed without a device returns exactly
//!   what upstream returns;
//! - no file descriptor outlives its input (memory leaks are LeakSanitizer's).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::ptr::null_mut;
use std::sync::OnceLock;
use xengnttab::capi::fuzzing::dev_null_handle;
use xengnttab::capi::gntshr::*;
use xengnttab::capi::gnttab::*;
use xengnttab::capi::{
    xengnttab_copy_foreign, xengnttab_copy_ptr, xengnttab_grant_copy_segment_t, xengnttab_handle, xentoollog_logger,
};
use xengnttab::gnttab::MAX_MAP_COUNT;

const PAGE: usize = 4096;
/// Longest real array handed to the library (covers 510/511, the stack/mmap split of
/// upstream's request buffer, and 4096-page requests). Longer counts come with NULL, or with
/// an unreadable reservation where the library must refuse the count before reading.
const LONGEST_REAL_ARRAY: u32 = 1 << 16;
/// Bytes of local buffer each copy segment may point into: any offset (u16) plus any
/// length (u16) stays inside it.
const COPY_BUFFER: usize = 2 << 16;

#[link(name = "xentoollog")]
#[allow(improper_ctypes)] // the logger is opaque here, only ever passed by pointer
unsafe extern "C" {
    fn xtl_createlogger_stdiostream(fh: *mut libc::FILE, min_level: c_int, flags: c_uint) -> *mut xentoollog_logger;
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum LoggerChoice {
    /// NULL: upstream's default, a stdio logger on stderr.
    Default,
    /// A libxentoollog stdio logger on /dev/null, as a daemon with its own logger has.
    QuietStdio,
    /// A caller-written logger: its callbacks check what the library logs.
    Checking,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum HandleChoice {
    Null,
    DevNull(LoggerChoice),
    /// `xengnttab_open`/`xengntshr_open`: NULL without Xen, so NULL-handle paths get fuzzed.
    Open {
        gntshr: bool,
        logger: LoggerChoice,
        open_flags: u32,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Count {
    Zero,
    Small(u8),
    /// 505..=516: around upstream's 510-ref stack buffer and 511/512.
    AroundPage(u8),
    PowerOfTwo(u8),
    PowerOfTwoLessOne(u8),
    /// MAX_MAP_COUNT ± 1, 2^31 ± 1, 2^32-1 (negative as gntshr's int count).
    Edge(u8),
    Any(u32),
}

impl Count {
    fn value(self) -> u32 {
        match self {
            Count::Zero => 0,
            Count::Small(n) => u32::from(n),
            Count::AroundPage(n) => 505 + u32::from(n % 12),
            Count::PowerOfTwo(n) => 1 << (n % 32),
            Count::PowerOfTwoLessOne(n) => (1u32 << (n % 32)).wrapping_sub(1),
            Count::Edge(n) => {
                let edges =
                    [MAX_MAP_COUNT - 1, MAX_MAP_COUNT, MAX_MAP_COUNT + 1, (1 << 31) - 1, 1 << 31, (1 << 31) + 1];
                edges.get(usize::from(n)).copied().unwrap_or(u32::MAX)
            }
            Count::Any(n) => n,
        }
    }
}

/// An array argument: NULL, or real elements (derived from a seed) as many as the count.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Array {
    Null,
    Real { seed: u32 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Address {
    Null,
    Any(u64),
    /// Inside memory this process owns, page-aligned or not.
    Owned(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum CopySide {
    Local { offset: u16 },
    LocalNull,
    Foreign { r#ref: u32, offset: u16, domid: u16 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Segment {
    source: CopySide,
    dest: CopySide,
    len: u16,
    flags: u16,
    status: i16,
}

#[derive(Arbitrary, Debug)]
enum Segments {
    Null(Count),
    Real(Vec<Segment>),
}

#[derive(Arbitrary, Debug)]
enum Call {
    Fd {
        slot: bool,
        gntshr: bool,
    },
    SetMaxGrants {
        slot: bool,
        count: Count,
    },
    MapGrantRef {
        slot: bool,
        domid: u32,
        r#ref: u32,
        prot: c_int,
    },
    MapGrantRefNotify {
        slot: bool,
        domid: u32,
        r#ref: u32,
        prot: c_int,
        notify_offset: u32,
        notify_port: u32,
    },
    MapGrantRefs {
        slot: bool,
        count: Count,
        domids: Array,
        refs: Array,
        prot: c_int,
    },
    MapDomainGrantRefs {
        slot: bool,
        count: Count,
        domid: u32,
        refs: Array,
        prot: c_int,
    },
    Unmap {
        slot: bool,
        address: Address,
        count: Count,
    },
    GrantCopy {
        slot: bool,
        segments: Segments,
    },
    DmabufExpFromRefs {
        slot: bool,
        domid: u32,
        flags: u32,
        count: Count,
        refs: Array,
        fd_out: bool,
    },
    DmabufExpWaitReleased {
        slot: bool,
        fd: u32,
        wait_to_ms: u32,
    },
    DmabufImpToRefs {
        slot: bool,
        domid: u32,
        fd: u32,
        count: Count,
        refs: Array,
    },
    DmabufImpRelease {
        slot: bool,
        fd: u32,
    },
    SharePages {
        slot: bool,
        domid: u32,
        count: Count,
        refs: Array,
        writable: c_int,
    },
    SharePageNotify {
        slot: bool,
        domid: u32,
        r#ref: bool,
        writable: c_int,
        notify_offset: u32,
        notify_port: u32,
    },
    /// Unshare needs no handle; nothing was shared, so every address must be refused.
    Unshare {
        slot: bool,
        address: Address,
        count: Count,
    },
    Close {
        slot: bool,
        gntshr: bool,
    },
    Reopen {
        slot: bool,
        handle: HandleChoice,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    handles: [HandleChoice; 2],
    calls: Vec<Call>,
}

/// What a handle slot holds, which decides the errno a failure may have.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Null,
    DevNull,
}

struct Slot {
    handle: *mut xengnttab_handle,
    kind: Kind,
}

fn set_errno(value: i32) {
    // SAFETY: this thread's errno is always addressable.
    unsafe { *libc::__errno_location() = value }
}

fn errno() -> i32 {
    // SAFETY: as above.
    unsafe { *libc::__errno_location() }
}

/// Runs `call` with errno cleared first; returns its result and the errno it left.
fn with_errno<T>(call: impl FnOnce() -> T) -> (T, i32) {
    set_errno(0);
    let result = call();
    (result, errno())
}

fn assert_not_a_caught_panic(name: &str, errno: i32) {
    assert_ne!(errno, libc::ENOTRECOVERABLE, "{name}: ENOTRECOVERABLE, which the library never sets");
}

fn assert_failure_errno(name: &str, kind: Kind, errno: i32) {
    assert_not_a_caught_panic(name, errno);
    let expected: &[i32] = match kind {
        Kind::Null => &[libc::EINVAL],
        Kind::DevNull => &[libc::EINVAL, libc::ENOTTY],
    };
    assert!(
        expected.contains(&errno),
        "{name} on a {kind:?} handle failed with errno {errno}, expected one of {expected:?}"
    );
}

/// Map and share calls: nothing can be mapped without a device, so they always fail.
fn check_pointer_failure(name: &str, kind: Kind, (result, errno): (*mut c_void, i32)) {
    assert!(result.is_null(), "{name} on a {kind:?} handle returned {result:?}");
    assert_failure_errno(name, kind, errno);
}

/// Calls returning int that cannot succeed without a device.
fn check_int_failure(name: &str, kind: Kind, (result, errno): (c_int, i32)) {
    assert_eq!(result, -1, "{name} on a {kind:?} handle");
    assert_failure_errno(name, kind, errno);
}

/// A caller's xentoollog logger (`struct xentoollog_logger`'s three callbacks) checking
/// every message: our contexts only, with the failing call's errno.
#[repr(C)]
struct CheckingLogger {
    vmessage: extern "C" fn(*mut CheckingLogger, c_int, c_int, *const c_char, *const c_char, *mut c_void),
    progress: extern "C" fn(*mut CheckingLogger, *const c_char, *const c_char, c_int, u64, u64),
    destroy: extern "C" fn(*mut CheckingLogger),
}

extern "C" fn checking_vmessage(
    _logger: *mut CheckingLogger,
    level: c_int,
    errnoval: c_int,
    context: *const c_char,
    format: *const c_char,
    _args: *mut c_void,
) {
    const XTL_ERROR: c_int = 8;
    // SAFETY: libxentoollog passes the library's NUL-terminated strings through.
    let (context, format) = unsafe { (CStr::from_ptr(context), CStr::from_ptr(format)) };
    assert!(context == c"gnttab" || context == c"gntshr", "logged under context {context:?}");
    assert_eq!(level, XTL_ERROR, "{format:?}");
    assert!(errnoval != 0 && errnoval != libc::ENOTRECOVERABLE, "{format:?} logged with errno {errnoval}");
}

extern "C" fn checking_progress(_: *mut CheckingLogger, _: *const c_char, _: *const c_char, _: c_int, _: u64, _: u64) {
    panic!("the library reported progress: it never does");
}

extern "C" fn checking_destroy(_: *mut CheckingLogger) {
    panic!("the library destroyed a caller's logger");
}

static mut CHECKING_LOGGER: CheckingLogger =
    CheckingLogger { vmessage: checking_vmessage, progress: checking_progress, destroy: checking_destroy };

/// One stdio logger on /dev/null for the whole run: loggers outlive every handle.
fn quiet_stdio_logger() -> *mut xentoollog_logger {
    struct Shared(*mut xentoollog_logger);
    // SAFETY: the logger is only ever used by the fuzzing thread.
    unsafe impl Send for Shared {}
    // SAFETY: as above.
    unsafe impl Sync for Shared {}
    static LOGGER: OnceLock<Shared> = OnceLock::new();
    LOGGER
        .get_or_init(|| {
            // SAFETY: plain libc/libxentoollog calls; the stream stays open for the process.
            let logger = unsafe {
                let dev_null = libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr());
                assert!(!dev_null.is_null(), "fopen /dev/null");
                xtl_createlogger_stdiostream(dev_null, 0, 0)
            };
            assert!(!logger.is_null(), "xtl_createlogger_stdiostream");
            Shared(logger)
        })
        .0
}

fn logger(choice: LoggerChoice) -> *mut xentoollog_logger {
    match choice {
        LoggerChoice::Default => null_mut(),
        LoggerChoice::QuietStdio => quiet_stdio_logger(),
        LoggerChoice::Checking => (&raw mut CHECKING_LOGGER).cast(),
    }
}

/// A PROT_NONE reservation as long as the longest array (2^32 u32s): passed where a count
/// must be refused before the array is read, so reading it would crash.
fn unreadable_array() -> *mut u32 {
    static RESERVATION: OnceLock<usize> = OnceLock::new();
    *RESERVATION.get_or_init(|| {
        let len = (u32::MAX as usize + 1) * size_of::<u32>();
        // SAFETY: a fresh anonymous mapping, never accessed.
        let addr = unsafe {
            libc::mmap(
                null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert_ne!(addr, libc::MAP_FAILED, "reserving the unreadable array");
        addr as usize
    }) as *mut u32
}

/// The elements of an array argument, when it is real and short enough to allocate.
fn elements(array: Array, count: u32) -> Option<Vec<u32>> {
    match array {
        Array::Real { seed } if count <= LONGEST_REAL_ARRAY => {
            Some((0..count).map(|i| seed.wrapping_mul(i.wrapping_add(1)).rotate_left(i % 32)).collect())
        }
        _ => None,
    }
}

/// The pointer for an array argument: the real elements, else the unreadable reservation
/// if the library must refuse `count` unread, else NULL.
fn array_pointer(array: Array, storage: &mut Option<Vec<u32>>, refused_unread: bool) -> *mut u32 {
    match (storage, array) {
        (Some(elements), _) => elements.as_mut_ptr(),
        (None, Array::Real { .. }) if refused_unread => unreadable_array(),
        (None, _) => null_mut(),
    }
}

/// Pages of fresh anonymous memory this process owns: addresses that are mapped, but not by
/// the library.
struct OwnedPages {
    addr: *mut c_void,
    len: usize,
}

impl OwnedPages {
    fn new(pages: usize) -> Self {
        let len = pages.max(1) * PAGE;
        // SAFETY: a fresh anonymous mapping.
        let addr = unsafe {
            libc::mmap(
                null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(addr, libc::MAP_FAILED, "mmap of owned pages");
        OwnedPages { addr, len }
    }
}

impl OwnedPages {
    fn address(&self, address: Address) -> *mut c_void {
        match address {
            Address::Null => null_mut(),
            Address::Any(addr) => addr as *mut c_void,
            Address::Owned(offset) => self.addr.wrapping_byte_add(usize::from(offset) % self.len),
        }
    }
}

impl Drop for OwnedPages {
    fn drop(&mut self) {
        // SAFETY: our own mapping.
        unsafe { libc::munmap(self.addr, self.len) };
    }
}

fn open_slot(choice: HandleChoice) -> Slot {
    match choice {
        HandleChoice::Null => Slot { handle: null_mut(), kind: Kind::Null },
        HandleChoice::DevNull(choice) => {
            // SAFETY: the logger is NULL or lives for the whole run.
            let handle = unsafe { dev_null_handle(logger(choice)) };
            assert!(!handle.is_null(), "a handle on /dev/null: errno {}", errno());
            Slot { handle, kind: Kind::DevNull }
        }
        HandleChoice::Open { gntshr, logger: choice, open_flags } => {
            // SAFETY: the logger is NULL or lives for the whole run.
            let (handle, errno) = with_errno(|| unsafe {
                if gntshr {
                    xengntshr_open(logger(choice), open_flags)
                } else {
                    xengnttab_open(logger(choice), open_flags)
                }
            });
            if handle.is_null() {
                assert_not_a_caught_panic("open", errno);
                assert_ne!(errno, 0, "open failed without errno");
            } else {
                // A real device: fuzzing it is the real-Xen lab's business (maps could succeed).
                // SAFETY: the handle just opened, closed once.
                assert_eq!(unsafe { xengnttab_close(handle) }, 0);
            }
            Slot { handle: null_mut(), kind: Kind::Null }
        }
    }
}

fn close_slot(slot: &mut Slot, gntshr: bool) {
    // SAFETY: NULL or a live handle, dropped from the slot right after.
    let (result, errno) =
        with_errno(|| unsafe { if gntshr { xengntshr_close(slot.handle) } else { xengnttab_close(slot.handle) } });
    assert_not_a_caught_panic("close", errno);
    assert_eq!(result, 0, "close of a {:?} handle (errno {errno})", slot.kind);
    *slot = Slot { handle: null_mut(), kind: Kind::Null };
}

fn segment(side: CopySide, local: &mut [u8]) -> xengnttab_copy_ptr {
    match side {
        CopySide::Local { offset } => xengnttab_copy_ptr { virt: local[usize::from(offset)..].as_mut_ptr().cast() },
        CopySide::LocalNull => xengnttab_copy_ptr { virt: null_mut() },
        CopySide::Foreign { r#ref, offset, domid } => {
            xengnttab_copy_ptr { foreign: xengnttab_copy_foreign { r#ref, offset, domid } }
        }
    }
}

/// Runs one call and checks its outcome.
fn run(call: Call, slots: &mut [Slot; 2]) {
    let slot = |which: bool| usize::from(which);
    match call {
        Call::Fd { slot: s, gntshr } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let (fd, errno) =
                with_errno(|| unsafe { if gntshr { xengntshr_fd(handle) } else { xengnttab_fd(handle) } });
            match kind {
                Kind::Null => check_int_failure("fd", kind, (fd, errno)),
                // SAFETY: F_GETFD only reads the descriptor's flags.
                Kind::DevNull => assert!(fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0, "fd {fd}"),
            }
        }
        Call::SetMaxGrants { slot: s, count } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let outcome = with_errno(|| unsafe { xengnttab_set_max_grants(handle, count.value()) });
            match kind {
                Kind::Null => check_int_failure("set_max_grants", kind, outcome),
                // Upstream swallows ENOTTY (Linux has no such limit) and leaves it in errno.
                Kind::DevNull => assert_eq!(outcome, (0, libc::ENOTTY), "set_max_grants"),
            }
        }
        Call::MapGrantRef { slot: s, domid, r#ref, prot } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let outcome = with_errno(|| unsafe { xengnttab_map_grant_ref(handle, domid, r#ref, prot) });
            check_pointer_failure("map_grant_ref", kind, outcome);
        }
        Call::MapGrantRefNotify { slot: s, domid, r#ref, prot, notify_offset, notify_port } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let outcome = with_errno(|| unsafe {
                xengnttab_map_grant_ref_notify(handle, domid, r#ref, prot, notify_offset, notify_port)
            });
            check_pointer_failure("map_grant_ref_notify", kind, outcome);
        }
        Call::MapGrantRefs { slot: s, count, domids, refs, prot } => {
            let Slot { handle, kind } = slots[slot(s)];
            let count = count.value();
            let (mut domid_storage, mut ref_storage) = (elements(domids, count), elements(refs, count));
            let refused_unread = count > MAX_MAP_COUNT;
            let domids = array_pointer(domids, &mut domid_storage, refused_unread);
            let refs = array_pointer(refs, &mut ref_storage, refused_unread);
            // SAFETY: NULL or a live handle; each array is NULL or holds `count` elements.
            let outcome = with_errno(|| unsafe { xengnttab_map_grant_refs(handle, count, domids, refs, prot) });
            check_pointer_failure("map_grant_refs", kind, outcome);
        }
        Call::MapDomainGrantRefs { slot: s, count, domid, refs, prot } => {
            let Slot { handle, kind } = slots[slot(s)];
            let count = count.value();
            let mut storage = elements(refs, count);
            let refs = array_pointer(refs, &mut storage, count > MAX_MAP_COUNT);
            // SAFETY: NULL or a live handle; the array is NULL or holds `count` elements.
            let outcome = with_errno(|| unsafe { xengnttab_map_domain_grant_refs(handle, count, domid, refs, prot) });
            check_pointer_failure("map_domain_grant_refs", kind, outcome);
        }
        Call::Unmap { slot: s, address, count } => {
            let Slot { handle, kind } = slots[slot(s)];
            let owned = OwnedPages::new(16);
            let address = owned.address(address);
            // SAFETY: NULL or a live handle. Nothing was mapped, so the library must refuse
            // every address before any munmap (else it may crash us).
            let outcome = with_errno(|| unsafe { xengnttab_unmap(handle, address, count.value()) });
            check_int_failure("unmap", kind, outcome);
        }
        Call::GrantCopy { slot: s, segments } => {
            let Slot { handle, kind } = slots[slot(s)];
            let mut local = vec![0u8; COPY_BUFFER];
            let mut storage: Vec<xengnttab_grant_copy_segment_t> = match &segments {
                Segments::Null(_) => Vec::new(),
                Segments::Real(segments) => segments
                    .iter()
                    .map(|seg| xengnttab_grant_copy_segment_t {
                        source: segment(seg.source, &mut local),
                        dest: segment(seg.dest, &mut local),
                        len: seg.len,
                        flags: seg.flags,
                        status: seg.status,
                    })
                    .collect(),
            };
            let (count, segs) = match segments {
                Segments::Null(count) => (count.value(), null_mut()),
                Segments::Real(_) => (storage.len() as u32, storage.as_mut_ptr()),
            };
            // SAFETY: NULL or a live handle; segs is NULL or `count` segments whose local
            // sides point into `local` with room for their length.
            let outcome = with_errno(|| unsafe { xengnttab_grant_copy(handle, count, segs) });
            check_int_failure("grant_copy", kind, outcome);
        }
        Call::DmabufExpFromRefs { slot: s, domid, flags, count, refs, fd_out } => {
            let Slot { handle, kind } = slots[slot(s)];
            let count = count.value();
            let mut storage = elements(refs, count);
            let refs = array_pointer(refs, &mut storage, false);
            let mut fd = u32::MAX;
            let fd_ptr: *mut u32 = if fd_out { &mut fd } else { null_mut() };
            // SAFETY: NULL or a live handle; refs NULL or `count` long; fd_ptr NULL or valid.
            let outcome =
                with_errno(|| unsafe { xengnttab_dmabuf_exp_from_refs(handle, domid, flags, count, refs, fd_ptr) });
            check_int_failure("dmabuf_exp_from_refs", kind, outcome);
            assert_eq!(fd, u32::MAX, "dmabuf_exp_from_refs wrote *fd although it failed");
        }
        Call::DmabufExpWaitReleased { slot: s, fd, wait_to_ms } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let outcome = with_errno(|| unsafe { xengnttab_dmabuf_exp_wait_released(handle, fd, wait_to_ms) });
            check_int_failure("dmabuf_exp_wait_released", kind, outcome);
        }
        Call::DmabufImpToRefs { slot: s, domid, fd, count, refs } => {
            let Slot { handle, kind } = slots[slot(s)];
            let count = count.value();
            let mut storage = elements(refs, count);
            let before = storage.clone();
            let refs = array_pointer(refs, &mut storage, false);
            // SAFETY: NULL or a live handle; refs NULL or room for `count` refs.
            let outcome = with_errno(|| unsafe { xengnttab_dmabuf_imp_to_refs(handle, domid, fd, count, refs) });
            check_int_failure("dmabuf_imp_to_refs", kind, outcome);
            assert_eq!(storage, before, "dmabuf_imp_to_refs wrote refs although it failed");
        }
        Call::DmabufImpRelease { slot: s, fd } => {
            let Slot { handle, kind } = slots[slot(s)];
            // SAFETY: NULL or a live handle.
            let outcome = with_errno(|| unsafe { xengnttab_dmabuf_imp_release(handle, fd) });
            check_int_failure("dmabuf_imp_release", kind, outcome);
        }
        Call::SharePages { slot: s, domid, count, refs, writable } => {
            let Slot { handle, kind } = slots[slot(s)];
            // gntshr's count is an int: 2^31 and up are negative.
            let count = count.value() as c_int;
            let mut storage = u32::try_from(count).ok().and_then(|count| elements(refs, count));
            let refs = array_pointer(refs, &mut storage, count < 0);
            // SAFETY: NULL or a live handle; refs NULL or room for `count` refs.
            let outcome = with_errno(|| unsafe { xengntshr_share_pages(handle, domid, count, refs, writable) });
            check_pointer_failure("share_pages", kind, outcome);
        }
        Call::SharePageNotify { slot: s, domid, r#ref, writable, notify_offset, notify_port } => {
            let Slot { handle, kind } = slots[slot(s)];
            let mut one = 0u32;
            let ref_ptr: *mut u32 = if r#ref { &mut one } else { null_mut() };
            // SAFETY: NULL or a live handle; ref_ptr NULL or room for one ref.
            let outcome = with_errno(|| unsafe {
                xengntshr_share_page_notify(handle, domid, ref_ptr, writable, notify_offset, notify_port)
            });
            check_pointer_failure("share_page_notify", kind, outcome);
        }
        Call::Unshare { slot: s, address, count } => {
            let handle = slots[slot(s)].handle;
            let owned = OwnedPages::new(16);
            let address = owned.address(address);
            // SAFETY: unshare takes down only regions a share call returned; there are none,
            // so it must refuse every address before any munmap (else it may crash us).
            let outcome = with_errno(|| unsafe { xengntshr_unshare(handle, address, count.value()) });
            assert_eq!(outcome, (-1, libc::EINVAL), "unshare of {address:?} (never shared)");
        }
        Call::Close { slot: s, gntshr } => close_slot(&mut slots[slot(s)], gntshr),
        Call::Reopen { slot: s, handle } => {
            close_slot(&mut slots[slot(s)], false);
            slots[slot(s)] = open_slot(handle);
        }
    }
}

/// The lowest free descriptor number: higher after an input means a descriptor leaked.
fn lowest_free_fd() -> c_int {
    // SAFETY: duplicates stdin's descriptor (or fails) and closes the copy at once.
    unsafe {
        let fd = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 0);
        assert!(fd >= 0, "F_DUPFD: errno {}", errno());
        libc::close(fd);
        fd
    }
}

fuzz_target!(|input: Input| {
    quiet_stdio_logger(); // its /dev/null stream stays open for the run, by design
    let free_fd = lowest_free_fd();
    let mut slots = input.handles.map(open_slot);
    for call in input.calls {
        run(call, &mut slots);
    }
    for slot in &mut slots {
        close_slot(slot, false);
    }
    assert_eq!(lowest_free_fd(), free_fd, "a file descriptor leaked");
});
