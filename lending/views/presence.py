"""*Readers → Members → Add an existing person*: a person another library already serves
becomes a member here only while they are at the desk (``lending.services.presence``).

Two steps on one URL. First the proof: the card's QR code, or the ID and date of birth
typed by staff. Nothing about the person is shown until the proof matches; then only
their name and ID, never what another library holds (class, contact, photo). The second
step asks what this library needs (category, class, school year, consent) and carries
the identified person in a signed token bound to the staff user, valid for a few
minutes: staff never pick a person by id."""

import datetime

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lending.models import CardBatch, Membership, MembershipStatus, Reader, ReaderCategory
from lending.services import presence
from lending.tasks import card_batch_run
from library_site.libraries.forms import library_field_for_user
from library_site.libraries.selectors import library_list_for_user

TOKEN_SALT = "lending.membership_add_existing"
TOKEN_MAX_AGE = 15 * 60
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class ProofForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Library"))
    card_code = forms.CharField(
        required=False,
        max_length=300,
        strip=False,
        label=gettext_lazy("Scan the card's QR code"),
        help_text=gettext_lazy(
            "A valid card of any library. The printed card number is not enough: anyone who knows the ID can write it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    login = forms.CharField(
        required=False,
        max_length=110,
        label=gettext_lazy("Or type the ID"),
        help_text=gettext_lazy("As on the card: 7900012345, or library-code:number for a local ID."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        label=gettext_lazy("and the date of birth"),
        help_text=gettext_lazy("dd/mm/yyyy, from the person or their parent, not from a list."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "dd/mm/yyyy"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        library_field_for_user(self.fields["library"], user=user)

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("card_code") or ""
        if code.strip():
            if not presence.card_code_is_qr(code):
                self.add_error(
                    "card_code",
                    _("This is not a card's QR code. Scan the QR code, or type the ID and date of birth."),
                )
            return cleaned
        cleaned["card_code"] = ""
        if "date_of_birth" in self.errors:
            return cleaned
        if not (cleaned.get("login") or "").strip() or cleaned.get("date_of_birth") is None:
            raise forms.ValidationError(_("Scan the card's QR code, or type both the ID and the date of birth."))
        return cleaned


class MemberDetailsForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=ReaderCategory.choices)
    class_name = forms.CharField(
        required=False, max_length=20, label=gettext_lazy("Class"), help_text=gettext_lazy("Students: e.g. 7A3.")
    )
    school_year = forms.RegexField(
        regex=r"^\d{4}-\d{4}$",
        required=False,
        max_length=9,
        label=gettext_lazy("School year"),
        help_text=gettext_lazy("E.g. 2026-2027."),
    )
    consent_given_by = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Consent given by"),
        help_text=gettext_lazy("Residents (Decree 13/2023/NĐ-CP): the reader, or the parent or guardian of a child."),
    )
    consent_version = forms.CharField(required=False, max_length=20, label=gettext_lazy("Consent text version"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("category") == ReaderCategory.STUDENT and not (cleaned.get("class_name") or "").strip():
            self.add_error("class_name", _("A student needs a class."))
        return cleaned


def _require_add_access(request):
    user = request.user
    if not (user.is_authenticated and user.has_perm("lending.add_membership")):
        raise PermissionDenied
    if not library_list_for_user(user=user).exists():
        raise PermissionDenied


def _current_school_year() -> str:
    today = timezone.localdate()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def _token_make(*, user, library, reader, proof) -> str:
    return signing.dumps({"user": user.pk, "library": library.pk, "reader": reader.pk, "proof": proof}, salt=TOKEN_SALT)


def _token_read(request, token: str):
    """The library, reader and proof the token carries, or None when it is forged,
    expired, another user's, or names a library the user no longer works for."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=datetime.timedelta(seconds=TOKEN_MAX_AGE))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != request.user.pk or data.get("proof") not in presence.PROOFS:
        return None
    library = library_list_for_user(user=request.user).filter(pk=data.get("library")).first()
    reader = Reader.objects.filter(pk=data.get("reader"), anonymised_at__isnull=True).first()
    if library is None or reader is None:
        return None
    return library, reader, data["proof"]


def _confirmation(request, *, library, reader, proof, form):
    previous = Membership.objects.filter(reader=reader, library=library, status=MembershipStatus.LEFT).first()
    return TemplateResponse(
        request,
        "lending/admin/membership_add_existing_confirm.html",
        {"library": library, "person": reader, "proof": proof, "form": form, "previous": previous},
    )


def membership_add_existing_view(request):
    _require_add_access(request)
    if request.method == "POST" and "token" in request.POST:
        return _details_step(request)
    form = ProofForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        library = form.cleaned_data["library"]
        try:
            reader, proof = presence.reader_prove_present(
                library=library,
                by_user=request.user,
                card_code=form.cleaned_data["card_code"],
                login=form.cleaned_data["login"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
            presence.membership_already_check(library=library, reader=reader, proof=proof, by_user=request.user)
        except presence.ProofRefused as refused:
            form.add_error(None, refused.message)
        except ValidationError as refused:
            messages.warning(request, " ".join(refused.messages))
            return redirect("lending_membership_add_existing")
        else:
            details = MemberDetailsForm(
                initial={
                    "token": _token_make(user=request.user, library=library, reader=reader, proof=proof),
                    "category": ReaderCategory.STUDENT,
                    "school_year": _current_school_year(),
                }
            )
            return _confirmation(request, library=library, reader=reader, proof=proof, form=details)
        # A scanned code is scanned again rather than corrected.
        form.data = form.data.copy()
        form.data["card_code"] = ""
    return TemplateResponse(
        request,
        "lending/admin/membership_add_existing.html",
        {
            "form": form,
            "locked": presence.proof_locked(user=request.user),
            "max_failures": presence.proof_max_failures(),
        },
    )


def _details_step(request):
    form = MemberDetailsForm(request.POST)
    found = _token_read(request, request.POST.get("token", ""))
    if found is None:
        messages.error(
            request, _("The identification has expired. Scan the card or type the ID and date of birth again.")
        )
        return redirect("lending_membership_add_existing")
    library, reader, proof = found
    if not form.is_valid():
        return _confirmation(request, library=library, reader=reader, proof=proof, form=form)
    try:
        membership = presence.membership_add_existing(
            library=library,
            reader=reader,
            proof=proof,
            by_user=request.user,
            category=form.cleaned_data["category"],
            class_name=form.cleaned_data["class_name"],
            school_year=form.cleaned_data["school_year"],
            consent_given_by=form.cleaned_data["consent_given_by"],
            consent_version=form.cleaned_data["consent_version"],
        )
    except ValidationError as refused:
        messages.warning(request, " ".join(refused.messages))
        return redirect("lending_membership_add_existing")
    messages.success(
        request,
        _("%(name)s is now a member of %(library)s. Their card is being drawn.")
        % {"name": reader.full_name, "library": library.short_name},
    )
    batch = CardBatch.objects.create(
        library=library, requested_by=request.user, membership_ids=[membership.pk], format="png"
    )
    card_batch_run.enqueue(batch.pk)
    return redirect("lending_card_batch_detail", pk=batch.pk)
