#!/usr/bin/env python3
"""Reads a coordination directory the way the older coordination.py does
(text mode, universal newlines, its own parsing expressions), so tests can
check that what `coord` writes is what the Python tool sees.

  legacy_reader.py DIR numbers        -> JSON {line_text: number} for every log line
  legacy_reader.py DIR read ID        -> JSON [numbers ID has marked read]
  legacy_reader.py DIR rooms          -> JSON [room names it lists]
  legacy_reader.py DIR room NAME      -> JSON [[number, line]] its check-chatroom shows
"""
import json
import os
import sys

directory, command = sys.argv[1], sys.argv[2]
log = os.path.join(directory, "data", "messages.log")

if command == "numbers":
    out = {}
    with open(log, "r", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            out[line.rstrip("\n")] = number
    print(json.dumps(out))
elif command == "read":
    marks = set()
    with open(os.path.join(directory, "read-status", sys.argv[3] + ".txt"), "r", encoding="utf-8") as f:
        for line in f:
            if ":" in line:
                head = line.split(":")[0].strip()
                if head.isdigit():
                    marks.add(int(head))
    print(json.dumps(sorted(marks)))
elif command == "rooms":
    names = []
    with open(os.path.join(directory, "data", "chatroom-status.txt"), "r", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                parts = line.strip().split(":")
                if len(parts) >= 5:
                    names.append(parts[0])
    print(json.dumps(names))
elif command == "room":
    name = sys.argv[3]
    found = []
    with open(log, "r", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if f"-> #{name}:" in line or f"-> {name}:" in line:
                found.append([number, line.strip()])
    print(json.dumps(found))
else:
    sys.exit("unknown command")
