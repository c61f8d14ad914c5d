from django.urls import path

from lending.views import kiosk

app_name = "lending"

urlpatterns = [
    path("kiosk/", kiosk.kiosk_view, name="kiosk"),
    path("kiosk/start/", kiosk.kiosk_start_view, name="kiosk_start"),
]
