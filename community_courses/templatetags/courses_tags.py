"""Small template helpers for course pages and reports."""

from django import template
from django.utils.formats import number_format

from catalog.selectors import digital_file_url
from community_courses.selectors.survey_results import P_VALUE_FLOOR

register = template.Library()


def _rounded(value: float, digits: int) -> str:
    """Localised (4,17 in Vietnamese) and rounded: Django's number_format cuts digits off."""
    return number_format(round(value, digits), decimal_pos=digits)


@register.simple_tag
def digital_file_link(digital_file) -> str:
    """The catalog's access-checked address of a digital file."""
    return digital_file_url(digital_file)


@register.filter
def percent(value, digits: int = 0) -> str:
    """0.8123 → "81%"; empty for no value."""
    if value is None or value == "":
        return "—"
    return f"{_rounded(float(value) * 100, digits)}%"


@register.filter
def decimal(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    return _rounded(float(value), digits)


@register.filter
def p_value(value) -> str:
    """A p-value with its relation: "= 0,0312", or "< 0,0001" for smaller ones (rounding
    would print 0,0000)."""
    if value is None or value == "":
        return "—"
    if float(value) < P_VALUE_FLOOR:
        return f"< {_rounded(P_VALUE_FLOOR, 4)}"
    return f"= {_rounded(float(value), 4)}"


@register.filter
def signed(value, digits: int = 2) -> str:
    """A change with its sign: +0,85 / −0,20."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{_rounded(abs(float(value)), digits)}"
