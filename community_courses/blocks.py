"""Blocks of a lesson: text, video, documents and materials from the shared catalog."""

import re
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from library_site.portals.blocks import CaptionedImageBlock

VIDEO_FILE_EXTENSIONS = (".mp4", ".webm", ".ogv", ".m4v")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def video_embed(url: str) -> dict:
    """How a video link is shown: ``{"kind": "youtube", "src": …}`` for YouTube (through
    youtube-nocookie.com, which sets no tracking cookie before playing), ``"file"`` for a
    direct MP4/WebM link played by the browser's own player, else ``"link"``."""
    parsed = urlparse(url or "")
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host == "youtu.be":
        video_id = parsed.path.strip("/").split("/")[0]
    elif host in {"youtube.com", "youtube-nocookie.com"}:
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
    if video_id and _YOUTUBE_ID.match(video_id):
        return {"kind": "youtube", "src": f"https://www.youtube-nocookie.com/embed/{video_id}"}
    if parsed.path.lower().endswith(VIDEO_FILE_EXTENSIONS):
        return {"kind": "file", "src": url}
    return {"kind": "link", "src": url}


class VideoBlock(blocks.StructBlock):
    url = blocks.URLBlock(
        label=_("video link"),
        help_text=_("A YouTube address, or a direct link to an MP4 or WebM file."),
    )
    title = blocks.CharBlock(label=_("title"), help_text=_("Names the video for screen readers."))
    transcript = blocks.TextBlock(
        label=_("transcript or summary"),
        required=False,
        help_text=_("What is said in the video, for learners who cannot watch or hear it."),
    )

    class Meta:
        icon = "media"
        template = "community_courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if urlparse(value["url"]).scheme != "https":
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError(_("Use a secure (https://) link."))}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed"] = video_embed(value["url"])
        return context


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(label=_("link text"), required=False, help_text=_("Empty uses the document's title."))

    class Meta:
        icon = "doc-full"
        template = "community_courses/blocks/document.html"


class MaterialBlock(blocks.StructBlock):
    """A record of the shared catalog: its digital files open through the catalog's
    access-checked view, so licences and access levels apply inside a lesson too."""

    record = SnippetChooserBlock("catalog.Record", label=_("catalog record"))
    note = blocks.CharBlock(label=_("note"), required=False, help_text=_("E.g. read pages 10–24."))

    class Meta:
        icon = "folder-open-inverse"
        template = "community_courses/blocks/material.html"


class LessonBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("heading"), form_classname="title", template="portals/blocks/heading.html")
    paragraph = blocks.RichTextBlock(
        label=_("paragraph"), features=["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]
    )
    image = CaptionedImageBlock(label=_("image"))
    video = VideoBlock(label=_("video"))
    document = DocumentBlock(label=_("document"))
    material = MaterialBlock(label=_("catalog material"))
