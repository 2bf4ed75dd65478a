from django.apps import AppConfig


class GarageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "garage"
    verbose_name = "Garage"

    def ready(self):
        from garage import signals

        signals.connect()
