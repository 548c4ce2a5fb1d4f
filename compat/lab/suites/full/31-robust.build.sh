# c-tests/robust: soak (leaks), peers (SIGKILLed peers notify), exhaust (limits, failing batches)
for p in soak peers exhaust; do
  cc -o "$B/tests/$p" "$REPO/c-tests/robust/$p.c" "$REPO/c-tests/robust/robust.c" "$REPO/c-tests/diff/report.c" \
    -lxengnttab -lxenevtchn >"$B/$p.log" 2>&1
  res $? "$p" "$(head -3 "$B/$p.log")"
done
