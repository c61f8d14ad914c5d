"""Forms of the public pages: joining, the satisfaction survey (built from its template),
the learning-needs survey and the kiosk sign-in. They only collect input; the services
decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .consent import ConsentPurpose, ConsentText, consent_text
from .models import (
    AgeGroup,
    CourseTopic,
    PreferredFormat,
    PreferredTime,
    QuestionKind,
    SurveyTemplate,
)


class ConsentMixin:
    """A required "I agree" box whose label is the purpose's current consent text; the
    text the person saw is ``shown_consent()`` (recorded verbatim by the services)."""

    consent_purpose = ""

    def _add_consent_field(self) -> None:
        self._consent = consent_text(self.consent_purpose)
        self.fields["consent"] = forms.BooleanField(
            label=self._consent.text,
            required=True,
            error_messages={"required": _("Tick the box to give your consent; without it we cannot go on.")},
        )

    def shown_consent(self) -> ConsentText:
        return self._consent


AGE_GROUP_CHOICES = [("", _("Prefer not to say")), *[c for c in AgeGroup.choices if c[0] != AgeGroup.UNKNOWN]]


class EnrolForm(ConsentMixin, forms.Form):
    """Age group is asked only of accounts without a date of birth on file. Joining needs
    the resident's consent (the box must be ticked)."""

    consent_purpose = ConsentPurpose.ENROLMENT

    age_group = forms.ChoiceField(label=_("Your age group"), choices=AGE_GROUP_CHOICES, required=False)
    ward = forms.CharField(
        label=_("Ward where you live"),
        max_length=100,
        required=False,
        help_text=_("Only used to count participants by ward; never shown with your name."),
    )

    def __init__(self, *args, ask_age: bool = True, ward_initial: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_age:
            del self.fields["age_group"]
        self.fields["ward"].initial = ward_initial
        self._add_consent_field()


class KioskJoinForm(EnrolForm):
    """At the kiosk the resident proves who they are with the ID on their card and their
    password; no session is opened on the shared screen."""

    username = forms.CharField(label=_("ID on your card"), max_length=120)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)

    field_order = ["username", "password", "age_group", "ward", "consent"]

    def __init__(self, *args, card_scanned: bool = False, **kwargs):
        super().__init__(*args, ask_age=True, **kwargs)
        if card_scanned:
            # The reader scanned their card at the circulation kiosk of this device: the
            # card's signed QR code already says who they are.
            del self.fields["username"], self.fields["password"]
            return
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "off"})


class SurveyForm(forms.Form):
    """One field per question of the template: ``q<question id>``."""

    anonymous = forms.BooleanField(
        label=_("Answer anonymously"),
        required=False,
        initial=True,
        help_text=_(
            "Your before and after answers are still compared, but they are not linked to your name. "
            "Results are only shown for groups of several people."
        ),
    )

    def __init__(self, *args, template: SurveyTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(template.questions.all())
        for question in self.questions:
            name = f"q{question.pk}"
            common = {"label": question.text, "required": question.required}
            if question.kind == QuestionKind.LIKERT:
                choices = [(str(score), f"{score} · {label}") for score, label in enumerate(question.likert_labels, 1)]
                field = forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect, **common)
            elif question.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(
                    choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect, **common
                )
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=[(c, c) for c in question.choice_list], widget=forms.CheckboxSelectMultiple, **common
                )
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)
            field.question = question
            self.fields[name] = field
        self.order_fields([f"q{question.pk}" for question in self.questions] + ["anonymous"])

    def answers(self) -> dict:
        return {name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("q")}

    def question_fields(self):
        return [self[f"q{question.pk}"] for question in self.questions]


class LearningNeedForm(ConsentMixin, forms.Form):
    consent_purpose = ConsentPurpose.LEARNING_NEEDS

    topics = forms.MultipleChoiceField(
        label=_("What would you like to learn?"),
        choices=CourseTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_topic = forms.CharField(label=_("Another topic"), max_length=200, required=False)
    times = forms.MultipleChoiceField(
        label=_("When can you learn?"),
        choices=PreferredTime.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    formats = forms.MultipleChoiceField(
        label=_("How would you like to learn?"),
        choices=PreferredFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    wish = forms.CharField(
        label=_("Anything else you wish the centre offered?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
    )
    age_group = forms.ChoiceField(label=_("Your age group"), choices=AGE_GROUP_CHOICES, required=False)
    ward = forms.CharField(label=_("Ward where you live"), max_length=100, required=False)
    # Left empty by people; filled by bots that fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_consent_field()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("topics") or cleaned.get("other_topic") or cleaned.get("wish")):
            raise forms.ValidationError(_("Choose at least one topic, or write what you would like to learn."))
        return cleaned
