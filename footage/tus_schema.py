"""The OpenAPI description of the tus upload endpoints (footage/tus.py).

Those are plain Django views, which drf-spectacular cannot see, so their description is written
here and appended to the generated schema (SPECTACULAR_SETTINGS["APPEND_PATHS"]).
"""
from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/UploadRefusal"}


def _header(name: str, description: str, *, required: bool = True, integer: bool = False) -> dict:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "integer", "minimum": 0} if integer else {"type": "string"},
    }


_TUS_RESUMABLE = _header("Tus-Resumable", "Always `1.0.0`; other versions are refused with 412.")
_UPLOAD_ID = {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}


def _refusals(*statuses: int) -> dict:
    reasons = {
        400: "Malformed headers, or a chunk running past Upload-Length.",
        401: "Not signed in and no API token.",
        403: "Not allowed to add footage to this incident, or the CSRF token is missing.",
        404: "No such incident, or no such upload of yours (or the id is not a UUID).",
        409: "Upload-Offset is not the server's offset (another request wrote first); ask with HEAD.",
        410: "The upload was cancelled, expired or rejected (Upload-Rejection says why).",
        412: "Tus-Resumable is missing or not 1.0.0.",
        413: "Larger than Tus-Max-Size.",
        415: "PATCH bodies must be application/offset+octet-stream.",
        460: "The chunk does not match its Upload-Checksum; it was discarded.",
        503: "Storage is unavailable for the moment; try again.",
        507: "No room to store the upload.",
    }
    return {
        str(s): {"description": reasons[s], "content": {"application/json": {"schema": _ERROR}}}
        for s in statuses
    }


_UPLOAD_STATUS = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "url": {"type": "string", "format": "uri"},
        "filename": {"type": "string"},
        "incident": {"type": "integer"},
        "kind": {"type": "string"},
        "length": {"type": "integer"},
        "offset": {"type": "integer"},
        "state": {"type": "string", "enum": ["receiving", "ingested", "rejected", "terminated", "expired"]},
        "expires_at": {"type": "string", "format": "date-time"},
        "rejection": {
            "type": "object",
            "nullable": True,
            "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
        },
        "footage": {"type": "integer", "nullable": True},
        "footage_url": {"type": "string", "nullable": True},
    },
}

_OPTIONS = {
    "tags": ["uploads"],
    "summary": "What this tus server supports",
    "description": "Tus-Version, Tus-Extension (creation, termination, checksum, expiration), "
    "Tus-Checksum-Algorithm (sha256) and Tus-Max-Size headers. No authentication.",
    "security": [{}],
    "responses": {"204": {"description": "The server's capabilities, in headers."}},
}

APPEND_PATHS = {
    "/api/uploads/": {
        "options": {**_OPTIONS, "operationId": "uploads_options"},
        "get": {
            "operationId": "uploads_list_unfinished",
            "tags": ["uploads"],
            "summary": "Your unfinished uploads",
            "description": "Uploads of yours still receiving data (newest 50), so a client can offer to resume them.",
            "responses": {
                "200": {
                    "description": "Unfinished uploads.",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/UploadStatus"}}},
                    }}},
                },
                **_refusals(401, 403),
            },
        },
        "post": {
            "operationId": "uploads_create",
            "tags": ["uploads"],
            "summary": "Start a resumable upload (tus creation)",
            "description": "Upload-Metadata is tus's comma-separated `key base64value` list: `incident` (its id, "
            "required), `filename`, `kind` and `device_id`. The new upload's URL is in Location.",
            "parameters": [
                _TUS_RESUMABLE,
                _header("Upload-Length", "The file's size in bytes. Deferring it is not supported.", integer=True),
                _header("Upload-Metadata", "`incident`, `filename`, `kind`, `device_id`, base64-encoded values."),
            ],
            "responses": {
                "201": {"description": "Created; Location is the upload's URL, Upload-Expires its deadline."},
                **_refusals(400, 401, 403, 404, 412, 413, 503, 507),
            },
        },
    },
    "/api/uploads/{upload_id}/": {
        "options": {**_OPTIONS, "operationId": "upload_options", "parameters": [_UPLOAD_ID],
                    "responses": {**_OPTIONS["responses"], **_refusals(404)}},
        "get": {
            "operationId": "upload_status",
            "tags": ["uploads"],
            "summary": "An upload's state, as JSON",
            "parameters": [_UPLOAD_ID],
            "responses": {
                "200": {"description": "The upload.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UploadStatus"}}}},
                **_refusals(401, 404),
            },
        },
        "head": {
            "operationId": "upload_offset",
            "tags": ["uploads"],
            "summary": "How much the server has (tus core)",
            "description": "Upload-Offset and Upload-Length headers, no body. A complete upload is verified here "
            "and becomes footage.",
            "parameters": [_UPLOAD_ID, _TUS_RESUMABLE],
            "responses": {
                "200": {"description": "Upload-Offset is where to resume."},
                "401": {"description": "Not signed in and no API token."},
                "404": {"description": "No such upload of yours."},
                "410": {"description": "Cancelled, expired, or rejected (Upload-Rejection says why)."},
                "412": {"description": "Tus-Resumable is missing or not 1.0.0."},
            },
        },
        "patch": {
            "operationId": "upload_append",
            "tags": ["uploads"],
            "summary": "Append a chunk at Upload-Offset (tus core, checksum)",
            "description": "The body is written as it streams in. A chunk whose Upload-Checksum does not match is "
            "discarded whole; a chunk cut off midway keeps what arrived, and HEAD says where to resume. The last "
            "chunk is verified, and Footage-Location then names the new footage.",
            "parameters": [
                _UPLOAD_ID,
                _TUS_RESUMABLE,
                _header("Upload-Offset", "Where this chunk starts; must equal the server's offset.", integer=True),
                _header("Upload-Checksum", "`sha256 <base64 digest>` of this chunk.", required=False),
            ],
            "requestBody": {
                "required": True,
                "content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "204": {"description": "Stored; Upload-Offset is the new offset."},
                **_refusals(400, 401, 404, 409, 410, 412, 415, 460, 503, 507),
            },
        },
        "delete": {
            "operationId": "upload_terminate",
            "tags": ["uploads"],
            "summary": "Cancel an upload (tus termination)",
            "parameters": [_UPLOAD_ID, _TUS_RESUMABLE],
            "responses": {
                "204": {"description": "Cancelled; what was received is deleted."},
                **_refusals(401, 404, 412),
                "409": {"description": "A chunk is being written, or the upload has finished.",
                        "content": {"application/json": {"schema": _ERROR}}},
            },
        },
    },
}

APPEND_COMPONENTS = {
    "schemas": {
        "UploadRefusal": {
            "type": "object",
            "required": ["code", "detail"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs (e.g. `offset_mismatch`)."},
                "detail": {"type": "string", "description": "For people."},
            },
        },
        "UploadStatus": _UPLOAD_STATUS,
    },
}
