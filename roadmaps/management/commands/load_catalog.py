from pathlib import Path

from django.core.management.base import BaseCommand

from roadmaps.catalog.loader import DEFAULT_CATALOG_DIR, load_catalog


class Command(BaseCommand):
    help = "Load the curated career catalog (roles, skills, tracks). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DEFAULT_CATALOG_DIR)

    def handle(self, *args, directory: Path, **options):
        report = load_catalog(directory)
        self.stdout.write(f"Catalog loaded ({report.changed} changes). {report.summary()}")
