"""Forms of the office pages: a car with its service records, collaborators."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout

from django import forms
from django.core.exceptions import ValidationError

from garage.history_forms import HistoryVersionField, VersionedFormMixin
from garage.models import Car, Collaborator, ServiceRecord, normalize_plate

EXTRA_RECORD_ROWS = 2


class CarForm(forms.ModelForm):
    """Edit a car's own fields and say why the change is made."""

    reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Optional: why this change is made, kept in the car's history.",
    )

    class Meta:
        model = Car
        fields = ["license_plate", "model"]
        help_texts = {
            "license_plate": "Spaces and dashes are ignored: AB-12-CD is AB12CD.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("license_plate", "model", "reason")

    def clean_license_plate(self):
        """Return the normalised plate unless another car already has it."""
        plate = normalize_plate(self.cleaned_data["license_plate"])
        owner = Car.objects.filter(license_plate=plate).exclude(pk=self.instance.pk)
        owner = owner.first()
        if owner is not None:
            raise ValidationError(
                "Licence plate %(plate)s already belongs to car %(car)s.",
                code="duplicate_plate",
                params={"plate": plate, "car": owner},
            )
        return plate


class CarUpdateForm(VersionedFormMixin, CarForm):
    """Edit a car, carrying the version of its history the form shows."""

    history_version = HistoryVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append("history_version")


class ServiceRecordForm(forms.ModelForm):
    """Edit one service record of a car."""

    class Meta:
        model = ServiceRecord
        fields = ["service_date", "description", "service_manager"]
        widgets = {
            "service_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args, manager_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if manager_choices is not None:
            # Read once per formset rather than once per row.
            self.fields["service_manager"].choices = manager_choices


class BaseServiceRecordFormSet(forms.BaseInlineFormSet):
    """The service records of one car, sharing one list of managers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._manager_choices = None

    def get_form_kwargs(self, index):
        """Return the row's kwargs, with the managers read only once."""
        kwargs = super().get_form_kwargs(index)
        if self._manager_choices is None:
            managers = self.form.base_fields["service_manager"]
            self._manager_choices = list(managers.choices)
        kwargs["manager_choices"] = self._manager_choices
        return kwargs


MAX_RECORD_ROWS = 1000

ServiceRecordFormSet = forms.inlineformset_factory(
    Car,
    ServiceRecord,
    form=ServiceRecordForm,
    formset=BaseServiceRecordFormSet,
    extra=EXTRA_RECORD_ROWS,
    can_delete=True,
    # A tampered TOTAL_FORMS must not make the server build endless rows.
    max_num=MAX_RECORD_ROWS,
    absolute_max=MAX_RECORD_ROWS,
    validate_max=True,
)


class CollaboratorForm(forms.ModelForm):
    """Edit a collaborator's name."""

    class Meta:
        model = Collaborator
        fields = ["name"]
