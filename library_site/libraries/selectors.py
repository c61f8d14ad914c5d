"""Reads about libraries, for portals, admin screens and other apps."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import QuerySet

from library_site.text import match_key

from .models import Library, Officer, OfficerLevel, OpeningHours, Weekday


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    label: str
    periods: list[OpeningHours]

    @property
    def is_closed(self) -> bool:
        return not self.periods


def user_is_library_staff(user) -> bool:
    """Superusers, Django staff and members of any library's staff group."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return Group.objects.filter(user=user, library__isnull=False).exists()


def library_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Library]:
    """The libraries a staff user works for (through each library's staff group).

    Superusers work for every library."""
    if not user.is_authenticated:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    return Library.objects.filter(staff_group__user=user)


def library_ids_for_user(*, user: AbstractBaseUser) -> frozenset[int]:
    """``library_list_for_user`` as ids, computed once per user object: permission
    checks ask it for every row of an admin listing."""
    cached = getattr(user, "_library_ids_cache", None)
    if cached is None:
        cached = frozenset(library_list_for_user(user=user).values_list("pk", flat=True))
        user._library_ids_cache = cached
    return cached


def officer_of(user) -> Officer | None:
    """The officer appointment of ``user``, if they are an education officer."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Officer.objects.filter(user=user).first()


def user_is_officer(user) -> bool:
    return officer_of(user) is not None


def officer_library_list(*, user: AbstractBaseUser) -> QuerySet[Library]:
    """The libraries whose statistics an officer reads: every library for a city officer;
    for a district officer those of the district (only the wards named, if any), matched
    without regard to case or diacritics ("Quận Bình Thạnh" = "quan binh thanh").
    Nobody else's (an empty queryset)."""
    officer = officer_of(user)
    if officer is None:
        return Library.objects.none()
    if officer.level == OfficerLevel.CITY:
        return Library.objects.all()
    district, wards = match_key(officer.district), {match_key(ward) for ward in officer.ward_list}
    ids = [
        pk
        for pk, library_district, library_ward in Library.objects.values_list("pk", "district", "ward")
        if match_key(library_district) == district and (not wards or match_key(library_ward) in wards)
    ]
    return Library.objects.filter(pk__in=ids)


def library_list_for_figures(*, user: AbstractBaseUser) -> QuerySet[Library]:
    """The libraries whose figures (statistics, never personal data) ``user`` may read:
    every library for a superuser, their own for library staff, their area for an
    education officer (both for someone who is both)."""
    if not user.is_authenticated or not user.is_active:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    ids = {*library_list_for_user(user=user).values_list("pk", flat=True)}
    ids |= {*officer_library_list(user=user).values_list("pk", flat=True)}
    return Library.objects.filter(pk__in=ids)


def library_opening_week(*, library: Library) -> list[OpeningDay]:
    """Monday to Sunday, each with its opening periods (empty = closed)."""
    by_day: dict[int, list[OpeningHours]] = {day: [] for day in Weekday.values}
    for period in library.opening_hours.all():
        by_day[period.weekday].append(period)
    return [OpeningDay(weekday=day, label=str(Weekday(day).label), periods=by_day[day]) for day in Weekday.values]
