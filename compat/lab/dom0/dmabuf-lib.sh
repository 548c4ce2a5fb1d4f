# dmabuf-lib.sh - sourced by the dma-buf suites (36-dmabuf, 78-xdmabuf) in dom0: Debian's
# xen-gntdev.ko swapped for the one rebuilt with CONFIG_XEN_GNTDEV_DMABUF and back, and vgem,
# the dma-buf exporter whose buffers the import tests grant. Every process that holds
# /dev/xen/gntdev open must be gone before rmmod: the caller destroys its guest, and
# gntdev_replace stops xenconsoled and xenstored (a fresh store afterwards: xenstored_again, or
# guest.sh's `daemons`). Functions that can fail print why, and nothing when they worked.
D=$T/dmabuf
KM=/lib/modules/$(uname -r)/kernel/drivers/xen
dmabuf_handlers() { grep -c 'gntdev_ioctl_dmabuf' /proc/kallsyms; }
gntdev_replace() {   # gntdev_replace <module file>: the daemons stopped, gntdev replaced
  stop_pidfile /run/xenconsoled.pid     # lib.sh
  stop_pidfile /run/xenstored.pid
  rm -f /tmp/xenstored.lib     # guest.sh's `daemons` starts xenstored again
  rmmod xen_gntdev 2>/tmp/dmabuf-rmmod.err || echo "rmmod xen_gntdev: $(cat /tmp/dmabuf-rmmod.err) (still open: $(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c gntdev))"
  insmod $1 2>/tmp/dmabuf-insmod.err || echo "insmod $1: $(cat /tmp/dmabuf-insmod.err)"
  [ -c /dev/xen/gntdev ] || echo "no /dev/xen/gntdev after insmod"
}
xenstored_again() {   # a fresh xenstored and xen-init-dom0, as dom0/init starts them
  xenstored --pid-file /run/xenstored.pid >/tmp/xenstored-dmabuf.out 2>&1
  usleep 500000
  timeout 60 xen-init-dom0 >/tmp/xen-init-dom0-dmabuf.out 2>&1 && timeout 10 xenstore-read /local/domain/0/domid >/dev/null ||
    echo "xenstored or xen-init-dom0: $(tail -2 /tmp/xen-init-dom0-dmabuf.out /tmp/xenstored-dmabuf.out | tr '\n' ' ')"
}
vgem_load() {   # drm, drm_shmem_helper and vgem (the stack's own modules, in /tests/dmabuf)
  local m
  for m in drm drm_shmem_helper vgem; do insmod $D/$m.ko 2>>/tmp/dmabuf-vgem.err || echo "insmod $m: $(tail -1 /tmp/dmabuf-vgem.err)"; done
  ls /dev/dri/card* >/dev/null 2>&1 || echo "no /dev/dri/card*"
}
vgem_unload() { local m; for m in vgem drm_shmem_helper drm; do rmmod $m 2>/dev/null; done; }
