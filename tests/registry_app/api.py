"""The test app's REST endpoint (registered as ``registry.ApiRouter``): the courses the caller may record."""

from ninja import Router, Schema

from nongthonso.accounts.services import restrict
from nongthonso.api.schemas import responses

from .apps import RECORD_COURSE
from .models import Course

router = Router(tags=["Tập huấn (thử)"])


class CourseOut(Schema):
    unit_code: str
    title: str


@router.get("/test-courses", response=responses(list[CourseOut]))
def list_test_courses(request):
    rows = restrict(Course.objects.all(), request.auth, RECORD_COURSE).order_by("held_on", "pk")
    return [CourseOut(unit_code=code, title=title) for code, title in rows.values_list("unit__code", "title")]
