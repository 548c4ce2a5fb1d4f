# The lab's own machinery, tried on purpose by hand: `SILENCE=15 compat/lab/run-lab --mode
# selftest`. A suite that hangs is stopped at its budget and the next one runs; a dom0 that
# falls silent is stopped by the host's watchdog, and what it sent before still counts. This
# run ends with failures by design; compat/lab/README.md ("The lab's own checks") says which.
# budget: 60
r "PASS selftest/first-suite-ran"
echo "SHOW selftest: raw lines reach the host as they are written" >> /tmp/raw
