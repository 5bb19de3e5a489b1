#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-only
# A QMP client for the system-test dom0 (tests/system/dom0-test.sh), where
# python3 comes with xen-utils: asks QEMU one question over its monitor
# socket and prints the answer as one line of JSON.
#
#   qmp.py SOCKET query-block         the whole answer
#   qmp.py SOCKET drive DEVICE        what the comparison with xl needs of
#                                     one drive: tray, lock, medium (file
#                                     with fdset numbers hidden, format,
#                                     read-only, size), and how many fdsets
#                                     QEMU holds
#
# QEMU's node names and fdset numbers depend on how many changes came
# before, not on who made them, which is why "drive" leaves them out.
import json
import re
import socket
import sys


def ask(sock, rfile, command):
    sock.sendall(json.dumps({"execute": command}).encode() + b"\n")
    while True:
        line = rfile.readline()
        if not line:
            raise SystemExit("qmp.py: QEMU hung up")
        reply = json.loads(line)
        if "error" in reply:
            raise SystemExit("qmp.py: %s: %s" % (command, reply["error"]))
        if "return" in reply:
            return reply["return"]


def main():
    path, what = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(path)
    rfile = sock.makefile("r")
    rfile.readline()  # the greeting
    ask(sock, rfile, "qmp_capabilities")
    if what == "query-block":
        print(json.dumps(ask(sock, rfile, "query-block"), sort_keys=True))
        return
    device = sys.argv[3]
    found = [b for b in ask(sock, rfile, "query-block")
             if device in (b.get("device"), b.get("qdev"))]
    if not found:
        raise SystemExit("qmp.py: no drive %s" % device)
    blk = found[0]
    out = {"tray_open": blk.get("tray_open"), "locked": blk.get("locked"),
           "removable": blk.get("removable")}
    ins = blk.get("inserted")
    if ins:
        out["medium"] = {
            "file": re.sub(r"/dev/fdset/\d+", "/dev/fdset/N", ins["file"]),
            "drv": ins.get("drv"), "ro": ins.get("ro"),
            "size": ins.get("image", {}).get("virtual-size")}
    else:
        out["medium"] = None
    out["fdsets"] = len(ask(sock, rfile, "query-fdsets"))
    print(json.dumps(out, sort_keys=True))


main()
