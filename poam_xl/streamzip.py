"""A big sheet part deflated while its rows are made (``textstream``): zlib lets go of the
interpreter lock, so a worker thread compresses each chunk of rows as the next is made.

The part's rows are compressed before the sheet XML around them is known (openpyxl writes it
when the workbook is saved), so the part is deflated in three runs that follow each other in
one deflate stream, as ``pigz`` writes them: the XML before the rows and the rows each end with
a sync flush (no final block, byte aligned, never referring back past their own start), the
XML after them ends the stream. Any inflater reads the three as one; the part holds exactly
the bytes it would hold deflated in one go. Its zip entry is written as zipfile writes one
(``ZipFile.open(name, "w")``: 1980-01-01, no attributes, no data descriptor), its data the
three runs, its CRC-32 and size those of the whole part.
"""

from __future__ import annotations

import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

__all__ = ["Deflater", "write_part"]

LIMIT = 1 << 30  # a part this big (uncompressed or not) goes the plain way: no ZIP64 header


class Deflater:
    """Raw deflate (zlib ``wbits=-15``) of the chunks given to :meth:`add`, in a worker thread
    (started by the first chunk: a part of one chunk is deflated where it is finished);
    ``chunks`` keeps them (the CRC-32 is worked out once the part's start is known)."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.chunks: list[bytes] = []
        self._pool: ThreadPoolExecutor | None = None
        self._zlib = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._runs: list[Future[bytes]] = []

    @property
    def started(self) -> bool:
        """Whether a chunk went to the worker (then the rest had best follow at once)."""
        return self._pool is not None

    def add(self, chunk: bytes) -> None:
        """Compress ``chunk`` after the ones before it (returns at once)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="poam-deflate")
        self.chunks.append(chunk)
        self._runs.append(self._pool.submit(self._zlib.compress, chunk))

    def rows(self, last: bytes = b"") -> bytes:
        """The deflated chunks and ``last``, ended with a sync flush; stops the worker."""
        self.chunks.append(last)
        try:
            if self._pool is None:  # one chunk: nothing to overlap
                return self._zlib.compress(last) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            self._runs.append(self._pool.submit(self._zlib.compress, last))
            self._runs.append(self._pool.submit(self._zlib.flush, zlib.Z_SYNC_FLUSH))
            return b"".join(run.result() for run in self._runs)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker (what was not compressed yet is dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def write_part(zout: zipfile.ZipFile, fh: BinaryIO, name: str, head: bytes,
               deflater: Deflater, last: bytes, tail: bytes) -> None:
    """Write the part ``head`` + the deflater's chunks + ``last`` + ``tail`` as entry ``name``
    of ``zout`` (whose file is ``fh``). A file that cannot seek, or a part of a gigabyte or
    more, is written through ``zout.open`` instead (deflated there in one go)."""
    rows = deflater.rows(last)
    size = len(head) + sum(map(len, deflater.chunks)) + len(tail)
    if not fh.seekable() or size >= LIMIT or len(rows) >= LIMIT:
        with zout.open(name, "w") as out:
            for chunk in (head, *deflater.chunks, tail):
                out.write(chunk)
        return
    start = zlib.compressobj(deflater.level, zlib.DEFLATED, -15)
    end = zlib.compressobj(deflater.level, zlib.DEFLATED, -15)
    body = b"".join((start.compress(head), start.flush(zlib.Z_SYNC_FLUSH), rows,
                     end.compress(tail), end.flush()))
    crc = zlib.crc32(head)
    for chunk in deflater.chunks:
        crc = zlib.crc32(chunk, crc)
    info = zipfile.ZipInfo(name)  # what zout.open(name, "w") makes
    zout.writestr(info, body, compress_type=zipfile.ZIP_STORED)  # the runs as they are
    if info.flag_bits & 0x08:  # a data descriptor: cannot happen on a file that seeks
        raise RuntimeError(f"{name}: written with a data descriptor")
    info.compress_type, info.CRC, info.file_size = zipfile.ZIP_DEFLATED, zlib.crc32(tail, crc), size
    at = fh.tell()
    fh.seek(info.header_offset)  # the local header again, now saying what the data is
    fh.write(info.FileHeader(False))
    fh.seek(at)
