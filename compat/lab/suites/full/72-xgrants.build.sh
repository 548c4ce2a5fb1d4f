# xdom across domains: the guest gets c-tests/xdom/xdom (built by 60-xdom.build.sh, which this
# sources when the loopback suite is not part of the run)
[ -f "$B/tests/xdom" ] || . "$SUITES/60-xdom.build.sh"
GUEST_TESTS="${GUEST_TESTS:-} xdom"
