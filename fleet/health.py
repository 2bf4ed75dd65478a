"""A health check for load balancers and process supervisors."""

import logging

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """Return 200 when the default database answers, 503 when it does not.

    The reply never says why: the reason goes to the log, not to whoever
    asked, since the endpoint needs no login.
    """
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check failed: the database did not answer")
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})
