from django.db import migrations


def create_epoch(apps, schema_editor):
    # The row every cache key reads its epoch from (core.redis_cache); made lazily otherwise.
    apps.get_model("core", "CacheEpoch").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_cache_epoch")]

    operations = [migrations.RunPython(create_epoch, migrations.RunPython.noop)]
