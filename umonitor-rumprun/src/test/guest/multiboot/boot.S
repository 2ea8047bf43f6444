/* Multiboot (v1) entry of the test guest: a header GRUB and QEMU's -kernel loader recognise, a stack,
 * and a call into C with the multiboot information pointer. */
        .set MB_MAGIC,    0x1BADB002
        .set MB_FLAGS,    0x00000003          /* page-align modules, provide memory info */
        .set MB_CHECKSUM, -(MB_MAGIC + MB_FLAGS)

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long MB_CHECKSUM

        .section .bss
        .align 16
stack_bottom:
        .skip 16384
stack_top:

        .section .text
        .globl _start
_start:
        cli
        mov $stack_top, %esp
        push %ebx                             /* multiboot information */
        push %eax                             /* loader magic 0x2BADB002 */
        call guest_main
halt_forever:
        cli
        hlt
        jmp halt_forever

        .section .note.GNU-stack, "", @progbits
