# examples/ring in dom0 and in the guest (built by 50-xengnt.build.sh, sourced here when that
# suite is not part of the run)
[ -f "$B/tests/ring" ] || . "$SUITES/50-xengnt.build.sh"
GUEST=1
GUEST_TESTS="${GUEST_TESTS:-} ring"
