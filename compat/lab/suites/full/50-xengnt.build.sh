# xengnt (the CLI) and the API's examples, built by cargo against the crate itself (no
# libxengnttab.so involved): they exercise the safe Rust API on real Xen.
XGT=${CARGO_TARGET_DIR:-$REPO/target}/release
(cd "$REPO" && cargo build --release --locked --bin xengnt --examples) >"$B/xengnt.log" 2>&1
res $? xengnt+examples "$(grep -m3 -E '^error' "$B/xengnt.log")"
for x in xengnt examples/share_map_roundtrip examples/map_batch examples/unmap_notify examples/grant_copy \
         examples/evtchn_ping examples/ring; do
  cp "$XGT/$x" "$B/tests/" || res 1 "copy-$x"
done
