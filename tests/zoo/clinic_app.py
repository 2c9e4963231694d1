"""A clinic's appointment API in Falcon (WSGI), written the way Falcon's own tutorials write one.

Style: one resource class per route with ``on_get``/``on_post``/``on_delete`` responders
(``on_get_collection`` style suffixes for the collection), JSON through
``req.get_media()``/``resp.media``, every success wrapped in ``{"result": ...}`` (lists
as ``{"result": [...], "count": n}``), Falcon's own error bodies (``{"title": "403
Forbidden", "description": ...}``) and its default 404/405, ``falcon.HTTP_201`` with
``resp.location`` and **no body** when an appointment is made, an auth middleware that
reads ``Authorization: Token <key>`` (opaque keys from ``POST /v1/sessions``), and the
caller's own id only under ``GET /v1/me``. The contract is a hand-written
``clinic/openapi.yaml``; roles are ``admin`` and ``patient``.

``create_app(secure=False)`` plants the flaws in ``clinic/ground_truth.yaml``;
``secure=True`` fixes each behind the same contract (and locks a login after five wrong
passwords a minute).
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import falcon

LOGIN_TRIES, LOGIN_WINDOW = 5, 60.0
LEAFLETS = {"flu.txt": "Rest, fluids, and see us if the fever lasts.", "diet.txt": "Eat greens."}
PUBLIC = {("POST", "/v1/sessions"), ("POST", "/v1/patients"), ("GET", "/v1/leaflets")}


@dataclass
class Clinic:
    """The running API's data, behind one lock (Falcon's WSGI server is threaded)."""

    secure: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    doctors: dict[int, dict[str, Any]] = field(default_factory=dict)
    appointments: dict[int, dict[str, Any]] = field(default_factory=dict)
    records: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[float]] = field(default_factory=dict)
    leaflets: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="clinic-")))
    serial: int = 100

    def next_id(self) -> int:
        """A fresh id (under the lock)."""
        self.serial += 1
        return self.serial


def _seed(clinic: Clinic) -> None:
    people = (
        (1, "admin@clinic.test", "Adm1n-clinic-77", "Ada Admin", "admin"),
        (2, "pat@clinic.test", "pat-pass-1", "Pat Patient", "patient"),
        (3, "quinn@clinic.test", "quinn-pass-1", "Quinn Patient", "patient"),
    )
    for uid, email, password, name, role in people:
        clinic.users[uid] = {"id": uid, "email": email, "password": password, "name": name}
        clinic.users[uid]["role"] = role
    clinic.records[2] = [{"date": "2026-03-02", "note": "pat: asthma, salbutamol 100 µg"}]
    clinic.records[3] = [{"date": "2026-04-11", "note": "quinn: HIV positive, on ART"}]
    clinic.doctors[11] = {"id": 11, "name": "Dr. Hart", "specialty": "cardiology"}
    clinic.doctors[11]["password_hash"] = "pbkdf2_sha256$600000$x1$Yk3w9AcbQ2f0ZyK1="
    clinic.appointments[51] = {"id": 51, "patient_id": 3, "doctor_id": 11, "when": "2026-12-01"}
    clinic.appointments[51]["reason"] = "quinn: follow-up on viral load"
    for name, text in LEAFLETS.items():
        (clinic.leaflets / name).write_text(text, encoding="utf-8")


class Auth:
    """Middleware: ``Authorization: Token <key>`` on everything but the public routes."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        """Look the key up; 401 in Falcon's own error shape when there is none."""
        if (req.method, req.uri_template) in PUBLIC or resource is None:
            return
        key = (req.get_header("Authorization") or "").removeprefix("Token ")
        uid = self.clinic.tokens.get(key)
        if uid is None:
            raise falcon.HTTPUnauthorized(title="Authentication required", challenges=["Token"])
        req.context.user = self.clinic.users[uid]


def _admin(req: falcon.Request) -> None:
    if req.context.user["role"] != "admin":
        raise falcon.HTTPForbidden(description="Only staff may do this.")


class Sessions:
    """``POST /v1/sessions``: an opaque key for e-mail and password."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Log in."""
        body = req.get_media(default_when_empty={})
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        recent = [t for t in self.clinic.failures.get(email, []) if time.monotonic() - t < 60]
        if self.clinic.secure and len(recent) >= LOGIN_TRIES:
            raise falcon.HTTPTooManyRequests(description="Try again later.", retry_after=60)
        user = next((u for u in self.clinic.users.values() if u["email"] == email), None)
        if user is None or not secrets.compare_digest(user["password"], password):
            self.clinic.failures[email] = [*recent, time.monotonic()]
            raise falcon.HTTPUnauthorized(title="Invalid credentials")
        key = secrets.token_urlsafe(24)
        self.clinic.tokens[key] = user["id"]
        resp.status = falcon.HTTP_201
        resp.media = {"result": {"token": key}}


class Patients:
    """``POST /v1/patients``: register; ``GET /v1/patients/{patient_id}/records``."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Register a patient."""
        body = req.get_media(default_when_empty={})
        fields = ("email", "password", "name")
        if not all(isinstance(body.get(f), str) and body[f] for f in fields):
            raise falcon.HTTPBadRequest(description="email, password and name are required")
        with self.clinic.lock:
            if any(u["email"] == body["email"] for u in self.clinic.users.values()):
                raise falcon.HTTPConflict(description="That e-mail is registered already.")
            uid = self.clinic.next_id()
            user = {f: body[f] for f in fields} | {"id": uid, "role": "patient"}
            self.clinic.users[uid] = user
            self.clinic.records[uid] = []
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/patients/{uid}"
        resp.media = {"result": {"id": uid, "email": user["email"], "name": user["name"]}}

    def on_get_records(self, req: falcon.Request, resp: falcon.Response, patient_id: int) -> None:
        """A patient's medical records."""
        me = req.context.user
        if self.clinic.secure and me["role"] != "admin" and me["id"] != patient_id:
            raise falcon.HTTPForbidden(description="These are not your records.")
        if patient_id not in self.clinic.records:
            raise falcon.HTTPNotFound()
        found = self.clinic.records[patient_id]
        resp.media = {"result": found, "count": len(found)}


class Me:
    """``GET /v1/me``: who the key belongs to."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The caller's own profile."""
        user = req.context.user
        resp.media = {"result": {k: user[k] for k in ("id", "email", "name", "role")}}


class Doctors:
    """The doctors' directory: everyone reads it, staff keeps it."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def _shown(self, doctor: dict[str, Any]) -> dict[str, Any]:
        if self.clinic.secure:
            return {k: v for k, v in doctor.items() if k != "password_hash"}
        return doctor

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Every doctor."""
        found = [self._shown(d) for d in self.clinic.doctors.values()]
        resp.media = {"result": found, "count": len(found)}

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Add a doctor (staff only)."""
        if self.clinic.secure:
            _admin(req)
        body = req.get_media(default_when_empty={})
        if not isinstance(body.get("name"), str) or not isinstance(body.get("specialty"), str):
            raise falcon.HTTPBadRequest(description="name and specialty are required")
        with self.clinic.lock:
            did = self.clinic.next_id()
            self.clinic.doctors[did] = {"id": did, "name": body["name"]}
            self.clinic.doctors[did]["specialty"] = body["specialty"]
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/doctors/{did}"
        resp.media = {"result": self._shown(self.clinic.doctors[did])}

    def on_get(self, req: falcon.Request, resp: falcon.Response, doctor_id: int) -> None:
        """One doctor."""
        if doctor_id not in self.clinic.doctors:
            raise falcon.HTTPNotFound()
        resp.media = {"result": self._shown(self.clinic.doctors[doctor_id])}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, doctor_id: int) -> None:
        """Remove a doctor (staff only, in both twins)."""
        _admin(req)
        if self.clinic.doctors.pop(doctor_id, None) is None:
            raise falcon.HTTPNotFound()
        resp.status = falcon.HTTP_204


class Appointments:
    """Appointments: made with 201 + Location and no body, read one by one."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Book an appointment for oneself."""
        body = req.get_media(default_when_empty={})
        doctor, when = body.get("doctor_id"), body.get("when")
        if doctor not in self.clinic.doctors or not isinstance(when, str):
            raise falcon.HTTPBadRequest(description="a known doctor_id and a when are required")
        with self.clinic.lock:
            aid = self.clinic.next_id()
            self.clinic.appointments[aid] = {
                "id": aid,
                "patient_id": req.context.user["id"],
                "doctor_id": doctor,
                "when": when,
                "reason": str(body.get("reason", "")),
            }
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/appointments/{aid}"

    def on_get(self, req: falcon.Request, resp: falcon.Response, appointment_id: int) -> None:
        """One appointment."""
        found = self.clinic.appointments.get(appointment_id)
        me = req.context.user
        mine = found is not None and (found["patient_id"] == me["id"] or me["role"] == "admin")
        if found is None or (self.clinic.secure and not mine):
            raise falcon.HTTPNotFound()
        resp.media = {"result": found}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, appointment_id: int) -> None:
        """Cancel one's own appointment."""
        found = self.clinic.appointments.get(appointment_id)
        if found is None or found["patient_id"] != req.context.user["id"]:
            raise falcon.HTTPNotFound()
        del self.clinic.appointments[appointment_id]
        resp.status = falcon.HTTP_204


class Leaflets:
    """``GET /v1/leaflets?name=``: a patient leaflet's text."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The leaflet called ``name``."""
        name = req.get_param("name", required=True)
        if self.clinic.secure and name not in LEAFLETS:
            raise falcon.HTTPNotFound()
        path = self.clinic.leaflets / name  # vulnerable: "../../etc/passwd" walks out
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            raise falcon.HTTPNotFound() from None
        resp.media = {"result": {"name": name, "text": text}}


def create_app(*, secure: bool = False) -> falcon.App:
    """The clinic API; ``secure`` fixes every planted flaw."""
    clinic = Clinic(secure=secure)
    _seed(clinic)
    app = falcon.App(middleware=[Auth(clinic)])
    patients, doctors, appointments = Patients(clinic), Doctors(clinic), Appointments(clinic)
    app.add_route("/v1/sessions", Sessions(clinic))
    app.add_route("/v1/patients", patients)
    app.add_route("/v1/patients/{patient_id:int}/records", patients, suffix="records")
    app.add_route("/v1/me", Me())
    app.add_route("/v1/doctors", doctors, suffix="collection")
    app.add_route("/v1/doctors/{doctor_id:int}", doctors)
    app.add_route("/v1/appointments", appointments, suffix="collection")
    app.add_route("/v1/appointments/{appointment_id:int}", appointments)
    app.add_route("/v1/leaflets", Leaflets(clinic))
    return app
