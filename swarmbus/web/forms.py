"""Reading what a page POSTs: the form, its CSRF token, and problems next to their fields.

A form is read only after the front door (`guard`) let the request in, and
through its byte cap; its CSRF token is checked before a handler may store
anything. Field problems keep the CLI's exact one-line text, so a person sees
the same words on every face.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from swarmbus.web.access import CSRF_FIELD, CSRF_HEADER
from swarmbus.web.context import Refused, web

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 20
CSRF_REFUSAL = "the form's CSRF token is missing or wrong; reload the page, then try again"


class FieldProblems(Exception):
    """Values a person typed that the bus refuses: field name -> one line."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


async def read_form(request: Request) -> FormData:
    """The POSTed form once its CSRF token matched; 415 or 403 (nothing read further) if not."""
    context = web(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    header_token = request.headers.get(CSRF_HEADER)
    if kind != FORM_TYPE:  # no form to find a token in: a forged request, or a wrong client
        if not context.access.csrf_matches(header_token):
            raise Refused(403, CSRF_REFUSAL)
        raise Refused(415, f"send forms as {FORM_TYPE}")
    form = await request.form(
        max_files=0, max_fields=MAX_FIELDS, max_part_size=context.settings.max_body
    )
    token = form.get(CSRF_FIELD)
    given = token if isinstance(token, str) else header_token
    if not context.access.csrf_matches(given):
        raise Refused(
            403, "the form's CSRF token is missing or wrong; reload the page, then try again"
        )
    return form


def text(form: FormData, name: str) -> str:
    """A text field ('' when absent; a file upload is never a text field)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""
