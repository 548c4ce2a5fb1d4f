# c-tests/fork: children forked while a thread is inside the library, against Debian's header
cc -pthread -o "$B/tests/forkcalls" "$REPO"/c-tests/fork/forkcalls.c -lxengnttab >"$B/forkcalls.log" 2>&1
res $? forkcalls "$(head -3 "$B/forkcalls.log")"
