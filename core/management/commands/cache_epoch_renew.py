from django.core.management.base import BaseCommand

from core.redis_cache import renew_epoch


class Command(BaseCommand):
    help = (
        "Give the cache a new epoch, so that no entry filed before is read again. Run it after "
        "restoring the database, before the restored database takes traffic."
    )

    def handle(self, *args, **options):
        token = renew_epoch()
        self.stdout.write(self.style.SUCCESS(f"Cache epoch renewed: {token}"))
