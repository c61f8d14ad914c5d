from django import template

from catalog.models import MaterialKind

register = template.Library()


@register.filter
def material_kind_label(kind: str) -> str:
    """ "ebook" → "E-book" (translated)."""
    try:
        return MaterialKind(kind).label
    except ValueError:
        return kind
