"""Public pages of the courses: joining, lessons, surveys, practice sign-up, the
learning-needs survey and the kiosk. Every write goes through ``services``; every page
works without JavaScript (forms post, then redirect)."""

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lending.kiosk import kiosk_from_request, kiosk_membership
from lending.services.readers import reader_account_ensure
from library_site.libraries.models import Library
from library_site.libraries.selectors import library_ids_for_user
from library_site.portals.models import LibraryHomePage
from library_site.portals.selectors import portal_for_library
from library_site.printing.barcodes import qr_svg

from .forms import EnrolForm, KioskJoinForm, LearningNeedForm, SurveyForm
from .models import CourseIndexPage, CoursePage, EnrolmentChannel, LessonPage, PracticeSession, SurveyPhase
from .selectors.participation import enrolment_for, survey_phase_open
from .services.enrolment import EnrolmentRefused, enrolment_create, lesson_complete, lesson_visit_record
from .services.practice import PracticeRefused, practice_registration_cancel, practice_registration_create
from .services.surveys import SurveyRefused, learning_need_submit, survey_response_submit


def _errors_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _works_for(user, library: Library | None) -> bool:
    return bool(library and user.is_authenticated and library.pk in library_ids_for_user(user=user))


def _course_or_404(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live(), pk=course_id)


def lesson_serve(lesson: LessonPage, request, *args, **kwargs):
    """``LessonPage.serve``: participants open the lesson (and the visit is counted);
    the centre's staff read it without being counted; everyone else is sent to the
    course page to join first."""
    course = lesson.get_parent().specific
    context = lesson.get_context(request, *args, **kwargs)
    enrolment = enrolment_for(course=course, user=request.user)
    if enrolment is None:
        if not _works_for(request.user, context["library"]):
            messages.info(request, _("Join the course to open its lessons."))
            return redirect(course.get_url(request))
    else:
        lesson_visit_record(enrolment=enrolment, lesson=lesson)
    lessons = list(course.lessons())
    position = next((index for index, item in enumerate(lessons) if item.pk == lesson.pk), 0)
    context.update(
        course=course,
        enrolment=enrolment,
        lesson_done=bool(enrolment and enrolment.completions.filter(lesson=lesson).exists()),
        lesson_number=position + 1,
        lesson_count=len(lessons),
        previous_lesson=lessons[position - 1] if position > 0 else None,
        next_lesson=lessons[position + 1] if position + 1 < len(lessons) else None,
    )
    response = TemplateResponse(request, lesson.get_template(request), context)
    add_never_cache_headers(response)  # per person: progress and buttons differ
    return response


@login_required
@require_POST
def enrol_view(request, course_id: int):
    course = _course_or_404(course_id)
    reader = getattr(request.user, "reader", None)
    form = EnrolForm(request.POST, ask_age=not (reader and reader.date_of_birth))
    if not form.is_valid():
        errors = " ".join(message for messages_ in form.errors.values() for message in messages_)
        messages.error(request, _("Check the form: %(errors)s") % {"errors": errors})
        return redirect(course.get_url(request))
    try:
        enrolment = enrolment_create(
            course=course,
            user=request.user,
            age_group=form.cleaned_data.get("age_group", ""),
            ward=form.cleaned_data["ward"],
            consent=form.shown_consent(),
        )
    except EnrolmentRefused as refused:
        messages.error(request, _errors_text(refused))
        return redirect(course.get_url(request))
    enrolment.course = course
    messages.success(request, _("You have joined the course “%(title)s”.") % {"title": course.title})
    if survey_phase_open(enrolment=enrolment, phase=SurveyPhase.BEFORE)[0]:
        return redirect("community_courses:survey", course_id=course.pk, phase=SurveyPhase.BEFORE)
    return redirect(course.get_url(request))


@login_required
@require_POST
def lesson_complete_view(request, lesson_id: int):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    course = lesson.get_parent().specific
    enrolment = enrolment_for(course=course, user=request.user)
    if enrolment is None:
        messages.info(request, _("Join the course to open its lessons."))
        return redirect(course.get_url(request))
    was_completed = enrolment.is_completed
    try:
        enrolment = lesson_complete(enrolment=enrolment, lesson=lesson)
    except EnrolmentRefused as refused:
        messages.error(request, _errors_text(refused))
        return redirect(course.get_url(request))
    enrolment.course = course
    if enrolment.is_completed and not was_completed:
        messages.success(request, _("Congratulations, you have completed the course!"))
        if survey_phase_open(enrolment=enrolment, phase=SurveyPhase.AFTER)[0]:
            return redirect("community_courses:survey", course_id=course.pk, phase=SurveyPhase.AFTER)
        return redirect(course.get_url(request))
    messages.success(request, _("Lesson “%(title)s” done.") % {"title": lesson.title})
    done = set(enrolment.completions.values_list("lesson_id", flat=True))
    following = next((item for item in course.lessons() if item.pk not in done), None)
    return redirect(following.get_url(request) if following else course.get_url(request))


@never_cache
@login_required
def survey_view(request, course_id: int, phase: str):
    course = _course_or_404(course_id)
    if phase not in SurveyPhase.values:
        raise Http404
    enrolment = enrolment_for(course=course, user=request.user)
    if enrolment is None:
        messages.info(request, _("Join the course first."))
        return redirect(course.get_url(request))
    enrolment.course = course
    is_open, reason = survey_phase_open(enrolment=enrolment, phase=phase)
    if not is_open:
        messages.info(request, reason)
        return redirect(course.get_url(request))
    template = course.survey_template
    form = SurveyForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            survey_response_submit(
                enrolment=enrolment, phase=phase, answers=form.answers(), anonymous=form.cleaned_data["anonymous"]
            )
        except SurveyRefused as refused:
            form.add_error(None, _errors_text(refused))
        except ValidationError as invalid:
            form.add_error(None, _errors_text(invalid))
        else:
            messages.success(request, _("Thank you for your answers!"))
            if phase == SurveyPhase.BEFORE and (first := course.lessons().first()) is not None:
                return redirect(first.get_url(request))
            return redirect(course.get_url(request))
    return TemplateResponse(
        request,
        "community_courses/survey.html",
        {
            **portal_for_library(course.centre).context(),
            "course": course,
            "survey_template": template,
            "phase": phase,
            "phase_label": SurveyPhase(phase).label,
            "form": form,
        },
    )


@login_required
@require_POST
def practice_view(request, session_id: int):
    session = get_object_or_404(PracticeSession.objects.select_related("course"), pk=session_id)
    course = session.course
    enrolment = enrolment_for(course=course, user=request.user)
    if enrolment is None:
        messages.info(request, _("Join the course first."))
        return redirect(course.get_url(request))
    if request.POST.get("action") == "cancel":
        practice_registration_cancel(session=session, enrolment=enrolment)
        messages.success(request, _("Your place is given back. Thank you for letting us know."))
    else:
        try:
            practice_registration_create(session=session, enrolment=enrolment)
        except PracticeRefused as refused:
            messages.error(request, _errors_text(refused))
        else:
            messages.success(request, _("Your place at the practice session is booked."))
    return redirect(f"{course.get_url(request)}#thuc-hanh")


def _centre_or_404(code: str) -> Library:
    return get_object_or_404(Library, code=code, is_active=True)


def needs_survey_view(request, code: str):
    library = _centre_or_404(code)
    if request.GET.get("sent") == "1":
        return TemplateResponse(
            request, "community_courses/needs_thanks.html", {**portal_for_library(library).context(), "centre": library}
        )
    form = LearningNeedForm(request.POST or None, initial={"ward": library.ward})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            return redirect(f"{request.path}?sent=1")  # a bot: pretend it worked, store nothing
        data = {key: value for key, value in form.cleaned_data.items() if key not in {"website", "consent"}}
        try:
            learning_need_submit(library=library, consent=form.shown_consent(), **data)
        except ValidationError as invalid:
            form.add_error(None, _errors_text(invalid))
        else:
            return redirect(f"{request.path}?sent=1")
    home = LibraryHomePage.objects.filter(library=library).first()
    index = CourseIndexPage.objects.live().child_of(home).first() if home else None
    return TemplateResponse(
        request,
        "community_courses/needs_survey.html",
        {**portal_for_library(library).context(), "centre": library, "form": form, "course_index": index},
    )


def _live_courses(library: Library):
    home = LibraryHomePage.objects.filter(library=library).first()
    if home is None:
        return CoursePage.objects.none()
    return CoursePage.objects.live().public().descendant_of(home).select_related("cover_image").order_by("title")


@never_cache
def kiosk_view(request, code: str):
    """The centre's courses on the kiosk screen: big touch targets, one tap to a course."""
    library = _centre_or_404(code)
    return TemplateResponse(
        request,
        "community_courses/kiosk.html",
        {**portal_for_library(library).context(), "centre": library, "courses": _live_courses(library), "kiosk": True},
    )


def _kiosk_reader(request, library):
    """The membership of a reader who scanned their card at this device's circulation
    kiosk (same library, visit not timed out), or None."""
    kiosk = kiosk_from_request(request)
    if kiosk is None or kiosk.library.pk != library.pk:
        return None
    return kiosk_membership(request, kiosk)


@never_cache
def kiosk_join_view(request, code: str, course_id: int):
    """Join at the kiosk: the resident types the ID on their card and their password.
    The credentials are checked without signing in, so nobody is left signed in on the
    shared screen; the confirmation shows a QR code to continue on their phone."""
    library = _centre_or_404(code)
    course = get_object_or_404(_live_courses(library), pk=course_id)
    scanned = _kiosk_reader(request, library)
    form = KioskJoinForm(request.POST or None, ward_initial=library.ward, card_scanned=scanned is not None)
    context = {
        **portal_for_library(library).context(),
        "centre": library,
        "course": course,
        "kiosk": True,
        "scanned": scanned,
    }
    if request.method == "POST" and form.is_valid():
        if scanned is not None:
            user = reader_account_ensure(reader=scanned.reader)
        else:
            # Checked, throttled (django-axes), and not signed in: no session on this screen.
            user = authenticate(
                request,
                username=form.cleaned_data["username"].strip(),
                password=form.cleaned_data["password"],
                reader_login=True,
                activation=False,  # an activation code is spent choosing a password, not here
            )
        if user is None:
            form.add_error(
                None,
                _(
                    "The ID or password is not right. The first time, scan your card here, or sign in once "
                    "with the activation code on the reader page to choose a password."
                ),
            )
        else:
            try:
                enrolment_create(
                    course=course,
                    user=user,
                    age_group=form.cleaned_data.get("age_group", ""),
                    ward=form.cleaned_data["ward"],
                    channel=EnrolmentChannel.KIOSK,
                    consent=form.shown_consent(),
                )
            except EnrolmentRefused as refused:
                form.add_error(None, _errors_text(refused))
            else:
                course_url = request.build_absolute_uri(course.get_url(request))
                # Drawn by qrcode from our own URL: the SVG holds no user input.
                context.update(joined=True, course_url=course_url, qr_svg=mark_safe(qr_svg(course_url, box_size=8)))
                return TemplateResponse(request, "community_courses/kiosk_join.html", context)
    context["form"] = form
    return TemplateResponse(request, "community_courses/kiosk_join.html", context)
