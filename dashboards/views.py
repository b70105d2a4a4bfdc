from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dashboards import presentation
from dashboards.forms import bucket_from_query
from dashboards.selectors import analytics_course, course_analytics


@login_required
def course_analytics_view(request, slug):
    """Learning figures for one course: its instructors and admins only (404 for anyone else)."""
    course = analytics_course(user=request.user, slug=slug)
    if course is None:
        raise Http404
    form, bucket = bucket_from_query(request.GET)
    analytics = course_analytics(course=course, bucket=bucket)
    return render(
        request,
        "dashboards/course_analytics.html",
        {
            "course": course,
            "form": form,
            "analytics": analytics,
            "enrollment_chart": presentation.enrollment_chart(
                analytics.enrollments_by_bucket, bucket
            ),
            "funnel_chart": presentation.funnel_chart(analytics.funnel),
            "rating_chart": presentation.rating_chart(analytics.ratings),
        },
    )
