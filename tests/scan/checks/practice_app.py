"""A clinic's appointments API written the Flask way, with an "Admin only." listing.

Patients book appointments (``POST /appointments``), list their own (``GET
/appointments``, which takes a ``patient_id`` filter meant for the admin), read, reschedule
and cancel them by id. ``GET /admin/appointments`` is documented "Admin only." and lists
every appointment with the patient's e-mail. Seeded: appointments of alice and bob (the
identities a scan is given) and of dave (never logged in as).

Doctors (hale and ruiz, logged in before the patients) list and reschedule their own
patients' appointments: a doctor's write is always on a patient's object.

Each flaw is a switch, so one module gives the vulnerable API and its fixed twin:

* ``admin_leak``: the admin listing answers every logged-in user (BFLA);
* ``owner_check=False``: ``PATCH /appointments/<id>`` changes anyone's (BOLA on a write),
  and the ``patient_id`` filter is honoured for every caller (BOLA through a query).
"""

from __future__ import annotations

import copy
import secrets
import threading
from typing import Any

from flask import Flask, abort, jsonify, request

USERS = {
    "admin@clinic.test": {"id": 1, "name": "Ada Admin", "role": "admin", "password": "adm-pw-1"},
    "alice@clinic.test": {"id": 2, "name": "Alice Moss", "role": "patient", "password": "al-pw-2"},
    "bob@clinic.test": {"id": 3, "name": "Bob Reyes", "role": "patient", "password": "bo-pw-3"},
    "dave@clinic.test": {"id": 4, "name": "Dave Kim", "role": "patient", "password": "da-pw-4"},
    "hale@clinic.test": {"id": 5, "name": "dr-hale", "role": "doctor", "password": "ha-pw-5"},
    "ruiz@clinic.test": {"id": 6, "name": "dr-ruiz", "role": "doctor", "password": "ru-pw-6"},
}
SEED = {
    11: {"patient_id": 2, "doctor": "dr-hale", "reason": "migraine", "status": "booked"},
    12: {"patient_id": 3, "doctor": "dr-ruiz", "reason": "sprained ankle", "status": "booked"},
    13: {"patient_id": 4, "doctor": "dr-hale", "reason": "allergy review", "status": "booked"},
    14: {"patient_id": 2, "doctor": "dr-ruiz", "reason": "blood test", "status": "done"},
}
IDENTITIES = """\
identities:
  - name: admin
    role: admin
    login: {operation: POST /auth/login, json: {email: admin@clinic.test, password: adm-pw-1}, token: token}
  - name: hale
    role: doctor
    login: {operation: POST /auth/login, json: {email: hale@clinic.test, password: ha-pw-5}, token: token}
  - name: ruiz
    role: doctor
    login: {operation: POST /auth/login, json: {email: ruiz@clinic.test, password: ru-pw-6}, token: token}
  - name: alice
    role: patient
    login: {operation: POST /auth/login, json: {email: alice@clinic.test, password: al-pw-2}, token: token}
  - name: bob
    role: patient
    login: {operation: POST /auth/login, json: {email: bob@clinic.test, password: bo-pw-3}, token: token}
"""

_APPOINTMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "patient_id": {"type": "integer"},
        "doctor": {"type": "string"},
        "reason": {"type": "string"},
        "status": {"type": "string"},
    },
}
_PAGE = {"type": "object", "properties": {"data": {"type": "array", "items": _APPOINTMENT}}}
_ID = [{"name": "appointment_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_BOOKING = {
    "doctor": {"type": "string", "enum": ["dr-hale", "dr-ruiz"]},
    "reason": {"type": "string", "maxLength": 80},
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "clinic", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/auth/login": {
            "post": {
                "security": [],
                "requestBody": _body(
                    {"email": {"type": "string"}, "password": {"type": "string"}},
                    ["email", "password"],
                ),
                "responses": {"200": {"description": "a token"}, "401": {"description": "no"}},
            }
        },
        "/me": {"get": {"responses": {"200": _json("you", {"type": "object"})}}},
        "/appointments": {
            "get": {
                "summary": "My appointments (the admin may filter by patient)",
                "parameters": [
                    {"name": "patient_id", "in": "query", "schema": {"type": "integer"}}
                ],
                "responses": {"200": _json("appointments", _PAGE)},
            },
            "post": {
                "summary": "Book an appointment",
                "requestBody": _body(_BOOKING, ["doctor", "reason"]),
                "responses": {"201": _json("booked", _APPOINTMENT)},
            },
        },
        "/appointments/{appointment_id}": {
            "parameters": _ID,
            "get": {"responses": {"200": _json("one", _APPOINTMENT), "404": {"description": "no"}}},
            "patch": {
                "summary": "Reschedule or cancel my appointment",
                "requestBody": _body(
                    {
                        "reason": {"type": "string", "maxLength": 80},
                        "status": {"type": "string", "enum": ["booked", "cancelled"]},
                    },
                    [],
                ),
                "responses": {"200": _json("changed", _APPOINTMENT), "404": {"description": "no"}},
            },
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "no"}}},
        },
        "/admin/appointments": {
            "get": {
                "tags": ["admin"],
                "summary": "Every appointment with the patient's contact details. Admin only.",
                "responses": {"200": _json("appointments", _PAGE), "403": {"description": "no"}},
            }
        },
    },
}


class Clinic:
    """One instance of the API with its own state."""

    def __init__(self, *, admin_leak: bool, owner_check: bool) -> None:
        self.appointments: dict[int, dict[str, Any]] = copy.deepcopy(SEED)
        self.tokens: dict[str, dict[str, Any]] = {}
        self.admin_leak = admin_leak
        self.owner_check = owner_check
        self.lock = threading.Lock()
        self.app = self._build()

    def changed(self) -> dict[int, dict[str, Any]]:
        """The seeded appointments that differ from the seed (a deleted one reads as {})."""
        with self.lock:
            return {
                k: self.appointments.get(k, {})
                for k, v in SEED.items()
                if self.appointments.get(k) != v
            }

    def _build(self) -> Flask:
        app = Flask("clinic")

        def caller() -> dict[str, Any]:
            token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if token not in self.tokens:
                abort(401)
            return self.tokens[token]

        def out(key: int) -> dict[str, Any]:
            row = self.appointments[key]
            email = next(e for e, u in USERS.items() if u["id"] == row["patient_id"])
            return {"id": key, **row, "patient_email": email}

        def visible(key: int, user: dict[str, Any]) -> bool:
            found = self.appointments.get(key)
            return found is not None and (
                user["role"] == "admin"
                or found["patient_id"] == user["id"]
                or found["doctor"] == user["name"]
            )

        @app.get("/openapi.json")
        def spec() -> Any:
            return jsonify(SPEC)

        @app.post("/auth/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            user = USERS.get(str(body.get("email")))
            if user is None or user["password"] != body.get("password"):
                abort(401)
            token = secrets.token_urlsafe(16)
            self.tokens[token] = user
            return jsonify(token=token)

        @app.get("/me")
        def me() -> Any:
            user = caller()
            return jsonify(id=user["id"], name=user["name"], role=user["role"])

        @app.get("/appointments")
        def mine() -> Any:
            user = caller()
            wanted = request.args.get("patient_id", type=int)
            if wanted is None or (self.owner_check and user["role"] != "admin"):
                wanted = user["id"]
            with self.lock:
                if user["role"] == "doctor":  # a doctor's own patients' appointments
                    keys = [k for k, a in self.appointments.items() if a["doctor"] == user["name"]]
                else:
                    keys = [k for k, a in self.appointments.items() if a["patient_id"] == wanted]
                return jsonify(data=[out(k) for k in keys])

        @app.post("/appointments")
        def book() -> Any:
            user = caller()
            if user["role"] != "patient":
                abort(403)
            body = request.get_json(silent=True) or {}
            if body.get("doctor") not in ("dr-hale", "dr-ruiz") or not body.get("reason"):
                abort(422)
            with self.lock:
                key = max(self.appointments, default=10) + 1
                self.appointments[key] = {
                    "patient_id": user["id"],
                    "doctor": body["doctor"],
                    "reason": str(body["reason"])[:80],
                    "status": "booked",
                }
                return jsonify(id=key, status="booked"), 201

        @app.get("/appointments/<int:key>")
        def one(key: int) -> Any:
            user = caller()
            with self.lock:
                if not visible(key, user):
                    abort(404)
                return jsonify(out(key))

        @app.patch("/appointments/<int:key>")
        def change(key: int) -> Any:
            user = caller()
            body = request.get_json(silent=True) or {}
            with self.lock:
                found = self.appointments.get(key)
                if found is None or (self.owner_check and not visible(key, user)):
                    abort(404)
                if body.get("status") in ("booked", "cancelled"):
                    found["status"] = body["status"]
                if isinstance(body.get("reason"), str):
                    found["reason"] = body["reason"][:80]
                return jsonify(out(key))

        @app.delete("/appointments/<int:key>")
        def cancel(key: int) -> Any:
            user = caller()
            with self.lock:
                if not visible(key, user):
                    abort(404)
                del self.appointments[key]
                return "", 204

        @app.get("/admin/appointments")
        def everything() -> Any:
            user = caller()
            if user["role"] != "admin" and not self.admin_leak:
                abort(403)
            with self.lock:
                return jsonify(data=[out(k) for k in self.appointments])

        return app
