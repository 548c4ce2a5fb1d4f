# xdom across domains: the guest gets c-tests/xdom/xdom (built by 60-xdom.build.sh, which this
# sources when the loopback suite is not part of the run)
[ -f "$B/tests/xdom" ] || . "$SUITES/60-xdom.build.sh"
GUEST_TESTS="${GUEST_TESTS:-} xdom"
# examples/vmm_grants in dom0 maps the grants of xengnt in the guest (both built by
# 50-xengnt.build.sh, sourced here when that suite is not part of the run)
[ -f "$B/tests/vmm_grants" ] || . "$SUITES/50-xengnt.build.sh"
GUEST_TESTS="${GUEST_TESTS:-} xengnt"
