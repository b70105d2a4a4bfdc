import pytest
from django.test import override_settings

from tests.fakes.cloudinary_server import FakeCloudinary


@pytest.fixture
def fake_cloudinary():
    fake = FakeCloudinary(api_key="test-key", api_secret="test-secret", cloud_name="edu")
    with fake, override_settings(CLOUDINARY_URL=fake.cloudinary_url):
        yield fake
