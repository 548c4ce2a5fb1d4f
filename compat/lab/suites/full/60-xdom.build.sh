# c-tests/xdom: the two-sided grant test, compiled ONCE against Debian's header and library
# (run with both, like gntdiff), and the relay xdom-pair.sh that 60-xdom.dom0.sh sources
cc -o "$B/tests/xdom" "$REPO"/c-tests/xdom/xdom.c "$REPO"/c-tests/diff/report.c \
  -lxengnttab -lxenevtchn >"$B/xdom.log" 2>&1
res $? xdom "$(head -3 "$B/xdom.log")"
cp "$REPO"/c-tests/xdom/xdom-pair.sh "$B/tests/xdom-pair.sh"
res $? xdom-pair.sh
