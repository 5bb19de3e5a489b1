; SPDX-License-Identifier: LGPL-2.1-only
; The system test's guest (tests/system/stub-test.sh): a boot sector
; that reads its CD the way a guest OS does, through the emulated IDE
; drive, so that "done" is checked against what the guest itself sees.
; About once a second it sends ATAPI REQUEST SENSE (clearing the unit
; attention a change leaves) and READ(10) of block 0 to hdc, the master
; of the secondary channel, and when what it reads changes it writes one
; line to Xen's HVM debug port 0xe9 (shown by `xl dmesg`):
;     CDREAD <the block's first 8 bytes>    or    CDREAD none
; Build: nasm -f bin -o cdread.img cdread.asm

bits 16
org 0x7c00

BASE	equ 0x170		; the secondary channel's command block
CTRL	equ 0x376		; its device control register
ST_ERR	equ 0x01
ST_DRQ	equ 0x08
ST_BSY	equ 0x80

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	cld
	mov dx, CTRL
	mov al, 0x02		; nIEN: we poll, the drive raises no IRQ
	out dx, al
	mov byte [last], 0xff	; nothing printed yet
	sti
again:
	mov si, request_sense
	call packet
	mov si, read10
	call packet
	; cur: 1 + the 8 bytes when the read worked, 0 when not
	xor al, al
	test byte [status], ST_ERR
	jnz .none
	cmp word [got], 4
	jb .none
	mov al, 1
.none:
	mov [cur], al
	test al, al
	jnz .cmp
	mov di, buf		; nothing read: nothing kept
	mov cx, 8
	rep stosb
.cmp:
	; print when cur differs from last
	mov si, cur
	mov di, last
	mov cx, 9
	repe cmpsb
	je .wait
	mov si, cur
	mov di, last
	mov cx, 9
	rep movsb
	mov si, tag
	call puts
	cmp byte [cur], 0
	je .printnone
	mov si, buf
	mov cx, 8
.ch:	lodsb
	cmp al, 0x20
	jb .dot
	cmp al, 0x7e
	jbe .out
.dot:	mov al, '.'
.out:	out 0xe9, al
	loop .ch
	jmp .nl
.printnone:
	mov si, none
	call puts
.nl:	mov al, 10
	out 0xe9, al
.wait:
	mov cx, 18		; BIOS timer ticks, about a second
.tick:	hlt
	loop .tick
	jmp again

; puts: the NUL-ended string at ds:si to port 0xe9.
puts:
	lodsb
	test al, al
	jz .end
	out 0xe9, al
	jmp puts
.end:	ret

; packet: sends the 12-byte ATAPI command at ds:si to hdc with PACKET;
; keeps the first 8 data bytes in buf, the number of data words read in
; got, and the last status in status.
packet:
	mov word [got], 0
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
	mov al, 0x07		; and high byte: 0x7fe
	out dx, al
	mov dx, BASE + 7
	mov al, 0xa0		; PACKET
	out dx, al
	call wait_ready
	test al, ST_DRQ
	jz .done		; refused outright
	mov dx, BASE
	mov cx, 6
	rep outsw
.drain:
	call wait_ready
	test al, ST_DRQ
	jz .done
	mov dx, BASE
	in ax, dx
	mov bx, [got]
	cmp bx, 4
	jae .skip
	shl bx, 1
	mov [buf + bx], ax
.skip:	inc word [got]
	jmp .drain
.done:
	mov [status], al
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
read10:
	db 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0	; block 0, 1 block
tag:	db "CDREAD ", 0
none:	db "none", 0

	times 510 - ($ - $$) db 0
	dw 0xaa55

section .bss
status:	resb 1
got:	resw 1
cur:	resb 1
buf:	resb 8
last:	resb 9
