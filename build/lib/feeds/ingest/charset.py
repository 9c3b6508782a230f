"""What character encoding a body of bytes is in: ``detect_encoding`` for any fetched
body (the header's charset first), ``decode_html`` for an article page (valid UTF-8
first, since pages often declare a charset they were not saved in)."""
from __future__ import annotations

import codecs
import re
from email.message import Message

import charset_normalizer

_DETECT_SAMPLE = 256 * 1024
_PRESCAN = 4096
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_.:+-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([a-z0-9_.:+-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# decode_html's own reading of <meta charset>, kept as it was: unlike _META_CHARSET it
# takes the last charset in a tag and looks at the first 16 KiB.
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


def detect_encoding(body: bytes, mime: str, content_type: str = "") -> str | None:
    """The header's charset; else a BOM; else the document's own declaration (HTML meta,
    XML declaration); else, for text, a guess."""
    declared = _codec(_header_charset(content_type))
    if declared:
        return declared
    if not _is_text(mime):
        return None
    if bom := _bom(body):
        return bom
    if "html" in mime or "xml" in mime:
        head = body[:_PRESCAN]
        for match in (_XML_ENCODING.search(head), _META_CHARSET.search(head)):
            if match and _codec(match.group(1).decode("ascii")):
                return _codec(match.group(1).decode("ascii"))
    return _guess(body)


def _bom(body: bytes) -> str | None:
    return next((name for bom, name in _BOMS if body.startswith(bom)), None)


def _header_charset(content_type: str) -> str | None:
    if not content_type:
        return None
    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_charset()


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        codecs.lookup(label)
    except LookupError:
        return None
    return label.lower()


def _is_text(mime: str) -> bool:
    return (not mime or mime.startswith("text/") or mime.endswith(("+xml", "+json", "/xml", "/json"))
            or "html" in mime or "mpegurl" in mime or mime == "application/javascript")


def _guess(body: bytes) -> str | None:
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body[:_DETECT_SAMPLE]).best()
    return best.encoding if best else None


def decode_html(html: bytes | str) -> str:
    """Bytes as text: a BOM, else UTF-8 when the bytes are valid UTF-8 (pages often
    declare a charset they were not saved in), else the declared charset."""
    if isinstance(html, bytes):
        html = _decode_bytes(html)
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", html)


def _decode_bytes(raw: bytes) -> str:
    if bom := _bom(raw):
        return raw.decode("utf-8-sig" if bom == "utf-8" else bom, "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(raw[:16384])
    declared = match.group(1).decode("ascii", "ignore").lower() if match else ""
    declared = {"gb2312": "gb18030", "gbk": "gb18030", "iso-8859-1": "cp1252",
                "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}.get(declared, declared)
    try:
        return raw.decode(declared or "cp1252", "replace")
    except LookupError:
        return raw.decode("cp1252", "replace")
