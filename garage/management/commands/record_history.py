"""Record the cars whose live data the history does not know yet."""

from django.core.management.base import BaseCommand

from garage import history
from garage.history.verify import history_car_ids


class Command(BaseCommand):
    help = (
        "Record a first version for every car without history, and an "
        "out-of-band version for every car changed behind the history's back "
        "(QuerySet.update, bulk_create, raw SQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--progress-every",
            type=int,
            default=500,
            help="Report progress every N cars (0: never).",
        )

    def handle(self, *args, progress_every=500, **options):
        car_ids = history_car_ids()
        recorded = {}
        for done, car_id in enumerate(car_ids, start=1):
            entry = history.record_out_of_band(car_id)
            if entry is not None:
                recorded[entry.kind] = recorded.get(entry.kind, 0) + 1
                self.stdout.write(
                    f"car {car_id}: recorded version {entry.version} ({entry.kind})"
                )
            if progress_every and done % progress_every == 0:
                self.stderr.write(f"checked {done} of {len(car_ids)} cars")
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(recorded.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {len(car_ids)} car(s); recorded {summary or 'nothing'}."
            )
        )
