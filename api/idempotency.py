"""`Idempotency-Key` on POST: a retry after a lost answer must not make a second record.

The first answer is kept (for the client and the key) inside the same transaction as the write;
the same key with the same body gets it again; with another body, 422."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from .models import ApiClient, IdempotentRequest

HEADER = "Idempotency-Key"


class KeyReused(APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request."


def _hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def once(request, client: ApiClient, make_response) -> Response:
    """The response to this POST: made by `make_response()`, or the one kept for its key."""
    key = request.headers.get(HEADER)
    if key is None:
        return make_response()
    if not 1 <= len(key) <= 100:
        raise ValidationError({HEADER: ["Send a key of 1 to 100 characters."]})
    request_hash = _hash(request.data)
    kept = IdempotentRequest.objects.filter(client=client, key=key).first()
    if kept is None:
        try:
            with transaction.atomic():
                response = make_response()
                if response.status_code < 500:
                    IdempotentRequest.objects.create(
                        client=client,
                        key=key,
                        request_hash=request_hash,
                        status=response.status_code,
                        body=response.data,
                    )
                return response
        except IntegrityError:  # the same key at the same moment: the other one won
            kept = IdempotentRequest.objects.filter(client=client, key=key).first()
            if kept is None:
                raise
    if kept.request_hash != request_hash:
        raise KeyReused()
    return Response(kept.body, status=kept.status, headers={"Idempotent-Replayed": "true"})
