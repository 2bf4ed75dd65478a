"""Admin of car history: read-only entries, revert and restore of cars.

Entries are immutable, so the admin only shows them. From an entry an
administrator previews and confirms a revert of the car to that version, or
the restore of a deleted car; both are done by the history engine, recorded
as a new version and logged as an admin action on the car.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import Truncator

from garage import history
from garage.models import Car, CarHistory, HistoryKind, normalize_plate

SUMMARY_LENGTH = 120


def car_exists():
    """Return an expression true when the entry's car still exists."""
    return Exists(Car.objects.filter(pk=OuterRef("car_id")))


class ReasonForm(forms.Form):
    """The optional reason typed on a revert or restore confirmation."""

    reason = forms.CharField(
        label="Reason (optional)",
        max_length=CarHistory._meta.get_field("reason").max_length,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )


class CarStatusFilter(admin.SimpleListFilter):
    """Filter entries by whether their car still exists or was deleted."""

    title = "car status"
    parameter_name = "car_status"

    def lookups(self, request, model_admin):
        return [("existing", "Existing"), ("deleted", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "existing":
            return queryset.filter(car_exists())
        if self.value() == "deleted":
            return queryset.filter(~car_exists())
        return queryset


@admin.register(CarHistory)
class CarHistoryAdmin(admin.ModelAdmin):
    """Show history entries, and revert or restore a car from one of them."""

    list_display = [
        "car",
        "plate",
        "version",
        "created_at",
        "user",
        "kind",
        "summary",
    ]
    list_display_links = ["plate", "version"]
    list_filter = [
        "kind",
        CarStatusFilter,
        ("user", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    search_fields = ["license_plate"]
    search_help_text = 'Licence plate, written any way ("abc-123" finds ABC123).'
    ordering = ["-created_at", "-pk"]
    actions = ["revert_to_version"]
    fields = [
        "car_id",
        "version",
        "license_plate",
        "kind",
        "source_version",
        "created_at",
        "user",
        "reason",
        "deepdiff_version",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revert_permission(self, request):
        return request.user.has_perm("garage.revert_car")

    def has_restore_permission(self, request):
        return request.user.has_perm("garage.restore_car")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(car_exists=car_exists())

    def get_search_results(self, request, queryset, search_term):
        """Find a plate however it is written: "abc-123" finds ABC123."""
        return super().get_search_results(
            request, queryset, normalize_plate(search_term)
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "restore/<int:car_id>/",
                view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path(
                "<path:object_id>/revert/",
                view(self.revert_view),
                name="{}_{}_revert".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.display(description="car", ordering="car_id")
    def car(self, entry):
        if entry.car_exists:
            return entry.car_id
        return f"{entry.car_id} (deleted)"

    @admin.display(description="licence plate", ordering="license_plate")
    def plate(self, entry):
        return entry.license_plate

    @admin.display(description="changes")
    def summary(self, entry):
        text = history.summarize(history.changes_from_diff(entry.diff))
        return Truncator(text).chars(SUMMARY_LENGTH)

    @admin.action(permissions=["revert"], description="Revert to this version")
    def revert_to_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request,
                "Select exactly one version to revert to; nothing was changed.",
                messages.ERROR,
            )
            return None
        return redirect(self._url("revert", queryset.get().pk))

    def changelist_view(self, request, extra_context=None):
        car_id = request.GET.get("car_id__exact", "")
        if car_id.isdigit():
            extra_context = {**self._car_title(int(car_id)), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = self.get_object(request, unquote(object_id))
        if entry is not None:
            extra_context = {
                **self._entry_context(request, entry),
                **(extra_context or {}),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def revert_view(self, request, object_id):
        """Preview the revert of a car to an entry's version; do it on POST."""
        if not self.has_view_permission(request) or not self.has_revert_permission(
            request
        ):
            raise PermissionDenied
        entry = self.get_object(request, unquote(object_id))
        if entry is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._revert(request, entry, form.cleaned_data["reason"])
        try:
            plan, error = history.plan_revert(entry.car_id, entry.version), ""
        except history.HistoryError as refusal:
            plan, error = None, str(refusal)
        return self._render(
            request,
            "revert_confirmation.html",
            title=f"Revert car {entry.license_plate} to version {entry.version}",
            entry=entry,
            plan=plan,
            error=error,
            form=form,
            cancel_url=self._url("change", entry.pk),
        )

    def restore_view(self, request, car_id):
        """Preview the restore of a deleted car; do it on POST."""
        if not self.has_view_permission(request) or not self.has_restore_permission(
            request
        ):
            raise PermissionDenied
        last = CarHistory.objects.for_car(car_id).order_by("-version").first()
        if last is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.opts, str(car_id)
            )

        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._restore(request, car_id, form.cleaned_data["reason"])
        try:
            plan, error = history.plan_restore(car_id), ""
        except history.HistoryError as refusal:
            plan, error = None, str(refusal)
        return self._render(
            request,
            "restore_confirmation.html",
            title=f"Restore car {last.license_plate}",
            entry=last,
            plan=plan,
            error=error,
            form=form,
            cancel_url=self._url("change", last.pk),
        )

    def _revert(self, request, entry, reason):
        """Revert the car and log it, or report why it was refused."""
        try:
            with transaction.atomic():
                new = history.revert(
                    entry.car_id, entry.version, user=request.user, reason=reason
                )
                car = Car.objects.get(pk=entry.car_id)
                if new is not None:
                    self.log_change(request, car, _revert_message(entry, new))
        except history.HistoryError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(request.get_full_path())

        if new is None:
            self.message_user(
                request,
                f"Car {car.license_plate} was already as it was at version "
                f"{entry.version}; nothing was changed.",
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                f"Car {car.license_plate} reverted to version {entry.version} "
                f"(now version {new.version}).",
                messages.SUCCESS,
            )
        return redirect(self._car_admin_url(car.pk))

    def _restore(self, request, car_id, reason):
        """Restore the deleted car and log it, or report why it was refused."""
        try:
            with transaction.atomic():
                new = history.restore(car_id, user=request.user, reason=reason)
                car = Car.objects.get(pk=car_id)
                self.log_addition(request, car, _restore_message(new))
        except history.HistoryError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(request.get_full_path())

        self.message_user(
            request,
            f"Car {car.license_plate} restored (now version {new.version}).",
            messages.SUCCESS,
        )
        return redirect(self._car_admin_url(car.pk))

    def _entry_context(self, request, entry):
        """Return what the entry page shows beside the entry's fields."""
        exists = entry.car_exists
        can_revert = exists and entry.kind != HistoryKind.DELETED
        can_restore = not exists and entry.kind == HistoryKind.DELETED
        return {
            "changes": history.changes_from_diff(entry.diff, _before(entry)),
            "car_admin_url": self._car_admin_url(entry.car_id) if exists else "",
            "revert_url": (
                self._url("revert", entry.pk)
                if can_revert and self.has_revert_permission(request)
                else ""
            ),
            "restore_url": (
                self._url("restore", entry.car_id)
                if can_restore and self.has_restore_permission(request)
                else ""
            ),
        }

    def _car_title(self, car_id):
        plate = (
            CarHistory.objects.for_car(car_id)
            .order_by("-version")
            .values_list("license_plate", flat=True)
            .first()
        )
        return {
            "title": f"History of car {plate or car_id}",
            "subtitle": "Open a version to see its changes or to revert to it.",
        }

    def _render(self, request, template, **context):
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            f"admin/{self.opts.app_label}/{self.opts.model_name}/{template}",
            {**self.admin_site.each_context(request), "opts": self.opts, **context},
        )

    def _url(self, name, *args):
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}",
            args=args,
        )

    def _car_admin_url(self, car_id):
        """Return the car's admin page, or its history if Car is not shown."""
        try:
            return reverse(f"{self.admin_site.name}:garage_car_change", args=[car_id])
        except NoReverseMatch:
            changelist = self._url("changelist")
            return f"{changelist}?car_id__exact={car_id}"


def _before(entry):
    """Return the snapshot the entry's change applied to, None if unknown."""
    if entry.version == 1:
        return {}
    try:
        return history.snapshot_at(entry.car_id, entry.version - 1)
    except history.HistoryError:
        return None


def _revert_message(entry, new):
    return f"Reverted to version {entry.version} (now version {new.version})."


def _restore_message(new):
    return f"Restored from version {new.source_version} (now version {new.version})."
