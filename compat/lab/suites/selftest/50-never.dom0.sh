# Never reached (expected: FAIL lab/suite/50-never: never started).
# budget: 60
r "PASS selftest/never: this must not appear"
