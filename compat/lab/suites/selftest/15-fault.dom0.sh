# The first boot reports what QEMU's CPU-state corruption looks like in dom0's kernel log (a
# kernel-mode single-step trap), with a failure: run-lab must boot once more, show the first
# boot's failures as INFO lines, and count only the second boot, where this suite passes.
# budget: 20
if grep -q lab_boot=2 /proc/cmdline; then
  r "PASS selftest/second-boot: run-lab booted again after the emulator fault"
else
  echo "SHOW KLOG| [    1.000000] WARNING: CPU: 0 PID: 1 at arch/x86/kernel/traps.c:1120 exc_debug_kernel+0xca/0x160 (selftest)" >> /tmp/raw
  r "FAIL selftest/first-boot: the emulator fault, as the first boot reports it"
fi
