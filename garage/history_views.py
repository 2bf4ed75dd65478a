"""Staff pages of a car's history: timeline, compare, as it was, undo, exports.

The pages are found by car id, so the history of a deleted car stays
readable. They only call the history engine; it knows nothing of HTTP.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import generic

from garage import exports, history
from garage.history_forms import AsOfForm, CompareForm, UndoForm
from garage.models import Car, CarHistory

TIMELINE_PAGE_SIZE = 20

RECORD_FIELD_LABELS = {
    "service_date": "date",
    "description": "description",
    "service_manager": "manager",
}


class HistoryAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Send anonymous users to log in; refuse staff without the permission."""

    permission_required = "garage.view_carhistory"


class CarHistoryMixin(HistoryAccessMixin):
    """Find the car, or what its history remembers of it, by car id."""

    @property
    def car_id(self) -> int:
        return self.kwargs["pk"]

    @cached_property
    def car(self) -> Car | None:
        return Car.objects.filter(pk=self.car_id).first()

    @cached_property
    def newest(self) -> dict:
        """Return the newest entry's version and plate; 404 for no car."""
        entries = CarHistory.objects.for_car(self.car_id).order_by("-version")
        newest = entries.values("version", "license_plate").first()
        if newest is not None:
            return newest
        if self.car is None:
            raise Http404("No car has this id, nor any history.")
        return {"version": 0, "license_plate": self.car.license_plate}

    @property
    def latest(self) -> int:
        return self.newest["version"]

    @property
    def plate(self) -> str:
        return self.car.license_plate if self.car else self.newest["license_plate"]

    def get_context_data(self, **kwargs):
        kwargs.update(
            car_id=self.car_id,
            car=self.car,
            plate=self.plate,
            latest_version=self.latest,
            car_deleted=self.car is None,
        )
        return super().get_context_data(**kwargs)


@dataclass(frozen=True)
class TimelineRow:
    """One version on the timeline, with its changes written for people."""

    entry: CarHistory
    changes: list

    @property
    def undoable(self) -> bool:
        return history.is_undoable(self.entry.kind, self.entry.version)


def timeline_rows(car_id: int, entries: list[CarHistory]) -> list[TimelineRow]:
    """Return the rows of consecutive ``entries``, newest first."""
    if not entries:
        return []
    walk = history.walk_back(car_id, entries[0].version, entries)
    return [
        TimelineRow(entry, history.changes_from_diff(entry.diff, before))
        for entry, before in walk
    ]


class CarHistoryView(CarHistoryMixin, generic.ListView):
    """List a car's versions, newest first, each with what it changed."""

    template_name = "garage/history/timeline.html"
    paginate_by = TIMELINE_PAGE_SIZE

    def get_queryset(self):
        entries = CarHistory.objects.for_car(self.car_id).select_related("user")
        return entries.order_by("-version")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = list(context["page_obj"].object_list)
        try:
            context["rows"] = timeline_rows(self.car_id, entries)
        except history.HistoryError as error:
            # Still list who changed what and when; only the details are lost.
            context["rows"] = [TimelineRow(entry, []) for entry in entries]
            context["error"] = str(error)
        return context


@dataclass(frozen=True)
class RecordRow:
    """A service record as a page shows it, marked against another version."""

    id: int
    service_date: datetime.date | str
    description: str
    manager: str
    status: str = ""
    changed: frozenset = frozenset()


@dataclass(frozen=True)
class CarSide:
    """A car as it stood at one version, marked against another version."""

    version: int
    license_plate: str = ""
    model: str = ""
    changed: frozenset = frozenset()
    records: tuple = ()

    @property
    def exists(self) -> bool:
        return bool(self.license_plate)


def car_side(version: int, snapshot: dict, other=None, only_here="") -> CarSide:
    """Return the snapshot as a page shows it, newest service first.

    With ``other``, mark what differs from it; records missing from it are
    marked ``only_here`` ("added" or "removed").
    """
    if not snapshot:
        return CarSide(version)
    changed = frozenset(
        name
        for name in ("license_plate", "model")
        if other is not None and other.get(name) != snapshot.get(name)
    )
    theirs = (other or {}).get("service_records", {})
    records = sorted(
        snapshot.get("service_records", {}).items(),
        key=lambda item: (item[1]["service_date"], item[1]["id"]),
        reverse=True,
    )
    rows = tuple(
        record_row(record, theirs.get(key) if other is not None else record, only_here)
        for key, record in records
    )
    return CarSide(version, snapshot["license_plate"], snapshot["model"], changed, rows)


def record_row(record: dict, other: dict | None, only_here: str) -> RecordRow:
    """Return one record as a page shows it, marked against ``other``."""
    if other is None:
        status, changed = only_here, frozenset()
    else:
        changed = frozenset(
            name for name in RECORD_FIELD_LABELS if record[name] != other[name]
        )
        status = "changed" if changed else ""
    manager = record["service_manager"] or {}
    return RecordRow(
        id=record["id"],
        service_date=_as_date(record["service_date"]),
        description=record["description"],
        manager=manager.get("name") or f"collaborator #{manager.get('id')}",
        status=status,
        changed=changed,
    )


def _as_date(value: str) -> datetime.date | str:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


class CarHistoryCompareView(CarHistoryMixin, generic.TemplateView):
    """Show two versions side by side and the changes from one to the other."""

    template_name = "garage/history/compare.html"

    def get_context_data(self, **kwargs):
        form = CompareForm(self.request.GET, latest=self.latest)
        context = super().get_context_data(form=form, **kwargs)
        if form.is_valid():
            try:
                context.update(
                    self.compare(form.cleaned_data["a"], form.cleaned_data["b"])
                )
            except history.HistoryError as error:
                context["error"] = str(error)
        return context

    def compare(self, a: int, b: int) -> dict:
        """Return both versions as shown and the changes from a to b."""
        before = history.snapshot_at(self.car_id, a)
        after = history.snapshot_at(self.car_id, b)
        diff = history.diff_snapshots(before, after)
        return {
            "side_a": car_side(a, before, after, only_here="removed"),
            "side_b": car_side(b, after, before, only_here="added"),
            "changes": history.changes_from_diff(diff, before),
        }


class CarHistoryAsOfView(CarHistoryMixin, generic.TemplateView):
    """Show the car and its records as they stood at a version or a moment."""

    template_name = "garage/history/as_of.html"

    def get_context_data(self, **kwargs):
        data = self.request.GET if self.request.GET else None
        form = AsOfForm(data, latest=self.latest)
        context = super().get_context_data(form=form, **kwargs)
        if not form.is_valid():
            return context
        version = form.cleaned_data["version"]
        moment = form.cleaned_data["at"]
        if version is None:
            version = self.version_at(moment)
        if version is None:
            context.update(before_history=moment, first_recorded=self.first_recorded())
            return context
        try:
            snapshot = history.snapshot_at(self.car_id, version)
        except history.HistoryError as error:
            context["error"] = str(error)
            return context
        context.update(version=version, moment=moment, side=car_side(version, snapshot))
        return context

    def version_at(self, moment: datetime.datetime) -> int | None:
        """Return the last version recorded at or before ``moment``."""
        entries = CarHistory.objects.for_car(self.car_id).filter(created_at__lte=moment)
        return entries.order_by("-version").values_list("version", flat=True).first()

    def first_recorded(self) -> datetime.datetime | None:
        """Return when the car's first version was recorded."""
        entries = CarHistory.objects.for_car(self.car_id).order_by("version")
        return entries.values_list("created_at", flat=True).first()


class CarHistoryUndoView(CarHistoryMixin, generic.FormView):
    """Preview the undo of one past change, then apply it on confirmation."""

    permission_required = ("garage.view_carhistory", "garage.undo_car_change")
    template_name = "garage/history/undo.html"
    form_class = UndoForm

    @property
    def version(self) -> int:
        return self.kwargs["version"]

    def get_initial(self):
        return {"previewed_version": self.latest}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("version", self.version)
        context = super().get_context_data(**kwargs)
        context.update(self.preview())
        return context

    def preview(self) -> dict:
        """Return the plan of the undo, or why it is refused."""
        try:
            plan = history.plan_undo(self.car_id, self.version)
        except history.VersionNotFound as error:
            raise Http404(str(error)) from error
        except history.UndoConflict as error:
            return {"refusal": str(error), "conflicts": error.conflicts}
        except history.HistoryError as error:
            return {"refusal": str(error)}
        return {"plan": plan}

    def form_valid(self, form):
        if form.cleaned_data["previewed_version"] != history.latest_version(
            self.car_id
        ):
            return self.show_again(form, "The car changed since this preview.")
        refusal = self.preview().get("refusal")
        if refusal:
            return self.show_again(form, refusal)
        try:
            # One transaction inside the engine: on refusal nothing changed.
            entry = history.undo(
                self.car_id,
                self.version,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except history.HistoryError as error:
            return self.show_again(form, str(error))
        if entry is None:
            messages.info(self.request, f"Version {self.version} changed nothing now.")
        else:
            messages.success(
                self.request,
                f"The change of version {self.version} was undone "
                f"as version {entry.version}.",
            )
        return HttpResponseRedirect(reverse("garage:car-history", args=[self.car_id]))

    def show_again(self, form, message: str):
        """Show the preview again, as it stands now, with ``message``."""
        form = self.get_form_class()(
            initial={**self.get_initial(), "reason": form.cleaned_data["reason"]}
        )
        return self.render_to_response(self.get_context_data(form=form, error=message))


class CarHistoryExportView(CarHistoryMixin, generic.View):
    """Download the car's whole history."""

    extension = ""
    content_type = ""

    def render(self) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        filename = exports.export_filename(self.car_id, self.plate, self.extension)
        response = HttpResponse(self.render(), content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


class CarHistoryJsonView(CarHistoryExportView):
    """Download the car's history as JSON, every version with its snapshot."""

    extension = "json"
    content_type = "application/json; charset=utf-8"

    def render(self) -> str:
        return exports.history_as_json(self.car_id)


class CarHistoryCsvView(CarHistoryExportView):
    """Download the car's history as CSV, one row per changed value."""

    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def render(self) -> str:
        return exports.history_as_csv(self.car_id)
