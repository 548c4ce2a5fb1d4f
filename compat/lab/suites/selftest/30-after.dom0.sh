# The suite after a stopped one runs (expected: PASS).
# budget: 60
r "PASS selftest/the-boot-went-on: the suite after the stopped one ran"
