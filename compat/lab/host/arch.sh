# arch.sh - what differs between the lab's two machine architectures, in one place. Sourced by
# run-lab, host/prepare.sh, host/tree.sh (so host/build.sh and the suites' build files) and
# host/boot.sh. ARCH comes from the stack file (compat/lab/stacks/<name>): amd64 (default), arm64
# or armhf (Xen for 32-bit Arm).
#   MA          the multiarch triplet, LA its library folder (/usr/lib/$MA) in the stack's debs; the
#               Arm ones' cross tools have it as their prefix
#   LDSO_NAME   the dynamic loader's name in /lib (the Arm stacks' own, from their debs)
#   RUST_TARGET, CROSS_OUT  the Arm stacks' Rust target and the folder their library is built in
#               (the Makefile's `make arm64` / `make armhf`, whose variables run-lab repeats)
#   CC_LAB      the C compiler for dom0's programs; for Arm the cross compiler, with the stack's
#               extracted debs ($R: Debian's Arm header and libraries) as the place to find
#               xengnttab.h and -lxen*
#   HOST_PKGS   the host packages the architecture needs (host/prepare.sh installs them)
#   QEMU_OK_RC  QEMU's exit status after a clean end of dom0's /init (amd64: isa-debug-exit's 3;
#               Arm: 0, dom0's poweroff -f makes Xen call PSCI SYSTEM_OFF: `virt` has no
#               isa-debug-exit), QEMU_OK_TEXT the console line that must go with it
#   OURS_DEFAULT the library under test when OURS_LIB is not set (`make`, `make arm64|armhf`)
#   ARCH_DEBS   the stack's debs this architecture adds (host/prepare.sh): amd64, Debian's QEMU for
#               the guest's qdisk disk and its keymap; Arm, dom0's busybox (the host's is x86)
#               and Debian's arm64 header and libraries to cross-compile dom0's programs against
#   GUEST_TYPE  the xl type of the lab's second domain (host/guest.sh): amd64 "pv"; Arm "pvh",
#               the only type Xen on Arm has (every guest auto-translated, no emulated devices)
#   GUEST_DM    the device model libxl starts for a qdisk disk, in the stack's debs; empty on
#               Arm: bookworm builds qemu-system-xen for amd64 only (no arm64 package in its
#               archive), so the Arm guest has no disk (74-qdisk cannot run there)
#   VG_PLATFORM valgrind's name for the platform, in its tool files' names (callgrind-<it>): the
#               bench suites' callgrind in dom0 (suites/bench/15-instr.build.sh)
#   DOM0_STREAM_MODS kernel modules dom0 loads for its result stream (below), paths below kernel/
#   qemu_cmd    the QEMU command line: Xen, dom0's kernel and initramfs, the console into <log>,
#               dom0's result stream into <stream>
#   The result stream: amd64: isa-debugcon at I/O port 0x6e9, written by /opt/portcat. Arm has
#   no I/O ports: a virtio-serial port on virtio-mmio (QEMU's `virt` describes it in the device
#   tree, Xen on Arm passes it through to dom0, whose memory is mapped 1:1, so its DMA works);
#   dom0 writes it as /dev/vport*p* (dom0/init: stream()).
ARCH=${ARCH:-amd64}
case $ARCH in
  amd64)
    MA=x86_64-linux-gnu VG_PLATFORM=amd64-linux
    HOST_PKGS="qemu-system-x86"
    OURS_DEFAULT=build/libxengnttab.so.1.2 DOM0_STREAM_MODS=""
    ARCH_DEBS="qemu-system-xen qemu-system-data"
    GUEST_TYPE=pv GUEST_DM=/usr/libexec/xen-qemu-system-i386
    QEMU_OK_RC=3 QEMU_OK_TEXT="" ;;
  arm64)
    MA=aarch64-linux-gnu LDSO_NAME=ld-linux-aarch64.so.1 VG_PLATFORM=arm64-linux
    RUST_TARGET=aarch64-unknown-linux-gnu CROSS_OUT=build/aarch64
    HOST_PKGS="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
  armhf)
    MA=arm-linux-gnueabihf LDSO_NAME=ld-linux-armhf.so.3 VG_PLATFORM=arm-linux
    RUST_TARGET=armv7-unknown-linux-gnueabihf CROSS_OUT=build/armhf
    HOST_PKGS="qemu-system-arm gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
  *) echo "arch.sh: ARCH must be amd64, arm64 or armhf, not '$ARCH'" >&2; return 1 ;;
esac
if [ "$ARCH" != amd64 ]; then   # both Arm stacks
  OURS_DEFAULT=$CROSS_OUT/libxengnttab.so.1.2
  DOM0_STREAM_MODS="drivers/virtio/virtio_mmio drivers/char/virtio_console"
  ARCH_DEBS="busybox-static libxen-dev"
  GUEST_TYPE=pvh GUEST_DM=
  QEMU_OK_RC=0 QEMU_OK_TEXT="Hardware Dom0 halted"
fi
LA=/usr/lib/$MA
cc_lab() {   # cc_lab <gcc args>: compile a program for dom0 (needs R, the stack's extracted debs)
  # Arm: the stack's header and libraries come after the caller's -I and -L (pkg-config's of
  # our install tree must win, host/build.sh checks which xengnttab.h a build used)
  if [ "$ARCH" = amd64 ]; then gcc "$@"
  else $MA-gcc "$@" -idirafter "$R/usr/include" -L"$R$LA" -L"$R/lib/$MA" -Wl,-rpath-link,"$R$LA:$R/lib/$MA"; fi
}

# qemu_cmd <log> <stream> <xen> <dom0 kernel> <initrd> <smp> <mem>: sets the array QEMU to the
# command (boot.sh runs it under timeout and its cgroup). Xen's and dom0's command lines are here too.
qemu_cmd() {
  local log=$1 stream=$2 xen=$3 kernel=$4 initrd=$5 smp=$6 mem=$7 xa da
  local again=${LAB_BOOT:+ lab_boot=$LAB_BOOT}   # run-lab boots again after an emulator fault
  case $ARCH in
  amd64)
    # dom0_vcpus_pin: dom0's vCPU n runs on pCPU n only; the guest suites take vCPU 1 offline and pin
    # the guest to pCPU 1, so no pCPU switches between PV vCPUs (compat/lab/README.md, Traps).
    # guest_loglvl=error: keep Xen's per-guest warnings (e.g. refused grant ops, which we provoke
    # on purpose) off the console; panics are always printed.
    # com1 in poll mode (irq 0): Xen 4.20 bounds its UART interrupt handler and, when the TCG host is
    # too slow for it, prints "(XEN) uart interrupt taking more than 4ms, switched to polling".
    xa="console=com1 com1=115200,8n1,0x3f8,0 dom0_mem=1024M,max:1024M dom0_max_vcpus=$smp dom0_vcpus_pin loglvl=warning guest_loglvl=error noreboot"
    da="console=hvc0 earlyprintk=xen$again"   # no commas: QEMU splits -initrd on ','
    # -cpu max without SMAP: with SMAP the PV dom0 dies in create_bounce_frame (xenlab trap list)
    QEMU=(qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max,-smap \
      -smp "$smp" -m "$mem" -display none -monitor none -no-reboot \
      -serial file:"$log" -chardev file,id=stream,path="$stream" -device isa-debugcon,iobase=0x6e9,chardev=stream \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -kernel "$xen" -append "$xa" -initrd "$kernel $da,$initrd") ;;
  arm64)
    # Xen 4.17 for Arm under TCG (shared/xenlab/arm64/README.md): cortex-a57 with EL2 and GICv3.
    # The boot modules come through guest-loader (/chosen, xen,multiboot-module). QEMU puts its
    # device tree at RAM + 128 MiB = 0x48000000: a module over it makes Xen free its pages twice
    # (Xen BUG at common/page_alloc.c:1429), so the 33 MB kernel (a plain Image: Debian's arm64
    # vmlinuz is not compressed) goes to 0x50000000 and the initramfs to 0x54000000 (64 MB of room).
    # noreboot: a Xen panic waits ("Manual reset required") for the watchdog instead of
    # rebooting, which -no-reboot would turn into QEMU's exit status 0.
    QEMU=(qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 -cpu cortex-a57) ;;
  armhf)
    # Xen 4.17 for 32-bit Arm (xen-hypervisor-4.17-armhf, a zImage) under TCG: cortex-a15 with
    # QEMU's AArch32 Hyp mode (virtualization=on) and GICv2 (a15 has no GICv3 system registers);
    # dom0 is Debian's armmp-lpae kernel (Xen on 32-bit Arm needs LPAE). highmem=off: otherwise
    # `virt` puts PCIe's ECAM above 4 GiB (0x4010000000) and dom0 hangs for good after
    # "pci_bus 0000:00: root bus resource" (measured: no output for minutes); below 4 GiB it
    # boots to userspace in seconds. The modules where arm64's go, same reasons.
    QEMU=(qemu-system-arm -machine virt,virtualization=on,gic-version=2,highmem=off -cpu cortex-a15) ;;
  esac
  if [ "$ARCH" != amd64 ]; then   # both Arm stacks: the machine above, the rest the same
    xa="console=dtuart dom0_mem=1024M dom0_max_vcpus=$smp dom0_vcpus_pin loglvl=warning guest_loglvl=error noreboot"
    da="console=hvc0 earlycon=xenboot rdinit=/init$again"   # no commas: QEMU's -device parser splits on ','
    QEMU+=(-accel tcg,thread=multi -smp "$smp" -m "$mem" -display none -monitor none -no-reboot \
      -serial file:"$log" \
      -device virtio-serial-device -chardev file,id=stream,path="$stream" -device virtserialport,chardev=stream,name=lab.stream \
      -kernel "$xen" -append "$xa" \
      -device guest-loader,addr=0x50000000,kernel="$kernel",bootargs="$da" \
      -device guest-loader,addr=0x54000000,initrd="$initrd")
  fi
}
