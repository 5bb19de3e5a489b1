; SPDX-License-Identifier: LGPL-2.1-only
; A guest that locks its CD tray, as an OS does while a disc is mounted:
; a boot sector that sends ATAPI PREVENT ALLOW MEDIUM REMOVAL (prevent)
; to the master of the secondary IDE channel, hdc, and sends it again
; on every timer tick (about 55 ms), so that the tray is locked again
; after every eject or change, as a guest that mounts what it is given
; would.  Used by tests/t/t4200-locked-tray.sh; build with
;     nasm -f bin -o lockboot.img lockboot.asm
; and give it to QEMU as the first IDE disk (hda), which SeaBIOS boots.
;
; Each round first sends REQUEST SENSE: after a medium change QEMU's
; drive answers every other command with a unit attention (or "medium
; not present") until the guest has read the sense, and the lock would
; then not be taken.

bits 16
org 0x7c00

BASE	equ 0x170		; the secondary channel's command block
CTRL	equ 0x376		; its device control register
ST_DRQ	equ 0x08		; status: data request
ST_BSY	equ 0x80		; status: busy

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	cld
	mov dx, CTRL
	mov al, 0x02		; nIEN: we poll, the drive raises no IRQ 15
	out dx, al
	sti			; the BIOS's timer tick ends each hlt
again:
	mov si, request_sense
	call packet
	mov si, prevent
	call packet
	hlt
	jmp again

; packet: sends the 12-byte ATAPI command at ds:si to hdc with the
; PACKET command, reads and drops whatever data it returns.
packet:
	mov dx, BASE + 6
	mov al, 0xa0		; select the master
	out dx, al
	call wait_ready
	mov dx, BASE + 1
	xor al, al		; features: PIO, no overlap
	out dx, al
	mov dx, BASE + 4
	mov al, 0xfe		; byte count limit, low byte
	out dx, al
	inc dx
	xor al, al		; and high byte
	out dx, al
	mov dx, BASE + 7
	mov al, 0xa0		; PACKET
	out dx, al
	call wait_ready
	test al, ST_DRQ
	jz .done		; refused outright: try on the next tick
	mov dx, BASE
	mov cx, 6
	rep outsw
.drain:
	call wait_ready
	test al, ST_DRQ
	jz .done
	mov dx, BASE
	in ax, dx
	jmp .drain
.done:
	ret

; wait_ready: the status, in al, once BSY is clear.
wait_ready:
	mov dx, BASE + 7
.poll:
	in al, dx
	test al, ST_BSY
	jnz .poll
	ret

request_sense:
	db 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
prevent:
	db 0x1e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0	; prevent = 1

	times 510 - ($ - $$) db 0
	dw 0xaa55
