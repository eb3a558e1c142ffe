"""A minimal writer of Compound File Binary files ([MS-CFB] version 3), enough for vbaProject.bin.

Writes storages and streams with fixed (zero) timestamps, so the same input gives the same
bytes. Streams under 4096 bytes go to the mini stream, as the format requires. Reading is
left to olefile.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class Entry:
    """A storage (``data is None``) or a stream in the compound file."""

    name: str
    data: bytes | None = None
    children: list[Entry] = field(default_factory=list)
    # filled while writing
    sid: int = 0
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    red: bool = False
    size: int = 0


def _key(e: Entry) -> tuple[int, str]:
    """Sibling order of [MS-CFB] 2.6.4: shorter names first, then upper-case code points."""
    return (len(e.name), e.name.upper())


def _tree(nodes: list[Entry], depth: int, max_depth: int) -> int:
    """Balanced binary tree over sorted siblings; the deepest level red (a valid red-black tree)."""
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    node.red = depth == max_depth and max_depth > 0
    node.left = _tree(nodes[:mid], depth + 1, max_depth)
    node.right = _tree(nodes[mid + 1:], depth + 1, max_depth)
    return node.sid


def _chain(fat: list[int], first: int, count: int) -> None:
    for k in range(count):
        fat[first + k] = first + k + 1 if k < count - 1 else ENDOFCHAIN


def write(root_children: list[Entry]) -> bytes:
    """The compound file holding these storages/streams under the root entry."""
    root = Entry("Root Entry", None, root_children)
    entries: list[Entry] = []

    def number(e: Entry) -> None:
        e.sid = len(entries)
        entries.append(e)
        for c in e.children:
            number(c)

    number(root)
    for e in entries:
        if e.data is None and e.children:
            kids = sorted(e.children, key=_key)
            full = len(kids)
            levels = full.bit_length()  # depth of the deepest level (0-based) is levels - 1
            perfect = full == (1 << levels) - 1
            e.child = _tree(kids, 0, levels - 1 if not perfect else -1)
    # mini stream: small streams in 64-byte mini sectors
    mini = bytearray()
    minifat: list[int] = []
    big: list[Entry] = []
    for e in entries:
        if e.data is None:
            continue
        if len(e.data) < CUTOFF:
            if not e.data:
                e.start = ENDOFCHAIN
                continue
            n = -(-len(e.data) // MINI)
            e.start = len(minifat)
            minifat.extend(range(e.start + 1, e.start + n))
            minifat.append(ENDOFCHAIN)
            mini += e.data + b"\0" * (n * MINI - len(e.data))
        else:
            big.append(e)
    sectors: list[bytes] = []

    def put(blob: bytes) -> tuple[int, int]:
        n = max(1, -(-len(blob) // SECTOR))
        first = len(sectors)
        padded = blob + b"\0" * (n * SECTOR - len(blob))
        sectors.extend(padded[k * SECTOR:(k + 1) * SECTOR] for k in range(n))
        return first, n

    chains: list[tuple[int, int]] = []
    for e in big:
        e.start, n = put(e.data or b"")
        chains.append((e.start, n))
    root.size = len(mini)
    if mini:
        root.start, n = put(bytes(mini))
        chains.append((root.start, n))
    minifat_first, minifat_n = ENDOFCHAIN, 0
    if minifat:
        blob = struct.pack(f"<{len(minifat)}I", *minifat)
        blob += struct.pack("<I", FREESECT) * ((-len(minifat)) % (SECTOR // 4))
        minifat_first, minifat_n = put(blob)
        chains.append((minifat_first, minifat_n))
    dir_blob = b"".join(_dir_entry(e) for e in entries)
    dir_blob += _empty_entry() * ((-len(entries)) % (SECTOR // 128))
    dir_first, dir_n = put(dir_blob)
    chains.append((dir_first, dir_n))
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for this writer")
    fat_first = len(sectors)
    fat = [FREESECT] * (n_fat * (SECTOR // 4))
    for first, n in chains:
        _chain(fat, first, n)
    for k in range(n_fat):
        fat[fat_first + k] = FATSECT
    fat_blob = struct.pack(f"<{len(fat)}I", *fat)
    sectors.extend(fat_blob[k * SECTOR:(k + 1) * SECTOR] for k in range(n_fat))
    difat = [fat_first + k for k in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_first, 0, CUTOFF, minifat_first, minifat_n,
                            ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _dir_entry(e: Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"entry name too long: {e.name!r}")
    kind = 5 if e.sid == 0 else (1 if e.data is None else 2)
    size = e.size if e.sid == 0 else (len(e.data) if e.data is not None else 0)
    start = e.start if (e.data is not None or e.sid == 0) else 0
    return (name + b"\0" * (64 - len(name)) + struct.pack("<HBB", len(name) + 2, kind,
                                                            0 if e.red else 1)
            + struct.pack("<III", e.left, e.right, e.child) + b"\0" * 16 + b"\0" * 4
            + b"\0" * 16 + struct.pack("<IQ", start, size))


def _empty_entry() -> bytes:
    return b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM,
                                                                   NOSTREAM) + b"\0" * 48
