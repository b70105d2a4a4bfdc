import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from certificates import qr, selectors
from certificates.pdf import certificate_pdf
from courses.page_cache import cache_for_anonymous
from progress.models import Enrollment
from progress.selectors import learnable_course

# The issuer's key may be kept a minute by browsers and proxies. The verification page is
# cached on the server and asked for again each time: a revocation must show at once.
PUBLIC_MAX_AGE = 60


@login_required
@require_GET
def my_certificates(request):
    certificates = [
        (certificate, selectors.linkedin_add_url(certificate))
        for certificate in selectors.student_certificates(student=request.user)
    ]
    return render(request, "certificates/my_certificates.html", {"certificates": certificates})


@login_required
@require_GET
def course_complete(request, slug):
    """The page a finished course leads to: the certificate, the review, what next."""
    course, _can_manage = learnable_course(user=request.user, slug=slug)
    enrollment = (
        Enrollment.objects.filter(student=request.user, course=course)
        .exclude(completed_at__isnull=True)
        .first()
    )
    if enrollment is None:
        return redirect(course.get_learn_url())
    certificate = selectors.certificate_of_enrollment(enrollment=enrollment)
    context = {"course": course, "enrollment": enrollment, "certificate": certificate}
    if certificate is not None:
        document = selectors.document_of(certificate)
        context |= {
            "document": document,
            "qr_svg": qr.qr_svg(document.verify_url),
            "linkedin_url": selectors.linkedin_add_url(certificate),
        }
    return render(request, "certificates/course_complete.html", context)


@require_GET
@cache_control(no_cache=True)
@cache_for_anonymous(entry=selectors.verification_page)
def verify(request, uuid):
    found = selectors.verification(uuid=uuid)
    if found is None:
        raise Http404
    context = {"verification": found, "qr_svg": qr.qr_svg(found.document.verify_url)}
    return render(request, "certificates/verify.html", context)


def _certificate_or_404(uuid):
    certificate = selectors.certificate_by_uuid(uuid=uuid)
    if certificate is None:
        raise Http404
    return certificate


@require_GET
def sheet(request, uuid):
    """The certificate as a printable page, the same design as its PDF."""
    document = selectors.document_of(_certificate_or_404(uuid))
    context = {"document": document, "qr_svg": qr.qr_svg(document.verify_url)}
    return render(request, "certificates/sheet.html", context)


def _filename(certificate, extension: str) -> str:
    return f"certificate-{slugify(certificate.course_title)[:60] or 'course'}.{extension}"


@require_GET
def pdf(request, uuid):
    certificate = _certificate_or_404(uuid)
    response = HttpResponse(
        certificate_pdf(selectors.document_of(certificate)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(certificate, "pdf")}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def credential(request, uuid):
    """The signed Open Badges 3.0 credential, as it was issued."""
    certificate = _certificate_or_404(uuid)
    response = HttpResponse(
        json.dumps(certificate.credential, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = _filename(certificate, "json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def issuer(request):
    """The issuer's profile with the public key its credentials verify with."""
    return JsonResponse(selectors.issuer_document(), json_dumps_params={"indent": 2})
