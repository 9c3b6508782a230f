"""Upstream XML is hostile until proven otherwise: refuse entity declarations before
any parser sees the bytes, and parse what we read ourselves without expanding
entities or touching the network or the file system."""
from __future__ import annotations

import re

from lxml import etree

from feeds.errors import ParseError

REFUSED = "refused: the document declares XML entities"

_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHAR_REF_RUN = re.compile(rb"(?:&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});)+")
_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")
_REPLACEMENT = 0xFFFD


class _NoExternalLoads(etree.Resolver):
    """Answers every DTD, entity or XInclude lookup with nothing, file:// included,
    which ``no_network`` alone would still read."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        return self.resolve_empty(context)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )
    parser.resolvers.add(_NoExternalLoads())
    return parser


def _tree(body: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        return None


def _lxml_sees_entities(root: etree._Element | None) -> bool:
    if root is None:
        return False
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _markup_declares_entities(body: bytes) -> bool:
    """A lexical check for what a parser that gave up early would miss. NUL bytes are
    dropped so that UTF-16 and UTF-32 documents read as ASCII; CDATA sections are
    skipped, since an entity cannot be declared inside one."""
    return _ENTITY_DECL.search(_CDATA.sub(b"", body.replace(b"\x00", b""))) is not None


def _refuse_entities(body: bytes, root: etree._Element | None) -> None:
    if _lxml_sees_entities(root) or _markup_declares_entities(body):
        raise ParseError(REFUSED)


def guard_xml(body: bytes) -> bytes:
    """The same bytes, or ParseError when the document declares entities (billion
    laughs, quadratic blowup, XXE). A doctype without entities, such as RSS 0.91's
    Netscape DTD reference, passes; the DTD itself is never fetched."""
    _refuse_entities(body, _tree(body))
    return body


def parse_xml(body: bytes) -> etree._Element:
    """The root element of XML we read ourselves, parsed leniently (``recover``) with
    no entity expansion, no DTD and no network."""
    root = _tree(body)
    _refuse_entities(body, root)
    if root is None:
        raise ParseError("not XML: the document could not be parsed.")
    if not _decodable(root):
        raise ParseError("not XML: the document has characters that cannot be decoded.")
    return root


def _decodable(root: etree._Element) -> bool:
    """In ``recover`` mode libxml2 keeps some invalid input (``&#xD800;``, say) as
    bytes that lxml only fails to decode when a name, text or attribute is read."""
    try:
        for element in root.iter():
            element.tag, element.text, element.tail, element.items()
    except UnicodeDecodeError:
        return False
    return True


def repair_char_refs(body: bytes) -> bytes:
    """Numeric character references to UTF-16 surrogates (``&#55357;&#56832;``, as some
    CMSs write emoji) joined into the character they encode, and any left unpaired or
    beyond U+10FFFF turned into U+FFFD: feedparser's fallback parser crashes on them."""
    if b"&#" not in body:
        return body
    return _CHAR_REF_RUN.sub(_repair_run, body)


def _repair_run(match: re.Match[bytes]) -> bytes:
    codes = [int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
             for ref in _CHAR_REF.findall(match.group(0))]
    if all(code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF for code in codes):
        return match.group(0)
    return b"".join(b"&#x%X;" % code for code in _join_surrogates(codes))


def _join_surrogates(codes: list[int]) -> list[int]:
    joined: list[int] = []
    position = 0
    while position < len(codes):
        code = codes[position]
        low = codes[position + 1] if position + 1 < len(codes) else 0
        if 0xD800 <= code <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
            joined.append(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
            position += 2
            continue
        joined.append(_REPLACEMENT if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else code)
        position += 1
    return joined
