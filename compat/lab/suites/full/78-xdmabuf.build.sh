# 78-xdmabuf: the dma-buf import across domains. 36-dmabuf's build gives the rebuilt gntdev, vgem
# and c-tests/dmabuf (sourced here when that suite is not part of the run); the guest gets the
# same dmabuf program (/tests/dmabuf), which maps dom0's refs there.
[ -f "$B/tests/dmabuf/dmabuf" ] || . "$SUITES/36-dmabuf.build.sh"
GUEST=1
GUEST_TESTS="${GUEST_TESTS:-} dmabuf/dmabuf"
