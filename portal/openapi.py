"""How the API describes itself: drf-spectacular's AutoSchema, plus the error answers every
operation can give, all with the one error body the API actually sends (`ErrorResponse`)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

# What `portal.api.exception_handler` sends for every refusal and error (`portal.refusals.error_body`).
ERROR_RESPONSE = {
    "type": "object",
    "description": "An error. `detail` says what went wrong, for people; `code` is stable, for programs; "
    "`errors`, where the input was at fault, names each field with its messages (fields nested in lists or "
    "objects give their errors by position or name; `non_field_errors` holds those about the whole request).",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong."},
        "code": {"type": "string", "description": "Stable, for programs: e.g. `invalid` (bad input), `forbidden`, "
                 "`not_found`, `wrong_state` (409: not in a state that allows the action), or the refusal's own "
                 "(`two_person_rule`, `captions_unreviewed`)."},
        "errors": {
            "type": "object",
            "description": "The fields at fault and their messages.",
            "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
        },
    },
    "required": ["detail", "code"],
}

# Statuses the framework itself answers with, whatever the view does.
DEFAULT_ERRORS = {
    "400": "Invalid input: each field at fault with its messages.",
    "401": "Not signed in: no API token, or one that is not valid.",
    "403": "Your role may not do this, or not to this object (with a session: the CSRF token is missing).",
    "404": "No such object, or not one you may see (for a list: no such page).",
    "415": "The body is not JSON, form data or multipart.",
}


class PortalAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return operation
        component = ResolvedComponent(name="ErrorResponse", type=ResolvedComponent.SCHEMA, object="ErrorResponse",
                                      schema=ERROR_RESPONSE)
        self.registry.register_on_missing(component)
        responses = operation["responses"]
        for status in self._framework_errors(operation):
            responses.setdefault(status, {"description": DEFAULT_ERRORS[status]})
        for status, response in responses.items():
            if status.startswith("4") and "content" not in response:
                response["content"] = {"application/json": {"schema": component.ref}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _framework_errors(self, operation: dict) -> list[str]:
        parameters = operation.get("parameters", [])
        statuses = []
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            statuses.append("400")
        if self.view.get_authenticators():
            statuses.append("401")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses.append("403")
        # Paginated lists answer a page past the end with 404, as DRF's paginator does.
        if any(p["in"] == "path" or (p["in"] == "query" and p["name"] == "page") for p in parameters):
            statuses.append("404")
        if "requestBody" in operation:
            statuses.append("415")
        return statuses
