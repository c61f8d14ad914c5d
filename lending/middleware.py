"""Reader sessions on shared PCs (school computer rooms, the library's catalogue PCs).

A reader (a user with a linked ``lending.Reader`` and no staff access) is signed in
only until the browser closes (``set_expiry(0)``) and is signed out after
``READER_SESSION_IDLE_SECONDS`` (default two hours) without a request. The time of the
last request is kept in the session and written at most once a minute, so reading pages
does not save the session on every request. Staff sessions are left as Django makes them:
a librarian who is also a reader is staff here."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.translation import gettext as _

from library_site.libraries.selectors import user_is_library_staff

LAST_SEEN_KEY = "reader_last_seen"
KIND_KEY = "reader_session"  # [user pk, whether the session is a reader's]
WRITE_EVERY_SECONDS = 60


def is_reader_session_user(user) -> bool:
    """Whether ``user``'s sessions follow the shared-PC rules."""
    if not user.is_authenticated or user_is_library_staff(user):
        return False
    reader = getattr(user, "reader", None)
    return reader is not None


def reader_session_start(request) -> None:
    """Called at sign-in: a reader's session ends with the browser and when idle."""
    if is_reader_session_user(request.user):
        request.session.set_expiry(0)
        request.session[KIND_KEY] = [request.user.pk, True]
        request.session[LAST_SEEN_KEY] = int(timezone.now().timestamp())


class ReaderSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._is_reader_session(request):
            self._enforce(request)
        return self.get_response(request)

    @staticmethod
    def _is_reader_session(request) -> bool:
        kind = request.session.get(KIND_KEY)
        if not kind or kind[0] != request.user.pk:
            kind = [request.user.pk, is_reader_session_user(request.user)]
            request.session[KIND_KEY] = kind
        return kind[1]

    @staticmethod
    def _enforce(request) -> None:
        session = request.session
        now = int(timezone.now().timestamp())
        last_seen = session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > settings.READER_SESSION_IDLE_SECONDS:
            logout(request)  # flushes the session; the page asked for answers as for anyone signed out
            messages.info(request, _("You were signed out after a long time without activity. Please sign in again."))
            return
        if session.get("_session_expiry") != 0:
            session.set_expiry(0)  # signed in some other way than the readers' sign-in page
        if last_seen is None or now - last_seen >= WRITE_EVERY_SECONDS:
            session[LAST_SEEN_KEY] = now
