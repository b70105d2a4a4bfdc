from django.shortcuts import get_object_or_404, render

from courses.models import Course


def home(request):
    return render(request, "courses/home.html", {"courses": Course.objects.published()[:6]})


def catalog(request):
    return render(request, "courses/catalog.html", {"courses": Course.objects.published()[:20]})


def course_detail(request, slug):
    course = get_object_or_404(Course.objects.published(), slug=slug)
    return render(request, "courses/detail.html", {"course": course})
