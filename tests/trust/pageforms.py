"""Read a form off a page as a browser would send it: what two people "loading the same form"
then post. Inputs (checked boxes and radios only), selected options and text areas."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._form.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the one newline that follows the opening tag.
            text = "".join(self._text)
            self._form.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_data(response, having: str) -> dict[str, str | list[str]]:
    """The fields of the page's form that has a field named `having`, as a dict for the test
    client (a name sent more than once becomes a list)."""
    parser = _Forms()
    parser.feed(response.content.decode())
    for fields in parser.forms:
        if any(name == having for name, _ in fields):
            data: dict[str, str | list[str]] = {}
            for name, value in fields:
                if name in data:
                    earlier = data[name]
                    data[name] = (
                        [*earlier, value] if isinstance(earlier, list) else [earlier, value]
                    )
                else:
                    data[name] = value
            return data
    raise AssertionError(f"No form with a field named {having!r} on the page")
