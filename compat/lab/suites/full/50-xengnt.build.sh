# xengnt (the CLI) and the API's examples, built by cargo against the crate itself (no
# libxengnttab.so involved): they exercise the safe Rust API on real Xen. The host's are built
# here; the Arm labs' are `make arm64`'s or `make armhf`'s ($CROSS_OUT/bin and examples/, made
# with the library run-lab tests there: host/arch.sh): one cross build, not a second one with
# other flags.
# Sourced by the suites that need these programs without 50-xengnt (36-dmabuf, 52-ring) too:
# once per build is enough (and one build/xengnt+examples result).
[ -f "$B/tests/xengnt" ] && return 0
if [ "$ARCH" = amd64 ]; then
  # vm-memory: examples/vmm_grants needs it; tokio: examples/ring --async (the Makefile's cross builds pass both too)
  (cd "$REPO" && cargo build --release --locked --features vm-memory,tokio --bin xengnt --examples) >"$B/xengnt.log" 2>&1
  res $? xengnt+examples "$(grep -m3 -E '^error' "$B/xengnt.log")"
  XB=${CARGO_TARGET_DIR:-$REPO/target}/release XE=$XB/examples
else
  XB=$REPO/$CROSS_OUT/bin XE=$REPO/$CROSS_OUT/examples
  [ -x "$XB/xengnt" ] && [ -x "$XE/ring" ]
  res $? xengnt+examples "no $XB/xengnt or $XE/ring (make $ARCH builds them)"
fi
cp "$XB/xengnt" "$B/tests/" || res 1 copy-xengnt
for x in share_map_roundtrip map_batch unmap_notify grant_copy evtchn_ping owned_threads ring dmabuf_roundtrip vmm_grants; do
  cp "$XE/$x" "$B/tests/" || res 1 "copy-examples/$x"
done
