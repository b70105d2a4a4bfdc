import django
import pytest
from django.conf import settings
from django.test import override_settings

from tests.fakes.cloudinary_server import FakeCloudinary

# Run standalone when no project settings are configured (e.g. before the skeleton lands).
if not settings.configured:
    settings.configure(
        SECRET_KEY="media-tests",
        USE_I18N=True,
        CLOUDINARY_URL="",
        UPLOAD_MAX_IMAGE_MB=5,
        UPLOAD_MAX_VIDEO_MB=500,
        UPLOAD_MAX_ATTACHMENT_MB=50,
    )
    django.setup()


@pytest.fixture
def fake_cloudinary():
    fake = FakeCloudinary(api_key="test-key", api_secret="test-secret", cloud_name="edu")
    with fake, override_settings(CLOUDINARY_URL=fake.cloudinary_url):
        yield fake
