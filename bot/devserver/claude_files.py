"""The Files API of the Claude stand-in: files code execution made (`add_file`), their metadata
(GET /v1/files/{id}) and content (GET /v1/files/{id}/content), as anthropic 2.15.0's
`files.retrieve_metadata` / `files.download` read them (anthropic/resources/files.py,
anthropic/types/file_metadata.py). Unknown ids answer 404 not_found_error; a file marked
not downloadable answers 400 on /content, as uploaded files do on the real API."""

from __future__ import annotations

from aiohttp import web

from .claude_wire import error_response, new_id


class FilesMixin:
    """Mixed into ClaudeServer, which provides api_key, _notify and `files_read`."""

    def add_file(self, name: str, data: bytes, mime_type: str = "application/octet-stream",
                 downloadable: bool = True) -> str:
        file_id = new_id("file_011C")
        self.files[file_id] = {"filename": name, "mime_type": mime_type, "data": data,
                               "downloadable": downloadable}
        return file_id

    def _authorised(self, request: web.Request) -> bool:
        headers = {k.lower(): v for k, v in request.headers.items()}
        return self.api_key in (headers.get("x-api-key"),
                                headers.get("authorization", "").removeprefix("Bearer "))

    def _file(self, request: web.Request, rid: str) -> tuple[dict | None, web.Response | None]:
        file_id = request.match_info["file_id"]
        self.files_read.append(file_id)
        self._notify()
        if not self._authorised(request):
            return None, error_response(rid, 401)
        found = self.files.get(file_id)
        if found is None:
            return None, error_response(rid, 404, message=f"File not found: {file_id}")
        return found, None

    async def _file_metadata(self, request: web.Request) -> web.Response:
        rid = new_id("req_011C")
        found, error = self._file(request, rid)
        if error:
            return error
        return web.json_response({
            "id": request.match_info["file_id"], "type": "file", "filename": found["filename"],
            "mime_type": found["mime_type"], "size_bytes": len(found["data"]),
            "created_at": "2026-12-04T10:00:00Z", "downloadable": found["downloadable"]},
            headers={"request-id": rid})

    async def _file_content(self, request: web.Request) -> web.Response:
        rid = new_id("req_011C")
        found, error = self._file(request, rid)
        if error:
            return error
        if not found["downloadable"]:
            return error_response(rid, 400, message="This file is not downloadable.")
        return web.Response(body=found["data"], content_type=found["mime_type"],
                            headers={"request-id": rid})
