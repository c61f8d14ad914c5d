"""The only way to a catalog file: ``digital_file`` checks access, then streams the file
from private storage (never from MEDIA_ROOT), with single byte ranges for seeking in
audio and video."""

import logging
import mimetypes
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from catalog.models import DigitalFile, DigitalFormat
from catalog.selectors import digital_file_access, digital_file_download_name
from library_site.params import MAX_DIGITS, MAX_ID

logger = logging.getLogger(__name__)

RANGE_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")  # ASCII digits only (\d matches any script's)


class RangeNotSatisfiable(Exception):
    pass


@require_safe
@xframe_options_sameorigin  # the library's own pages may embed a PDF or a player
def digital_file(request, pk: int, filename: str | None = None):
    """Serve a digital file to a user allowed to open it (``filename`` in the URL is only
    for a readable download name). Anonymous users who must sign in are sent to
    ``LOGIN_URL``; others who may not open it see why (403); files of withdrawn records
    are not found (404). Links redirect to their URL after the same check."""
    item = get_object_or_404(DigitalFile.objects.select_related("record__library"), pk=pk)
    decision = digital_file_access(user=request.user, digital_file=item)
    if not decision.allowed:
        if decision.status == 404:
            raise Http404(decision.reason)
        if decision.status == 302:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        context = {"reason": decision.reason, "digital_file": item, "record": item.record}
        return render(request, "catalog/access_denied.html", context, status=decision.status)

    if item.format == DigitalFormat.LINK:
        if not item.url:
            raise Http404("This link has no address.")
        response = HttpResponseRedirect(item.url)
        patch_cache_control(response, private=True)
        return response
    if not item.file:
        raise Http404("This digital file has no file.")
    try:
        stored = item.file.storage.open(item.file.name, "rb")
    except FileNotFoundError:
        logger.warning("Digital file %s is missing from private storage: %s", item.pk, item.file.name)
        raise Http404("The file is missing.") from None
    return _file_response(request, item, stored)


def _file_response(request, item: DigitalFile, stored) -> HttpResponse:
    size = stored.size
    content_type = item.mime_type or mimetypes.guess_type(item.file.name)[0] or "application/octet-stream"
    etag = f'"{item.sha256}"' if item.sha256 else None

    try:
        byte_range = _requested_range(request, size=size, etag=etag)
    except RangeNotSatisfiable:
        stored.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _secure(response)

    if byte_range is None:
        response = FileResponse(stored, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        response = FileResponse(_FileSlice(stored, start, end - start + 1), content_type=content_type, status=206)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = etag
    response["Content-Disposition"] = content_disposition(digital_file_download_name(item))
    return _secure(response)


def _secure(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True)
    return response


def _requested_range(request, *, size: int, etag: str | None) -> tuple[int, int] | None:
    """The single byte range asked for, as inclusive (start, end), or None for the whole
    file: no Range header, another unit, several ranges, or an If-Range that no longer
    matches. Raises ``RangeNotSatisfiable`` for a malformed or unsatisfiable bytes range."""
    header = request.headers.get("Range", "").strip()
    if not header:
        return None
    unit, _sep, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not _sep:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and (etag is None or if_range.strip() != etag):
        return None
    spec = spec.strip()
    if "," in spec:
        return None  # several ranges: answer with the whole file, which HTTP allows
    match = RANGE_SPEC.match(spec)
    if not match or match.groups() == ("", "") or size == 0:
        raise RangeNotSatisfiable
    # ASCII digits (the pattern says so); more than MAX_DIGITS of them (int() of 5,000
    # digits raises) is an offset past the end of any file.
    first, last = (None if not value else MAX_ID if len(value) > MAX_DIGITS else int(value) for value in match.groups())
    if first is None:
        if last == 0:
            raise RangeNotSatisfiable
        return max(0, size - last), size - 1
    start = first
    end = last if last is not None else size - 1
    if end < start or start >= size:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


class _FileSlice:
    """``length`` bytes of ``file`` from ``start``, read in blocks by FileResponse."""

    def __init__(self, file, start: int, length: int):
        file.seek(start)
        self.file = file
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self.file.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """``inline; filename="<ASCII fallback>"; filename*=UTF-8''<name>`` (RFC 6266), so
    Vietnamese names arrive intact and old clients still get a usable name."""
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(char for char in ascii_name if not unicodedata.combining(char))
    ascii_name = ascii_name.encode("ascii", "replace").decode().replace("?", "_")
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
