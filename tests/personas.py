"""Personas (STYLE.md §8): a small tree with two Kreise and one user per role we test.

    Testland (land)
    ├── Landes-CERT (land_cert)          land_cert_analyst, land_cert_admin
    ├── Kommunal-CERT (kommunal_cert)
    ├── Dienstleister X (dienstleister)  provider_x
    ├── Kreis A (kreis)                  kreis_a_admin
    │   └── VG A (verbandsgemeinde)
    │       └── Gemeinde A1 (ortsgemeinde)   gemeinde_a1_member, gemeinde_a1_admin
    └── Kreis B (kreis)                  kreis_b_admin
        └── VG B (verbandsgemeinde)
            └── Gemeinde B1 (ortsgemeinde)   gemeinde_b1_member
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kommcert.accounts import passwords
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role, TokenScope, User
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing.actor import ANONYMOUS, Actor

PASSWORD = "correct horse battery staple"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return passwords.hash_password(PASSWORD)


@dataclass
class Personas:
    db: Session
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        if name == "anonymous":
            return ANONYMOUS
        return accounts_service.actor_for(self.db, self.users[name])

    def token(self, name: str, scope: TokenScope = TokenScope.read_write) -> str:
        text, _ = accounts_service.create_token(
            self.db, actor=None, user=self.users[name], name=f"test {name}", scope=scope, expires_at=None
        )
        self.db.flush()
        return text

    def auth(self, name: str, scope: TokenScope = TokenScope.read_write) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name, scope)}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token in page"
    return match.group(1)


def web_login(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def build_personas(db: Session) -> Personas:
    p = Personas(db)

    def org(key: str, kind: OrgKind, name: str, parent: str | None = None, **kw: object) -> None:
        p.orgs[key] = orgs_service.create_org(
            db, key=key, kind=kind, name=name, parent=p.orgs[parent] if parent else None, **kw
        )

    org("land", OrgKind.land, "Testland", ars="99")
    org("land_cert", OrgKind.land_cert, "Landes-CERT", "land")
    org("kommunal_cert", OrgKind.kommunal_cert, "Kommunal-CERT", "land")
    org("provider_x", OrgKind.dienstleister, "Dienstleister X", "land")
    org("kreis_a", OrgKind.kreis, "Kreis A", "land", ars="99101", ags="99101")
    org("vg_a", OrgKind.verbandsgemeinde, "VG A", "kreis_a", ars="991015001")
    org("gemeinde_a1", OrgKind.ortsgemeinde, "Gemeinde A1", "vg_a", ars="991015001001", ags="99101001")
    org("kreis_b", OrgKind.kreis, "Kreis B", "land", ars="99102", ags="99102")
    org("vg_b", OrgKind.verbandsgemeinde, "VG B", "kreis_b", ars="991025002")
    org("gemeinde_b1", OrgKind.ortsgemeinde, "Gemeinde B1", "vg_b", ars="991025002001", ags="99102001")

    def user(name: str, org_key: str, role: Role) -> None:
        u = User(org=p.orgs[org_key], email=f"{name}@example.test", name=name, role=role,
                 password_hash=password_hash())
        db.add(u)
        p.users[name] = u

    user("land_cert_analyst", "land_cert", Role.analyst)
    user("land_cert_admin", "land_cert", Role.admin)
    user("kreis_a_admin", "kreis_a", Role.admin)
    user("kreis_b_admin", "kreis_b", Role.admin)
    user("gemeinde_a1_member", "gemeinde_a1", Role.member)
    user("gemeinde_a1_admin", "gemeinde_a1", Role.admin)
    user("gemeinde_b1_member", "gemeinde_b1", Role.member)
    user("provider_x", "provider_x", Role.member)
    db.flush()
    return p


@pytest.fixture
def personas(db: Session) -> Personas:
    return build_personas(db)


@pytest.fixture
def login(client: TestClient, personas: Personas):  # noqa: ANN201
    """``login("kreis_a_admin")`` logs the test client in as that persona via the real form."""

    def _login(name: str) -> TestClient:
        return web_login(client, personas.users[name].email)

    return _login
