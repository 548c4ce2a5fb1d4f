#!/bin/sh
# suite.sh <file>: runs one suite of the lab's dom0 in a shell of its own (dom0/init starts it in
# the background, under the suite's budget): lib.sh's helpers (and guest.sh's when the mode has
# guest suites), what the suites before it handed on, the suite, then what it hands on.
. /tests/lib.sh
[ -f /tests/guest.sh ] && . /tests/guest.sh
[ -f $LAB_STATE ] && . $LAB_STATE
. "$1"
lab_state_save
