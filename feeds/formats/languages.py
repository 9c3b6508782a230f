"""Language tags as Roku's fields want them: ISO 639-2 (bibliographic) for captions,
from the BCP 47 tags feeds write (``en-us``, ``pt-BR``, ``zh-Hant``)."""
from __future__ import annotations

import re

LANGUAGE = re.compile(r"[a-z]{2,3}(-([A-Za-z]{2}|[0-9]{3}))?")

ISO_639_2 = {
    "af": "afr", "am": "amh", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "bn": "ben",
    "bs": "bos", "ca": "cat", "cs": "cze", "cy": "wel", "da": "dan", "de": "ger", "el": "gre",
    "en": "eng", "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin", "fil": "fil",
    "fr": "fre", "ga": "gle", "gl": "glg", "gu": "guj", "ha": "hau", "he": "heb", "hi": "hin",
    "hr": "hrv", "hu": "hun", "hy": "arm", "id": "ind", "is": "ice", "it": "ita", "ja": "jpn",
    "ka": "geo", "kk": "kaz", "km": "khm", "kn": "kan", "ko": "kor", "ku": "kur", "ky": "kir",
    "lo": "lao", "lt": "lit", "lv": "lav", "mk": "mac", "ml": "mal", "mn": "mon", "mr": "mar",
    "ms": "may", "mt": "mlt", "my": "bur", "nb": "nob", "ne": "nep", "nl": "dut", "nn": "nno",
    "no": "nor", "pa": "pan", "pl": "pol", "ps": "pus", "pt": "por", "ro": "rum", "ru": "rus",
    "si": "sin", "sk": "slo", "sl": "slv", "so": "som", "sq": "alb", "sr": "srp", "sv": "swe",
    "sw": "swa", "ta": "tam", "te": "tel", "th": "tha", "tl": "tgl", "tr": "tur", "uk": "ukr",
    "ur": "urd", "uz": "uzb", "vi": "vie", "xh": "xho", "yo": "yor", "zh": "chi", "zu": "zul",
}
_KNOWN_3 = set(ISO_639_2.values()) | {"fra", "deu", "nld", "zho", "ces", "ell", "fas", "slk"}


def iso639_2(tag: str | None) -> str | None:
    """``eng`` from ``en``, ``en-us`` or ``eng``; ``None`` when the tag names no language
    we know."""
    head = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    if head in ISO_639_2:
        return ISO_639_2[head]
    return head if head in _KNOWN_3 else None


def roku_language(language: str | None) -> str:
    """ISO 639 with an optional region (``en``, ``en-US``), as the feed's root wants; else ``en``."""
    code = (language or "").strip().replace("_", "-")
    head, _, region = code.partition("-")
    code = head.lower() + (f"-{region}" if region else "")
    return code if LANGUAGE.fullmatch(code) else "en"
