from django.urls import path

from lending import kiosk_views

app_name = "lending"

urlpatterns = [
    path("kiosk/", kiosk_views.kiosk_view, name="kiosk"),
    path("kiosk/start/", kiosk_views.kiosk_start_view, name="kiosk_start"),
]
