"""The city administrator sets a library's own retention periods in Libraries."""

from wagtail.test.utils.form_data import inline_formset, nested_form_data

import pytest

pytestmark = pytest.mark.django_db


def library_form(library, **changes):
    data = {
        "name": library.name,
        "short_name": library.short_name,
        "code": library.code,
        "kind": library.kind,
        "is_active": "on",
        "district": library.district,
        "ward": library.ward,
        "address": library.address,
        "phone": library.phone,
        "email": library.email,
        "website": "",
        "opening_hours_note": "",
        "opening_hours": inline_formset([]),
        "loan_history_retention_days": "",
        "reader_retention_days": "",
    }
    data.update(changes)
    return nested_form_data(data)


def test_the_city_administrator_sets_a_library_s_retention_periods(client, library, superuser, settings):
    settings.LOAN_HISTORY_RETENTION_DAYS = 365
    client.force_login(superuser)

    response = client.post(
        f"/admin/snippets/libraries/library/edit/{library.pk}/",
        library_form(library, loan_history_retention_days="90", reader_retention_days="730"),
    )

    assert response.status_code == 302
    library.refresh_from_db()
    assert (library.loan_history_retention_days, library.reader_retention_days) == (90, 730)
    assert library.loan_history_retention == 90


@pytest.mark.parametrize("days", ["7", "4000"])
def test_a_retention_period_outside_a_month_to_ten_years_is_refused(client, library, superuser, days):
    client.force_login(superuser)

    response = client.post(
        f"/admin/snippets/libraries/library/edit/{library.pk}/", library_form(library, reader_retention_days=days)
    )

    assert response.status_code == 200
    assert "reader_retention_days" in response.context["form"].errors
    library.refresh_from_db()
    assert library.reader_retention_days is None


def test_an_empty_period_follows_the_city_setting(library, settings):
    settings.READER_RETENTION_DAYS = 400

    assert library.reader_retention == 400


def test_library_staff_cannot_change_the_retention_periods(client, library, librarian):
    client.force_login(librarian)

    client.post(
        f"/admin/snippets/libraries/library/edit/{library.pk}/", library_form(library, reader_retention_days="30")
    )

    library.refresh_from_db()
    assert library.reader_retention_days is None
