"""Root URLs: office pages, admin, login pages and the health check."""

from django.contrib import admin
from django.urls import include, path

from fleet.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("garage.urls")),
]
