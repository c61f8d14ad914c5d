from django.contrib.auth import views as auth_views
from django.urls import path

from lending.views import reader as reader_views

app_name = "reader"

urlpatterns = [
    path("dang-nhap/", reader_views.ReaderLoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("mat-khau/", reader_views.set_password_view, name="set_password"),
    path("the/", reader_views.card_view, name="card"),
    path("the/<int:pk>.png", reader_views.card_image_view, name="card_image"),
    path("muon/", reader_views.loans_view, name="loans"),
    path("tai-lieu/<int:pk>/", reader_views.record_view, name="record"),
    path("du-lieu/", reader_views.my_data_view, name="my_data"),
    path("du-lieu/du-lieu-ca-nhan.json", reader_views.my_data_download_view, {"fmt": "json"}, name="my_data_json"),
    path("du-lieu/du-lieu-ca-nhan.pdf", reader_views.my_data_download_view, {"fmt": "pdf"}, name="my_data_pdf"),
]
