"""Pages of a signed-in reader: sign in with the card ID, choose a password, see the
card (full screen for the desk's scanner) and download it."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lending.auth import MUST_SET_PASSWORD, reader_login_locked
from lending.models import Card, Reader


class ReaderAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The ID or password is not right. The first time, the password is your date of birth as ddmmyyyy."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("Student or staff ID (on your card)")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text"})

    def clean(self):
        username = self.cleaned_data.get("username", "")
        if username and reader_login_locked(username):
            raise ValidationError(
                _("Too many failed attempts for this ID. Wait a few minutes, or ask the librarian."), code="locked"
            )
        return super().clean()


class ReaderLoginView(auth_views.LoginView):
    template_name = "lending/reader/login.html"
    authentication_form = ReaderAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self):
        if self.request.session.get(MUST_SET_PASSWORD):
            return reverse("reader:set_password")
        return super().get_success_url() if self.get_redirect_url() else reverse("reader:card")


def _reader_of(request) -> Reader:
    reader = getattr(request.user, "reader", None)
    if reader is None or reader.anonymised_at:
        raise Http404(_("This account is not a reader's account."))
    return reader


@login_required(login_url="reader:login")
def set_password_view(request):
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        request.session.pop(MUST_SET_PASSWORD, None)
        messages.success(request, _("Your password is saved. Use it next time you sign in."))
        return redirect("reader:card")
    return TemplateResponse(
        request,
        "lending/reader/set_password.html",
        {"form": form, "first_time": request.session.get(MUST_SET_PASSWORD)},
    )


@login_required(login_url="reader:login")
def card_view(request):
    if request.session.get(MUST_SET_PASSWORD):
        return redirect("reader:set_password")
    reader = _reader_of(request)
    memberships = reader.memberships.select_related("library").prefetch_related("cards")
    rows = [
        (membership, next((card for card in membership.cards.all() if card.revoked_at is None), None))
        for membership in memberships
    ]
    return TemplateResponse(
        request,
        "lending/reader/card.html",
        {"reader": reader, "rows": rows, "full_screen": request.GET.get("full") == "1"},
    )


@login_required(login_url="reader:login")
def card_image_view(request, pk):
    from lending.card_render import card_png

    reader = _reader_of(request)
    card = get_object_or_404(Card.objects.select_related("membership__library", "reader"), pk=pk, reader=reader)
    if card.revoked_at:
        raise Http404(_("This card was replaced by a newer one."))
    response = HttpResponse(card_png(card), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="the-ban-doc-{card.number}.png"'
    return response
