//! Checks every ioctl number, struct size and field offset of `sys` against the kernel's
//! uapi headers as installed by linux-libc-dev (`<xen/gntdev.h>`, `<xen/gntalloc.h>`,
//! `<xen/evtchn.h>`), by compiling a small C probe with `$CC` (default `cc`) to assembly: each
//! value is an assembler string the compiler itself prints (the Linux asm-offsets technique),
//! so nothing built by `$CC` is run and a cross compiler serves as well as the host's. The
//! armhf build runs this test under qemu-arm with `CC=arm-linux-gnueabihf-gcc`
//! and `UAPI_CFLAGS` naming Debian's armhf linux-libc-dev (compat/check-cross), comparing
//! armhf's Rust layouts with armhf's C ones.

use super::evtchn::*;
use super::gntalloc::*;
use super::gntdev::*;
use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::process::Command;

const PROBE: &str = r#"
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/ioctl.h>
/* In-kernel these come from Xen's interface headers; the uapi file assumes them. */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntdev.h>
#include <xen/gntalloc.h>
#include <xen/evtchn.h>
/* The value as an immediate operand printed bare (%c) inside a string of the assembly. */
#define V(name, expr) __asm__ volatile("\n.ascii \"->" name " %c0\"" : : "i"((unsigned long)(expr)))
#define S(t) V("sizeof " #t, sizeof(struct t))
#define O(t, f) V("offsetof " #t "." #f, offsetof(struct t, f))
void probe(void) {
    V("IOCTL_GNTDEV_MAP_GRANT_REF", IOCTL_GNTDEV_MAP_GRANT_REF);
    V("IOCTL_GNTDEV_UNMAP_GRANT_REF", IOCTL_GNTDEV_UNMAP_GRANT_REF);
    V("IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR", IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR);
    V("IOCTL_GNTDEV_SET_MAX_GRANTS", IOCTL_GNTDEV_SET_MAX_GRANTS);
    V("IOCTL_GNTDEV_SET_UNMAP_NOTIFY", IOCTL_GNTDEV_SET_UNMAP_NOTIFY);
    V("IOCTL_GNTDEV_GRANT_COPY", IOCTL_GNTDEV_GRANT_COPY);
    V("IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS", IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS);
    V("IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED", IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED);
    V("IOCTL_GNTDEV_DMABUF_IMP_TO_REFS", IOCTL_GNTDEV_DMABUF_IMP_TO_REFS);
    V("IOCTL_GNTDEV_DMABUF_IMP_RELEASE", IOCTL_GNTDEV_DMABUF_IMP_RELEASE);
    V("IOCTL_GNTALLOC_ALLOC_GREF", IOCTL_GNTALLOC_ALLOC_GREF);
    V("IOCTL_GNTALLOC_DEALLOC_GREF", IOCTL_GNTALLOC_DEALLOC_GREF);
    V("IOCTL_GNTALLOC_SET_UNMAP_NOTIFY", IOCTL_GNTALLOC_SET_UNMAP_NOTIFY);
    V("UNMAP_NOTIFY_CLEAR_BYTE", UNMAP_NOTIFY_CLEAR_BYTE);
    V("UNMAP_NOTIFY_SEND_EVENT", UNMAP_NOTIFY_SEND_EVENT);
    V("GNTALLOC_FLAG_WRITABLE", GNTALLOC_FLAG_WRITABLE);
    V("IOCTL_EVTCHN_BIND_VIRQ", IOCTL_EVTCHN_BIND_VIRQ);
    V("IOCTL_EVTCHN_BIND_INTERDOMAIN", IOCTL_EVTCHN_BIND_INTERDOMAIN);
    V("IOCTL_EVTCHN_BIND_UNBOUND_PORT", IOCTL_EVTCHN_BIND_UNBOUND_PORT);
    V("IOCTL_EVTCHN_UNBIND", IOCTL_EVTCHN_UNBIND);
    V("IOCTL_EVTCHN_NOTIFY", IOCTL_EVTCHN_NOTIFY);
    V("IOCTL_EVTCHN_RESET", IOCTL_EVTCHN_RESET);
    S(ioctl_gntdev_grant_ref);
    S(ioctl_gntdev_map_grant_ref); O(ioctl_gntdev_map_grant_ref, index); O(ioctl_gntdev_map_grant_ref, refs);
    S(ioctl_gntdev_unmap_grant_ref); O(ioctl_gntdev_unmap_grant_ref, count);
    S(ioctl_gntdev_get_offset_for_vaddr); O(ioctl_gntdev_get_offset_for_vaddr, offset);
    O(ioctl_gntdev_get_offset_for_vaddr, count);
    S(ioctl_gntdev_set_max_grants);
    S(ioctl_gntdev_unmap_notify); O(ioctl_gntdev_unmap_notify, action);
    O(ioctl_gntdev_unmap_notify, event_channel_port);
    S(gntdev_grant_copy_segment); O(gntdev_grant_copy_segment, dest);
    O(gntdev_grant_copy_segment, len); O(gntdev_grant_copy_segment, flags);
    O(gntdev_grant_copy_segment, status);
    V("offsetof gntdev_grant_copy_segment.source.foreign.offset", offsetof(struct gntdev_grant_copy_segment, source.foreign.offset));
    V("offsetof gntdev_grant_copy_segment.source.foreign.domid", offsetof(struct gntdev_grant_copy_segment, source.foreign.domid));
    S(ioctl_gntdev_grant_copy); O(ioctl_gntdev_grant_copy, segments);
    S(ioctl_gntdev_dmabuf_exp_from_refs); O(ioctl_gntdev_dmabuf_exp_from_refs, fd);
    O(ioctl_gntdev_dmabuf_exp_from_refs, domid); O(ioctl_gntdev_dmabuf_exp_from_refs, refs);
    S(ioctl_gntdev_dmabuf_exp_wait_released); O(ioctl_gntdev_dmabuf_exp_wait_released, wait_to_ms);
    S(ioctl_gntdev_dmabuf_imp_to_refs); O(ioctl_gntdev_dmabuf_imp_to_refs, domid);
    O(ioctl_gntdev_dmabuf_imp_to_refs, reserved); O(ioctl_gntdev_dmabuf_imp_to_refs, refs);
    S(ioctl_gntdev_dmabuf_imp_release);
    S(ioctl_gntalloc_alloc_gref); O(ioctl_gntalloc_alloc_gref, flags); O(ioctl_gntalloc_alloc_gref, count);
    O(ioctl_gntalloc_alloc_gref, index); O(ioctl_gntalloc_alloc_gref, gref_ids);
    S(ioctl_gntalloc_dealloc_gref); O(ioctl_gntalloc_dealloc_gref, count);
    S(ioctl_gntalloc_unmap_notify); O(ioctl_gntalloc_unmap_notify, event_channel_port);
    S(ioctl_evtchn_bind_interdomain); O(ioctl_evtchn_bind_interdomain, remote_domain);
    O(ioctl_evtchn_bind_interdomain, remote_port);
    S(ioctl_evtchn_bind_unbound_port); S(ioctl_evtchn_unbind); S(ioctl_evtchn_notify);
    S(ioctl_evtchn_bind_virq); O(ioctl_evtchn_bind_virq, virq);
}
"#;

/// Compiles the probe to assembly and reads its values back; name -> value.
fn kernel_values() -> HashMap<String, u64> {
    let dir = std::env::temp_dir().join(format!("xengnttab-uapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, asm) = (dir.join("probe.c"), dir.join("probe.s"));
    std::fs::write(&src, PROBE).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    // Where a cross build's uapi headers are (`-isystem` options: compat/check-cross).
    let cflags = std::env::var("UAPI_CFLAGS").unwrap_or_default();
    let status = Command::new(&cc)
        .args(cflags.split_whitespace())
        .arg("-S")
        .arg("-o")
        .arg(&asm)
        .arg(&src)
        .status()
        .expect("a C compiler is needed for this check");
    assert!(
        status.success(),
        "the uapi probe must compile with {cc} against <xen/gntdev.h> and <xen/gntalloc.h> (linux-libc-dev)"
    );
    let text = std::fs::read_to_string(&asm).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    text.lines()
        .filter_map(|l| l.split_once("\"->"))
        .map(|(_, l)| {
            let (k, v) = l.trim_end_matches('"').rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap_or_else(|_| panic!("{k}: {v} is not a number")))
        })
        .collect()
}

#[test]
#[cfg_attr(miri, ignore = "runs the C compiler: Miri cannot spawn processes")]
#[allow(clippy::unnecessary_cast)]
fn sys_matches_the_kernel_uapi_headers() {
    let k = kernel_values();
    let ours: Vec<(&str, u64)> = vec![
        ("IOCTL_GNTDEV_MAP_GRANT_REF", IOCTL_GNTDEV_MAP_GRANT_REF),
        ("IOCTL_GNTDEV_UNMAP_GRANT_REF", IOCTL_GNTDEV_UNMAP_GRANT_REF),
        ("IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR", IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR),
        ("IOCTL_GNTDEV_SET_MAX_GRANTS", IOCTL_GNTDEV_SET_MAX_GRANTS),
        ("IOCTL_GNTDEV_SET_UNMAP_NOTIFY", IOCTL_GNTDEV_SET_UNMAP_NOTIFY),
        ("IOCTL_GNTDEV_GRANT_COPY", IOCTL_GNTDEV_GRANT_COPY),
        ("IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS", IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS),
        ("IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED", IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED),
        ("IOCTL_GNTDEV_DMABUF_IMP_TO_REFS", IOCTL_GNTDEV_DMABUF_IMP_TO_REFS),
        ("IOCTL_GNTDEV_DMABUF_IMP_RELEASE", IOCTL_GNTDEV_DMABUF_IMP_RELEASE),
        ("IOCTL_GNTALLOC_ALLOC_GREF", IOCTL_GNTALLOC_ALLOC_GREF),
        ("IOCTL_GNTALLOC_DEALLOC_GREF", IOCTL_GNTALLOC_DEALLOC_GREF),
        ("IOCTL_GNTALLOC_SET_UNMAP_NOTIFY", IOCTL_GNTALLOC_SET_UNMAP_NOTIFY),
        ("IOCTL_EVTCHN_BIND_VIRQ", IOCTL_EVTCHN_BIND_VIRQ),
        ("IOCTL_EVTCHN_BIND_INTERDOMAIN", IOCTL_EVTCHN_BIND_INTERDOMAIN),
        ("IOCTL_EVTCHN_BIND_UNBOUND_PORT", IOCTL_EVTCHN_BIND_UNBOUND_PORT),
        ("IOCTL_EVTCHN_UNBIND", IOCTL_EVTCHN_UNBIND),
        ("IOCTL_EVTCHN_NOTIFY", IOCTL_EVTCHN_NOTIFY),
        ("IOCTL_EVTCHN_RESET", IOCTL_EVTCHN_RESET),
    ]
    .into_iter()
    // c_ulong is u64 here but u32 on 32-bit targets.
    .map(|(k, v)| (k, v as u64))
    .chain([
        ("UNMAP_NOTIFY_CLEAR_BYTE", u64::from(UNMAP_NOTIFY_CLEAR_BYTE)),
        ("UNMAP_NOTIFY_SEND_EVENT", u64::from(UNMAP_NOTIFY_SEND_EVENT)),
        ("GNTALLOC_FLAG_WRITABLE", u64::from(GNTALLOC_FLAG_WRITABLE)),
    ])
    .collect();
    let n = |v: usize| v as u64;
    let layout: Vec<(&str, u64)> = vec![
        ("sizeof ioctl_gntdev_grant_ref", n(size_of::<GrantRef>())),
        ("sizeof ioctl_gntdev_map_grant_ref", n(SIZEOF_MAP_GRANT_REF)),
        ("offsetof ioctl_gntdev_map_grant_ref.index", n(offset_of!(MapGrantRefHeader, index))),
        ("offsetof ioctl_gntdev_map_grant_ref.refs", n(size_of::<MapGrantRefHeader>())),
        ("sizeof ioctl_gntdev_unmap_grant_ref", n(size_of::<UnmapGrantRef>())),
        ("offsetof ioctl_gntdev_unmap_grant_ref.count", n(offset_of!(UnmapGrantRef, count))),
        ("sizeof ioctl_gntdev_get_offset_for_vaddr", n(size_of::<GetOffsetForVaddr>())),
        ("offsetof ioctl_gntdev_get_offset_for_vaddr.offset", n(offset_of!(GetOffsetForVaddr, offset))),
        ("offsetof ioctl_gntdev_get_offset_for_vaddr.count", n(offset_of!(GetOffsetForVaddr, count))),
        ("sizeof ioctl_gntdev_set_max_grants", n(size_of::<SetMaxGrants>())),
        ("sizeof ioctl_gntdev_unmap_notify", n(size_of::<UnmapNotify>())),
        ("offsetof ioctl_gntdev_unmap_notify.action", n(offset_of!(UnmapNotify, action))),
        ("offsetof ioctl_gntdev_unmap_notify.event_channel_port", n(offset_of!(UnmapNotify, event_channel_port))),
        ("sizeof gntdev_grant_copy_segment", n(size_of::<GrantCopySegment>())),
        ("offsetof gntdev_grant_copy_segment.dest", n(offset_of!(GrantCopySegment, dest))),
        ("offsetof gntdev_grant_copy_segment.len", n(offset_of!(GrantCopySegment, len))),
        ("offsetof gntdev_grant_copy_segment.flags", n(offset_of!(GrantCopySegment, flags))),
        ("offsetof gntdev_grant_copy_segment.status", n(offset_of!(GrantCopySegment, status))),
        ("offsetof gntdev_grant_copy_segment.source.foreign.offset", n(offset_of!(CopyForeign, offset))),
        ("offsetof gntdev_grant_copy_segment.source.foreign.domid", n(offset_of!(CopyForeign, domid))),
        ("sizeof ioctl_gntdev_grant_copy", n(size_of::<GrantCopy>())),
        ("offsetof ioctl_gntdev_grant_copy.segments", n(offset_of!(GrantCopy, segments))),
        ("sizeof ioctl_gntdev_dmabuf_exp_from_refs", n(SIZEOF_DMABUF_EXP_FROM_REFS)),
        ("offsetof ioctl_gntdev_dmabuf_exp_from_refs.fd", n(offset_of!(DmabufExpFromRefsHeader, fd))),
        ("offsetof ioctl_gntdev_dmabuf_exp_from_refs.domid", n(offset_of!(DmabufExpFromRefsHeader, domid))),
        ("offsetof ioctl_gntdev_dmabuf_exp_from_refs.refs", n(size_of::<DmabufExpFromRefsHeader>())),
        ("sizeof ioctl_gntdev_dmabuf_exp_wait_released", n(size_of::<DmabufExpWaitReleased>())),
        ("offsetof ioctl_gntdev_dmabuf_exp_wait_released.wait_to_ms", n(offset_of!(DmabufExpWaitReleased, wait_to_ms))),
        ("sizeof ioctl_gntdev_dmabuf_imp_to_refs", n(SIZEOF_DMABUF_IMP_TO_REFS)),
        ("offsetof ioctl_gntdev_dmabuf_imp_to_refs.domid", n(offset_of!(DmabufImpToRefsHeader, domid))),
        ("offsetof ioctl_gntdev_dmabuf_imp_to_refs.reserved", n(offset_of!(DmabufImpToRefsHeader, reserved))),
        ("offsetof ioctl_gntdev_dmabuf_imp_to_refs.refs", n(size_of::<DmabufImpToRefsHeader>())),
        ("sizeof ioctl_gntdev_dmabuf_imp_release", n(size_of::<DmabufImpRelease>())),
        ("sizeof ioctl_gntalloc_alloc_gref", n(SIZEOF_ALLOC_GREF)),
        ("offsetof ioctl_gntalloc_alloc_gref.flags", n(offset_of!(AllocGrefHeader, flags))),
        ("offsetof ioctl_gntalloc_alloc_gref.count", n(offset_of!(AllocGrefHeader, count))),
        ("offsetof ioctl_gntalloc_alloc_gref.index", n(offset_of!(AllocGrefHeader, index))),
        ("offsetof ioctl_gntalloc_alloc_gref.gref_ids", n(size_of::<AllocGrefHeader>())),
        ("sizeof ioctl_gntalloc_dealloc_gref", n(size_of::<DeallocGref>())),
        ("offsetof ioctl_gntalloc_dealloc_gref.count", n(offset_of!(DeallocGref, count))),
        ("sizeof ioctl_gntalloc_unmap_notify", n(size_of::<UnmapNotify>())),
        ("offsetof ioctl_gntalloc_unmap_notify.event_channel_port", n(offset_of!(UnmapNotify, event_channel_port))),
        ("sizeof ioctl_evtchn_bind_interdomain", n(size_of::<BindInterdomain>())),
        ("offsetof ioctl_evtchn_bind_interdomain.remote_domain", n(offset_of!(BindInterdomain, remote_domain))),
        ("offsetof ioctl_evtchn_bind_interdomain.remote_port", n(offset_of!(BindInterdomain, remote_port))),
        ("sizeof ioctl_evtchn_bind_unbound_port", n(size_of::<BindUnboundPort>())),
        ("sizeof ioctl_evtchn_unbind", n(size_of::<Unbind>())),
        ("sizeof ioctl_evtchn_notify", n(size_of::<Notify>())),
        ("sizeof ioctl_evtchn_bind_virq", n(size_of::<BindVirq>())),
        ("offsetof ioctl_evtchn_bind_virq.virq", n(offset_of!(BindVirq, virq))),
    ];
    let mut mismatches = Vec::new();
    for (name, value) in ours.iter().chain(&layout) {
        match k.get(*name) {
            Some(kv) if kv == value => {}
            other => mismatches.push(format!("{name}: ours {value:#x}, kernel {other:x?}")),
        }
    }
    assert_eq!(k.len(), ours.len() + layout.len(), "every probed value is compared");
    assert!(mismatches.is_empty(), "differences from the uapi headers:\n{}", mismatches.join("\n"));
}
