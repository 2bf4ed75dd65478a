"""Load realistic demo data: collaborators, cars and their service records.

The data is drawn from a seeded random generator, so every run produces the
same cars. Cars are keyed by licence plate: a car that already exists is left
alone, so running the command again creates nothing new.
"""

import datetime
import random
import string

from django.core.management.base import BaseCommand
from django.utils import timezone

from garage.history.units import recording
from garage.models import Car, Collaborator, ServiceRecord, normalize_plate

COLLABORATORS = [
    "Ana Ferreira",
    "Bruno Costa",
    "Carla Mendes",
    "Diogo Almeida",
    "Helena Sousa",
    "Marco Rossi",
    "Sophie Laurent",
    "Tomas Novak",
]

MODELS = [
    "Renault Clio",
    "Peugeot 208",
    "Peugeot 3008",
    "Citroen C3",
    "Volkswagen Golf",
    "Volkswagen Polo",
    "Volkswagen Passat",
    "Opel Corsa",
    "Opel Astra",
    "Fiat Panda",
    "Fiat 500",
    "Seat Ibiza",
    "Seat Leon",
    "Skoda Octavia",
    "Skoda Fabia",
    "Dacia Sandero",
    "Dacia Duster",
    "Toyota Yaris",
    "Toyota Corolla",
    "Ford Fiesta",
    "Ford Focus",
    "BMW 320d",
    "Mercedes-Benz A 180",
    "Audi A3 Sportback",
    "Volvo XC40",
    "Kia Ceed",
    "Hyundai i20",
    "Nissan Qashqai",
    "Tesla Model 3",
    "Mini Cooper",
]

# Descriptions with a weight: routine work is far more common than repairs.
SERVICES = [
    ("Oil change", 12),
    ("Annual inspection", 10),
    ("Oil and filter change", 8),
    ("Tyres rotated and balanced", 6),
    ("Brake pads replaced", 5),
    ("Winter tyres fitted", 4),
    ("Summer tyres fitted", 4),
    ("Air conditioning recharged", 3),
    ("Wiper blades replaced", 3),
    ("Battery replaced", 2),
    ("Timing belt replaced", 1),
    ("Clutch replaced", 1),
    ("Windscreen chip repaired", 2),
    ("Headlight bulb replaced", 2),
    ("Brake discs and pads replaced", 2),
    ("Diagnostic check: engine warning light", 2),
]

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
SEED = "fleet-demo"
HISTORY_DAYS = 3 * 365
PROGRESS_EVERY = 100


def _digits(rng, count):
    return "".join(rng.choice(string.digits) for _ in range(count))


def _letters(rng, count):
    return "".join(rng.choice(LETTERS) for _ in range(count))


def _plate(rng):
    """Return a plate written the way one European country writes it."""
    formats = [
        lambda: f"{_letters(rng, 2)}-{_digits(rng, 2)}-{_letters(rng, 2)}",  # PT
        lambda: f"{_letters(rng, 2)}-{_digits(rng, 3)}-{_letters(rng, 2)}",  # FR
        lambda: f"{_digits(rng, 4)} {_letters(rng, 3)}",  # ES
        lambda: f"{_letters(rng, 2)} {_digits(rng, 3)}{_letters(rng, 2)}",  # IT
        lambda: f"{rng.choice('BKMS')}-{_letters(rng, 2)} {_digits(rng, 4)}",  # DE
        lambda: f"{_digits(rng, 2)}-{_letters(rng, 3)}-{_digits(rng, 1)}",  # NL
        lambda: f"{_letters(rng, 2)}{_digits(rng, 2)} {_letters(rng, 3)}",  # UK
    ]
    return rng.choice(formats)()


def _services(rng, today):
    """Return (date, description, manager name) for one car, oldest first."""
    descriptions, weights = zip(*SERVICES, strict=True)
    count = rng.randint(0, 12)
    dates = sorted(
        today - datetime.timedelta(days=rng.randint(0, HISTORY_DAYS))
        for _ in range(count)
    )
    return [
        (date, rng.choices(descriptions, weights)[0], rng.choice(COLLABORATORS))
        for date in dates
    ]


def demo_cars(count, today):
    """Yield (plate, model, services) for the first ``count`` demo cars.

    Each car draws from its own seeded generator, so the first cars are the
    same whatever ``count`` is, and a larger run only adds cars.
    """
    seen = set()
    for index in range(count):
        rng = random.Random(f"{SEED}-{index}")
        plate = _plate(rng)
        while normalize_plate(plate) in seen:
            plate = _plate(rng)
        seen.add(normalize_plate(plate))
        yield plate, rng.choice(MODELS), _services(rng, today)


class Command(BaseCommand):
    help = "Load demo collaborators, cars and service records (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cars",
            type=int,
            default=40,
            help="Number of demo cars to make sure exist (default 40).",
        )

    def handle(self, *args, cars, **options):
        with recording(reason="Demo data"):
            managers = self._collaborators()
            created_cars, created_records = self._cars(cars, managers)

        if created_cars:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {created_cars} cars and {created_records} "
                    "service records."
                )
            )
        else:
            self.stdout.write(f"Demo data already loaded: all {cars} cars exist.")

    def _collaborators(self):
        """Return the demo collaborators by name, creating those missing."""
        return {
            name: Collaborator.objects.get_or_create(name=name)[0]
            for name in COLLABORATORS
        }

    def _cars(self, count, managers):
        today = timezone.localdate()
        existing = set(Car.objects.values_list("license_plate", flat=True))
        created_cars = created_records = 0

        for index, (plate, model, services) in enumerate(demo_cars(count, today), 1):
            if normalize_plate(plate) not in existing:
                car = Car.objects.create(license_plate=plate, model=model)
                for service_date, description, manager in services:
                    ServiceRecord.objects.create(
                        car=car,
                        service_date=service_date,
                        description=description,
                        service_manager=managers[manager],
                    )
                created_cars += 1
                created_records += len(services)
            if index % PROGRESS_EVERY == 0:
                self.stdout.write(f"  {index} of {count} cars checked")

        return created_cars, created_records
