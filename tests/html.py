"""Small helpers to read rendered pages the way a user (or a screen reader) meets them."""

from html.parser import HTMLParser


class PageOutline(HTMLParser):
    """Collects the parts of a page that accessibility and content tests look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.labels_for: set[str] = set()
        self._text_stack: list[list] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag == "label" and attributes.get("for"):
            self.labels_for.add(attributes["for"])
        if tag in {"h1", "h2", "h3", "a"}:
            self._text_stack.append([tag, attributes, []])

    def handle_data(self, data):
        for entry in self._text_stack:
            entry[2].append(data)

    def handle_endtag(self, tag):
        if self._text_stack and self._text_stack[-1][0] == tag:
            name, attributes, parts = self._text_stack.pop()
            text = " ".join("".join(parts).split())
            if name == "a":
                self.links.append((text, attributes.get("href", "")))
            else:
                self.headings.append((name, text))

    def find_all(self, tag: str) -> list[dict]:
        return [attributes for name, attributes in self.tags if name == tag]

    def heading_texts(self, level: str) -> list[str]:
        return [text for name, text in self.headings if name == level]

    def link_to(self, text: str) -> str | None:
        return next((href for link_text, href in self.links if link_text == text), None)


def outline(response) -> PageOutline:
    parser = PageOutline()
    parser.feed(response.content.decode())
    return parser
