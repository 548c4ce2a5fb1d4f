/* portcat - copies stdin to an x86 I/O port, for dom0's result stream (compat/lab/dom0/init).
 *
 * QEMU's isa-debugcon device at that port writes every byte to a file on the host. Only dom0
 * writes it, so no other output can split a line, and no interrupt is involved: the first
 * stream, dom0's second UART, drained through one interrupt per 16 bytes under emulation and
 * starved RCU for 21 s while a suite's 600 KB of raw output went out (a kernel-log failure).
 * `rep outsb` makes Xen emulate a whole buffer per trap; where ioperm is refused, each byte goes
 * through /dev/port instead.
 * usage: portcat <port>   (decimal or 0x...)  */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: portcat <port>\n"); return 2; }
    unsigned long port = strtoul(argv[1], NULL, 0);
    int direct = ioperm(port, 1, 1) == 0, devport = -1;
    if (!direct && (devport = open("/dev/port", O_WRONLY)) < 0) { perror("portcat: /dev/port"); return 1; }
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        if (direct) {
            const char *p = buf;
            unsigned long count = (unsigned long)n;
            __asm__ volatile("rep outsb" : "+S"(p), "+c"(count) : "d"((unsigned short)port) : "memory");
        } else {
            for (ssize_t i = 0; i < n; i++)
                if (pwrite(devport, buf + i, 1, (off_t)port) != 1) { perror("portcat: /dev/port"); return 1; }
        }
    }
    return n < 0;
}
