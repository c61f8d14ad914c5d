"""Lending's public URLs, included at the site root by library_site/urls.py:

- ``reader:`` under /ban-doc/: a reader's sign-in and pages (card, loans, one title with
  a hold or a digital loan, personal data);
- ``lending:``: a record's public page in the online catalog's path,
  /tim-kiem/tai-lieu/<pk>/ (``lending:public_record``), and the self-service kiosk,
  /lending/kiosk/.

The admin's lending pages (desk, roster, card batches…) are registered in
``lending.wagtail_hooks``."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from lending.views import kiosk, reader

reader_patterns = (
    [
        path("dang-nhap/", reader.ReaderLoginView.as_view(), name="login"),
        path("dang-xuat/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
        path("mat-khau/", reader.set_password_view, name="set_password"),
        path("the/", reader.card_view, name="card"),
        path("the/<int:pk>.png", reader.card_image_view, name="card_image"),
        path("muon/", reader.loans_view, name="loans"),
        path("tai-lieu/<int:pk>/", reader.record_view, name="record"),
        path("du-lieu/", reader.my_data_view, name="my_data"),
        path("du-lieu/du-lieu-ca-nhan.json", reader.my_data_download_view, {"fmt": "json"}, name="my_data_json"),
        path("du-lieu/du-lieu-ca-nhan.pdf", reader.my_data_download_view, {"fmt": "pdf"}, name="my_data_pdf"),
    ],
    "reader",
)
lending_patterns = (
    [
        path("tim-kiem/tai-lieu/<int:pk>/", reader.public_record_view, name="public_record"),
        path("lending/kiosk/", kiosk.kiosk_view, name="kiosk"),
        path("lending/kiosk/start/", kiosk.kiosk_start_view, name="kiosk_start"),
    ],
    "lending",
)

urlpatterns = [
    path("ban-doc/", include(reader_patterns)),
    path("", include(lending_patterns)),
]
