"""What a reader sees on a page, and the wording faults a Russian reader would notice.

Text inside ``<code>``/``<kbd>``/``<samp>`` is a code meant to be shown (an indicator code in
the catalogue, a column name to type into a CSV file): it is left out of the checks.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

HIDDEN = {"script", "style", "template", "code", "kbd", "samp", "pre"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Elements whose text is a message or a heading: it starts with a capital letter.
# (Table cells, options and radio labels may be lower case: «черновик», «муниципальное».)
SENTENCES = {"title", "h1", "h2", "h3", "h4", "h5", "h6", "p", "button", "legend", "caption",
             "summary"}
SPOKEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
SENTENCE_CLASSES = re.compile(r"\b(alert|invalid-feedback|form-text)\b")

# Latin words a Russian page may show: formats, the language switch, product names.
ALLOWED_LATIN = {"RU", "EN", "XLSX", "CSV", "PDF", "DOCX", "ODT", "JPEG", "PNG", "UTF", "BOM", "xlsx", "csv",
                 "Windows", "Excel", "http", "https", "МБ"}
NOT_WORDS = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+|\b[\w.-]+\.(?:pdf|png|docx|odt|xlsx|"
                       r"jpe?g|csv)\b", re.I)
LATIN_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z_]*[A-Za-z](?![\w-])")
ROMAN = re.compile(r"^[IVX]+$")  # quarters: «IV квартал»
DOUBLE_DOT = re.compile(r"(?<![.…])\.\.(?![.…])")
REPEATED_UNIT = re.compile(r"\(([^()]{3,})\),?\s+\1\b")
SENTENCE_THEN_BRACKET = re.compile(r"[.!?]\s+\([^)]")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, list[str] | None]] = []
        self.chunks: list[str] = []
        self.sentences: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden, _buf in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if not self._hidden() and attributes.get("type") != "hidden":
            self.chunks += [attributes[name] or "" for name in SPOKEN_ATTRIBUTES
                            if name in attributes]
        if tag in VOID:
            return
        hidden = tag in HIDDEN or "hidden" in attributes
        sentence = (tag in SENTENCES or "data-problem" in attributes
                    or bool(SENTENCE_CLASSES.search(attributes.get("class") or "")))
        self.stack.append((tag, hidden, [] if sentence else None))

    def handle_endtag(self, tag):
        if tag in VOID or not any(t == tag for t, _h, _b in self.stack):
            return
        while self.stack:
            name, _hidden, buffer = self.stack.pop()
            if buffer is not None and "".join(buffer).strip():
                self.sentences.append(" ".join("".join(buffer).split()))
            if name == tag:
                break

    def handle_data(self, data):
        if self._hidden():
            return
        self.chunks.append(data)
        for _tag, _hidden, buffer in self.stack:
            if buffer is not None:
                buffer.append(data)


def read(html: str) -> tuple[str, list[str]]:
    """The visible text of ``html`` (one line per text chunk) and its sentence elements."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    lines = (" ".join(chunk.split()) for chunk in reader.chunks)
    return "\n".join(line for line in lines if line), reader.sentences


def faults(html: str, data_words: frozenset[str] = frozenset()) -> list[str]:
    """Everything a Russian reader would stumble on in the visible text of a page.

    ``data_words``: Latin words that are data, not interface (the demo's logins).
    """
    text, sentences = read(html)
    words = LATIN_WORD.findall(NOT_WORDS.sub(" ", text))
    found = [f"English or a raw code: {word!r}" for word in words
             if word not in ALLOWED_LATIN and word not in data_words and not ROMAN.match(word)]
    found += [f"double dot: {line!r}" for line in text.splitlines() if DOUBLE_DOT.search(line)]
    found += [f"unit repeated: {line!r}" for line in text.splitlines()
              if REPEATED_UNIT.search(line)]
    found += [f"bracket after a full stop: {line!r}" for line in text.splitlines()
              if SENTENCE_THEN_BRACKET.search(line)]
    found += [f"starts in lower case: {s!r}" for s in sentences
              if s[0].islower() and s.split()[0].rstrip(".,:") not in data_words]
    return found
