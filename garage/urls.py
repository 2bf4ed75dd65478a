"""URLs of the office pages."""

from django.urls import path

from garage import history_views, views

app_name = "garage"

urlpatterns = [
    path("", views.CarListView.as_view(), name="car-list"),
    path("cars/new/", views.CarCreateView.as_view(), name="car-create"),
    path("cars/<int:pk>/", views.CarDetailView.as_view(), name="car-detail"),
    path("cars/<int:pk>/edit/", views.CarUpdateView.as_view(), name="car-update"),
    path("cars/<int:pk>/delete/", views.CarDeleteView.as_view(), name="car-delete"),
    path(
        "cars/<int:pk>/history/",
        history_views.CarHistoryView.as_view(),
        name="car-history",
    ),
    path(
        "cars/<int:pk>/history/compare/",
        history_views.CarHistoryCompareView.as_view(),
        name="car-history-compare",
    ),
    path(
        "cars/<int:pk>/history/as-of/",
        history_views.CarHistoryAsOfView.as_view(),
        name="car-history-as-of",
    ),
    path(
        "cars/<int:pk>/history/<int:version>/undo/",
        history_views.CarHistoryUndoView.as_view(),
        name="car-history-undo",
    ),
    path(
        "cars/<int:pk>/history/export.json",
        history_views.CarHistoryJsonView.as_view(),
        name="car-history-json",
    ),
    path(
        "cars/<int:pk>/history/export.csv",
        history_views.CarHistoryCsvView.as_view(),
        name="car-history-csv",
    ),
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
