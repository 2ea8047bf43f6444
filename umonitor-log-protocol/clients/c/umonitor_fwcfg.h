/*
 * umonitor_fwcfg.h - reads the log token from QEMU's fw_cfg device, for x86 guests without an
 * environment that other users cannot read.
 *
 * umonitor's QEMU backend hands a guest its token as the fw_cfg file "opt/io.umonitor/token"
 * (-fw_cfg name=opt/io.umonitor/token,file=PATH, PATH readable by the monitor's user only) instead of
 * on the kernel command line, where every local user sees it in `ps`. A guest reads it through the
 * legacy I/O-port interface: selector register 0x510 (16 bits, little-endian on x86), data register
 * 0x511 (one byte per read), the file directory at selector 0x19 (a big-endian count, then 64-byte
 * entries: big-endian size, big-endian selector, 2 reserved bytes, a 56-byte NUL-padded name).
 *
 * Port I/O needs ring 0 (multiboot kernels, rumprun). In a Linux guest (hosted build) the token is read
 * from /sys/firmware/qemu_fw_cfg/by_name/opt/io.umonitor/token/raw when the qemu_fw_cfg driver is
 * there, else through the ports if the ACPI device QEMU0002 (fw_cfg) exists and ioperm() grants them
 * (root), else not at all: an unprivileged process gets UMON_FWCFG_NO_DEVICE, never a fault. It is x86 only and must run only under QEMU: on
 * other hardware ports 0x510/0x511 may belong to something else. So the client uses it only when built
 * with -DUMON_FWCFG (see README.md); programs may also call these functions themselves. Pure C99 with <stddef.h> and <stdint.h>: builds
 * freestanding, -m32 and -m64. Not thread-safe (the device has one selector): call it once at start.
 */
#ifndef UMONITOR_FWCFG_H
#define UMONITOR_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The fw_cfg file umonitor's QEMU backend puts the token in (its content is the token, no newline). */
#define UMON_FWCFG_TOKEN_FILE "opt/io.umonitor/token"

/* Results besides a length (>= 0). */
#define UMON_FWCFG_NO_DEVICE (-1)    /* no fw_cfg device answers (not QEMU, or not x86) */
#define UMON_FWCFG_NO_FILE (-2)      /* the device has no file of that name */
#define UMON_FWCFG_TOO_LONG (-3)     /* the file does not fit in cap - 1 bytes; nothing is copied */

/* 1 when a QEMU fw_cfg device answers with its "QEMU" signature, else 0. */
int umon_fwcfg_present(void);

/* Copies the fw_cfg file `name` into buf and NUL-terminates it; returns its length or one of the
 * negative results above. */
long umon_fwcfg_read_file(const char *name, char *buf, size_t cap);

/* The token of UMON_FWCFG_TOKEN_FILE with trailing whitespace removed (a file written by hand often
 * ends with a newline): its length, or a negative result. */
long umon_fwcfg_token(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
