"""Reading the course's text files: UTF-8 with or without a byte-order mark, LF, CRLF or CR line ends (chapter 2 onwards).

Every loader of a text file (the slot folders of chapter 2, Tiny Shakespeare of chapter 4, and
any corpus a later chapter adds) reads it through :func:`read_text` or :func:`read_lines`, or
decodes the bytes of an archive member with :func:`decode_text`. So a file saved by a Windows
editor (UTF-8 with the byte-order mark ``EF BB BF`` and CRLF line ends) reads exactly like the
same file saved on Linux or macOS, instead of giving a first word ``'\\ufefffly'`` or words
ending in ``'\\r'``; and a file in another encoding (Latin-1, Windows-1252, UTF-16) is rejected
with its line named, instead of being read as other characters.

A file that is already plain UTF-8 with LF line ends comes out unchanged: the decoded text is
exactly ``data.decode("utf-8")``.
"""
from __future__ import annotations

import codecs
from pathlib import Path

_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _line_of(data: bytes, offset: int) -> int:
    """The line (from 1) that holds byte ``offset``, counting LF, CRLF and a lone CR as line ends."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def decode_text(data: bytes, source: str | Path) -> str:
    r"""The text of the bytes of a UTF-8 file: one leading byte-order mark removed, every line end ``"\n"`` (chapters 2 and 4).

    CRLF (Windows) and a lone CR (classic Mac OS) both become LF, as Python's universal newlines
    do; nothing else changes. ``source`` names the file (a path, or an archive member) in
    messages.

    Raises ``ValueError`` naming ``source``, the line (counted from 1) and the byte offset
    (counted from 0 in the file, byte-order mark included) if the bytes are not UTF-8 or hold a
    NUL byte (which a text file never does; UTF-16 text is full of them).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(f"data: expected the bytes of a file, got {type(data).__name__}")
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = bytes(data[skipped:]).decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        hint = " (it starts with a UTF-16 byte-order mark)" if data.startswith(_UTF16_MARKS) else ""
        raise ValueError(
            f"{source}: line {_line_of(data, offset)} is not UTF-8 (byte 0x{data[offset]:02x} at "
            f"offset {offset}){hint}; expected UTF-8 text, with or without a byte-order mark; "
            "save the file as UTF-8"
        ) from None
    if "\0" in text:
        offset = data.index(b"\0")
        raise ValueError(
            f"{source}: line {_line_of(data, offset)} holds a NUL byte (at offset {offset}); "
            "expected UTF-8 text, which never does (is the file UTF-16?); save the file as UTF-8"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: str | Path) -> str:
    r"""The whole text of the UTF-8 file at ``path``, as :func:`decode_text` decodes it (chapters 2 and 4).

    Raises ``ValueError`` naming the file if it cannot be read (missing, a folder, no
    permission), and as :func:`decode_text` does if its bytes are not UTF-8 text.
    """
    if not isinstance(path, (str, Path)):
        raise ValueError(f"path: expected a path to a text file, got {type(path).__name__}: {path!r}")
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"{path}: expected a readable file, got {error.strerror or error}") from None
    return decode_text(data, path)


def read_lines(path: str | Path) -> list[str]:
    r"""The lines of the UTF-8 file at ``path``, without their line ends (chapter 2).

    The newline that ends the last line does not start an empty line of its own; an empty file
    has no lines. Raises ``ValueError`` as :func:`read_text` does.
    """
    lines = read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
