"""The user's notifications: the list (newest first, 50 a page), opening one (marks it read and goes to its page),
and marking them all read. Every query goes through ``Notification.objects.for_recipient``: another user's
notification is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import Notification

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    mine = Notification.objects.for_recipient(request.user).select_related("assessment__unit")
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread": services.unread_count(request.user)})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark the notification read and open the page it is about."""
    notification = get_object_or_404(Notification.objects.for_recipient(request.user), pk=pk)
    if not url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):  # a page of this site only
        raise Http404
    services.mark_read(request.user, [notification])
    return redirect(notification.link)


@login_required
@require_POST
def notification_read_all(request):
    done = services.mark_read(request.user)
    messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": done})
    return redirect("notifications")
