# dom0 says nothing for 60 s, longer than the SILENCE=15 this mode runs with and than dom0's
# heartbeat interval (20 s): the host's watchdog stops QEMU. Expected: FAIL lab/watchdog,
# FAIL lab/suite/40-quiet (never finished), FAIL lab/suite/50-never (never started), FAIL
# lab/dom0-end; every line sent before still counted.
# budget: 300
r "PASS selftest/before-the-silence"
sleep 60
