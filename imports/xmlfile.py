"""Reading a return sent as XML (the CIN census, the SSDA903 as one file), streamed.

The file is read element by element (iterparse), and each child's element is let go of as soon
as it has been read, so a census of 100,000 children takes no more memory than one of ten.
It is parsed with defusedxml: a file that declares a document type or entities (the way an
"entity expansion" attack works) is refused, never expanded. Every element remembers the line
it starts on, so an error says "line 42, element CPPstartDate" and the person finds it at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError, iterparse

from .reading import BadFile, Problem


def _local(tag: str) -> str:
    """An element's name without its namespace ("{urn:…}Child" is "Child")."""
    return tag.rsplit("}", 1)[-1]


class _Builder(TreeBuilder):
    """Builds the elements, noting the line each starts on (read from the parser while it is
    at that element's start tag)."""

    def __init__(self):
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[Element, int] = {}

    def start(self, tag, attrs):
        element = super().start(_local(tag), attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


@dataclass(frozen=True, slots=True)
class Found:
    """An element's text and the line it is on."""

    text: str
    line: int


class Items:
    """The item elements (each Child, each CHILD) of a file, one at a time.

    Iterating yields each item once it is complete; `found(element, name)` reads a child
    element's text with its line. A file that is not XML, or whose root element is not one of
    `roots`, raises BadFile naming the file and the line."""

    def __init__(self, name: str, data: bytes, *, roots: tuple[str, ...], item: str, what: str):
        self.name, self.data, self.roots, self.item, self.what = name, data, roots, item, what
        self._builder = _Builder()

    def line(self, element: Element) -> int:
        return self._builder.lines.get(element, 0)

    def found(self, element: Element | None, name: str) -> Found | None:
        """The text of `element`'s first child called `name`, or None if it has none."""
        if element is None:
            return None
        child = element.find(name)
        if child is None:
            return None
        return Found((child.text or "").strip(), self.line(child))

    def all(self, element: Element, path: str) -> list[Found]:
        return [Found((e.text or "").strip(), self.line(e)) for e in element.iterfind(path)]

    def _bad(self, line: int | None, message: str) -> BadFile:
        return BadFile([Problem(self.name, line, None, "", message, xml=True)])

    def __iter__(self) -> Iterator[Element]:
        if not self.data or self.data.isspace():  # (strip would copy the whole file)
            raise self._bad(None, "The file is empty.")
        parser = DefusedXMLParser(target=self._builder, forbid_dtd=True)
        self._builder.parser = parser
        stack: list[Element] = []
        try:
            for event, element in iterparse(
                io.BytesIO(self.data), events=("start", "end"), parser=parser
            ):
                if event == "start":
                    if not stack and element.tag not in self.roots:
                        raise self._bad(
                            self.line(element),
                            f"The file is not {self.what}: it starts with <{element.tag}>, "
                            f"not <{self.roots[0]}>.",
                        )
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag != self.item:
                    continue
                yield element
                # Done with it: let it go (and the lines of everything in it).
                for inner in element.iter():
                    self._builder.lines.pop(inner, None)
                if stack:
                    stack[-1].remove(element)
        except ParseError as error:
            line = error.position[0] if error.position else None
            raise self._bad(
                line,
                "The file is not XML, or not all of it: this line cannot be read. "
                f"Export {self.what} from the case-management system again.",
            ) from None
        except DefusedXmlException:
            raise self._bad(
                None,
                "The file declares a document type or entities, which a return never has: "
                "it was not read.",
            ) from None
