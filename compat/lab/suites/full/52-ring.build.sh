# examples/ring (built with xengnt and the other examples by 50-xengnt.build.sh, sourced here
# when that suite is not part of the run)
[ -f "$B/tests/ring" ] || . "$SUITES/50-xengnt.build.sh"
