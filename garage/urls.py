"""URLs of the office pages."""

from django.urls import path

from garage import views

app_name = "garage"

urlpatterns = [
    path("", views.CarListView.as_view(), name="car-list"),
    path("cars/new/", views.CarCreateView.as_view(), name="car-create"),
    path("cars/<int:pk>/", views.CarDetailView.as_view(), name="car-detail"),
    path("cars/<int:pk>/edit/", views.CarUpdateView.as_view(), name="car-update"),
    path("cars/<int:pk>/delete/", views.CarDeleteView.as_view(), name="car-delete"),
    path(
        "collaborators/",
        views.CollaboratorListView.as_view(),
        name="collaborator-list",
    ),
    path(
        "collaborators/new/",
        views.CollaboratorCreateView.as_view(),
        name="collaborator-create",
    ),
    path(
        "collaborators/<int:pk>/edit/",
        views.CollaboratorUpdateView.as_view(),
        name="collaborator-update",
    ),
    path(
        "collaborators/<int:pk>/delete/",
        views.CollaboratorDeleteView.as_view(),
        name="collaborator-delete",
    ),
]
