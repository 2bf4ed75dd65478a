"""Office pages: cars with their service records, and collaborators."""

import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db import DatabaseError
from django.db.models import Count, ProtectedError, Q
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.views import generic

from garage import history
from garage.forms import CarForm, CarUpdateForm, CollaboratorForm, ServiceRecordFormSet
from garage.history.units import recording
from garage.history_forms import (
    INVALID_VERSION,
    changes_between,
    check_version,
    rebase_car_form,
    snapshot_or_nothing,
)
from garage.models import Car, Collaborator, normalize_plate

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Send anonymous users to log in; refuse users without the permission."""


class SearchMixin:
    """Read the search words from ``?q=`` and hand them to the template."""

    def get_search(self):
        """Return the search words, stripped; empty when there are none."""
        return self.request.GET.get("q", "").strip()

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.get_search(), **kwargs)


class CarListView(StaffMixin, SearchMixin, generic.ListView):
    """List the cars, with their record count and last service date."""

    permission_required = "garage.view_car"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        cars = Car.objects.with_service_summary().order_by("license_plate")
        if q := self.get_search():
            cars = cars.filter(self.search_filter(q))
        return cars

    def search_filter(self, q):
        """Match the plate written any way, or a part of the model."""
        matches = Q(model__icontains=q)
        if plate := normalize_plate(q):
            matches |= Q(license_plate__contains=plate)
        return matches


class CarDetailView(StaffMixin, generic.DetailView):
    """Show a car and its service records, newest first."""

    permission_required = "garage.view_car"
    model = Car

    def get_context_data(self, **kwargs):
        records = self.object.service_records.select_related("service_manager")
        return super().get_context_data(records=records, **kwargs)


SAVE_FAILED = (
    "The database could not save this car, so nothing was saved. "
    "Your changes are still in the form: please try again."
)


class CarFormMixin:
    """Edit a car and its service records in one form, saved as one change."""

    model = Car
    form_class = CarForm

    def get_formset(self):
        """Return the service records formset bound to the car being edited."""
        kwargs = {"instance": self.object or Car(), "prefix": "records"}
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return ServiceRecordFormSet(**kwargs)

    def get_context_data(self, **kwargs):
        if "formset" not in kwargs:
            kwargs["formset"] = self.get_formset()
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_edited_object()
        form = self.get_form()
        formset = self.get_formset()
        # Validate both before saving anything, so every error shows at once.
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if form_ok and formset_ok:
            return self.form_valid(form, formset)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset)
        )

    def form_valid(self, form, formset):
        reason = form.cleaned_data["reason"]
        try:
            with recording(user=self.request.user, reason=reason) as unit:
                self.check_version(unit, form)
                self.object = form.save()
                formset.instance = self.object
                formset.save()
        except DatabaseError:
            # The transaction rolled back: nothing of the car or its records
            # was saved. Keep the user's input so they can try again.
            logger.exception("Saving car %s failed", form.instance.pk)
            if self.get_edited_object_id() is None:
                form.instance.pk = None
            form.add_error(None, SAVE_FAILED)
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset)
            )
        messages.success(self.request, self.success_message % {"car": self.object})
        return HttpResponseRedirect(self.get_success_url())

    def get_edited_object_id(self):
        return self.kwargs.get("pk")

    def check_version(self, unit, form):
        """Refuse the save if the car changed since the form was opened."""


class CarCreateView(StaffMixin, CarFormMixin, generic.CreateView):
    """Add a car with its service records."""

    permission_required = ("garage.add_car", "garage.add_servicerecord")
    success_message = "Car %(car)s was added."

    def get_edited_object(self):
        return None


class CarUpdateView(StaffMixin, CarFormMixin, generic.UpdateView):
    """Change a car and its service records."""

    permission_required = (
        "garage.change_car",
        "garage.add_servicerecord",
        "garage.change_servicerecord",
        "garage.delete_servicerecord",
    )
    success_message = "Car %(car)s was saved."
    form_class = CarUpdateForm

    def get_edited_object(self):
        return self.get_object()

    def get_initial(self):
        version = history.latest_version(self.object.pk)
        return {**super().get_initial(), "history_version": version}

    def check_version(self, unit, form):
        check_version(unit, self.object.pk, form.cleaned_data["history_version"])

    def rebased_forms(self, stale):
        """Return the refused forms moved onto the car's current version."""
        data = rebase_car_form(
            self.request.POST,
            snapshot_or_nothing(self.object.pk, stale.expected),
            snapshot_or_nothing(self.object.pk, stale.current),
        )
        data["history_version"] = str(stale.current)
        self.object.refresh_from_db()
        form = self.get_form_class()(data=data, instance=self.object)
        formset = ServiceRecordFormSet(
            data=data, instance=self.object, prefix="records"
        )
        return form, formset

    def post(self, request, *args, **kwargs):
        # A form opened before someone else's change is refused before it is
        # validated: its rows may name records that no longer exist.
        self.object = self.get_object()
        submitted = _as_version(request.POST.get("history_version"))
        current = history.latest_version(self.object.pk)
        if submitted is not None and 0 <= submitted < current:
            changes = changes_between(self.object.pk, submitted, current)
            return self.refuse_stale(
                history.StaleVersion(self.object.pk, submitted, current, changes)
            )
        return super().post(request, *args, **kwargs)

    def refuse_stale(self, stale):
        """Show the input on top of the new version; nothing is saved."""
        form, formset = self.rebased_forms(stale)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, stale=stale)
        )

    def form_valid(self, form, formset):
        try:
            return super().form_valid(form, formset)
        except history.StaleVersion as stale:
            return self.refuse_stale(stale)
        except history.VersionNotFound:
            form.add_error(None, INVALID_VERSION)
            context = self.get_context_data(form=form, formset=formset)
        return self.render_to_response(context)


def _as_version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CarDeleteView(StaffMixin, generic.DeleteView):
    """Delete a car and its service records after confirmation."""

    permission_required = ("garage.delete_car", "garage.delete_servicerecord")
    model = Car
    success_url = reverse_lazy("garage:car-list")

    def get_context_data(self, **kwargs):
        record_count = self.object.service_records.count()
        return super().get_context_data(record_count=record_count, **kwargs)

    def form_valid(self, form):
        with recording(user=self.request.user):
            self.object.delete()
        messages.success(self.request, f"Car {self.object} was deleted.")
        return HttpResponseRedirect(self.get_success_url())


class CollaboratorListView(StaffMixin, SearchMixin, generic.ListView):
    """List the collaborators and how many records each manages."""

    permission_required = "garage.view_collaborator"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        collaborators = Collaborator.objects.annotate(
            record_count=Count("service_records")
        ).order_by("name", "id")
        if q := self.get_search():
            collaborators = collaborators.filter(name__icontains=q)
        return collaborators


class CollaboratorFormMixin(SuccessMessageMixin):
    """Save a collaborator as one recorded change."""

    model = Collaborator
    form_class = CollaboratorForm
    success_url = reverse_lazy("garage:collaborator-list")

    def form_valid(self, form):
        with recording(user=self.request.user):
            return super().form_valid(form)


class CollaboratorCreateView(StaffMixin, CollaboratorFormMixin, generic.CreateView):
    """Add a collaborator."""

    permission_required = "garage.add_collaborator"
    success_message = "Collaborator %(name)s was added."


class CollaboratorUpdateView(StaffMixin, CollaboratorFormMixin, generic.UpdateView):
    """Rename a collaborator."""

    permission_required = "garage.change_collaborator"
    success_message = "Collaborator %(name)s was saved."


class CollaboratorDeleteView(StaffMixin, generic.DeleteView):
    """Delete a collaborator who manages no service records."""

    permission_required = "garage.delete_collaborator"
    model = Collaborator
    success_url = reverse_lazy("garage:collaborator-list")

    def get_context_data(self, **kwargs):
        record_count = self.count_records()
        return super().get_context_data(record_count=record_count, **kwargs)

    def count_records(self):
        """Return how many service records name the collaborator."""
        return self.object.service_records.count()

    def form_valid(self, form):
        if record_count := self.count_records():
            return self.refuse(record_count)
        try:
            with recording(user=self.request.user):
                self.object.delete()
        except ProtectedError as error:
            # A record naming them was saved since the count above.
            return self.refuse(len(error.protected_objects))
        messages.success(self.request, f"Collaborator {self.object} was deleted.")
        return HttpResponseRedirect(self.get_success_url())

    def refuse(self, record_count):
        """Explain why the collaborator stays, and go back to the list."""
        records = "record uses" if record_count == 1 else "records use"
        messages.error(
            self.request,
            f"Collaborator {self.object} cannot be deleted: {record_count} "
            f"service {records} them. Name another manager on those first.",
        )
        return HttpResponseRedirect(reverse("garage:collaborator-list"))
