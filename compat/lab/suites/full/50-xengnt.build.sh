# xengnt (the CLI) and the API's examples, built by cargo against the crate itself (no
# libxengnttab.so involved): they exercise the safe Rust API on real Xen.
# Cross-built for the Arm lab (host/arch.sh: cargo_lab, RUST_TARGET).
XGT=${CARGO_TARGET_DIR:-$REPO/target}${RUST_TARGET:+/$RUST_TARGET}/release
(cd "$REPO" && cargo_lab build --release --locked --bin xengnt --examples) >"$B/xengnt.log" 2>&1
res $? xengnt+examples "$(grep -m3 -E '^error' "$B/xengnt.log")"
for x in xengnt examples/share_map_roundtrip examples/map_batch examples/unmap_notify examples/grant_copy \
         examples/evtchn_ping examples/ring; do
  cp "$XGT/$x" "$B/tests/" || res 1 "copy-$x"
done
