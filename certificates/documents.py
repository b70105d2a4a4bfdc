"""What a certificate says, as its sheet, its PDF and its credential print it.

Built from a Certificate row by the selectors; the renderers take only this, so the HTML
page and the PDF always say the same thing.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    number: str  # short, human-readable reference printed on the sheet
    name: str  # the name on the certificate, fixed when it was issued
    course_title: str
    instructors: tuple[str, ...]
    issued_at: datetime
    course_length_seconds: int  # the length of the course's published lectures at issue
    verify_url: str  # absolute URL of the public verification page
    site_name: str
    revoked_at: datetime | None = None

    @property
    def course_length_minutes(self) -> int:
        return (self.course_length_seconds + 59) // 60
