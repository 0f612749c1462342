"""Extra URLs for fault tests: the real URL configuration plus two views that fail on purpose."""

from django.urls import path

from integration_admin.urls import urlpatterns as real_urlpatterns
from staffing.models import Organisation


def boom(request):
    raise RuntimeError("absichtlicher Fehler für den Test")


def write_then_fail(request):
    Organisation.objects.create(short_name="HALB", name="halb gespeichert", kind="other")
    raise RuntimeError("Fehler nach dem ersten Schreiben")


urlpatterns = [
    path("test-boom/", boom),
    path("test-write-then-fail/", write_then_fail),
    *real_urlpatterns,
]
