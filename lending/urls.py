from django.urls import path

from lending import views

app_name = "lending"

urlpatterns = [
    path("scan/", views.scan_view, name="scan"),
]
