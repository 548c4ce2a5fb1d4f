# The soak program of 31-robust (built there; built here too when only this suite is picked).
[ -x "$B/tests/soak" ] || . "$REPO/compat/lab/suites/full/31-robust.build.sh"
