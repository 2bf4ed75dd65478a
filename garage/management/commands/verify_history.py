"""Replay every car's history and report each problem found."""

from django.core.management.base import BaseCommand, CommandError

from garage import history
from garage.history.verify import history_car_ids


class Command(BaseCommand):
    help = (
        "Replay each car's history from the empty dict, compare the last "
        "version with the live data, and print one line per problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--car",
            type=int,
            action="append",
            dest="cars",
            help="Check only this car id (may be repeated).",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=500,
            help="Report progress every N cars (0: never).",
        )

    def handle(self, *args, cars=None, progress_every=500, **options):
        car_ids = cars or history_car_ids()
        problems = 0
        for done, car_id in enumerate(car_ids, start=1):
            for problem in history.verify_car(car_id):
                problems += 1
                self.stdout.write(str(problem))
            if progress_every and done % progress_every == 0:
                self.stderr.write(f"checked {done} of {len(car_ids)} cars")
        if problems:
            raise CommandError(
                f"{problems} problem(s) found in the history of {len(car_ids)} car(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"History of {len(car_ids)} car(s) verified: no problem."
            )
        )
