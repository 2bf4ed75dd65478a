"""Admin of cars, service records and collaborators.

Every admin write runs as one unit of work by the acting user, so a car saved
with its inline records yields one history entry.
"""

from django.contrib import admin
from django.db.models import Count

from garage.history.units import recording
from garage.models import Car, Collaborator, ServiceRecord, normalize_plate


class RecordedAdminMixin:
    """Run every POST of the admin pages inside one unit of work."""

    def changeform_view(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().changeform_view(request, *args, **kwargs)
        with recording(user=request.user):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().delete_view(request, *args, **kwargs)
        with recording(user=request.user):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        # Actions and list_editable both post to the changelist.
        if request.method != "POST":
            return super().changelist_view(request, *args, **kwargs)
        with recording(user=request.user):
            return super().changelist_view(request, *args, **kwargs)


class HasRecordsFilter(admin.SimpleListFilter):
    """Filter rows by whether any service record counts towards them."""

    title = "service records"
    parameter_name = "has_records"

    def lookups(self, request, model_admin):
        return [("yes", "With records"), ("no", "Without records")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(record_count__gt=0)
        if self.value() == "no":
            return queryset.filter(record_count=0)
        return queryset


class ServiceRecordInline(admin.TabularInline):
    model = ServiceRecord
    fields = ["service_date", "description", "service_manager"]
    autocomplete_fields = ["service_manager"]
    extra = 1


@admin.register(Car)
class CarAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["license_plate", "model", "record_count", "last_service_date"]
    list_filter = [HasRecordsFilter, "model"]
    search_fields = ["license_plate", "model"]
    inlines = [ServiceRecordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_service_summary()

    def get_search_results(self, request, queryset, search_term):
        """Also find a plate however it is written, "ab-12 cd" as "AB12CD"."""
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        if plate := normalize_plate(search_term):
            matches = self.get_queryset(request).filter(license_plate__contains=plate)
            queryset |= matches
        return queryset, may_have_duplicates

    @admin.display(description="service records", ordering="record_count")
    def record_count(self, car):
        return car.record_count

    @admin.display(description="last service", ordering="last_service_date")
    def last_service_date(self, car):
        return car.last_service_date


@admin.register(Collaborator)
class CollaboratorAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "record_count"]
    list_filter = [HasRecordsFilter]
    search_fields = ["name"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.annotate(record_count=Count("service_records"))

    @admin.display(description="service records", ordering="record_count")
    def record_count(self, collaborator):
        return collaborator.record_count


@admin.register(ServiceRecord)
class ServiceRecordAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["service_date", "car", "description", "service_manager"]
    list_filter = ["service_date", "service_manager"]
    list_select_related = ["car", "service_manager"]
    search_fields = ["car__license_plate", "description", "service_manager__name"]
    autocomplete_fields = ["car", "service_manager"]
    date_hierarchy = "service_date"


from garage import admin_history  # noqa: E402,F401  (registers the history admin)
