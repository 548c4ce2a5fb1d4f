# A suite that never ends (it talks on the console, so the host's watchdog sees no silence):
# dom0 stops it after its budget. Expected: FAIL suite/20-hang.
# budget: 20
r "PASS selftest/before-the-hang"
while :; do echo "selftest: still hanging"; sleep 5; done
