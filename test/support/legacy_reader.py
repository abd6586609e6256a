#!/usr/bin/env python3
"""A reader of the coordination directory written for the tests, in Python,
following the rules /work/shared/FORMAT.md states for the older tools (it is
not the older coordination.py itself, which is not in this repository):

- a message's number is its physical line in data/messages.log, counted the
  way Python counts lines (text mode, universal newlines: \\r\\n, a lone \\r
  and \\n each end a line);
- read-status/<id>.txt holds marks as `12: read at ts` or `12:ts`,
  duplicates allowed;
- data/chatroom-status.txt is `NAME:STATUS:...` parsed by shape (the
  timestamps contain colons, some are truncated), `#` lines are comments, and a
  room with a transcript but no status line is an open room.

test/cli/python-compat.test.ts checks this reader against FORMAT.md's own
examples before using it to check what `coord` writes.

  legacy_reader.py DIR lines          -> JSON [line] (message N is element N-1)
  legacy_reader.py DIR read ID        -> JSON [numbers ID has marked read]
  legacy_reader.py DIR rooms          -> JSON {name: "open"|"closed"}
  legacy_reader.py DIR room NAME      -> JSON [[number, line]] of messages to #NAME
"""
import json
import os
import re
import sys

directory, command = sys.argv[1], sys.argv[2]
log = os.path.join(directory, "data", "messages.log")


def physical_lines():
    # newline=None is universal-newline mode: what Python's own tools number by.
    with open(log, "r", encoding="utf-8", errors="replace", newline=None) as f:
        return [line.rstrip("\n") for line in f]


if command == "lines":
    print(json.dumps(physical_lines()))
elif command == "read":
    marks = set()
    with open(os.path.join(directory, "read-status", sys.argv[3] + ".txt"), "r", encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*(\d+)\s*:", line)
            if m:
                marks.add(int(m.group(1)))
    print(json.dumps(sorted(marks)))
elif command == "rooms":
    rooms = {}
    status_file = os.path.join(directory, "data", "chatroom-status.txt")
    if os.path.exists(status_file):
        with open(status_file, "r", encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                m = re.match(r"([^:\s]+):(open|closed):", line)
                if m:
                    rooms[m.group(1)] = m.group(2)
    chatrooms = os.path.join(directory, "chatrooms")
    if os.path.isdir(chatrooms):
        for name in sorted(os.listdir(chatrooms)):
            if name.endswith(".txt") and name[:-4] not in rooms:
                rooms[name[:-4]] = "open"
    print(json.dumps(rooms))
elif command == "room":
    name = sys.argv[3]
    shape = re.compile(r"^\[[^\]]+\] [^ ]+ -> #" + re.escape(name) + ":")
    found = [[n, line] for n, line in enumerate(physical_lines(), 1) if shape.match(line)]
    print(json.dumps(found))
else:
    sys.exit("unknown command")
