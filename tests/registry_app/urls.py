"""The test app's signed-in page (registered as ``registry.Pages``): the courses the user may record."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from nongthonso.accounts.services import restrict

from .apps import RECORD_COURSE
from .models import Course


@login_required
def my_courses(request):
    courses = restrict(Course.objects.select_related("unit"), request.user, RECORD_COURSE).order_by("held_on", "pk")
    return render(request, "registry_app/courses.html", {"courses": courses})


urlpatterns = [path("khoa-tap-huan/cua-toi/", my_courses, name="my_courses")]
