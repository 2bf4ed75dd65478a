from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bench.comparison"
    label = "comparison"
    verbose_name = "Benchmark comparison models"
